package handlers

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sinau/i18n"
	"sinau/models"
	"sinau/regions"
	"sinau/services"
)

// webinarForm is the webinar form as typed, kept to re-render after errors.
type webinarForm struct {
	Title, Description, Date, Time, Timezone, Duration, Regency string
	Audience, Platform, JoinURL, Venue, Capacity, ProgrammeID   string
	Reminders, FollowupDelay                                    string
	// Presets are the checked reminder presets; Reminders holds the
	// other offsets, typed.
	Presets []string
}

// reminderPresets are the reminder offsets offered as checkboxes.
var reminderPresets = []string{"168h", "72h", "24h", "3h", "1h", "30m"}

// splitOffsets puts offsets that are presets in the first list, the rest
// in the second.
func splitOffsets(offsets []string) (presets, others []string) {
	for _, o := range offsets {
		if slices.Contains(reminderPresets, o) {
			presets = append(presets, o)
		} else {
			others = append(others, o)
		}
	}
	return presets, others
}

// presetBox is one reminder checkbox of the form.
type presetBox struct {
	Value, Label string
	Checked      bool
}

func presetBoxes(l string, checked []string) []presetBox {
	out := make([]presetBox, len(reminderPresets))
	for i, p := range reminderPresets {
		d, _ := time.ParseDuration(p)
		out[i] = presetBox{Value: p, Label: i18n.Duration(l, d), Checked: slices.Contains(checked, p)}
	}
	return out
}

func formOf(w *models.Webinar) webinarForm {
	local := w.StartsAt.In(w.Location())
	f := webinarForm{
		Title: w.Title, Description: w.Description, Date: local.Format("2006-01-02"), Time: local.Format("15:04"),
		Timezone: w.Timezone, Duration: strconv.Itoa(w.DurationMinutes), Regency: w.RegencyCode,
		Audience: w.Audience, Platform: w.Platform, JoinURL: w.JoinURL, Venue: w.Venue, Capacity: strconv.Itoa(w.Capacity),
		FollowupDelay: strconv.Itoa(w.FollowupDelayMinutes),
	}
	presets, others := splitOffsets(services.FieldsOf(w).ReminderOffsets)
	f.Presets, f.Reminders = presets, strings.Join(others, ", ")
	if w.ProgrammeID != nil {
		f.ProgrammeID = strconv.FormatUint(uint64(*w.ProgrammeID), 10)
	}
	return f
}

func bindWebinarForm(c echo.Context) webinarForm {
	v := func(k string) string { return strings.TrimSpace(c.FormValue(k)) }
	return webinarForm{
		Title: v("title"), Description: v("description"), Date: v("date"), Time: v("time"), Timezone: v("timezone"),
		Duration: v("duration_minutes"), Regency: v("regency_code"), Audience: v("audience"), Platform: v("platform"),
		JoinURL: v("join_url"), Venue: v("venue"), Capacity: v("capacity"), ProgrammeID: v("programme_id"),
		Reminders: v("reminder_offsets"), FollowupDelay: v("followup_delay_minutes"), Presets: c.Request().Form["reminder_preset"],
	}
}

