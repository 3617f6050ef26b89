package handlers

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	qrcode "github.com/skip2/go-qrcode"

	"sinau/attendance"
	"sinau/i18n"
	"sinau/models"
	"sinau/services"
)

// readUpload reads the multipart field "file". Its name is kept only as
// data; the bytes never touch the file system under a name a user chose.
func readUpload(c echo.Context) (string, []byte, error) {
	fh, err := c.FormFile("file")
	if err != nil {
		if bodyTooLarge(err) {
			return "", nil, echo.NewHTTPError(http.StatusRequestEntityTooLarge)
		}
		return "", nil, services.Invalid("file", "required")
	}
	f, err := fh.Open()
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return "", nil, err
	}
	return fh.Filename, data, nil
}

func (a *App) renderAttendance(c echo.Context, status int, w *models.Webinar, res *services.ImportResult, errs map[string]string, warnings []string) error {
	ctx := c.Request().Context()
	stats, err := a.attendance.StatsFor(ctx, w.ID)
	if err != nil {
		return err
	}
	reports, err := a.attendance.Reports(ctx, w.ID)
	if err != nil {
		return err
	}
	open, err := a.attendance.CurrentCode(ctx, w.ID)
	if err != nil {
		return err
	}
	if res == nil && len(reports) > 0 {
		if res, err = a.attendance.Summary(ctx, w.ID); err != nil {
			return err
		}
	}
	p := a.page(c, a.cat.T(lang(c), "attendance.title"), map[string]any{"W": w, "Stats": stats, "Reports": reports, "Result": res,
		"OpenCode": open, "Warnings": warnings, "Mapping": c.Get("mapping")})
	p.Errors = errs
	return a.render(c, status, "organizer/attendance", p)
}

func (a *App) attendancePage(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	return a.renderAttendance(c, http.StatusOK, w, nil, nil, nil)
}

func formThreshold(c echo.Context) (*int, error) {
	s := strings.TrimSpace(c.FormValue("threshold_percent"))
	if s == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return nil, services.Invalid("threshold_percent", "range", 1, 100)
	}
	return &n, nil
}

func (a *App) importReport(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	res, err := a.importFrom(c, w)
	if err != nil {
		var ce *services.ConflictError
		if errors.As(err, &ce) && ce.Code == "report_mismatch" {
			return a.renderAttendance(c, http.StatusConflict, w, nil, nil, a.texts(lang(c), ce.Details))
		}
		var nm *services.NeedsMapping
		if errors.As(err, &nm) {
			c.Set("mapping", nm)
			return a.renderAttendance(c, http.StatusUnprocessableEntity, w, nil, map[string]string{"file": a.cat.T(lang(c), "attendance.needs_mapping")}, nil)
		}
		errs, err := a.formErrors(c, err)
		if err != nil {
			return err
		}
		return a.renderAttendance(c, http.StatusUnprocessableEntity, w, nil, errs, nil)
	}
	if res.Duplicate {
		a.flash(c, "flash.report_duplicate")
	} else {
		a.flash(c, "flash.report_imported")
	}
	return c.Redirect(http.StatusSeeOther, webinarPath(w)+"/attendance")
}

func (a *App) importFrom(c echo.Context, w *models.Webinar) (*services.ImportResult, error) {
	name, data, err := readUpload(c)
	if err != nil {
		return nil, err
	}
	threshold, err := formThreshold(c)
	if err != nil {
		return nil, err
	}
	force := c.FormValue("force") == "true" || c.FormValue("force") == "on"
	var mapping *attendance.Mapping
	if m := (attendance.Mapping{Name: c.FormValue("map_name"), Email: c.FormValue("map_email"), Join: c.FormValue("map_join"),
		Leave: c.FormValue("map_leave"), Minutes: c.FormValue("map_minutes")}); m != (attendance.Mapping{}) {
		mapping = &m
	}
	return a.attendance.ImportIn(c.Request().Context(), currentUser(c), w.ID, name, data, threshold, force, mapping, c.FormValue("timezone"))
}

func (a *App) decideAttendance(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	rid, _ := strconv.ParseUint(c.FormValue("registration_id"), 10, 32)
	if _, err := a.attendance.Decide(c.Request().Context(), currentUser(c), w.ID, c.FormValue("key"), c.FormValue("decision"), uint(rid)); err != nil {
		errs, err := a.formErrors(c, err)
		if err != nil {
			return err
		}
		return a.renderAttendance(c, http.StatusUnprocessableEntity, w, nil, errs, nil)
	}
	a.flash(c, "flash.attendance_saved")
	return c.Redirect(http.StatusSeeOther, webinarPath(w)+"/attendance#unmatched")
}

