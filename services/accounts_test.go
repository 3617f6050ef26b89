package services

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"sinau/models"
)

func TestFirstAdminOnlyOnce(t *testing.T) {
	db := newDB(t)
	a := NewAccounts(db, clock, bcrypt.MinCost)
	var wg sync.WaitGroup
	errs := make([]error, 5)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, errs[i] = a.CreateFirstAdmin(context.Background(), OrganizerInput{Name: "A", Email: "a" + string(rune('0'+i)) + "@example.org", Password: "rahasia-sekali"})
		}(i)
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if !errors.Is(err, ErrSetupClosed) {
			t.Errorf("unexpected error %v", err)
		}
	}
	if ok != 1 || count(t, db, &models.Organizer{}) != 1 {
		t.Errorf("%d first admins created", ok)
	}
}

func TestAuthenticateAndSessions(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	now := fixedNow
	a := NewAccounts(db, func() time.Time { return now }, bcrypt.MinCost)
	admin := newOrganizer(t, db)
	if _, err := a.Authenticate(ctx, " ADMIN@example.org ", "rahasia-sekali"); err != nil {
		t.Fatalf("email must match case-insensitively: %v", err)
	}
	for _, tc := range []struct{ email, pw string }{{"admin@example.org", "wrong"}, {"nobody@example.org", "rahasia-sekali"}} {
		if _, err := a.Authenticate(ctx, tc.email, tc.pw); !errors.Is(err, ErrBadCredentials) {
			t.Errorf("%s/%s: %v", tc.email, tc.pw, err)
		}
	}
	token, err := a.StartSession(ctx, admin.ID)
	if err != nil || len(token) < 43 {
		t.Fatalf("token %q err %v", token, err)
	}
	var stored models.WebSession
	db.R.First(&stored)
	if stored.TokenHash == token {
		t.Fatal("session token stored in clear")
	}
	if o, err := a.SessionOrganizer(ctx, token); err != nil || o.ID != admin.ID {
		t.Fatalf("session lookup: %v", err)
	}
	now = now.Add(SessionLifetime + time.Minute)
	if _, err := a.SessionOrganizer(ctx, token); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("expired session still valid: %v", err)
	}
	if err := a.PurgeExpiredSessions(ctx); err != nil || count(t, db, &models.WebSession{}) != 0 {
		t.Errorf("purge: %v", err)
	}
}

func TestDeactivatedOrganizerLosesAccess(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	a := NewAccounts(db, clock, bcrypt.MinCost)
	admin := newOrganizer(t, db)
	o, err := a.CreateOrganizer(ctx, admin, OrganizerInput{Name: "Org", Email: "org@example.org", Password: "rahasia-juga-1", Role: models.RoleOrganizer})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateOrganizer(ctx, o, OrganizerInput{Name: "X", Email: "x@example.org", Password: "rahasia-juga-1", Role: "admin"}); !errors.Is(err, ErrForbidden) {
		t.Errorf("organizer created an account: %v", err)
	}
	if _, err := a.CreateOrganizer(ctx, admin, OrganizerInput{Name: "Dup", Email: "ORG@example.org", Password: "rahasia-juga-1", Role: "organizer"}); fieldsOf(t, err)["email"] != "taken" {
		t.Errorf("duplicate email: %v", err)
	}
	session, _ := a.StartSession(ctx, o.ID)
	token, _, err := a.IssueAPIToken(ctx, "org@example.org", "rahasia-juga-1", "ci")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.UpdateOrganizer(ctx, admin, o.ID, "Org", models.RoleOrganizer, false); err != nil {
		t.Fatal(err)
	}
	if _, err := a.SessionOrganizer(ctx, session); err == nil {
		t.Error("session of a deactivated account still works")
	}
	if _, _, err := a.TokenOrganizer(ctx, token); err == nil {
		t.Error("API token of a deactivated account still works")
	}
	if _, err := a.Authenticate(ctx, "org@example.org", "rahasia-juga-1"); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("deactivated login: %v", err)
	}
	if err := a.UpdateOrganizer(ctx, admin, admin.ID, "Admin", models.RoleOrganizer, true); fieldsOf(t, err)["role"] != "self_demote" {
		t.Errorf("self demotion: %v", err)
	}
}

func TestAPITokensAreHashedAndRevocable(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	a := NewAccounts(db, clock, bcrypt.MinCost)
	admin := newOrganizer(t, db)
	token, rec, err := a.IssueAPIToken(ctx, "admin@example.org", "rahasia-sekali", "integrasi")
	if err != nil {
		t.Fatal(err)
	}
	if rec.TokenHash == token || rec.TokenHash != HashToken(token) {
		t.Fatal("token must be stored as its hash")
	}
	if o, _, err := a.TokenOrganizer(ctx, token); err != nil || o.ID != admin.ID {
		t.Fatalf("lookup: %v", err)
	}
	if err := a.RevokeAPIToken(ctx, admin.ID+1, rec.ID); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("someone else revoked it: %v", err)
	}
	if err := a.RevokeAPIToken(ctx, admin.ID, rec.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.TokenOrganizer(ctx, token); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("revoked token works: %v", err)
	}
	if _, _, err := a.IssueAPIToken(ctx, "admin@example.org", "salah", ""); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("bad password: %v", err)
	}
}

func TestChangePassword(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	a := NewAccounts(db, clock, bcrypt.MinCost)
	admin := newOrganizer(t, db)
	if err := a.ChangePassword(ctx, admin, "salah", "kata-sandi-baru"); fieldsOf(t, err)["current_password"] != "wrong_password" {
		t.Errorf("wrong current: %v", err)
	}
	if err := a.ChangePassword(ctx, admin, "rahasia-sekali", "pendek"); fieldsOf(t, err)["password"] != "password_short" {
		t.Errorf("short: %v", err)
	}
	session, _ := a.StartSession(ctx, admin.ID)
	if err := a.ChangePassword(ctx, admin, "rahasia-sekali", "kata-sandi-baru"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate(ctx, admin.Email, "kata-sandi-baru"); err != nil {
		t.Errorf("new password: %v", err)
	}
	if _, err := a.SessionOrganizer(ctx, session); err == nil {
		t.Error("old sessions must end with a password change")
	}
}
