package handlers

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sinau/models"
	"sinau/services"
	"sinau/uploads"
)

// materialForm reads a material's visibility, availability and slot from
// a form; available_from is a wall-clock time in the webinar's zone.
func materialForm(c echo.Context, w *models.Webinar) (services.MaterialInput, error) {
	in := services.MaterialInput{Visibility: c.FormValue("visibility"), Link: strings.TrimSpace(c.FormValue("link")), Name: c.FormValue("name")}
	if s := strings.TrimSpace(c.FormValue("available_from")); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t, err = time.ParseInLocation("2006-01-02T15:04", s, w.Location())
		}
		if err != nil {
			return in, services.Invalid("available_from", "local_datetime")
		}
		in.AvailableFrom = &t
	}
	var err error
	if in.EntryID, err = optionalID(c, "lineup_entry_id"); err != nil {
		return in, err
	}
	in.Replaces, err = optionalID(c, "replaces")
	return in, err
}

// optionalID reads a form field naming a record by id; empty means none.
func optionalID(c echo.Context, field string) (*uint, error) {
	s := c.FormValue(field)
	if s == "" {
		return nil, nil
	}
	id, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return nil, services.Invalid(field, "unknown")
	}
	v := uint(id)
	return &v, nil
}

// addMaterial stores a file or a link from a form; it is how both
// organizers and speakers add materials.
func (a *App) addMaterial(c echo.Context, w *models.Webinar, in services.MaterialInput) (*models.Material, error) {
	ctx := c.Request().Context()
	if in.Link != "" {
		return a.speakers.AddLink(ctx, w.ID, in)
	}
	fh, err := c.FormFile("file")
	if err != nil {
		if bodyTooLarge(err) {
			return nil, services.ErrFileTooLarge
		}
		return nil, services.Invalid("file", "required")
	}
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return a.speakers.AddFile(ctx, w.ID, in, fh.Filename, f)
}

// uploadErrors adds the file-size refusal to the usual form errors.
func (a *App) uploadErrors(c echo.Context, err error) (map[string]string, error) {
	if errors.Is(err, services.ErrFileTooLarge) {
		c.Response().Status = http.StatusRequestEntityTooLarge
		return map[string]string{"file": a.cat.T(lang(c), "err.file_too_large", a.cfg.UploadMaxMB)}, nil
	}
	return a.formErrors(c, err)
}

func (a *App) renderSpeakers(c echo.Context, status int, w *models.Webinar, errs map[string]string) error {
	ctx := c.Request().Context()
	entries, err := a.speakers.LineupStatus(ctx, w.ID)
	if err != nil {
		return err
	}
	mats, err := a.speakers.Materials(ctx, w.ID, services.ViewerOrganizer)
	if err != nil {
		return err
	}
	var used int64
	for _, m := range mats {
		used += m.Size
	}
	p := a.page(c, a.cat.T(lang(c), "speakers.title"), map[string]any{"W": w, "Entries": entries, "Materials": mats,
		"UsedMB": float64(used) / (1 << 20)})
	p.Errors = errs
	return a.render(c, status, "organizer/speakers", p)
}

func (a *App) speakersPage(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	return a.renderSpeakers(c, http.StatusOK, w, nil)
}

