package e2e

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/bcrypt"

	"sinau/models"
	"sinau/services"
)

const (
	// The demo webinar in Grobogan (WIB), from services.SeedDemo.
	demoSlug    = "demo-grobogan-pelayanan-publik"
	demoJoinURL = "https://zoom.us/j/81234567890"
	// The small webinar of the waitlist steps.
	smallJoinURL = "https://zoom.us/j/1000000001"
	// mailWait bounds the wait for one mail: the mailer polls every 100 ms
	// and is woken when mail is queued.
	mailWait = 10 * time.Second
)

// Texts of the Indonesian pages and mail, written out so a broken
// translation fails the test.
const (
	statusRegistered  = "Anda terdaftar"
	statusCancelled   = "Pendaftaran dibatalkan"
	flashRegistered   = "Pendaftaran berhasil. Konfirmasi dikirim ke email Anda."
	flashWaitlisted   = "Kuota penuh: Anda masuk daftar tunggu. Kami kirim email bila ada tempat."
	flashCancelled    = "Pendaftaran Anda dibatalkan."
	noticeAlready     = "Email ini sudah terdaftar. Kami mengirim ulang tautan pendaftaran Anda."
	placesFull        = "Kuota sudah penuh: pendaftar baru masuk daftar tunggu dan otomatis terdaftar bila ada tempat kosong."
	submitWaitlist    = "Masuk daftar tunggu"
	errRequired       = "Wajib diisi."
	errEmail          = "Alamat email tidak valid."
	errPhone          = "Nomor telepon tidak valid (contoh: 0812 3456 7890)."
	errConsent        = "Anda perlu menyetujui penggunaan data untuk mendaftar."
	subjConfirmation  = "Pendaftaran terkonfirmasi: "
	subjCancelled     = "Pendaftaran dibatalkan: "
	subjLinkResend    = "Tautan pendaftaran Anda: "
	subjWaitlisted    = "Anda masuk daftar tunggu: "
	subjPromoted      = "Anda mendapat tempat: "
	mailLocalTimeLead = "Di zona waktu Anda: "
)

// participant is what one person types into the registration form.
type participant struct {
	name, email, phone, regency string
}

