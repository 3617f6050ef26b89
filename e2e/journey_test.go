package e2e

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Asia/Jakarta on machines without zoneinfo, as main.go does

	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/bcrypt"

	"sinau/services"
)

const (
	adminEmail    = "admin@example.org"
	adminPassword = "rahasia-sekali-123"
	webinarTitle  = "Webinar Literasi Digital Grobogan"
	joinURL       = "https://zoom.us/j/123456789"
)

// lineupEntry is one row typed into the add-to-line-up form.
type lineupEntry struct {
	role, pillar, topic, name, email, affiliation string
}

var lineup = []lineupEntry{
	{"speaker", "ethics", "Etika bermedia sosial", "Siti Rahmawati", "siti.rahmawati@example.org", "Universitas Negeri Semarang"},
	{"speaker", "skills", "Mengelola kata sandi", "Budi Santoso", "budi.santoso@example.org", "Relawan TIK Grobogan"},
	{"speaker", "culture", "Gotong royong di ruang digital", "Dewi Lestari", "dewi.lestari@example.org", "Komunitas Literasi Purwodadi"},
	{"speaker", "safety", "Mengenali penipuan daring", "Agus Prasetyo", "agus.prasetyo@example.org", "Polres Grobogan"},
	{"moderator", "", "", "Rina Wulandari", "rina.wulandari@example.org", "Diskominfo Grobogan"},
}

