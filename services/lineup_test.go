package services

import (
	"context"
	"errors"
	"strings"
	"testing"

	"sinau/models"
)

func TestLineupRules(t *testing.T) {
	cases := []struct {
		name  string
		in    LineupInput
		field string
		code  string
	}{
		{"speaker needs pillar", LineupInput{Role: "speaker", Person: PersonInput{Name: "A"}}, "pillar", "required"},
		{"unknown pillar", LineupInput{Role: "speaker", Pillar: "finance", Person: PersonInput{Name: "A"}}, "pillar", "unknown"},
		{"moderator has no pillar", LineupInput{Role: "moderator", Pillar: "ethics", Person: PersonInput{Name: "A"}}, "pillar", "speaker_only"},
		{"unknown role", LineupInput{Role: "dj", Person: PersonInput{Name: "A"}}, "role", "unknown"},
		{"missing name", LineupInput{Role: "kol"}, "person.name", "required"},
		{"bad email", LineupInput{Role: "kol", Person: PersonInput{Name: "A", Email: "nope"}}, "person.email", "email"},
		{"long topic", LineupInput{Role: "kol", Topic: strings.Repeat("x", MaxTopic+1), Person: PersonInput{Name: "A"}}, "topic", "too_long"},
		{"unknown person id", LineupInput{Role: "kol", PersonID: 77}, "person_id", "unknown"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db := newDB(t)
			s := NewWebinars(db, clock, "sinau.test")
			w, err := s.Create(context.Background(), newOrganizer(t, db), validFields())
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.AddLineupEntry(context.Background(), w.ID, tc.in)
			if got := fieldsOf(t, err); got[tc.field] != tc.code {
				t.Errorf("fields %v, want %s=%s", got, tc.field, tc.code)
			}
			if n := count(t, db, &models.LineupEntry{}); n != 0 {
				t.Errorf("%d entries saved", n)
			}
			if n := count(t, db, &models.Person{}); n != 0 {
				t.Errorf("%d people saved", n)
			}
		})
	}
}

func TestLineupReusesPeopleByEmailAndReorders(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	s := NewWebinars(db, clock, "sinau.test")
	org := newOrganizer(t, db)
	w1, _ := s.Create(ctx, org, validFields())
	w2, _ := s.Create(ctx, org, validFields())
	a, err := s.AddLineupEntry(ctx, w1.ID, LineupInput{Role: "moderator", Person: PersonInput{Name: "Dannys Citra", Email: " Dannys@Example.org "}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.AddLineupEntry(ctx, w2.ID, LineupInput{Role: "speaker", Pillar: "skills", Person: PersonInput{Name: "Dannys C.", Email: "dannys@example.org"}})
	if err != nil {
		t.Fatal(err)
	}
	if a.PersonID != b.PersonID || a.Person.Email == nil || *a.Person.Email != "dannys@example.org" {
		t.Errorf("same email must be the same person: %d vs %d", a.PersonID, b.PersonID)
	}
	c, _ := s.AddLineupEntry(ctx, w1.ID, LineupInput{Role: "speaker", Pillar: "ethics", Person: PersonInput{Name: "B"}})
	d, _ := s.AddLineupEntry(ctx, w1.ID, LineupInput{Role: "kol", Person: PersonInput{Name: "C"}})
	if a.Position != 1 || c.Position != 2 || d.Position != 3 {
		t.Fatalf("positions %d %d %d", a.Position, c.Position, d.Position)
	}
	if err := s.MoveLineupEntry(ctx, w1.ID, d.ID, -1); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Get(ctx, w1.ID)
	var names []string
	for _, e := range got.Lineup {
		names = append(names, e.Person.Name)
	}
	if strings.Join(names, ",") != "Dannys Citra,C,B" {
		t.Errorf("order after move: %v", names)
	}
	if err := s.MoveLineupEntry(ctx, w2.ID, d.ID, -1); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("moving another webinar's entry: %v", err)
	}
	if err := s.RemoveLineupEntry(ctx, w2.ID, a.ID); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("removing another webinar's entry: %v", err)
	}
	if _, err := s.UpdateLineupEntry(ctx, w1.ID, c.ID, LineupInput{Role: "speaker", Pillar: "safety", Topic: "Keamanan"}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Get(ctx, w1.ID)
	if strings.Join(got.PillarCodes(), ",") != "safety" {
		t.Errorf("pillars after update: %v", got.PillarCodes())
	}
	if _, err := s.AddLineupEntry(ctx, 999, LineupInput{Role: "kol", Person: PersonInput{Name: "X"}}); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("unknown webinar: %v", err)
	}
}
