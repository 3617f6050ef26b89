package attendance

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
	"unicode"
)

// Columns Parse knows. Each is found in a header through aliases.
const (
	fName = iota
	fFirst
	fLast
	fEmail
	fJoin
	fLeave
	fMinutes
	fAttended
	fGuest
	fWaiting
	nFields
)

// aliases maps header keys (see headerKey) to columns. Spellings differ
// between Zoom versions and exports, so they are listed rather than guessed.
var aliases = map[string]int{
	"nameoriginalname": fName, "usernameoriginalname": fName, "username": fName, "name": fName,
	"fullname": fName, "participantname": fName, "displayname": fName,
	"firstname": fFirst, "givenname": fFirst,
	"lastname": fLast, "surname": fLast, "familyname": fLast,
	"useremail": fEmail, "email": fEmail, "emailaddress": fEmail, "participantemail": fEmail,
	"jointime": fJoin, "timejoined": fJoin, "joinedat": fJoin, "firstjoined": fJoin,
	"leavetime": fLeave, "timeexited": fLeave, "timeleft": fLeave, "leftat": fLeave, "lastexited": fLeave,
	"timeinsessionminutes": fMinutes, "durationminutes": fMinutes, "totaldurationminutes": fMinutes,
	"timeinsession": fMinutes, "duration": fMinutes, "totalduration": fMinutes, "durationmins": fMinutes,
	"attended": fAttended,
	"isguest":  fGuest, "guest": fGuest,
	"inwaitingroom": fWaiting,
}

// headerKey is a header cell reduced to lower-case letters and digits, so
// "Time in Session (minutes)", " time in session(Minutes) " and a cell
// with a BOM compare equal.
func headerKey(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// table is a header: where each column is and what its rows are.
type table struct {
	idx    [nFields]int
	key    [nFields]string
	role   string
	format string
	// split "Display (Original)" names; only Zoom's "(Original Name)"
	// columns mean that, elsewhere parentheses are part of the name.
	splitOriginal bool
	skip          bool // a section this package does not read
}

func newTable(cells []string) table {
	var t table
	for i := range t.idx {
		t.idx[i] = -1
	}
	for i, c := range cells {
		k := headerKey(c)
		if f, ok := aliases[k]; ok && t.idx[f] < 0 {
			t.idx[f], t.key[f] = i, k
		}
	}
	t.splitOriginal = strings.Contains(t.key[fName], "originalname")
	t.format = t.detect()
	return t
}

func (t *table) hasPerson() bool {
	return t.idx[fName] >= 0 || t.idx[fEmail] >= 0 || t.idx[fFirst] >= 0
}

// detect names the report a header belongs to, or "". A generic
// "Name, Email, …" header is deliberately not taken for Zoom: only Zoom's
// own spellings are, so other tools' files go through a Mapping the
// organizer confirms.
func (t *table) detect() string {
	if !t.hasPerson() {
		return ""
	}
	// Every Zoom participant table has a name column; the meeting metadata
	// header ("Meeting ID, Topic, …, User Email, Duration (Minutes)") has
	// Zoom's email spelling but no name, and must not be taken for one.
	name, email := t.key[fName], t.key[fEmail]
	zoomish := name != "" && (strings.Contains(name, "originalname") || name == "username" || email == "useremail")
	switch {
	case t.idx[fAttended] >= 0 && t.idx[fName] >= 0 && t.idx[fJoin] >= 0:
		return FormatZoomWebinar
	case zoomish && t.idx[fJoin] >= 0:
		return FormatZoomMeeting
	case zoomish && t.idx[fMinutes] >= 0:
		return FormatZoomMeetingUnique
	case t.key[fJoin] == "timejoined" || t.key[fLeave] == "timeexited":
		return FormatGoogleMeet
	}
	return ""
}

// sectionTitle recognises the title lines of a Zoom webinar report ("Host
// Details", "Attendee Details,,,"). ok with an empty role is a section this
// package does not read.
func sectionTitle(cells []string) (role string, ok bool) {
	title, n := "", 0
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			n++
			title = c
		}
	}
	if n != 1 {
		return "", false
	}
	k := headerKey(title)
	switch {
	case strings.HasPrefix(k, "hostdetails"):
		return RoleHost, true
	case strings.HasPrefix(k, "panelistdetails"), strings.HasPrefix(k, "panelistsdetails"):
		return RolePanelist, true
	case strings.HasPrefix(k, "attendeedetails"), strings.HasPrefix(k, "attendeesdetails"), k == "otherattended":
		return RoleAttendee, true
	case strings.HasSuffix(k, "details"):
		return "", true
	}
	return "", false
}