// fields converts the typed form; the start is read as a wall-clock time in
// the chosen zone. Numbers that do not parse are sent on as invalid values so
// the service reports them with the others.
func (f webinarForm) fields() services.WebinarFields {
	out := services.WebinarFields{
		Title: f.Title, Description: f.Description, Timezone: f.Timezone, RegencyCode: f.Regency,
		Audience: f.Audience, Platform: f.Platform, JoinURL: f.JoinURL, Venue: f.Venue,
	}
	if loc, err := time.LoadLocation(f.Timezone); err == nil && f.Timezone != "" {
		if t, err := time.ParseInLocation("2006-01-02 15:04", f.Date+" "+f.Time, loc); err == nil {
			out.StartsAt = t
		}
	}
	if n, err := strconv.Atoi(f.Duration); err == nil {
		out.DurationMinutes = n
	}
	out.Capacity = 0
	if f.Capacity != "" {
		if n, err := strconv.Atoi(f.Capacity); err == nil {
			out.Capacity = n
		} else {
			out.Capacity = -1
		}
	}
	if id, err := strconv.ParseUint(f.ProgrammeID, 10, 32); err == nil && id > 0 {
		pid := uint(id)
		out.ProgrammeID = &pid
	}
	// Checked presets, then the typed offsets; one typed as well as
	// checked counts once.
	out.ReminderOffsets = append([]string{}, f.Presets...)
	checked := map[time.Duration]bool{}
	for _, p := range f.Presets {
		if d, err := time.ParseDuration(p); err == nil {
			checked[d] = true
		}
	}
	for _, part := range strings.FieldsFunc(f.Reminders, func(r rune) bool { return r == ',' || r == ' ' }) {
		if d, err := time.ParseDuration(part); err == nil && checked[d] {
			continue
		}
		out.ReminderOffsets = append(out.ReminderOffsets, part)
	}
	switch n, err := strconv.Atoi(f.FollowupDelay); {
	case f.FollowupDelay == "":
		out.FollowupDelayMinutes = services.DefaultFollowupDelay
	case err == nil:
		out.FollowupDelayMinutes = n
	default:
		out.FollowupDelayMinutes = -1
	}
	return out
}

func idParam(c echo.Context, name string) (uint, error) {
	id, err := strconv.ParseUint(c.Param(name), 10, 32)
	if err != nil || id == 0 {
		return 0, models.ErrNotFound
	}
	return uint(id), nil
}

func (a *App) dashboard(c echo.Context) error {
	if currentUser(c).IsStaff() {
		return c.Redirect(http.StatusSeeOther, "/organizer/checkin")
	}
	ctx := c.Request().Context()
	now := a.now()
	upcoming, nUp, err := a.webinars.List(ctx, services.WebinarFilter{NotEndedAt: &now, PerPage: services.MaxPerPage,
		Statuses: []string{models.StatusDraft, models.StatusPublished}})
	if err != nil {
		return err
	}
	page, _ := strconv.Atoi(c.QueryParam("page"))
	past, nPast, err := a.webinars.List(ctx, services.WebinarFilter{EndedBefore: &now, Page: page, PerPage: 20})
	if err != nil {
		return err
	}
	p := a.page(c, a.cat.T(lang(c), "dashboard.title"), map[string]any{
		"Upcoming": upcoming, "UpcomingTotal": nUp, "Past": past, "PastPages": newPagination(page, 20, nPast),
	})
	return a.render(c, http.StatusOK, "organizer/dashboard", p)
}

func (a *App) renderWebinarForm(c echo.Context, status int, w *models.Webinar, f webinarForm, errs map[string]string) error {
	progs, err := a.programmes.List(c.Request().Context())
	if err != nil {
		return err
	}
	title := a.cat.T(lang(c), "webinar.new")
	if w != nil {
		title = a.cat.T(lang(c), "webinar.edit")
	}
	p := a.page(c, title, map[string]any{"W": w, "Programmes": progs, "ReminderPresets": presetBoxes(lang(c), f.Presets)})
	p.Form, p.Errors = f, errs
	return a.render(c, status, "organizer/webinar_form", p)
}

func (a *App) newWebinar(c echo.Context) error {
	start := a.now().In(models.Location(regions.WIB.Name)).Add(7 * 24 * time.Hour)
	f := webinarForm{Date: start.Format("2006-01-02"), Time: "09:00", Timezone: regions.WIB.Name, Duration: "120",
		Audience: "general", Platform: "zoom", Capacity: "300", Presets: services.DefaultReminderOffsets,
		FollowupDelay: strconv.Itoa(services.DefaultFollowupDelay)}
	return a.renderWebinarForm(c, http.StatusOK, nil, f, nil)
}

