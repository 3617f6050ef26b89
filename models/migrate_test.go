package models

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// TestUpgradeFromEarlierVersion builds a database as the first release
// would have, then opens it with the current code: the pending migrations
// run, the old rows survive, and a second open changes nothing.
func TestUpgradeFromEarlierVersion(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	old, err := openPools(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := Migrate(ctx, old.W, Migrations[:1]); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if err := old.W.Exec(`INSERT INTO organizers (email, name, password_hash, role, active, created_at, updated_at)
		VALUES ('lama@example.org', 'Lama', 'x', 'admin', 1, ?, ?)`, now, now).Error; err != nil {
		t.Fatal(err)
	}
	old.Close()

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := AppliedMigrations(ctx, db.R)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != len(Migrations) || ids[len(ids)-1] != Migrations[len(Migrations)-1].ID {
		t.Fatalf("applied %v, want all %d", ids, len(Migrations))
	}
	var o Organizer
	if err := db.R.Where("email = ?", "lama@example.org").First(&o).Error; err != nil {
		t.Fatalf("old row lost: %v", err)
	}
	if err := db.W.Create(&Programme{Slug: "p", Name: "P"}).Error; err != nil {
		t.Fatalf("new table unusable: %v", err)
	}
	db.Close()

	again, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("second open: %v", err)
	}
	defer again.Close()
	ids2, _ := AppliedMigrations(ctx, again.R)
	if len(ids2) != len(ids) {
		t.Errorf("second open re-ran migrations: %v", ids2)
	}
}

func TestReadPoolIsReadOnly(t *testing.T) {
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "ro.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.R.Create(&Programme{Slug: "x", Name: "X"}).Error; err == nil {
		t.Fatal("write through the read pool succeeded")
	}
}

func TestFailedMigrationLeavesNoTrace(t *testing.T) {
	ctx := context.Background()
	db, err := openPools(filepath.Join(t.TempDir(), "bad.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	bad := []Migration{{ID: "9999_bad", Statements: []string{`CREATE TABLE half (id INTEGER)`, `NOT SQL`}}}
	if err := Migrate(ctx, db.W, bad); err == nil {
		t.Fatal("want an error")
	}
	var n int64
	db.R.Raw(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'half'`).Scan(&n)
	ids, _ := AppliedMigrations(ctx, db.R)
	if n != 0 || len(ids) != 0 {
		t.Errorf("half-applied migration: table=%d recorded=%v", n, ids)
	}
}