// TestParticipantRegistration registers a participant on a phone, follows
// the confirmation mail's link in a browser that has never seen the site,
// cancels, registers again, tries a second time, and walks a waitlist
// through a promotion, reading every mail from a real SMTP server
// (mailpit).
func TestParticipantRegistration(t *testing.T) {
	smtpURL, mp := mailpitFromEnv(t)
	chromium := findChromium(t)
	ctx := context.Background()
	began := time.Now()

	srv := serveSinau(t, smtpURL)
	if _, err := services.SeedDemo(ctx, srv.db, time.Now, bcrypt.MinCost); err != nil {
		t.Fatalf("seed the demo: %v", err)
	}
	webinars := services.NewWebinars(srv.db, time.Now, "sinau.test")
	regs := services.NewRegistrations(srv.db, time.Now, "sinau.test")
	demo, err := webinars.GetPublic(ctx, demoSlug)
	if err != nil {
		t.Fatalf("load the demo webinar: %v", err)
	}
	if demo.JoinURL != demoJoinURL || demo.Capacity != 300 || demo.Timezone != "Asia/Jakarta" {
		t.Fatalf("the demo webinar has join URL %q, capacity %d, zone %s; the test expects %s, 300, Asia/Jakarta",
			demo.JoinURL, demo.Capacity, demo.Timezone, demoJoinURL)
	}
	jakarta, err := time.LoadLocation("Asia/Jakarta")
	if err != nil {
		t.Fatal(err)
	}
	makassar, err := time.LoadLocation("Asia/Makassar")
	if err != nil {
		t.Fatal(err)
	}
	demoWhen := whenID(demo.StartsAt.In(jakarta), demo.EndsAt.In(jakarta), "WIB")
	demoWhenWITA := whenID(demo.StartsAt.In(makassar), demo.EndsAt.In(makassar), "WITA")
	if !strings.HasSuffix(demoWhen, " · 09.00–12.00 WIB") || !strings.HasSuffix(demoWhenWITA, " · 10.00–13.00 WITA") {
		t.Fatalf("the demo webinar runs %s (%s), not 09.00–12.00 WIB", demoWhen, demoWhenWITA)
	}
	// regsOf lists every registration of a webinar, cancelled ones too.
	regsOf := func(webinarID uint) []models.Registration {
		t.Helper()
		list, total, err := regs.List(ctx, services.RegistrationFilter{WebinarID: webinarID, PerPage: 100})
		if err != nil {
			t.Fatalf("list the registrations of webinar %d: %v", webinarID, err)
		}
		if int(total) != len(list) {
			t.Fatalf("webinar %d: total %d, but %d registrations listed", webinarID, total, len(list))
		}
		return list
	}
	tag := strings.ToLower(rand.Text()[:10])
	andi := participant{name: "Andi Pratama", email: "peserta-" + tag + "@example.org", phone: "0812 3456 7890", regency: "7371"}

	b := newBrowser(t, chromium, srv.url)
	b.prefix = "registration"
	b.phone()

	// 1. The webinar page on a phone, with its registration form.
	b.open("open the demo webinar", "/webinars/"+demoSlug, http.StatusOK)
	b.waitVisible("registration form", "#register-form")
	b.equal("page language", b.attr("html", "lang"), "id")
	b.equal("title", b.text("main h1"), demo.Title)
	b.equal("date and time", b.text("#webinar-when"), demoWhen)
	b.equal("places left", b.text("#places"), "Sisa 300 tempat.")
	b.equal("submit button", b.text("#register-submit"), "Daftar sekarang")
	b.noHorizontalOverflow("webinar page with the form")
	b.shot("form")

	// 2. Bad input: refused with an error under each field, nothing stored.
	b.set("#reg-name", "")
	b.set("#reg-email", "bukan-email")
	b.set("#reg-phone", "abc")
	if evaluate[bool](b, "is consent ticked", `document.getElementById("reg-consent").checked`) {
		b.fatalf("the consent box is ticked before the participant ticked it")
	}
	b.follow("submit the form with bad input", "#register-submit", http.StatusUnprocessableEntity)
	b.waitVisible("errors", "#consent-error")
	b.equal("error under the name", b.text("small.error#name-error"), errRequired)
	b.equal("error under the email", b.text("small.error#email-error"), errEmail)
	b.equal("error under the phone", b.text("small.error#phone-error"), errPhone)
	b.equal("error under the consent", b.text("small.error#consent-error"), errConsent)
	b.equal("error under the regency", b.text(`small.error[id="regency_code-error"]`), errRequired)
	b.equal("email marked invalid", b.attr("#reg-email", "aria-invalid"), "true")
	b.equal("email kept", b.value("#reg-email"), "bukan-email")
	b.equal("phone kept", b.value("#reg-phone"), "abc")
	if got := regsOf(demo.ID); len(got) != 0 {
		t.Errorf("after the refused form the demo webinar has %d registrations, want 0", len(got))
	}
	var queued int64
	if err := srv.db.R.Model(&models.MailMessage{}).Count(&queued).Error; err != nil {
		t.Fatal(err)
	} else if queued != 0 {
		t.Errorf("after the refused form %d mails are queued, want 0", queued)
	}
	b.noHorizontalOverflow("form with errors")
	b.shot("form-errors")

	// 3. A good registration from Makassar (WITA).
	b.fillRegistration(andi)
	b.follow("register", "#register-submit", http.StatusOK)
	token := b.registrationToken()
	regPath := "/registrations/" + token
	b.waitVisible("registration page", "#reg-status")
	b.equal("status", b.text("#reg-status"), statusRegistered)
	b.equal("flash", b.text(".flash"), flashRegistered)
	b.equal("join link", b.attr("#join-link", "href"), demoJoinURL)
	b.equal("calendar link", b.attr("#ics-link", "href"), regPath+"/calendar.ics")
	b.equal("date and time on the registration page", b.text("#reg-when"), demoWhen)
	b.contains("facts", b.text("dl.facts"), andi.name, "Zoom")
	list := regsOf(demo.ID)
	if len(list) != 1 {
		t.Fatalf("after one registration the demo webinar has %d registrations", len(list))
	}
	if r := list[0]; r.Email != andi.email || r.Name != andi.name || r.Phone != "+6281234567890" || r.RegencyCode != "7371" ||
		r.Status != models.RegRegistered || r.Token != token || r.Lang != "id" {
		t.Errorf("stored registration: email %q name %q phone %q regency %q status %s token %q lang %q; want %q %q +6281234567890 7371 registered %q id",
			r.Email, r.Name, r.Phone, r.RegencyCode, r.Status, r.Token, r.Lang, andi.email, andi.name, token)
	}
	b.noHorizontalOverflow("registration page")
	b.shot("registered")

	// 4. The confirmation mail.
	uid := fmt.Sprintf("UID:webinar-%d@%s", demo.ID, srv.cfg.BaseURL.Hostname())
	regURL := srv.url + regPath
	conf := mp.await(andi.email, services.KindConfirmation, 1)[0]
	if !strings.HasPrefix(conf.Subject, subjConfirmation) || conf.Subject != subjConfirmation+demo.Title {
		t.Errorf("confirmation subject %q, want %q", conf.Subject, subjConfirmation+demo.Title)
	}
	if !regexp.MustCompile(`^<[^<>@\s]+@[^<>@\s]+>$`).MatchString(conf.MessageID) {
		t.Errorf("confirmation Message-Id %q is not <id@host>", conf.MessageID)
	}
	// The webinar's time in its zone, then in the participant's: the words
	// between date and hours ("·", "pukul") are the mail's to choose.
	mp.contains("confirmation text", conf.Text, "Halo "+andi.name+",", "09.00–12.00 WIB", "WITA")
	for _, re := range []string{
		`Waktu: ` + regexp.QuoteMeta(dateOf(demoWhen)) + `[^\n]*09\.00–12\.00 WIB\r?\n`,
		regexp.QuoteMeta(mailLocalTimeLead+dateOf(demoWhenWITA)) + `[^\n]*10\.00–13\.00 WITA\r?\n`,
	} {
		if !regexp.MustCompile(re).MatchString(conf.Text) {
			t.Errorf("confirmation text does not match %s:\n%s", re, conf.Text)
		}
	}
	if strings.Contains(conf.Text+conf.HTML, demoJoinURL) {
		t.Errorf("the confirmation mail carries the join URL; it belongs on the personal page only")
	}
	links := regexp.MustCompile(regexp.QuoteMeta(srv.url)+`/registrations/[A-Za-z0-9_-]+`).FindAllString(conf.Text, -1)
	if len(links) == 0 {
		t.Fatalf("the confirmation text has no link to %s/registrations/…:\n%s", srv.url, conf.Text)
	}
	mailLink := links[0]
	b.equal("personal link in the mail", mailLink, regURL)
	mp.contains("confirmation HTML", conf.HTML, `href="`+regURL+`"`)
	if len(conf.Attachments) != 1 {
		t.Fatalf("the confirmation has %d attachments, want 1 (invite.ics): %+v", len(conf.Attachments), conf.Attachments)
	}
	att := conf.Attachments[0]
	if att.FileName != "invite.ics" || !strings.HasPrefix(att.ContentType, "text/calendar") {
		t.Errorf("the attachment is %q (%s), want invite.ics (text/calendar)", att.FileName, att.ContentType)
	}
	invite := unfold(mp.part(conf.ID, att.PartID))
	mp.contains("invite.ics", invite, "BEGIN:VEVENT", "METHOD:PUBLISH", uid, "DTSTART:"+demo.StartsAt.UTC().Format("20060102T150405Z"))

	// 5. The mail's link, opened in a browser context that has never seen
	// the site: the page needs nothing but the link.
	// Sinau sets no cookie for a participant (CSRF goes by Sec-Fetch-Site),
	// so a marker cookie in the first tab shows the new context shares none.
	evaluate[chromedp.Void](b, "set a marker cookie", `void (document.cookie = "e2e_marker=1; path=/")`)
	if !slices.Contains(b.cookies(), "e2e_marker") {
		t.Fatalf("the marker cookie did not take in the first tab: %v", b.cookies())
	}
	fb := b.fresh()
	if c := fb.cookies(); len(c) != 0 {
		t.Fatalf("the fresh browser context already holds cookies %v", c)
	}
	fb.phone()
	fb.visit("open the link from the mail", mailLink, http.StatusOK)
	fb.waitVisible("registration page", "#reg-status")
	fb.equal("page language", fb.attr("html", "lang"), "id")
	fb.equal("status from the mail link", fb.text("#reg-status"), statusRegistered)
	fb.equal("join link from the mail link", fb.attr("#join-link", "href"), demoJoinURL)
	icsHref := fb.attr("#ics-link", "href")
	ics, hdr := httpGet(t, srv.url+icsHref)
	ics = unfold(ics)
	if ct := hdr.Get("Content-Type"); !strings.HasPrefix(ct, "text/calendar") {
		t.Errorf("%s has Content-Type %q, want text/calendar", icsHref, ct)
	}
	if cc := hdr.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("%s has Cache-Control %q, want no-store (it is personal)", icsHref, cc)
	}
	mp.contains(icsHref, ics, "BEGIN:VEVENT", "DTSTART:", uid, "URL:"+regURL)
	fb.noHorizontalOverflow("registration page from the mail link")
	fb.shot("mail-link")

	// 6. Cancel from that page.
	fb.do("open the cancel box", chromedp.Click(chromedp.CSS("details.cancel-box > summary")), chromedp.WaitVisible(chromedp.CSS("#cancel-registration")),
		chromedp.Sleep(300*time.Millisecond)) // the summary's arrow turns in 0.2 s
	fb.noHorizontalOverflow("open cancel box")
	fb.shot("cancel-box")
	fb.follow("cancel the registration", "#cancel-registration", http.StatusOK)
	fb.equal("page after cancelling", fb.path(), regPath)
	fb.waitVisible("registration page", "#reg-status")
	fb.equal("status after cancelling", fb.text("#reg-status"), statusCancelled)
	fb.equal("flash after cancelling", fb.text(".flash"), flashCancelled)
	for _, sel := range []string{"#join-link", "#ics-link", "details.cancel-box"} {
		if n := fb.count(sel); n != 0 {
			t.Errorf("the cancelled registration's page still shows %s", sel)
		}
	}
	if html := fb.html(); strings.Contains(html, demoJoinURL) {
		t.Errorf("the cancelled registration's page still carries the join URL")
	}
	if list := regsOf(demo.ID); len(list) != 1 || list[0].Status != models.RegCancelled {
		t.Errorf("after cancelling, the demo webinar's registrations are %v, want one cancelled", statuses(list))
	}
	cancelled := mp.await(andi.email, services.KindRegCancelled, 1)[0]
	b.equal("cancellation subject", cancelled.Subject, subjCancelled+demo.Title)
	fb.shot("cancelled")

	// 7. Register again: it works, under the same link. A second try, in
	// capitals, is refused with a notice and the link is mailed again.
	b.open("open the demo webinar again", "/webinars/"+demoSlug, http.StatusOK)
	b.fillRegistration(andi)
	b.follow("register again", "#register-submit", http.StatusOK)
	b.equal("link after registering again", b.path(), regPath)
	b.waitVisible("registration page", "#reg-status")
	b.equal("status after registering again", b.text("#reg-status"), statusRegistered)
	b.equal("join link after registering again", b.attr("#join-link", "href"), demoJoinURL)
	mp.await(andi.email, services.KindConfirmation, 2)
	b.open("open the demo webinar a third time", "/webinars/"+demoSlug, http.StatusOK)
	shouting := andi
	shouting.email = strings.ToUpper(andi.email)
	b.fillRegistration(shouting)
	b.follow("register the same address in capitals", "#register-submit", http.StatusConflict)
	b.waitVisible("notice", "#register-notice")
	notice := b.text("#register-notice")
	b.contains("notice of the second registration", notice, "sudah terdaftar")
	b.equal("notice of the second registration", notice, noticeAlready)
	if list := regsOf(demo.ID); len(list) != 1 || list[0].Status != models.RegRegistered || list[0].Email != andi.email {
		t.Errorf("after registering twice, the demo webinar's registrations are %v, want one registered %s", statuses(list), andi.email)
	}
	resend := mp.await(andi.email, services.KindLinkResend, 1)[0]
	b.equal("link-resend subject", resend.Subject, subjLinkResend+demo.Title)
	mp.contains("link-resend text", resend.Text, regURL)
	b.noHorizontalOverflow("webinar page with the already-registered notice")
	b.shot("already-registered")

	// 8. A waitlist: a one-place webinar, A registers, B waits; A cancels
	// and B moves in.
	small := createSmallWebinar(t, srv, webinars)
	alya := participant{name: "Alya Putri", email: "antri-a-" + tag + "@example.org", phone: "0813 1111 2222", regency: "3315"}
	bima := participant{name: "Bima Saputra", email: "antri-b-" + tag + "@example.org", phone: "0857 3333 4444", regency: "3315"}
	b.open("open the small webinar", "/webinars/"+small.Slug, http.StatusOK)
	b.equal("places on the small webinar", b.text("#places"), "Sisa 1 tempat.")
	b.fillRegistration(alya)
	b.follow("register A", "#register-submit", http.StatusOK)
	alyaPath := "/registrations/" + b.registrationToken()
	b.equal("A's status", b.text("#reg-status"), statusRegistered)
	b.open("open the full small webinar", "/webinars/"+small.Slug, http.StatusOK)
	b.equal("places on the full webinar", b.text("#places"), placesFull)
	b.equal("submit button on the full webinar", b.text("#register-submit"), submitWaitlist)
	b.fillRegistration(bima)
	b.follow("register B", "#register-submit", http.StatusOK)
	bimaPath := "/registrations/" + b.registrationToken()
	b.waitVisible("registration page", "#reg-status")
	b.contains("B's status", b.text("#reg-status"), "Daftar tunggu, posisi 1")
	b.equal("B's flash", b.text(".flash"), flashWaitlisted)
	if n := b.count("#join-link"); n != 0 {
		t.Errorf("a waitlisted participant is shown the join link")
	}
	if strings.Contains(b.html(), smallJoinURL) {
		t.Errorf("a waitlisted participant's page carries the join URL")
	}
	b.noHorizontalOverflow("waitlisted page")
	b.shot("waitlisted")
	waited := mp.await(bima.email, services.KindWaitlisted, 1)[0]
	b.equal("waitlisted subject", waited.Subject, subjWaitlisted+small.Title)
	mp.contains("waitlisted text", waited.Text, "Posisi Anda di daftar tunggu: 1.", srv.url+bimaPath)
	if len(waited.Attachments) != 0 || strings.Contains(waited.Text+waited.HTML, smallJoinURL) {
		t.Errorf("the waitlisted mail has %d attachments or the join URL; a waitlisted person has no place yet", len(waited.Attachments))
	}

	b.open("open A's page", alyaPath, http.StatusOK)
	b.do("open A's cancel box", chromedp.Click(chromedp.CSS("details.cancel-box > summary")), chromedp.WaitVisible(chromedp.CSS("#cancel-registration")))
	b.follow("A cancels", "#cancel-registration", http.StatusOK)
	b.equal("A's status after cancelling", b.text("#reg-status"), statusCancelled)
	b.open("open B's page again", bimaPath, http.StatusOK)
	b.waitVisible("registration page", "#reg-status")
	b.equal("B's status after A cancelled", b.text("#reg-status"), statusRegistered)
	b.equal("B's join link", b.attr("#join-link", "href"), smallJoinURL)
	b.noHorizontalOverflow("promoted page")
	b.shot("promoted")
	promoted := mp.await(bima.email, services.KindPromoted, 1)[0]
	b.equal("promoted subject", promoted.Subject, subjPromoted+small.Title)
	mp.contains("promoted text", promoted.Text, srv.url+bimaPath)
	if len(promoted.Attachments) != 1 || promoted.Attachments[0].FileName != "invite.ics" {
		t.Errorf("the promoted mail's attachments are %+v, want invite.ics", promoted.Attachments)
	}
	mp.await(alya.email, services.KindRegCancelled, 1)
	w, err := webinars.Get(ctx, small.ID)
	if err != nil {
		t.Fatal(err)
	}
	if w.RegisteredCount != 1 || w.WaitlistCount != 0 {
		t.Errorf("the small webinar counts %d registered, %d waitlisted; want 1, 0", w.RegisteredCount, w.WaitlistCount)
	}
	if got := statuses(regsOf(small.ID)); !slices.Equal(got, []string{alya.email + ":cancelled", bima.email + ":registered"}) {
		t.Errorf("the small webinar's registrations are %v", got)
	}

	// Every mail, counted: none missing and none twice.
	for addr, want := range map[string]map[string]int{
		andi.email: {services.KindConfirmation: 2, services.KindRegCancelled: 1, services.KindLinkResend: 1},
		alya.email: {services.KindConfirmation: 1, services.KindRegCancelled: 1},
		bima.email: {services.KindWaitlisted: 1, services.KindPromoted: 1},
	} {
		got := map[string]int{}
		for _, m := range mp.inbox(addr) {
			got[m.Kind]++
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("mail to %s by kind: %v, want %v", addr, got, want)
		}
	}
	t.Logf("registration journey done in %s; screenshots in %s", time.Since(began).Round(time.Millisecond), b.shotDir)
}