// TestOrganizerJourney logs an organizer in, schedules a webinar with a full
// line-up, publishes it, and then finds and reads it as the public would, in
// Indonesian, in English and on a phone-sized screen.
func TestOrganizerJourney(t *testing.T) {
	chromium := findChromium(t)
	app := startSinau(t)
	b := newBrowser(t, chromium, app.url)
	ctx := context.Background()
	began := time.Now()

	jakarta, err := time.LoadLocation("Asia/Jakarta")
	if err != nil {
		t.Fatal(err)
	}
	day := time.Now().In(jakarta).AddDate(0, 0, 14)
	date := day.Format("2006-01-02")
	wantWhenID := fmt.Sprintf("%s, %d %s %d · 09.00–12.00 WIB", idDays[day.Weekday()], day.Day(), idMonths[day.Month()-1], day.Year())
	wantWhenEN := day.Format("Monday, 2 January 2006") + " · 09:00–12:00 WIB"

	// 1. Log in, in Indonesian (the browser asks for id-ID).
	b.open("open the login page", "/login", http.StatusOK)
	b.waitVisible("login form", "#email")
	b.equal("browser languages", evaluate[string](b, "read navigator.languages", `navigator.languages.join(",")`), "id-ID,id")
	b.equal("page language", b.attr("html", "lang"), "id")
	b.equal("login heading", b.text("main h1"), "Masuk penyelenggara")
	b.do("type the credentials",
		chromedp.SendKeys(chromedp.CSS("#email"), adminEmail),
		chromedp.SendKeys(chromedp.CSS("#password"), adminPassword),
	)
	b.shot("login")
	b.follow("submit the login form", "#login-submit", http.StatusOK)
	b.equal("page after login", b.path(), "/organizer")
	b.waitVisible("dashboard", "#new-webinar")
	b.equal("dashboard heading", b.text("main h1"), "Dasbor penyelenggara")
	b.shot("dashboard-empty")

	// 2. Schedule a webinar.
	b.follow("open the new-webinar form", "#new-webinar", http.StatusOK)
	b.equal("page of the new-webinar form", b.path(), "/organizer/webinars/new")
	b.waitVisible("webinar form", "#webinar-form")
	b.set("#title", webinarTitle)
	b.set("#description", "Belajar aman dan cakap di internet bersama warga Grobogan.\nTerbuka untuk umum.")
	b.set("#date", date)
	b.set("#time", "09:00")
	b.set("#timezone", "Asia/Jakarta")
	b.set("#duration", "180")
	b.set("#regency", "3315")
	b.set("#audience", "general")
	b.set("#platform", "zoom")
	b.set("#join_url", joinURL)
	b.set("#capacity", "300")
	b.shot("webinar-form")
	b.follow("save the webinar", "#webinar-save", http.StatusOK)
	m := regexp.MustCompile(`^/organizer/webinars/(\d+)$`).FindStringSubmatch(b.path())
	if m == nil {
		b.fatalf("after saving, the browser is at %q, not at an organizer webinar page", b.path())
	}
	webinarID, _ := strconv.ParseUint(m[1], 10, 32)
	b.waitVisible("webinar page", "#webinar-status")
	b.equal("title on the organizer page", b.text("main h1"), webinarTitle)
	b.equal("status of the new webinar", b.text("#webinar-status"), "Draf")
	b.equal("flash after saving", b.text(".flash"), "Webinar disimpan sebagai draf. Tambahkan pengisi acara, lalu terbitkan.")
	b.contains("organizer facts", b.text("dl.facts"), joinURL, "Zoom", "Masyarakat umum", "300")
	b.contains("organizer header", b.text("main hgroup"), wantWhenID, "Kabupaten Grobogan, Jawa Tengah")

	// 3. The line-up: first a speaker with neither pillar nor name, which
	// must be refused with inline errors and the form left open; then four
	// speakers, one per pillar, and a moderator.
	b.fillLineup(lineupEntry{role: "speaker", topic: "Topik tanpa nama", email: "tanpa.nama@example.org"})
	b.follow("submit an incomplete line-up entry", "#lineup-add", http.StatusUnprocessableEntity)
	if !evaluate[bool](b, "refused line-up form still open", `document.getElementById("add-lineup").open`) {
		b.fatalf("after a refused line-up entry, <details id=add-lineup> is closed, hiding the errors")
	}
	b.equal("error under the name", b.text(`[id="person.name-error"]`), "Wajib diisi.")
	b.equal("error under the pillar", b.text("#pillar-error"), "Wajib diisi.")
	b.equal("topic kept after the error", b.value("#lineup-topic"), "Topik tanpa nama")
	b.equal("line-up after the refused entry", b.text("main p.muted"), "Pengisi acara belum diumumkan.")
	b.shot("lineup-error")
	for i, e := range lineup {
		b.fillLineup(e)
		b.follow("add "+e.name+" to the line-up", "#lineup-add", http.StatusOK)
		b.waitVisible("webinar page", "#webinar-status")
		b.equal("flash after adding "+e.name, b.text(".flash"), "Pengisi acara ditambahkan.")
		b.equal("line-up rows after adding "+e.name, evaluate[int](b, "count line-up rows", `document.querySelectorAll("table.lineup-table tbody tr").length`), i+1)
	}
	w, err := app.webinars.Get(ctx, uint(webinarID))
	if err != nil {
		t.Fatalf("load webinar %d: %v", webinarID, err)
	}
	if len(w.Lineup) != len(lineup) {
		t.Fatalf("the database has %d line-up entries, want %d", len(w.Lineup), len(lineup))
	}
	for i, e := range w.Lineup {
		want := lineup[i]
		pillar, email := "", ""
		if e.Pillar != nil {
			pillar = *e.Pillar
		}
		if e.Person.Email != nil {
			email = *e.Person.Email
		}
		if e.Role != want.role || pillar != want.pillar || e.Topic != want.topic || e.Person.Name != want.name || email != want.email || e.Person.Affiliation != want.affiliation {
			t.Errorf("line-up entry %d is %s/%q/%q/%s/%s/%s, want %s/%q/%q/%s/%s/%s", i+1,
				e.Role, pillar, e.Topic, e.Person.Name, email, e.Person.Affiliation,
				want.role, want.pillar, want.topic, want.name, want.email, want.affiliation)
		}
	}
	preview := b.text("section.lineup-pillars")
	b.contains("line-up preview", preview, "Narasumber per pilar", "Etika Digital", "Kecakapan Digital", "Budaya Digital", "Keamanan Digital",
		"Siti Rahmawati", "Agus Prasetyo", "agus.prasetyo@example.org")
	b.contains("moderator in the preview", b.text("section.lineup-others"), "Moderator", "Rina Wulandari")
	b.shot("lineup")

	// 4. Publish.
	b.follow("publish the webinar", "#publish", http.StatusOK)
	b.waitVisible("webinar page", "#webinar-status")
	b.equal("status after publishing", b.text("#webinar-status"), "Terbit")
	b.equal("flash after publishing", b.text(".flash"), "Webinar diterbitkan.")
	if n := evaluate[int](b, "count publish buttons", `document.querySelectorAll("#publish").length`); n != 0 {
		t.Errorf("a published webinar still shows %d publish button(s)", n)
	}
	b.shot("published")

	// 5. A webinar without a title is refused and nothing is saved.
	b.open("back to the dashboard", "/organizer", http.StatusOK)
	b.equal("upcoming count on the dashboard", b.text("main h2 small"), "(1)")
	b.contains("dashboard list", b.text("main table"), webinarTitle, "Terbit")
	b.follow("open the new-webinar form again", "#new-webinar", http.StatusOK)
	b.waitVisible("webinar form", "#webinar-form")
	b.set("#title", "")
	b.set("#description", "Deskripsi tanpa judul")
	b.set("#regency", "3315")
	b.follow("submit a webinar without a title", "#webinar-save", http.StatusUnprocessableEntity)
	b.equal("page after the refused webinar", b.path(), "/organizer/webinars")
	b.equal("inline error under the title", b.text("small.error#title-error"), "Wajib diisi.")
	b.equal("title marked invalid", b.attr("#title", "aria-invalid"), "true")
	b.equal("form-level error", b.text("main .error-box"), "Periksa kembali isian yang ditandai.")
	b.equal("description kept after the error", b.value("#description"), "Deskripsi tanpa judul")
	b.equal("regency kept after the error", b.value("#regency"), "3315")
	b.shot("webinar-form-error")
	if _, total, err := app.webinars.List(ctx, services.WebinarFilter{}); err != nil {
		t.Fatalf("list webinars: %v", err)
	} else if total != 1 {
		t.Errorf("after the refused form the database holds %d webinars, want 1", total)
	}
	b.open("back to the dashboard", "/organizer", http.StatusOK)
	b.equal("upcoming count after the refused form", b.text("main h2 small"), "(1)")

	// 6. The public catalog and its filters.
	b.open("open the catalog", "/", http.StatusOK)
	b.waitVisible("catalog filters", "#filter-pillar")
	b.contains("unfiltered catalog", b.text("#webinar-list"), webinarTitle)
	b.set("#filter-pillar", "safety")
	b.follow("filter the catalog by Digital Safety", "#filter-submit", http.StatusOK)
	b.equal("query after the pillar filter", b.query().Get("pillar"), "safety")
	b.equal("pillar filter kept", b.value("#filter-pillar"), "safety")
	b.equal("count with the pillar filter", b.text("#result-count"), "1 webinar ditemukan")
	card := b.text("#webinar-list")
	b.contains("catalog card", card, webinarTitle, wantWhenID, "Kabupaten Grobogan, Jawa Tengah", "Zoom", "Keamanan Digital")
	b.shot("catalog-safety")
	b.set("#filter-province", "73")
	b.follow("filter the catalog by Sulawesi Selatan", "#filter-submit", http.StatusOK)
	b.equal("query after the province filter", b.query().Get("province"), "73")
	b.equal("empty message", b.text("main p.empty"), "Belum ada webinar yang cocok.")
	b.equal("count with the province filter", b.text("#result-count"), "0 webinar ditemukan")
	if n := evaluate[int](b, "look for the list", `document.querySelectorAll("#webinar-list").length`); n != 0 {
		t.Errorf("with province 73 the catalog still has a #webinar-list")
	}
	if html := b.html(); strings.Contains(html, webinarTitle) {
		t.Errorf("with province 73 (Sulawesi Selatan) the catalog still names the Grobogan webinar")
	}
	b.shot("catalog-empty")

	// 7. The public webinar page, reached from the catalog.
	b.open("reset the catalog", "/", http.StatusOK)
	b.follow("open the webinar from the catalog", `#webinar-list a[href^="/webinars/"]`, http.StatusOK)
	if !strings.HasPrefix(b.path(), "/webinars/") {
		b.fatalf("the catalog link led to %q", b.path())
	}
	publicPath := b.path()
	b.waitVisible("public webinar page", "#webinar-when")
	b.equal("public title", b.text("main h1"), webinarTitle)
	when := b.text("#webinar-when")
	b.equal("public date and time", when, wantWhenID)
	if !regexp.MustCompile(`^(Senin|Selasa|Rabu|Kamis|Jumat|Sabtu|Minggu), .* WIB$`).MatchString(when) {
		t.Errorf("#webinar-when %q has no Indonesian day name or no WIB", when)
	}
	b.equal("line-up heading", b.text("#lineup-title"), "Pengisi acara")
	b.equal("pillar heading", b.text("section.lineup-pillars h3"), "Narasumber per pilar")
	b.contains("public line-up", b.text("main article.webinar"), "Etika Digital", "Kecakapan Digital", "Budaya Digital", "Keamanan Digital",
		"Siti Rahmawati", "Budi Santoso", "Dewi Lestari", "Agus Prasetyo", "Mengenali penipuan daring", "Moderator", "Rina Wulandari",
		"Belajar aman dan cakap di internet")
	b.checkPrivate("public page in Indonesian")
	b.shot("public-id")

	// 8. The same page in English.
	b.follow("switch to English", "#lang-en", http.StatusOK)
	b.equal("page after the switch", b.path(), publicPath)
	b.waitVisible("public webinar page", "#webinar-when")
	b.equal("page language", b.attr("html", "lang"), "en")
	b.equal("English line-up heading", b.text("#lineup-title"), "Line-up")
	b.equal("English pillar heading", b.text("section.lineup-pillars h3"), "Speakers by pillar")
	b.contains("English pillars", b.text("section.lineup-pillars"), "Digital Ethics", "Digital Skills", "Digital Culture", "Digital Safety")
	whenEN := b.text("#webinar-when")
	b.equal("English date and time", whenEN, wantWhenEN)
	if !regexp.MustCompile(`^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), .* WIB$`).MatchString(whenEN) {
		t.Errorf("#webinar-when %q has no English day name or no WIB", whenEN)
	}
	b.checkPrivate("public page in English")
	b.shot("public-en")
	b.follow("switch back to Indonesian", "#lang-id", http.StatusOK)
	b.equal("page after switching back", b.path(), publicPath)
	b.equal("page language", b.attr("html", "lang"), "id")
	b.equal("line-up heading", b.text("#lineup-title"), "Pengisi acara")

	// 9. A phone-sized screen: nothing may stick out sideways.
	b.do("emulate a phone", chromedp.EmulateViewport(phoneWidth, phoneHeight, chromedp.EmulatePortrait, chromedp.EmulateMobile))
	b.open("open the catalog on a phone", "/", http.StatusOK)
	b.waitVisible("catalog", "#webinar-list")
	b.noHorizontalOverflow("catalog on a phone")
	b.shot("catalog-phone")
	b.open("open the webinar on a phone", publicPath, http.StatusOK)
	b.waitVisible("public webinar page", "#webinar-when")
	b.noHorizontalOverflow("public webinar page on a phone")
	b.shot("public-phone")

	t.Logf("journey done in %s; screenshots in %s", time.Since(began).Round(time.Millisecond), b.shotDir)
}

