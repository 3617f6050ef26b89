package services

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"sinau/models"
)

func publishedWebinar(t *testing.T, db *models.DB, capacity int) *models.Webinar {
	t.Helper()
	s := NewWebinars(db, clock, "sinau.test")
	f := validFields()
	f.Capacity = capacity
	w, err := s.Create(context.Background(), newOrganizer(t, db), f)
	if err != nil {
		t.Fatal(err)
	}
	if w, err = s.SetStatus(context.Background(), w.ID, models.StatusPublished); err != nil {
		t.Fatal(err)
	}
	return w
}

func person(i int) RegistrationInput {
	return RegistrationInput{Name: fmt.Sprintf("Peserta %d", i), Email: fmt.Sprintf("peserta%d@example.org", i),
		Phone: fmt.Sprintf("0812%08d", 10000000+i), RegencyCode: "3315", Consent: true}
}

func mailKinds(t *testing.T, db *models.DB) map[string]int {
	t.Helper()
	var rows []struct {
		Kind string
		N    int
	}
	if err := db.R.Raw(`SELECT kind, COUNT(*) AS n FROM mail_messages GROUP BY kind`).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.Kind] = r.N
	}
	return out
}

// TestConcurrentRegistrationsNeverOverbook is the scenario: 500
// people register at once for 100 places.
func TestConcurrentRegistrationsNeverOverbook(t *testing.T) {
	db := newDB(t)
	w := publishedWebinar(t, db, 100)
	s := NewRegistrations(db, clock, "sinau.test")
	var wg sync.WaitGroup
	errs := make(chan error, 500)
	for i := range 500 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Register(context.Background(), w.ID, person(i)); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("register: %v", err)
	}
	c, err := s.CountsFor(context.Background(), w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Registered != 100 || c.Waitlisted != 400 {
		t.Fatalf("registered %d waitlisted %d", c.Registered, c.Waitlisted)
	}
	var seqs []int
	db.R.Model(&models.Registration{}).Where("status = ?", models.RegWaitlisted).Order("waitlist_seq").Pluck("waitlist_seq", &seqs)
	for i, s := range seqs {
		if s != i+1 {
			t.Fatalf("waitlist order has a gap or repeat at %d: %d", i, s)
		}
	}
	var got models.Webinar
	db.R.First(&got, w.ID)
	if got.RegisteredCount != 100 || got.WaitlistCount != 400 {
		t.Errorf("counters %d/%d", got.RegisteredCount, got.WaitlistCount)
	}
	if k := mailKinds(t, db); k[KindConfirmation] != 100 || k[KindWaitlisted] != 400 {
		t.Errorf("queued mail %v", k)
	}
}

func TestRegistrationRejectsBadInputAndQueuesNothing(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name  string
		edit  func(*RegistrationInput)
		field string
		code  string
	}{
		{"bad email", func(in *RegistrationInput) { in.Email = "siti@" }, "email", "email"},
		{"no consent", func(in *RegistrationInput) { in.Consent = false }, "consent", "consent"},
		{"required answer missing", func(in *RegistrationInput) { delete(in.Answers, "1") }, "answers.1", "required"},
		{"answer not a choice", func(in *RegistrationInput) { in.Answers["2"] = "Mars" }, "answers.2", "choice"},
		{"multiple with stranger", func(in *RegistrationInput) { in.Answers["3"] = []any{"Instagram", "Radio gelap"} }, "answers.3", "choice"},
		{"unknown question", func(in *RegistrationInput) { in.Answers["99"] = "x" }, "answers.99", "unknown_question"},
		{"phone letters", func(in *RegistrationInput) { in.Phone = "0812-ABCD" }, "phone", "phone"},
		{"phone too short", func(in *RegistrationInput) { in.Phone = "0812" }, "phone", "phone"},
		{"phone missing", func(in *RegistrationInput) { in.Phone = "" }, "phone", "required"},
		{"unknown regency", func(in *RegistrationInput) { in.RegencyCode = "9999" }, "regency_code", "unknown"},
		{"long name", func(in *RegistrationInput) { in.Name = strings.Repeat("n", MaxName+1) }, "name", "too_long"},
		{"long answer", func(in *RegistrationInput) { in.Answers["1"] = strings.Repeat("a", MaxAnswer+1) }, "answers.1", "too_long"},
		{"bad gender", func(in *RegistrationInput) { in.Gender = "robot" }, "gender", "unknown"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db := newDB(t)
			w := publishedWebinar(t, db, 10)
			ch := NewChannels(db, clock)
			for _, q := range []QuestionInput{{Kind: "text", Label: "Asal sekolah", Required: true},
				{Kind: "single", Label: "Kelas", Choices: []string{"X", "XI", "XII"}},
				{Kind: "multiple", Label: "Tahu dari", Choices: []string{"Instagram", "WhatsApp"}}} {
				if _, err := ch.AddQuestion(ctx, w.ID, q); err != nil {
					t.Fatal(err)
				}
			}
			in := person(1)
			in.Answers = map[string]any{"1": "SMA 1", "2": "XI", "3": []any{"Instagram"}}
			tc.edit(&in)
			_, err := NewRegistrations(db, clock, "sinau.test").Register(ctx, w.ID, in)
			if got := fieldsOf(t, err); got[tc.field] != tc.code {
				t.Errorf("fields %v, want %s=%s", got, tc.field, tc.code)
			}
			if n := count(t, db, &models.Registration{}); n != 0 {
				t.Errorf("%d registrations stored", n)
			}
			if n := count(t, db, &models.MailMessage{}); n != 0 {
				t.Errorf("%d messages queued", n)
			}
		})
	}
}