// createSmallWebinar publishes a webinar with one place, a week from now.
func createSmallWebinar(t *testing.T, srv *server, webinars *services.Webinars) *models.Webinar {
	t.Helper()
	ctx := context.Background()
	var organizer models.Organizer
	if err := srv.db.R.Where("email = ?", services.DemoEmail).First(&organizer).Error; err != nil {
		t.Fatalf("load the demo organizer: %v", err)
	}
	jakarta, _ := time.LoadLocation("Asia/Jakarta")
	day := time.Now().In(jakarta).AddDate(0, 0, 7)
	w, err := webinars.Create(ctx, &organizer, services.WebinarFields{
		Title: "Kelas kecil keamanan digital", Description: "Satu tempat saja.", DurationMinutes: 60,
		StartsAt: time.Date(day.Year(), day.Month(), day.Day(), 10, 0, 0, 0, jakarta), Timezone: "Asia/Jakarta",
		RegencyCode: "3315", Audience: "general", Platform: "zoom", JoinURL: smallJoinURL, Capacity: 1,
	})
	if err != nil {
		t.Fatalf("create the small webinar: %v", err)
	}
	if _, err := webinars.AddLineupEntry(ctx, w.ID, services.LineupInput{Role: "speaker", Pillar: "safety", Topic: "Kata sandi yang kuat",
		Person: services.PersonInput{Name: "Sri Wahyuni"}}); err != nil {
		t.Fatalf("line up the small webinar: %v", err)
	}
	if w, err = webinars.SetStatus(ctx, w.ID, models.StatusPublished); err != nil {
		t.Fatalf("publish the small webinar: %v", err)
	}
	return w
}

