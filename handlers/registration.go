package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"sinau/calendar"
	"sinau/mailer"
	"sinau/models"
	"sinau/services"
)

// regForm is the registration form as typed.
type regForm struct {
	Name, Email, Phone, Gender, AgeRange, Occupation, Organisation, Regency, Ref string
	Consent                                                                      bool
	Answers                                                                      map[string]any
}

// Answer returns what was typed or picked for a question.
func (f regForm) Answer(id uint) any { return f.Answers[strconv.FormatUint(uint64(id), 10)] }

// Picked reports whether a choice was picked for a question.
func (f regForm) Picked(id uint, choice string) bool {
	switch v := f.Answer(id).(type) {
	case string:
		return v == choice
	case []string:
		for _, s := range v {
			if s == choice {
				return true
			}
		}
	}
	return false
}

// mailQueued wakes the mail workers after a change that queued mail.
func (a *App) mailQueued() {
	if a.mailer != nil {
		a.mailer.Wake()
	}
}

func (a *App) renderWebinarPage(c echo.Context, status int, w *models.Webinar, f regForm, errs map[string]string, notice string) error {
	form, err := a.regs.Form(c.Request().Context(), w)
	if err != nil {
		return err
	}
	groups, others := groupLineup(w)
	mats, err := a.speakers.Materials(c.Request().Context(), w.ID, services.ViewerPublic)
	if err != nil {
		return err
	}
	p := a.page(c, w.Title, map[string]any{"W": w, "Groups": groups, "Others": others, "RegForm": form, "Notice": notice, "Materials": mats,
		"Full": w.Capacity > 0 && w.RegisteredCount >= w.Capacity, "Left": w.Capacity - w.RegisteredCount})
	p.Form, p.Errors = f, errs
	return a.render(c, status, "public/webinar", p)
}

func (a *App) webinarPage(c echo.Context) error {
	w, err := a.webinars.GetPublic(c.Request().Context(), c.Param("slug"))
	if err != nil {
		return err
	}
	ref := c.QueryParam("ref")
	if len(ref) > 20 {
		ref = ""
	}
	return a.renderWebinarPage(c, http.StatusOK, w, regForm{Ref: ref}, nil, "")
}

func (a *App) register(c echo.Context) error {
	ctx := c.Request().Context()
	w, err := a.webinars.GetPublic(ctx, c.Param("slug"))
	if err != nil {
		return err
	}
	form, err := a.regs.Form(ctx, w)
	if err != nil {
		return err
	}
	f := regForm{Name: c.FormValue("name"), Email: c.FormValue("email"), Phone: c.FormValue("phone"), Gender: c.FormValue("gender"),
		AgeRange: c.FormValue("age_range"), Occupation: c.FormValue("occupation"), Organisation: c.FormValue("organisation"),
		Regency: c.FormValue("regency_code"), Ref: c.FormValue("ref"), Consent: c.FormValue("consent") == "yes", Answers: map[string]any{}}
	values, _ := c.FormParams()
	for _, q := range form.Questions {
		key := strconv.FormatUint(uint64(q.ID), 10)
		if q.Kind == models.QuestionMultiple {
			if picked := values["q_"+key]; len(picked) > 0 {
				f.Answers[key] = picked
			}
		} else if v := values.Get("q_" + key); v != "" {
			f.Answers[key] = v
		}
	}
	// A bot fills every field, the hidden one too: it gets a page that looks
	// like success and nothing is stored.
	if c.FormValue("website") != "" {
		return a.renderWebinarPage(c, http.StatusOK, w, regForm{}, nil, a.cat.T(lang(c), "register.received"))
	}
	res, err := a.regs.Register(ctx, w.ID, services.RegistrationInput{Name: f.Name, Email: f.Email, Phone: f.Phone, Gender: f.Gender,
		AgeRange: f.AgeRange, Occupation: f.Occupation, Organisation: f.Organisation, RegencyCode: f.Regency, Answers: f.Answers,
		Consent: f.Consent, Ref: f.Ref, Lang: lang(c), Source: "web"})
	if err != nil {
		if errors.Is(err, services.ErrRegistrationClosed) {
			return a.renderWebinarPage(c, http.StatusConflict, w, f, nil, a.cat.T(lang(c), "error.registration_closed"))
		}
		errs, err := a.formErrors(c, err)
		if err != nil {
			return err
		}
		return a.renderWebinarPage(c, http.StatusUnprocessableEntity, w, f, errs, "")
	}
	a.mailQueued()
	if res.Already {
		return a.renderWebinarPage(c, http.StatusConflict, w, regForm{}, nil, a.cat.T(lang(c), "error.already_registered"))
	}
	a.flash(c, "flash.registered_"+res.Registration.Status)
	return c.Redirect(http.StatusSeeOther, "/registrations/"+res.Registration.Token)
}

