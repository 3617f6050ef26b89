// Command remindbench measures how fast Sinau sends reminders: it queues
// one reminder for each of N registrants exactly as the scheduler does,
// lets the mail workers send them to a local SMTP server (mailpit), checks
// that every registrant got exactly one, and compares the rate with the
// same server's ceiling measured in the same run by postfix's smtp-source.
//
//	go run ./cmd/remindbench -n 10000 -workers 4 -smtp 127.0.0.1:1025 -mailpit http://127.0.0.1:8025
//
// It talks only to the SMTP server and mailpit API given, which must be on
// loopback, and stops by itself.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata"

	"golang.org/x/crypto/bcrypt"

	"sinau/i18n"
	"sinau/mailer"
	"sinau/models"
	"sinau/services"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "remindbench:", err)
		os.Exit(1)
	}
}

func run() error {
	n := flag.Int("n", 10000, "registrants, one reminder each")
	workers := flag.Int("workers", 10, "mail workers (SMTP connections); 10 is the app's default")
	smtpAddr := flag.String("smtp", "127.0.0.1:1025", "SMTP server host:port (loopback only)")
	api := flag.String("mailpit", "http://127.0.0.1:8025", "mailpit's HTTP API, to count what arrived")
	source := flag.String("smtp-source", "/usr/sbin/smtp-source", "postfix's smtp-source, for the server's ceiling; empty to skip")
	sessions := flag.Int("sessions", 4, "smtp-source sessions")
	timeout := flag.Duration("timeout", 5*time.Minute, "give up after this long")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the sending to this file")
	flag.Parse()
	if err := loopback(*smtpAddr); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	dir, err := os.MkdirTemp("", "remindbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, err := models.Open(ctx, filepath.Join(dir, "sinau.db"))
	if err != nil {
		return err
	}
	defer db.Close()
	b := make([]byte, 6)
	rand.Read(b)
	domain := "bench-" + hex.EncodeToString(b) + ".example.org"

	queued, err := queueReminders(ctx, db, *n, domain)
	if err != nil {
		return err
	}
	fmt.Printf("queued %d reminders for %d registrants (@%s)\n", queued, *n, domain)

	cat, err := i18n.Load()
	if err != nil {
		return err
	}
	tpl, _ := filepath.Abs("templates/emails")
	smtpURL, _ := url.Parse("smtp://" + *smtpAddr + "?starttls=off")
	base, _ := url.Parse("http://localhost:8080")
	m, err := mailer.New(mailer.Config{DB: db, Catalog: cat, Templates: os.DirFS(tpl), BaseURL: base,
		From: &mail.Address{Name: "Sinau", Address: "noreply@sinau.test"}, SMTP: smtpURL, Workers: *workers, Now: time.Now,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Poll: 20 * time.Millisecond})
	if err != nil {
		return err
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan struct{})
	start := time.Now()
	go func() { m.Run(runCtx); close(done) }()
	var sent, failed int
	for {
		if err := db.R.Raw(`SELECT (SELECT COUNT(*) FROM mail_messages WHERE status = 'sent'), (SELECT COUNT(*) FROM mail_messages WHERE status = 'failed')`).
			Row().Scan(&sent, &failed); err != nil {
			stop()
			return err
		}
		if sent+failed >= queued || ctx.Err() != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	took := time.Since(start)
	stop()
	<-done
	rate := float64(sent) / took.Seconds()
	fmt.Printf("sinau:       %d sent, %d failed in %.2fs = %.0f messages/s with %d workers\n", sent, failed, took.Seconds(), rate, *workers)

	got, size, sample, err := delivered(*api, domain)
	if err != nil {
		return err
	}
	per := map[string]int{}
	for _, to := range got {
		per[to]++
	}
	lost, dups := *n-len(per), len(got)-len(per)
	fmt.Printf("mailpit:     %d messages to %d registrants: %d lost, %d duplicates (average size %d bytes)\n", len(got), len(per), lost, dups, size)

	if *source != "" && lost == 0 {
		// Both ceilings are measured on an emptied mailpit, as Sinau's run
		// started on a fresh one: a server holding more mail is slower.
		msg, err := rawMessage(*api, sample)
		if err != nil {
			return err
		}
		file := filepath.Join(dir, "message.eml")
		if err := os.WriteFile(file, msg, 0o600); err != nil {
			return err
		}
		if err := deleteAll(*api); err != nil {
			return err
		}
		ceiling, err := smtpSource(*source, *smtpAddr, *sessions, *n, "-l", strconv.Itoa(max(size, 100)))
		if err != nil {
			return err
		}
		fmt.Printf("smtp-source: %d messages of %d bytes in %d sessions = %.0f messages/s (the server's ceiling)\n", *n, size, *sessions, ceiling)
		fmt.Printf("ratio:       %.0f%% of the ceiling (target ≥ 80%%)\n", 100*rate/ceiling)
		if err := deleteAll(*api); err != nil {
			return err
		}
		same, err := smtpSource(*source, *smtpAddr, *sessions, *n, "-F", file)
		if err != nil {
			return err
		}
		fmt.Printf("smtp-source: %d copies of one of Sinau's reminders in %d sessions = %.0f messages/s (the ceiling for this mail)\n", *n, *sessions, same)
		fmt.Printf("ratio:       %.0f%% of the ceiling for the same mail\n", 100*rate/same)
	}
	if lost != 0 || dups != 0 || failed != 0 {
		return errors.New("messages lost, duplicated or failed")
	}
	return nil
}

func loopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("%s is not a loopback address", addr)
	}
	return nil
}

