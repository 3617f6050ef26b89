package services

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"sinau/models"
)

// Reminder and notice mail kinds.
const (
	KindReminder         = "reminder"
	KindChanged          = "changed"
	KindCancelled        = "cancelled"
	KindAnnouncement     = "announcement"
	KindFollowupAttended = "followup-attended"
	KindFollowupAbsent   = "followup-absent"
)

// Reminder limits.
const (
	MaxReminderOffset = 60 * 24 * time.Hour
	MaxReminders      = 10
	// straggle is how long after a due time the scheduler looks again for
	// registrations whose transaction committed just after it ran.
	straggle = 10 * time.Minute
)

// DefaultReminderOffsets are 3 days, 1 day and 1 hour before the start.
var DefaultReminderOffsets = []string{"72h", "24h", "1h"}

// ParseOffsets checks reminder offsets: Go durations, positive, at most 60
// days, no two alike. It returns them longest first.
func ParseOffsets(raw []string) ([]time.Duration, error) {
	v := &validator{}
	seen := map[time.Duration]bool{}
	var out []time.Duration
	if len(raw) > MaxReminders {
		v.add("reminder_offsets", "max", MaxReminders)
	}
	for _, s := range raw {
		d, err := time.ParseDuration(strings.TrimSpace(s))
		switch {
		case err != nil:
			v.add("reminder_offsets", "offset_format")
		case d <= 0:
			v.add("reminder_offsets", "positive")
		case d > MaxReminderOffset:
			v.add("reminder_offsets", "offset_max")
		case seen[d]:
			v.add("reminder_offsets", "duplicate")
		default:
			seen[d] = true
			out = append(out, d)
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i] > out[j] })
	return out, nil
}

// FormatOffset writes an offset the short way: 72h, 90m, 1h30m.
func FormatOffset(d time.Duration) string {
	s := d.String() // e.g. 72h0m0s, 1h30m0s, 1m30s
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// EncodeOffsets stores offsets as a JSON array of their short forms.
func EncodeOffsets(ds []time.Duration) string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = FormatOffset(d)
	}
	b, _ := json.Marshal(out)
	return string(b)
}

// OffsetsOf reads a webinar's stored offsets.
func OffsetsOf(w *models.Webinar) []time.Duration {
	var raw []string
	if json.Unmarshal([]byte(w.ReminderOffsets), &raw) != nil {
		return nil
	}
	ds, err := ParseOffsets(raw)
	if err != nil {
		return nil
	}
	return ds
}

// Scheduler queues the mail that time makes due: reminders before a
// webinar and follow-ups after it. Everything it needs is read from the
// database on every tick, so nothing is lost while the server is down.
type Scheduler struct {
	db     *models.DB
	now    func() time.Time
	outbox Outbox
}

// NewScheduler builds the scheduler; domain names the Message-ID host.
func NewScheduler(db *models.DB, now func() time.Time, domain string) *Scheduler {
	return &Scheduler{db: db, now: now, outbox: Outbox{Domain: domain}}
}

// TickResult says what one tick did.
type TickResult struct {
	Queued  int
	Skipped int
}

// Tick queues due reminders and follow-ups. It is safe to run often and
// from several processes: every message has an idempotency key, so a
// registration gets each offset's reminder at most once.
func (s *Scheduler) Tick(ctx context.Context) (TickResult, error) {
	var res TickResult
	now := s.now()
	var ws []models.Webinar
	err := s.db.R.WithContext(ctx).
		Where("status = ? AND starts_at > ? AND starts_at <= ?", models.StatusPublished, now.Add(-24*time.Hour), now.Add(MaxReminderOffset+time.Hour)).
		Find(&ws).Error
	if err != nil {
		return res, wrap("due webinars", err)
	}
	for i := range ws {
		q, sk, err := s.remind(ctx, &ws[i], now)
		if err != nil {
			return res, err
		}
		res.Queued += q
		res.Skipped += sk
	}
	n, err := s.followups(ctx, now)
	res.Queued += n
	if err != nil {
		return res, err
	}
	n, err = s.remindSpeakers(ctx, now)
	res.Queued += n
	return res, err
}

func (s *Scheduler) remind(ctx context.Context, w *models.Webinar, now time.Time) (queued, skipped int, err error) {
	for _, off := range OffsetsOf(w) {
		due := w.StartsAt.Add(-off)
		if due.After(now) {
			continue
		}
		var run models.ReminderRun
		found := s.db.R.WithContext(ctx).Where("webinar_id = ? AND offset_seconds = ? AND starts_at = ?", w.ID, int64(off.Seconds()), w.StartsAt).
			Limit(1).Find(&run).RowsAffected == 1
		if found && (run.Outcome == "skipped" || now.Sub(due) > straggle) {
			continue
		}
		err := s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if !now.Before(w.StartsAt) {
				skipped++
				return tx.Exec(`INSERT INTO reminder_runs (webinar_id, offset_seconds, starts_at, due_at, outcome, reason, created_at)
					VALUES (?, ?, ?, ?, 'skipped', ?, ?) ON CONFLICT DO NOTHING`,
					w.ID, int64(off.Seconds()), w.StartsAt, due, "the webinar had started when the reminder was handled", now).Error
			}
			data, _ := json.Marshal(map[string]string{"offset": FormatOffset(off)})
			n, err := s.outbox.EnqueueAll(tx, now, FanOut{Kind: KindReminder, KeyPrefix: "reminder:", KeySuffix: fmt.Sprintf(":%d", int64(off.Seconds())),
				Data: string(data), Where: "r.webinar_id = ? AND r.status = ? AND COALESCE(r.promoted_at, r.created_at) <= ?",
				Args: []any{w.ID, models.RegRegistered, due}})
			if err != nil {
				return err
			}
			queued += n
			return tx.Exec(`INSERT INTO reminder_runs (webinar_id, offset_seconds, starts_at, due_at, outcome, queued, created_at)
				VALUES (?, ?, ?, ?, 'queued', ?, ?)
				ON CONFLICT (webinar_id, offset_seconds, starts_at) DO UPDATE SET queued = queued + excluded.queued`,
				w.ID, int64(off.Seconds()), w.StartsAt, due, n, now).Error
		})
		if err != nil {
			return queued, skipped, wrap("queue reminders", err)
		}
	}
	return queued, skipped, nil
}

