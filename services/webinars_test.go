package services

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"sinau/models"
)

func TestCreateWebinarStoresUTCAndDerivedFields(t *testing.T) {
	db := newDB(t)
	s := NewWebinars(db, clock, "sinau.test")
	f := validFields()
	f.RegencyCode = "33.15"
	w, err := s.Create(context.Background(), newOrganizer(t, db), f)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(context.Background(), w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC); !got.StartsAt.Equal(want) || got.StartsAt.Location() != time.UTC {
		t.Errorf("starts_at %v, want %v in UTC", got.StartsAt, want)
	}
	if !got.EndsAt.Equal(got.StartsAt.Add(3 * time.Hour)) {
		t.Errorf("ends_at %v", got.EndsAt)
	}
	if got.RegencyCode != "3315" || got.ProvinceCode != "33" || got.Status != models.StatusDraft {
		t.Errorf("regency %q province %q status %q", got.RegencyCode, got.ProvinceCode, got.Status)
	}
	if !strings.HasPrefix(got.Slug, "tiga-strategi-pelayanan-publik-") {
		t.Errorf("slug %q", got.Slug)
	}
}

func TestCreateWebinarRejectsBadInput(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(*WebinarFields)
		field string
		code  string
	}{
		{"missing title", func(f *WebinarFields) { f.Title = "  " }, "title", "required"},
		{"title too long", func(f *WebinarFields) { f.Title = strings.Repeat("a", MaxTitle+1) }, "title", "too_long"},
		{"control characters", func(f *WebinarFields) { f.Title = "a\x00b" }, "title", "invalid"},
		{"no start", func(f *WebinarFields) { f.StartsAt = time.Time{} }, "starts_at", "required"},
		{"zero duration", func(f *WebinarFields) { f.DurationMinutes = 0 }, "duration_minutes", "positive"},
		{"negative duration", func(f *WebinarFields) { f.DurationMinutes = -30 }, "duration_minutes", "positive"},
		{"two days", func(f *WebinarFields) { f.DurationMinutes = 2 * 24 * 60 }, "duration_minutes", "max"},
		{"unknown zone", func(f *WebinarFields) { f.Timezone = "Europe/Paris" }, "timezone", "unknown"},
		{"negative capacity", func(f *WebinarFields) { f.Capacity = -1 }, "capacity", "not_negative"},
		{"ftp join link", func(f *WebinarFields) { f.JoinURL = "ftp://zoom.us/j/1" }, "join_url", "url"},
		{"script join link", func(f *WebinarFields) { f.JoinURL = "javascript:alert(1)" }, "join_url", "url"},
		{"unknown regency", func(f *WebinarFields) { f.RegencyCode = "9999" }, "regency_code", "unknown"},
		{"malformed regency", func(f *WebinarFields) { f.RegencyCode = "33-15" }, "regency_code", "unknown"},
		{"unknown audience", func(f *WebinarFields) { f.Audience = "aliens" }, "audience", "unknown"},
		{"unknown platform", func(f *WebinarFields) { f.Platform = "skype" }, "platform", "unknown"},
		{"in person without venue", func(f *WebinarFields) { f.Platform = "in_person" }, "venue", "required"},
		{"unknown programme", func(f *WebinarFields) { id := uint(42); f.ProgrammeID = &id }, "programme_id", "unknown"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db := newDB(t)
			f := validFields()
			tc.edit(&f)
			_, err := NewWebinars(db, clock, "sinau.test").Create(context.Background(), newOrganizer(t, db), f)
			if got := fieldsOf(t, err); got[tc.field] != tc.code {
				t.Errorf("fields %v, want %s=%s", got, tc.field, tc.code)
			}
			if n := count(t, db, &models.Webinar{}); n != 0 {
				t.Errorf("%d webinars saved", n)
			}
		})
	}
}

