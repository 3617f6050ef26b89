package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/bcrypt"

	"sinau/config"
	"sinau/handlers"
	"sinau/i18n"
	"sinau/mailer"
	"sinau/models"
	"sinau/services"
)

// Helpers shared by the browser tests: the app on a loopback port, and a
// headless tab with steps that fail with their name and a screenshot.

const (
	// browserBudget bounds the whole browser session, start-up included.
	browserBudget = 90 * time.Second
	// stepTimeout bounds one browser step, so a click that loads nothing
	// fails with its step's name instead of using up the whole budget.
	stepTimeout = 20 * time.Second
	// A common phone's CSS viewport.
	phoneWidth, phoneHeight = 390, 844
)

// The day and month names are written out here, not taken from package
// i18n, so a broken translation table makes the test fail.
var (
	idDays   = [...]string{"Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"}
	idMonths = [...]string{"Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"}
)

// whenID is how the Indonesian pages and mail write a webinar's date and
// time: "Senin, 7 Desember 2026 · 09.00–12.00 WIB".
func whenID(start, end time.Time, label string) string {
	return fmt.Sprintf("%s, %d %s %d · %02d.%02d–%02d.%02d %s", idDays[start.Weekday()], start.Day(), idMonths[start.Month()-1], start.Year(),
		start.Hour(), start.Minute(), end.Hour(), end.Minute(), label)
}