// dateOf is the date part of a whenID string: "Jumat, 11 Desember 2026".
func dateOf(when string) string {
	date, _, _ := strings.Cut(when, " · ")
	return date
}

// unfold joins the folded lines of an iCalendar file (RFC 5545, 3.1).
func unfold(ics string) string {
	return strings.ReplaceAll(strings.ReplaceAll(ics, "\r\n ", ""), "\n ", "")
}

// statuses lists registrations as "email:status", for messages.
func statuses(list []models.Registration) []string {
	out := make([]string, len(list))
	for i, r := range list {
		out[i] = r.Email + ":" + r.Status
	}
	slices.Sort(out)
	return out
}

// fillRegistration types a participant into the open registration form and
// ticks the consent box.
func (b *browser) fillRegistration(p participant) {
	b.t.Helper()
	b.waitVisible("registration form", "#register-form")
	b.set("#reg-name", p.name)
	b.set("#reg-email", p.email)
	b.set("#reg-phone", p.phone)
	b.set("#reg-regency", p.regency)
	b.tick("#reg-consent")
}

// registrationToken is the token of the personal page the tab shows.
func (b *browser) registrationToken() string {
	b.t.Helper()
	m := regexp.MustCompile(`^/registrations/([A-Za-z0-9_-]{20,})$`).FindStringSubmatch(b.path())
	if m == nil {
		b.fatalf("the browser is at %q, not at a personal registration page", b.path())
	}
	return m[1]
}