func isMetaHeader(cells []string) bool {
	for _, c := range cells {
		switch headerKey(c) {
		case "topic", "meetingid", "webinarid":
			return true
		}
	}
	return false
}

// maxPreamble is how many unrecognised lines may come before a report's
// header (Zoom writes about four); past it the file is not a known report.
const maxPreamble = 30

// maxErrors caps the row errors collected: enough to fix a file in one go,
// few enough to read.
const maxErrors = 10

type parser struct {
	loc          *time.Location
	dayFirst     bool
	dayFirstHint bool // a slash date failed that would read day-first
	ordered      bool // a date was read with an order-dependent layout
	layouts      []layout
	last         int       // index of the layout that worked last
	date         time.Time // the session's date, for time-of-day values
	errs         []error
}

func newParser(loc *time.Location, dayFirst bool) *parser {
	p := &parser{loc: loc, dayFirst: dayFirst, layouts: layoutsMonthFirst}
	if dayFirst {
		p.layouts = layoutsDayFirst
	}
	return p
}

func (p *parser) fail(err error) {
	if len(p.errs) < maxErrors {
		p.errs = append(p.errs, err)
	}
}

func (p *parser) err() error {
	if len(p.errs) == 1 {
		return p.errs[0]
	}
	return errors.Join(p.errs...)
}

// Parse reads an attendance report. Times without a zone are read in loc
// (the webinar's zone unless the organizer picks another; nil means UTC).
// Numeric dates are month-first as Zoom writes them in US English, and
// day-first where that is the only reading that parses; when both parse
// (3/8/2021), the reading that starts nearer to near (the webinar's
// scheduled start) wins. A zero near keeps month-first.
// mapping is used only when the file is not a known report; with a nil
// mapping such a file gives an *UnknownFormatError (errors.Is
// ErrUnknownFormat) carrying its header, so a UI can offer a mapping step.
//
// Row problems are *LineError values; up to ten are returned together
// (errors.Join) so an organizer can fix a file in one pass. The caller
// limits the size of r.
func Parse(r io.Reader, loc *time.Location, mapping *Mapping, near time.Time) (*Report, error) {
	if loc == nil {
		loc = time.UTC
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("attendance: reading the report: %w", err)
	}
	text, err := decodeText(data)
	if err != nil {
		return nil, err
	}
	comma, ok := sniffDelimiter(text)
	if !ok {
		return nil, &NotCSVError{Reason: "table"}
	}
	recs, err := readRecords(text, comma)
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, ErrEmpty
	}
	p := newParser(loc, false)
	rep, err := p.parse(recs, mapping)
	if err != nil && p.dayFirstHint {
		// Zoom writes dates in the account's locale, so 13/08/2021 is a
		// day-first file; re-read it whole rather than mix the two orders.
		if rep2, err2 := newParser(loc, true).parse(recs, mapping); err2 == nil {
			return rep2, nil
		}
	}
	if err != nil {
		return nil, err
	}
	if p.ordered && !near.IsZero() {
		if rep2, err2 := newParser(loc, true).parse(recs, mapping); err2 == nil && distance(rep2, near) < distance(rep, near) {
			return rep2, nil
		}
	}
	return rep, nil
}

// distance is how far a report's start is from t; a report without times is
// as far as can be.
func distance(rep *Report, t time.Time) time.Duration {
	s := rep.Start()
	if s.IsZero() {
		return time.Duration(math.MaxInt64)
	}
	d := s.Sub(t)
	if d < 0 {
		d = -d
	}
	return d
}

