package services

import (
	"context"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"sinau/models"
)

func TestSeedDemoTwiceChangesNothing(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	first, err := SeedDemo(ctx, db, clock, bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if first.Created != len(demoWebinars) || first.Existing != 0 {
		t.Fatalf("first run: %+v", first)
	}
	counts := func() [5]int64 {
		return [5]int64{count(t, db, &models.Webinar{}), count(t, db, &models.LineupEntry{}), count(t, db, &models.Person{}),
			count(t, db, &models.Programme{}), count(t, db, &models.Organizer{})}
	}
	before := counts()
	second, err := SeedDemo(ctx, db, func() time.Time { return fixedNow.Add(48 * time.Hour) }, bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if second.Created != 0 || second.Existing != len(demoWebinars) || counts() != before {
		t.Fatalf("second run changed something: %+v %v → %v", second, before, counts())
	}
	w, err := NewWebinars(db, clock, "sinau.test").GetPublic(ctx, "demo-grobogan-pelayanan-publik")
	if err != nil {
		t.Fatal(err)
	}
	jkt, _ := time.LoadLocation("Asia/Jakarta")
	local := w.StartsAt.In(jkt)
	if local.Format("2006-01-02 15:04") != "2026-12-11 09:00" || w.Status != models.StatusPublished || len(w.PillarCodes()) != 4 {
		t.Errorf("Grobogan demo: %s status %s pillars %v", local, w.Status, w.PillarCodes())
	}
	if _, err := NewAccounts(db, clock, bcrypt.MinCost).Authenticate(ctx, DemoEmail, DemoPassword); err != nil {
		t.Errorf("demo login: %v", err)
	}
}
