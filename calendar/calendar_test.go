package calendar

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func sample() Event {
	start := time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)
	return Event{
		UID: "webinar-7@sinau.example.id", Sequence: 2, Start: start, End: start.Add(3 * time.Hour),
		Summary:     "Tiga strategi; interaksi, partisipasi \\ kolaborasi",
		Description: "Baris satu\nBaris dua dengan karakter Indonesia: é ü — " + strings.Repeat("panjang ", 20),
		Location:    "Zoom", URL: "https://sinau.example.id/registrations/abc", Stamp: start.Add(-72 * time.Hour),
	}
}

func TestICSShape(t *testing.T) {
	out := string(ICS(sample(), MethodPublish))
	for _, want := range []string{"BEGIN:VCALENDAR\r\n", "DTSTART:20261207T020000Z\r\n", "DTEND:20261207T050000Z\r\n",
		"SEQUENCE:2\r\n", `SUMMARY:Tiga strategi\; interaksi\, partisipasi \\ kolaborasi`, "UID:webinar-7@sinau.example.id\r\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	for _, l := range strings.Split(out, "\r\n") {
		if len(l) > 75 {
			t.Errorf("line over 75 octets: %q", l)
		}
		if !utf8.ValidString(l) {
			t.Errorf("fold split a character: %q", l)
		}
	}
	if c := string(ICS(sample(), MethodCancel)); !strings.Contains(c, "METHOD:CANCEL") || !strings.Contains(c, "STATUS:CANCELLED") {
		t.Error("cancel method")
	}
}

// TestICSParsesWithPythonIcalendar reads the file back with Debian's
// python3-icalendar, an independent RFC 5545 parser.
func TestICSParsesWithPythonIcalendar(t *testing.T) {
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import icalendar").Run(); err != nil {
		if os.Getenv("SINAU_TEST_REQUIRE") == "1" {
			t.Fatalf("python3-icalendar is needed: %v", err)
		}
		t.Skip("python3-icalendar not installed")
	}
	path := filepath.Join(t.TempDir(), "e.ics")
	e := sample()
	if err := os.WriteFile(path, ICS(e, MethodPublish), 0o600); err != nil {
		t.Fatal(err)
	}
	script := `
import sys, icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
ev = [c for c in cal.walk('VEVENT')][0]
print(ev.decoded('DTSTART').isoformat())
print(ev.decoded('DTEND').isoformat())
print(ev['UID'])
print(int(ev['SEQUENCE']))
print(str(ev['SUMMARY']))
print(str(ev['DESCRIPTION']).split('\n')[1][:20])
print(str(ev['URL']))
`
	out, err := exec.Command(py, "-c", script, path).CombinedOutput()
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, out)
	}
	got := strings.Split(strings.TrimSpace(string(out)), "\n")
	want := []string{"2026-12-07T02:00:00+00:00", "2026-12-07T05:00:00+00:00", e.UID, "2", e.Summary, "Baris dua dengan kar", e.URL}
	if len(got) != len(want) {
		t.Fatalf("got %q", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("field %d: got %q, want %q", i, got[i], want[i])
		}
	}
}

func TestGoogleURL(t *testing.T) {
	u := GoogleURL(sample())
	if !strings.Contains(u, "dates=20261207T020000Z%2F20261207T050000Z") || !strings.HasPrefix(u, "https://calendar.google.com/calendar/render?action=TEMPLATE") {
		t.Errorf("google url %s", u)
	}
}
