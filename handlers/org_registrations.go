package handlers

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/xuri/excelize/v2"

	"sinau/mailer"
	"sinau/models"
	"sinau/regions"
	"sinau/services"
)

// registrantFilter is the registrants table's filter as typed.
type registrantFilter struct {
	Status, Q, Regency string
	Channel            uint
}

func (a *App) bindRegistrantFilter(c echo.Context, webinarID uint) (registrantFilter, services.RegistrationFilter) {
	rf := registrantFilter{Status: c.QueryParam("status"), Q: c.QueryParam("q"), Regency: c.QueryParam("regency")}
	if id, err := strconv.ParseUint(c.QueryParam("channel"), 10, 32); err == nil {
		rf.Channel = uint(id)
	}
	page, _ := strconv.Atoi(c.QueryParam("page"))
	return rf, services.RegistrationFilter{WebinarID: webinarID, Status: rf.Status, Query: rf.Q, ChannelID: rf.Channel, RegencyCode: rf.Regency, Page: page}
}

func (a *App) renderRegistrants(c echo.Context, status int, w *models.Webinar, add regForm, errs map[string]string) error {
	ctx := c.Request().Context()
	rf, f := a.bindRegistrantFilter(c, w.ID)
	list, total, err := a.regs.List(ctx, f)
	if err != nil {
		fe, ferr := a.formErrors(c, err)
		if ferr != nil {
			return ferr
		}
		errs = fe
	}
	counts, err := a.regs.CountsFor(ctx, w.ID)
	if err != nil {
		return err
	}
	chans, err := a.channels.List(ctx, w.ID)
	if err != nil {
		return err
	}
	names := map[uint]string{}
	for _, ch := range chans {
		names[ch.ID] = ch.Name
	}
	form, err := a.regs.Form(ctx, w)
	if err != nil {
		return err
	}
	p := a.page(c, w.Title, map[string]any{"W": w, "List": list, "Total": total, "Counts": counts, "Channels": chans,
		"ChannelNames": names, "Filter": rf, "RegForm": form,
		"Pagination": newPagination(max(f.Page, 1), 50, total),
		"Query":      queryString("status", rf.Status, "q", rf.Q, "regency", rf.Regency, "channel", rf.Channel)})
	p.Form, p.Errors = add, errs
	return a.render(c, status, "organizer/registrants", p)
}

func (a *App) registrants(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	return a.renderRegistrants(c, http.StatusOK, w, regForm{}, nil)
}

// addRegistrant is an organizer entering someone by hand, e.g. from a
// phone call; the participant's consent is the organizer's to obtain.
func (a *App) addRegistrant(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	f := regForm{Name: c.FormValue("name"), Email: c.FormValue("email"), Phone: c.FormValue("phone"),
		Organisation: c.FormValue("organisation"), Regency: c.FormValue("regency_code")}
	res, err := a.regs.Register(c.Request().Context(), w.ID, services.RegistrationInput{Name: f.Name, Email: f.Email, Phone: f.Phone,
		Organisation: f.Organisation, RegencyCode: f.Regency, Lang: lang(c), Source: "organizer", Consent: true, Answers: map[string]any{}})
	if err != nil {
		errs, err := a.formErrors(c, err)
		if err != nil {
			return err
		}
		return a.renderRegistrants(c, http.StatusUnprocessableEntity, w, f, errs)
	}
	a.mailQueued()
	if res.Already {
		a.flash(c, "flash.already_registered")
	} else {
		a.flash(c, "flash.registrant_added")
	}
	return c.Redirect(http.StatusSeeOther, webinarPath(w)+"/registrations")
}

