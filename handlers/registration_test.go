package handlers

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"sinau/models"
)

func regValues(name, email string) url.Values {
	return url.Values{"name": {name}, "email": {email}, "phone": {"0812 3456 7890"}, "regency_code": {"3315"}, "consent": {"yes"}}
}

const grobogan = "/webinars/demo-grobogan-pelayanan-publik"

func TestRegisterThroughTheForm(t *testing.T) {
	s := newTestServer(t, nil)
	c := s.client(t)
	page := c.get(grobogan)
	if !strings.Contains(page.body, `id="register-form"`) || !strings.Contains(page.body, "Sisa 300 tempat") {
		t.Fatal("no registration form on the webinar page")
	}
	res := c.postForm(grobogan, grobogan+"/register", regValues("Siti Aminah", "siti@example.org"))
	if res.status != http.StatusSeeOther || !strings.HasPrefix(res.location, "/registrations/") {
		t.Fatalf("register: %d %q", res.status, res.location)
	}
	mine := c.get(res.location)
	for _, want := range []string{"Anda terdaftar", "Pendaftaran berhasil", `href="https://zoom.us/j/81234567890"`, "calendar.ics"} {
		if !strings.Contains(mine.body, want) {
			t.Errorf("registration page lacks %q", want)
		}
	}
	if mine.header.Get("Referrer-Policy") != "no-referrer" || mine.header.Get("Cache-Control") != "no-store" {
		t.Errorf("personal page headers %v", mine.header)
	}
	ics := c.get(res.location + "/calendar.ics")
	if ics.status != 200 || !strings.HasPrefix(ics.header.Get("Content-Type"), "text/calendar") || !strings.Contains(ics.body, "DTSTART:20261211T020000Z") {
		t.Errorf("ics: %d %s", ics.status, ics.body)
	}
	dup := c.postForm(grobogan, grobogan+"/register", regValues("Siti A.", "SITI@example.org"))
	if dup.status != http.StatusConflict || !strings.Contains(dup.body, "sudah terdaftar") {
		t.Errorf("duplicate: %d", dup.status)
	}
	if strings.Contains(dup.body, "/registrations/") {
		t.Error("the duplicate answer reveals the personal link")
	}
	cancel := c.postForm(res.location, res.location+"/cancel", url.Values{})
	if cancel.status != http.StatusSeeOther {
		t.Fatalf("cancel: %d", cancel.status)
	}
	if after := c.get(res.location); !strings.Contains(after.body, "Pendaftaran dibatalkan") || strings.Contains(after.body, "zoom.us/j/") {
		t.Error("cancelled page still shows the join link")
	}
	var kinds []string
	s.db.R.Model(&models.MailMessage{}).Order("id").Pluck("kind", &kinds)
	if strings.Join(kinds, ",") != "confirmation,link-resend,registration-cancelled" {
		t.Errorf("queued mail %v", kinds)
	}
}

func TestRegistrationFormErrorsAndHoneypot(t *testing.T) {
	s := newTestServer(t, nil)
	c := s.client(t)
	bad := url.Values{"name": {""}, "email": {"bukan-email"}, "phone": {"abc"}, "regency_code": {"9999"}}
	res := c.postForm(grobogan, grobogan+"/register", bad)
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", res.status)
	}
	for _, id := range []string{"name-error", "email-error", "phone-error", "regency_code-error", "consent-error"} {
		if !strings.Contains(res.body, `id="`+id+`"`) {
			t.Errorf("missing inline error %s", id)
		}
	}
	if !strings.Contains(res.body, `value="bukan-email"`) {
		t.Error("typed values are lost")
	}
	bot := regValues("Bot", "bot@example.org")
	bot.Set("website", "http://spam.example")
	if r := c.postForm(grobogan, grobogan+"/register", bot); r.status != 200 {
		t.Errorf("honeypot: %d", r.status)
	}
	var n int64
	s.db.R.Model(&models.Registration{}).Count(&n)
	if n != 0 {
		t.Errorf("%d registrations stored", n)
	}
	if r := c.get("/registrations/not-a-real-token-at-all-1234567890"); r.status != 404 || !strings.Contains(r.body, "Tautan ini tidak berlaku") {
		t.Errorf("bad token: %d", r.status)
	}
}

