package handlers

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"sinau/config"
	"sinau/i18n"
	"sinau/mailer"
	"sinau/models"
	"sinau/services"
)

var testLogOut io.Writer = io.Discard

// testNow is the handlers' clock in tests; the demo data is two weeks later.
var testNow = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)

type testServer struct {
	*httptest.Server
	db  *models.DB
	app *App
}

// newTestServer runs the real router on a real SQLite file, seeded with the
// demo data (an admin demo@sinau.test and four published webinars).
func newTestServer(t *testing.T, env map[string]string) *testServer {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := models.Open(ctx, filepath.Join(dir, "sinau.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if _, err := services.SeedDemo(ctx, db, func() time.Time { return testNow }, bcrypt.MinCost); err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load("sinau", []string{"--data-dir", dir}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(testLogOut, nil))
	now := func() time.Time { return testNow }
	mail, err := mailer.New(mailer.Config{DB: db, Catalog: cat, Templates: os.DirFS("../templates/emails"), BaseURL: cfg.BaseURL,
		From: cfg.MailFrom, Now: now, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	app, err := New(Deps{Config: cfg, Logger: logger, DB: db, Catalog: cat,
		Templates: os.DirFS("../templates"), Static: os.DirFS("../static"), Now: now,
		BcryptCost: bcrypt.MinCost, SetupToken: env["setup-token"], Mailer: mail})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.Routes())
	t.Cleanup(srv.Close)
	return &testServer{Server: srv, db: db, app: app}
}

// client is a browser-like client: cookies kept, redirects not followed so
// tests see them.
type client struct {
	t    *testing.T
	base string
	http *http.Client
	lang string
}

func (s *testServer) client(t *testing.T) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: s.URL, lang: "id", http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

type response struct {
	status   int
	body     string
	location string
	header   http.Header
}

func (c *client) do(method, path string, body io.Reader, header map[string]string) response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Accept-Language", c.lang)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, body: string(b), location: res.Header.Get("Location"), header: res.Header}
}

func (c *client) get(path string) response { return c.do(http.MethodGet, path, nil, nil) }

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// postForm submits a form the way a browser does: with the CSRF token from
// the page at formPage.
func (c *client) postForm(formPage, action string, values url.Values) response {
	c.t.Helper()
	page := c.get(formPage)
	m := csrfField.FindStringSubmatch(page.body)
	if m == nil {
		c.t.Fatalf("no CSRF token on %s (status %d)", formPage, page.status)
	}
	values.Set("_csrf", m[1])
	return c.do(http.MethodPost, action, strings.NewReader(values.Encode()), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
}

func (c *client) login(email, password string) {
	c.t.Helper()
	res := c.postForm("/login", "/login", url.Values{"email": {email}, "password": {password}})
	if res.status != http.StatusSeeOther {
		c.t.Fatalf("login: status %d", res.status)
	}
}

func (c *client) loginDemo() { c.login(services.DemoEmail, services.DemoPassword) }

func (c *client) json(method, path, token, body string) response {
	c.t.Helper()
	h := map[string]string{"Content-Type": "application/json"}
	if token != "" {
		h["Authorization"] = "Bearer " + token
	}
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	return c.do(method, path, r, h)
}