// httpGet fetches a URL outside the browser and fails unless it answers 200.
func httpGet(t *testing.T, rawURL string) (string, http.Header) {
	t.Helper()
	status, header, body := fetch(t, rawURL)
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", rawURL, status, body)
	}
	return string(body), header
}

// mailpit reads mail from mailpit's HTTP API. Other test packages send to
// the same mailpit at the same time, so it never deletes anything and finds
// this test's mail by its unique recipients.
type mailpit struct {
	t    *testing.T
	base string
	// seen caches messages already read, by mailpit ID.
	seen map[string]*email
}

// email is one message as mailpit received it.
type email struct {
	ID          string
	Subject     string
	To          []string
	Kind        string // the X-Sinau-Kind header
	MessageID   string // the Message-Id header
	Text, HTML  string
	Attachments []attachment
}

type attachment struct {
	PartID, FileName, ContentType string
}

// mailpitFromEnv is the SMTP server ./scripts/test started (SINAU_TEST_SMTP)
// and its API (SINAU_TEST_MAILPIT); the test is skipped, or failed under
// SINAU_TEST_REQUIRE, without them.
func mailpitFromEnv(t *testing.T) (*url.URL, *mailpit) {
	t.Helper()
	smtpAddr, mailpitURL := os.Getenv("SINAU_TEST_SMTP"), os.Getenv("SINAU_TEST_MAILPIT")
	if smtpAddr == "" || mailpitURL == "" {
		unavailable(t, "SINAU_TEST_SMTP (host:port) and SINAU_TEST_MAILPIT (mailpit's API URL) are not both set; ./scripts/test starts a mailpit and sets them")
	}
	smtpURL, err := url.Parse("smtp://" + smtpAddr + "?starttls=off")
	if err != nil {
		t.Fatalf("SINAU_TEST_SMTP %q: %v", smtpAddr, err)
	}
	return smtpURL, newMailpit(t, mailpitURL)
}

