package mailer

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"sinau/i18n"
	"sinau/models"
	"sinau/services"
)

// mailpit returns the test SMTP server and its API, started by
// scripts/test; without them the test is skipped (or fails in CI).
func mailpit(t *testing.T) (smtp *url.URL, api string) {
	t.Helper()
	addr, api := os.Getenv("SINAU_TEST_SMTP"), os.Getenv("SINAU_TEST_MAILPIT")
	if addr == "" || api == "" {
		if os.Getenv("SINAU_TEST_REQUIRE") == "1" {
			t.Fatal("SINAU_TEST_SMTP and SINAU_TEST_MAILPIT are required")
		}
		t.Skip("no mailpit: run ./scripts/test")
	}
	u, err := url.Parse("smtp://" + addr + "?starttls=off")
	if err != nil {
		t.Fatal(err)
	}
	return u, api
}

type env struct {
	db     *models.DB
	w      *models.Webinar
	regs   *services.Registrations
	domain string // unique per test, so parallel packages sharing mailpit do not mix
	now    atomic.Pointer[time.Time]
}

func (e *env) clock() time.Time { return *e.now.Load() }

func newEnv(t *testing.T, capacity int) *env {
	t.Helper()
	ctx := context.Background()
	db, err := models.Open(ctx, filepath.Join(t.TempDir(), "sinau.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	b := make([]byte, 6)
	rand.Read(b)
	e := &env{db: db, domain: "run-" + hex.EncodeToString(b) + ".example.org"}
	start := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	e.now.Store(&start)
	org, err := services.NewAccounts(db, e.clock, bcrypt.MinCost).CreateFirstAdmin(ctx,
		services.OrganizerInput{Name: "A", Email: "a@example.org", Password: "rahasia-sekali"})
	if err != nil {
		t.Fatal(err)
	}
	ws := services.NewWebinars(db, e.clock, "sinau.test")
	jkt, _ := time.LoadLocation("Asia/Jakarta")
	w, err := ws.Create(ctx, org, services.WebinarFields{Title: "Literasi digital Grobogan", StartsAt: time.Date(2026, 12, 7, 9, 0, 0, 0, jkt),
		DurationMinutes: 180, Timezone: "Asia/Jakarta", RegencyCode: "3315", Audience: "general", Platform: "zoom",
		JoinURL: "https://zoom.us/j/1", Capacity: capacity})
	if err != nil {
		t.Fatal(err)
	}
	if e.w, err = ws.SetStatus(ctx, w.ID, models.StatusPublished); err != nil {
		t.Fatal(err)
	}
	e.regs = services.NewRegistrations(db, e.clock, "sinau.test")
	return e
}

func (e *env) register(t *testing.T, n int) {
	t.Helper()
	var wg sync.WaitGroup
	var failed atomic.Int32
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.regs.Register(context.Background(), e.w.ID, services.RegistrationInput{Name: fmt.Sprintf("Peserta %d", i),
				Email: fmt.Sprintf("p%d@%s", i, e.domain), Phone: fmt.Sprintf("0812%08d", 10000000+i), RegencyCode: "7371", Consent: true})
			if err != nil {
				failed.Add(1)
			}
		}()
	}
	wg.Wait()
	if failed.Load() > 0 {
		t.Fatalf("%d registrations failed", failed.Load())
	}
}

