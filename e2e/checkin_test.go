package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	qrcode "github.com/skip2/go-qrcode"
	"golang.org/x/crypto/bcrypt"
	xdraw "golang.org/x/image/draw"

	"sinau/models"
	"sinau/services"
)

const (
	// The demo's hybrid webinar in Jayapura (WIT): its tickets carry a QR
	// code and its organizer page links to the check-in page.
	venueSlug = "demo-jayapura-keamanan-digital"
	// The fake camera's frame; html5-qrcode reads the centre of it.
	cameraWidth, cameraHeight = 640, 480
	// scanWait bounds the wait for one answer once the camera plays: a
	// decode at 10 frames a second and one request, or the 3 s of a rescan.
	scanWait = 15 * time.Second
	// checkin.js ignores the same code for 3 s after posting it, so with
	// the code still in front of the camera the second post comes then.
	rescanAfter = 3 * time.Second
)

// Texts of the Indonesian check-in page, written out so a broken
// translation fails the test.
const (
	checkinReady     = "Siap memindai."
	checkinBadTicket = "Tiket tidak berlaku untuk webinar ini."
)

// scan is one answer the check-in page showed, as the page showed it.
type scan struct {
	Status string `json:"status"`
	Text   string `json:"text"`
}

// TestDoorCheckinCamera checks a participant in at the door of a hybrid
// webinar with the check-in page's camera scanner: Chromium's fake camera
// plays a frame with the QR code the participant's registration page
// shows. A forged ticket is refused first; the real one is admitted, and
// when the scanner reads it again the page says since when the participant
// is in, without a second check-in.
func TestDoorCheckinCamera(t *testing.T) {
	chromium := findChromium(t)
	ctx := context.Background()
	began := time.Now()

	srv := serveSinau(t, nil)
	if _, err := services.SeedDemo(ctx, srv.db, time.Now, bcrypt.MinCost); err != nil {
		t.Fatalf("seed the demo: %v", err)
	}
	webinars := services.NewWebinars(srv.db, time.Now, "sinau.test")
	venue, err := webinars.GetPublic(ctx, venueSlug)
	if err != nil {
		t.Fatalf("load the demo webinar in Jayapura: %v", err)
	}
	if !venue.HasVenue() || venue.Timezone != "Asia/Jayapura" {
		t.Fatalf("the demo webinar %s is on %s in %s; the test needs one with a venue, in WIT", venueSlug, venue.Platform, venue.Timezone)
	}
	jayapura, err := time.LoadLocation("Asia/Jayapura")
	if err != nil {
		t.Fatal(err)
	}

	// The camera shows a blank frame until the test puts a code in front
	// of it; Chromium reads the file again each time a page opens it.
	camera := filepath.Join(t.TempDir(), "camera.y4m")
	showCamera(t, camera, nil)
	b := newBrowser(t, chromium, srv.url,
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-file-for-fake-video-capture", camera),
	)
	b.prefix = "checkin"
	b.phone()

	// 1. A participant registers on a phone and gets a QR code.
	yosef := participant{name: "Yosef Wanggai", email: "pintu-" + strings.ToLower(rand.Text()[:10]) + "@example.org", phone: "0821 9876 5432", regency: "9171"}
	b.open("open the webinar in Jayapura", "/webinars/"+venueSlug, http.StatusOK)
	b.fillRegistration(yosef)
	b.follow("register", "#register-submit", http.StatusOK)
	regToken := b.registrationToken()
	b.waitVisible("ticket", "#ticket-qr")
	qrSrc := b.attr("#ticket-qr", "src")
	b.equal("QR code of the ticket", qrSrc, "/registrations/"+regToken+"/qr.png")
	ticketPNG, hdr := httpGet(t, srv.url+qrSrc)
	if ct := hdr.Get("Content-Type"); ct != "image/png" {
		t.Fatalf("%s has Content-Type %q, want image/png", qrSrc, ct)
	}
	ticket, err := png.Decode(strings.NewReader(ticketPNG))
	if err != nil {
		t.Fatalf("decode %s: %v", qrSrc, err)
	}
	var reg models.Registration
	if err := srv.db.R.Where("token = ?", regToken).First(&reg).Error; err != nil {
		t.Fatalf("load the registration: %v", err)
	}
	if reg.Name != yosef.name || reg.WebinarID != venue.ID || reg.Status != models.RegRegistered || reg.CheckedInAt != nil {
		t.Fatalf("stored registration: %q, webinar %d, %s, checked in %v; want %q, webinar %d, registered, not checked in",
			reg.Name, reg.WebinarID, reg.Status, reg.CheckedInAt, yosef.name, venue.ID)
	}
	b.shot("ticket")

	// 2. The organizer, on another phone, opens the check-in page from the
	// webinar's page, which links to it because the webinar has a venue.
	door := b.fresh()
	door.phone()
	door.loginDemo()
	checkinPath := fmt.Sprintf("/organizer/webinars/%d/checkin", venue.ID)
	door.open("open the webinar", fmt.Sprintf("/organizer/webinars/%d", venue.ID), http.StatusOK)
	door.follow("open the check-in page", `a[href="`+checkinPath+`"]`, http.StatusOK)
	door.equal("check-in page", door.path(), checkinPath)
	door.waitVisible("check-in page", "#start-camera")
	door.equal("title", door.text("h1.checkin-title"), venue.Title)
	door.equal("result before a scan", door.text("#checkin-result"), checkinReady)
	door.equal("checked in before a scan", door.text("#checked-in"), "0")
	door.equal("registered", door.text("#registered"), "1")

	// 3. A forged ticket (the participant's number, a made-up signature)
	// is refused, and nobody is checked in.
	forged, err := qrcode.Encode(fmt.Sprintf("SINAU1.%d.%s", reg.ID, strings.Repeat("A", 22)), qrcode.Medium, 320)
	if err != nil {
		t.Fatal(err)
	}
	forgedImg, err := png.Decode(bytes.NewReader(forged))
	if err != nil {
		t.Fatal(err)
	}
	showCamera(t, camera, forgedImg)
	door.startScanner()
	got := door.awaitScan(0, "error")
	door.equal("answer to a forged ticket", got.Text, checkinBadTicket)
	door.equal("checked in after a forged ticket", door.text("#checked-in"), "0")
	if rows := checkins(t, srv.db, venue.ID); len(rows) != 0 {
		t.Errorf("after a forged ticket the webinar has check-ins %+v, want none", rows)
	}
	door.shot("forged")

	// 4. The real ticket, on a fresh load of the page.
	showCamera(t, camera, ticket)
	door.open("reload the check-in page", checkinPath, http.StatusOK)
	door.waitVisible("check-in page", "#start-camera")
	started := time.Now() // before the first read, which may come before startScanner returns
	door.startScanner()
	got = door.awaitScan(0, "ok")
	if err := srv.db.R.First(&reg, reg.ID).Error; err != nil {
		t.Fatalf("reload the registration: %v", err)
	}
	if reg.CheckedInAt == nil {
		t.Fatalf("the page says %q, but the registration is not checked in", got.Text)
	}
	at := reg.CheckedInAt.In(jayapura)
	hhmm := fmt.Sprintf("%02d.%02d", at.Hour(), at.Minute())
	door.equal("answer to the ticket", got.Text, "✓ "+yosef.name+" — tercatat pukul "+hhmm)
	door.equal("checked in after the ticket", door.text("#checked-in"), "1")
	if reg.Attended == nil || !*reg.Attended {
		t.Errorf("a checked-in participant's attendance is %v, want true", reg.Attended)
	}
	rows := checkins(t, srv.db, venue.ID)
	if len(rows) != 1 || rows[0].RegistrationID != reg.ID || rows[0].Method != "qr" || !rows[0].CreatedAt.Equal(*reg.CheckedInAt) {
		t.Errorf("check-ins after the ticket: %+v, want one by qr for registration %d at %s", rows, reg.ID, reg.CheckedInAt)
	}
	door.shot("admitted")

	// 5. The ticket is still in front of the camera: the next read says
	// when the participant came in and changes nothing.
	got = door.awaitScan(1, "already")
	door.equal("answer to a second scan", got.Text, yosef.name+" sudah registrasi ulang pukul "+hhmm)
	if since := time.Since(started); since < rescanAfter {
		t.Errorf("the second answer came %s after the camera was started; checkin.js waits %s before it posts the same code again", since, rescanAfter)
	}
	door.equal("checked in after a second scan", door.text("#checked-in"), "1")
	first := *reg.CheckedInAt
	if err := srv.db.R.First(&reg, reg.ID).Error; err != nil {
		t.Fatalf("reload the registration: %v", err)
	}
	if reg.CheckedInAt == nil || !reg.CheckedInAt.Equal(first) {
		t.Errorf("after a second scan the registration is checked in at %v, want %s", reg.CheckedInAt, first)
	}
	if again := checkins(t, srv.db, venue.ID); len(again) != 1 || again[0].RegistrationID != reg.ID || !again[0].CreatedAt.Equal(first) {
		t.Errorf("check-ins after a second scan: %+v, want only the first, for registration %d at %s", again, reg.ID, first)
	}
	door.shot("already")

	// 6. The same button stops the camera.
	door.equal("camera button while scanning", door.text("#start-camera"), "Matikan kamera")
	door.do("stop the camera", chromedp.Click(chromedp.CSS("#start-camera")))
	stopped := run(door, "wait for the camera to stop", chromedp.Poll[bool](`(() => {
		const b = document.getElementById("start-camera");
		return !document.querySelector("#reader video") && !b.disabled && b.textContent === "Nyalakan kamera";
	})()`, chromedp.WithPollingInterval(100*time.Millisecond)))
	if !stopped {
		door.fatalf("the camera did not stop")
	}

	t.Logf("door check-in done in %s; screenshots in %s", time.Since(began).Round(time.Millisecond), b.shotDir)
}