func TestRegistrationClosedStates(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	now := fixedNow
	clk := func() time.Time { return now }
	ws := NewWebinars(db, clk, "sinau.test")
	s := NewRegistrations(db, clk, "sinau.test")
	draft, _ := ws.Create(ctx, newOrganizer(t, db), validFields())
	if _, err := s.Register(ctx, draft.ID, person(1)); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("draft: %v", err)
	}
	if _, err := s.Register(ctx, 999, person(1)); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("unknown: %v", err)
	}
	pub, _ := ws.Create(ctx, &models.Organizer{ID: 1}, validFields())
	ws.SetStatus(ctx, pub.ID, models.StatusPublished)
	deadline := pub.StartsAt.Add(-24 * time.Hour)
	if err := NewChannels(db, clk).SetForm(ctx, pub.ID, DefaultFormConfig(), &deadline); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Register(ctx, pub.ID, person(1)); err != nil {
		t.Fatalf("before deadline: %v", err)
	}
	now = deadline.Add(time.Minute)
	if _, err := s.Register(ctx, pub.ID, person(2)); !errors.Is(err, ErrRegistrationClosed) {
		t.Errorf("after deadline: %v", err)
	}
	now = fixedNow
	ws.SetStatus(ctx, pub.ID, models.StatusCancelled)
	if _, err := s.Register(ctx, pub.ID, person(3)); !errors.Is(err, ErrRegistrationClosed) {
		t.Errorf("cancelled: %v", err)
	}
	started, _ := ws.Create(ctx, &models.Organizer{ID: 1}, validFields())
	ws.SetStatus(ctx, started.ID, models.StatusPublished)
	now = started.StartsAt.Add(time.Second)
	if _, err := s.Register(ctx, started.ID, person(4)); !errors.Is(err, ErrRegistrationClosed) {
		t.Errorf("started: %v", err)
	}
	if n := count(t, db, &models.Registration{}); n != 1 {
		t.Errorf("%d registrations", n)
	}
}

func TestDuplicateEmailResendsLinkOnceAWhile(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	now := fixedNow
	s := NewRegistrations(db, func() time.Time { return now }, "sinau.test")
	w := publishedWebinar(t, db, 0)
	first, err := s.Register(ctx, w.ID, person(1))
	if err != nil || first.Already || first.Registration.Status != models.RegRegistered {
		t.Fatalf("first: %+v %v", first, err)
	}
	if len(first.Registration.Token) < 43 {
		t.Errorf("token %q is shorter than 256 bits", first.Registration.Token)
	}
	again := person(1)
	again.Email = "  PESERTA1@Example.org "
	again.Name = "Someone else"
	for range 3 {
		res, err := s.Register(ctx, w.ID, again)
		if err != nil || !res.Already {
			t.Fatalf("duplicate: %+v %v", res, err)
		}
	}
	if n := count(t, db, &models.Registration{}); n != 1 {
		t.Errorf("%d registrations", n)
	}
	if k := mailKinds(t, db); k[KindLinkResend] != 1 {
		t.Errorf("link mails within one window: %v", k)
	}
	now = now.Add(linkResendWindow)
	s.Register(ctx, w.ID, again)
	if k := mailKinds(t, db); k[KindLinkResend] != 2 {
		t.Errorf("link mails after the window: %v", k)
	}
	r, _ := s.Get(ctx, first.Registration.ID)
	if r.Name != "Peserta 1" {
		t.Error("a duplicate attempt changed the registration")
	}
}