// followups queues the thank-you and sorry-we-missed-you mails of webinars
// whose attendance is known, once their delay after the end has passed.
func (s *Scheduler) followups(ctx context.Context, now time.Time) (int, error) {
	var ws []models.Webinar
	err := s.db.R.WithContext(ctx).
		Where("status IN ? AND attendance_known_at IS NOT NULL AND followups_sent_at IS NULL AND ends_at <= ?",
			[]string{models.StatusPublished, models.StatusCompleted}, now).Find(&ws).Error
	if err != nil {
		return 0, wrap("due follow-ups", err)
	}
	total := 0
	for _, w := range ws {
		if now.Before(w.EndsAt.Add(time.Duration(w.FollowupDelayMinutes) * time.Minute)) {
			continue
		}
		n, err := queueFollowups(ctx, s.db, s.outbox, w.ID, now, false)
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}

// queueFollowups queues both follow-ups of a webinar and marks them sent.
// By hand (unknownAsAbsent) a registration without attendance gets the
// absent version; the scheduler waits for attendance instead.
func queueFollowups(ctx context.Context, db *models.DB, outbox Outbox, webinarID uint, now time.Time, unknownAsAbsent bool) (int, error) {
	total := 0
	err := db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		absent := "r.attended = 0"
		if unknownAsAbsent {
			absent = "(r.attended = 0 OR r.attended IS NULL)"
		}
		for kind, cond := range map[string]string{KindFollowupAttended: "r.attended = 1", KindFollowupAbsent: absent} {
			n, err := outbox.EnqueueAll(tx, now, FanOut{Kind: kind, KeyPrefix: "followup:",
				Where: "r.webinar_id = ? AND r.status = ? AND " + cond, Args: []any{webinarID, models.RegRegistered}})
			if err != nil {
				return err
			}
			total += n
		}
		return tx.Exec(`UPDATE webinars SET followups_sent_at = ? WHERE id = ?`, now, webinarID).Error
	})
	return total, wrap("queue follow-ups", err)
}

// noticeChange queues a "changed" or "cancelled" mail to everyone still
// registered or waitlisted, keyed by the webinar's new SEQUENCE so each
// change is told once. When the time changed, pending reminders are
// dropped: the scheduler queues them again for the new time, and their
// keys are free once dropped.
func noticeChange(tx *gorm.DB, outbox Outbox, w *models.Webinar, kind string, data map[string]any, now time.Time, dropReminders bool) error {
	if dropReminders {
		if err := tx.Exec(`DELETE FROM mail_messages WHERE webinar_id = ? AND kind = ? AND status = ?`,
			w.ID, KindReminder, models.MailPending).Error; err != nil {
			return err
		}
	}
	b, _ := json.Marshal(data)
	_, err := outbox.EnqueueAll(tx, now, FanOut{Kind: kind, KeyPrefix: kind + ":", KeySuffix: fmt.Sprintf(":%d", w.Sequence), Data: string(b),
		Where: "r.webinar_id = ? AND r.status IN (?, ?)", Args: []any{w.ID, models.RegRegistered, models.RegWaitlisted}})
	return err
}

// ReminderRuns lists what the scheduler did for a webinar, newest first.
func (s *Scheduler) ReminderRuns(ctx context.Context, webinarID uint) ([]models.ReminderRun, error) {
	var out []models.ReminderRun
	err := s.db.R.WithContext(ctx).Where("webinar_id = ?", webinarID).Order("due_at DESC").Find(&out).Error
	return out, wrap("reminder runs", err)
}

// SendFollowups queues a webinar's follow-ups now, by an organizer's hand.
func (s *Scheduler) SendFollowups(ctx context.Context, webinarID uint) (int, error) {
	var w models.Webinar
	if err := s.db.R.WithContext(ctx).First(&w, webinarID).Error; err != nil {
		return 0, notFound(err)
	}
	if s.now().Before(w.EndsAt) {
		return 0, ErrNotEnded
	}
	if w.FollowupsSentAt != nil {
		return 0, &ConflictError{Code: "followups_sent"}
	}
	return queueFollowups(ctx, s.db, s.outbox, webinarID, s.now(), true)
}