// unavailable skips a test that lacks a tool or service on this machine,
// or fails it when SINAU_TEST_REQUIRE=1 (as ./scripts/test sets).
func unavailable(t *testing.T, msg string) {
	t.Helper()
	if os.Getenv("SINAU_TEST_REQUIRE") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// server is a running Sinau with its parts.
type server struct {
	url    string
	db     *models.DB
	cfg    *config.Config
	cat    *i18n.Catalog
	logger *slog.Logger
}

// serveSinau builds the app as main.go does, on a fresh database, and serves
// it on a loopback port. With an SMTP server it also runs the mailer, which
// sends queued mail there until the test ends; without one the app has no
// mailer.
func serveSinau(t *testing.T, smtp *url.URL) *server {
	t.Helper()
	return serveSinauAt(t, smtp, time.Now)
}

// serveSinauAt is serveSinau with the app's clock: the handlers, their
// services and the mailer all read the time from now.
func serveSinauAt(t *testing.T, smtp *url.URL, now func() time.Time) *server {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := models.Open(ctx, filepath.Join(dir, "sinau.db"))
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	cat, err := i18n.Load()
	if err != nil {
		t.Fatalf("load translations: %v", err)
	}
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	cfg, err := config.Load("sinau", []string{"--data-dir", dir, "--base-url", base}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	// Warnings and errors of the server (a 500, say) go to the test log.
	logger := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	var mail *mailer.Mailer
	if smtp != nil {
		mail, err = mailer.New(mailer.Config{
			DB: db, Catalog: cat, Templates: os.DirFS("../templates/emails"), BaseURL: cfg.BaseURL, From: cfg.MailFrom, SMTP: smtp,
			Workers: 2, Now: now, Logger: logger, Poll: 100 * time.Millisecond,
		})
		if err != nil {
			t.Fatalf("build the mailer: %v", err)
		}
		mailCtx, stopMail := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- mail.Run(mailCtx) }()
		// Registered after the database's Close, so it runs before it.
		t.Cleanup(func() {
			stopMail()
			if err := <-done; err != nil {
				t.Errorf("mailer: %v", err)
			}
		})
	}
	h, err := handlers.New(handlers.Deps{
		Config: cfg, Logger: logger, DB: db, Catalog: cat,
		Templates: os.DirFS("../templates"), Static: os.DirFS("../static"),
		Now: now, BcryptCost: bcrypt.MinCost, Mailer: mail,
	})
	if err != nil {
		t.Fatalf("build the app: %v", err)
	}
	srv.Config.Handler = h.Routes()
	srv.Start()
	t.Cleanup(srv.Close)
	return &server{url: base, db: db, cfg: cfg, cat: cat, logger: logger}
}

// clock is the time of an app under test: the real time moved on by an
// offset that the test advances, so a step "after the start" of a webinar
// need not wait for it. It is safe for concurrent use.
type clock struct{ offset atomic.Int64 }

func (c *clock) Now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

// advance moves the clock on by d.
func (c *clock) advance(d time.Duration) { c.offset.Add(int64(d)) }

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Logf("server: %s", strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// findChromium returns the browser to drive: $SINAU_TEST_CHROMIUM, else
// /usr/bin/chromium. Without one the test skips, or fails when
// SINAU_TEST_REQUIRE=1.
func findChromium(t *testing.T) string {
	t.Helper()
	path := os.Getenv("SINAU_TEST_CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	found, err := exec.LookPath(path)
	if err == nil {
		return found
	}
	unavailable(t, fmt.Sprintf("no chromium at %q (set SINAU_TEST_CHROMIUM): %v", path, err))
	return ""
}

// browser is one headless tab on the app, with helpers that fail the test
// with the step's name and a screenshot of the page.
type browser struct {
	t       *testing.T
	ctx     context.Context
	base    string
	shotDir string
	// prefix, when set, starts the names of the screenshots, so two tests
	// can share a screenshot directory.
	prefix string
	// shots numbers the screenshots; tabs made by fresh share it.
	shots *int
}

// newBrowser starts a headless browser on the app. flags go after the
// usual launch options, for a test that needs a browser set up otherwise,
// such as one with a fake camera.
func newBrowser(t *testing.T, execPath, base string, flags ...chromedp.ExecAllocatorOption) *browser {
	t.Helper()
	shotDir := os.Getenv("SINAU_ARTIFACTS")
	if shotDir == "" {
		shotDir = "artifacts"
	}
	if abs, err := filepath.Abs(shotDir); err == nil {
		shotDir = abs
	}
	if err := os.MkdirAll(shotDir, 0o755); err != nil {
		t.Fatalf("screenshot directory: %v", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(execPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("accept-lang", "id-ID,id"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	opts = append(opts, flags...)
	timeoutCtx, cancelTimeout := context.WithTimeout(context.Background(), browserBudget)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(timeoutCtx, opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	// Registered after the profile's TempDir, so the browser has exited
	// before its profile is removed.
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		cancelTimeout()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", execPath, err)
	}
	return &browser{t: t, ctx: ctx, base: base, shotDir: shotDir, shots: new(int)}
}

// fatalf saves a screenshot of the page as it is, then fails the test.
func (b *browser) fatalf(format string, args ...any) {
	b.t.Helper()
	msg := fmt.Sprintf(format, args...)
	if b.ctx.Err() == nil {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		defer cancel()
		if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
			p := filepath.Join(b.shotDir, b.shotName("FAILED"))
			if os.WriteFile(p, png, 0o644) == nil {
				msg += "\n(the page at the failure: " + p + ")"
			}
		}
	}
	b.t.Fatal(msg)
}

func (b *browser) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.fatalf("%s: %v", step, err)
	}
}

func run[T any](b *browser, step string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.fatalf("%s: %v", step, err)
	}
	return v
}

func evaluate[T any](b *browser, step, js string) T {
	b.t.Helper()
	return run(b, step, chromedp.Evaluate[T](js))
}

// checkStatus fails unless the page's document came with the status.
func (b *browser) checkStatus(step string, resp *network.Response, want int) {
	b.t.Helper()
	if resp == nil {
		b.fatalf("%s: no response", step)
	}
	if int(resp.Status) != want {
		b.fatalf("%s: %s answered %d, want %d", step, resp.URL, resp.Status, want)
	}
}

// open loads a path of the app and checks the status of the page.
func (b *browser) open(step, path string, want int) {
	b.t.Helper()
	b.visit(step, b.base+path, want)
}

// visit loads a whole URL, such as a link from a mail, and checks the
// status of the page.
func (b *browser) visit(step, rawURL string, want int) {
	b.t.Helper()
	resp := run(b, step, chromedp.NavigateResponse(rawURL))
	b.checkStatus(step, resp, want)
}

// follow clicks an element that loads a new page (a link or a submit
// button), waits for that page and checks its status.
func (b *browser) follow(step, sel string, want int) {
	b.t.Helper()
	b.waitVisible(step, sel)
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.fatalf("%s: %v", step, err)
	}
	b.checkStatus(step, resp, want)
}

func (b *browser) waitVisible(step, sel string) {
	b.t.Helper()
	b.do(step+": wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
}

// set gives a field a value and checks that it took, which it does not when
// a select has no such option.
//
// chromedp v0.23.0's SetValue cannot set the empty string: the argument's
// JSON "" is dropped by an omitempty tag, so the page receives undefined and
// an input ends up holding "undefined". Emptying goes through Evaluate.
func (b *browser) set(sel, value string) {
	b.t.Helper()
	b.waitVisible("fill "+sel, sel)
	if value == "" {
		q, _ := json.Marshal(sel)
		evaluate[chromedp.Void](b, "empty "+sel, `(() => {
			const el = document.querySelector(`+string(q)+`);
			el.value = "";
			el.dispatchEvent(new Event("input", {bubbles: true}));
			el.dispatchEvent(new Event("change", {bubbles: true}));
		})()`)
	} else {
		b.do("fill "+sel, chromedp.SetValue(chromedp.CSS(sel), value))
	}
	if got := b.value(sel); got != value {
		b.fatalf("%s holds %q after setting %q", sel, got, value)
	}
}

func (b *browser) value(sel string) string {
	b.t.Helper()
	return run(b, "read the value of "+sel, chromedp.Value(chromedp.CSS(sel)))
}

// text is the visible text of the first match, spaces collapsed.
func (b *browser) text(sel string) string {
	b.t.Helper()
	s := run(b, "read the text of "+sel, chromedp.Text(chromedp.CSS(sel)))
	return strings.Join(strings.Fields(s), " ")
}

func (b *browser) attr(sel, name string) string {
	b.t.Helper()
	res := run(b, "read "+name+" of "+sel, chromedp.AttributeValue(chromedp.CSS(sel), name))
	return res.Value
}

func (b *browser) html() string {
	b.t.Helper()
	return evaluate[string](b, "read the page's HTML", `document.documentElement.outerHTML`)
}

// location is the URL the tab shows now.
func (b *browser) location() *url.URL {
	b.t.Helper()
	raw := run(b, "read the location", chromedp.Location())
	u, err := url.Parse(raw)
	if err != nil {
		b.fatalf("the tab's location %q: %v", raw, err)
	}
	return u
}

func (b *browser) path() string {
	b.t.Helper()
	return b.location().Path
}

func (b *browser) query() url.Values {
	b.t.Helper()
	return b.location().Query()
}

func (b *browser) equal(what string, got, want any) {
	b.t.Helper()
	if got != want {
		b.t.Errorf("%s: got %q, want %q", what, fmt.Sprint(got), fmt.Sprint(want))
	}
}

func (b *browser) contains(what, got string, wants ...string) {
	b.t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			b.t.Errorf("%s: %q does not contain %q", what, got, w)
		}
	}
}

// shot saves a full-page PNG named after the step.
func (b *browser) shot(name string) {
	b.t.Helper()
	png := run(b, "screenshot "+name, chromedp.FullScreenshot(100))
	*b.shots++
	p := filepath.Join(b.shotDir, b.shotName(fmt.Sprintf("%02d-%s", *b.shots, name)))
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.t.Fatalf("save screenshot: %v", err)
	}
	b.t.Logf("screenshot %s", p)
}