func (a *App) createWebinar(c echo.Context) error {
	f := bindWebinarForm(c)
	w, err := a.webinars.Create(c.Request().Context(), currentUser(c), f.fields())
	if err != nil {
		errs, err := a.formErrors(c, err)
		if err != nil {
			return err
		}
		return a.renderWebinarForm(c, http.StatusUnprocessableEntity, nil, f, errs)
	}
	a.flash(c, "flash.webinar_created")
	return c.Redirect(http.StatusSeeOther, "/organizer/webinars/"+strconv.FormatUint(uint64(w.ID), 10))
}

func (a *App) loadWebinar(c echo.Context) (*models.Webinar, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return nil, err
	}
	return a.webinars.Get(c.Request().Context(), id)
}

// loadVisibleWebinar is loadWebinar for API routes open to the public: a
// webinar never published is not found unless an organizer asks. organizer
// says whether one did.
func (a *App) loadVisibleWebinar(c echo.Context) (w *models.Webinar, organizer bool, err error) {
	if w, err = a.loadWebinar(c); err != nil {
		return nil, false, err
	}
	organizer = currentUser(c) != nil
	if !organizer && w.PublishedAt == nil {
		return nil, false, models.ErrNotFound
	}
	return w, organizer, nil
}

func (a *App) editWebinar(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	return a.renderWebinarForm(c, http.StatusOK, w, formOf(w), nil)
}

func (a *App) updateWebinar(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	f := bindWebinarForm(c)
	if _, err := a.webinars.Update(c.Request().Context(), w.ID, f.fields()); err != nil {
		errs, err := a.formErrors(c, err)
		if err != nil {
			return err
		}
		return a.renderWebinarForm(c, http.StatusUnprocessableEntity, w, f, errs)
	}
	a.flash(c, "flash.webinar_saved")
	return c.Redirect(http.StatusSeeOther, webinarPath(w))
}

func webinarPath(w *models.Webinar) string {
	return "/organizer/webinars/" + strconv.FormatUint(uint64(w.ID), 10)
}

// lineupForm is the add-to-line-up form as typed.
type lineupForm struct {
	Role, Pillar, Topic, Name, Email, Affiliation, Title string
}

func (a *App) renderWebinarShow(c echo.Context, status int, w *models.Webinar, lf lineupForm, errs map[string]string) error {
	groups, others := groupLineup(w)
	ctx := c.Request().Context()
	chans, err := a.channels.List(ctx, w.ID)
	if err != nil {
		return err
	}
	runs, err := a.scheduler.ReminderRuns(ctx, w.ID)
	if err != nil {
		return err
	}
	type reminder struct {
		Offset string
		Due    time.Time
		Runs   []models.ReminderRun
	}
	var reminders []reminder
	for _, off := range services.OffsetsOf(w) {
		r := reminder{Offset: i18n.Duration(lang(c), off), Due: w.StartsAt.Add(-off)}
		for _, run := range runs {
			if run.OffsetSeconds == int64(off.Seconds()) && run.StartsAt.Equal(w.StartsAt) {
				r.Runs = append(r.Runs, run)
			}
		}
		reminders = append(reminders, r)
	}
	p := a.page(c, w.Title, map[string]any{"W": w, "Groups": groups, "Others": others, "Channels": chans, "Reminders": reminders,
		"FollowupAt": w.EndsAt.Add(time.Duration(w.FollowupDelayMinutes) * time.Minute), "Ended": !a.now().Before(w.EndsAt),
		"PublicURL": a.cfg.BaseURL.String() + "/webinars/" + w.Slug})
	p.Form, p.Errors = lf, errs
	return a.render(c, status, "organizer/webinar_show", p)
}

func (a *App) showWebinar(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	return a.renderWebinarShow(c, http.StatusOK, w, lineupForm{Role: models.RoleSpeaker}, nil)
}