func (p *parser) parse(recs []record, mapping *Mapping) (*Report, error) {
	rep := &Report{}
	var cur *table
	expectHeader, sectionRole, pre := false, "", 0
	for i := 0; i < len(recs); i++ {
		rec := recs[i]
		if role, ok := sectionTitle(rec.cells); ok {
			rep.Format = FormatZoomWebinar
			sectionRole, expectHeader, cur = role, true, nil
			continue
		}
		if expectHeader {
			t := newTable(rec.cells)
			t.role = sectionRole
			t.skip = sectionRole == "" || !t.hasPerson()
			cur, expectHeader = &t, false
			continue
		}
		if cur != nil {
			if !cur.skip {
				p.row(rep, cur, rec)
			}
			continue
		}
		if t := newTable(rec.cells); t.format != "" {
			t.role = RoleAttendee
			cur = &t
			if rep.Format == "" {
				rep.Format = t.format
			}
			continue
		}
		if isMetaHeader(rec.cells) && i+1 < len(recs) {
			next := recs[i+1].cells
			if _, title := sectionTitle(next); !title && newTable(next).format == "" {
				p.meta(rep, rec, recs[i+1])
				i++
				continue
			}
		}
		if pre++; pre > maxPreamble {
			break
		}
	}
	if rep.Format == "" {
		return p.generic(recs, mapping)
	}
	if len(p.errs) > 0 {
		return nil, p.err()
	}
	return rep, nil
}

// meta reads a metadata block: a header line and a values line.
func (p *parser) meta(rep *Report, hdr, vals record) {
	var start, actualStart, minutes, actualMinutes string
	for i, c := range hdr.cells {
		if i >= len(vals.cells) {
			break
		}
		v := strings.TrimSpace(vals.cells[i])
		switch headerKey(c) {
		case "topic":
			rep.Topic = v
		case "starttime":
			start = v
		case "actualstarttime":
			actualStart = v
		case "durationminutes", "duration":
			minutes = v
		case "actualdurationminutes":
			actualMinutes = v
		}
	}
	if actualStart == "" {
		actualStart = start
	}
	if actualMinutes == "" {
		actualMinutes = minutes
	}
	if !isNone(actualStart) {
		t, timeOnly, err := p.parseTime(actualStart)
		switch {
		case err != nil:
			p.fail(&LineError{Line: vals.line, Field: "start time", Value: actualStart, Err: err})
		case !timeOnly:
			rep.ActualStart = t
			p.date = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, p.loc)
		}
	}
	if m, err := parseMinutes(actualMinutes); err != nil {
		p.fail(&LineError{Line: vals.line, Field: "duration", Value: actualMinutes, Err: err})
	} else {
		rep.ActualMinutes = int(math.Round(m))
	}
}

// row reads one data line of a table.
func (p *parser) row(rep *Report, t *table, rec record) {
	cells := rec.cells
	get := func(f int) string {
		if i := t.idx[f]; i >= 0 && i < len(cells) {
			return strings.TrimSpace(cells[i])
		}
		return ""
	}
	r := Row{Line: rec.line, Role: t.role}
	r.Name = get(fName)
	if t.splitOriginal {
		r.Name, r.OriginalName = splitOriginal(r.Name)
	}
	if r.Name == "" {
		r.Name = strings.TrimSpace(get(fFirst) + " " + get(fLast))
	}
	r.Email = get(fEmail)
	joinS, leaveS, minS := get(fJoin), get(fLeave), get(fMinutes)
	if r.Name == "" && r.Email == "" && isNone(joinS) && isNone(minS) {
		return // filler or a totals line: nobody to record
	}
	r.Guest = yes(get(fGuest))
	r.WaitingRoom = yes(get(fWaiting))

	bad := len(p.errs)
	join, joinOnly := p.timeField(rec.line, "join time", joinS)
	leave, leaveOnly := p.timeField(rec.line, "leave time", leaveS)
	if joinOnly && leaveOnly && !join.IsZero() && leave.Before(join) {
		leave = leave.AddDate(0, 0, 1) // times of day across midnight
	}
	if m, err := parseMinutes(minS); err != nil {
		p.fail(&LineError{Line: rec.line, Field: "duration", Value: minS, Err: err})
	} else {
		r.Minutes = m
	}
	if !join.IsZero() && !leave.IsZero() && leave.Before(join) {
		p.fail(&LineError{Line: rec.line, Field: "leave time", Value: leaveS,
			Err: fmt.Errorf("%w: it is before the join time %q", ErrNegativeDuration, joinS)})
	}
	if len(p.errs) > bad {
		return
	}
	r.Join, r.Leave = join, leave
	r.Absent = no(get(fAttended)) || r.WaitingRoom || (t.idx[fJoin] >= 0 && isNone(joinS) && r.Minutes == 0)
	// Meet's report has one row per person: first join, last exit and the
	// total time in the call. When the two times span more than the total
	// (plus a minute of rounding) the person was away in between, and
	// using them as an interval would count that time.
	if t.format == FormatGoogleMeet && !join.IsZero() && !leave.IsZero() && r.Minutes > 0 &&
		leave.Sub(join).Minutes() > r.Minutes+1 {
		r.Span = Interval{Start: join, End: leave}
		r.Join, r.Leave = time.Time{}, time.Time{}
	}
	rep.Rows = append(rep.Rows, r)
}