// checkinRow is one row of the checkins table.
type checkinRow struct {
	RegistrationID uint
	Method         string
	CreatedAt      time.Time
}

// checkins lists a webinar's check-ins, oldest first.
func checkins(t *testing.T, db *models.DB, webinarID uint) []checkinRow {
	t.Helper()
	var rows []checkinRow
	if err := db.R.Raw(`SELECT registration_id, method, created_at FROM checkins WHERE webinar_id = ? ORDER BY id`, webinarID).Scan(&rows).Error; err != nil {
		t.Fatalf("list the check-ins: %v", err)
	}
	return rows
}

// startScanner records every answer the check-in page shows from now on,
// then starts the camera as door staff do, and waits for the video.
func (b *browser) startScanner() {
	b.t.Helper()
	// show() in checkin.js sets the text, then the class; the observer
	// runs after both and keeps each change of either.
	evaluate[chromedp.Void](b, "record the answers", `(() => {
		const el = document.getElementById("checkin-result");
		const scans = window.e2eScans = [];
		new MutationObserver(() => {
			const s = {status: el.className.replace("checkin-result", "").trim(), text: el.textContent.trim()};
			const last = scans[scans.length - 1];
			if (!last || last.status !== s.status || last.text !== s.text) scans.push(s);
		}).observe(el, {attributes: true, childList: true, characterData: true, subtree: true});
	})()`)
	b.do("start the camera", chromedp.Click(chromedp.CSS("#start-camera")))
	// checkin.js shows the error when the camera cannot start.
	state := run(b, "wait for the camera's picture", chromedp.Poll[string](`(() => {
		const v = document.querySelector("#reader video");
		if (v && v.readyState >= 2 && v.videoWidth > 0) return "playing";
		const r = document.getElementById("checkin-result");
		return r.classList.contains("error") ? "error: " + r.textContent : "";
	})()`, chromedp.WithPollingInterval(100*time.Millisecond)))
	if state != "playing" {
		b.fatalf("the camera did not start: %s", state)
	}
	if w := evaluate[int](b, "read the video's width", `document.querySelector("#reader video").videoWidth`); w != cameraWidth {
		b.fatalf("the scanner shows a video %d px wide; the fake camera's is %d (is the fake camera in use?)", w, cameraWidth)
	}
}