func TestRegistrationRateLimit(t *testing.T) {
	s := newTestServer(t, map[string]string{"SINAU_REGISTER_RATE": "3"})
	c := s.client(t)
	statuses := []int{}
	for i := range 5 {
		body := fmt.Sprintf(`{"name":"P","email":"p%d@example.org","phone":"081234567890","regency_code":"3315","consent":true}`, i)
		statuses = append(statuses, c.json("POST", "/api/v1/webinars/1/registrations", "", body).status)
	}
	if fmt.Sprint(statuses) != "[201 201 201 429 429]" {
		t.Errorf("statuses %v", statuses)
	}
}

func TestAPIRegistrations(t *testing.T) {
	s := newTestServer(t, nil)
	c := s.client(t)
	c.lang = "en"
	token := apiToken(t, c)
	r := c.json("PATCH", "/api/v1/webinars/1", token, `{"capacity":1}`)
	if r.status != 200 {
		t.Fatal(r.body)
	}
	ch := decode[map[string]any](t, c.json("POST", "/api/v1/webinars/1/channels", token, `{"name":"Instagram Info Grobogan"}`))
	code := ch["code"].(string)
	if ch["url"] != "http://localhost:8080/r/"+code || len(code) != 8 {
		t.Errorf("channel %v", ch)
	}
	body := func(i int, extra string) string {
		return fmt.Sprintf(`{"name":"Peserta %d","email":"p%d@example.org","phone":"0812-3456-78%02d","regency_code":"33.15","consent":true%s}`, i, i, i, extra)
	}
	first := c.json("POST", "/api/v1/webinars/1/registrations", "", body(1, `,"ref":"`+code+`"`))
	if first.status != 201 || !strings.Contains(first.body, `"status":"registered"`) || !strings.Contains(first.body, `"waitlist_position":null`) {
		t.Fatalf("first: %d %s", first.status, first.body)
	}
	second := c.json("POST", "/api/v1/webinars/1/registrations", "", body(2, ""))
	if second.status != 201 || !strings.Contains(second.body, `"status":"waitlisted","waitlist_position":1`) && !strings.Contains(second.body, `"waitlist_position":1`) {
		t.Fatalf("second: %d %s", second.status, second.body)
	}
	cases := []struct {
		name, path, body string
		status           int
		code             string
	}{
		{"duplicate", "/api/v1/webinars/1/registrations", body(1, ""), 409, "already_registered"},
		{"unknown webinar", "/api/v1/webinars/999/registrations", body(3, ""), 404, "not_found"},
		{"not JSON", "/api/v1/webinars/1/registrations", `name=x`, 400, "malformed"},
		{"no consent", "/api/v1/webinars/1/registrations", strings.Replace(body(4, ""), `"consent":true`, `"consent":false`, 1), 422, "invalid"},
		{"unknown field", "/api/v1/webinars/1/registrations", body(5, `,"password":"x"`), 422, "invalid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := c.json("POST", tc.path, "", tc.body)
			if res.status != tc.status || decode[errorBody](t, res).Error.Code != tc.code {
				t.Errorf("got %d %s", res.status, res.body)
			}
		})
	}
	if r := c.json("GET", "/api/v1/webinars/1/registrations", "", ""); r.status != 401 {
		t.Errorf("registrants without a token: %d", r.status)
	}
	list := decode[struct {
		Items []map[string]any
		Total int
	}](t, c.json("GET", "/api/v1/webinars/1/registrations?status=registered&channel="+code, token, ""))
	if list.Total != 1 || list.Items[0]["phone"] != "+6281234567801" || list.Items[0]["regency_code"] != "3315" {
		t.Errorf("list: %+v", list)
	}
	id := fmt.Sprint(list.Items[0]["id"])
	if r := c.json("DELETE", "/api/v1/registrations/"+id, token, ""); r.status != 200 || !strings.Contains(r.body, `"status":"cancelled"`) {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	promoted := decode[struct{ Items []map[string]any }](t, c.json("GET", "/api/v1/webinars/1/registrations?status=registered", token, ""))
	if len(promoted.Items) != 1 || promoted.Items[0]["email"] != "p2@example.org" {
		t.Errorf("after cancel the waitlisted person must be in: %+v", promoted)
	}
	chans := decode[[]map[string]any](t, c.json("GET", "/api/v1/webinars/1/channels", token, ""))
	if len(chans) != 1 || chans[0]["registrations"].(float64) != 0 {
		t.Errorf("channel counts only active registrations: %v", chans)
	}
	c.json("PATCH", "/api/v1/webinars/1", token, `{"status":"cancelled"}`)
	if r := c.json("POST", "/api/v1/webinars/1/registrations", "", body(7, "")); r.status != 409 || decode[errorBody](t, r).Error.Code != "registration_closed" {
		t.Errorf("cancelled webinar: %d %s", r.status, r.body)
	}
}

