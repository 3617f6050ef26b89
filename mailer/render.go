// Package mailer turns outbox rows into mail and sends them over SMTP: a
// pool of workers claims due messages from the database, sends each once,
// retries temporary failures with backoff and records the outcome.
package mailer

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"net/url"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/microcosm-cc/bluemonday"
	qrcode "github.com/skip2/go-qrcode"
	"github.com/yuin/goldmark"
	"gorm.io/gorm"

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
	QR      []byte // ticket QR code (PNG), embedded as cid:ticket-qr.png
	Headers map[string]string
}

// QRName is the content id of the embedded ticket QR code.
const QRName = "ticket-qr.png"

// renderer builds messages from the email template and the catalog.
type renderer struct {
	cat     *i18n.Catalog
	html    *htmltemplate.Template
	text    *texttemplate.Template
	baseURL *url.URL
	db      *models.DB
	now     func() time.Time

	ticketToken func(ctx context.Context, registrationID uint) (string, error)
}

// snapshot holds the rows that the messages of one claimed batch share, read
// once: a batch of reminders reads its registrations in one query and its
// webinar once, and an announcement's Markdown is rendered once, not once
// per recipient. What it holds is forgotten once it is older than
// snapshotTTL, so a slow server or a send rate cannot make the end of a
// batch go out with a webinar as it was minutes ago.
type snapshot struct {
	at            time.Time
	regs          map[uint]*models.Registration
	webinars      map[uint]*models.Webinar
	announcements map[uint]*announcement
}

// snapshotTTL is how long a snapshot's rows are used: about the time a
// worker takes for a batch at full speed.
const snapshotTTL = time.Second

// announcement is an announcement's subject and rendered body.
type announcement struct {
	subject, text string
	html          htmltemplate.HTML
}

func newSnapshot() *snapshot {
	snap := &snapshot{}
	snap.reset()
	return snap
}

func (snap *snapshot) reset() {
	snap.at = time.Now()
	snap.regs, snap.webinars, snap.announcements = map[uint]*models.Registration{}, map[uint]*models.Webinar{}, map[uint]*announcement{}
}

// fresh forgets what the snapshot holds once it is too old.
func (snap *snapshot) fresh() {
	if time.Since(snap.at) > snapshotTTL {
		snap.reset()
	}
}

// registrationColumns are the few columns a message needs, read with plain
// SQL: this runs for every message sent.
const registrationColumns = `SELECT id, webinar_id, token, status, waitlist_seq, name, email, regency_code FROM registrations`

