package attendance

import (
	"fmt"
	"slices"
	"time"
	"unicode/utf8"
)

// Interval is a stretch of time someone was in the session.
type Interval struct{ Start, End time.Time }

// Merge returns the intervals sorted and merged so none overlap or touch.
// Intervals whose End is not after their Start are dropped: they cover no
// time.
func Merge(ivs []Interval) []Interval {
	out := make([]Interval, 0, len(ivs))
	for _, iv := range ivs {
		if iv.End.After(iv.Start) {
			out = append(out, iv)
		}
	}
	slices.SortFunc(out, func(a, b Interval) int { return a.Start.Compare(b.Start) })
	n := 0
	for _, iv := range out {
		if n > 0 && !iv.Start.After(out[n-1].End) {
			if iv.End.After(out[n-1].End) {
				out[n-1].End = iv.End
			}
			continue
		}
		out[n] = iv
		n++
	}
	return out[:n]
}

// Union returns the total length covered by the intervals, overlaps counted
// once: someone on a laptop and a phone at the same time attended once.
func Union(ivs []Interval) time.Duration {
	var d time.Duration
	for _, iv := range Merge(ivs) {
		d += iv.End.Sub(iv.Start)
	}
	return d
}

// RowRef points at a row: the index of its report in the People call and
// its line in that report's file.
type RowRef struct{ Report, Line int }

// Person is everything the reports say about one person.
type Person struct {
	// Key groups rows: "email:" and the normalised email when the row has
	// one, else "name:" and the normalised name, else "row:report:line".
	// The prefixes keep an email and a name from ever colliding.
	Key   string
	Name  string   // the longest display name seen (renamed rows are often short)
	Names []string // every distinct display and original name, for matching
	Email string   // normalised, "" for guests without one
	Role  string   // the highest role seen: host, then panelist, then attendee
	// Intervals are the person's times in the session, merged (sorted,
	// no overlaps).
	Intervals []Interval
	// Minutes is the union of Intervals in minutes. Rows without times
	// (Zoom's unique-users variant, Meet rows with a Span) have only their
	// reported minutes, summed per report; Minutes is the largest of the
	// union and those sums, so two exports of one session never add up.
	Minutes float64
	Absent  bool     // every row is absent (or only waiting room)
	Lines   []int    // lines of the rows, in the order given
	Refs    []RowRef // the same rows with their report
}

var roleRank = map[string]int{RoleAttendee: 1, RolePanelist: 2, RoleHost: 3}

// People merges the rows of one or more reports of the same session (say a
// Zoom webinar report and the meeting report) into people, in order of
// first appearance. Rows are keyed by normalised email when they have one,
// else by normalised name. Identical rows from two reports (same person,
// same join and leave) count once, because minutes are a union of intervals.
// Absent and waiting-room rows add no minutes.
func People(reports ...*Report) []Person {
	type acc struct {
		Person
		raw      []Interval
		timeless map[int]float64 // reported minutes per report
		present  bool
		names    map[string]bool
	}
	byKey := map[string]*acc{}
	var order []*acc
	for ri, rep := range reports {
		if rep == nil {
			continue
		}
		for _, row := range rep.Rows {
			email := NormalizeEmail(row.Email)
			var key string
			if email != "" {
				key = "email:" + email
			} else if n := NormalizeName(row.Name); n != "" {
				key = "name:" + n
			} else {
				key = fmt.Sprintf("row:%d:%d", ri, row.Line)
			}
			a := byKey[key]
			if a == nil {
				a = &acc{Person: Person{Key: key, Email: email, Role: RoleAttendee}, names: map[string]bool{}}
				byKey[key] = a
				order = append(order, a)
			}
			a.Lines = append(a.Lines, row.Line)
			a.Refs = append(a.Refs, RowRef{Report: ri, Line: row.Line})
			for _, n := range []string{row.Name, row.OriginalName} {
				if n != "" && !a.names[n] {
					a.names[n] = true
					a.Names = append(a.Names, n)
				}
			}
			if utf8.RuneCountInString(row.Name) > utf8.RuneCountInString(a.Name) {
				a.Name = row.Name
			}
			if roleRank[row.Role] > roleRank[a.Role] {
				a.Role = row.Role
			}
			if row.Absent {
				continue
			}
			a.present = true
			if !row.Join.IsZero() && !row.Leave.IsZero() {
				a.raw = append(a.raw, Interval{Start: row.Join, End: row.Leave})
				continue
			}
			if row.Minutes > 0 {
				if a.timeless == nil {
					a.timeless = map[int]float64{}
				}
				a.timeless[ri] += row.Minutes
			}
		}
	}
	out := make([]Person, len(order))
	for i, a := range order {
		p := a.Person
		p.Intervals = Merge(a.raw)
		var d time.Duration
		for _, iv := range p.Intervals {
			d += iv.End.Sub(iv.Start)
		}
		p.Minutes = d.Minutes()
		for _, m := range a.timeless {
			p.Minutes = max(p.Minutes, m)
		}
		p.Absent = !a.present
		out[i] = p
	}
	return out
}