func TestTrackingLinkTagsTheRegistration(t *testing.T) {
	s := newTestServer(t, nil)
	org := s.client(t)
	org.loginDemo()
	page := "/organizer/webinars/1/registration"
	if r := org.postForm(page, page+"/channels", url.Values{"name": {"Instagram Info Grobogan"}}); r.status != http.StatusSeeOther {
		t.Fatalf("channel: %d", r.status)
	}
	var ch models.Channel
	s.db.R.First(&ch)
	visitor := s.client(t)
	r := visitor.get("/r/" + ch.Code)
	if r.status != http.StatusFound || r.location != grobogan+"?ref="+ch.Code {
		t.Fatalf("short link: %d %q", r.status, r.location)
	}
	form := visitor.get(r.location)
	if !strings.Contains(form.body, `name="ref" value="`+ch.Code+`"`) {
		t.Fatal("the form does not carry the channel")
	}
	v := regValues("Budi", "budi@example.org")
	v.Set("ref", ch.Code)
	if res := visitor.postForm(r.location, grobogan+"/register", v); res.status != http.StatusSeeOther {
		t.Fatalf("register: %d", res.status)
	}
	show := org.get("/organizer/webinars/1")
	if !strings.Contains(show.body, "Instagram Info Grobogan") || !strings.Contains(show.body, "<td>1</td><td>1</td>") {
		t.Error("the webinar page does not show the channel's clicks and registrations")
	}
	if r := visitor.get("/r/nope"); r.status != 404 {
		t.Errorf("unknown code: %d", r.status)
	}
}

