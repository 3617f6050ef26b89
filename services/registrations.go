package services

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"sinau/models"
	"sinau/regions"
)

// Registrations signs participants up, keeps capacity and the waitlist, and
// queues the mail each change causes.
type Registrations struct {
	db     *models.DB
	now    func() time.Time
	outbox Outbox
	batch  *groupCommit
}

// NewRegistrations builds the registration service; domain names the host
// in Message-IDs. Services built on the same database share one group
// commit, so their registrations are written together.
func NewRegistrations(db *models.DB, now func() time.Time, domain string) *Registrations {
	return &Registrations{db: db, now: now, outbox: Outbox{Domain: domain}, batch: groupCommitFor(db)}
}

// RegisterResult is the outcome of a registration.
type RegisterResult struct {
	Registration *models.Registration
	// Position is the 1-based waitlist position, 0 when registered.
	Position int
	// Already is true when the email was registered before: nothing was
	// created and the personal link was sent again.
	Already bool
}

// ErrRegistrationClosed is returned for a webinar that takes no
// registrations now: cancelled, completed, started or past its deadline.
var ErrRegistrationClosed = &ConflictError{Code: "registration_closed"}

// ErrAlreadyRegistered is the API's answer to a second registration.
var ErrAlreadyRegistered = &ConflictError{Code: "already_registered"}

// RegistrationForm is what a registration form needs to show.
type RegistrationForm struct {
	Config    FormConfig
	Questions []models.Question
	Open      bool
}

// Form loads a webinar's registration form and whether it is open now.
func (s *Registrations) Form(ctx context.Context, w *models.Webinar) (*RegistrationForm, error) {
	var qs []models.Question
	if err := s.db.R.WithContext(ctx).Where("webinar_id = ?", w.ID).Order("position, id").Find(&qs).Error; err != nil {
		return nil, wrap("questions", err)
	}
	return &RegistrationForm{Config: ParseFormConfig(w.FormFields), Questions: qs, Open: registrationOpen(w, s.now())}, nil
}

