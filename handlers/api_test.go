package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

type errorBody struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

func decode[T any](t *testing.T, res response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(res.body), &v); err != nil {
		t.Fatalf("status %d, body not JSON: %v\n%s", res.status, err, res.body)
	}
	return v
}

func apiToken(t *testing.T, c *client) string {
	t.Helper()
	res := c.json(http.MethodPost, "/api/v1/tokens", "", `{"email":"demo@sinau.test","password":"demo-sinau-2026"}`)
	if res.status != http.StatusCreated {
		t.Fatalf("token: %d %s", res.status, res.body)
	}
	return decode[struct{ Token string }](t, res).Token
}

const createBody = `{"title":"Literasi digital Kudus","description":"x","starts_at":"2026-12-14T09:00:00+07:00","duration_minutes":120,
 "timezone":"Asia/Jakarta","regency_code":"33.19","audience":"teachers","platform":"zoom","join_url":"https://zoom.us/j/9","capacity":250}`

func TestAPIAuthAndTokens(t *testing.T) {
	s := newTestServer(t, nil)
	c := s.client(t)
	cases := []struct {
		name, method, path, token, body string
		status                          int
		code                            string
	}{
		{"no token", "POST", "/api/v1/webinars", "", createBody, 401, "unauthorized"},
		{"bad token", "POST", "/api/v1/webinars", "nope", createBody, 401, "unauthorized"},
		{"bad token on public list", "GET", "/api/v1/webinars", "nope", "", 401, "unauthorized"},
		{"wrong password", "POST", "/api/v1/tokens", "", `{"email":"demo@sinau.test","password":"x"}`, 401, "bad_credentials"},
		{"not JSON", "POST", "/api/v1/tokens", "", `email=x`, 400, "malformed"},
		{"unknown route", "GET", "/api/v1/nothing", "", "", 404, "not_found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := c.json(tc.method, tc.path, tc.token, tc.body)
			if res.status != tc.status || decode[errorBody](t, res).Error.Code != tc.code {
				t.Errorf("got %d %s, want %d %s", res.status, res.body, tc.status, tc.code)
			}
		})
	}
	token := apiToken(t, c)
	if res := c.json("POST", "/api/v1/webinars", token, createBody); res.status != 201 {
		t.Fatalf("create with token: %d %s", res.status, res.body)
	}
	if res := c.json("DELETE", "/api/v1/tokens/current", token, ""); res.status != 204 {
		t.Fatalf("revoke: %d", res.status)
	}
	if res := c.json("POST", "/api/v1/webinars", token, createBody); res.status != 401 {
		t.Errorf("revoked token still works: %d", res.status)
	}
}