func TestOrganizerRegistrantsAndExports(t *testing.T) {
	s := newTestServer(t, nil)
	c := s.client(t)
	c.loginDemo()
	for i, name := range []string{"Siti", "=HYPERLINK(\"http://evil\")", "Budi"} {
		v := regValues(name, fmt.Sprintf("p%d@example.org", i))
		if r := s.client(t).postForm(grobogan, grobogan+"/register", v); r.status != http.StatusSeeOther {
			t.Fatalf("register %d: %d", i, r.status)
		}
	}
	list := c.get("/organizer/webinars/1/registrations?q=siti")
	if list.status != 200 || !strings.Contains(list.body, "p0@example.org") || strings.Contains(list.body, "p2@example.org") {
		t.Errorf("search: %d", list.status)
	}
	if r := c.get("/organizer/webinars/1/registrations?status=bogus"); !strings.Contains(r.body, `id="status-error"`) {
		t.Error("a bad status filter is not reported")
	}
	csvRes := c.get("/organizer/webinars/1/export/csv")
	if csvRes.status != 200 || !strings.Contains(csvRes.header.Get("Content-Disposition"), ".csv") {
		t.Fatalf("csv: %d", csvRes.status)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(csvRes.body, "\ufeff"))).ReadAll()
	if err != nil || len(rows) != 4 || rows[1][2] != "Siti" || rows[1][4] != "+6281234567890" || rows[1][10] != "Kabupaten Grobogan" {
		t.Fatalf("csv rows %v %v", rows, err)
	}
	if !strings.HasPrefix(rows[2][2], "'=") {
		t.Errorf("formula not neutralised: %q", rows[2][2])
	}
	x := c.get("/organizer/webinars/1/export/xlsx?q=budi")
	f, err := excelize.OpenReader(bytes.NewReader([]byte(x.body)))
	if err != nil {
		t.Fatalf("xlsx: %v", err)
	}
	xr, _ := f.GetRows(f.GetSheetName(0))
	if len(xr) != 2 || xr[1][2] != "Budi" {
		t.Errorf("xlsx rows %v", xr)
	}
	if r := s.client(t).get("/organizer/webinars/1/export/csv"); r.status != http.StatusSeeOther {
		t.Errorf("export without login: %d", r.status)
	}
	for _, p := range []string{"/organizer/webinars/1/registration", "/organizer/registrations/1", "/organizer/mail", "/organizer/mail/1", "/organizer/mail/1/html"} {
		if r := c.get(p); r.status != 200 {
			t.Errorf("%s: %d", p, r.status)
		}
	}
	if r := c.get("/organizer/mail/1/html"); !strings.Contains(r.header.Get("Content-Security-Policy"), "sandbox") {
		t.Error("mail preview is not sandboxed")
	}
}

func TestRegistrationSettings(t *testing.T) {
	s := newTestServer(t, nil)
	c := s.client(t)
	c.loginDemo()
	page := "/organizer/webinars/1/registration"
	form := url.Values{"field_phone": {"off"}, "field_gender": {"required"}, "field_age_range": {"off"}, "field_occupation": {"off"},
		"field_organisation": {"optional"}, "field_regency_code": {"optional"}, "deadline": {"2026-12-10T17:00"}}
	if r := c.postForm(page, page+"/form", form); r.status != http.StatusSeeOther {
		t.Fatalf("form: %d", r.status)
	}
	if r := c.postForm(page, page+"/questions", url.Values{"kind": {"single"}, "label": {"Kelas"}, "choices": {"X\nXI\n\nXII"}, "required": {"on"}}); r.status != http.StatusSeeOther {
		t.Fatalf("question: %d", r.status)
	}
	if r := c.postForm(page, page+"/questions", url.Values{"kind": {"single"}, "label": {"Satu pilihan"}, "choices": {"A"}}); r.status != 422 || !strings.Contains(r.body, "minimal 2 pilihan") {
		t.Errorf("one choice: %d", r.status)
	}
	if r := c.postForm(page, page+"/form", url.Values{"field_phone": {"maybe"}}); r.status != 422 {
		t.Errorf("bad mode: %d", r.status)
	}
	if r := c.postForm(page, page+"/form", url.Values{"deadline": {"2026-12-31T10:00"}, "field_phone": {"off"}, "field_gender": {"off"}, "field_age_range": {"off"},
		"field_occupation": {"off"}, "field_organisation": {"off"}, "field_regency_code": {"off"}}); r.status != 422 {
		t.Errorf("deadline after start: %d", r.status)
	}
	pub := s.client(t).get(grobogan)
	if strings.Contains(pub.body, `name="phone"`) || !strings.Contains(pub.body, `name="gender"`) || !strings.Contains(pub.body, "Kelas") {
		t.Error("the public form does not follow the settings")
	}
	v := url.Values{"name": {"Ani"}, "email": {"ani@example.org"}, "gender": {"female"}, "consent": {"yes"}}
	if r := s.client(t).postForm(grobogan, grobogan+"/register", v); r.status != 422 || !strings.Contains(r.body, "answers.") {
		t.Errorf("required question missing: %d", r.status)
	}
}
