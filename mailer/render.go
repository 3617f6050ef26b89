// Package mailer turns outbox rows into mail and sends them over SMTP: a
// pool of workers claims due messages from the database, sends each once,
// retries temporary failures with backoff and records the outcome.
package mailer

import (
	"bytes"
	"context"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"net/url"
	"strconv"
	texttemplate "text/template"
	"time"

	"sinau/calendar"
	"sinau/i18n"
	"sinau/models"
	"sinau/regions"
	"sinau/services"
)

// Rendered is a message ready to send or show.
type Rendered struct {
	Subject string
	Text    string
	HTML    string
	ICS     []byte // attached as invite.ics when not nil
	Method  string // the calendar method of ICS
}

// renderer builds messages from the email templates and the catalog.
type renderer struct {
	cat     *i18n.Catalog
	html    map[string]*htmltemplate.Template
	text    map[string]*texttemplate.Template
	baseURL *url.URL
	db      *models.DB
	now     func() time.Time
}

// kinds with an email template; each has KIND.txt (subject, body) and
// KIND.html (body).
var kinds = []string{services.KindConfirmation, services.KindWaitlisted, services.KindPromoted, services.KindLinkResend, services.KindRegCancelled}

func newRenderer(tfs fs.FS, cat *i18n.Catalog, base *url.URL, db *models.DB, now func() time.Time) (*renderer, error) {
	r := &renderer{cat: cat, html: map[string]*htmltemplate.Template{}, text: map[string]*texttemplate.Template{}, baseURL: base, db: db, now: now}
	for _, k := range kinds {
		h, err := htmltemplate.ParseFS(tfs, "layout.html", k+".html")
		if err != nil {
			return nil, fmt.Errorf("email template %s: %w", k, err)
		}
		t, err := texttemplate.ParseFS(tfs, "layout.txt", k+".txt")
		if err != nil {
			return nil, fmt.Errorf("email template %s: %w", k, err)
		}
		r.html[k], r.text[k] = h, t
	}
	return r, nil
}

// emailData is what an email template sees.
type emailData struct {
	Lang      string
	Subject   string
	Name      string
	Webinar   *models.Webinar
	Title     string
	When      string
	LocalWhen string
	Where     string
	RegURL    string
	GoogleURL string
	HasICS    bool
	Position  int
	cat       *i18n.Catalog
}

// T translates a key into the message's language.
func (d *emailData) T(key string, args ...any) string { return d.cat.T(d.Lang, key, args...) }

// Event is the calendar entry of a webinar for one registration.
func Event(w *models.Webinar, regURL string, stamp time.Time, host string, where string) calendar.Event {
	return calendar.Event{
		UID: "webinar-" + strconv.FormatUint(uint64(w.ID), 10) + "@" + host, Sequence: w.Sequence,
		Start: w.StartsAt, End: w.EndsAt, Summary: w.Title, Description: w.Description, Location: where,
		URL: regURL, Cancelled: w.Status == models.StatusCancelled, Stamp: stamp,
	}
}

// Where names the place of a webinar in a language.
func Where(cat *i18n.Catalog, lang string, w *models.Webinar) string {
	where := cat.T(lang, "platform."+w.Platform)
	if w.HasVenue() && w.Venue != "" {
		where += " · " + w.Venue
	}
	return where
}

// Render builds the message an outbox row stands for, from the current
// state of the rows it refers to.
func (r *renderer) Render(ctx context.Context, m *models.MailMessage) (*Rendered, error) {
	d := &emailData{Lang: m.Lang, cat: r.cat}
	if !i18n.IsSupported(d.Lang) {
		d.Lang = i18n.ID
	}
	var reg *models.Registration
	if m.RegistrationID != nil {
		var rr models.Registration
		if err := r.db.R.WithContext(ctx).First(&rr, *m.RegistrationID).Error; err != nil {
			return nil, fmt.Errorf("registration %d: %w", *m.RegistrationID, err)
		}
		reg = &rr
		d.Name = rr.Name
		d.RegURL = r.baseURL.String() + "/registrations/" + rr.Token
	}
	if m.WebinarID != nil {
		var w models.Webinar
		if err := r.db.R.WithContext(ctx).First(&w, *m.WebinarID).Error; err != nil {
			return nil, fmt.Errorf("webinar %d: %w", *m.WebinarID, err)
		}
		d.Webinar, d.Title = &w, w.Title
		zone, _ := regions.ZoneByName(w.Timezone)
		d.When = i18n.Range(d.Lang, w.StartsAt, w.EndsAt, w.Location(), zone.Label)
		if reg != nil {
			if rg, ok := regions.RegencyByCode(reg.RegencyCode); ok && rg.Zone().Name != w.Timezone {
				if loc, err := time.LoadLocation(rg.Zone().Name); err == nil {
					d.LocalWhen = i18n.Range(d.Lang, w.StartsAt, w.EndsAt, loc, rg.Zone().Label)
				}
			}
		}
		d.Where = Where(r.cat, d.Lang, &w)
		if reg != nil && reg.Status == models.RegWaitlisted && reg.WaitlistSeq != nil {
			r.db.R.WithContext(ctx).Raw(`SELECT COUNT(*) FROM registrations WHERE webinar_id = ? AND status = ? AND waitlist_seq <= ?`,
				w.ID, models.RegWaitlisted, *reg.WaitlistSeq).Scan(&d.Position)
		}
	}
	out := &Rendered{}
	if d.Webinar != nil && (m.Kind == services.KindConfirmation || m.Kind == services.KindPromoted || m.Kind == services.KindLinkResend) &&
		reg != nil && reg.Status == models.RegRegistered {
		ev := Event(d.Webinar, d.RegURL, r.now(), r.baseURL.Hostname(), d.Where)
		out.ICS, out.Method = calendar.ICS(ev, calendar.MethodPublish), calendar.MethodPublish
		d.GoogleURL, d.HasICS = calendar.GoogleURL(ev), true
	}
	t, ok := r.text[m.Kind]
	if !ok {
		return nil, fmt.Errorf("no template for mail kind %q", m.Kind)
	}
	var subj, text, html bytes.Buffer
	if err := t.ExecuteTemplate(&subj, "subject", d); err != nil {
		return nil, err
	}
	d.Subject = subj.String()
	if err := t.ExecuteTemplate(&text, "text", d); err != nil {
		return nil, err
	}
	if err := r.html[m.Kind].ExecuteTemplate(&html, "html", d); err != nil {
		return nil, err
	}
	out.Subject, out.Text, out.HTML = d.Subject, text.String(), html.String()
	return out, nil
}
