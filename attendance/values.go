package attendance

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// layout is a time layout to try, whether it reads only a time of day, and
// whether its date is numeric with day and month in an order a value alone
// cannot tell (3/8/2021).
type layout struct {
	s        string
	timeOnly bool
	ordered  bool
}

// clocks are the times of day seen in exports: Zoom's US 12-hour clock,
// 24-hour clocks, and the Indonesian locale's dots (09.01.33).
var clocks = []string{"3:04:05 PM", "3:04 PM", "3:04:05PM", "3:04PM", "15:04:05", "15:04", "15.04.05", "15.04"}

// buildLayouts lists every layout tried. Slash dates are month-first as
// Zoom writes them in US English; dayFirst is the order of most other
// locales (Indonesia included), used when the month-first reading fails.
// Commas are removed from values before parsing, so "Aug 2, 2021, 9:01 AM"
// needs no layouts of its own.
func buildLayouts(dayFirst bool) []layout {
	ordered := []string{"1/2/2006", "1/2/06", "1-2-2006"}
	if dayFirst {
		ordered = []string{"2/1/2006", "2/1/06", "2-1-2006"}
	}
	var out []layout
	for _, d := range ordered {
		for _, c := range clocks {
			out = append(out, layout{s: d + " " + c, ordered: true})
		}
	}
	dates := []string{"2006-1-2", "2006/1/2", "Jan 2 2006", "2 Jan 2006", "2-Jan-2006", "2-Jan-06",
		"January 2 2006", "2 January 2006", "Mon Jan 2 2006", "Mon 2 Jan 2006"}
	for _, d := range dates {
		for _, c := range clocks {
			out = append(out, layout{s: d + " " + c})
		}
	}
	for _, c := range []string{"15:04:05", "15:04"} {
		out = append(out, layout{s: "2006-1-2T" + c})
	}
	out = append(out, layout{s: time.RFC3339}, layout{s: "2006-01-02 15:04:05Z07:00"},
		layout{s: "2006-01-02 15:04:05 -0700"}, layout{s: "2006-01-02 15:04Z07:00"})
	for _, c := range clocks {
		out = append(out, layout{s: c, timeOnly: true})
	}
	return out
}

var (
	layoutsMonthFirst = buildLayouts(false)
	layoutsDayFirst   = buildLayouts(true)
)

// idMonths maps Indonesian month names and abbreviations that differ from
// English, for sheets exported in the Indonesian locale.
var idMonths = map[string]string{
	"JANUARI": "JAN", "FEBRUARI": "FEB", "MARET": "MAR", "MEI": "MAY", "JUNI": "JUN", "JULI": "JUL",
	"AGUSTUS": "AUG", "AGU": "AUG", "AGS": "AUG", "AGT": "AUG", "OKTOBER": "OCT", "OKT": "OCT",
	"DESEMBER": "DEC", "DES": "DEC",
}

// normTime prepares a value for time.Parse: upper case (Go's AM/PM match
// is case-sensitive, month names are not), no commas, single spaces,
// "a.m." as "AM", Indonesian month names in English.
func normTime(s string) string {
	if plainTime(s) {
		return s // Zoom's own values: no allocation on the hot path
	}
	s = strings.ToUpper(s)
	s = strings.ReplaceAll(s, ",", " ")
	s = strings.ReplaceAll(s, "A.M.", "AM")
	s = strings.ReplaceAll(s, "P.M.", "PM")
	f := strings.Fields(s)
	for i, w := range f {
		if en, ok := idMonths[w]; ok {
			f[i] = en
		}
	}
	return strings.Join(f, " ")
}

// plainTime reports a value normTime would not change: ASCII digits,
// upper-case letters other than month words, and single separators.
func plainTime(s string) bool {
	if s == "" || s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9', c == '/', c == ':', c == '-', c == '+':
		case c == 'A' || c == 'P' || c == 'M' || c == 'T' || c == 'Z':
		case c == ' ' && s[i-1] != ' ':
		default:
			return false
		}
	}
	return true
}

// isNone reports a cell that means "no value".
func isNone(s string) bool { return oneOf(s, "", "--", "-", "—", "n/a", "na") }

func yes(s string) bool { return oneOf(s, "yes", "y", "true", "1", "ya") }

