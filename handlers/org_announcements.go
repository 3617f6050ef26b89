package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"sinau/mailer"
	"sinau/models"
	"sinau/services"
)

func (a *App) renderAnnouncements(c echo.Context, status int, w *models.Webinar, f services.AnnouncementInput, errs map[string]string) error {
	list, err := a.announce.List(c.Request().Context(), w.ID)
	if err != nil {
		return err
	}
	p := a.page(c, a.cat.T(lang(c), "announce.title"), map[string]any{"W": w, "List": list})
	p.Form, p.Errors = f, errs
	return a.render(c, status, "organizer/announcements", p)
}

func (a *App) announcements(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	return a.renderAnnouncements(c, http.StatusOK, w, services.AnnouncementInput{Audience: models.AudienceRegistered}, nil)
}

func (a *App) createAnnouncement(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	f := services.AnnouncementInput{Subject: c.FormValue("subject"), Body: c.FormValue("body"), Audience: c.FormValue("audience")}
	an, err := a.announce.Create(c.Request().Context(), currentUser(c), w.ID, f)
	if err != nil {
		errs, err := a.formErrors(c, err)
		if err != nil {
			return err
		}
		return a.renderAnnouncements(c, http.StatusUnprocessableEntity, w, f, errs)
	}
	return c.Redirect(http.StatusSeeOther, announcementPath(w, an))
}

func announcementPath(w *models.Webinar, an *models.Announcement) string {
	return webinarPath(w) + "/announcements/" + strconv.FormatUint(uint64(an.ID), 10)
}

func (a *App) loadAnnouncement(c echo.Context) (*models.Webinar, *models.Announcement, error) {
	w, err := a.loadWebinar(c)
	if err != nil {
		return nil, nil, err
	}
	id, err := idParam(c, "aid")
	if err != nil {
		return nil, nil, err
	}
	an, err := a.announce.Get(c.Request().Context(), w.ID, id)
	return w, an, err
}

func (a *App) announcement(c echo.Context) error {
	w, an, err := a.loadAnnouncement(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	n, err := a.announce.Recipients(ctx, an)
	if err != nil {
		return err
	}
	progress, err := a.announce.Progress(ctx, an.ID)
	if err != nil {
		return err
	}
	return a.render(c, http.StatusOK, "organizer/announcement", a.page(c, an.Subject, map[string]any{
		"W": w, "A": an, "Preview": mailer.MarkdownHTML(an.Body), "Recipients": n, "Progress": progress}))
}

func (a *App) announcementAction(c echo.Context) error {
	w, an, err := a.loadAnnouncement(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	switch c.FormValue("action") {
	case "test":
		err = a.announce.SendTest(ctx, currentUser(c), an, lang(c))
	case "send":
		_, err = a.announce.Send(ctx, w.ID, an.ID)
	case "retry":
		_, err = a.announce.RetryFailed(ctx, an.ID)
	default:
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	if err != nil {
		return a.conflictBack(c, err, announcementPath(w, an))
	}
	a.mailQueued()
	a.flash(c, "flash.announce_"+c.FormValue("action"))
	return c.Redirect(http.StatusSeeOther, announcementPath(w, an))
}

// announcementProgress feeds the live progress bar.
func (a *App) announcementProgress(c echo.Context) error {
	_, an, err := a.loadAnnouncement(c)
	if err != nil {
		return err
	}
	p, err := a.announce.Progress(c.Request().Context(), an.ID)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, map[string]int{"pending": p.Pending + p.Sending, "sent": p.Sent, "failed": p.Failed,
		"total": p.Pending + p.Sending + p.Sent + p.Failed})
}

func (a *App) resendMessage(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := a.mailLog.Resend(c.Request().Context(), id); err != nil {
		return a.conflictBack(c, err, "/organizer/mail/"+c.Param("id"))
	}
	a.mailQueued()
	a.flash(c, "flash.mail_requeued")
	return c.Redirect(http.StatusSeeOther, "/organizer/mail/"+c.Param("id"))
}

func (a *App) resumeMail(c echo.Context) error {
	if err := a.mailLog.Resume(c.Request().Context()); err != nil {
		return err
	}
	a.mailQueued()
	a.flash(c, "flash.mail_resumed")
	return c.Redirect(http.StatusSeeOther, "/organizer/mail")
}
