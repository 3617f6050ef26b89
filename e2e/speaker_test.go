package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/bcrypt"

	"sinau/models"
	"sinau/services"
)

// Texts of the speaker pages and mail, written out so a broken translation
// fails the test.
const (
	inviteNone        = "Belum diundang"
	invitePending     = "Menunggu jawaban"
	inviteAccepted    = "Bersedia"
	flashLineupAdded  = "Pengisi acara ditambahkan."
	flashInviteSent   = "Undangan dikirim."
	flashAnswered     = "Jawaban Anda tersimpan. Terima kasih!"
	flashProfileSaved = "Profil disimpan."
	flashUploaded     = "Materi diunggah."
	subjInvitation    = "Undangan mengisi webinar: "
	badLinkTitle      = "Tautan tidak berlaku"
	badLinkText       = "Tautan ini tidak berlaku. Periksa kembali tautan di email Anda."
	visRegistrants    = "Peserta terdaftar"
	errFileTypeHTML   = "Jenis berkas tidak diterima (terdeteksi: text/html)."
)

// TestSpeakerJourney follows one speaker from the organizer's invitation to
// a registrant's download: the organizer adds a speaker with an email to the
// demo webinar and invites them; the speaker opens the link from the mail
// (read from mailpit) in a browser that has never seen the site, accepts,
// edits their profile and uploads a PDF for registrants from the start of
// the webinar, and has an HTML page posing as a PDF refused; a participant
// sees no material before the start and downloads the PDF once the app's
// clock has moved past it, while the public page never lists it.
func TestSpeakerJourney(t *testing.T) {
	smtpURL, mp := mailpitFromEnv(t)
	chromium := findChromium(t)
	ctx := context.Background()
	began := time.Now()

	clk := &clock{}
	srv := serveSinauAt(t, smtpURL, clk.Now)
	if _, err := services.SeedDemo(ctx, srv.db, clk.Now, bcrypt.MinCost); err != nil {
		t.Fatalf("seed the demo: %v", err)
	}
	webinars := services.NewWebinars(srv.db, clk.Now, "sinau.test")
	demo, err := webinars.GetPublic(ctx, demoSlug)
	if err != nil {
		t.Fatalf("load the demo webinar: %v", err)
	}
	jakarta, err := time.LoadLocation("Asia/Jakarta")
	if err != nil {
		t.Fatal(err)
	}
	start := demo.StartsAt.In(jakarta)
	if demo.Timezone != "Asia/Jakarta" || start.Hour() != 9 || start.Minute() != 0 || demo.StartsAt.Sub(clk.Now()) < 13*24*time.Hour {
		t.Fatalf("the demo webinar starts %s (%s); the test expects 09.00 WIB about two weeks from now", start, demo.Timezone)
	}
	demoWhen := whenID(start, demo.EndsAt.In(jakarta), "WIB")

	tag := strings.ToLower(rand.Text()[:10])
	speaker := lineupEntry{role: "speaker", pillar: "skills", topic: "Literasi data untuk aparatur desa", name: "Laras Wicaksono",
		email: "narasumber-" + tag + "@example.org", affiliation: "Dinas Kominfo Grobogan"}
	const (
		inviteMessage = "Mbak Laras, kami senang sekali bila Anda bersedia berbagi tentang data desa."
		speakerTitle  = "Analis Kebijakan Digital"
		speakerBio    = "Mendampingi desa-desa di Grobogan mengelola data sejak 2019."
		pdfName       = "materi-literasi-data.pdf"
	)
	andi := participant{name: "Sekar Ayuningtyas", email: "peserta-materi-" + tag + "@example.org", phone: "0812 7777 8888", regency: "3315"}

	files := t.TempDir()
	pdf := tinyPDF("Literasi data untuk aparatur desa")
	pdfPath := filepath.Join(files, pdfName)
	htmlPath := filepath.Join(files, "slides.pdf")
	if err := os.WriteFile(pdfPath, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(htmlPath, []byte("<!DOCTYPE html>\n<html><head><title>slides</title></head><body><script>alert(document.cookie)</script></body></html>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	materialRows := func() []models.Material {
		t.Helper()
		var list []models.Material
		if err := srv.db.R.Where("webinar_id = ?", demo.ID).Order("id").Find(&list).Error; err != nil {
			t.Fatalf("list the materials: %v", err)
		}
		return list
	}

	// 1. The organizer logs in and adds a speaker with an email.
	b := newBrowser(t, chromium, srv.url)
	b.prefix = "speaker"
	b.loginDemo()
	showPath := fmt.Sprintf("/organizer/webinars/%d", demo.ID)
	b.open("open the demo webinar", showPath, http.StatusOK)
	b.waitVisible("webinar page", "#webinar-status")
	b.equal("webinar title", b.text("main h1"), demo.Title)
	rowsBefore := b.count("table.lineup-table tbody tr")
	b.fillLineup(speaker)
	b.follow("add the speaker", "#lineup-add", http.StatusOK)
	b.equal("page after adding", b.path(), showPath)
	b.equal("flash after adding", b.text(".flash"), flashLineupAdded)
	b.equal("line-up rows after adding", b.count("table.lineup-table tbody tr"), rowsBefore+1)
	w, err := webinars.Get(ctx, demo.ID)
	if err != nil {
		t.Fatal(err)
	}
	var entry models.LineupEntry
	for _, e := range w.Lineup {
		if e.Person.Email != nil && *e.Person.Email == speaker.email {
			entry = e
		}
	}
	if entry.ID == 0 || entry.Person.Name != speaker.name || entry.Role != "speaker" || entry.Pillar == nil || *entry.Pillar != "skills" {
		t.Fatalf("no speaker %s <%s> in the skills pillar in the demo line-up: %+v", speaker.name, speaker.email, entry)
	}

	// 2. The speakers page: invite them with a message.
	speakersPath := showPath + "/speakers"
	row := fmt.Sprintf(`#speakers-table tbody tr:has(#invite-%d-send)`, entry.ID)
	statusSel := fmt.Sprintf("#invite-%d", entry.ID)
	sendSel := fmt.Sprintf("#invite-%d-send", entry.ID)
	b.open("open the speakers page", speakersPath, http.StatusOK)
	b.waitVisible("speakers table", "#speakers-table")
	b.equal("heading", b.text("main h1"), "Narasumber & materi")
	b.contains("speaker's row", b.text(row), speaker.name, speaker.email, "Narasumber", "Kecakapan Digital", inviteNone)
	b.do("open the invite form", chromedp.Click(chromedp.CSS(row+" details > summary")), chromedp.WaitVisible(chromedp.CSS(sendSel)))
	b.set(row+` textarea[name="message"]`, inviteMessage)
	b.equal("days the link lasts", b.value(row+` input[name="days"]`), "30")
	b.shot("invite-form")
	b.follow("send the invitation", sendSel, http.StatusOK)
	b.equal("page after inviting", b.path(), speakersPath)
	b.equal("flash after inviting", b.text(".flash"), flashInviteSent)
	b.equal("invitation status", b.text(statusSel), invitePending)
	var invs []models.Invitation
	if err := srv.db.R.Where("lineup_entry_id = ?", entry.ID).Find(&invs).Error; err != nil {
		t.Fatal(err)
	}
	if len(invs) != 1 || invs[0].Status != models.InvitePending || invs[0].Message != inviteMessage {
		t.Fatalf("the speaker's invitations are %+v, want one pending with the message", invs)
	}

	// 3. The invitation mail, and the personal link in it.
	inv := mp.await(speaker.email, services.KindInvitation, 1)[0]
	if !strings.HasPrefix(inv.Subject, "Undangan mengisi webinar") || inv.Subject != subjInvitation+demo.Title {
		t.Errorf("invitation subject %q, want %q", inv.Subject, subjInvitation+demo.Title)
	}
	mp.contains("invitation text", inv.Text, "Halo "+speaker.name+",", "Narasumber — Kecakapan Digital", "Topik: "+speaker.topic,
		inviteMessage, demo.Title, "Buka halaman narasumber: ")
	// The words between date and hours ("·", "pukul") are the mail's to
	// choose, as in the registration mail.
	if re := `Waktu: ` + regexp.QuoteMeta(dateOf(demoWhen)) + `[^\n]*09\.00–12\.00 WIB\r?\n`; !regexp.MustCompile(re).MatchString(inv.Text) {
		t.Errorf("invitation text does not match %s:\n%s", re, inv.Text)
	}
	m := regexp.MustCompile(regexp.QuoteMeta(srv.url) + `/speaker/([A-Za-z0-9_-]+)`).FindStringSubmatch(inv.Text)
	if m == nil {
		t.Fatalf("the invitation text has no link to %s/speaker/…:\n%s", srv.url, inv.Text)
	}
	portalURL, token := m[0], m[1]
	portalPath := "/speaker/" + token
	mp.contains("invitation HTML", inv.HTML, `href="`+portalURL+`"`)
	if strings.Contains(inv.Text+inv.HTML, demoJoinURL) {
		t.Errorf("the invitation carries the webinar's join URL")
	}
	var plain int64
	if err := srv.db.R.Raw(`SELECT COUNT(*) FROM invitation_tokens WHERE token_hash = ? OR token_hash = ?`, token, services.HashToken(token)).Scan(&plain).Error; err != nil {
		t.Fatal(err)
	} else if plain != 1 {
		t.Errorf("invitation_tokens has %d rows for the mailed token or its hash, want 1 (the hash)", plain)
	}

	// 4. The speaker, on a phone, in a browser context without the
	// organizer's cookies: accept, edit the profile, upload the PDF.
	sp := b.fresh()
	if c := sp.cookies(); len(c) != 0 {
		t.Fatalf("the speaker's browser context already holds cookies %v", c)
	}
	sp.phone()
	sp.visit("open the link from the mail", portalURL, http.StatusOK)
	sp.waitVisible("portal", "#portal-status")
	sp.equal("page language", sp.attr("html", "lang"), "id")
	sp.equal("portal title", sp.text("main h1"), demo.Title)
	sp.contains("portal header", sp.text("article.portal > header"), "Halaman narasumber untuk", demoWhen, "Zoom")
	sp.contains("speaker's slot", sp.text("article.portal > p"), speaker.name, "Narasumber", "Kecakapan Digital", speaker.topic)
	sp.equal("message from the organizer", sp.text("blockquote.invite-message"), inviteMessage)
	sp.equal("status before answering", sp.text("#portal-status"), invitePending)
	sp.equal("no materials yet", sp.text("#materials p.muted"), "Belum ada materi.")
	if strings.Contains(sp.html(), demoJoinURL) {
		t.Errorf("the speaker portal shows the webinar's join URL")
	}
	sp.noHorizontalOverflow("speaker portal")
	sp.shot("portal")
	sp.follow("accept the invitation", "#accept", http.StatusOK)
	sp.equal("page after accepting", sp.path(), portalPath)
	sp.equal("flash after accepting", sp.text(".flash"), flashAnswered)
	sp.equal("status after accepting", sp.text("#portal-status"), inviteAccepted)
	sp.equal("accept buttons after accepting", sp.count("#accept"), 0)

	sp.equal("name in the profile", sp.value(`#profile input[name="name"]`), speaker.name)
	sp.equal("affiliation in the profile", sp.value(`#profile input[name="affiliation"]`), speaker.affiliation)
	sp.set(`#profile input[name="title"]`, speakerTitle)
	sp.set(`#profile textarea[name="bio"]`, speakerBio)
	sp.follow("save the profile", "#profile-save", http.StatusOK)
	sp.equal("page after saving the profile", sp.path(), portalPath)
	sp.equal("flash after saving the profile", sp.text(".flash"), flashProfileSaved)
	sp.equal("title kept", sp.value(`#profile input[name="title"]`), speakerTitle)
	sp.equal("bio kept", sp.value(`#profile textarea[name="bio"]`), speakerBio)
	var person models.Person
	if err := srv.db.R.First(&person, entry.PersonID).Error; err != nil {
		t.Fatal(err)
	}
	if person.Name != speaker.name || person.Title != speakerTitle || person.Bio != speakerBio || person.Affiliation != speaker.affiliation {
		t.Errorf("stored profile: %q %q %q %q; want %q %q %q %q", person.Name, person.Title, person.Bio, person.Affiliation,
			speaker.name, speakerTitle, speakerBio, speaker.affiliation)
	}

	from := start.Format("2006-01-02T15:04")
	sp.contains("help under the time", sp.text(`#upload-form label:has(#material-from) small`), "WIB")
	sp.do("choose the PDF", chromedp.SetUploadFiles(chromedp.CSS("#material-file"), []string{pdfPath}))
	sp.set("#material-visibility", models.VisibleRegistrants)
	sp.set("#material-from", from)
	sp.follow("upload the PDF", "#upload-submit", http.StatusOK)
	sp.equal("page after uploading", sp.path(), portalPath)
	sp.equal("flash after uploading", sp.text(".flash"), flashUploaded)
	sp.waitVisible("material list", "#materials ul.materials")
	sp.equal("materials listed", sp.count("#materials ul.materials li"), 1)
	sp.contains("material in the portal", sp.text("#materials ul.materials li"), pdfName, visRegistrants)
	mats := materialRows()
	if len(mats) != 1 {
		t.Fatalf("after one upload the demo webinar has %d materials, want 1", len(mats))
	}
	mat := mats[0]
	sum := sha256.Sum256(pdf)
	if mat.Kind != "file" || mat.Name != pdfName || mat.ContentType != "application/pdf" || mat.Size != int64(len(pdf)) ||
		mat.Sha256 != hex.EncodeToString(sum[:]) || mat.Visibility != models.VisibleRegistrants || mat.UploadedBy != "speaker" ||
		mat.LineupEntryID == nil || *mat.LineupEntryID != entry.ID || mat.AvailableFrom == nil || !mat.AvailableFrom.Equal(demo.StartsAt) {
		t.Errorf("stored material: %+v; want the %d-byte PDF %s of entry %d for registrants from %s", mat, len(pdf), pdfName, entry.ID, demo.StartsAt.UTC())
	}
	matID := strconv.FormatUint(uint64(mat.ID), 10)
	ownHref := sp.attr("#materials a.material-link", "href")
	sp.equal("speaker's download link", ownHref, portalPath+"/materials/"+matID)
	if st, hdr, body := fetch(t, srv.url+ownHref); st != http.StatusOK || !bytes.Equal(body, pdf) || !strings.HasPrefix(hdr.Get("Content-Disposition"), "attachment") {
		t.Errorf("the speaker's own download %s: %d, %q, %d bytes; want 200, an attachment, the PDF", ownHref, st, hdr.Get("Content-Disposition"), len(body))
	}
	sp.noHorizontalOverflow("portal with a material")
	sp.shot("portal-material")

	// 5. An HTML page named slides.pdf is refused under the file field, and
	// nothing is stored: no row, no file, no temporary file.
	storedBefore := uploadedFiles(t, srv.cfg.UploadDir())
	if len(storedBefore) != 1 {
		t.Errorf("after one upload the upload directory holds %v, want one file", storedBefore)
	}
	sp.do("choose the HTML page named slides.pdf", chromedp.SetUploadFiles(chromedp.CSS("#material-file"), []string{htmlPath}))
	sp.set("#material-visibility", models.VisibleRegistrants)
	sp.follow("upload the HTML page", "#upload-submit", http.StatusUnprocessableEntity)
	sp.waitVisible("error under the file", "#file-error")
	fileErr := sp.text("small.error#file-error")
	sp.contains("error under the file", fileErr, "tidak diterima")
	sp.equal("error under the file", fileErr, errFileTypeHTML)
	sp.equal("file field marked invalid", sp.attr("#material-file", "aria-invalid"), "true")
	if !evaluate[bool](sp, "is the error inside the file's label", `!!document.querySelector("#upload-form label:has(#material-file) #file-error")`) {
		t.Errorf("#file-error is not under the file field")
	}
	sp.equal("materials after the refusal", sp.count("#materials ul.materials li"), 1)
	if got := materialRows(); len(got) != 1 {
		t.Errorf("after the refused upload the demo webinar has %d material rows, want 1", len(got))
	}
	if got := uploadedFiles(t, srv.cfg.UploadDir()); !slices.Equal(got, storedBefore) {
		t.Errorf("the refused upload changed the upload directory from %v to %v", storedBefore, got)
	}
	sp.noHorizontalOverflow("portal with the refused file")
	sp.shot("portal-refused")

	// 6. The organizer sees the answer and the material.
	b.open("reload the speakers page", speakersPath, http.StatusOK)
	b.waitVisible("speakers table", "#speakers-table")
	b.equal("invitation status after accepting", b.text(statusSel), inviteAccepted)
	b.equal("material count", b.text(row+" td:nth-child(4)"), "1")
	b.contains("speaker's row", b.text(row), speaker.name, speaker.email)
	b.contains("organizer's material list", b.text("#materials table"), pdfName, visRegistrants, "09.00 WIB, "+dateOf(demoWhen))
	b.equal("organizer's download link", b.attr(`#materials table a[href$="/materials/`+matID+`"]`, "href"), showPath+"/materials/"+matID)
	b.shot("organizer-speakers")

	// 7. A mistyped speaker link answers as a random one does: the same
	// page, 404, nothing about the webinar.
	last := token[len(token)-1:]
	swap := "A"
	if last == "A" {
		swap = "B"
	}
	badLink := func(step, tok string) (title, text string) {
		sp.open(step, "/speaker/"+tok, http.StatusNotFound)
		sp.waitVisible(step, "main h1")
		html := sp.html()
		for _, secret := range []string{demo.Title, speaker.name, speaker.email} {
			if strings.Contains(html, secret) {
				t.Errorf("%s: the page shows %q", step, secret)
			}
		}
		return evaluate[string](sp, "read the title", `document.title`), sp.text("main")
	}
	mistypedTitle, mistypedText := badLink("open a mistyped speaker link", token[:len(token)-1]+swap)
	sp.contains("page of the mistyped link", mistypedTitle, badLinkTitle)
	sp.contains("page of the mistyped link", mistypedText, "404", badLinkText)
	sp.shot("portal-bad-link")
	randomTitle, randomText := badLink("open a random speaker link", services.NewToken())
	sp.equal("title of a random link", randomTitle, mistypedTitle)
	sp.equal("text of a random link", randomText, mistypedText)
	sp.visit("the right link still works", portalURL, http.StatusOK)

	// 8. A participant registers: before the start the material is nowhere;
	// after it the registration page offers it and a click downloads it.
	pb := b.fresh()
	pb.phone()
	pb.open("open the demo webinar", "/webinars/"+demoSlug, http.StatusOK)
	pb.fillRegistration(andi)
	pb.follow("register", "#register-submit", http.StatusOK)
	regToken := pb.registrationToken()
	regPath := "/registrations/" + regToken
	pb.waitVisible("registration page", "#reg-status")
	pb.equal("registration status", pb.text("#reg-status"), statusRegistered)
	regMatURL := srv.url + regPath + "/materials/" + matID
	publicMatURL := srv.url + "/webinars/" + demoSlug + "/materials/" + matID
	checkHidden := func(when string) {
		t.Helper()
		if n := pb.count("#materials"); n != 0 {
			t.Errorf("%s: the registration page has a #materials section", when)
		}
		if strings.Contains(pb.html(), pdfName) {
			t.Errorf("%s: the registration page names %s", when, pdfName)
		}
		if st, _, _ := fetch(t, regMatURL); st != http.StatusNotFound {
			t.Errorf("%s: the registrant's material URL answers %d, want 404", when, st)
		}
		if st, _, _ := fetch(t, publicMatURL); st != http.StatusNotFound {
			t.Errorf("%s: the public material URL answers %d, want 404", when, st)
		}
	}
	checkHidden("before the start")
	pb.shot("registration-before-start")

	clk.advance(demo.StartsAt.Sub(clk.Now()) + 5*time.Minute)
	pb.open("reload the registration page after the start", regPath, http.StatusOK)
	pb.waitVisible("materials on the registration page", "#materials")
	pb.equal("materials heading", pb.text("#materials h2"), "Materi")
	pb.equal("materials listed", pb.count("#materials a.material-link"), 1)
	pb.contains("material on the registration page", pb.text("#materials li"), pdfName, "PDF")
	href := pb.attr("#materials a.material-link", "href")
	pb.equal("material link", href, regPath+"/materials/"+matID)
	got := pb.download("#materials a.material-link", pdfName, srv.url+href)
	if !bytes.Equal(got, pdf) {
		t.Errorf("the downloaded file is %d bytes starting %q, want the %d-byte PDF", len(got), got[:min(len(got), 8)], len(pdf))
	}
	pb.equal("page after the download", pb.path(), regPath)
	st, hdr, body := fetch(t, regMatURL)
	if st != http.StatusOK {
		t.Fatalf("GET %s after the start: %d, want 200", regMatURL, st)
	}
	if ct := hdr.Get("Content-Type"); ct != "application/pdf" {
		t.Errorf("the material's Content-Type is %q, want application/pdf", ct)
	}
	if cd := hdr.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") || !strings.Contains(cd, pdfName) {
		t.Errorf("the material's Content-Disposition is %q, want an attachment named %s", cd, pdfName)
	}
	if !bytes.HasPrefix(body, []byte("%PDF")) || !bytes.Equal(body, pdf) {
		t.Errorf("the material's body is %d bytes starting %q, want the PDF", len(body), body[:min(len(body), 8)])
	}
	pb.noHorizontalOverflow("registration page with materials")
	pb.shot("registration-after-start")

	pb.open("open the public webinar page after the start", "/webinars/"+demoSlug, http.StatusOK)
	pb.waitVisible("public webinar page", "#webinar-when")
	if n := pb.count("#materials"); n != 0 {
		t.Errorf("the public webinar page lists materials; the only one is for registrants")
	}
	if html := pb.html(); strings.Contains(html, pdfName) || strings.Contains(html, speaker.email) {
		t.Errorf("the public webinar page names %s, which is for registrants, or shows the speaker's email", pdfName)
	}
	if st, _, _ := fetch(t, publicMatURL); st != http.StatusNotFound {
		t.Errorf("after the start the public material URL answers %d, want 404", st)
	}
	// The profile the speaker edited is the one the public sees.
	pb.contains("public line-up", pb.text("section.lineup-pillars"), speaker.name+", "+speakerTitle, speaker.affiliation, speaker.topic)
	pb.shot("public-after-start")

	t.Logf("speaker journey done in %s; screenshots in %s", time.Since(began).Round(time.Millisecond), b.shotDir)
}

// download clicks a link that the app serves as an attachment, waits for the
// browser to save it, and returns the saved bytes. The suggested name and
// the URL must be the given ones.
func (b *browser) download(sel, wantName, wantURL string) []byte {
	b.t.Helper()
	dir := b.t.TempDir()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	begins := chromedp.Events(ctx, cdpbrowser.DownloadWillBegin)
	progress := chromedp.Events(ctx, cdpbrowser.DownloadProgress)
	events := true
	if _, err := chromedp.Call(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: &events,
		BrowserContextID: chromedp.FromContext(ctx).BrowserContextID,
	}); err != nil {
		b.fatalf("allow downloads: %v", err)
	}
	b.do("click "+sel, chromedp.Click(chromedp.CSS(sel)))
	for ev, err := range begins {
		if err != nil {
			b.fatalf("wait for a download to begin after the click on %s (was the file shown inline?): %v", sel, err)
		}
		b.equal("name of the download", ev.SuggestedFilename, wantName)
		b.equal("URL of the download", ev.URL, wantURL)
		break
	}
	for ev, err := range progress {
		if err != nil {
			b.fatalf("wait for the download of %s: %v", sel, err)
		}
		switch ev.State {
		case cdpbrowser.DownloadProgressStateCompleted:
			data, err := os.ReadFile(filepath.Join(dir, ev.GUID))
			if err != nil {
				b.fatalf("read the downloaded file: %v", err)
			}
			return data
		case cdpbrowser.DownloadProgressStateCanceled:
			b.fatalf("the download of %s was cancelled", sel)
		}
	}
	b.fatalf("the download of %s did not complete", sel)
	return nil
}

// fetch GETs a URL outside the browser, with no cookies, and returns the
// status, headers and body whatever the status.
func fetch(t *testing.T, rawURL string) (int, http.Header, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", rawURL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", rawURL, err)
	}
	return resp.StatusCode, resp.Header, body
}

// uploadedFiles lists the names of the regular files in the upload
// directory, sorted.
func uploadedFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("read the upload directory: %v", err)
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names
}

// tinyPDF is a well-formed one-page PDF that shows a line of text.
func tinyPDF(text string) []byte {
	content := fmt.Sprintf("BT /F1 18 Tf 72 720 Td (%s) Tj ET", text)
	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var buf bytes.Buffer
	buf.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = buf.Len()
		fmt.Fprintf(&buf, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := buf.Len()
	fmt.Fprintf(&buf, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&buf, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&buf, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return buf.Bytes()
}