func (a *App) registrant(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	reg, err := a.regs.Get(ctx, id)
	if err != nil {
		return err
	}
	w, err := a.webinars.Get(ctx, reg.WebinarID)
	if err != nil {
		return err
	}
	form, err := a.regs.Form(ctx, w)
	if err != nil {
		return err
	}
	pos, err := a.regs.WaitlistPosition(ctx, reg)
	if err != nil {
		return err
	}
	answers := services.DecodeAnswers(reg.Answers)
	type qa struct {
		Question string
		Answer   string
	}
	var qas []qa
	for _, q := range form.Questions {
		qas = append(qas, qa{q.Label, services.AnswerText(answers[strconv.FormatUint(uint64(q.ID), 10)], ", ")})
	}
	var channel string
	if reg.ChannelID != nil {
		names, err := a.channels.Names(ctx, w.ID)
		if err != nil {
			return err
		}
		channel = names[*reg.ChannelID]
	}
	audit, err := a.attendance.Audit(ctx, reg.ID)
	if err != nil {
		return err
	}
	personalHeaders(c)
	return a.render(c, http.StatusOK, "organizer/registrant", a.page(c, reg.Name, map[string]any{
		"R": reg, "W": w, "Position": pos, "Answers": qas, "Channel": channel, "Audit": audit}))
}

