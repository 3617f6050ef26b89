package handlers

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestCatalogAndFilters(t *testing.T) {
	s := newTestServer(t, nil)
	c := s.client(t)
	cases := []struct {
		name, path string
		status     int
		has, lacks []string
	}{
		{"all upcoming", "/", 200, []string{"Tiga strategi tingkatkan interaksi", "Merawat budaya lokal", "Aman bertransaksi", "4 webinar ditemukan"}, nil},
		{"pillar", "/?pillar=culture", 200, []string{"Tiga strategi", "Merawat budaya"}, []string{"Aman bertransaksi"}},
		{"province", "/?province=91", 200, []string{"Aman bertransaksi"}, []string{"Tiga strategi"}},
		{"regency dotted", "/?regency=73.71", 200, []string{"Merawat budaya"}, []string{"Tiga strategi"}},
		{"text", "/?q=grobogan", 200, []string{"Tiga strategi"}, []string{"Merawat budaya"}},
		{"date window", "/?from=2026-12-10&to=2026-12-12", 200, []string{"Tiga strategi"}, []string{"Merawat budaya", "Aman bertransaksi"}},
		{"bad date", "/?from=besok", 422, []string{"Tanggal tidak valid"}, nil},
		{"unknown pillar", "/?pillar=finance", 422, []string{"Pilihan tidak dikenal"}, nil},
		{"zone labels", "/", 200, []string{"09.00–12.00 WIB", "WITA", "WIT"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := c.get(tc.path)
			if res.status != tc.status {
				t.Fatalf("status %d, want %d", res.status, tc.status)
			}
			for _, s := range tc.has {
				if !strings.Contains(res.body, s) {
					t.Errorf("missing %q", s)
				}
			}
			for _, s := range tc.lacks {
				if strings.Contains(res.body, s) {
					t.Errorf("should not contain %q", s)
				}
			}
		})
	}
}

func TestLocalTimeWhereTheZoneIsNotTheRegencys(t *testing.T) {
	s := newTestServer(t, nil)
	org := s.client(t)
	org.loginDemo()
	var id uint
	s.db.R.Raw(`SELECT id FROM webinars WHERE slug = 'demo-grobogan-pelayanan-publik'`).Scan(&id)
	show := fmt.Sprintf("/organizer/webinars/%d", id)
	if strings.Contains(s.client(t).get(grobogan).body, `id="webinar-local-when"`) || strings.Contains(org.get(show).body, `id="zone-differs"`) {
		t.Error("a WIB webinar in Grobogan shows a second time")
	}
	// The same webinar, still in WIB, held for Kota Jayapura (WIT).
	s.db.W.Exec(`UPDATE webinars SET regency_code = '9171' WHERE id = ?`, id)
	cases := []struct{ lang, want string }{
		{"id", "Waktu di Kota Jayapura: Jumat, 11 Desember 2026 · 11.00–14.00 WIT"},
		{"en", "Time in Kota Jayapura: Friday, 11 December 2026 · 11:00–14:00 WIT"},
	}
	for _, tc := range cases {
		c := s.client(t)
		c.lang = tc.lang
		if body := c.get(grobogan).body; !strings.Contains(body, tc.want) || !strings.Contains(body, "09.00–12.00 WIB") && tc.lang == "id" {
			t.Errorf("%s public page: %s", tc.lang, between(body, `id="webinar-when"`, "</dd>"))
		}
	}
	if body := org.get(show).body; !strings.Contains(body, `id="zone-differs"`) || !strings.Contains(body, "11.00–14.00 WIT") {
		t.Errorf("organizer page: %s", between(body, "<hgroup>", "</div>"))
	}
	if r := org.json("GET", fmt.Sprintf("/api/v1/webinars/%d", id), "", ""); !strings.Contains(r.body, `"timezone":"Asia/Jakarta"`) ||
		!strings.Contains(r.body, `"regency_timezone":"Asia/Jayapura"`) {
		t.Errorf("API: %s", r.body)
	}
}