// preload reads the registrations of a batch's messages in one query.
func (r *renderer) preload(ctx context.Context, snap *snapshot, msgs []models.MailMessage) error {
	ids := make([]any, 0, len(msgs))
	for _, m := range msgs {
		if m.RegistrationID != nil {
			ids = append(ids, *m.RegistrationID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	sqlDB, err := r.db.R.DB()
	if err != nil {
		return err
	}
	rows, err := sqlDB.QueryContext(ctx, registrationColumns+` WHERE id IN (?`+strings.Repeat(`,?`, len(ids)-1)+`)`, ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		reg, err := scanRegistration(rows)
		if err != nil {
			return err
		}
		snap.regs[reg.ID] = reg
	}
	return rows.Err()
}

func scanRegistration(row interface{ Scan(...any) error }) (*models.Registration, error) {
	var reg models.Registration
	var seq sql.NullInt64
	if err := row.Scan(&reg.ID, &reg.WebinarID, &reg.Token, &reg.Status, &seq, &reg.Name, &reg.Email, &reg.RegencyCode); err != nil {
		return nil, err
	}
	if seq.Valid {
		n := int(seq.Int64)
		reg.WaitlistSeq = &n
	}
	return &reg, nil
}

func (r *renderer) registration(ctx context.Context, snap *snapshot, id uint) (*models.Registration, error) {
	if reg, ok := snap.regs[id]; ok {
		return reg, nil
	}
	sqlDB, err := r.db.R.DB()
	if err != nil {
		return nil, err
	}
	reg, err := scanRegistration(sqlDB.QueryRowContext(ctx, registrationColumns+` WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gorm.ErrRecordNotFound
	}
	if err != nil {
		return nil, err
	}
	snap.regs[id] = reg
	return reg, nil
}

func (r *renderer) webinar(ctx context.Context, snap *snapshot, id uint) (*models.Webinar, error) {
	if w, ok := snap.webinars[id]; ok {
		return w, nil
	}
	var w models.Webinar
	if err := r.db.R.WithContext(ctx).First(&w, id).Error; err != nil {
		return nil, err
	}
	snap.webinars[id] = &w
	return &w, nil
}

func (r *renderer) announcement(ctx context.Context, snap *snapshot, id uint) (*announcement, error) {
	if a, ok := snap.announcements[id]; ok {
		return a, nil
	}
	var row models.Announcement
	if err := r.db.R.WithContext(ctx).First(&row, id).Error; err != nil {
		return nil, err
	}
	a := &announcement{subject: row.Subject, text: row.Body, html: MarkdownHTML(row.Body)}
	snap.announcements[id] = a
	return a, nil
}

func newRenderer(tfs fs.FS, cat *i18n.Catalog, base *url.URL, db *models.DB, now func() time.Time) (*renderer, error) {
	h, err := htmltemplate.ParseFS(tfs, "message.html")
	if err != nil {
		return nil, fmt.Errorf("email template: %w", err)
	}
	t, err := texttemplate.ParseFS(tfs, "message.txt")
	if err != nil {
		return nil, fmt.Errorf("email template: %w", err)
	}
	return &renderer{cat: cat, html: h, text: t, baseURL: base, db: db, now: now}, nil
}

// emailData is what the email template sees.
type emailData struct {
	Lang       string
	Subject    string
	Name       string
	Lead       []string
	BodyHTML   htmltemplate.HTML
	BodyText   string
	Webinar    *models.Webinar
	Title      string
	When       string
	LocalWhen  string
	Where      string
	ButtonURL  string
	ButtonText string
	GoogleURL  string
	HasICS     bool
	HasQR      bool
	Footer     string // catalog key of the footer
	cat        *i18n.Catalog
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

// When writes a webinar's date and time in its zone, as mail does:
// "Senin, 7 Desember 2026 pukul 09.00–12.00 WIB".
func When(lang string, start, end time.Time, zoneName string) string {
	z, ok := regions.ZoneByName(zoneName)
	loc := models.Location(zoneName)
	if !ok {
		loc, z = time.UTC, regions.Zone{Label: "UTC"}
	}
	s, e := start.In(loc), end.In(loc)
	word := "pukul"
	if lang == i18n.EN {
		word = "at"
	}
	out := fmt.Sprintf("%s %s %s–%s", i18n.Date(lang, s), word, i18n.Clock(lang, s), i18n.Clock(lang, e))
	if s.YearDay() != e.YearDay() || s.Year() != e.Year() {
		out += " (" + i18n.ShortDate(lang, e) + ")"
	}
	return out + " " + z.Label
}

var (
	markdown = goldmark.New()
	policy   = bluemonday.UGCPolicy()
)

// MarkdownHTML renders an announcement's Markdown and keeps only safe HTML:
// no script, no event handlers, no javascript: links.
func MarkdownHTML(md string) htmltemplate.HTML {
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(md), &buf); err != nil {
		return htmltemplate.HTML(htmltemplate.HTMLEscapeString(md))
	}
	return htmltemplate.HTML(policy.Sanitize(buf.String()))
}

// Render builds the message an outbox row stands for, from the current
// state of the rows it refers to.
func (r *renderer) Render(ctx context.Context, m *models.MailMessage) (*Rendered, error) {
	return r.render(ctx, newSnapshot(), m)
}

// render builds a message of a batch.
func (r *renderer) render(ctx context.Context, snap *snapshot, m *models.MailMessage) (*Rendered, error) {
	snap.fresh()
	d := &emailData{Lang: m.Lang, cat: r.cat, Footer: "mail.footer"}
	if !i18n.IsSupported(d.Lang) {
		d.Lang = i18n.ID
	}
	data := map[string]any{}
	json.Unmarshal([]byte(m.Data), &data)
	var reg *models.Registration
	regURL := ""
	if m.RegistrationID != nil {
		rr, err := r.registration(ctx, snap, *m.RegistrationID)
		if err != nil {
			return nil, fmt.Errorf("registration %d: %w", *m.RegistrationID, err)
		}
		reg = rr
		d.Name = rr.Name
		regURL = r.baseURL.String() + "/registrations/" + rr.Token
	}
	var w *models.Webinar
	if m.WebinarID != nil {
		ww, err := r.webinar(ctx, snap, *m.WebinarID)
		if err != nil {
			return nil, fmt.Errorf("webinar %d: %w", *m.WebinarID, err)
		}
		w = ww
		d.Webinar, d.Title = w, w.Title
		d.When = When(d.Lang, w.StartsAt, w.EndsAt, w.Timezone)
		if reg != nil {
			if rg, ok := regions.RegencyByCode(reg.RegencyCode); ok && rg.Zone().Name != w.Timezone {
				d.LocalWhen = When(d.Lang, w.StartsAt, w.EndsAt, rg.Zone().Name)
			}
		}
		d.Where = Where(r.cat, d.Lang, w)
	}
	out := &Rendered{Headers: map[string]string{}}
	if regURL != "" {
		d.ButtonURL, d.ButtonText = regURL, d.T("mail.open_page")
	}
	invite := func(method string) {
		ev := Event(w, regURL, r.now(), r.baseURL.Hostname(), d.Where)
		out.ICS, out.Method, d.HasICS = calendar.ICS(ev, method), method, true
		if method == calendar.MethodPublish {
			d.GoogleURL = calendar.GoogleURL(ev)
		}
	}
	lead := func(key string, args ...any) { d.Lead = append(d.Lead, d.T(key, args...)) }
	subject := func(key string) { d.Subject = d.T(key, d.Title) }
	registered := reg != nil && reg.Status == models.RegRegistered
	switch m.Kind {
	case services.KindConfirmation, services.KindPromoted, services.KindLinkResend, services.KindWaitlisted, services.KindRegCancelled:
		key := map[string]string{services.KindConfirmation: "confirmation", services.KindPromoted: "promoted", services.KindLinkResend: "link_resend",
			services.KindWaitlisted: "waitlisted", services.KindRegCancelled: "registration_cancelled"}[m.Kind]
		subject("mail." + key + ".subject")
		lead("mail." + key + ".lead")
		if reg != nil && reg.Status == models.RegWaitlisted && reg.WaitlistSeq != nil {
			pos, err := services.WaitlistPosition(ctx, r.db, reg)
			if err != nil {
				return nil, err
			}
			lead("mail.position", pos)
		}
		switch {
		case w != nil && registered && m.Kind != services.KindRegCancelled && w.Status == models.StatusPublished:
			invite(calendar.MethodPublish)
			if w.HasVenue() && r.ticketToken != nil {
				tok, err := r.ticketToken(ctx, reg.ID)
				if err != nil {
					return nil, err
				}
				if out.QR, err = qrcode.Encode(tok, qrcode.Medium, 256); err != nil {
					return nil, err
				}
				d.HasQR = true
			}
		case w != nil && m.Kind == services.KindRegCancelled:
			// Takes the entry the confirmation put there out of the calendar.
			invite(calendar.MethodCancel)
		}
	case services.KindReminder:
		off, _ := time.ParseDuration(fmt.Sprint(data["offset"]))
		rel := i18n.Duration(d.Lang, off)
		d.Subject = d.T("mail.reminder.subject", rel, d.Title)
		lead("mail.reminder.lead", rel)
		out.Headers["X-Sinau-Reminder-Offset"] = services.FormatOffset(off)
	case services.KindChanged:
		subject("mail.changed.subject")
		if data["time"] == true {
			oldStart, _ := time.Parse(time.RFC3339, fmt.Sprint(data["old_start"]))
			oldEnd, _ := time.Parse(time.RFC3339, fmt.Sprint(data["old_end"]))
			lead("mail.changed.time_lead", When(d.Lang, oldStart, oldEnd, w.Timezone))
		}
		if data["place"] == true {
			lead("mail.changed.place_lead")
		}
		if registered {
			invite(calendar.MethodPublish)
		}
	case services.KindCancelled:
		subject("mail.cancelled.subject")
		lead("mail.cancelled.lead")
		d.ButtonURL = ""
		invite(calendar.MethodCancel)
	case services.KindFollowupAttended, services.KindFollowupAbsent:
		key := "followup_attended"
		if m.Kind == services.KindFollowupAbsent {
			key = "followup_absent"
		}
		subject("mail." + key + ".subject")
		lead("mail." + key + ".lead")
		d.ButtonURL, d.ButtonText = r.baseURL.String()+"/webinars/"+w.Slug, d.T("mail.materials")
	case services.KindInvitation, services.KindSpeakerReminder:
		var e models.LineupEntry
		entryID, _ := data["entry"].(float64)
		if err := r.db.R.WithContext(ctx).Preload("Person").First(&e, uint(entryID)).Error; err != nil {
			return nil, fmt.Errorf("line-up entry of message %d: %w", m.ID, err)
		}
		d.Name, d.Footer = e.Person.Name, "mail.footer_speaker"
		key := "invitation"
		if m.Kind == services.KindSpeakerReminder {
			key = "speaker_reminder"
		}
		subject("mail." + key + ".subject")
		role := d.T("role." + e.Role)
		if e.Pillar != nil {
			role += " — " + d.T("pillar."+*e.Pillar)
		}
		lead("mail."+key+".lead", role)
		if e.Topic != "" {
			lead("mail.topic", e.Topic)
		}
		var inv models.Invitation
		invID, _ := data["invitation"].(float64)
		if r.db.R.WithContext(ctx).First(&inv, uint(invID)).Error == nil && inv.Message != "" && m.Kind == services.KindInvitation {
			d.BodyText = inv.Message
			d.BodyHTML = htmltemplate.HTML("<blockquote style=\"margin:0;padding:8px 12px;border-left:3px solid #ccc;white-space:pre-line;\">" +
				htmltemplate.HTMLEscapeString(inv.Message) + "</blockquote>")
		}
		if tok, ok := data["token"].(string); ok && tok != "" {
			d.ButtonURL, d.ButtonText = r.baseURL.String()+"/speaker/"+tok, d.T("mail.open_portal")
		}
	case services.KindAnnouncement:
		if m.AnnouncementID == nil {
			return nil, fmt.Errorf("announcement of message %d: %w", m.ID, gorm.ErrRecordNotFound)
		}
		a, err := r.announcement(ctx, snap, *m.AnnouncementID)
		if err != nil {
			return nil, fmt.Errorf("announcement of message %d: %w", m.ID, err)
		}
		d.Subject = a.subject
		d.BodyHTML, d.BodyText = a.html, a.text
	default:
		return nil, fmt.Errorf("no template for mail kind %q", m.Kind)
	}
	var text, html bytes.Buffer
	if err := r.text.ExecuteTemplate(&text, "text", d); err != nil {
		return nil, err
	}
	if err := r.html.ExecuteTemplate(&html, "html", d); err != nil {
		return nil, err
	}
	out.Subject, out.Text, out.HTML = d.Subject, text.String(), html.String()
	return out, nil
}