func (a *App) registrantAction(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var reg *models.Registration
	switch c.FormValue("action") {
	case "cancel":
		reg, err = a.regs.Cancel(ctx, id)
	case "promote":
		reg, err = a.regs.Promote(ctx, id)
	default:
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	if err != nil {
		return a.conflictBack(c, err, "/organizer/registrations/"+c.Param("id"))
	}
	a.mailQueued()
	a.flash(c, "flash.registrant_"+c.FormValue("action"))
	return c.Redirect(http.StatusSeeOther, "/organizer/registrations/"+strconv.FormatUint(uint64(reg.ID), 10))
}

// exportColumns are the header row of registrant exports.
func (a *App) exportColumns(l string, qs []models.Question) []string {
	cols := []string{"id", a.cat.T(l, "field.status"), a.cat.T(l, "field.name"), a.cat.T(l, "field.email"), a.cat.T(l, "field.whatsapp"),
		a.cat.T(l, "field.gender"), a.cat.T(l, "field.age_range"), a.cat.T(l, "field.occupation"), a.cat.T(l, "field.organisation"),
		a.cat.T(l, "filter.province"), a.cat.T(l, "filter.regency"), a.cat.T(l, "registrants.channel"), a.cat.T(l, "registrants.registered_at"),
		a.cat.T(l, "attendance.minutes"), a.cat.T(l, "attendance.percent"), a.cat.T(l, "attendance.attended")}
	for _, q := range qs {
		cols = append(cols, q.Label)
	}
	return cols
}

func (a *App) exportRow(l string, r *models.Registration, qs []models.Question, channels map[uint]string, loc *time.Location) []string {
	prov, regency := "", ""
	if rg, ok := regions.RegencyByCode(r.RegencyCode); ok {
		regency = rg.Name
		p, _ := regions.ProvinceByCode(rg.ProvinceCode)
		prov = p.Name
	}
	label := func(prefix, v string) string {
		if v == "" {
			return ""
		}
		return a.cat.T(l, prefix+v)
	}
	ch := ""
	if r.ChannelID != nil {
		ch = channels[*r.ChannelID]
	}
	row := []string{strconv.FormatUint(uint64(r.ID), 10), a.cat.T(l, "regstatus."+r.Status), r.Name, services.ContactEmail(r.Email), r.Phone,
		label("gender.", r.Gender), label("age.", r.AgeRange), label("occupation.", r.Occupation), r.Organisation, prov, regency, ch,
		r.CreatedAt.In(loc).Format("2006-01-02 15:04"), "", "", ""}
	if r.Attended != nil {
		n := len(row)
		row[n-3], row[n-2] = strconv.FormatFloat(r.AttendedMinutes, 'f', 1, 64), strconv.FormatFloat(r.AttendedPercent, 'f', 1, 64)
		row[n-1] = a.cat.T(l, map[bool]string{true: "attendance.yes", false: "attendance.no"}[*r.Attended])
	}
	answers := services.DecodeAnswers(r.Answers)
	for _, q := range qs {
		row = append(row, services.AnswerText(answers[strconv.FormatUint(uint64(q.ID), 10)], "; "))
	}
	return row
}

// safeCell stops spreadsheet formula injection: a cell that starts with
// = + - @ is written as text, unless it is a plain number such as an E.164
// phone number, which no spreadsheet runs.
func safeCell(s string) string {
	if s == "" || !strings.ContainsRune("=+-@\t\r", rune(s[0])) || plainNumber.MatchString(s) {
		return s
	}
	return "'" + s
}

var plainNumber = regexp.MustCompile(`^[+-]?[0-9]+$`)

// exportRegistrants streams the filtered registrants as CSV or XLSX. Rows
// are read in batches and written as they come, so memory stays flat.
func (a *App) exportRegistrants(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	format := c.Param("format")
	if format != "csv" && format != "xlsx" {
		return models.ErrNotFound
	}
	_, f := a.bindRegistrantFilter(c, w.ID)
	form, err := a.regs.Form(ctx, w)
	if err != nil {
		return err
	}
	names, err := a.channels.Names(ctx, w.ID)
	if err != nil {
		return err
	}
	l, loc := lang(c), w.Location()
	cols := a.exportColumns(l, form.Questions)
	name := fmt.Sprintf("registrants-%d-%s.%s", w.ID, a.now().In(loc).Format("20060102-1504"), format)
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	h.Set("Cache-Control", "no-store")
	if format == "csv" {
		h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
		c.Response().WriteHeader(http.StatusOK)
		cw := csv.NewWriter(c.Response())
		c.Response().Write([]byte("\ufeff")) // lets spreadsheet apps read UTF-8
		cw.Write(cols)
		err := a.regs.Each(ctx, f, func(r *models.Registration) error {
			row := a.exportRow(l, r, form.Questions, names, loc)
			for i := range row {
				row[i] = safeCell(row[i])
			}
			return cw.Write(row)
		})
		cw.Flush()
		return err
	}
	x := excelize.NewFile()
	defer x.Close()
	sheet := x.GetSheetName(0)
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	cell := func(vals []string) []any {
		out := make([]any, len(vals))
		for i, v := range vals {
			out[i] = v
		}
		return out
	}
	if err := sw.SetRow("A1", cell(cols)); err != nil {
		return err
	}
	rowNum := 2
	err = a.regs.Each(ctx, f, func(r *models.Registration) error {
		axis, _ := excelize.CoordinatesToCellName(1, rowNum)
		rowNum++
		return sw.SetRow(axis, cell(a.exportRow(l, r, form.Questions, names, loc)))
	})
	if err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	h.Set(echo.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Response().WriteHeader(http.StatusOK)
	return x.Write(c.Response())
}

// settingsPage shows a webinar's registration settings: form fields,
// deadline, custom questions and tracking links.
func (a *App) renderRegSettings(c echo.Context, status int, w *models.Webinar, errs map[string]string) error {
	ctx := c.Request().Context()
	form, err := a.regs.Form(ctx, w)
	if err != nil {
		return err
	}
	chans, err := a.channels.List(ctx, w.ID)
	if err != nil {
		return err
	}
	deadline := ""
	if w.RegistrationDeadline != nil {
		deadline = w.RegistrationDeadline.In(w.Location()).Format("2006-01-02T15:04")
	}
	p := a.page(c, w.Title, map[string]any{"W": w, "RegForm": form, "Channels": chans, "Deadline": deadline,
		"Fields": models.FormFields, "BaseURL": a.cfg.BaseURL.String()})
	p.Errors = errs
	return a.render(c, status, "organizer/registration_settings", p)
}

func (a *App) regSettings(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	return a.renderRegSettings(c, http.StatusOK, w, nil)
}

func (a *App) saveRegForm(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	cfg := services.FormConfig{}
	for _, f := range models.FormFields {
		cfg[f] = c.FormValue("field_" + f)
	}
	var deadline *time.Time
	if s := c.FormValue("deadline"); s != "" {
		t, err := time.ParseInLocation("2006-01-02T15:04", s, w.Location())
		if err != nil {
			return a.renderRegSettings(c, http.StatusUnprocessableEntity, w, map[string]string{"registration_deadline": a.cat.T(lang(c), "err.invalid")})
		}
		deadline = &t
	}
	err = a.channels.SetForm(c.Request().Context(), w.ID, cfg, deadline)
	return a.regSettingsSaved(c, w, err, "flash.settings_saved", "")
}

// regSettingsSaved ends a registration-settings form: its validation errors
// inline (422), or the notice and back to the page at fragment.
func (a *App) regSettingsSaved(c echo.Context, w *models.Webinar, err error, notice, fragment string) error {
	if err != nil {
		errs, err := a.formErrors(c, err)
		if err != nil {
			return err
		}
		return a.renderRegSettings(c, http.StatusUnprocessableEntity, w, errs)
	}
	a.flash(c, notice)
	return c.Redirect(http.StatusSeeOther, webinarPath(w)+"/registration"+fragment)
}

func (a *App) addQuestion(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	in := services.QuestionInput{Kind: c.FormValue("kind"), Label: c.FormValue("label"),
		Choices: strings.Split(c.FormValue("choices"), "\n"), Required: c.FormValue("required") == "on"}
	_, err = a.channels.AddQuestion(c.Request().Context(), w.ID, in)
	return a.regSettingsSaved(c, w, err, "flash.settings_saved", "#questions")
}

func (a *App) removeQuestion(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	qid, err := idParam(c, "question")
	if err != nil {
		return err
	}
	if err := a.channels.RemoveQuestion(c.Request().Context(), w.ID, qid); err != nil {
		return err
	}
	return a.regSettingsSaved(c, w, nil, "flash.settings_saved", "#questions")
}

func (a *App) addChannel(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	_, err = a.channels.Create(c.Request().Context(), w.ID, c.FormValue("name"))
	return a.regSettingsSaved(c, w, err, "flash.channel_created", "#channels")
}

func (a *App) mailPage(c echo.Context) error {
	page, _ := strconv.Atoi(c.QueryParam("page"))
	var wid uint
	if id, err := strconv.ParseUint(c.QueryParam("webinar"), 10, 32); err == nil {
		wid = uint(id)
	}
	status := c.QueryParam("status")
	list, total, counts, err := a.mailLog.List(c.Request().Context(), services.MailFilter{WebinarID: wid, Status: status, Page: page})
	if err != nil {
		return err
	}
	p := a.page(c, a.cat.T(lang(c), "mail.title"), map[string]any{"List": list, "Total": total, "Counts": counts, "Webinar": wid,
		"SMTP": a.cfg.SMTPURL != nil, "Pagination": newPagination(max(page, 1), 50, total),
		"Query": queryString("webinar", wid, "status", status), "Status": status})
	return a.render(c, http.StatusOK, "organizer/mail", p)
}

// renderedMessage loads the outbox message the path names and renders it
// as it was, or will be, sent. The answer carries personal data.
func (a *App) renderedMessage(c echo.Context) (*models.MailMessage, *mailer.Rendered, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return nil, nil, err
	}
	msg, err := a.mailLog.Get(c.Request().Context(), id)
	if err != nil {
		return nil, nil, err
	}
	r, err := a.mailer.Render(c.Request().Context(), msg)
	if err != nil {
		return nil, nil, err
	}
	personalHeaders(c)
	return msg, r, nil
}

func (a *App) mailMessage(c echo.Context) error {
	msg, r, err := a.renderedMessage(c)
	if err != nil {
		return err
	}
	return a.render(c, http.StatusOK, "organizer/mail_message", a.page(c, r.Subject, map[string]any{"M": msg, "R": r}))
}

// mailMessageHTML serves a message's HTML part for the preview frame. Email
// HTML needs inline styles, so it gets its own strict, sandboxed policy.
func (a *App) mailMessageHTML(c echo.Context) error {
	_, r, err := a.renderedMessage(c)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox")
	c.Response().Header().Set("X-Frame-Options", "SAMEORIGIN")
	return c.HTML(http.StatusOK, r.HTML)
}