// shotName is the file name of a screenshot.
func (b *browser) shotName(name string) string {
	if b.prefix != "" {
		name = b.prefix + "-" + name
	}
	return name + ".png"
}

// phone makes the tab a phone-sized, touch-less mobile screen.
func (b *browser) phone() {
	b.t.Helper()
	b.do("emulate a phone", chromedp.EmulateViewport(phoneWidth, phoneHeight, chromedp.EmulatePortrait, chromedp.EmulateMobile))
}

// fresh opens a tab in a new browser context of the same browser: no
// cookies, storage or cache of b's. It closes when the test ends.
func (b *browser) fresh() *browser {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	b.t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		b.fatalf("open a tab in a new browser context: %v", err)
	}
	return &browser{t: b.t, ctx: ctx, base: b.base, shotDir: b.shotDir, prefix: b.prefix, shots: b.shots}
}

// cookies are the names of the cookies the tab would send to the app.
func (b *browser) cookies() []string {
	b.t.Helper()
	list := run(b, "read the cookies", func(ctx context.Context, t *chromedp.Target) ([]*network.Cookie, error) {
		res, err := cdp.Call(ctx, t, network.GetCookies, network.GetCookiesParams{URLs: []string{b.base + "/"}})
		return res.Cookies, err
	})
	names := make([]string, len(list))
	for i, c := range list {
		names[i] = c.Name
	}
	return names
}

