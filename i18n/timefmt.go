package i18n

import (
	"fmt"
	"time"
)

var (
	idDays   = [...]string{"Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"}
	idMonths = [...]string{"Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"}
)

// Date writes the day and date, e.g. "Senin, 7 Desember 2026" or
// "Monday, 7 December 2026". t must already be in the zone to show.
func Date(lang string, t time.Time) string {
	if lang == EN {
		return t.Format("Monday, 2 January 2006")
	}
	return fmt.Sprintf("%s, %d %s %d", idDays[t.Weekday()], t.Day(), idMonths[t.Month()-1], t.Year())
}

// ShortDate writes "7 Des 2026" / "7 Dec 2026".
func ShortDate(lang string, t time.Time) string {
	if lang == EN {
		return t.Format("2 Jan 2006")
	}
	return fmt.Sprintf("%d %s %d", t.Day(), idMonths[t.Month()-1][:3], t.Year())
}

// Clock writes the time of day: Indonesian uses a dot ("09.00"), English a
// colon ("09:00").
func Clock(lang string, t time.Time) string {
	if lang == EN {
		return t.Format("15:04")
	}
	return t.Format("15.04")
}

// Range writes a session's date and times with its zone label, e.g.
// "Senin, 7 Desember 2026 · 09.00–12.00 WIB". start and end are converted to
// loc first; an end on a later day says so.
func Range(lang string, start, end time.Time, loc *time.Location, label string) string {
	s, e := start.In(loc), end.In(loc)
	out := fmt.Sprintf("%s · %s–%s", Date(lang, s), Clock(lang, s), Clock(lang, e))
	if y1, m1, d1 := s.Date(); true {
		if y2, m2, d2 := e.Date(); y1 != y2 || m1 != m2 || d1 != d2 {
			out += " (" + ShortDate(lang, e) + ")"
		}
	}
	return out + " " + label
}

// At writes one instant with its zone label, as mail does: "Senin, 7 Desember
// 2026 pukul 09.00 WIB" / "Monday, 7 December 2026 at 09:00 WIB".
func At(lang string, t time.Time, loc *time.Location, label string) string {
	l := t.In(loc)
	word := "pukul"
	if lang == EN {
		word = "at"
	}
	return fmt.Sprintf("%s %s %s %s", Date(lang, l), word, Clock(lang, l), label)
}
