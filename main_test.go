package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"sinau/models"
	"sinau/services"
)

func TestBadConfigurationExitsWithTwo(t *testing.T) {
	for _, args := range [][]string{{"--addr", "nope"}, {"--base-url", "ftp://x"}, {"--bogus"}, {"demo", "--scheduler-interval", "1h"}} {
		var stderr bytes.Buffer
		code := run(args, func(string) string { return "" }, &bytes.Buffer{}, &stderr)
		lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
		if code != 2 || len(lines) != 1 || !strings.HasPrefix(lines[0], "sinau: bad configuration:") {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr.String())
		}
	}
	var out bytes.Buffer
	if code := run([]string{"--help"}, func(string) string { return "" }, &out, &bytes.Buffer{}); code != 0 || !strings.Contains(out.String(), "SINAU_SMTP_URL") {
		t.Errorf("--help: %d %q", code, out.String())
	}
}

func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestCrashWhileSendingReminders kills the server with SIGKILL while 2,000
// reminders are going out and starts it again: every registrant ends with
// exactly one reminder, except at most the messages in flight at the kill,
// whose second copy carries the same Message-ID.
func TestCrashWhileSendingReminders(t *testing.T) {
	smtpAddr, api := os.Getenv("SINAU_TEST_SMTP"), os.Getenv("SINAU_TEST_MAILPIT")
	if smtpAddr == "" || api == "" {
		if os.Getenv("SINAU_TEST_REQUIRE") == "1" {
			t.Fatal("needs mailpit")
		}
		t.Skip("needs mailpit: run ./scripts/test")
	}
	if testing.Short() {
		t.Skip("builds and runs the server")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "sinau")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	const n = 2000
	b := make([]byte, 6)
	rand.Read(b)
	domain := "crash-" + hex.EncodeToString(b) + ".example.org"
	ctx := context.Background()
	db, err := models.Open(ctx, filepath.Join(dir, "sinau.db"))
	if err != nil {
		t.Fatal(err)
	}
	org, _ := services.NewAccounts(db, time.Now, bcrypt.MinCost).CreateFirstAdmin(ctx,
		services.OrganizerInput{Name: "A", Email: "admin@example.org", Password: "rahasia-sekali"})
	ws := services.NewWebinars(db, time.Now, "test")
	w, err := ws.Create(ctx, org, services.WebinarFields{Title: "Uji crash", StartsAt: time.Now().Add(2 * time.Hour), DurationMinutes: 60,
		Timezone: "Asia/Jakarta", RegencyCode: "3315", Audience: "general", Platform: "zoom", ReminderOffsets: []string{"72h"}})
	if err != nil {
		t.Fatal(err)
	}
	ws.SetStatus(ctx, w.ID, models.StatusPublished)
	regs := services.NewRegistrations(db, time.Now, "test")
	for i := range n {
		if _, err := regs.Register(ctx, w.ID, services.RegistrationInput{Name: fmt.Sprintf("P%d", i), Email: fmt.Sprintf("p%d@%s", i, domain),
			Phone: "081234567890", RegencyCode: "3315", Consent: true}); err != nil {
			t.Fatal(err)
		}
	}
	// Registrations queue confirmations too; mark them sent so the run
	// is about reminders only.
	db.W.Exec(`UPDATE mail_messages SET status = 'sent'`)
	// The reminder 72h before was due before anyone registered: make the
	// registrations older than it, as if they came a week ago.
	db.W.Exec(`UPDATE registrations SET created_at = ?`, time.Now().Add(-7*24*time.Hour))
	db.Close()

	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "--data-dir", dir, "--addr", freePort(t), "--smtp-url", "smtp://"+smtpAddr+"?starttls=off",
			"--scheduler-interval", "200ms", "--mail-workers", "4", "--admin-email", "", "--base-url", "http://localhost:8080")
		cmd.Env = append(os.Environ(), "SINAU_ADMIN_EMAIL=", "SINAU_ADMIN_PASSWORD=")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// A failed wait must not leave the process sending mail after the
		// test (and the whole test run) has ended.
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		return cmd
	}
	sent := func() int {
		db, err := models.Open(ctx, filepath.Join(dir, "sinau.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var c int
		db.R.Raw(`SELECT COUNT(*) FROM mail_messages WHERE kind = 'reminder' AND status = 'sent'`).Scan(&c)
		return c
	}
	waitFor := func(what string, cond func() bool, within time.Duration) {
		deadline := time.Now().Add(within)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s (sent %d)", what, sent())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	first := start()
	waitFor("some reminders sent", func() bool { return sent() >= 300 }, 60*time.Second)
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.Wait()
	atKill := sent()
	if atKill >= n {
		t.Fatalf("all %d were sent before the kill; the test proves nothing", atKill)
	}
	start()
	waitFor("every reminder sent", func() bool { return sent() == n }, 90*time.Second)

	type msg struct {
		ID        string
		MessageID string
		To        []struct{ Address string }
	}
	var got []msg
	for offset := 0; ; offset += 1000 {
		res, err := http.Get(fmt.Sprintf("%s/api/v1/search?query=%s&start=%d&limit=1000", api, url.QueryEscape("to:"+domain), offset))
		if err != nil {
			t.Fatal(err)
		}
		var page struct{ Messages []msg }
		json.NewDecoder(res.Body).Decode(&page)
		res.Body.Close()
		got = append(got, page.Messages...)
		if len(page.Messages) < 1000 {
			break
		}
	}
	per := map[string][]string{}
	for _, m := range got {
		per[m.To[0].Address] = append(per[m.To[0].Address], m.MessageID)
	}
	dups := 0
	for addr, ids := range per {
		if len(ids) > 1 {
			dups++
			for _, id := range ids[1:] {
				if id != ids[0] {
					t.Errorf("%s got two different messages: %v", addr, ids)
				}
			}
		}
	}
	t.Logf("sent %d before SIGKILL; after restart %d recipients, %d messages, %d repeated in-flight messages", atKill, len(per), len(got), dups)
	if len(per) != n {
		t.Errorf("%d of %d registrants got their reminder", len(per), n)
	}
	if dups > 4 {
		t.Errorf("%d duplicates: more than the 4 workers could have had in flight", dups)
	}
}
