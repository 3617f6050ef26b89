package services

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"time"

	"gorm.io/gorm"

	"sinau/models"
)

// Mail kinds: the X-Sinau-Kind header of each message.
const (
	KindConfirmation  = "confirmation"
	KindWaitlisted    = "waitlisted"
	KindPromoted      = "promoted"
	KindLinkResend    = "link-resend"
	KindRegCancelled  = "registration-cancelled"
	linkResendWindow  = 10 * time.Minute
	messageIDRandBits = 16
)

// Outbox writes messages in the caller's transaction, so a message exists
// exactly when the change that causes it was committed.
type Outbox struct {
	// Domain is the right-hand side of generated Message-IDs.
	Domain string
}

// Mail is one message to queue.
type Mail struct {
	Kind           string
	Key            string // idempotency key: the same key is queued once
	To             string
	Lang           string
	WebinarID      uint
	RegistrationID uint
	Data           map[string]any
	NotBefore      time.Time
}

// enqueueSQL inserts one message unless its key was queued before.
const enqueueSQL = `INSERT INTO mail_messages (kind, idempotency_key, message_id, recipient, lang, webinar_id, registration_id, data,
	status, next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT(idempotency_key) DO NOTHING`

// args are enqueueSQL's arguments for m.
func (o Outbox) args(now time.Time, m Mail) ([]any, error) {
	data := "{}"
	if m.Data != nil {
		b, err := json.Marshal(m.Data)
		if err != nil {
			return nil, err
		}
		data = string(b)
	}
	due := now
	if m.NotBefore.After(now) {
		due = m.NotBefore
	}
	var wid, rid any
	if m.WebinarID != 0 {
		wid = m.WebinarID
	}
	if m.RegistrationID != 0 {
		rid = m.RegistrationID
	}
	return []any{m.Kind, m.Key, o.newMessageID(), m.To, m.Lang, wid, rid, data, models.MailPending, due, now, now}, nil
}

// Enqueue inserts m unless a message with its key exists; it reports
// whether it was new. Nothing is queued to a registration without email.
func (o Outbox) Enqueue(tx *gorm.DB, now time.Time, m Mail) (bool, error) {
	if !HasEmail(m.To) {
		return false, nil
	}
	args, err := o.args(now, m)
	if err != nil {
		return false, err
	}
	res := tx.Exec(enqueueSQL, args...)
	return res.RowsAffected == 1, res.Error
}

// FanOut is one message for each registration of a webinar that matches
// Where, an SQL condition on registrations r with its Args. Each message's
// key is KeyPrefix, the registration id and KeySuffix, so running the same
// fan-out again queues nothing twice.
type FanOut struct {
	Kind                 string
	KeyPrefix, KeySuffix string
	Data                 string // JSON; "" means {}
	AnnouncementID       *uint
	Where                string
	Args                 []any
}

// EnqueueAll queues f's messages in one statement and returns how many were
// new.
func (o Outbox) EnqueueAll(tx *gorm.DB, now time.Time, f FanOut) (int, error) {
	data := f.Data
	if data == "" {
		data = "{}"
	}
	args := append([]any{f.Kind, f.KeyPrefix, f.KeySuffix, o.Domain, f.AnnouncementID, data, models.MailPending, now, now, now}, f.Args...)
	res := tx.Exec(`INSERT INTO mail_messages (kind, idempotency_key, message_id, recipient, lang, webinar_id, registration_id,
			announcement_id, data, status, next_attempt_at, created_at, updated_at)
		SELECT ?, ? || r.id || ?, '<' || lower(hex(randomblob(16))) || '@' || ? || '>', r.email, r.lang, r.webinar_id, r.id,
			?, ?, ?, ?, ?, ?
		FROM registrations r WHERE (`+f.Where+`) AND r.email NOT LIKE '%`+noEmailSuffix+`'
		ON CONFLICT(idempotency_key) DO NOTHING`, args...)
	return int(res.RowsAffected), res.Error
}

// newMessageID is fixed when the message is queued, so a message re-sent
// after a crash carries the same Message-ID and receivers can tell.
func (o Outbox) newMessageID() string {
	b := make([]byte, messageIDRandBits)
	rand.Read(b)
	return "<" + hex.EncodeToString(b) + "@" + o.Domain + ">"
}
