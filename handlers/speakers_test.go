package handlers

import (
	"archive/zip"
	"bytes"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"sinau/models"
)

const tinyPDF = "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

func uploadedFiles(t *testing.T, s *testServer) int {
	t.Helper()
	n := 0
	filepath.WalkDir(s.app.cfg.UploadDir(), func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

// TestSpeakerInvitationAndPortalUploads drives the speaker side through
// HTTP: invitation, portal, uploads good and bad, visibility.
func TestSpeakerInvitationAndPortalUploads(t *testing.T) {
	s := newTestServer(t, map[string]string{"SINAU_UPLOAD_MAX_MB": "1"})
	org := s.client(t)
	org.loginDemo()
	token := apiToken(t, org)
	entry := decode[map[string]any](t, org.json("POST", "/api/v1/webinars/1/lineup", token,
		`{"role":"speaker","pillar":"safety","topic":"Aman daring","person":{"name":"Diana Belinda","email":"diana@example.org"}}`))
	eid := fmtID(entry["id"])
	if r := org.json("POST", "/api/v1/webinars/1/lineup/1/invitation", token, ""); r.status != 422 {
		t.Errorf("inviting a person without email: %d %s", r.status, r.body)
	}
	r := org.json("POST", "/api/v1/webinars/1/lineup/"+eid+"/invitation", token, `{"message":"Mohon kesediaannya","expires_in_days":10}`)
	if r.status != 201 || !strings.Contains(r.body, `"status":"pending"`) {
		t.Fatalf("invite: %d %s", r.status, r.body)
	}
	var m models.MailMessage
	s.db.R.Where("kind = ?", "invitation").First(&m)
	link := "/speaker/" + between(m.Data, `"token":"`, `"`)
	sp := s.client(t)
	portal := sp.get(link)
	if portal.status != 200 || !strings.Contains(portal.body, "Diana Belinda") || !strings.Contains(portal.body, "Mohon kesediaannya") {
		t.Fatalf("portal: %d", portal.status)
	}
	if portal.header.Get("Referrer-Policy") != "no-referrer" {
		t.Error("the portal leaks its URL in Referer")
	}
	if r := sp.postForm(link, link+"/respond", url.Values{"answer": {"accept"}}); r.status != http.StatusSeeOther {
		t.Fatalf("accept: %d", r.status)
	}
	upload := func(name, body string, fields map[string]string) response {
		csrf := csrfField.FindStringSubmatch(sp.get(link).body)[1]
		fields["_csrf"] = csrf
		buf, ct := multipartBody(t, fields, name, []byte(body))
		return sp.do("POST", link+"/materials", buf, map[string]string{"Content-Type": ct})
	}
	before := uploadedFiles(t, s)
	bad := upload("slides.pdf", "<!doctype html><html><body><script>alert(1)</script>", map[string]string{"visibility": "public"})
	if bad.status != 422 || !strings.Contains(bad.body, `id="file-error"`) || !strings.Contains(bad.body, "text/html") {
		t.Errorf("HTML named .pdf: %d", bad.status)
	}
	big := upload("big.pdf", tinyPDF+strings.Repeat("x", 2<<20), map[string]string{"visibility": "public"})
	if big.status != http.StatusRequestEntityTooLarge {
		t.Errorf("2 MB with a 1 MB limit: %d", big.status)
	}
	if n := uploadedFiles(t, s); n != before {
		t.Errorf("refused uploads left %d files", n-before)
	}
	start := time.Date(2026, 12, 11, 9, 0, 0, 0, time.FixedZone("WIB", 7*3600)).Format("2006-01-02T15:04")
	good := upload("Materi Keamanan.pdf", tinyPDF, map[string]string{"visibility": "registrants", "available_from": start})
	if good.status != http.StatusSeeOther {
		t.Fatalf("upload: %d %s", good.status, between(good.body, "error-box", "</p>"))
	}
	var mat models.Material
	s.db.R.Where("kind = 'file'").First(&mat)
	if mat.Name != "Materi Keamanan.pdf" || mat.ContentType != "application/pdf" || mat.AvailableFrom == nil ||
		!mat.AvailableFrom.Equal(time.Date(2026, 12, 11, 2, 0, 0, 0, time.UTC)) {
		t.Errorf("stored %+v", mat)
	}
	dl := sp.get(link + "/materials/" + fmtID(mat.ID))
	if dl.status != 200 || !strings.HasPrefix(dl.body, "%PDF") || !strings.Contains(dl.header.Get("Content-Disposition"), "attachment") ||
		!strings.Contains(dl.header.Get("Content-Disposition"), "filename*=UTF-8''Materi%20Keamanan.pdf") {
		t.Errorf("download: %d %v", dl.status, dl.header)
	}
	// The public does not see a registrants' material; the API tells
	// organizers each slot's state.
	if r := s.client(t).get("/webinars/demo-grobogan-pelayanan-publik/materials/" + fmtID(mat.ID)); r.status != 404 {
		t.Errorf("public download of a registrants' file: %d", r.status)
	}
	lineup := org.json("GET", "/api/v1/webinars/1/lineup", token, "")
	if !strings.Contains(lineup.body, `"invitation_status":"accepted","material_count":1`) {
		t.Errorf("lineup status: %s", lineup.body)
	}
	list := org.json("GET", "/api/v1/webinars/1/materials", token, "")
	if !strings.Contains(list.body, `"visibility":"registrants"`) || strings.TrimSpace(s.client(t).json("GET", "/api/v1/webinars/1/materials", "", "").body) != "[]" {
		t.Errorf("materials API: %s", list.body)
	}
	// One character changed: a different one when the token ends in A.
	changed := link[:len(link)-1] + "A"
	if strings.HasSuffix(link, "A") {
		changed = link[:len(link)-1] + "B"
	}
	for _, bad := range []string{"/speaker/nope", changed, "/speaker/" + strings.Repeat("x", 43)} {
		if r := s.client(t).get(bad); r.status != 404 || !strings.Contains(r.body, "Tautan ini tidak berlaku") {
			t.Errorf("%s: %d", bad, r.status)
		}
	}
}

func TestOrganizerMaterialsAndRunSheet(t *testing.T) {
	s := newTestServer(t, nil)
	c := s.client(t)
	c.loginDemo()
	token := apiToken(t, c)
	buf, ct := multipartBody(t, map[string]string{"visibility": "public"}, "../../etc/passwd", []byte(tinyPDF))
	r := c.do("POST", "/api/v1/webinars/1/materials", buf, map[string]string{"Content-Type": ct, "Authorization": "Bearer " + token})
	if r.status != 201 || !strings.Contains(r.body, `"name":"passwd"`) || !strings.Contains(r.body, `"content_type":"application/pdf"`) {
		t.Fatalf("API upload: %d %s", r.status, r.body)
	}
	pub := s.client(t).get("/webinars/demo-grobogan-pelayanan-publik")
	if !strings.Contains(pub.body, `id="materials"`) || !strings.Contains(pub.body, ">passwd</a>") {
		t.Error("a public material is not on the webinar page")
	}
	page := "/organizer/webinars/1/runsheet"
	if r := c.postForm(page, page, url.Values{"action": {"generate"}}); r.status != http.StatusSeeOther {
		t.Fatalf("generate: %d", r.status)
	}
	sheet := c.get(page)
	if !strings.Contains(sheet.body, "09.00–09.10 WIB") || !strings.Contains(sheet.body, "Diana Belinda") && !strings.Contains(sheet.body, "Padmasari Mestikajati") {
		t.Errorf("run-sheet: %s", between(sheet.body, "<table", "</table>"))
	}
	c.postForm(page, page, url.Values{"action": {"add"}, "kind": {"break"}, "duration_minutes": {"120"}})
	if r := c.get(page); !strings.Contains(r.body, `id="overrun"`) {
		t.Error("no warning when the run-sheet runs past the end")
	}
	if r := c.get("/organizer/webinars/1/speakers"); r.status != 200 || !strings.Contains(r.body, "Padmasari Mestikajati") {
		t.Errorf("speakers page: %d", r.status)
	}
}

func fmtID(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case uint:
		return strconv.FormatUint(uint64(x), 10)
	}
	return ""
}

// TestMaterialServedWithItsDetectedType guards against the header being
// written after the status: a DOCX must not go out as application/zip.
func TestMaterialServedWithItsDetectedType(t *testing.T) {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for name, body := range map[string]string{
		"[Content_Types].xml": `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
		"word/document.xml":   `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body/></w:document>`,
	} {
		w, _ := z.Create(name)
		w.Write([]byte(body))
	}
	z.Close()
	s := newTestServer(t, nil)
	c := s.client(t)
	token := apiToken(t, c)
	body, ct := multipartBody(t, map[string]string{"visibility": "public"}, "Panduan.docx", buf.Bytes())
	r := c.do("POST", "/api/v1/webinars/1/materials", body, map[string]string{"Content-Type": ct, "Authorization": "Bearer " + token})
	if r.status != 201 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	id := fmtID(decode[map[string]any](t, r)["id"])
	dl := s.client(t).get("/webinars/demo-grobogan-pelayanan-publik/materials/" + id)
	if got := dl.header.Get("Content-Type"); got != "application/vnd.openxmlformats-officedocument.wordprocessingml.document" {
		t.Errorf("served as %q", got)
	}
	if dl.header.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(dl.header.Get("Content-Disposition"), "attachment") {
		t.Errorf("headers %v", dl.header)
	}
}
