package mailer

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/mail"
	"net/textproto"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	gomail "github.com/go-mail/mail/v2"
	"golang.org/x/time/rate"
	"gorm.io/gorm"

	"sinau/i18n"
	"sinau/models"
	"sinau/services"
)

// Config is what the mailer needs.
type Config struct {
	DB        *models.DB
	Catalog   *i18n.Catalog
	Templates fs.FS // the emails/ folder
	BaseURL   *url.URL
	From      *mail.Address
	SMTP      *url.URL // nil: no sending; messages stay in the outbox
	Workers   int
	Rate      float64 // messages per second over all workers; 0 = unlimited
	Now       func() time.Time
	Logger    *slog.Logger
	// Poll is how long an idle worker waits before looking for due mail.
	Poll time.Duration
	// MaxAttempts is how often a temporary failure is retried.
	MaxAttempts int
	// HourlyCap limits messages sent in any hour; 0 means no cap.
	HourlyCap int
	// PauseAfter consecutive failed attempts pause sending until an
	// organizer resumes it; 0 means 25.
	PauseAfter int
	// TicketToken gives the signed check-in token of a registration, put
	// in a QR code in mail for webinars with a venue; nil means no QR.
	TicketToken func(ctx context.Context, registrationID uint) (string, error)
}

// Mailer renders and sends the outbox.
type Mailer struct {
	cfg      Config
	r        *renderer
	limiter  *rate.Limiter
	wake     chan struct{}
	failures atomic.Int64 // consecutive failed attempts, all workers
}

// New checks the templates and builds a mailer.
func New(cfg Config) (*Mailer, error) {
	if cfg.Workers < 1 {
		cfg.Workers = 1
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 8
	}
	if cfg.PauseAfter <= 0 {
		cfg.PauseAfter = 25
	}
	r, err := newRenderer(cfg.Templates, cfg.Catalog, cfg.BaseURL, cfg.DB, cfg.Now)
	if err != nil {
		return nil, err
	}
	r.ticketToken = cfg.TicketToken
	m := &Mailer{cfg: cfg, r: r, wake: make(chan struct{}, 1)}
	if cfg.Rate > 0 {
		m.limiter = rate.NewLimiter(rate.Limit(cfg.Rate), max(1, int(cfg.Rate)))
	}
	return m, nil
}

// Render builds the message of an outbox row, for sending or for the
// organizers' Mail page.
func (m *Mailer) Render(ctx context.Context, msg *models.MailMessage) (*Rendered, error) {
	return m.r.Render(ctx, msg)
}

// Enabled reports whether an SMTP server is configured.
func (m *Mailer) Enabled() bool { return m.cfg.SMTP != nil }

// Wake tells an idle worker that mail was queued, so it need not wait for
// its next poll.
func (m *Mailer) Wake() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// Recover puts messages left "sending" by a process that died back in the
// queue. They keep their Message-ID: if the server had accepted one before
// the crash, the copy that follows carries the same id.
func (m *Mailer) Recover(ctx context.Context) (int64, error) {
	res := m.cfg.DB.W.WithContext(ctx).Exec(`UPDATE mail_messages SET status = ?, updated_at = ? WHERE status = ?`,
		models.MailPending, m.cfg.Now(), models.MailSending)
	return res.RowsAffected, res.Error
}

// Run sends due mail until ctx ends, with Config.Workers workers each
// holding one SMTP connection. Without an SMTP server it returns at once.
func (m *Mailer) Run(ctx context.Context) error {
	if !m.Enabled() {
		return nil
	}
	n, err := m.Recover(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		m.cfg.Logger.Warn("requeued mail that was being sent when the last process stopped", "messages", n)
	}
	sqlDB, err := m.cfg.DB.W.DB()
	if err != nil {
		return err
	}
	// Prepared once per run: every message sent ends with this statement.
	// data is rewritten only when given (see finish).
	outcome, err := sqlDB.PrepareContext(ctx, `UPDATE mail_messages
		SET status = ?, last_error = ?, subject = ?, sent_at = ?, updated_at = ?, data = COALESCE(?, data) WHERE id = ?`)
	if err != nil {
		return err
	}
	defer outcome.Close()
	var wg sync.WaitGroup
	for i := 0; i < m.cfg.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.work(ctx, outcome)
		}()
	}
	wg.Wait()
	return nil
}

