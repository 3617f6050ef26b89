package i18n

import (
	"testing"
	"time"
)

func TestCatalogsLoadWithSameKeys(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if got := c.T(ID, "pillar.safety"); got != "Keamanan Digital" {
		t.Errorf("id pillar.safety = %q", got)
	}
	if got := c.T(EN, "pillar.safety"); got != "Digital Safety" {
		t.Errorf("en pillar.safety = %q", got)
	}
	if got := c.T(EN, "err.too_long", 200); got != "At most 200 characters." {
		t.Errorf("formatted = %q", got)
	}
	if got := c.T(ID, "no.such.key"); got != "no.such.key" {
		t.Errorf("unknown key = %q", got)
	}
}

func TestMessagesTranslatedWhereTheLanguageIsKnown(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	line := M("attendance.err.line", 3, M("attendance.field.join_time"), "kemarin", M("attendance.err.bad_duration"))
	cases := []struct {
		lang string
		args []any
		want string
	}{
		{ID, []any{M("attendance.err.empty")}, "File ini kosong."},
		{EN, []any{M("attendance.err.empty")}, "The file is empty."},
		{ID, []any{List{line, M("attendance.err.empty")}}, `Baris 3, waktu masuk "kemarin": bukan lama waktu (mis. 83, 1 hr 23 min atau 01:23:45). File ini kosong.`},
		{EN, []any{List{line}}, `Line 3, join time "kemarin": not a duration (e.g. 83, 1 hr 23 min or 01:23:45).`},
		{EN, []any{"plain"}, "plain"},
	}
	for _, tc := range cases {
		if got := c.T(tc.lang, "err.report", tc.args...); got != tc.want {
			t.Errorf("%s %v = %q, want %q", tc.lang, tc.args, got, tc.want)
		}
	}
}

func TestPick(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ cookie, header, want string }{
		{"", "", ID},
		{"", "en-US,en;q=0.9", EN},
		{"", "id-ID,id;q=0.9,en;q=0.8", ID},
		{"", "fr-FR", ID},
		{"", "fr-FR,en;q=0.5", EN},
		{"id", "en-US", ID},
		{"en", "id", EN},
		{"xx", "en", EN},
		{"", ";;;garbage", ID},
	}
	for _, tc := range cases {
		if got := c.Pick(tc.cookie, tc.header); got != tc.want {
			t.Errorf("Pick(%q, %q) = %q, want %q", tc.cookie, tc.header, got, tc.want)
		}
	}
}

func TestRangeInEachZone(t *testing.T) {
	start := time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC) // 09.00 WIB
	end := start.Add(3 * time.Hour)
	cases := []struct {
		lang, zone, label, want string
	}{
		{ID, "Asia/Jakarta", "WIB", "Senin, 7 Desember 2026 · 09.00–12.00 WIB"},
		{EN, "Asia/Jakarta", "WIB", "Monday, 7 December 2026 · 09:00–12:00 WIB"},
		{ID, "Asia/Makassar", "WITA", "Senin, 7 Desember 2026 · 10.00–13.00 WITA"},
		{ID, "Asia/Jayapura", "WIT", "Senin, 7 Desember 2026 · 11.00–14.00 WIT"},
	}
	for _, tc := range cases {
		loc, err := time.LoadLocation(tc.zone)
		if err != nil {
			t.Fatal(err)
		}
		if got := Range(tc.lang, start, end, loc, tc.label); got != tc.want {
			t.Errorf("%s %s: got %q, want %q", tc.lang, tc.zone, got, tc.want)
		}
	}
	loc, _ := time.LoadLocation("Asia/Jakarta")
	late := time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC) // 22.00 WIB
	if got := Range(ID, late, late.Add(3*time.Hour), loc, "WIB"); got != "Senin, 7 Desember 2026 · 22.00–01.00 (8 Des 2026) WIB" {
		t.Errorf("over midnight: %q", got)
	}
	if got := At(ID, start, loc, "WIB"); got != "Senin, 7 Desember 2026 pukul 09.00 WIB" {
		t.Errorf("At: %q", got)
	}
}

func TestDuration(t *testing.T) {
	cases := []struct {
		lang string
		d    time.Duration
		want string
	}{
		{ID, 72 * time.Hour, "3 hari"},
		{EN, 72 * time.Hour, "3 days"},
		{EN, 24 * time.Hour, "1 day"},
		{ID, 90 * time.Minute, "1 jam 30 menit"},
		{EN, 90 * time.Minute, "1 hour 30 minutes"},
		{EN, 26 * time.Hour, "1 day 2 hours"},
		{ID, 30 * time.Second, "kurang dari 1 menit"},
	}
	for _, tc := range cases {
		if got := Duration(tc.lang, tc.d); got != tc.want {
			t.Errorf("Duration(%s, %v) = %q, want %q", tc.lang, tc.d, got, tc.want)
		}
	}
}