// timeField reads a join or leave time. A time of day is placed on the
// session's date when the metadata gave one, and otherwise left zero: a
// guessed date would be worse than none.
func (p *parser) timeField(line int, field, v string) (t time.Time, timeOnly bool) {
	if isNone(v) {
		return time.Time{}, false
	}
	t, timeOnly, err := p.parseTime(v)
	if err != nil {
		p.fail(&LineError{Line: line, Field: field, Value: v, Err: err})
		return time.Time{}, false
	}
	if timeOnly {
		if p.date.IsZero() {
			return time.Time{}, true
		}
		t = time.Date(p.date.Year(), p.date.Month(), p.date.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), p.loc)
	}
	return t, timeOnly
}

// splitOriginal splits Zoom's "New Name (Original Name)". A name without a
// trailing parenthesis is returned whole.
func splitOriginal(s string) (name, original string) {
	if !strings.HasSuffix(s, ")") {
		return s, ""
	}
	open := strings.LastIndex(s, "(")
	if open <= 0 {
		return s, ""
	}
	name = strings.TrimSpace(s[:open])
	original = strings.TrimSpace(s[open+1 : len(s)-1])
	if name == "" || original == "" {
		return s, ""
	}
	return name, original
}

// generic reads a CSV that is not a known report, with the organizer's
// mapping. The header is the first line holding every mapped column, so
// a title line or two above it does no harm.
func (p *parser) generic(recs []record, m *Mapping) (*Report, error) {
	cand := 0
	for i := 0; i < len(recs) && i <= maxPreamble; i++ {
		if filled(recs[i].cells) >= 2 {
			cand = i
			break
		}
	}
	if m == nil {
		return nil, &UnknownFormatError{Line: recs[cand].line, Header: trimmed(recs[cand].cells)}
	}
	if strings.TrimSpace(m.Name) == "" && strings.TrimSpace(m.Email) == "" {
		return nil, fmt.Errorf("%w: the mapping must name the column with the name or the email", ErrMissingColumn)
	}
	for i := 0; i < len(recs) && i <= maxPreamble; i++ {
		t, missing := mappedTable(recs[i].cells, m)
		if len(missing) > 0 {
			continue
		}
		rep := &Report{Format: FormatCSV}
		for _, rec := range recs[i+1:] {
			p.row(rep, &t, rec)
		}
		if len(p.errs) > 0 {
			return nil, p.err()
		}
		return rep, nil
	}
	_, missing := mappedTable(recs[cand].cells, m)
	return nil, &UnknownFormatError{Line: recs[cand].line, Header: trimmed(recs[cand].cells), Missing: missing}
}

func mappedTable(cells []string, m *Mapping) (table, []string) {
	var t table
	for i := range t.idx {
		t.idx[i] = -1
	}
	t.role, t.format = RoleAttendee, FormatCSV
	var missing []string
	for _, want := range []struct {
		f   int
		col string
	}{{fName, m.Name}, {fEmail, m.Email}, {fJoin, m.Join}, {fLeave, m.Leave}, {fMinutes, m.Minutes}} {
		if strings.TrimSpace(want.col) == "" {
			continue
		}
		i := findColumn(cells, want.col)
		if i < 0 {
			missing = append(missing, want.col)
			continue
		}
		t.idx[want.f], t.key[want.f] = i, headerKey(cells[i])
	}
	t.splitOriginal = strings.Contains(t.key[fName], "originalname")
	return t, missing
}

// findColumn finds a header loosely; headers without letters or digits
// ("#") are compared as written.
func findColumn(cells []string, col string) int {
	k := headerKey(col)
	for i, c := range cells {
		if k != "" && headerKey(c) == k || k == "" && strings.TrimSpace(c) == strings.TrimSpace(col) {
			return i
		}
	}
	return -1
}

func filled(cells []string) int {
	n := 0
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			n++
		}
	}
	return n
}

func trimmed(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = strings.Trim(strings.TrimSpace(c), "\ufeff")
	}
	// Trailing empty cells are padding, not columns.
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}
