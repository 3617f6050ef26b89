package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Migration is one schema step. Steps are written as SQL, never derived from
// the current structs, so that a database made by any earlier version
// upgrades through the same statements a new one runs.
type Migration struct {
	ID         string
	Statements []string
}

// Migrate applies, in order and each in its own transaction, the migrations
// not yet recorded in schema_migrations.
func Migrate(ctx context.Context, db *gorm.DB, migrations []Migration) error {
	if err := db.WithContext(ctx).Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
		id TEXT PRIMARY KEY,
		applied_at DATETIME NOT NULL)`).Error; err != nil {
		return fmt.Errorf("migrations table: %w", err)
	}
	var done []string
	if err := db.WithContext(ctx).Raw(`SELECT id FROM schema_migrations`).Scan(&done).Error; err != nil {
		return fmt.Errorf("read migrations: %w", err)
	}
	applied := make(map[string]bool, len(done))
	for _, id := range done {
		applied[id] = true
	}
	for _, m := range migrations {
		if applied[m.ID] {
			continue
		}
		err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			for _, stmt := range m.Statements {
				if err := tx.Exec(stmt).Error; err != nil {
					return err
				}
			}
			return tx.Exec(`INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)`, m.ID, time.Now().UTC()).Error
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.ID, err)
		}
	}
	return nil
}

// AppliedMigrations lists the recorded migration ids in order.
func AppliedMigrations(ctx context.Context, db *gorm.DB) ([]string, error) {
	var ids []string
	err := db.WithContext(ctx).Raw(`SELECT id FROM schema_migrations ORDER BY id`).Scan(&ids).Error
	return ids, err
}