const batchSize = 20

// allowance is how many messages this worker may claim now: none while
// sending is paused, and no more than the hourly cap leaves.
func (m *Mailer) allowance(ctx context.Context) (int, error) {
	var paused int
	if err := m.cfg.DB.R.WithContext(ctx).Raw(`SELECT COUNT(*) FROM mail_state WHERE id = 1 AND paused_at IS NOT NULL`).Scan(&paused).Error; err != nil {
		return 0, err
	}
	if paused > 0 {
		return 0, nil
	}
	if m.cfg.HourlyCap <= 0 {
		return batchSize, nil
	}
	var sent int
	if err := m.cfg.DB.R.WithContext(ctx).Raw(`SELECT COUNT(*) FROM mail_messages WHERE sent_at > ?`, m.cfg.Now().Add(-time.Hour)).Scan(&sent).Error; err != nil {
		return 0, err
	}
	return max(0, min(batchSize, m.cfg.HourlyCap-sent)), nil
}

// claim marks up to n due messages as being sent by this worker. The
// single-statement UPDATE … RETURNING on the one writer connection makes
// the claim atomic: two workers never get the same message. It ignores
// cancellation: SQLite applies the update at the first step, so a shutdown
// that interrupted the reading of the returned rows would leave messages
// marked "sending" that no worker holds. The caller hands back what it
// claimed once it sees the shutdown.
func (m *Mailer) claim(ctx context.Context, n int) ([]models.MailMessage, error) {
	now := m.cfg.Now()
	var out []models.MailMessage
	err := m.cfg.DB.W.WithContext(context.WithoutCancel(ctx)).Raw(`UPDATE mail_messages SET status = ?, attempts = attempts + 1, updated_at = ?
		WHERE id IN (SELECT id FROM mail_messages WHERE status = ? AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?)
		RETURNING *`, models.MailSending, now, models.MailPending, now, n).Scan(&out).Error
	return out, err
}

type worker struct {
	m       *Mailer
	dialer  *gomail.Dialer
	conn    gomail.SendCloser
	outcome *sql.Stmt // records a message's outcome
}

func (m *Mailer) dialer() *gomail.Dialer {
	u := m.cfg.SMTP
	port, _ := strconv.Atoi(u.Port())
	if port == 0 {
		port = 587
		if u.Scheme == "smtps" {
			port = 465
		}
	}
	pass, _ := u.User.Password()
	d := gomail.NewDialer(u.Hostname(), port, u.User.Username(), pass)
	d.SSL = u.Scheme == "smtps"
	d.RetryFailure = false
	d.LocalName = m.cfg.BaseURL.Hostname()
	switch u.Query().Get("starttls") {
	case "off":
		d.StartTLSPolicy = gomail.NoStartTLS
	case "required":
		d.StartTLSPolicy = gomail.MandatoryStartTLS
	default:
		d.StartTLSPolicy = gomail.OpportunisticStartTLS
	}
	return d
}