func (a *App) completeAttendance(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	if _, err := a.attendance.Complete(c.Request().Context(), w.ID); err != nil {
		return a.conflictBack(c, err, webinarPath(w)+"/attendance")
	}
	a.flash(c, "flash.attendance_complete")
	return c.Redirect(http.StatusSeeOther, webinarPath(w)+"/attendance#complete")
}

func (a *App) apiCompleteAttendance(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	res, err := a.attendance.Complete(c.Request().Context(), w.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, importResponse{ImportResult: res, Warnings: []string{}})
}

func (a *App) attendanceOptions(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(c.FormValue("threshold_percent"))
	if err != nil {
		n = 0
	}
	if err := a.attendance.SetOptions(c.Request().Context(), w.ID, n, c.FormValue("code_counts") == "on"); err != nil {
		errs, err := a.formErrors(c, err)
		if err != nil {
			return err
		}
		return a.renderAttendance(c, http.StatusUnprocessableEntity, w, nil, errs, nil)
	}
	a.flash(c, "flash.attendance_saved")
	return c.Redirect(http.StatusSeeOther, webinarPath(w)+"/attendance")
}

func (a *App) openCode(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	length, _ := strconv.Atoi(c.FormValue("length"))
	minutes, _ := strconv.Atoi(c.FormValue("minutes"))
	if _, err := a.attendance.OpenCode(c.Request().Context(), currentUser(c), w.ID, length, minutes); err != nil {
		errs, err := a.formErrors(c, err)
		if err != nil {
			return err
		}
		return a.renderAttendance(c, http.StatusUnprocessableEntity, w, nil, errs, nil)
	}
	return c.Redirect(http.StatusSeeOther, webinarPath(w)+"/attendance#code")
}

func (a *App) overrideAttendance(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := a.attendance.Override(c.Request().Context(), currentUser(c), id, c.FormValue("value"), c.FormValue("reason")); err != nil {
		var ve *services.ValidationError
		if errors.As(err, &ve) {
			a.flash(c, "flash.override_reason")
			return c.Redirect(http.StatusSeeOther, "/organizer/registrations/"+c.Param("id"))
		}
		return err
	}
	a.flash(c, "flash.attendance_saved")
	return c.Redirect(http.StatusSeeOther, "/organizer/registrations/"+c.Param("id"))
}

// checkinPage is the door staff's scanner: camera, name search and the
// running count.
func (a *App) checkinPage(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	counts, err := a.attendance.CheckinStatus(c.Request().Context(), w.ID)
	if err != nil {
		return err
	}
	return a.render(c, http.StatusOK, "organizer/checkin", a.page(c, a.cat.T(lang(c), "checkin.title"), map[string]any{"W": w, "Counts": counts}))
}

// checkin answers the scanner with JSON, so a scan costs one small request.
func (a *App) checkin(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	rid, _ := strconv.ParseUint(c.FormValue("registration_id"), 10, 32)
	token := c.FormValue("token")
	if token == "" && rid == 0 {
		return c.JSON(http.StatusUnprocessableEntity, map[string]string{"status": "error", "message": a.cat.T(lang(c), "checkin.bad")})
	}
	res, err := a.attendance.CheckIn(c.Request().Context(), currentUser(c), w.ID, token, uint(rid))
	if err != nil {
		var ce *services.ConflictError
		if errors.As(err, &ce) {
			return c.JSON(http.StatusConflict, map[string]string{"status": "error", "message": a.cat.T(lang(c), "checkin."+ce.Code)})
		}
		return err
	}
	counts, err := a.attendance.CheckinStatus(c.Request().Context(), w.ID)
	if err != nil {
		return err
	}
	at := i18n.Clock(lang(c), res.At.In(w.Location()))
	msg := a.cat.T(lang(c), "checkin.ok", res.Name, at)
	status := "ok"
	if res.Already {
		status, msg = "already", a.cat.T(lang(c), "checkin.already", res.Name, at)
	}
	return c.JSON(http.StatusOK, map[string]any{"status": status, "message": msg, "name": res.Name, "checked_in": counts.CheckedIn, "registered": counts.Registered})
}

// checkinSearch finds registrants by name, email or phone for people who
// arrive without their QR code.
func (a *App) checkinSearch(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	q := strings.TrimSpace(c.QueryParam("q"))
	type hit struct {
		ID        uint   `json:"id"`
		Name      string `json:"name"`
		Detail    string `json:"detail"`
		CheckedIn bool   `json:"checked_in"`
	}
	out := []hit{}
	if len([]rune(q)) >= 2 {
		list, _, err := a.regs.List(c.Request().Context(), services.RegistrationFilter{WebinarID: w.ID, Status: models.RegRegistered, Query: q, PerPage: 10})
		if err != nil {
			return err
		}
		for _, r := range list {
			out = append(out, hit{ID: r.ID, Name: r.Name, Detail: maskEmail(services.ContactEmail(r.Email)), CheckedIn: r.CheckedInAt != nil})
		}
	}
	return c.JSON(http.StatusOK, out)
}