func no(s string) bool { return oneOf(s, "no", "n", "false", "0", "tidak") }

// oneOf compares case-insensitively without allocating: it runs for
// several cells of every row.
func oneOf(s string, words ...string) bool {
	for _, w := range words {
		if strings.EqualFold(s, w) {
			return true
		}
	}
	return false
}

// parseTime reads a date and time in p.loc. It remembers the layout that
// worked last: a report uses one layout throughout, so after the first row
// each value costs one parse.
func (p *parser) parseTime(raw string) (t time.Time, timeOnly bool, err error) {
	v := normTime(raw)
	layouts := p.layouts
	if l := layouts[p.last]; l.s != "" {
		if t, err := time.ParseInLocation(l.s, v, p.loc); err == nil {
			p.ordered = p.ordered || l.ordered
			return t, l.timeOnly, nil
		}
	}
	for i, l := range layouts {
		if i == p.last {
			continue
		}
		if t, err := time.ParseInLocation(l.s, v, p.loc); err == nil {
			p.last = i
			p.ordered = p.ordered || l.ordered
			return t, l.timeOnly, nil
		}
	}
	if !p.dayFirst {
		if a, b, ok := slashPair(v); ok && a > 12 && b <= 12 {
			p.dayFirstHint = true
		}
	}
	return time.Time{}, false, ErrBadTime
}

// slashPair returns the first two numbers of a d/m or m/d date.
func slashPair(v string) (a, b int, ok bool) {
	parts := strings.SplitN(v, "/", 3)
	if len(parts) < 3 {
		return 0, 0, false
	}
	a, err1 := strconv.Atoi(parts[0])
	b, err2 := strconv.Atoi(parts[1])
	return a, b, err1 == nil && err2 == nil
}

// parseMinutes reads a duration as minutes: a plain number of minutes
// (Zoom, with a decimal point or, from Indonesian Excel, a decimal comma),
// h:mm:ss or h:mm, or number-unit pairs such as "1 hr 23 min", "1h23m" or
// "1 jam 23 menit". "--" and empty mean 0.
func parseMinutes(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if isNone(s) {
		return 0, nil
	}
	check := func(f float64) (float64, error) {
		switch {
		case math.IsNaN(f) || math.IsInf(f, 0):
			return 0, ErrBadDuration
		case f < 0:
			return 0, ErrNegativeDuration
		}
		return f, nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return check(f)
	}
	if strings.Count(s, ",") == 1 && !strings.Contains(s, ".") {
		if f, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64); err == nil {
			return check(f)
		}
	}
	if strings.Contains(s, ":") {
		return parseClockDuration(s)
	}
	return parseUnits(strings.ToLower(s))
}

func parseClockDuration(s string) (float64, error) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, ErrBadDuration
	}
	var n [3]float64
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || f < 0 || math.IsNaN(f) || math.IsInf(f, 0) || (i > 0 && f >= 60) {
			return 0, ErrBadDuration
		}
		n[i] = f
	}
	return n[0]*60 + n[1] + n[2]/60, nil
}

var unitMinutes = map[string]float64{
	"h": 60, "hr": 60, "hrs": 60, "hour": 60, "hours": 60, "jam": 60,
	"m": 1, "min": 1, "mins": 1, "minute": 1, "minutes": 1, "menit": 1, "mnt": 1,
	"s": 1.0 / 60, "sec": 1.0 / 60, "secs": 1.0 / 60, "second": 1.0 / 60, "seconds": 1.0 / 60,
	"detik": 1.0 / 60, "dtk": 1.0 / 60,
}

func parseUnits(s string) (float64, error) {
	total, parts, i := 0.0, 0, 0
	skip := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == ',' || s[i] == '\t') {
			i++
		}
	}
	for {
		skip()
		if i == len(s) {
			break
		}
		start := i
		for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
			i++
		}
		n, err := strconv.ParseFloat(s[start:i], 64)
		if err != nil {
			return 0, ErrBadDuration
		}
		skip()
		start = i
		for i < len(s) && s[i] >= 'a' && s[i] <= 'z' {
			i++
		}
		mult, ok := unitMinutes[s[start:i]]
		if !ok {
			return 0, ErrBadDuration
		}
		total += n * mult
		parts++
	}
	if parts == 0 {
		return 0, ErrBadDuration
	}
	return total, nil
}