func TestStatusTransitions(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		path []string
		want string // "" = every step allowed; else the conflict code of the last step
	}{
		{[]string{"published", "cancelled"}, ""},
		{[]string{"cancelled"}, ""},
		{[]string{"published", "completed"}, "not_started"},
		{[]string{"completed"}, "invalid_transition"},
		{[]string{"cancelled", "published"}, "invalid_transition"},
		{[]string{"published", "draft"}, "invalid_transition"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.path, "→"), func(t *testing.T) {
			db := newDB(t)
			s := NewWebinars(db, clock, "sinau.test")
			w, err := s.Create(ctx, newOrganizer(t, db), validFields())
			if err != nil {
				t.Fatal(err)
			}
			for i, st := range tc.path {
				_, err = s.SetStatus(ctx, w.ID, st)
				last := i == len(tc.path)-1
				if !last && err != nil {
					t.Fatalf("step %s: %v", st, err)
				}
			}
			var ce *ConflictError
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("want success, got %v", err)
			case tc.want != "" && (!errors.As(err, &ce) || ce.Code != tc.want):
				t.Fatalf("want conflict %s, got %v", tc.want, err)
			}
		})
	}
}

func TestCompleteAfterStartAndCancelledIsFrozen(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	now := fixedNow
	s := NewWebinars(db, func() time.Time { return now }, "sinau.test")
	w, err := s.Create(ctx, newOrganizer(t, db), validFields())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetStatus(ctx, w.ID, models.StatusPublished); err != nil {
		t.Fatal(err)
	}
	now = w.StartsAt.Add(time.Hour)
	done, err := s.SetStatus(ctx, w.ID, models.StatusCompleted)
	if err != nil || done.Status != models.StatusCompleted {
		t.Fatalf("complete: %v %v", done, err)
	}
	var ce *ConflictError
	if _, err := s.Update(ctx, w.ID, validFields()); !errors.As(err, &ce) || ce.Code != "webinar_closed" {
		t.Errorf("editing a completed webinar: %v", err)
	}
}

func TestUpdateRaisesSequenceOnlyForCalendarChanges(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	s := NewWebinars(db, clock, "sinau.test")
	w, err := s.Create(ctx, newOrganizer(t, db), validFields())
	if err != nil {
		t.Fatal(err)
	}
	f := validFields()
	f.Capacity = 500
	w2, err := s.Update(ctx, w.ID, f)
	if err != nil || w2.Sequence != 0 || w2.Capacity != 500 {
		t.Fatalf("capacity change: seq=%d cap=%d err=%v", w2.Sequence, w2.Capacity, err)
	}
	f.StartsAt = f.StartsAt.Add(time.Hour)
	w3, err := s.Update(ctx, w.ID, f)
	if err != nil || w3.Sequence != 1 || !w3.EndsAt.Equal(w3.StartsAt.Add(180*time.Minute)) {
		t.Fatalf("time change: seq=%d err=%v", w3.Sequence, err)
	}
	f.Title = ""
	if _, err := s.Update(ctx, w.ID, f); err == nil {
		t.Fatal("want validation error")
	}
	w4, _ := s.Get(ctx, w.ID)
	if w4.Title != validFields().Title || !w4.StartsAt.Equal(w3.StartsAt) {
		t.Errorf("a refused update changed the webinar: %+v", w4)
	}
	if _, err := s.Update(ctx, 9999, validFields()); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("unknown id: %v", err)
	}
}