// personalHeaders keep a personal page out of caches, search engines and
// Referer headers sent to the meeting platform.
func personalHeaders(c echo.Context) {
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Robots-Tag", "noindex")
}

func (a *App) registrationPage(c echo.Context) error {
	personalHeaders(c)
	reg, w, err := a.regs.ByToken(c.Request().Context(), c.Param("token"))
	if err != nil {
		return a.badLink(c)
	}
	pos, err := a.regs.WaitlistPosition(c.Request().Context(), reg)
	if err != nil {
		return err
	}
	regURL := a.cfg.BaseURL.String() + "/registrations/" + reg.Token
	ev := mailer.Event(w, regURL, a.now(), a.cfg.BaseURL.Hostname(), mailer.Where(a.cat, lang(c), w))
	viewer := services.ViewerPublic
	if reg.Status == models.RegRegistered {
		viewer = services.ViewerRegistrant
	}
	mats, err := a.speakers.Materials(c.Request().Context(), w.ID, viewer)
	if err != nil {
		return err
	}
	p := a.page(c, w.Title, map[string]any{"R": reg, "W": w, "Position": pos, "GoogleURL": calendar.GoogleURL(ev), "Materials": mats,
		"CanCancel": reg.Status != models.RegCancelled && a.now().Before(w.StartsAt) && w.Status == models.StatusPublished,
		"ShowJoin":  reg.Status == models.RegRegistered && w.Status == models.StatusPublished && w.JoinURL != ""})
	return a.render(c, http.StatusOK, "public/registration", p)
}

// badLink answers any unknown, mistyped or cancelled-webinar token the same
// way, so the page tells nothing about which tokens exist.
func (a *App) badLink(c echo.Context) error {
	p := a.page(c, a.cat.T(lang(c), "link.bad_title"), map[string]any{"Status": http.StatusNotFound, "Message": a.cat.T(lang(c), "link.bad")})
	return a.render(c, http.StatusNotFound, "public/error", p)
}

func (a *App) registrationCalendar(c echo.Context) error {
	personalHeaders(c)
	reg, w, err := a.regs.ByToken(c.Request().Context(), c.Param("token"))
	if err != nil {
		return a.badLink(c)
	}
	regURL := a.cfg.BaseURL.String() + "/registrations/" + reg.Token
	method := calendar.MethodPublish
	switch {
	case w.Status == models.StatusCancelled || reg.Status == models.RegCancelled:
		method = calendar.MethodCancel
	case reg.Status != models.RegRegistered:
		// A waitlisted person has no place yet: no calendar entry to offer.
		return a.badLink(c)
	}
	ics := calendar.ICS(mailer.Event(w, regURL, a.now(), a.cfg.BaseURL.Hostname(), mailer.Where(a.cat, lang(c), w)), method)
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="webinar-`+strconv.FormatUint(uint64(w.ID), 10)+`.ics"`)
	return c.Blob(http.StatusOK, "text/calendar; charset=utf-8", ics)
}

func (a *App) cancelRegistration(c echo.Context) error {
	token := c.Param("token")
	if _, err := a.regs.CancelByToken(c.Request().Context(), token); err != nil {
		var ce *services.ConflictError
		if errors.As(err, &ce) {
			a.flash(c, "flash.cancel_too_late")
			return c.Redirect(http.StatusSeeOther, "/registrations/"+token)
		}
		return a.badLink(c)
	}
	a.mailQueued()
	a.flash(c, "flash.registration_cancelled")
	return c.Redirect(http.StatusSeeOther, "/registrations/"+token)
}

// followChannel counts a partner link's click and opens the webinar with
// the channel remembered in the form.
func (a *App) followChannel(c echo.Context) error {
	ch, err := a.channels.Follow(c.Request().Context(), strings.ToLower(c.Param("code")))
	if err != nil {
		return err
	}
	w, err := a.webinars.Get(c.Request().Context(), ch.WebinarID)
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusFound, "/webinars/"+w.Slug+"?ref="+ch.Code)
}
