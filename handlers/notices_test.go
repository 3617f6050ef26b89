package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"sinau/models"
	"sinau/services"
)

func TestAnnouncementComposeTestAndSend(t *testing.T) {
	s := newTestServer(t, nil)
	for i, email := range []string{"a@example.org", "b@example.org"} {
		if r := s.client(t).postForm(grobogan, grobogan+"/register", regValues("P", email)); r.status != http.StatusSeeOther {
			t.Fatalf("register %d: %d", i, r.status)
		}
	}
	c := s.client(t)
	c.loginDemo()
	page := "/organizer/webinars/1/announcements"
	if !strings.Contains(c.get(page).body, `id="attendance-unknown"`) {
		t.Error("no note that the attended and absent audiences wait for attendance")
	}
	bad := c.postForm(page, page, url.Values{"subject": {""}, "body": {"Klik <script>alert(1)</script>"}, "audience": {"registered"}})
	if bad.status != 422 || !strings.Contains(bad.body, `id="subject-error"`) || !strings.Contains(bad.body, `id="body-error"`) {
		t.Fatalf("bad announcement: %d", bad.status)
	}
	res := c.postForm(page, page, url.Values{"subject": {"Bawa buku catatan"}, "body": {"Jangan lupa **buku catatan**."}, "audience": {"registered"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("create: %d", res.status)
	}
	show := c.get(res.location)
	if !strings.Contains(show.body, "<strong>buku catatan</strong>") || !strings.Contains(show.body, "2 penerima") {
		t.Errorf("preview: %s", between(show.body, "<main", "</main>"))
	}
	if r := c.postForm(res.location, res.location, url.Values{"action": {"test"}}); r.status != http.StatusSeeOther {
		t.Fatalf("test send: %d", r.status)
	}
	if r := c.postForm(res.location, res.location, url.Values{"action": {"send"}}); r.status != http.StatusSeeOther {
		t.Fatalf("send: %d", r.status)
	}
	c.postForm(res.location, res.location, url.Values{"action": {"send"}})
	var recipients []string
	s.db.R.Model(&models.MailMessage{}).Where("kind = ?", "announcement").Order("recipient").Pluck("recipient", &recipients)
	if strings.Join(recipients, ",") != "a@example.org,b@example.org,demo@sinau.test" {
		t.Errorf("announcement went to %v", recipients)
	}
	prog := c.get(res.location + "/progress")
	if prog.status != 200 || !strings.Contains(prog.body, `"pending":2`) || !strings.Contains(prog.body, `"total":2`) {
		t.Errorf("progress %d %s", prog.status, prog.body)
	}
	if !strings.Contains(c.get(res.location).body, `src="/static/js/progress.js`) {
		t.Error("no live progress script")
	}
}

func TestMailResendAndPause(t *testing.T) {
	s := newTestServer(t, nil)
	s.client(t).postForm(grobogan, grobogan+"/register", regValues("P", "p@example.org"))
	c := s.client(t)
	c.loginDemo()
	if r := c.postForm("/organizer/mail/1", "/organizer/mail/1/resend", url.Values{}); !strings.Contains(c.get(r.location).body, "Hanya email yang gagal") {
		t.Error("a pending message was re-sent")
	}
	s.db.W.Exec(`UPDATE mail_messages SET status = 'failed', last_error = '550 no such user', attempts = 1 WHERE id = 1`)
	if r := c.postForm("/organizer/mail/1", "/organizer/mail/1/resend", url.Values{}); r.status != http.StatusSeeOther {
		t.Fatalf("resend: %d", r.status)
	}
	var m models.MailMessage
	s.db.R.First(&m, 1)
	if m.Status != models.MailPending || m.Attempts != 0 {
		t.Errorf("after resend %s/%d", m.Status, m.Attempts)
	}
	s.db.W.Exec(`UPDATE mail_state SET paused_at = CURRENT_TIMESTAMP, reason = '25 failed attempts in a row' WHERE id = 1`)
	if r := c.get("/organizer"); !strings.Contains(r.body, `id="mail-paused"`) {
		t.Error("no pause banner for organizers")
	}
	if r := s.client(t).get("/"); strings.Contains(r.body, `id="mail-paused"`) {
		t.Error("the public sees the pause banner")
	}
	if r := c.postForm("/organizer/mail", "/organizer/mail/resume", url.Values{}); r.status != http.StatusSeeOther {
		t.Fatalf("resume: %d", r.status)
	}
	if r := c.get("/organizer"); strings.Contains(r.body, `id="mail-paused"`) {
		t.Error("still paused after resume")
	}
}

func TestMailListNamesEveryKind(t *testing.T) {
	s := newTestServer(t, nil)
	s.client(t).postForm(grobogan, grobogan+"/register", regValues("P", "p@example.org"))
	c := s.client(t)
	c.loginDemo()
	kinds := []string{services.KindConfirmation, services.KindWaitlisted, services.KindPromoted, services.KindLinkResend,
		services.KindRegCancelled, services.KindReminder, services.KindChanged, services.KindCancelled, services.KindAnnouncement,
		services.KindFollowupAttended, services.KindFollowupAbsent, services.KindInvitation, services.KindSpeakerReminder}
	for _, kind := range kinds {
		s.db.W.Exec(`UPDATE mail_messages SET kind = ? WHERE id = 1`, kind)
		for _, lang := range []string{"id", "en"} {
			c.lang = lang
			for _, path := range []string{"/organizer/mail", "/organizer/mail/1"} {
				if body := c.get(path).body; strings.Contains(body, "mailkind.") {
					t.Errorf("%s %s shows the raw kind %q", lang, path, kind)
				}
			}
		}
	}
	c.lang = "id"
	s.db.W.Exec(`UPDATE mail_messages SET kind = ? WHERE id = 1`, services.KindConfirmation)
	if body := c.get("/organizer/mail").body; !strings.Contains(body, "Konfirmasi pendaftaran") {
		t.Errorf("mail list: %s", between(body, "<main", "</main>"))
	}
}

func TestReminderOffsetsInFormAndAPI(t *testing.T) {
	s := newTestServer(t, nil)
	c := s.client(t)
	c.loginDemo()
	f := validWebinarForm("Dengan pengingat")
	f.Set("reminder_offsets", "24h, 90m")
	res := c.postForm("/organizer/webinars/new", "/organizer/webinars", f)
	if res.status != http.StatusSeeOther {
		t.Fatalf("create: %d", res.status)
	}
	if show := c.get(res.location); !strings.Contains(show.body, "1 jam 30 menit") || !strings.Contains(show.body, "1 hari") {
		t.Error("the webinar page does not list its reminders")
	}
	f.Set("reminder_offsets", "-1h, 24h, 24h")
	if r := c.postForm("/organizer/webinars/new", "/organizer/webinars", f); r.status != 422 || !strings.Contains(r.body, `id="reminder_offsets-error"`) {
		t.Errorf("bad offsets: %d", r.status)
	}
	// Presets ticked plus typed ones; one both ticked and typed counts once.
	f.Set("reminder_offsets", "90m, 60m")
	f["reminder_preset"] = []string{"72h", "1h"}
	res = c.postForm("/organizer/webinars/new", "/organizer/webinars", f)
	if res.status != http.StatusSeeOther {
		t.Fatalf("create with presets: %d %s", res.status, between(res.body, "<form", "</form>"))
	}
	var stored string
	s.db.R.Raw(`SELECT reminder_offsets FROM webinars WHERE title = ? ORDER BY id DESC LIMIT 1`, "Dengan pengingat").Scan(&stored)
	if stored != `["72h","1h30m","1h"]` {
		t.Errorf("stored offsets %s", stored)
	}
	edit := c.get(res.location + "/edit").body
	for _, want := range []string{`value="72h" checked`, `value="1h" checked`, `value="24h">`, `id="reminders" value="1h30m"`} {
		if !strings.Contains(edit, want) {
			t.Errorf("edit form lacks %s: %s", want, between(edit, `id="reminder-presets"`, "</fieldset>"))
		}
	}
	token := apiToken(t, c)
	for body, field := range map[string]string{`{"reminder_offsets":["0s"]}`: "reminder_offsets", `{"reminder_offsets":["61*24h"]}`: "reminder_offsets",
		`{"reminder_offsets":["1500h"]}`: "reminder_offsets", `{"followup_delay_minutes":-5}`: "followup_delay_minutes"} {
		r := c.json("PATCH", "/api/v1/webinars/1", token, body)
		if r.status != 422 || decode[errorBody](t, r).Error.Fields[field] == "" {
			t.Errorf("%s: %d %s", body, r.status, r.body)
		}
	}
	r := c.json("PATCH", "/api/v1/webinars/1", token, `{"reminder_offsets":["1h","168h","30m"]}`)
	if r.status != 200 || !strings.Contains(r.body, `"reminder_offsets":["168h","1h","30m"]`) {
		t.Errorf("offsets via API: %d %s", r.status, r.body)
	}
	if pub := c.json("GET", "/api/v1/webinars/1", "", ""); strings.Contains(pub.body, "reminder_offsets") {
		t.Error("the public sees reminder settings")
	}
}

func TestAPIFormHeadAndStrictBodies(t *testing.T) {
	s := newTestServer(t, nil)
	c := s.client(t)
	token := apiToken(t, c)
	form := decode[map[string]any](t, c.json("GET", "/api/v1/webinars/1/form", "", ""))
	if form["open"] != true || form["places_left"].(float64) != 300 || form["fields"].(map[string]any)["phone"] != "required" {
		t.Errorf("form %v", form)
	}
	if r := c.do(http.MethodHead, "/healthz", nil, nil); r.status != 200 || r.body != "" {
		t.Errorf("HEAD /healthz: %d %q", r.status, r.body)
	}
	if r := c.do("POST", "/api/v1/webinars/1/lineup", strings.NewReader(`{"role":"kol","person":{"name":"X"}}`),
		map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/json-patch+json"}); r.status != 415 {
		t.Errorf("json-patch media type: %d", r.status)
	}
	r := c.json("POST", "/api/v1/webinars/1/lineup", token, `{"role":"kol","person":{"name":"Rina","whatsapp":"0812"}}`)
	if r.status != 422 || decode[errorBody](t, r).Error.Fields["person.whatsapp"] == "" {
		t.Errorf("nested unknown key: %d %s", r.status, r.body)
	}
	ch := decode[map[string]any](t, c.json("POST", "/api/v1/webinars/1/channels", token, `{"name":"IG"}`))
	code := strings.ToUpper(ch["code"].(string))
	c.json("POST", "/api/v1/webinars/1/registrations", "", `{"name":"A","email":"a@example.org","phone":"081234567890","regency_code":"3315","consent":true,"ref":"`+code+`"}`)
	list := decode[struct{ Items []map[string]any }](t, c.json("GET", "/api/v1/webinars/1/registrations?q=0812-3456", token, ""))
	if len(list.Items) != 1 || list.Items[0]["channel_id"] == nil {
		t.Errorf("upper-case ref or local phone search: %+v", list.Items)
	}
	if r := c.json("GET", "/api/v1/webinars/1/registrations?regency=9999", token, ""); r.status != 422 {
		t.Errorf("unknown regency filter: %d", r.status)
	}
}