func TestWebinarPageHidesJoinLinkAndSpeaksBothLanguages(t *testing.T) {
	s := newTestServer(t, nil)
	c := s.client(t)
	res := c.get("/webinars/demo-grobogan-pelayanan-publik")
	if res.status != 200 {
		t.Fatalf("status %d", res.status)
	}
	for _, want := range []string{"Jumat, 11 Desember 2026 · 09.00–12.00 WIB", "Narasumber per pilar", "Keamanan Digital", "Padmasari Mestikajati", "Kabupaten Grobogan, Jawa Tengah"} {
		if !strings.Contains(res.body, want) {
			t.Errorf("missing %q", want)
		}
	}
	if strings.Contains(res.body, "zoom.us/j") {
		t.Error("the join link is on the public page")
	}
	c.lang = "en-US,en;q=0.9"
	if res := c.get("/webinars/demo-grobogan-pelayanan-publik"); !strings.Contains(res.body, "Friday, 11 December 2026 · 09:00–12:00 WIB") || !strings.Contains(res.body, "Speakers by pillar") {
		t.Error("Accept-Language: en not honoured")
	}
	sw := c.get("/lang/id?next=/webinars/demo-grobogan-pelayanan-publik")
	if sw.status != http.StatusSeeOther || sw.location != "/webinars/demo-grobogan-pelayanan-publik" {
		t.Fatalf("switch: %d %q", sw.status, sw.location)
	}
	if res := c.get("/webinars/demo-grobogan-pelayanan-publik"); !strings.Contains(res.body, "Narasumber per pilar") {
		t.Error("the language cookie must win over Accept-Language")
	}
	if res := c.get("/lang/id?next=//evil.example"); res.location != "/" {
		t.Errorf("open redirect: %q", res.location)
	}
	if res := c.get("/lang/fr"); res.status != 404 {
		t.Errorf("unsupported language: %d", res.status)
	}
}

func TestDraftsAreNotPublic(t *testing.T) {
	s := newTestServer(t, nil)
	c := s.client(t)
	c.loginDemo()
	res := c.postForm("/organizer/webinars/new", "/organizer/webinars", validWebinarForm("Draf rahasia"))
	if res.status != http.StatusSeeOther {
		t.Fatalf("create: %d", res.status)
	}
	show := c.get(res.location)
	slug := between(show.body, "localhost:8080/webinars/", "</code>")
	anon := s.client(t)
	if slug == "" {
		t.Fatal("no public link on the organizer page")
	}
	if r := anon.get("/webinars/" + slug); r.status != 404 {
		t.Errorf("draft page for the public: %d", r.status)
	}
	if r := anon.get("/?q=rahasia"); strings.Contains(r.body, "Draf rahasia") {
		t.Error("draft in the public catalog")
	}
}

func TestProgrammePageAndStaticAndHealth(t *testing.T) {
	s := newTestServer(t, nil)
	c := s.client(t)
	if res := c.get("/programmes/literasi-digital-nusantara-demo"); res.status != 200 || !strings.Contains(res.body, "Tiga strategi") {
		t.Errorf("programme page %d", res.status)
	}
	if res := c.get("/healthz"); res.status != 200 || !strings.Contains(res.body, `"ok"`) {
		t.Errorf("healthz %d %s", res.status, res.body)
	}
	res := c.get("/static/css/app.css?v=1")
	if res.status != 200 || !strings.Contains(res.header.Get("Content-Type"), "text/css") || !strings.Contains(res.header.Get("Cache-Control"), "immutable") {
		t.Errorf("static: %d %v", res.status, res.header)
	}
	if res := c.get("/static/../main.go"); res.status != 404 {
		t.Errorf("path traversal: %d", res.status)
	}
}

func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i+len(from):]
	j := strings.Index(s, to)
	if j < 0 {
		return ""
	}
	return s[:j]
}