// awaitScan waits until the page shows an answer of the status, the
// (from+1)th answer since the scanner started, and fails on any other.
func (b *browser) awaitScan(from int, status string) scan {
	b.t.Helper()
	began := time.Now()
	deadline := began.Add(scanWait)
	for {
		scans := evaluate[[]scan](b, "read the answers", `window.e2eScans`)
		if len(scans) > from {
			if s := scans[from]; s.Status == status {
				b.t.Logf("answer %q after %s", s.Text, time.Since(began).Round(10*time.Millisecond))
				return s
			}
			b.fatalf("the check-in page answered %+v, want an answer of status %q", scans[from:], status)
		}
		if time.Now().After(deadline) {
			b.fatalf("after %s the check-in page shows %q and no answer of status %q (answers so far: %+v)",
				scanWait, b.text("#checkin-result"), status, scans)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// showCamera puts img on a white frame in front of the fake camera: it
// writes a YUV4MPEG2 file, which Chromium plays in a loop. With img nil
// the frames are blank. The file is replaced whole, so a camera that opens
// it meanwhile reads the old frames or the new ones.
//
// A real camera never shows the same picture twice; a fake one with a
// single frame does, and the scanner then decodes the same pixels forever,
// so a code its decoder happens to misread at that one scale and position
// would never be read (it happened about once in twenty runs, each with
// another random ticket). The code is therefore shown in a few frames,
// slightly moved and scaled, as a hand would hold it.
//
// html5-qrcode decodes only its box (qrbox: 220 CSS px in checkin.js) of
// the video as shown: the centre 220/358 of the frame's width on a phone,
// 393 camera pixels, and 220/420 (the .reader's widest), 335 px, on a
// wide screen. The 320 px ticket, at the scales below, fits either.
func showCamera(t *testing.T, path string, img image.Image) {
	t.Helper()
	jitter := []struct {
		scale  float64
		dx, dy int
	}{{1, 0, 0}, {0.94, -6, 4}, {1.03, 5, -3}, {0.97, 3, 6}, {0.91, -4, -5}}
	tmp := path + ".new"
	f, err := os.Create(tmp)
	if err != nil {
		t.Fatalf("camera file: %v", err)
	}
	w := bufio.NewWriter(f)
	// 4:2:0 with full-range luma; the grey frames have no colour, so both
	// chroma planes (a quarter of the luma plane each) are neutral.
	fmt.Fprintf(w, "YUV4MPEG2 W%d H%d F30:1 Ip A1:1 C420jpeg\n", cameraWidth, cameraHeight)
	for _, j := range jitter {
		frame := image.NewGray(image.Rect(0, 0, cameraWidth, cameraHeight))
		draw.Draw(frame, frame.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
		if img != nil {
			r := img.Bounds()
			size := image.Pt(int(float64(r.Dx())*j.scale), int(float64(r.Dy())*j.scale))
			if size.X > cameraWidth || size.Y > cameraHeight {
				t.Fatalf("a %dx%d image does not fit the camera's %dx%d frame", size.X, size.Y, cameraWidth, cameraHeight)
			}
			at := image.Pt((cameraWidth-size.X)/2+j.dx, (cameraHeight-size.Y)/2+j.dy)
			xdraw.ApproxBiLinear.Scale(frame, image.Rectangle{Min: at, Max: at.Add(size)}, img, r, xdraw.Src, nil)
		}
		fmt.Fprint(w, "FRAME\n")
		w.Write(frame.Pix)
		w.Write(bytes.Repeat([]byte{128}, 2*(cameraWidth/2)*(cameraHeight/2)))
	}
	if err := w.Flush(); err != nil {
		t.Fatalf("camera file: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("camera file: %v", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatalf("camera file: %v", err)
	}
}