// formFor reads what validating a registration needs, with plain SQL: it
// runs on every registration, before the write. Only a published webinar
// takes registrations from the public; organizers may add people to drafts.
func (s *Registrations) formFor(ctx context.Context, webinarID uint, organizer bool) (FormConfig, []models.Question, error) {
	sqlDB, err := s.db.R.DB()
	if err != nil {
		return nil, nil, err
	}
	rows, err := sqlDB.QueryContext(ctx, `SELECT w.form_fields, w.published_at IS NOT NULL, q.id, q.kind, q.label, q.choices, q.required
		FROM webinars w LEFT JOIN questions q ON q.webinar_id = w.id WHERE w.id = ? ORDER BY q.position, q.id`, webinarID)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var fields string
	var published, found bool
	var qs []models.Question
	for rows.Next() {
		var id sql.NullInt64
		var kind, label, choices sql.NullString
		var required sql.NullBool
		if err := rows.Scan(&fields, &published, &id, &kind, &label, &choices, &required); err != nil {
			return nil, nil, err
		}
		found = true
		if id.Valid {
			qs = append(qs, models.Question{ID: uint(id.Int64), WebinarID: webinarID, Kind: kind.String, Label: label.String,
				Choices: choices.String, Required: required.Bool})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	if !found || (!published && !organizer) {
		return nil, nil, models.ErrNotFound
	}
	return ParseFormConfig(fields), qs, nil
}

func registrationOpen(w *models.Webinar, now time.Time) bool {
	if w.Status != models.StatusPublished || !now.Before(w.StartsAt) {
		return false
	}
	return w.RegistrationDeadline == nil || now.Before(*w.RegistrationDeadline)
}

// Register signs a participant up for a published webinar. The capacity
// check, the insert, the counters and the queued mail are one transaction on
// the single writer, so concurrent registrations can never overbook.
func (s *Registrations) Register(ctx context.Context, webinarID uint, in RegistrationInput) (*RegisterResult, error) {
	cfg, questions, err := s.formFor(ctx, webinarID, in.Source == "organizer")
	if err != nil {
		return nil, err
	}
	answers, err := checkRegistration(&in, cfg, questions, in.Source != "organizer")
	if err != nil {
		return nil, err
	}
	var channelID *uint
	in.Ref = strings.ToLower(strings.TrimSpace(in.Ref))
	if in.Ref != "" {
		var ch models.Channel
		if s.db.R.WithContext(ctx).Where("code = ? AND webinar_id = ?", in.Ref, webinarID).First(&ch).Error == nil {
			channelID = &ch.ID
		}
	}
	if in.Lang == "" {
		in.Lang = "id"
	}
	if in.Source == "" {
		in.Source = "web"
	}
	job := &regJob{ctx: ctx, webinarID: webinarID, in: in, answers: answers, channelID: channelID, wake: make(chan struct{})}
	s.batch.commit(s, job)
	return job.res, job.err
}

// promoteWaitlisted fills free places from the waitlist, first in first out,
// queuing a "promoted" mail for each. It runs inside the transaction of the
// change that freed the places.
func promoteWaitlisted(tx *gorm.DB, outbox Outbox, now time.Time, webinarID uint) (int, error) {
	var w models.Webinar
	if err := tx.Select("id, status, capacity, registered_count, waitlist_count").First(&w, webinarID).Error; err != nil {
		return 0, err
	}
	if w.Status == models.StatusCancelled || w.Status == models.StatusCompleted {
		return 0, nil
	}
	free := w.WaitlistCount
	if w.Capacity > 0 {
		free = min(free, w.Capacity-w.RegisteredCount)
	}
	if free <= 0 {
		return 0, nil
	}
	var next []models.Registration
	if err := tx.Where("webinar_id = ? AND status = ?", webinarID, models.RegWaitlisted).
		Order("waitlist_seq").Limit(free).Find(&next).Error; err != nil {
		return 0, err
	}
	for _, r := range next {
		if err := tx.Exec(`UPDATE registrations SET status = ?, waitlist_seq = NULL, promoted_at = ?, updated_at = ? WHERE id = ?`,
			models.RegRegistered, now, now, r.ID).Error; err != nil {
			return 0, err
		}
		if _, err := outbox.Enqueue(tx, now, Mail{Kind: KindPromoted, Key: fmt.Sprintf("promoted:%d:%d", r.ID, now.UnixNano()),
			To: r.Email, Lang: r.Lang, WebinarID: webinarID, RegistrationID: r.ID}); err != nil {
			return 0, err
		}
	}
	n := len(next)
	return n, tx.Exec(`UPDATE webinars SET registered_count = registered_count + ?, waitlist_count = waitlist_count - ? WHERE id = ?`,
		n, n, webinarID).Error
}

// Cancel cancels a registration, by its participant or an organizer, and
// promotes the first waitlisted person into a freed place.
func (s *Registrations) Cancel(ctx context.Context, id uint) (*models.Registration, error) {
	var reg models.Registration
	err := s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.First(&reg, id).Error; err != nil {
			return notFound(err)
		}
		if reg.Status == models.RegCancelled {
			return nil
		}
		now := s.now()
		counter := "registered_count"
		if reg.Status == models.RegWaitlisted {
			counter = "waitlist_count"
		}
		if err := tx.Exec(`UPDATE registrations SET status = ?, waitlist_seq = NULL, cancelled_at = ?, updated_at = ? WHERE id = ?`,
			models.RegCancelled, now, now, id).Error; err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE webinars SET `+counter+` = `+counter+` - 1 WHERE id = ?`, reg.WebinarID).Error; err != nil {
			return err
		}
		if _, err := s.outbox.Enqueue(tx, now, Mail{Kind: KindRegCancelled, Key: fmt.Sprintf("registration-cancelled:%d:%d", id, now.UnixNano()),
			To: reg.Email, Lang: reg.Lang, WebinarID: reg.WebinarID, RegistrationID: id}); err != nil {
			return err
		}
		_, err := promoteWaitlisted(tx, s.outbox, now, reg.WebinarID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// CancelByToken is the participant cancelling from their personal page; it
// refuses once the webinar has started.
func (s *Registrations) CancelByToken(ctx context.Context, token string) (*models.Registration, error) {
	reg, w, err := s.ByToken(ctx, token)
	if err != nil {
		return nil, err
	}
	if !s.now().Before(w.StartsAt) {
		return nil, &ConflictError{Code: "webinar_started"}
	}
	return s.Cancel(ctx, reg.ID)
}

// Promote moves one waitlisted person in, by an organizer's choice, if a
// place is free.
func (s *Registrations) Promote(ctx context.Context, id uint) (*models.Registration, error) {
	err := s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var reg models.Registration
		if err := tx.First(&reg, id).Error; err != nil {
			return notFound(err)
		}
		if reg.Status != models.RegWaitlisted {
			return &ConflictError{Code: "not_waitlisted"}
		}
		var w models.Webinar
		if err := tx.Select("id, capacity, registered_count").First(&w, reg.WebinarID).Error; err != nil {
			return err
		}
		if w.Capacity > 0 && w.RegisteredCount >= w.Capacity {
			return &ConflictError{Code: "full"}
		}
		now := s.now()
		if err := tx.Exec(`UPDATE registrations SET status = ?, waitlist_seq = NULL, promoted_at = ?, updated_at = ? WHERE id = ?`,
			models.RegRegistered, now, now, id).Error; err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE webinars SET registered_count = registered_count + 1, waitlist_count = waitlist_count - 1 WHERE id = ?`, w.ID).Error; err != nil {
			return err
		}
		_, err := s.outbox.Enqueue(tx, now, Mail{Kind: KindPromoted, Key: fmt.Sprintf("promoted:%d:%d", id, now.UnixNano()),
			To: reg.Email, Lang: reg.Lang, WebinarID: w.ID, RegistrationID: id})
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// Get loads one registration.
func (s *Registrations) Get(ctx context.Context, id uint) (*models.Registration, error) {
	var r models.Registration
	if err := s.db.R.WithContext(ctx).First(&r, id).Error; err != nil {
		return nil, notFound(err)
	}
	return &r, nil
}

// ByToken loads a registration and its webinar from the personal link.
func (s *Registrations) ByToken(ctx context.Context, token string) (*models.Registration, *models.Webinar, error) {
	if len(token) < 20 || len(token) > 100 {
		return nil, nil, models.ErrNotFound
	}
	var r models.Registration
	if err := s.db.R.WithContext(ctx).Where("token = ?", token).First(&r).Error; err != nil {
		return nil, nil, notFound(err)
	}
	w, err := NewWebinars(s.db, s.now, s.outbox.Domain).Get(ctx, r.WebinarID)
	if err != nil {
		return nil, nil, err
	}
	return &r, w, nil
}

// WaitlistPosition is the 1-based place of a waitlisted registration.
func (s *Registrations) WaitlistPosition(ctx context.Context, r *models.Registration) (int, error) {
	return WaitlistPosition(ctx, s.db, r)
}

// WaitlistPosition is the 1-based place of a waitlisted registration, 0 for
// any other; the mailer shares it.
func WaitlistPosition(ctx context.Context, db *models.DB, r *models.Registration) (int, error) {
	if r.Status != models.RegWaitlisted || r.WaitlistSeq == nil {
		return 0, nil
	}
	var n int
	err := db.R.WithContext(ctx).Raw(`SELECT COUNT(*) FROM registrations WHERE webinar_id = ? AND status = ? AND waitlist_seq <= ?`,
		r.WebinarID, models.RegWaitlisted, *r.WaitlistSeq).Scan(&n).Error
	return n, err
}

// RegistrationFilter selects registrants for the organizer's table.
type RegistrationFilter struct {
	WebinarID   uint
	Status      string
	Query       string
	ChannelID   uint
	RegencyCode string
	Page        int
	PerPage     int
}

func (s *Registrations) filtered(ctx context.Context, f *RegistrationFilter) (*gorm.DB, error) {
	v := &validator{}
	if f.Status != "" {
		v.oneOf("status", f.Status, []string{models.RegRegistered, models.RegWaitlisted, models.RegCancelled})
	}
	v.text("q", f.Query, false, 200)
	if err := v.err(); err != nil {
		return nil, err
	}
	q := s.db.R.WithContext(ctx).Model(&models.Registration{}).Where("webinar_id = ?", f.WebinarID)
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.ChannelID != 0 {
		q = q.Where("channel_id = ?", f.ChannelID)
	}
	if f.RegencyCode != "" {
		code, ok := regions.NormalizeRegencyCode(f.RegencyCode)
		if !ok {
			return nil, Invalid("regency", "unknown")
		}
		q = q.Where("regency_code = ?", code)
	}
	if f.Query != "" {
		like := "%" + escapeLike(strings.ToLower(f.Query)) + "%"
		phone := like
		// Phones are stored as +62…; a search typed the local way (0812…)
		// should still find them.
		if digits := strings.Map(keepDigits, f.Query); len(digits) >= 4 && strings.HasPrefix(digits, "0") {
			phone = "%" + "62" + digits[1:] + "%"
		}
		q = q.Where(`(lower(name) LIKE ? ESCAPE '\' OR email LIKE ? ESCAPE '\' OR phone LIKE ? ESCAPE '\' OR phone LIKE ?)`, like, like, like, phone)
	}
	return q, nil
}

func keepDigits(r rune) rune {
	if r >= '0' && r <= '9' {
		return r
	}
	return -1
}

// List returns one page of a webinar's registrants, oldest first.
func (s *Registrations) List(ctx context.Context, f RegistrationFilter) ([]models.Registration, int64, error) {
	q, err := s.filtered(ctx, &f)
	if err != nil {
		return nil, 0, err
	}
	if f.Page < 1 {
		f.Page = 1
	}
	if f.PerPage <= 0 || f.PerPage > MaxPerPage {
		f.PerPage = 50
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, wrap("count registrations", err)
	}
	var out []models.Registration
	err = q.Order("id").Limit(f.PerPage).Offset((f.Page - 1) * f.PerPage).Find(&out).Error
	return out, total, wrap("list registrations", err)
}

// Each streams every registrant matching f to fn, in id order, reading in
// batches so an export of any size uses constant memory.
func (s *Registrations) Each(ctx context.Context, f RegistrationFilter, fn func(*models.Registration) error) error {
	const batch = 500
	var last uint
	for {
		q, err := s.filtered(ctx, &f)
		if err != nil {
			return err
		}
		var rows []models.Registration
		if err := q.Where("id > ?", last).Order("id").Limit(batch).Find(&rows).Error; err != nil {
			return wrap("export registrations", err)
		}
		for i := range rows {
			if err := fn(&rows[i]); err != nil {
				return err
			}
		}
		if len(rows) < batch {
			return nil
		}
		last = rows[len(rows)-1].ID
	}
}

// Counts are a webinar's registration numbers.
type Counts struct {
	Registered, Waitlisted, Cancelled int
}

// CountsFor reads the registration numbers of a webinar.
func (s *Registrations) CountsFor(ctx context.Context, webinarID uint) (Counts, error) {
	var c Counts
	rows, err := s.db.R.WithContext(ctx).Raw(`SELECT status, COUNT(*) FROM registrations WHERE webinar_id = ? GROUP BY status`, webinarID).Rows()
	if err != nil {
		return c, wrap("counts", err)
	}
	defer rows.Close()
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return c, err
		}
		switch st {
		case models.RegRegistered:
			c.Registered = n
		case models.RegWaitlisted:
			c.Waitlisted = n
		case models.RegCancelled:
			c.Cancelled = n
		}
	}
	return c, rows.Err()
}

// noEmailSuffix marks a registration without an email address (a walk-in
// from a report row that had none): the reserved .invalid domain (RFC 2606)
// keeps the column unique and non-empty and can never receive mail.
const noEmailSuffix = "@invalid"

// NoEmail is the address of a registration that has no email.
func NoEmail() string { return "walk-in-" + shortCode(10) + noEmailSuffix }

// HasEmail tells a real address from NoEmail's.
func HasEmail(email string) bool { return !strings.HasSuffix(email, noEmailSuffix) }

// ContactEmail is the address to show or export: empty for NoEmail's.
func ContactEmail(email string) string {
	if !HasEmail(email) {
		return ""
	}
	return email
}