func TestAPIWebinarCreateReadUpdate(t *testing.T) {
	s := newTestServer(t, nil)
	c := s.client(t)
	token := apiToken(t, c)
	res := c.json("POST", "/api/v1/webinars", token, createBody)
	if res.status != 201 {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	w := decode[map[string]any](t, res)
	id := int(w["id"].(float64))
	if w["starts_at"] != "2026-12-14T02:00:00Z" || w["regency_code"] != "3319" || w["status"] != "draft" || w["join_url"] != "https://zoom.us/j/9" || w["timezone_label"] != "WIB" ||
		w["regency_timezone"] != "Asia/Jakarta" {
		t.Errorf("created: %v", w)
	}
	base := fmt.Sprintf("/api/v1/webinars/%d", id)
	if r := c.json("GET", base, "", ""); r.status != 404 {
		t.Errorf("public sees a draft: %d", r.status)
	}
	for _, p := range []string{"ethics", "skills", "culture", "safety"} {
		r := c.json("POST", base+"/lineup", token, `{"role":"speaker","pillar":"`+p+`","topic":"T","order":1,"person":{"name":"N `+p+`","email":"`+p+`@example.org","affiliation":"A"}}`)
		if r.status != 201 {
			t.Fatalf("lineup %s: %d %s", p, r.status, r.body)
		}
	}
	r := c.json("PATCH", base, token, `{"status":"published","capacity":400}`)
	if r.status != 200 {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	w = decode[map[string]any](t, r)
	if w["status"] != "published" || w["capacity"].(float64) != 400 || len(w["pillars"].([]any)) != 4 {
		t.Errorf("patched: %v", w)
	}
	pub := decode[map[string]any](t, c.json("GET", base, "", ""))
	if _, ok := pub["join_url"]; ok {
		t.Error("public GET shows join_url")
	}
	if strings.Contains(fmt.Sprint(pub["lineup"]), "@example.org") {
		t.Error("public GET shows speakers' emails")
	}
	list := decode[struct {
		Items []map[string]any
		Total int
	}](t, c.json("GET", "/api/v1/webinars?pillar=ethics&regency=3319", "", ""))
	if list.Total != 1 || list.Items[0]["title"] != "Literasi digital Kudus" {
		t.Errorf("filtered list: %+v", list)
	}
	all := decode[struct{ Total int }](t, c.json("GET", "/api/v1/webinars?province=33", "", ""))
	if all.Total != 2 {
		t.Errorf("province 33 has Grobogan and Kudus, got %d", all.Total)
	}
	if r := c.json("PATCH", base, token, `{"status":"cancelled"}`); r.status != 200 {
		t.Fatalf("cancel: %d", r.status)
	}
	r = c.json("PATCH", base, token, `{"status":"published"}`)
	if r.status != 409 || decode[errorBody](t, r).Error.Code != "invalid_transition" {
		t.Errorf("republish cancelled: %d %s", r.status, r.body)
	}
	r = c.json("PATCH", base, token, `{"title":"Baru"}`)
	if r.status != 409 || decode[errorBody](t, r).Error.Code != "webinar_closed" {
		t.Errorf("edit cancelled: %d %s", r.status, r.body)
	}
}

func TestAPIValidation(t *testing.T) {
	s := newTestServer(t, nil)
	c := s.client(t)
	c.lang = "en"
	token := apiToken(t, c)
	var before int64 = countWebinars(t, s)
	edit := func(old, new string) string {
		if !strings.Contains(createBody, old) {
			t.Fatalf("test bug: %q not in body", old)
		}
		return strings.Replace(createBody, old, new, 1)
	}
	cases := []struct {
		name, body string
		status     int
		field      string
	}{
		{"missing title", edit(`"title":"Literasi digital Kudus",`, ""), 422, "title"},
		{"zero duration", edit(`"duration_minutes":120`, `"duration_minutes":0`), 422, "duration_minutes"},
		{"unknown zone", edit(`"Asia/Jakarta"`, `"Mars/Olympus"`), 422, "timezone"},
		{"negative capacity", edit(`"capacity":250`, `"capacity":-1`), 422, "capacity"},
		{"ftp link", edit(`https://zoom.us/j/9`, `ftp://zoom.us/j/9`), 422, "join_url"},
		{"unknown regency", edit(`"33.19"`, `"9999"`), 422, "regency_code"},
		{"too long title", edit(`Literasi digital Kudus`, strings.Repeat("x", 201)), 422, "title"},
		{"time without offset", edit(`2026-12-14T09:00:00+07:00`, `2026-12-14T09:00:00`), 422, "starts_at"},
		{"wrong type", edit(`"capacity":250`, `"capacity":"banyak"`), 422, "capacity"},
		{"unknown field", edit(`"capacity":250`, `"capacity":250,"colour":"red"`), 422, "colour"},
		{"unknown programme", edit(`"capacity":250`, `"capacity":250,"programme_id":999`), 422, "programme_id"},
		{"broken JSON", `{"title":`, 400, ""},
		{"JSON array", `[1,2]`, 400, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := c.json("POST", "/api/v1/webinars", token, tc.body)
			e := decode[errorBody](t, res)
			if res.status != tc.status {
				t.Fatalf("status %d, want %d: %s", res.status, tc.status, res.body)
			}
			if tc.field != "" && e.Error.Fields[tc.field] == "" {
				t.Errorf("no message for %s: %s", tc.field, res.body)
			}
			if strings.Contains(strings.ToLower(res.body), "sql") || strings.Contains(res.body, "goroutine") {
				t.Errorf("internal details leaked: %s", res.body)
			}
		})
	}
	if countWebinars(t, s) != before {
		t.Error("a refused request saved a webinar")
	}
	cases2 := []struct {
		name, method, path, body string
		status                   int
		field                    string
	}{
		{"unknown webinar", "GET", "/api/v1/webinars/9999", "", 404, ""},
		{"non-numeric id", "GET", "/api/v1/webinars/abc", "", 404, ""},
		{"patch unknown", "PATCH", "/api/v1/webinars/9999", `{"title":"x"}`, 404, ""},
		{"patch bad status", "PATCH", "/api/v1/webinars/1", `{"status":"archived"}`, 422, "status"},
		{"lineup unknown role", "POST", "/api/v1/webinars/1/lineup", `{"role":"dj","person":{"name":"X"}}`, 422, "role"},
		{"lineup pillar for moderator", "POST", "/api/v1/webinars/1/lineup", `{"role":"moderator","pillar":"ethics","person":{"name":"X"}}`, 422, "pillar"},
		{"lineup unknown pillar", "POST", "/api/v1/webinars/1/lineup", `{"role":"speaker","pillar":"money","person":{"name":"X"}}`, 422, "pillar"},
		{"lineup unknown webinar", "POST", "/api/v1/webinars/9999/lineup", `{"role":"kol","person":{"name":"X"}}`, 404, ""},
		{"list unknown pillar", "GET", "/api/v1/webinars?pillar=money", "", 422, "pillar"},
		{"list bad date", "GET", "/api/v1/webinars?from=tomorrow", "", 422, "from"},
	}
	for _, tc := range cases2 {
		t.Run(tc.name, func(t *testing.T) {
			res := c.json(tc.method, tc.path, token, tc.body)
			if res.status != tc.status {
				t.Fatalf("status %d, want %d: %s", res.status, tc.status, res.body)
			}
			if e := decode[errorBody](t, res); tc.field != "" && e.Error.Fields[tc.field] == "" {
				t.Errorf("no message for %s: %s", tc.field, res.body)
			}
		})
	}
}

func TestAPIBodyLimit(t *testing.T) {
	s := newTestServer(t, nil)
	c := s.client(t)
	token := apiToken(t, c)
	huge := `{"title":"` + strings.Repeat("x", 2<<20) + `"}`
	res := c.json("POST", "/api/v1/webinars", token, huge)
	if res.status != http.StatusRequestEntityTooLarge || decode[errorBody](t, res).Error.Code != "too_large" {
		t.Errorf("2 MB body: %d %s", res.status, res.body[:min(len(res.body), 200)])
	}
}

func TestAPIReferenceData(t *testing.T) {
	s := newTestServer(t, nil)
	c := s.client(t)
	provinces := decode[[]map[string]string](t, c.json("GET", "/api/v1/regions/provinces", "", ""))
	if len(provinces) != 38 {
		t.Errorf("%d provinces", len(provinces))
	}
	regencies := decode[[]map[string]string](t, c.json("GET", "/api/v1/regions/provinces/33/regencies", "", ""))
	found := false
	for _, r := range regencies {
		found = found || (r["code"] == "3315" && r["name"] == "Kabupaten Grobogan")
	}
	if !found || len(regencies) != 35 {
		t.Errorf("Jawa Tengah: %d regencies, Grobogan found %v", len(regencies), found)
	}
	pillars := decode[[]map[string]string](t, c.json("GET", "/api/v1/pillars", "", ""))
	if len(pillars) != 4 || pillars[3]["code"] != "safety" || pillars[3]["name_id"] != "Keamanan Digital" {
		t.Errorf("pillars %v", pillars)
	}
}

func TestAPIPatchIsAtomicAndClosedWebinarsAreFrozen(t *testing.T) {
	s := newTestServer(t, nil)
	c := s.client(t)
	token := apiToken(t, c)
	res := c.json("PATCH", "/api/v1/webinars/1", token, `{"title":"Judul baru","status":"completed"}`)
	if res.status != 409 || decode[errorBody](t, res).Error.Code != "not_started" {
		t.Fatalf("complete before start: %d %s", res.status, res.body)
	}
	w := decode[map[string]any](t, c.json("GET", "/api/v1/webinars/1", token, ""))
	if w["title"] == "Judul baru" {
		t.Error("a refused PATCH saved its fields")
	}
	if r := c.json("PATCH", "/api/v1/webinars/1", token, `{"status":"archived","capacity":250}`); r.status != 422 {
		t.Errorf("unknown status with fields: %d", r.status)
	}
	if r := c.json("PATCH", "/api/v1/webinars/2", token, `{"status":"cancelled"}`); r.status != 200 {
		t.Fatal(r.body)
	}
	for _, tc := range []struct{ method, path, body string }{
		{"POST", "/api/v1/webinars/2/lineup", `{"role":"kol","person":{"name":"X"}}`},
		{"DELETE", "/api/v1/webinars/2/lineup/" + fmt.Sprint(decode[map[string]any](t, c.json("GET", "/api/v1/webinars/2", token, ""))["lineup"].([]any)[0].(map[string]any)["id"]), ""},
	} {
		if r := c.json(tc.method, tc.path, token, tc.body); r.status != 409 {
			t.Errorf("%s %s on a cancelled webinar: %d", tc.method, tc.path, r.status)
		}
	}
}

func TestAPIProtocolDetails(t *testing.T) {
	s := newTestServer(t, nil)
	c := s.client(t)
	token := apiToken(t, c)
	if r := c.json("PUT", "/api/v1/webinars/1", token, `{}`); r.status != 405 || decode[errorBody](t, r).Error.Code != "method_not_allowed" {
		t.Errorf("PUT: %d %s", r.status, r.body)
	} else if allow := strings.Split(r.header.Get("Allow"), ", "); !slices.Contains(allow, "GET") || !slices.Contains(allow, "HEAD") || !slices.Contains(allow, "PATCH") {
		t.Errorf("PUT: Allow %q", r.header.Get("Allow"))
	}
	if r := c.json("DELETE", "/api/v1/webinars", token, ""); r.status != 405 || slices.Contains(strings.Split(r.header.Get("Allow"), ", "), "DELETE") {
		t.Errorf("DELETE on the collection: %d, Allow %q", r.status, r.header.Get("Allow"))
	}
	if r := c.do("POST", "/api/v1/webinars", strings.NewReader(createBody), map[string]string{"Authorization": "bearer " + token, "Content-Type": "text/plain"}); r.status != 415 {
		t.Errorf("text/plain body: %d", r.status)
	}
	if r := c.do("POST", "/api/v1/webinars", strings.NewReader(createBody), map[string]string{"Authorization": "bearer " + token, "Content-Type": "application/json; charset=utf-8"}); r.status != 201 {
		t.Errorf("lower-case bearer scheme: %d %s", r.status, r.body)
	}
	r := c.json("POST", "/api/v1/webinars/1/lineup", token, `{"role":"kol","person":{"name":"X","twitter":"@x"}}`)
	if r.status != 422 || decode[errorBody](t, r).Error.Fields["person.twitter"] == "" {
		t.Errorf("unknown nested field: %d %s", r.status, r.body)
	}
	list := decode[map[string]any](t, c.json("GET", "/api/v1/webinars", "", ""))
	if list["per_page"].(float64) != 12 {
		t.Errorf("per_page echoed %v, want the 12 used", list["per_page"])
	}
	if r := c.json("GET", "/api/v1/webinars?per_page=500", "", ""); r.status != 422 {
		t.Errorf("per_page=500: %d", r.status)
	}
	day := decode[struct{ Total int }](t, c.json("GET", "/api/v1/webinars?from=2026-12-07&to=2026-12-07", "", ""))
	if day.Total != 1 {
		t.Errorf("a one-day window holds the Makassar webinar of 7 December, got %d", day.Total)
	}
	draft := decode[map[string]any](t, c.json("POST", "/api/v1/webinars", token, createBody))
	path := fmt.Sprintf("/api/v1/webinars/%v", draft["id"])
	c.json("PATCH", path, token, `{"status":"cancelled"}`)
	if r := c.json("GET", path, "", ""); r.status != 404 {
		t.Errorf("a draft cancelled unpublished became public: %d", r.status)
	}
	if r := c.json("POST", "/api/v1/tokens", "", `{"email":"demo@sinau.test","password":"demo-sinau-2026"}`); r.header.Get("Cache-Control") != "no-store" {
		t.Error("token response may be cached")
	}
}