func (m *Mailer) work(ctx context.Context, outcome *sql.Stmt) {
	w := &worker{m: m, dialer: m.dialer(), outcome: outcome}
	defer w.close()
	idle := time.NewTimer(0)
	defer idle.Stop()
	for ctx.Err() == nil {
		n, err := m.allowance(ctx)
		var batch []models.MailMessage
		if err == nil && n > 0 {
			batch, err = m.claim(ctx, n)
		}
		if err != nil {
			if ctx.Err() == nil {
				m.cfg.Logger.Error("claim mail", "error", err)
			}
			batch = nil
		}
		// The next messages are rendered while the current one is on the
		// wire: a worker mostly waits for the SMTP server, and rendering is
		// mostly CPU, so the two overlap.
		ready := make(chan prepared, prefetch)
		go func() {
			defer close(ready)
			rctx, snap := context.WithoutCancel(ctx), newSnapshot()
			if err := m.r.preload(rctx, snap, batch); err != nil {
				m.cfg.Logger.Warn("preload mail batch; reading one by one", "error", err)
			}
			for i := range batch {
				r, err := m.r.render(rctx, snap, &batch[i])
				ready <- prepared{msg: &batch[i], r: r, err: err}
			}
		}()
		var left []models.MailMessage
		for p := range ready {
			if ctx.Err() != nil {
				// Shutting down: hand the rest back untouched.
				left = append(left, *p.msg)
				continue
			}
			// A message once started is finished and recorded even if
			// shutdown begins meanwhile; cancelling half-way would leave
			// its outcome unknown.
			w.deliver(context.WithoutCancel(ctx), p)
		}
		if len(left) > 0 {
			m.release(left)
			return
		}
		if len(batch) == n && n > 0 {
			continue
		}
		if len(batch) == 0 {
			w.close()
		}
		idle.Reset(m.cfg.Poll)
		select {
		case <-ctx.Done():
		case <-idle.C:
		case <-m.wake:
		}
	}
}

// prefetch is how many rendered messages wait for a worker's connection.
const prefetch = 4

// prepared is a claimed message with its rendering.
type prepared struct {
	msg *models.MailMessage
	r   *Rendered
	err error
}

// release returns claimed messages to the queue without counting an attempt.
func (m *Mailer) release(msgs []models.MailMessage) {
	ids := make([]uint, len(msgs))
	for i, msg := range msgs {
		ids[i] = msg.ID
	}
	err := m.cfg.DB.W.Exec(`UPDATE mail_messages SET status = ?, attempts = attempts - 1 WHERE id IN ? AND status = ?`,
		models.MailPending, ids, models.MailSending).Error
	if err != nil {
		m.cfg.Logger.Error("hand back claimed mail; the next start requeues it", "messages", len(ids), "error", err)
	}
}

func (w *worker) close() {
	if w.conn != nil {
		w.conn.Close()
		w.conn = nil
	}
}

// deliver sends one claimed message and records the outcome.
func (w *worker) deliver(ctx context.Context, p prepared) {
	m, msg, r, err := w.m, p.msg, p.r, p.err
	if errors.Is(err, gorm.ErrRecordNotFound) {
		w.finish(msg, models.MailFailed, "render: "+err.Error(), "")
		return
	}
	if err != nil {
		m.retry(msg, fmt.Errorf("render: %w", err))
		return
	}
	if m.limiter != nil {
		if err := m.limiter.Wait(ctx); err != nil {
			m.release([]models.MailMessage{*msg})
			return
		}
	}
	err = w.send(msg, r)
	switch {
	case err == nil:
		m.failures.Store(0)
		w.finish(msg, models.MailSent, "", r.Subject)
	case permanent(err):
		// The server refused this one message; the server itself works.
		w.finish(msg, models.MailFailed, err.Error(), r.Subject)
	default:
		if msg.Attempts >= m.cfg.MaxAttempts {
			w.finish(msg, models.MailFailed, err.Error(), r.Subject)
		} else {
			m.retry(msg, err)
		}
		if m.failures.Add(1) == int64(m.cfg.PauseAfter) {
			m.pause(err)
		}
	}
}

// pause stops all sending after too many failures in a row, so a broken
// server or bad credentials do not burn through every message's retries.
// Organizers see the reason and resume on the Mail page.
func (m *Mailer) pause(cause error) {
	reason := fmt.Sprintf("%d failed attempts in a row; last: %s", m.cfg.PauseAfter, truncate(cause.Error(), 300))
	if err := m.cfg.DB.W.Exec(`UPDATE mail_state SET paused_at = ?, reason = ?, consecutive_failures = ? WHERE id = 1`,
		m.cfg.Now(), reason, m.cfg.PauseAfter).Error; err != nil {
		m.cfg.Logger.Error("pause mail", "error", err)
	}
	m.cfg.Logger.Error("mail sending paused", "reason", reason)
	m.failures.Store(0)
}