// app is a running Sinau server with its database.

// app is a running Sinau server with its database.
type app struct {
	url      string
	webinars *services.Webinars
}

// startSinau builds the app as main.go does, on a fresh database with one
// organizer, and serves it on a loopback port.
func startSinau(t *testing.T) *app {
	t.Helper()
	s := serveSinau(t, nil)
	_, err := services.NewAccounts(s.db, time.Now, bcrypt.MinCost).CreateFirstAdmin(context.Background(), services.OrganizerInput{
		Name: "Tes", Email: adminEmail, Password: adminPassword,
	})
	if err != nil {
		t.Fatalf("create the organizer: %v", err)
	}
	return &app{url: s.url, webinars: services.NewWebinars(s.db, time.Now, "sinau.test")}
}

// fillLineup opens the add-to-line-up form when it is closed and types the
// entry into it.
func (b *browser) fillLineup(e lineupEntry) {
	b.t.Helper()
	if !evaluate[bool](b, "is the line-up form open", `document.getElementById("add-lineup").open`) {
		b.do("open the line-up form", chromedp.Click(chromedp.CSS("#add-lineup > summary")), chromedp.WaitVisible(chromedp.CSS("#lineup-name")))
	}
	b.set("#lineup-role", e.role)
	b.set("#lineup-pillar", e.pillar)
	b.set("#lineup-topic", e.topic)
	b.set("#lineup-name", e.name)
	b.set("#lineup-email", e.email)
	b.set("#lineup-affiliation", e.affiliation)
}

// checkPrivate fails when the public page shows what only organizers may
// see: the join link and the speakers' email addresses.
func (b *browser) checkPrivate(what string) {
	b.t.Helper()
	html := b.html()
	secrets := []string{"zoom.us/j/123456789"}
	for _, e := range lineup {
		secrets = append(secrets, e.email)
	}
	for _, s := range secrets {
		if strings.Contains(html, s) {
			b.t.Errorf("%s: the page shows %q, which must stay private", what, s)
		}
	}
}
