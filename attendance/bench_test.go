package attendance

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"
)

// bigRows is the size of the generated report: a large webinar.
const bigRows = 10000

// genReport writes a Zoom webinar attendee report of exactly rows rows
// (host, two panelists and attendees) the way Zoom does: metadata, three
// sections, US dates, quoted cells. Attendees rejoin (2–3 rows), some join
// from two devices at once, some are guests without an email, some
// renamed themselves, some registered and did not come. It returns the
// text and the number of distinct people.
func genReport(rows int) (string, int) {
	rng := rand.New(rand.NewPCG(1, 2))
	first := []string{"Siti", "Budi", "Dewi", "Agus", "Rina", "Ahmad", "Eko", "Sri", "Joko", "Dédé", "Nur", "Putu", "Wayan", "Yohanes", "Fitri", "Rizki"}
	last := []string{"Rahayu", "Santoso", "Lestari", "Wibowo", "Kusuma", "Fauzi", "Prasetyo", "Wahyuni", "Susilo", "Suryani", "Hidayat", "Ma'ruf", "Saragih", "Nasution"}
	start := time.Date(2021, 8, 2, 8, 58, 12, 0, time.UTC)
	const layout = "01/02/2006 03:04:05 PM"
	var b strings.Builder
	b.WriteString("Attendee Report\nReport Generated:,\"08/02/2021 12:31 PM\"\n")
	b.WriteString("Topic,Webinar ID,Actual Start Time,Actual Duration (minutes),# Registered,# Cancelled,Unique Viewers,Total Users,Max Concurrent Views\n")
	fmt.Fprintf(&b, "\"Webinar besar\",\"912 3456 7890\",\"%s\",\"182\",\"9000\",\"10\",\"8000\",\"9990\",\"7000\"\n", start.Format(layout))
	b.WriteString("Host Details\nAttended,User Name (Original Name),Email,Join Time,Leave Time,Time in Session (minutes),Is Guest,Country/Region Name\n")
	fmt.Fprintf(&b, "\"Yes\",\"Host\",\"host@example.org\",\"%s\",\"%s\",\"183\",\"No\",\"Indonesia\"\n", start.Format(layout), start.Add(182*time.Minute).Format(layout))
	b.WriteString("Panelist Details\nAttended,User Name (Original Name),Email,Join Time,Leave Time,Time in Session (minutes),Is Guest,Country/Region Name\n")
	for i := range 2 {
		fmt.Fprintf(&b, "\"Yes\",\"Panelis %d\",\"panelis%d@example.org\",\"%s\",\"%s\",\"182\",\"Yes\",\"Indonesia\"\n", i, i, start.Format(layout), start.Add(182*time.Minute).Format(layout))
	}
	b.WriteString("Attendee Details,,,\nAttended,User Name (Original Name),First Name,Last Name,Email,Phone,Registration Time,Approval Status,Join Time,Leave Time,Time in Session (minutes),Is Guest,Country/Region Name\n")
	written, people := 3, 3
	for p := 0; written < rows; p++ {
		fn, ln := first[rng.IntN(len(first))], last[rng.IntN(len(last))]
		name := fmt.Sprintf("%s %s %d", fn, ln, p)
		email := fmt.Sprintf("%s.%s.%d@example.com", strings.ToLower(fn), strings.ToLower(ln), p)
		display := name
		switch rng.IntN(20) {
		case 0:
			email = "" // a guest who did not register with an email
		case 1:
			email = strings.ToUpper(email) + " "
		case 2:
			display = fmt.Sprintf("%s (HP) (%s)", fn, name)
		}
		reg := start.Add(-time.Duration(rng.IntN(5*24*60)) * time.Minute).Format(layout)
		people++
		if rng.IntN(10) == 0 && email != "" {
			fmt.Fprintf(&b, "\"No\",\"%s\",\"%s\",\"%s\",\"%s\",\"0812%08d\",\"%s\",\"approved\",\"--\",\"--\",\"--\",\"--\",\"--\"\n",
				display, fn, ln, email, p, reg)
			written++
			continue
		}
		n := 1 + rng.IntN(3)
		at := start.Add(time.Duration(rng.IntN(30)) * time.Minute)
		for k := 0; k < n && written < rows; k++ {
			stay := time.Duration(10+rng.IntN(60)) * time.Minute
			join, leave := at, at.Add(stay)
			fmt.Fprintf(&b, "\"Yes\",\"%s\",\"%s\",\"%s\",\"%s\",\"0812%08d\",\"%s\",\"approved\",\"%s\",\"%s\",\"%d\",\"Yes\",\"Indonesia\"\n",
				display, fn, ln, email, p, reg, join.Format(layout), leave.Format(layout), int(stay.Minutes()))
			written++
			// Mostly a gap before the next row; sometimes a second device
			// joins before the first leaves.
			at = leave.Add(time.Duration(rng.IntN(10)-3) * time.Minute)
		}
	}
	return b.String(), people
}

var bigReport = sync.OnceValues(func() (string, int) { return genReport(bigRows) })

func TestGeneratedReport(t *testing.T) {
	text, people := bigReport()
	rep := mustParse(t, text, nil)
	if len(rep.Rows) != bigRows {
		t.Fatalf("rows = %d, want %d", len(rep.Rows), bigRows)
	}
	ps := People(rep)
	if len(ps) != people {
		t.Errorf("people = %d, want %d", len(ps), people)
	}
	for _, p := range ps {
		var sum float64
		for _, iv := range p.Intervals {
			sum += iv.End.Sub(iv.Start).Minutes()
		}
		if p.Minutes != sum || p.Minutes > 182+60*3 || (p.Absent && p.Minutes != 0) {
			t.Fatalf("person %+v", p)
		}
	}
}

// TestThroughput asserts that a 10,000-row report parses and merges at
// 20,000 rows/s or more. It takes the best of a few runs, so a busy
// machine does not fail it by accident, and is skipped under the race
// detector, which makes code about ten times slower.
func TestThroughput(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	text, _ := bigReport()
	best := time.Duration(1<<63 - 1)
	for range 5 {
		began := time.Now()
		rep, err := Parse(strings.NewReader(text), jakarta, nil, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		People(rep)
		best = min(best, time.Since(began))
	}
	rate := float64(bigRows) / best.Seconds()
	t.Logf("parse+People of %d rows: best %v, %.0f rows/s (race detector: %v)", bigRows, best, rate, raceEnabled)
	if raceEnabled {
		t.Skip("throughput is not measured under the race detector")
	}
	if rate < 20000 {
		t.Errorf("%.0f rows/s, want at least 20,000", rate)
	}
}

func BenchmarkParse10k(b *testing.B) {
	text, _ := bigReport()
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n++
		rep, err := Parse(strings.NewReader(text), jakarta, nil, time.Time{})
		if err != nil {
			b.Fatal(err)
		}
		People(rep)
	}
	b.ReportMetric(float64(bigRows*n)/b.Elapsed().Seconds(), "rows/s")
}