// count is the number of elements that match sel.
func (b *browser) count(sel string) int {
	b.t.Helper()
	q, _ := json.Marshal(sel)
	return evaluate[int](b, "count "+sel, `document.querySelectorAll(`+string(q)+`).length`)
}

// tick checks a checkbox by clicking it, as a person would.
func (b *browser) tick(sel string) {
	b.t.Helper()
	q, _ := json.Marshal(sel)
	checked := `document.querySelector(` + string(q) + `).checked`
	if evaluate[bool](b, "is "+sel+" checked", checked) {
		b.fatalf("%s is checked before it was clicked", sel)
	}
	b.waitVisible("tick "+sel, sel)
	b.do("tick "+sel, chromedp.Click(chromedp.CSS(sel)))
	if !evaluate[bool](b, "is "+sel+" checked", checked) {
		b.fatalf("%s is not checked after a click on it", sel)
	}
}

// noHorizontalOverflow fails when the page is wider than the viewport, and
// names the elements that stick out.
func (b *browser) noHorizontalOverflow(what string) {
	b.t.Helper()
	type overflow struct {
		ScrollWidth int      `json:"scrollWidth"`
		InnerWidth  int      `json:"innerWidth"`
		ClientWidth int      `json:"clientWidth"`
		Culprits    []string `json:"culprits"`
	}
	o := evaluate[overflow](b, "measure the page", `(() => {
		const de = document.documentElement;
		const limit = Math.min(window.innerWidth, de.clientWidth) + 1;
		const culprits = [];
		for (const el of document.querySelectorAll("body *")) {
			const r = el.getBoundingClientRect();
			if (r.width > 0 && r.right > limit) {
				let name = el.tagName.toLowerCase();
				if (el.id) name += "#" + el.id;
				if (el.classList.length) name += "." + [...el.classList].join(".");
				culprits.push(name + " right=" + Math.round(r.right));
			}
		}
		return {scrollWidth: de.scrollWidth, innerWidth: window.innerWidth, clientWidth: de.clientWidth, culprits: culprits.slice(0, 10)};
	})()`)
	// With mobile emulation Chrome zooms out to fit content that is too
	// wide, and window.innerWidth grows with it; so the layout viewport
	// (clientWidth) is checked too, and innerWidth must stay the phone's.
	if o.ScrollWidth > min(o.InnerWidth, o.ClientWidth)+1 || o.InnerWidth != phoneWidth {
		b.t.Errorf("%s: the page is %d px wide on a %d px phone (clientWidth %d, innerWidth %d); sticking out: %s",
			what, o.ScrollWidth, phoneWidth, o.ClientWidth, o.InnerWidth, strings.Join(o.Culprits, ", "))
	}
}

// loginDemo logs in as the demo organizer through the login form.
func (b *browser) loginDemo() {
	b.t.Helper()
	b.open("open the login page", "/login", http.StatusOK)
	b.waitVisible("login form", "#email")
	b.do("type the demo credentials",
		chromedp.SendKeys(chromedp.CSS("#email"), services.DemoEmail),
		chromedp.SendKeys(chromedp.CSS("#password"), services.DemoPassword),
	)
	b.follow("log in", "#login-submit", http.StatusOK)
	b.equal("page after login", b.path(), "/organizer")
}