func (w *worker) send(msg *models.MailMessage, r *Rendered) error {
	if w.conn == nil {
		c, err := w.dialer.Dial()
		if err != nil {
			return fmt.Errorf("connect: %w", err)
		}
		w.conn = c
	}
	gm := w.m.build(msg, r)
	if err := gomail.Send(w.conn, gm); err != nil {
		// The session's state is unknown after an error: start afresh.
		w.close()
		return err
	}
	return nil
}

// build assembles the MIME message: text and HTML alternatives, the
// calendar invite, and the headers receivers and tests rely on.
func (m *Mailer) build(msg *models.MailMessage, r *Rendered) *gomail.Message {
	gm := gomail.NewMessage()
	gm.SetAddressHeader("From", m.cfg.From.Address, m.cfg.From.Name)
	gm.SetHeader("To", msg.Recipient)
	gm.SetHeader("Subject", r.Subject)
	gm.SetHeader("Message-ID", msg.MessageID)
	gm.SetHeader("X-Sinau-Kind", msg.Kind)
	gm.SetHeader("Auto-Submitted", "auto-generated")
	for k, v := range r.Headers {
		gm.SetHeader(k, v)
	}
	gm.SetDateHeader("Date", m.cfg.Now())
	gm.SetBody("text/plain", r.Text)
	gm.AddAlternative("text/html", r.HTML)
	if r.QR != nil {
		qr := r.QR
		gm.Embed(QRName, gomail.SetCopyFunc(func(w io.Writer) error { _, err := w.Write(qr); return err }))
	}
	if r.ICS != nil {
		data := r.ICS
		gm.Attach("invite.ics",
			gomail.SetCopyFunc(func(w io.Writer) error { _, err := w.Write(data); return err }),
			gomail.SetHeader(map[string][]string{"Content-Type": {"text/calendar; charset=utf-8; method=" + r.Method}}))
	}
	return gm
}

// permanent tells a 5xx SMTP reply (the server refused this message for
// good) from everything else: 4xx replies and network trouble are retried.
func permanent(err error) bool {
	var te *textproto.Error
	return errors.As(err, &te) && te.Code >= 500
}

func (w *worker) finish(msg *models.MailMessage, status, lastErr, subject string) {
	m := w.m
	now := m.cfg.Now()
	var sentAt any
	if status == models.MailSent {
		sentAt = now
	}
	// A sent invitation forgets its link's token: from then on only its
	// hash exists, in invitation_tokens.
	var data any
	if status == models.MailSent && (msg.Kind == services.KindInvitation || msg.Kind == services.KindSpeakerReminder) {
		data = "{}"
	}
	if _, err := w.outcome.Exec(status, truncate(lastErr, 500), subject, sentAt, now, data, msg.ID); err != nil {
		m.cfg.Logger.Error("record mail outcome", "id", msg.ID, "error", err)
	}
	if status == models.MailFailed {
		m.cfg.Logger.Warn("mail failed", "id", msg.ID, "kind", msg.Kind, "error", lastErr)
	}
}

// Backoff is the wait before attempt n+1: 30 s doubling, at most an hour.
func Backoff(attempts int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < attempts && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

func (m *Mailer) retry(msg *models.MailMessage, err error) {
	now := m.cfg.Now()
	if dbErr := m.cfg.DB.W.Exec(`UPDATE mail_messages SET status = ?, last_error = ?, next_attempt_at = ?, updated_at = ? WHERE id = ?`,
		models.MailPending, truncate(err.Error(), 500), now.Add(Backoff(msg.Attempts)), now, msg.ID).Error; dbErr != nil {
		m.cfg.Logger.Error("record mail retry", "id", msg.ID, "error", dbErr)
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