func TestListFilters(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	s := NewWebinars(db, clock, "sinau.test")
	org := newOrganizer(t, db)
	mk := func(title, regency, tz string, day int, pillars []string, publish bool) *models.Webinar {
		f := validFields()
		f.Title, f.RegencyCode, f.Timezone = title, regency, tz
		f.StartsAt = time.Date(2026, 12, day, 2, 0, 0, 0, time.UTC)
		w, err := s.Create(ctx, org, f)
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range pillars {
			if _, err := s.AddLineupEntry(ctx, w.ID, LineupInput{Role: models.RoleSpeaker, Pillar: p,
				Person: PersonInput{Name: title + " speaker " + string(rune('A'+i))}}); err != nil {
				t.Fatal(err)
			}
		}
		if publish {
			if _, err := s.SetStatus(ctx, w.ID, models.StatusPublished); err != nil {
				t.Fatal(err)
			}
		}
		return w
	}
	mk("Grobogan aman", "3315", "Asia/Jakarta", 7, []string{"safety", "ethics"}, true)
	mk("Makassar budaya", "7371", "Asia/Makassar", 10, []string{"culture"}, true)
	mk("Jayapura 100%_diskon", "9171", "Asia/Jayapura", 20, []string{"safety"}, true)
	mk("Draft Semarang", "3374", "Asia/Jakarta", 8, []string{"skills"}, false)

	published := []string{models.StatusPublished}
	from := time.Date(2026, 12, 9, 0, 0, 0, 0, time.UTC)
	to := time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		f    WebinarFilter
		want []string
	}{
		{"published", WebinarFilter{Statuses: published}, []string{"Grobogan aman", "Makassar budaya", "Jayapura 100%_diskon"}},
		{"all statuses", WebinarFilter{}, []string{"Grobogan aman", "Draft Semarang", "Makassar budaya", "Jayapura 100%_diskon"}},
		{"pillar", WebinarFilter{Statuses: published, Pillar: "safety"}, []string{"Grobogan aman", "Jayapura 100%_diskon"}},
		{"pillar on drafts only", WebinarFilter{Statuses: published, Pillar: "skills"}, nil},
		{"province", WebinarFilter{Statuses: published, ProvinceCode: "73"}, []string{"Makassar budaya"}},
		{"regency dotted", WebinarFilter{Statuses: published, RegencyCode: "91.71"}, []string{"Jayapura 100%_diskon"}},
		{"text, case-insensitive", WebinarFilter{Statuses: published, Query: "GROBOGAN"}, []string{"Grobogan aman"}},
		{"like wildcards are literal", WebinarFilter{Statuses: published, Query: "%_"}, []string{"Jayapura 100%_diskon"}},
		{"underscore alone", WebinarFilter{Statuses: published, Query: "_"}, []string{"Jayapura 100%_diskon"}},
		{"date range", WebinarFilter{Statuses: published, From: &from, To: &to}, []string{"Makassar budaya"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			list, total, err := s.List(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, w := range list {
				got = append(got, w.Title)
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") || total != int64(len(tc.want)) {
				t.Errorf("got %v (total %d), want %v", got, total, tc.want)
			}
		})
	}
	if _, _, err := s.List(ctx, WebinarFilter{Pillar: "nope"}); fieldsOf(t, err)["pillar"] != "unknown" {
		t.Errorf("unknown pillar filter: %v", err)
	}
	page2, total, err := s.List(ctx, WebinarFilter{Statuses: published, PerPage: 2, Page: 2})
	if err != nil || total != 3 || len(page2) != 1 || page2[0].Title != "Jayapura 100%_diskon" {
		t.Errorf("page 2: %d items, total %d, err %v", len(page2), total, err)
	}
}

func TestDuplicateCopiesLineupIntoDraft(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	s := NewWebinars(db, clock, "sinau.test")
	org := newOrganizer(t, db)
	w, _ := s.Create(ctx, org, validFields())
	for _, p := range models.Pillars {
		if _, err := s.AddLineupEntry(ctx, w.ID, LineupInput{Role: "speaker", Pillar: p, Person: PersonInput{Name: "Narasumber " + p, Email: p + "@example.org"}}); err != nil {
			t.Fatal(err)
		}
	}
	s.SetStatus(ctx, w.ID, models.StatusPublished)
	c, err := s.Duplicate(ctx, org, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.ID == w.ID || c.Slug == w.Slug || c.Status != models.StatusDraft || len(c.Lineup) != 4 {
		t.Fatalf("copy: id=%d slug=%s status=%s lineup=%d", c.ID, c.Slug, c.Status, len(c.Lineup))
	}
	if strings.Join(c.PillarCodes(), ",") != "ethics,skills,culture,safety" {
		t.Errorf("pillars %v", c.PillarCodes())
	}
	if n := count(t, db, &models.Person{}); n != 4 {
		t.Errorf("people duplicated: %d", n)
	}
}

func TestSlugify(t *testing.T) {
	cases := map[string]string{
		"Tiga Strategi: Era Digital!":      "tiga-strategi-era-digital",
		"  Café  Literasi — Kota Bandung ": "cafe-literasi-kota-bandung",
		"???":                              "webinar",
		strings.Repeat("kata ", 30):        "kata-kata-kata-kata-kata-kata-kata-kata-kata-kata-kata-kata",
	}
	for in, want := range cases {
		if got := Slugify(in, 60); got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
	}
}
