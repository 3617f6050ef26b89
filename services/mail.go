package services

import (
	"context"
	"time"

	"gorm.io/gorm"

	"sinau/models"
)

// MailLog reads the outbox for organizers.
type MailLog struct {
	db  *models.DB
	now func() time.Time
}

// NewMailLog builds the mail log service.
func NewMailLog(db *models.DB, now func() time.Time) *MailLog { return &MailLog{db: db, now: now} }

// MailFilter selects outbox rows.
type MailFilter struct {
	WebinarID uint
	Status    string
	Page      int
}

// MailCounts are the outbox's rows by status.
type MailCounts struct {
	Pending, Sending, Sent, Failed int
}

func (c *MailCounts) set(status string, n int) {
	switch status {
	case models.MailPending:
		c.Pending = n
	case models.MailSending:
		c.Sending = n
	case models.MailSent:
		c.Sent = n
	case models.MailFailed:
		c.Failed = n
	}
}

// List returns one page of messages, newest first, and the counts by status.
func (s *MailLog) List(ctx context.Context, f MailFilter) ([]models.MailMessage, int64, MailCounts, error) {
	var counts MailCounts
	q := s.db.R.WithContext(ctx).Model(&models.MailMessage{})
	if f.WebinarID != 0 {
		q = q.Where("webinar_id = ?", f.WebinarID)
	}
	type row struct {
		Status string
		N      int
	}
	var rows []row
	if err := q.Session(&gorm.Session{}).Select("status, COUNT(*) AS n").Group("status").Scan(&rows).Error; err != nil {
		return nil, 0, counts, wrap("mail counts", err)
	}
	for _, r := range rows {
		counts.set(r.Status, r.N)
	}
	if f.Status != "" {
		v := &validator{}
		v.oneOf("status", f.Status, []string{models.MailPending, models.MailSending, models.MailSent, models.MailFailed})
		if err := v.err(); err != nil {
			return nil, 0, counts, err
		}
		q = q.Where("status = ?", f.Status)
	}
	var total int64
	if err := q.Session(&gorm.Session{}).Count(&total).Error; err != nil {
		return nil, 0, counts, wrap("count mail", err)
	}
	if f.Page < 1 {
		f.Page = 1
	}
	var out []models.MailMessage
	err := q.Order("id DESC").Limit(50).Offset((f.Page - 1) * 50).Find(&out).Error
	return out, total, counts, wrap("list mail", err)
}

// Get loads one outbox row.
func (s *MailLog) Get(ctx context.Context, id uint) (*models.MailMessage, error) {
	var m models.MailMessage
	if err := s.db.R.WithContext(ctx).First(&m, id).Error; err != nil {
		return nil, notFound(err)
	}
	return &m, nil
}

// Resend puts one failed message back in the queue. A message that was sent
// is not sent again: that is how duplicates happen.
func (s *MailLog) Resend(ctx context.Context, id uint) error {
	now := s.now()
	return s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var m models.MailMessage
		if err := tx.First(&m, id).Error; err != nil {
			return notFound(err)
		}
		if m.Status != models.MailFailed {
			return &ConflictError{Code: "not_failed"}
		}
		return tx.Model(&m).Updates(map[string]any{"status": models.MailPending, "attempts": 0, "next_attempt_at": now, "updated_at": now}).Error
	})
}

// MailState is whether sending is paused, and why.
type MailState struct {
	PausedAt            *time.Time
	Reason              string
	ConsecutiveFailures int
}

// State reads the sender's pause state.
func (s *MailLog) State(ctx context.Context) (MailState, error) {
	var st MailState
	err := s.db.R.WithContext(ctx).Raw(`SELECT paused_at, reason, consecutive_failures FROM mail_state WHERE id = 1`).Scan(&st).Error
	return st, wrap("mail state", err)
}

// Resume lifts an automatic pause.
func (s *MailLog) Resume(ctx context.Context) error {
	return wrap("resume mail", s.db.W.WithContext(ctx).Exec(`UPDATE mail_state SET paused_at = NULL, reason = '', consecutive_failures = 0 WHERE id = 1`).Error)
}