func newMailpit(t *testing.T, base string) *mailpit {
	t.Helper()
	m := &mailpit{t: t, base: strings.TrimRight(base, "/"), seen: map[string]*email{}}
	var info struct{ Total *int }
	m.getJSON("/api/v1/messages?limit=1", &info)
	if info.Total == nil {
		t.Fatalf("%s does not answer like mailpit's API", base)
	}
	return m
}

func (m *mailpit) get(path string) []byte {
	m.t.Helper()
	body, _ := httpGet(m.t, m.base+path)
	return []byte(body)
}

func (m *mailpit) getJSON(path string, v any) {
	m.t.Helper()
	if err := json.Unmarshal(m.get(path), v); err != nil {
		m.t.Fatalf("mailpit %s: %v", path, err)
	}
}

// inbox is every message to addr, oldest first.
func (m *mailpit) inbox(addr string) []*email {
	m.t.Helper()
	var res struct {
		Messages []struct {
			ID string
			To []struct{ Address string }
		}
	}
	m.getJSON("/api/v1/search?limit=200&query="+url.QueryEscape(`to:"`+addr+`"`), &res)
	var out []*email
	for i := len(res.Messages) - 1; i >= 0; i-- {
		s := res.Messages[i]
		// The search matches parts of addresses too; keep exact recipients.
		if !slices.ContainsFunc(s.To, func(a struct{ Address string }) bool { return strings.EqualFold(a.Address, addr) }) {
			continue
		}
		out = append(out, m.read(s.ID))
	}
	return out
}

