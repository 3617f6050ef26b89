package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"sinau/models"
)

func validWebinarForm(title string) url.Values {
	return url.Values{
		"title": {title}, "description": {"Deskripsi"}, "date": {"2026-12-20"}, "time": {"09:00"},
		"timezone": {"Asia/Jakarta"}, "duration_minutes": {"120"}, "regency_code": {"3315"}, "audience": {"general"},
		"platform": {"zoom"}, "join_url": {"https://zoom.us/j/42"}, "capacity": {"300"},
	}
}

func countWebinars(t *testing.T, s *testServer) int64 {
	var n int64
	if err := s.db.R.Model(&models.Webinar{}).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestOrganizerPagesNeedLogin(t *testing.T) {
	s := newTestServer(t, nil)
	c := s.client(t)
	for _, p := range []string{"/organizer", "/organizer/webinars/new", "/organizer/webinars/1", "/organizer/people", "/organizer/accounts", "/organizer/account"} {
		res := c.get(p)
		if res.status != http.StatusSeeOther || !strings.HasPrefix(res.location, "/login?next=") {
			t.Errorf("%s: %d → %q", p, res.status, res.location)
		}
	}
}

func TestEveryOrganizerPageRenders(t *testing.T) {
	s := newTestServer(t, nil)
	for _, lang := range []string{"id", "en"} {
		c := s.client(t)
		c.lang = lang
		c.loginDemo()
		for _, p := range []string{"/organizer", "/organizer/webinars/new", "/organizer/webinars/1", "/organizer/webinars/1/edit",
			"/organizer/webinars/1/runsheet", "/organizer/people", "/organizer/people/1", "/organizer/programmes",
			"/organizer/programmes/new", "/organizer/programmes/1/edit", "/organizer/account", "/organizer/accounts",
			"/organizer/accounts/new", "/organizer/accounts/1/edit"} {
			res := c.get(p)
			if res.status != 200 {
				t.Errorf("%s %s: %d", lang, p, res.status)
			}
			if res.header.Get("Cache-Control") != "no-store" {
				t.Errorf("%s: organizer pages must not be cached", p)
			}
		}
	}
}

func TestLoginFormCSRFAndRateLimit(t *testing.T) {
	s := newTestServer(t, nil)
	c := s.client(t)
	noToken := c.do(http.MethodPost, "/login", strings.NewReader("email=demo%40sinau.test&password=demo-sinau-2026"),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if noToken.status != http.StatusForbidden {
		t.Errorf("POST without CSRF token: %d", noToken.status)
	}
	bad := c.postForm("/login", "/login", url.Values{"email": {"demo@sinau.test"}, "password": {"salah"}})
	if bad.status != http.StatusUnauthorized || !strings.Contains(bad.body, "Email atau kata sandi salah") {
		t.Errorf("wrong password: %d", bad.status)
	}
	if strings.Contains(bad.body, "salah\"") {
		t.Error("the password is echoed back")
	}
	last := 0
	for i := 0; i < 10; i++ {
		last = c.postForm("/login", "/login", url.Values{"email": {"demo@sinau.test"}, "password": {"salah"}}).status
	}
	if last != http.StatusTooManyRequests {
		t.Errorf("after 11 attempts: %d, want 429", last)
	}
	spoof := c.postForm("/login", "/login", url.Values{"email": {"demo@sinau.test"}, "password": {"salah"}})
	if spoof.status != http.StatusTooManyRequests {
		t.Errorf("still limited: %d", spoof.status)
	}
}

func TestForwardedForIsNotTrustedByDefault(t *testing.T) {
	s := newTestServer(t, nil)
	c := s.client(t)
	status := 0
	for i := 0; i < 12; i++ {
		res := c.do(http.MethodPost, "/api/v1/tokens", strings.NewReader(`{"email":"x@example.org","password":"y"}`),
			map[string]string{"Content-Type": "application/json", "X-Forwarded-For": "10.0.0." + string(rune('1'+i%9)), "X-Real-IP": "10.1.1.1"})
		status = res.status
	}
	if status != http.StatusTooManyRequests {
		t.Errorf("a client choosing its own X-Forwarded-For escaped the limit: %d", status)
	}
}

func TestWebinarFormShowsInlineErrorsAndSavesNothing(t *testing.T) {
	s := newTestServer(t, nil)
	c := s.client(t)
	c.loginDemo()
	before := countWebinars(t, s)
	f := validWebinarForm("")
	f.Set("capacity", "-5")
	f.Set("join_url", "ftp://zoom.us")
	f.Set("timezone", "Europe/Paris")
	res := c.postForm("/organizer/webinars/new", "/organizer/webinars", f)
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", res.status)
	}
	for _, want := range []string{`id="title-error"`, `id="capacity-error"`, `id="join_url-error"`, `id="timezone-error"`, "Wajib diisi", `value="ftp://zoom.us"`} {
		if !strings.Contains(res.body, want) {
			t.Errorf("missing %q", want)
		}
	}
	if countWebinars(t, s) != before {
		t.Error("a webinar was saved")
	}
}

func TestOrganizerWebinarLifecycle(t *testing.T) {
	s := newTestServer(t, nil)
	c := s.client(t)
	c.loginDemo()
	res := c.postForm("/organizer/webinars/new", "/organizer/webinars", validWebinarForm("Literasi digital Blora"))
	if res.status != http.StatusSeeOther {
		t.Fatalf("create: %d", res.status)
	}
	page := res.location
	for _, p := range []string{"ethics", "skills", "culture", "safety"} {
		r := c.postForm(page, page+"/lineup", url.Values{"role": {"speaker"}, "pillar": {p}, "name": {"Narasumber " + p}, "topic": {"Topik " + p}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("add %s: %d", p, r.status)
		}
	}
	bad := c.postForm(page, page+"/lineup", url.Values{"role": {"speaker"}, "name": {"Tanpa pilar"}})
	if bad.status != http.StatusUnprocessableEntity || !strings.Contains(bad.body, `id="pillar-error"`) {
		t.Errorf("speaker without pillar: %d", bad.status)
	}
	if r := c.postForm(page, page+"/status", url.Values{"status": {"published"}}); r.status != http.StatusSeeOther {
		t.Fatalf("publish: %d", r.status)
	}
	show := c.get(page)
	if !strings.Contains(show.body, `id="webinar-status">Terbit`) || !strings.Contains(show.body, "Webinar diterbitkan") {
		t.Error("status or flash missing after publish")
	}
	if r := s.client(t).get("/?pillar=safety&q=blora"); !strings.Contains(r.body, "Literasi digital Blora") {
		t.Error("published webinar not in the catalog filtered by pillar")
	}
	edit := validWebinarForm("Literasi digital Blora")
	edit.Set("time", "10:30")
	edit.Set("timezone", "Asia/Makassar")
	if r := c.postForm(page+"/edit", page, edit); r.status != http.StatusSeeOther {
		t.Fatalf("edit: %d", r.status)
	}
	if r := c.get(page); !strings.Contains(r.body, "10.30–12.30 WITA") {
		t.Error("edited time not shown in its zone")
	}
	dup := c.postForm(page, page+"/duplicate", url.Values{})
	if dup.status != http.StatusSeeOther || !strings.HasSuffix(dup.location, "/edit") {
		t.Fatalf("duplicate: %d %q", dup.status, dup.location)
	}
	if r := c.postForm(page, page+"/status", url.Values{"status": {"cancelled"}}); r.status != http.StatusSeeOther {
		t.Fatalf("cancel: %d", r.status)
	}
	if r := c.postForm(page, page+"/status", url.Values{"status": {"published"}}); r.status != http.StatusConflict {
		t.Errorf("republish a cancelled webinar: %d", r.status)
	}
	if r := c.get(page + "/runsheet"); !strings.Contains(r.body, "Susunan acara belum dibuat") {
		t.Error("a new webinar's run-sheet is not empty")
	}
}

func TestAccountsAreAdminOnly(t *testing.T) {
	s := newTestServer(t, nil)
	admin := s.client(t)
	admin.loginDemo()
	res := admin.postForm("/organizer/accounts/new", "/organizer/accounts", url.Values{"name": {"Petugas"}, "email": {"petugas@example.org"}, "password": {"rahasia-petugas"}, "role": {"organizer"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("create account: %d", res.status)
	}
	dup := admin.postForm("/organizer/accounts/new", "/organizer/accounts", url.Values{"name": {"X"}, "email": {"PETUGAS@example.org"}, "password": {"rahasia-petugas"}, "role": {"organizer"}})
	if dup.status != http.StatusUnprocessableEntity || !strings.Contains(dup.body, "Sudah dipakai") {
		t.Errorf("duplicate email: %d", dup.status)
	}
	org := s.client(t)
	org.login("petugas@example.org", "rahasia-petugas")
	if r := org.get("/organizer/accounts"); r.status != http.StatusForbidden {
		t.Errorf("organizer opened account management: %d", r.status)
	}
	if r := org.get("/organizer"); r.status != 200 || strings.Contains(r.body, `href="/organizer/accounts"`) {
		t.Errorf("dashboard for organizer: %d", r.status)
	}
}

func TestSetupLinkWorksOnceAndOnlyWithoutOrganizers(t *testing.T) {
	s := newTestServer(t, map[string]string{"setup-token": "rahasia-setup-token"})
	c := s.client(t)
	if r := c.get("/setup?token=rahasia-setup-token"); r.status != 404 {
		t.Errorf("setup with organizers present: %d", r.status)
	}
	if err := s.db.W.Exec("DELETE FROM organizers").Error; err != nil {
		t.Fatal(err)
	}
	if r := c.get("/setup?token=wrong"); r.status != 404 {
		t.Errorf("wrong token: %d", r.status)
	}
	res := c.postForm("/setup?token=rahasia-setup-token", "/setup", url.Values{"token": {"rahasia-setup-token"}, "name": {"Admin"}, "email": {"admin@example.org"}, "password": {"rahasia-admin-1"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("setup: %d", res.status)
	}
	if r := c.get("/setup?token=rahasia-setup-token"); r.status != 404 {
		t.Errorf("setup link after use: %d", r.status)
	}
	c.login("admin@example.org", "rahasia-admin-1")
}

func TestSecurityHeadersAndCookies(t *testing.T) {
	s := newTestServer(t, map[string]string{"SINAU_BASE_URL": "https://sinau.example.id"})
	c := s.client(t)
	res := c.get("/login")
	h := res.header
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q", csp)
	}
	if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" || h.Get("Strict-Transport-Security") == "" {
		t.Errorf("headers %v", h)
	}
	for _, ck := range res.header.Values("Set-Cookie") {
		if strings.HasPrefix(ck, "sinau_csrf=") && (!strings.Contains(ck, "Secure") || !strings.Contains(ck, "HttpOnly") || !strings.Contains(ck, "SameSite=Lax")) {
			t.Errorf("cookie flags: %s", ck)
		}
	}
	if strings.Contains(res.body, "<script>") || strings.Contains(res.body, " style=\"") {
		t.Error("inline script or style would break the CSP")
	}
}

func TestLocalPath(t *testing.T) {
	for next, want := range map[string]string{
		"/organizer/webinars/1":  "/organizer/webinars/1",
		"/webinars?q=a//b":       "/webinars?q=a//b",
		"":                       "/fallback",
		"https://evil.example/":  "/fallback",
		"//evil.example/":        "/fallback",
		"/\\evil.example/":       "/fallback",
		"evil.example/organizer": "/fallback",
	} {
		if got := localPath(next, "/fallback"); got != want {
			t.Errorf("localPath(%q) = %q, want %q", next, got, want)
		}
	}
}
