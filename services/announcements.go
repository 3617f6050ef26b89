package services

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"gorm.io/gorm"

	"sinau/models"
)

// Announcement limits.
const (
	MaxSubject = 200
	MaxBody    = 20000
)

// Announcements writes organizers' messages to a group of registrants.
type Announcements struct {
	db     *models.DB
	now    func() time.Time
	outbox Outbox
}

// NewAnnouncements builds the announcement service.
func NewAnnouncements(db *models.DB, now func() time.Time, domain string) *Announcements {
	return &Announcements{db: db, now: now, outbox: Outbox{Domain: domain}}
}

// AnnouncementInput is the composer's content.
type AnnouncementInput struct {
	Subject  string
	Body     string
	Audience string
}

// activeContent finds HTML that would run in a reader's mail client. It is
// refused outright, not silently stripped, so the organizer knows.
var activeContent = regexp.MustCompile(`(?i)<\s*(script|iframe|object|embed|style|form)\b|javascript:|\bon[a-z]+\s*=`)

func (in *AnnouncementInput) check() error {
	in.Subject = strings.TrimSpace(in.Subject)
	in.Body = strings.TrimSpace(in.Body)
	v := &validator{}
	v.text("subject", in.Subject, true, MaxSubject)
	if strings.ContainsAny(in.Subject, "\r\n") {
		v.add("subject", "invalid")
	}
	v.text("body", in.Body, true, MaxBody)
	if activeContent.MatchString(in.Body) {
		v.add("body", "script")
	}
	v.oneOf("audience", in.Audience, models.AnnouncementAudiences)
	return v.err()
}

// Create saves a draft announcement for a webinar.
func (s *Announcements) Create(ctx context.Context, actor *models.Organizer, webinarID uint, in AnnouncementInput) (*models.Announcement, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	now := s.now()
	a := &models.Announcement{WebinarID: webinarID, Subject: in.Subject, Body: in.Body, Audience: in.Audience,
		Status: models.AnnouncementDraft, CreatedByID: &actor.ID, CreatedAt: now, UpdatedAt: now}
	err := s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := requireWebinarExists(tx, webinarID); err != nil {
			return err
		}
		return tx.Create(a).Error
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

func requireWebinarExists(tx *gorm.DB, id uint) error {
	var n int64
	if err := tx.Model(&models.Webinar{}).Where("id = ?", id).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return models.ErrNotFound
	}
	return nil
}

// Get loads an announcement of a webinar.
func (s *Announcements) Get(ctx context.Context, webinarID, id uint) (*models.Announcement, error) {
	var a models.Announcement
	if err := s.db.R.WithContext(ctx).Where("id = ? AND webinar_id = ?", id, webinarID).First(&a).Error; err != nil {
		return nil, notFound(err)
	}
	return &a, nil
}

// List returns a webinar's announcements, newest first.
func (s *Announcements) List(ctx context.Context, webinarID uint) ([]models.Announcement, error) {
	var out []models.Announcement
	err := s.db.R.WithContext(ctx).Where("webinar_id = ?", webinarID).Order("id DESC").Find(&out).Error
	return out, wrap("list announcements", err)
}

// audienceCondition selects the registrations an audience means.
func audienceCondition(audience string) string {
	switch audience {
	case models.AudienceRegistered:
		return "r.status = 'registered'"
	case models.AudienceWaitlisted:
		return "r.status = 'waitlisted'"
	case models.AudienceAttended:
		return "r.status = 'registered' AND r.attended = 1"
	case models.AudienceAbsent:
		return "r.status = 'registered' AND r.attended = 0"
	default:
		return "r.status IN ('registered', 'waitlisted')"
	}
}

// Recipients counts who an announcement would reach.
func (s *Announcements) Recipients(ctx context.Context, a *models.Announcement) (int, error) {
	var n int
	err := s.db.R.WithContext(ctx).Raw(`SELECT COUNT(*) FROM registrations r WHERE r.webinar_id = ? AND `+audienceCondition(a.Audience), a.WebinarID).Scan(&n).Error
	return n, wrap("count recipients", err)
}

// SendTest queues one copy to the organizer, as a preview in their inbox.
func (s *Announcements) SendTest(ctx context.Context, actor *models.Organizer, a *models.Announcement, lang string) error {
	now := s.now()
	return s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := s.outbox.Enqueue(tx, now, Mail{Kind: KindAnnouncement, Key: fmt.Sprintf("announcement-test:%d:%d", a.ID, now.UnixNano()),
			To: actor.Email, Lang: lang, WebinarID: a.WebinarID}); err != nil {
			return err
		}
		return tx.Exec(`UPDATE mail_messages SET announcement_id = ? WHERE idempotency_key = ?`, a.ID,
			fmt.Sprintf("announcement-test:%d:%d", a.ID, now.UnixNano())).Error
	})
}

// Send queues the announcement to its audience, one message each, once.
func (s *Announcements) Send(ctx context.Context, webinarID, id uint) (int, error) {
	now := s.now()
	queued := 0
	err := s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var a models.Announcement
		if err := tx.Where("id = ? AND webinar_id = ?", id, webinarID).First(&a).Error; err != nil {
			return notFound(err)
		}
		if a.Status != models.AnnouncementDraft {
			return &ConflictError{Code: "already_sent"}
		}
		n, err := s.outbox.EnqueueAll(tx, now, FanOut{Kind: KindAnnouncement, KeyPrefix: fmt.Sprintf("announcement:%d:", a.ID),
			AnnouncementID: &a.ID, Where: "r.webinar_id = ? AND " + audienceCondition(a.Audience), Args: []any{webinarID}})
		if err != nil {
			return err
		}
		queued = n
		return tx.Model(&a).Updates(map[string]any{"status": models.AnnouncementSent, "sent_at": now, "updated_at": now}).Error
	})
	return queued, err
}

// Progress counts an announcement's messages by status, test copies aside.
func (s *Announcements) Progress(ctx context.Context, id uint) (MailCounts, error) {
	var rows []struct {
		Status string
		N      int
	}
	err := s.db.R.WithContext(ctx).Raw(`SELECT status, COUNT(*) AS n FROM mail_messages WHERE announcement_id = ? AND registration_id IS NOT NULL GROUP BY status`, id).
		Scan(&rows).Error
	var c MailCounts
	for _, r := range rows {
		c.set(r.Status, r.N)
	}
	return c, wrap("progress", err)
}

// RetryFailed puts an announcement's failed messages back in the queue.
func (s *Announcements) RetryFailed(ctx context.Context, id uint) (int, error) {
	now := s.now()
	r := s.db.W.WithContext(ctx).Exec(`UPDATE mail_messages SET status = ?, attempts = 0, next_attempt_at = ?, updated_at = ?
		WHERE announcement_id = ? AND status = ?`, models.MailPending, now, now, id, models.MailFailed)
	return int(r.RowsAffected), wrap("retry failed", r.Error)
}
