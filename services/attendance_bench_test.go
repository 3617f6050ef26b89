package services

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"sinau/models"
)

// bigReport writes a Zoom meeting report of n rows for people p0…p(k-1),
// a third of whom rejoin, and registers them all.
func bigReport(t testing.TB, db *models.DB, webinarID uint, n int) []byte {
	var b strings.Builder
	b.WriteString("Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest,Recording Consent,In Waiting Room\n")
	people := n * 3 / 4
	now := time.Now().UTC()
	tx := db.W.Begin()
	for i := range people {
		tx.Exec(`INSERT INTO registrations (webinar_id, token, status, name, email, answers, lang, source, consent_at, created_at, updated_at)
			VALUES (?, ?, 'registered', ?, ?, '{}', 'id', 'organizer', ?, ?, ?)`, webinarID, NewToken(), fmt.Sprintf("Peserta %d", i),
			fmt.Sprintf("p%d@example.org", i), now, now, now)
	}
	if err := tx.Commit().Error; err != nil {
		t.Fatal(err)
	}
	for i := range n {
		p := i % people
		start := 9*60 + i%30
		end := start + 30 + i%120
		fmt.Fprintf(&b, "Peserta %d,p%d@example.org,08/02/2021 %02d:%02d:00 AM,08/02/2021 %02d:%02d:00 %s,%d,Yes,Y,No\n", p, p,
			start/60, start%60, (end/60-1)%12+1, end%60, map[bool]string{true: "PM", false: "AM"}[end/60 >= 12], end-start)
	}
	return []byte(b.String())
}

// TestImport10kRowsFastEnough: a 10,000-row report, parsed, matched and
// written in one transaction, at 20,000 rows per second or more.
func TestImport10kRowsFastEnough(t *testing.T) {
	ctx := context.Background()
	db, w, s, _ := groboganEnv(t, aug2(t))
	data := bigReport(t, db, w.ID, 10000)
	start := time.Now()
	res, err := s.Import(ctx, &models.Organizer{ID: 1}, w.ID, "big.csv", data, nil, false, nil)
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 10000 || res.Matched != 7500 {
		t.Fatalf("rows %d matched %d", res.Rows, res.Matched)
	}
	rate := 10000 / took.Seconds()
	t.Logf("imported 10,000 rows in %v = %.0f rows/s (race detector: %v)", took, rate, raceEnabled)
	if !raceEnabled && rate < 20000 {
		t.Errorf("%.0f rows/s, want ≥ 20,000", rate)
	}
}

func BenchmarkImport10k(b *testing.B) {
	ctx := context.Background()
	for range b.N {
		b.StopTimer()
		db, w, s, _ := groboganEnv(&testing.T{}, aug2(&testing.T{}))
		data := bigReport(b, db, w.ID, 10000)
		b.StartTimer()
		if _, err := s.Import(ctx, &models.Organizer{ID: 1}, w.ID, "big.csv", data, nil, false, nil); err != nil {
			b.Fatal(err)
		}
	}
}