func (a *App) changeWebinarStatus(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	status := c.FormValue("status")
	if _, err := a.webinars.SetStatus(c.Request().Context(), w.ID, status); err != nil {
		errs, err := a.formErrors(c, err)
		if err != nil {
			return err
		}
		return a.renderWebinarShow(c, http.StatusConflict, w, lineupForm{Role: models.RoleSpeaker}, errs)
	}
	a.flash(c, "flash.status_"+status)
	return c.Redirect(http.StatusSeeOther, webinarPath(w))
}

func (a *App) sendFollowups(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	if _, err := a.scheduler.SendFollowups(c.Request().Context(), w.ID); err != nil {
		errs, err := a.formErrors(c, err)
		if err != nil {
			return err
		}
		return a.renderWebinarShow(c, http.StatusConflict, w, lineupForm{Role: models.RoleSpeaker}, errs)
	}
	a.mailQueued()
	a.flash(c, "flash.followups_queued")
	return c.Redirect(http.StatusSeeOther, webinarPath(w))
}

func (a *App) duplicateWebinar(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	w, err := a.webinars.Duplicate(c.Request().Context(), currentUser(c), id)
	if err != nil {
		return err
	}
	a.flash(c, "flash.webinar_duplicated")
	return c.Redirect(http.StatusSeeOther, webinarPath(w)+"/edit")
}

func (a *App) runSheet(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	return a.renderRunSheet(c, http.StatusOK, w, nil)
}

func (a *App) addLineupEntry(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	lf := lineupForm{Role: c.FormValue("role"), Pillar: c.FormValue("pillar"), Topic: c.FormValue("topic"),
		Name: c.FormValue("name"), Email: c.FormValue("email"), Affiliation: c.FormValue("affiliation"), Title: c.FormValue("person_title")}
	in := services.LineupInput{Role: lf.Role, Pillar: lf.Pillar, Topic: lf.Topic,
		Person: services.PersonInput{Name: lf.Name, Email: lf.Email, Affiliation: lf.Affiliation, Title: lf.Title}}
	if lf.Role != models.RoleSpeaker {
		in.Pillar = ""
	}
	if _, err := a.webinars.AddLineupEntry(c.Request().Context(), w.ID, in); err != nil {
		errs, err := a.formErrors(c, err)
		if err != nil {
			return err
		}
		return a.renderWebinarShow(c, http.StatusUnprocessableEntity, w, lf, errs)
	}
	a.flash(c, "flash.lineup_added")
	return c.Redirect(http.StatusSeeOther, webinarPath(w)+"#lineup")
}

func (a *App) updateLineupEntry(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	entryID, err := idParam(c, "entry")
	if err != nil {
		return err
	}
	in := services.LineupInput{Role: c.FormValue("role"), Pillar: c.FormValue("pillar"), Topic: c.FormValue("topic")}
	if in.Role != models.RoleSpeaker {
		in.Pillar = ""
	}
	if _, err := a.webinars.UpdateLineupEntry(c.Request().Context(), w.ID, entryID, in); err != nil {
		errs, err := a.formErrors(c, err)
		if err != nil {
			return err
		}
		return a.renderWebinarShow(c, http.StatusUnprocessableEntity, w, lineupForm{Role: models.RoleSpeaker}, errs)
	}
	a.flash(c, "flash.lineup_saved")
	return c.Redirect(http.StatusSeeOther, webinarPath(w)+"#lineup")
}

func (a *App) removeLineupEntry(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	entryID, err := idParam(c, "entry")
	if err != nil {
		return err
	}
	if err := a.webinars.RemoveLineupEntry(c.Request().Context(), w.ID, entryID); err != nil {
		return err
	}
	a.flash(c, "flash.lineup_removed")
	return c.Redirect(http.StatusSeeOther, webinarPath(w)+"#lineup")
}

func (a *App) moveLineupEntry(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	entryID, err := idParam(c, "entry")
	if err != nil {
		return err
	}
	delta := 1
	if c.FormValue("direction") == "up" {
		delta = -1
	}
	if err := a.webinars.MoveLineupEntry(c.Request().Context(), w.ID, entryID, delta); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, webinarPath(w)+"#lineup")
}