func (e *env) mailer(t *testing.T, smtp *url.URL) *Mailer {
	t.Helper()
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse("https://sinau.example.id")
	m, err := New(Config{DB: e.db, Catalog: cat, Templates: os.DirFS("../templates/emails"), BaseURL: base,
		From: &mailAddr, SMTP: smtp, Workers: 2, Now: e.clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Poll: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (e *env) statusCounts(t *testing.T) map[string]int {
	t.Helper()
	var rows []struct {
		Status string
		N      int
	}
	e.db.R.Raw(`SELECT status, COUNT(*) AS n FROM mail_messages GROUP BY status`).Scan(&rows)
	out := map[string]int{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out
}

// waitSent waits until want messages are sent, or fails.
func (e *env) waitSent(t *testing.T, want int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if e.statusCounts(t)[models.MailSent] >= want {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("sent %v, want %d", e.statusCounts(t), want)
}

type mpMessage struct {
	ID          string
	MessageID   string
	Subject     string
	To          []struct{ Address string }
	Attachments int
}

// delivered lists what mailpit received for this test's domain.
func (e *env) delivered(t *testing.T, api string) []mpMessage {
	t.Helper()
	var all []mpMessage
	for start := 0; ; start += 500 {
		res, err := http.Get(fmt.Sprintf("%s/api/v1/search?query=%s&start=%d&limit=500", api, url.QueryEscape("to:"+e.domain), start))
		if err != nil {
			t.Fatal(err)
		}
		var page struct {
			Messages []mpMessage `json:"messages"`
		}
		err = json.NewDecoder(res.Body).Decode(&page)
		res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page.Messages...)
		if len(page.Messages) < 500 {
			return all
		}
	}
}

func headers(t *testing.T, api, id string) map[string][]string {
	t.Helper()
	res, err := http.Get(api + "/api/v1/message/" + id + "/headers")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	h := map[string][]string{}
	if err := json.NewDecoder(res.Body).Decode(&h); err != nil {
		t.Fatal(err)
	}
	return h
}

func TestEveryRegistrationMailDeliveredOnce(t *testing.T) {
	smtp, api := mailpit(t)
	e := newEnv(t, 100)
	e.register(t, 500)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.mailer(t, smtp).Run(ctx); close(done) }()
	e.waitSent(t, 500, 60*time.Second)
	cancel()
	<-done
	got := e.delivered(t, api)
	if len(got) != 500 {
		t.Fatalf("mailpit has %d messages, want 500", len(got))
	}
	perRecipient := map[string]int{}
	kinds := map[string]int{}
	for _, m := range got {
		perRecipient[m.To[0].Address]++
		switch {
		case strings.HasPrefix(m.Subject, "Pendaftaran terkonfirmasi"):
			kinds["confirmation"]++
			if m.Attachments != 1 {
				t.Errorf("confirmation without invite: %s", m.ID)
			}
		case strings.HasPrefix(m.Subject, "Anda masuk daftar tunggu"):
			kinds["waitlisted"]++
		}
	}
	if kinds["confirmation"] != 100 || kinds["waitlisted"] != 400 || len(perRecipient) != 500 {
		t.Errorf("kinds %v, recipients %d", kinds, len(perRecipient))
	}
	h := headers(t, api, got[0].ID)
	if k := h["X-Sinau-Kind"]; len(k) != 1 || (k[0] != "confirmation" && k[0] != "waitlisted") {
		t.Errorf("X-Sinau-Kind %v", k)
	}
	var stored string
	e.db.R.Raw(`SELECT message_id FROM mail_messages WHERE recipient = ?`, got[0].To[0].Address).Scan(&stored)
	if h["Message-Id"][0] != stored {
		t.Errorf("Message-ID %v, stored %s", h["Message-Id"], stored)
	}
}

// TestStopMidBatchThenRestart stops the workers while they send and starts
// new ones: every message arrives exactly once.
func TestStopMidBatchThenRestart(t *testing.T) {
	smtp, api := mailpit(t)
	e := newEnv(t, 0)
	e.register(t, 300)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.mailer(t, smtp).Run(ctx); close(done) }()
	e.waitSent(t, 40, 30*time.Second)
	cancel()
	<-done
	mid := e.statusCounts(t)
	if mid[models.MailSent] >= 300 || mid[models.MailSending] != 0 {
		t.Fatalf("stop left %v: want some pending and none half-claimed", mid)
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	go e.mailer(t, smtp).Run(ctx2)
	e.waitSent(t, 300, 60*time.Second)
	got := e.delivered(t, api)
	per := map[string]int{}
	for _, m := range got {
		per[m.To[0].Address]++
	}
	if len(got) != 300 || len(per) != 300 {
		t.Fatalf("delivered %d messages to %d recipients, want 300 each once", len(got), len(per))
	}
}

// TestCrashedInFlightMessageKeepsItsID: a message a killed process left
// "sending" is sent by the next process with the same Message-ID.
func TestCrashedInFlightMessageKeepsItsID(t *testing.T) {
	smtp, api := mailpit(t)
	e := newEnv(t, 0)
	e.register(t, 3)
	if err := e.db.W.Exec(`UPDATE mail_messages SET status = 'sending', attempts = 1 WHERE id = (SELECT MIN(id) FROM mail_messages)`).Error; err != nil {
		t.Fatal(err)
	}
	var inFlight models.MailMessage
	e.db.R.Where("status = ?", models.MailSending).First(&inFlight)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go e.mailer(t, smtp).Run(ctx)
	e.waitSent(t, 3, 20*time.Second)
	for _, m := range e.delivered(t, api) {
		if m.To[0].Address == inFlight.Recipient {
			if id := headers(t, api, m.ID)["Message-Id"]; len(id) != 1 || id[0] != inFlight.MessageID {
				t.Errorf("recovered message has Message-ID %v, want %s", id, inFlight.MessageID)
			}
			return
		}
	}
	t.Fatal("the in-flight message was never delivered")
}

// TestSMTPDownThenUp: with the server unreachable nothing is lost; each
// message waits with backoff and goes out once the server is back.
func TestSMTPDownThenUp(t *testing.T) {
	smtp, api := mailpit(t)
	e := newEnv(t, 0)
	e.register(t, 5)
	down, _ := url.Parse("smtp://127.0.0.1:1?starttls=off")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.mailer(t, down).Run(ctx); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int64
		e.db.R.Model(&models.MailMessage{}).Where("attempts = 1 AND status = ? AND last_error <> ''", models.MailPending).Count(&n)
		if n == 5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("messages did not get a failed attempt: %v", e.statusCounts(t))
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	var nexts []time.Time
	e.db.R.Model(&models.MailMessage{}).Order("next_attempt_at").Limit(1).Pluck("next_attempt_at", &nexts)
	if next := nexts[0]; !next.After(e.clock()) {
		t.Errorf("retry due %v, not after now %v", next, e.clock())
	}
	later := e.clock().Add(Backoff(1) + time.Second)
	e.now.Store(&later)
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	go e.mailer(t, smtp).Run(ctx2)
	e.waitSent(t, 5, 20*time.Second)
	if got := e.delivered(t, api); len(got) != 5 {
		t.Errorf("delivered %d after recovery", len(got))
	}
}

func TestPermanentOrTemporary(t *testing.T) {
	cases := []struct {
		err  error
		want bool
	}{
		{&textproto.Error{Code: 550, Msg: "no such user"}, true},
		{fmt.Errorf("wrapped: %w", &textproto.Error{Code: 554}), true},
		{&textproto.Error{Code: 451, Msg: "try later"}, false},
		{io.EOF, false},
		{fmt.Errorf("connect: dial tcp: refused"), false},
	}
	for _, tc := range cases {
		if got := permanent(tc.err); got != tc.want {
			t.Errorf("permanent(%v) = %v", tc.err, got)
		}
	}
	if Backoff(1) != 30*time.Second || Backoff(2) != time.Minute || Backoff(20) != time.Hour {
		t.Errorf("backoff %v %v %v", Backoff(1), Backoff(2), Backoff(20))
	}
}

var rawKey = regexp.MustCompile(`\b(mail|error|err|field)\.[a-z_]+`)

func TestRenderEveryKindInBothLanguages(t *testing.T) {
	e := newEnv(t, 1)
	e.register(t, 2)
	m := e.mailer(t, nil)
	var reg models.Registration
	e.db.R.Where("status = ?", models.RegWaitlisted).First(&reg)
	a := models.Announcement{WebinarID: e.w.ID, Subject: "Info penting", Body: "Bawa **kertas**.\n\n<script>alert(1)</script>", Audience: "all", Status: "sent"}
	if err := e.db.W.Create(&a).Error; err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		kind, data string
		want       []string
	}{
		{services.KindConfirmation, "{}", []string{"terkonfirmasi"}},
		{services.KindWaitlisted, "{}", []string{"daftar tunggu: 1"}},
		{services.KindPromoted, "{}", nil},
		{services.KindLinkResend, "{}", nil},
		{services.KindRegCancelled, "{}", nil},
		{services.KindReminder, `{"offset":"72h"}`, []string{"3 hari lagi"}},
		{services.KindChanged, `{"time":true,"old_start":"2026-12-06T02:00:00Z","old_end":"2026-12-06T05:00:00Z"}`, []string{"Sebelumnya: Minggu, 6 Desember 2026 pukul 09.00–12.00 WIB"}},
		{services.KindCancelled, "{}", []string{"dibatalkan"}},
		{services.KindFollowupAttended, "{}", []string{"Terima kasih"}},
		{services.KindFollowupAbsent, "{}", []string{"tidak melihat Anda"}},
		{services.KindAnnouncement, "{}", []string{"Bawa **kertas**"}},
	}
	for _, tc := range cases {
		for _, lang := range []string{"id", "en"} {
			msg := &models.MailMessage{Kind: tc.kind, Lang: lang, Data: tc.data, WebinarID: &e.w.ID, RegistrationID: &reg.ID, AnnouncementID: &a.ID}
			r, err := m.Render(context.Background(), msg)
			if err != nil {
				t.Fatalf("%s %s: %v", tc.kind, lang, err)
			}
			wantTime := "Senin, 7 Desember 2026 pukul 09.00–12.00 WIB"
			if lang == "en" {
				wantTime = "Monday, 7 December 2026 at 09:00–12:00 WIB"
			}
			if r.Subject == "" || !strings.Contains(r.Text, wantTime) || !strings.Contains(r.HTML, "12.00 WIB") && lang == "id" ||
				!strings.Contains(r.Text, "WITA") || (tc.kind != services.KindCancelled && !strings.Contains(r.Text, "https://sinau.example.id/")) {
				t.Errorf("%s %s:\n%s", tc.kind, lang, r.Text)
			}
			if lang == "id" {
				for _, w := range tc.want {
					if !strings.Contains(r.Text, w) && !strings.Contains(r.Subject, w) {
						t.Errorf("%s: missing %q in\n%s", tc.kind, w, r.Text)
					}
				}
			}
			if rawKey.MatchString(r.Text) || rawKey.MatchString(r.HTML) {
				t.Errorf("%s %s: untranslated key", tc.kind, lang)
			}
		}
	}
	ann, _ := m.Render(context.Background(), &models.MailMessage{Kind: services.KindAnnouncement, Lang: "id", WebinarID: &e.w.ID, AnnouncementID: &a.ID})
	if !strings.Contains(ann.HTML, "<strong>kertas</strong>") || strings.Contains(ann.HTML, "<script>") {
		t.Errorf("announcement HTML not rendered safely:\n%s", ann.HTML)
	}
	rem, _ := m.Render(context.Background(), &models.MailMessage{Kind: services.KindReminder, Lang: "en", Data: `{"offset":"90m"}`, WebinarID: &e.w.ID, RegistrationID: &reg.ID})
	if rem.Headers["X-Sinau-Reminder-Offset"] != "1h30m" || !strings.Contains(rem.Subject, "1 hour 30 minutes") {
		t.Errorf("reminder: %q %v", rem.Subject, rem.Headers)
	}
	can, _ := m.Render(context.Background(), &models.MailMessage{Kind: services.KindCancelled, Lang: "id", WebinarID: &e.w.ID, RegistrationID: &reg.ID})
	if !strings.Contains(string(can.ICS), "METHOD:CANCEL") {
		t.Error("cancellation without a CANCEL invite")
	}
}

func TestTicketQRInMailForVenues(t *testing.T) {
	e := newEnv(t, 0)
	e.register(t, 1)
	m := e.mailer(t, nil)
	m.r.ticketToken = func(_ context.Context, id uint) (string, error) { return fmt.Sprintf("SINAU1.%d.sig", id), nil }
	var reg models.Registration
	e.db.R.First(&reg)
	msg := &models.MailMessage{Kind: services.KindConfirmation, Lang: "id", WebinarID: &e.w.ID, RegistrationID: &reg.ID}
	online, err := m.Render(context.Background(), msg)
	if err != nil || online.QR != nil {
		t.Fatalf("an online webinar's mail has a QR code: %v", err)
	}
	e.db.W.Exec(`UPDATE webinars SET platform = 'hybrid', venue = 'Pendopo Kabupaten' WHERE id = ?`, e.w.ID)
	venue, err := m.Render(context.Background(), msg)
	if err != nil || len(venue.QR) == 0 || !strings.Contains(venue.HTML, `src="cid:ticket-qr.png"`) || !strings.Contains(venue.Text, "Pendopo Kabupaten") {
		t.Fatalf("hybrid webinar mail: qr %d bytes, err %v", len(venue.QR), err)
	}
	zbar, err := exec.LookPath("zbarimg")
	if err != nil {
		return
	}
	file := filepath.Join(t.TempDir(), "qr.png")
	os.WriteFile(file, venue.QR, 0o600)
	out, err := exec.Command(zbar, "--raw", "-q", file).Output()
	if err != nil || strings.TrimSpace(string(out)) != fmt.Sprintf("SINAU1.%d.sig", reg.ID) {
		t.Errorf("QR reads %q (%v)", out, err)
	}
}

// TestBatchSnapshot: the messages of one claimed batch share one read of
// their registrations and webinar, and that read is forgotten once it is
// older than snapshotTTL; a registration gone since the claim fails its
// message only.
func TestBatchSnapshot(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 0)
	e.register(t, 3)
	m := e.mailer(t, nil)
	var msgs []models.MailMessage
	if err := e.db.R.Order("id").Find(&msgs).Error; err != nil || len(msgs) != 3 {
		t.Fatalf("outbox: %d messages, %v", len(msgs), err)
	}
	snap := newSnapshot()
	if err := m.r.preload(ctx, snap, msgs); err != nil || len(snap.regs) != 3 {
		t.Fatalf("preload: %d registrations, %v", len(snap.regs), err)
	}
	first, err := m.r.render(ctx, snap, &msgs[0])
	if err != nil || !strings.Contains(first.Text, "Literasi digital Grobogan") {
		t.Fatalf("first message: %v", err)
	}
	// Within the batch the webinar is the one read for the first message.
	e.db.W.Exec(`UPDATE webinars SET title = 'Judul baru' WHERE id = ?`, e.w.ID)
	e.db.W.Exec(`DELETE FROM registrations WHERE id = ?`, *msgs[2].RegistrationID)
	name := snap.regs[*msgs[1].RegistrationID].Name
	second, err := m.r.render(ctx, snap, &msgs[1])
	if err != nil || !strings.Contains(second.Text, "Literasi digital Grobogan") || !strings.Contains(second.Text, name) {
		t.Errorf("second message of the batch: %v\n%s", err, second.Text)
	}
	// Once the snapshot is old, rows are read again: the new title, and
	// the deleted registration is gone.
	snap.at = snap.at.Add(-2 * snapshotTTL)
	if _, err := m.r.render(ctx, snap, &msgs[2]); !errors.Is(err, gorm.ErrRecordNotFound) {
		t.Errorf("message of a deleted registration: %v", err)
	}
	again, err := m.r.render(ctx, snap, &msgs[0])
	if err != nil || !strings.Contains(again.Text, "Judul baru") {
		t.Errorf("after the snapshot expired: %v\n%s", err, again.Text)
	}
}
