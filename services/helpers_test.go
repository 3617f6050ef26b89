package services

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"sinau/models"
)

// fixedNow is the clock of service tests: Friday 27 November 2026, 00:00 UTC.
var fixedNow = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)

func clock() time.Time { return fixedNow }

func newDB(t *testing.T) *models.DB {
	t.Helper()
	db, err := models.Open(context.Background(), filepath.Join(t.TempDir(), "sinau.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

func newOrganizer(t *testing.T, db *models.DB) *models.Organizer {
	t.Helper()
	o, err := NewAccounts(db, clock, bcrypt.MinCost).CreateFirstAdmin(context.Background(),
		OrganizerInput{Name: "Admin", Email: "admin@example.org", Password: "rahasia-sekali"})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func validFields() WebinarFields {
	jkt, _ := time.LoadLocation("Asia/Jakarta")
	return WebinarFields{
		Title: "Tiga strategi pelayanan publik", StartsAt: time.Date(2026, 12, 7, 9, 0, 0, 0, jkt), DurationMinutes: 180,
		Timezone: "Asia/Jakarta", RegencyCode: "3315", Audience: "general", Platform: "zoom",
		JoinURL: "https://zoom.us/j/1", Capacity: 300,
	}
}

// fieldsOf returns the field names of a *ValidationError, failing otherwise.
func fieldsOf(t *testing.T, err error) map[string]string {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want *ValidationError, got %v", err)
	}
	out := map[string]string{}
	for f, fe := range ve.Fields {
		out[f] = fe.Code
	}
	return out
}

func count(t *testing.T, db *models.DB, model any) int64 {
	t.Helper()
	var n int64
	if err := db.R.Model(model).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}