// queueReminders makes a webinar starting in 30 minutes with a 1-hour
// reminder and n registrants, then runs the scheduler once: the reminders
// are queued by the same code as in production.
func queueReminders(ctx context.Context, db *models.DB, n int, domain string) (int, error) {
	org, err := services.NewAccounts(db, time.Now, bcrypt.MinCost).CreateFirstAdmin(ctx,
		services.OrganizerInput{Name: "Bench", Email: "bench@sinau.test", Password: "benchmark-only"})
	if err != nil {
		return 0, err
	}
	ws := services.NewWebinars(db, time.Now, "sinau.test")
	w, err := ws.Create(ctx, org, services.WebinarFields{Title: "Tiga strategi tingkatkan interaksi pelayanan publik di era digital",
		StartsAt: time.Now().Add(30 * time.Minute), DurationMinutes: 120, Timezone: "Asia/Jakarta", RegencyCode: "3315",
		Audience: "general", Platform: "zoom", JoinURL: "https://zoom.us/j/1", ReminderOffsets: []string{"1h"}})
	if err != nil {
		return 0, err
	}
	if _, err := ws.SetStatus(ctx, w.ID, models.StatusPublished); err != nil {
		return 0, err
	}
	past := time.Now().Add(-24 * time.Hour).UTC()
	tx := db.W.Begin()
	for i := range n {
		if err := tx.Exec(`INSERT INTO registrations (webinar_id, token, status, name, email, phone, regency_code, answers, lang, source,
			consent_at, created_at, updated_at) VALUES (?, ?, 'registered', ?, ?, '+6281234567890', '7371', '{}', 'id', 'web', ?, ?, ?)`,
			w.ID, services.NewToken(), "Peserta "+strconv.Itoa(i), fmt.Sprintf("p%d@%s", i, domain), past, past, past).Error; err != nil {
			tx.Rollback()
			return 0, err
		}
	}
	if err := tx.Commit().Error; err != nil {
		return 0, err
	}
	res, err := services.NewScheduler(db, time.Now, "sinau.test").Tick(ctx)
	return res.Queued, err
}

// delivered lists the recipients of every message mailpit holds for domain,
// their average size, and the ID of one of them.
func delivered(api, domain string) ([]string, int, string, error) {
	var out []string
	total, sample := 0, ""
	for start := 0; ; start += 1000 {
		res, err := http.Get(fmt.Sprintf("%s/api/v1/search?query=%s&start=%d&limit=1000", api, url.QueryEscape("to:"+domain), start))
		if err != nil {
			return nil, 0, "", err
		}
		var page struct {
			Messages []struct {
				ID   string
				To   []struct{ Address string }
				Size int
			}
		}
		err = json.NewDecoder(res.Body).Decode(&page)
		res.Body.Close()
		if err != nil {
			return nil, 0, "", err
		}
		for _, m := range page.Messages {
			sample = m.ID
			out = append(out, m.To[0].Address)
			total += m.Size
		}
		if len(page.Messages) < 1000 {
			break
		}
	}
	if len(out) == 0 {
		return out, 0, "", nil
	}
	return out, total / len(out), sample, nil
}

// rawMessage is one message as Sinau sent it, with LF line ends: mailpit's
// raw copy without the Return-Path and Received headers mailpit put in front.
func rawMessage(api, id string) ([]byte, error) {
	res, err := http.Get(api + "/api/v1/message/" + url.PathEscape(id) + "/raw")
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("mailpit raw message: %s", res.Status)
	}
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	// smtp-source ends every line of its -F file with CRLF itself.
	lines := strings.SplitAfter(strings.ReplaceAll(string(raw), "\r\n", "\n"), "\n")
	i := 0
	for i < len(lines) && (strings.HasPrefix(lines[i], "Return-Path:") || strings.HasPrefix(lines[i], "Received:") ||
		i > 0 && (strings.HasPrefix(lines[i], " ") || strings.HasPrefix(lines[i], "\t"))) {
		i++
	}
	return []byte(strings.Join(lines[i:], "")), nil
}

// deleteAll empties mailpit.
func deleteAll(api string) error {
	req, err := http.NewRequest(http.MethodDelete, api+"/api/v1/messages", nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("mailpit delete: %s", res.Status)
	}
	return nil
}

// smtpSource measures the SMTP server's own rate: n messages over the given
// number of parallel sessions, each of the length (-l N) or the file
// (-F path) that body names.
func smtpSource(bin, addr string, sessions, n int, body ...string) (float64, error) {
	start := time.Now()
	args := append([]string{"-s", strconv.Itoa(sessions), "-m", strconv.Itoa(n)}, body...)
	args = append(args, "-f", "bench@sinau.test", "-t", "sink@smtp-source.example.org", addr)
	cmd := exec.Command(bin, args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("smtp-source: %v: %s", err, out)
	}
	return float64(n) / time.Since(start).Seconds(), nil
}