func TestCancelPromotesFirstWaitlisted(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	s := NewRegistrations(db, clock, "sinau.test")
	w := publishedWebinar(t, db, 2)
	var regs []*models.Registration
	for i := range 5 {
		res, err := s.Register(ctx, w.ID, person(i))
		if err != nil {
			t.Fatal(err)
		}
		regs = append(regs, res.Registration)
		if i >= 2 && res.Position != i-1 {
			t.Errorf("person %d position %d", i, res.Position)
		}
	}
	if _, err := s.Cancel(ctx, regs[0].ID); err != nil {
		t.Fatal(err)
	}
	p2, _ := s.Get(ctx, regs[2].ID)
	p3, _ := s.Get(ctx, regs[3].ID)
	if p2.Status != models.RegRegistered || p2.PromotedAt == nil || p3.Status != models.RegWaitlisted {
		t.Fatalf("after cancel: p2 %s p3 %s", p2.Status, p3.Status)
	}
	if pos, _ := s.WaitlistPosition(ctx, p3); pos != 1 {
		t.Errorf("p3 position %d", pos)
	}
	k := mailKinds(t, db)
	if k[KindPromoted] != 1 || k[KindRegCancelled] != 1 {
		t.Errorf("mail %v", k)
	}
	if _, err := s.Cancel(ctx, regs[0].ID); err != nil {
		t.Errorf("second cancel: %v", err)
	}
	if k2 := mailKinds(t, db); k2[KindRegCancelled] != 1 {
		t.Error("cancelling twice sent a second mail")
	}
	// Raising the capacity moves the rest of the waitlist in, in order.
	f := FieldsOf(w)
	f.Capacity = 4
	if _, err := NewWebinars(db, clock, "sinau.test").Update(ctx, w.ID, f); err != nil {
		t.Fatal(err)
	}
	c, _ := s.CountsFor(ctx, w.ID)
	if c.Registered != 4 || c.Waitlisted != 0 || c.Cancelled != 1 {
		t.Errorf("after raise: %+v", c)
	}
	var cur models.Webinar
	db.R.First(&cur, w.ID)
	if cur.RegisteredCount != 4 || cur.WaitlistCount != 0 {
		t.Errorf("counters %d/%d", cur.RegisteredCount, cur.WaitlistCount)
	}
	// A cancelled person may come back under the same link.
	back, err := s.Register(ctx, w.ID, person(0))
	if err != nil || back.Registration.ID != regs[0].ID || back.Registration.Token != regs[0].Token || back.Registration.Status != models.RegWaitlisted {
		t.Fatalf("re-register: %+v %v", back, err)
	}
	if _, err := s.Promote(ctx, regs[0].ID); err == nil {
		t.Error("manual promotion into a full webinar")
	}
}

func TestChannelAttribution(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	w := publishedWebinar(t, db, 0)
	chs := NewChannels(db, clock)
	ig, err := chs.Create(ctx, w.ID, "Instagram Info Grobogan")
	if err != nil {
		t.Fatal(err)
	}
	office, _ := chs.Create(ctx, w.ID, "Dinas Kesehatan")
	s := NewRegistrations(db, clock, "sinau.test")
	for i := range 5 {
		in := person(i)
		in.Ref = ig.Code
		if i == 4 {
			in.Ref = office.Code
		}
		if _, err := s.Register(ctx, w.ID, in); err != nil {
			t.Fatal(err)
		}
	}
	bogus := person(9)
	bogus.Ref = "nonexistent"
	if _, err := s.Register(ctx, w.ID, bogus); err != nil {
		t.Fatalf("an unknown ref must not block registration: %v", err)
	}
	if _, err := chs.Follow(ctx, ig.Code); err != nil {
		t.Fatal(err)
	}
	list, err := chs.List(ctx, w.ID)
	if err != nil || len(list) != 2 || list[0].Name != "Instagram Info Grobogan" || list[0].Registrations != 4 || list[0].Clicks != 1 || list[1].Registrations != 1 {
		t.Fatalf("channels %+v %v", list, err)
	}
	_, total, _ := s.List(ctx, RegistrationFilter{WebinarID: w.ID, ChannelID: ig.ID})
	if total != 4 {
		t.Errorf("filter by channel: %d", total)
	}
}

func TestNormalizePhone(t *testing.T) {
	cases := map[string]string{
		"0812-3456-7890":    "+6281234567890",
		"0812 3456 7890":    "+6281234567890",
		"+62 812 3456 7890": "+6281234567890",
		"6281234567890":     "+6281234567890",
		"(021) 3456789":     "+62213456789",
		"+60 12-345 6789":   "+60123456789",
	}
	for in, want := range cases {
		if got, ok := NormalizePhone(in); !ok || got != want {
			t.Errorf("NormalizePhone(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "abc", "0812", "08123456789012345678", "0812-3456-789O", "+62 0"} {
		if got, ok := NormalizePhone(bad); ok {
			t.Errorf("NormalizePhone(%q) accepted as %q", bad, got)
		}
	}
}

func TestAnswerText(t *testing.T) {
	for _, tt := range []struct {
		v    any
		want string
	}{
		{"Guru", "Guru"},
		{[]any{"Etika", "Keamanan"}, "Etika; Keamanan"},
		{[]any{}, ""},
		{nil, ""},
		{3.0, ""},
	} {
		if got := AnswerText(tt.v, "; "); got != tt.want {
			t.Errorf("AnswerText(%#v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}