// read loads one message with its headers.
func (m *mailpit) read(id string) *email {
	m.t.Helper()
	if e, ok := m.seen[id]; ok {
		return e
	}
	var msg struct {
		ID, Subject, Text, HTML string
		To                      []struct{ Address string }
		Attachments             []attachment
	}
	m.getJSON("/api/v1/message/"+url.PathEscape(id), &msg)
	var headers map[string][]string
	m.getJSON("/api/v1/message/"+url.PathEscape(id)+"/headers", &headers)
	header := func(name string) string {
		for k, v := range headers {
			if strings.EqualFold(k, name) && len(v) > 0 {
				return v[0]
			}
		}
		return ""
	}
	e := &email{ID: msg.ID, Subject: msg.Subject, Text: msg.Text, HTML: msg.HTML, Attachments: msg.Attachments,
		Kind: header("X-Sinau-Kind"), MessageID: header("Message-Id")}
	for _, a := range msg.To {
		e.To = append(e.To, a.Address)
	}
	m.seen[id] = e
	return e
}

// await waits until n messages of a kind reached addr and returns them;
// more than n fails the test.
func (m *mailpit) await(addr, kind string, n int) []*email {
	m.t.Helper()
	deadline := time.Now().Add(mailWait)
	for {
		var got []*email
		for _, e := range m.inbox(addr) {
			if e.Kind == kind {
				got = append(got, e)
			}
		}
		if len(got) > n {
			m.t.Fatalf("%d mails of kind %q reached %s, want %d", len(got), kind, addr, n)
		}
		if len(got) == n {
			return got
		}
		if time.Now().After(deadline) {
			m.t.Fatalf("after %s, %d of %d mails of kind %q reached %s", mailWait, len(got), n, kind, addr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// part is the content of one MIME part of a message.
func (m *mailpit) part(id, partID string) string {
	m.t.Helper()
	return string(m.get("/api/v1/message/" + url.PathEscape(id) + "/part/" + url.PathEscape(partID)))
}

func (m *mailpit) contains(what, got string, wants ...string) {
	m.t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			m.t.Errorf("%s does not contain %q:\n%s", what, w, got)
		}
	}
}