// maskEmail shows enough of an address to tell two namesakes apart at the
// door without reading it out in full.
func maskEmail(e string) string {
	at := strings.IndexByte(e, '@')
	if at <= 1 {
		return e
	}
	return e[:1] + strings.Repeat("•", min(at-1, 6)) + e[at:]
}

// checkinHome lists the webinars door staff may open, soonest first.
func (a *App) checkinHome(c echo.Context) error {
	now := a.now()
	list, _, err := a.webinars.List(c.Request().Context(), services.WebinarFilter{Statuses: []string{models.StatusPublished},
		NotEndedAt: &now, PerPage: services.MaxPerPage})
	if err != nil {
		return err
	}
	return a.render(c, http.StatusOK, "organizer/checkin_home", a.page(c, a.cat.T(lang(c), "checkin.title"), list))
}

// enterCode is a participant typing the code shown in the session.
func (a *App) enterCode(c echo.Context) error {
	token := c.Param("token")
	err := a.attendance.EnterCode(c.Request().Context(), token, c.FormValue("code"))
	switch {
	case err == nil:
		a.flash(c, "flash.code_ok")
	case errors.Is(err, models.ErrNotFound):
		return a.badLink(c)
	default:
		var ve *services.ValidationError
		var ce *services.ConflictError
		if !errors.As(err, &ve) && !errors.As(err, &ce) {
			return err
		}
		a.flash(c, "flash.code_wrong")
	}
	return c.Redirect(http.StatusSeeOther, "/registrations/"+token+"#code")
}

// registrationQR is the ticket's QR code as a PNG.
func (a *App) registrationQR(c echo.Context) error {
	personalHeaders(c)
	reg, _, err := a.regs.ByToken(c.Request().Context(), c.Param("token"))
	if err != nil || reg.Status != models.RegRegistered {
		return echo.ErrNotFound
	}
	tok, err := a.attendance.CheckinToken(c.Request().Context(), reg.ID)
	if err != nil {
		return err
	}
	png, err := qrcode.Encode(tok, qrcode.Medium, 320)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "image/png", png)
}

// ticket is a printable page with the QR code.
func (a *App) ticket(c echo.Context) error {
	personalHeaders(c)
	reg, w, err := a.regs.ByToken(c.Request().Context(), c.Param("token"))
	if err != nil || reg.Status != models.RegRegistered {
		return a.badLink(c)
	}
	return a.render(c, http.StatusOK, "public/ticket", a.page(c, w.Title, map[string]any{"R": reg, "W": w}))
}

// API

// importResponse is an import's result with its warnings in the client's
// language.
type importResponse struct {
	*services.ImportResult
	Warnings []string `json:"warnings"`
}

func (a *App) apiImportReport(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	res, err := a.importFrom(c, w)
	var nm *services.NeedsMapping
	if errors.As(err, &nm) {
		return &services.ValidationError{Fields: map[string]services.FieldError{"file": {Code: "needs_mapping", Args: []any{strings.Join(nm.Columns, ", ")}}}}
	}
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if res.Duplicate {
		status = http.StatusOK
	}
	return c.JSON(status, importResponse{ImportResult: res, Warnings: a.texts(lang(c), res.Warnings)})
}

func (a *App) apiAttendance(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	type row struct {
		RegistrationID uint     `json:"registration_id"`
		Email          string   `json:"email"`
		Minutes        float64  `json:"minutes"`
		Percent        float64  `json:"percent"`
		Attended       *bool    `json:"attended"`
		Sources        []string `json:"sources"`
	}
	out := []row{}
	err = a.regs.Each(c.Request().Context(), services.RegistrationFilter{WebinarID: w.ID, Status: models.RegRegistered}, func(r *models.Registration) error {
		x := row{RegistrationID: r.ID, Email: services.ContactEmail(r.Email), Minutes: r.AttendedMinutes, Percent: r.AttendedPercent, Attended: r.Attended, Sources: []string{}}
		if r.AttendedMinutes > 0 {
			x.Sources = append(x.Sources, "report")
		}
		if r.CodeEnteredAt != nil {
			x.Sources = append(x.Sources, "code")
		}
		if r.CheckedInAt != nil {
			x.Sources = append(x.Sources, "checkin")
		}
		if r.AttendanceOverride != nil {
			x.Sources = append(x.Sources, "override:"+*r.AttendanceOverride)
		}
		out = append(out, x)
		return nil
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"threshold_percent": w.AttendanceThreshold, "actual_minutes": w.ActualMinutes, "items": out})
}