func (a *App) speakerAction(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	entry, err := idParam(c, "entry")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	switch c.FormValue("action") {
	case "invite":
		days, _ := strconv.Atoi(c.FormValue("days"))
		_, err = a.speakers.Invite(ctx, currentUser(c), w.ID, entry, c.FormValue("message"), days)
	case "revoke":
		err = a.speakers.Revoke(ctx, w.ID, entry)
	case "remind":
		err = a.speakers.RemindSpeaker(ctx, w.ID, entry)
	default:
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	if err != nil {
		errs, err := a.formErrors(c, err)
		if err != nil {
			return err
		}
		return a.renderSpeakers(c, http.StatusUnprocessableEntity, w, errs)
	}
	a.mailQueued()
	a.flash(c, "flash.speaker_"+c.FormValue("action"))
	return c.Redirect(http.StatusSeeOther, webinarPath(w)+"/speakers")
}

func (a *App) speakerSettings(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	days, derr := strconv.Atoi(c.FormValue("speaker_reminder_days"))
	quota, qerr := strconv.Atoi(c.FormValue("materials_quota_mb"))
	if derr != nil {
		days = -1
	}
	if qerr != nil {
		quota = 0
	}
	if err := a.speakers.SetOptions(c.Request().Context(), w.ID, days, quota); err != nil {
		errs, err := a.formErrors(c, err)
		if err != nil {
			return err
		}
		return a.renderSpeakers(c, http.StatusUnprocessableEntity, w, errs)
	}
	a.flash(c, "flash.settings_saved")
	return c.Redirect(http.StatusSeeOther, webinarPath(w)+"/speakers#settings")
}

func (a *App) organizerAddMaterial(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	in, err := materialForm(c, w)
	if err == nil {
		in.UploadedBy = "organizer"
		_, err = a.addMaterial(c, w, in)
	}
	if err != nil {
		errs, err := a.uploadErrors(c, err)
		if err != nil {
			return err
		}
		return a.renderSpeakers(c, max(c.Response().Status, http.StatusUnprocessableEntity), w, errs)
	}
	a.flash(c, "flash.material_added")
	return c.Redirect(http.StatusSeeOther, webinarPath(w)+"/speakers#materials")
}

func (a *App) organizerDeleteMaterial(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	id, err := idParam(c, "mid")
	if err != nil {
		return err
	}
	if err := a.speakers.DeleteMaterial(c.Request().Context(), w.ID, id, nil); err != nil {
		return err
	}
	a.flash(c, "flash.material_deleted")
	return c.Redirect(http.StatusSeeOther, webinarPath(w)+"/speakers#materials")
}

// sendMaterial streams a stored file as an attachment: never inline, with
// the original name only in a safe Content-Disposition.
func (a *App) sendMaterial(c echo.Context, m *models.Material) error {
	if m.Kind == "link" {
		return c.Redirect(http.StatusFound, m.Link)
	}
	f, err := a.speakers.OpenFile(m)
	if err != nil {
		return err
	}
	defer f.Close()
	h := c.Response().Header()
	uploads.SetDownloadHeaders(h, m.ContentType, m.Name)
	h.Set("Content-Length", strconv.FormatInt(m.Size, 10))
	c.Response().WriteHeader(http.StatusOK)
	_, err = io.Copy(c.Response(), f)
	return err
}

// organizerDownload gives organizers any current material: in the web UI
// with their session, through the API with their bearer token.
func (a *App) organizerDownload(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	return a.downloadAs(c, w, services.ViewerOrganizer)
}

func (a *App) publicDownload(c echo.Context) error {
	w, err := a.webinars.GetPublic(c.Request().Context(), c.Param("slug"))
	if err != nil {
		return err
	}
	return a.downloadAs(c, w, services.ViewerPublic)
}

// downloadAs sends the material in the path if viewer may see it.
func (a *App) downloadAs(c echo.Context, w *models.Webinar, viewer services.Viewer) error {
	id, err := idParam(c, "mid")
	if err != nil {
		return err
	}
	m, err := a.speakers.Material(c.Request().Context(), w.ID, id, viewer)
	if err != nil {
		return err
	}
	return a.sendMaterial(c, m)
}

func (a *App) registrantDownload(c echo.Context) error {
	reg, w, err := a.regs.ByToken(c.Request().Context(), c.Param("token"))
	if err != nil || reg.Status == models.RegCancelled {
		return a.badLink(c)
	}
	viewer := services.ViewerPublic
	if reg.Status == models.RegRegistered {
		viewer = services.ViewerRegistrant
	}
	return a.downloadAs(c, w, viewer)
}

func (a *App) personPhoto(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	f, err := a.speakers.OpenPhoto(c.Request().Context(), id)
	if err != nil {
		return echo.ErrNotFound
	}
	defer f.Close()
	c.Response().Header().Set("Cache-Control", "public, max-age=3600")
	return c.Stream(http.StatusOK, "image/jpeg", f)
}

// Speaker portal

func (a *App) portal(c echo.Context) (*services.Portal, error) {
	personalHeaders(c)
	return a.speakers.PortalByToken(c.Request().Context(), c.Param("token"))
}

func (a *App) renderPortal(c echo.Context, status int, p *services.Portal, errs map[string]string) error {
	ctx := c.Request().Context()
	segs, overrun, err := a.speakers.RunSheet(ctx, p.Webinar)
	if err != nil {
		return err
	}
	page := a.page(c, p.Webinar.Title, map[string]any{"P": p, "W": p.Webinar, "Segments": segs, "Overrun": overrun,
		"Token": c.Param("token")})
	page.Errors = errs
	// A refused upload keeps what was chosen, so only the file is picked again.
	page.Form = map[string]string{"Visibility": c.FormValue("visibility"), "From": c.FormValue("available_from"),
		"Link": c.FormValue("link"), "Name": c.FormValue("name")}
	return a.render(c, status, "public/speaker", page)
}

func (a *App) speakerPortal(c echo.Context) error {
	p, err := a.portal(c)
	if err != nil {
		return a.badLink(c)
	}
	return a.renderPortal(c, http.StatusOK, p, nil)
}

// speakerPost answers the portal's forms; action names which.
func (a *App) speakerPost(action string) echo.HandlerFunc {
	return func(c echo.Context) error { return a.speakerPortalAction(c, action) }
}

func (a *App) speakerPortalAction(c echo.Context, action string) error {
	p, err := a.portal(c)
	if err != nil {
		return a.badLink(c)
	}
	ctx := c.Request().Context()
	switch action {
	case "respond":
		err = a.speakers.Respond(ctx, p, c.FormValue("answer") == "accept", c.FormValue("reason"))
	case "profile":
		err = a.speakers.UpdateProfile(ctx, p, services.SpeakerProfile{Name: c.FormValue("name"), Title: c.FormValue("title"),
			Affiliation: c.FormValue("affiliation"), Bio: c.FormValue("bio")})
	case "photo":
		var fh io.ReadCloser
		file, ferr := c.FormFile("photo")
		if ferr != nil {
			err = services.Invalid("photo", "required")
			break
		}
		if fh, err = file.Open(); err == nil {
			err = a.speakers.SetPhoto(ctx, p, fh)
			fh.Close()
		}
	case "materials":
		var in services.MaterialInput
		if in, err = materialForm(c, p.Webinar); err == nil {
			in.EntryID, in.UploadedBy = &p.Entry.ID, "speaker"
			_, err = a.addMaterial(c, p.Webinar, in)
		}
	case "delete":
		var id uint
		if id, err = idParam(c, "mid"); err == nil {
			err = a.speakers.DeleteMaterial(ctx, p.Webinar.ID, id, &p.Entry.ID)
		}
	default:
		return echo.ErrNotFound
	}
	if err != nil {
		errs, err := a.uploadErrors(c, err)
		if err != nil {
			return err
		}
		return a.renderPortal(c, max(c.Response().Status, http.StatusUnprocessableEntity), p, errs)
	}
	a.flash(c, "flash.portal_"+action)
	return c.Redirect(http.StatusSeeOther, "/speaker/"+c.Param("token"))
}

func (a *App) speakerDownload(c echo.Context) error {
	p, err := a.portal(c)
	if err != nil {
		return a.badLink(c)
	}
	id, err := idParam(c, "mid")
	if err != nil {
		return err
	}
	for i := range p.Materials {
		if p.Materials[i].ID == id {
			return a.sendMaterial(c, &p.Materials[i])
		}
	}
	return models.ErrNotFound
}

// Run-sheet editing

func (a *App) runsheetAction(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	switch c.FormValue("action") {
	case "generate":
		err = a.speakers.GenerateSegments(ctx, w)
	case "add":
		minutes, _ := strconv.Atoi(c.FormValue("duration_minutes"))
		in := services.SegmentInput{Kind: c.FormValue("kind"), Title: c.FormValue("title"), DurationMinutes: minutes}
		if id, perr := strconv.ParseUint(c.FormValue("lineup_entry_id"), 10, 32); perr == nil && id > 0 {
			e := uint(id)
			in.LineupEntryID = &e
		}
		err = a.speakers.AddSegment(ctx, w.ID, in)
	case "remove", "up", "down":
		id, perr := strconv.ParseUint(c.FormValue("segment"), 10, 32)
		if perr != nil {
			return models.ErrNotFound
		}
		switch c.FormValue("action") {
		case "remove":
			err = a.speakers.RemoveSegment(ctx, w.ID, uint(id))
		case "up":
			err = a.speakers.MoveSegment(ctx, w.ID, uint(id), -1)
		default:
			err = a.speakers.MoveSegment(ctx, w.ID, uint(id), 1)
		}
	default:
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	if err != nil {
		errs, err := a.formErrors(c, err)
		if err != nil {
			return err
		}
		return a.renderRunSheet(c, http.StatusUnprocessableEntity, w, errs)
	}
	return c.Redirect(http.StatusSeeOther, webinarPath(w)+"/runsheet")
}

func (a *App) renderRunSheet(c echo.Context, status int, w *models.Webinar, errs map[string]string) error {
	segs, overrun, err := a.speakers.RunSheet(c.Request().Context(), w)
	if err != nil {
		return err
	}
	p := a.page(c, w.Title, map[string]any{"W": w, "Segments": segs, "Overrun": overrun})
	p.Errors = errs
	return a.render(c, status, "organizer/runsheet", p)
}

// API

func (a *App) apiInvite(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	entry, err := idParam(c, "entry")
	if err != nil {
		return err
	}
	var in struct {
		Message       string `json:"message"`
		ExpiresInDays int    `json:"expires_in_days"`
	}
	if c.Request().ContentLength != 0 {
		if _, err := decodeJSON(c, &in, "message", "expires_in_days"); err != nil {
			return err
		}
	}
	inv, err := a.speakers.Invite(c.Request().Context(), currentUser(c), w.ID, entry, in.Message, in.ExpiresInDays)
	if err != nil {
		return err
	}
	a.mailQueued()
	return c.JSON(http.StatusCreated, map[string]any{"id": inv.ID, "lineup_entry_id": inv.LineupEntryID, "status": inv.Status,
		"expires_at": inv.ExpiresAt.UTC().Format(apiTime)})
}

type materialJSON struct {
	ID            uint    `json:"id"`
	Name          string  `json:"name"`
	Kind          string  `json:"kind"`
	ContentType   string  `json:"content_type"`
	Size          int64   `json:"size"`
	Visibility    string  `json:"visibility"`
	AvailableFrom *string `json:"available_from"`
	LineupEntryID *uint   `json:"lineup_entry_id"`
	URL           string  `json:"url"`
}

func (a *App) materialToJSON(w *models.Webinar, m *models.Material, organizer bool) materialJSON {
	out := materialJSON{ID: m.ID, Name: m.Name, Kind: m.Kind, ContentType: m.ContentType, Size: m.Size, Visibility: m.Visibility, LineupEntryID: m.LineupEntryID}
	if m.AvailableFrom != nil {
		s := m.AvailableFrom.UTC().Format(apiTime)
		out.AvailableFrom = &s
	}
	base := a.cfg.BaseURL.String()
	if organizer {
		out.URL = base + "/api/v1/webinars/" + strconv.FormatUint(uint64(w.ID), 10) + "/materials/" + strconv.FormatUint(uint64(m.ID), 10) + "/download"
	} else {
		out.URL = base + "/webinars/" + w.Slug + "/materials/" + strconv.FormatUint(uint64(m.ID), 10)
	}
	if m.Kind == "link" {
		out.URL = m.Link
	}
	return out
}

func (a *App) apiAddMaterial(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	in, err := materialForm(c, w)
	if err != nil {
		return err
	}
	in.UploadedBy = "organizer"
	m, err := a.addMaterial(c, w, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, a.materialToJSON(w, m, true))
}

func (a *App) apiMaterials(c echo.Context) error {
	w, organizer, err := a.loadVisibleWebinar(c)
	if err != nil {
		return err
	}
	viewer := services.ViewerPublic
	if organizer {
		viewer = services.ViewerOrganizer
	}
	mats, err := a.speakers.Materials(c.Request().Context(), w.ID, viewer)
	if err != nil {
		return err
	}
	out := make([]materialJSON, 0, len(mats))
	for i := range mats {
		out = append(out, a.materialToJSON(w, &mats[i], organizer))
	}
	return c.JSON(http.StatusOK, out)
}

func (a *App) apiLineup(c echo.Context) error {
	w, err := a.loadWebinar(c)
	if err != nil {
		return err
	}
	entries, err := a.speakers.LineupStatus(c.Request().Context(), w.ID)
	if err != nil {
		return err
	}
	type entryJSON struct {
		lineupJSON
		Invitation *string `json:"invitation_status"`
		Materials  int     `json:"material_count"`
	}
	out := make([]entryJSON, 0, len(entries))
	for i := range entries {
		e := entryJSON{lineupJSON: lineupToJSON(&entries[i].LineupEntry, true), Materials: entries[i].Materials}
		if inv := entries[i].Invitation; inv != nil {
			st := inv.Status
			if st == models.InvitePending && !a.now().Before(inv.ExpiresAt) {
				st = "expired"
			}
			e.Invitation = &st
		}
		out = append(out, e)
	}
	return c.JSON(http.StatusOK, out)
}
