package services

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"sinau/attendance"
	"sinau/i18n"
	"sinau/models"
	"sinau/regions"
)

// Attendance turns meeting reports, attendance codes and door check-ins
// into who attended.
type Attendance struct {
	db  *models.DB
	now func() time.Time

	secretMu sync.Mutex
	secret   []byte
}

// NewAttendance builds the attendance service.
func NewAttendance(db *models.DB, now func() time.Time) *Attendance {
	return &Attendance{db: db, now: now}
}

// Suggestion is a registration an unmatched report row may belong to.
type Suggestion struct {
	RegistrationID uint    `json:"registration_id"`
	Name           string  `json:"name"`
	Email          string  `json:"email"`
	Score          float64 `json:"score"`
}

// Unmatched is a reportPerson in the reports no registration was found for.
type Unmatched struct {
	Key         string       `json:"key"`
	Name        string       `json:"name"`
	Email       string       `json:"email"`
	Minutes     float64      `json:"minutes"`
	Suggestions []Suggestion `json:"suggestions"`
}

// ImportResult sums up a webinar's attendance after an import.
type ImportResult struct {
	ReportID  uint        `json:"report_id"`
	Duplicate bool        `json:"duplicate"`
	Rows      int         `json:"rows"`
	People    int         `json:"people"`
	Matched   int         `json:"matched"`
	Speakers  int         `json:"speakers"`
	Unmatched []Unmatched `json:"unmatched"`
	WalkIns   []Unmatched `json:"walk_ins"`
	Attended  int         `json:"attended"`
	// Warnings are in no language yet: the caller translates them.
	Warnings []i18n.Msg `json:"-"`
}

// Decisions an organizer takes on an unmatched reportPerson.
const (
	DecisionConfirm = "confirmed"
	DecisionReject  = "rejected"
)

// suggestAt is the name similarity from which a registration is offered as
// a match for an unmatched reportPerson; below it the reportPerson is a walk-in.
const suggestAt = 0.6

// Import reads one report into a webinar's attendance in one transaction:
// either all of it counts or none. The same file imported twice changes
// nothing. A report whose dates do not fit the webinar is refused with its
// warnings unless force is set.
func (s *Attendance) Import(ctx context.Context, actor *models.Organizer, webinarID uint, filename string, data []byte, threshold *int, force bool, mapping *attendance.Mapping) (*ImportResult, error) {
	return s.ImportIn(ctx, actor, webinarID, filename, data, threshold, force, mapping, "")
}

// ImportIn is Import with the zone the report's times are written in, when
// it is not the webinar's (a report exported by someone in another zone).
func (s *Attendance) ImportIn(ctx context.Context, actor *models.Organizer, webinarID uint, filename string, data []byte, threshold *int, force bool, mapping *attendance.Mapping, zone string) (*ImportResult, error) {
	var w models.Webinar
	if err := s.db.R.WithContext(ctx).First(&w, webinarID).Error; err != nil {
		return nil, notFound(err)
	}
	loc := w.Location()
	if zone != "" {
		if !slices.Contains(ZoneNames(), zone) {
			return nil, Invalid("timezone", "unknown")
		}
		loc = models.Location(zone)
	}
	if threshold != nil && (*threshold < 1 || *threshold > 100) {
		return nil, Invalid("threshold_percent", "range", 1, 100)
	}
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	var dup int64
	if err := s.db.R.WithContext(ctx).Model(&models.AttendanceReport{}).Where("webinar_id = ? AND sha256 = ?", webinarID, hash).Count(&dup).Error; err != nil {
		return nil, err
	}
	if dup > 0 && threshold == nil {
		res, err := s.Summary(ctx, webinarID)
		if res != nil {
			res.Duplicate = true
		}
		return res, err
	}
	var rep *attendance.Report
	var warnings []i18n.Msg
	if dup == 0 {
		var err error
		rep, err = attendance.Parse(bytes.NewReader(data), loc, mapping, w.StartsAt)
		var uf *attendance.UnknownFormatError
		if errors.As(err, &uf) && len(uf.Header) > 0 {
			return nil, &NeedsMapping{Columns: uf.Header, Missing: uf.Missing}
		}
		if err != nil {
			return nil, Invalid("file", "report", reportProblems(err))
		}
		if warnings = reportWarnings(&w, rep); len(warnings) > 0 && !force {
			return nil, &ConflictError{Code: "report_mismatch", Details: warnings}
		}
	}
	var res *ImportResult
	err := s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := s.now()
		if threshold != nil {
			if err := tx.Exec(`UPDATE webinars SET attendance_threshold = ? WHERE id = ?`, *threshold, webinarID).Error; err != nil {
				return err
			}
		}
		var reportID uint
		if rep != nil {
			id, err := insertReport(tx, actor, &w, filename, hash, rep, now)
			if err != nil {
				return err
			}
			reportID = id
		}
		var err error
		res, err = s.recompute(tx, webinarID, now, true)
		if res != nil {
			res.ReportID, res.Duplicate = reportID, dup > 0
			if rep != nil {
				res.Rows = len(rep.Rows)
				if len(warnings) > 0 {
					res.Warnings = warnings
				}
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// NeedsMapping is a CSV that is no known report: the caller must say which
// of its columns hold the name, email, times and minutes.
type NeedsMapping struct {
	Columns []string
	Missing []string
}

func (e *NeedsMapping) Error() string { return "report needs a column mapping" }

// reportWarnings compares a report's dates with its webinar's.
func reportWarnings(w *models.Webinar, rep *attendance.Report) []i18n.Msg {
	loc := w.Location()
	var first, last time.Time
	for _, r := range rep.Rows {
		if !r.Join.IsZero() && (first.IsZero() || r.Join.Before(first)) {
			first = r.Join
		}
		if r.Leave.After(last) {
			last = r.Leave
		}
	}
	start := rep.Start()
	var out []i18n.Msg
	day := func(t time.Time) string { return t.In(loc).Format("2006-01-02") }
	if !start.IsZero() && day(start) != day(w.StartsAt) {
		out = append(out, i18n.M("attendance.warn.day", day(start), day(w.StartsAt)))
	}
	if !first.IsZero() && first.Before(w.StartsAt.Add(-6*time.Hour)) {
		out = append(out, i18n.M("attendance.warn.early", first.In(loc).Format("2006-01-02 15:04")))
	}
	if last.After(w.EndsAt.Add(6 * time.Hour)) {
		out = append(out, i18n.M("attendance.warn.late", last.In(loc).Format("2006-01-02 15:04")))
	}
	return out
}

// reportProblems says what is wrong with a report that cannot be read, one
// message per problem Parse found.
func reportProblems(err error) i18n.List {
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	out := make(i18n.List, 0, len(errs))
	for _, e := range errs {
		out = append(out, reportProblem(e))
	}
	return out
}

func reportProblem(err error) i18n.Msg {
	var le *attendance.LineError
	var nc *attendance.NotCSVError
	switch {
	case errors.As(err, &le):
		reason := "attendance.err.bad_time"
		switch {
		case errors.Is(le.Err, attendance.ErrNegativeDuration) && le.Field == "leave time":
			reason = "attendance.err.leave_before_join"
		case errors.Is(le.Err, attendance.ErrNegativeDuration):
			reason = "attendance.err.negative"
		case errors.Is(le.Err, attendance.ErrBadDuration):
			reason = "attendance.err.bad_duration"
		}
		return i18n.M("attendance.err.line", le.Line, i18n.M("attendance.field."+strings.ReplaceAll(le.Field, " ", "_")), le.Value, i18n.M(reason))
	case errors.As(err, &nc):
		return i18n.M("attendance.err.not_csv", i18n.M("attendance.not_csv."+nc.Reason))
	case errors.Is(err, attendance.ErrEmpty):
		return i18n.M("attendance.err.empty")
	case errors.Is(err, attendance.ErrMissingColumn):
		return i18n.M("attendance.err.mapping")
	}
	return i18n.M("attendance.err.other", err.Error())
}

// personKey groups a reportPerson's rows: by email when the report has one, by
// name otherwise.
func personKey(email, name string) string {
	if e := attendance.NormalizeEmail(email); e != "" {
		return "email:" + e
	}
	return "name:" + attendance.NormalizeName(name)
}

func insertReport(tx *gorm.DB, actor *models.Organizer, w *models.Webinar, filename, hash string, rep *attendance.Report, now time.Time) (uint, error) {
	r := models.AttendanceReport{WebinarID: w.ID, Sha256: hash, Filename: truncateRunes(filename, 255), Format: rep.Format,
		Rows: len(rep.Rows), ActualMinutes: rep.ActualMinutes, CreatedAt: now}
	if !rep.ActualStart.IsZero() {
		t := rep.ActualStart.UTC()
		r.ActualStart = &t
	}
	if actor != nil {
		r.ImportedByID = &actor.ID
	}
	if err := tx.Create(&r).Error; err != nil {
		return 0, err
	}
	sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
	if !ok {
		return 0, errors.New("import: no SQL transaction")
	}
	stmt, err := sqlTx.Prepare(`INSERT INTO attendance_sessions (report_id, webinar_id, line, role, person_key, name, email, join_at, leave_at, minutes, absent)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return 0, err
	}
	defer stmt.Close()
	for _, row := range rep.Rows {
		var join, leave any
		if !row.Join.IsZero() {
			join = row.Join.UTC()
		}
		if !row.Leave.IsZero() {
			leave = row.Leave.UTC()
		}
		if _, err := stmt.Exec(r.ID, w.ID, row.Line, row.Role, personKey(row.Email, row.Name), truncateRunes(row.Name, 200),
			truncateRunes(strings.TrimSpace(row.Email), 254), join, leave, row.Minutes, row.Absent); err != nil {
			return 0, err
		}
	}
	return r.ID, nil
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// reportPerson is everything the reports say about one key.
type reportPerson struct {
	key, name, email, role string
	intervals              []attendance.Interval
	reported               float64 // minutes of rows without times
	absent                 bool
}

func (p *reportPerson) minutes() float64 {
	if len(p.intervals) > 0 {
		return attendance.Union(p.intervals).Minutes()
	}
	return p.reported
}

type regRow struct {
	ID          uint
	Name        string
	Email       string
	Status      string
	Override    *string
	CheckedIn   bool
	CodeEntered bool
	// What is stored now, so only registrations whose attendance changed
	// are written.
	Minutes, Percent float64
	Attended         *bool
}

// recompute matches every reportPerson in the webinar's reports to registrations
// and writes the minutes, percent and attendance of each registration where
// they changed. Someone with evidence of attending (enough minutes, a
// check-in, a code where codes count) attended; someone without is absent
// only once the webinar's attendance is known — a report was imported or
// the organizer said it is complete (markKnown) — and unknown before: a
// code entered during the session must not make everyone else absent.
func (s *Attendance) recompute(tx *gorm.DB, webinarID uint, now time.Time, markKnown bool) (*ImportResult, error) {
	var w models.Webinar
	if err := tx.First(&w, webinarID).Error; err != nil {
		return nil, notFound(err)
	}
	known := markKnown || w.AttendanceKnownAt != nil
	people, err := loadPeople(tx, webinarID)
	if err != nil {
		return nil, err
	}
	var regs []regRow
	if err := tx.Raw(`SELECT id, name, email, status, attendance_override AS override, checked_in_at IS NOT NULL AS checked_in,
		code_entered_at IS NOT NULL AS code_entered, attended_minutes AS minutes, attended_percent AS percent, attended FROM registrations WHERE webinar_id = ? AND status <> ?`, webinarID, models.RegCancelled).
		Scan(&regs).Error; err != nil {
		return nil, err
	}
	var speakers []struct{ Name, Email string }
	if err := tx.Raw(`SELECT p.name, COALESCE(p.email, '') AS email FROM lineup_entries e JOIN people p ON p.id = e.person_id WHERE e.webinar_id = ?`, webinarID).
		Scan(&speakers).Error; err != nil {
		return nil, err
	}
	decisions := map[string]*uint{}
	rejected := map[string]bool{}
	rows, err := tx.Raw(`SELECT person_key, registration_id, decision FROM attendance_decisions WHERE webinar_id = ?`, webinarID).Rows()
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var key, decision string
		var rid sql.NullInt64
		if err := rows.Scan(&key, &rid, &decision); err != nil {
			rows.Close()
			return nil, err
		}
		if decision == DecisionReject {
			rejected[key] = true
		} else if rid.Valid {
			id := uint(rid.Int64)
			decisions[key] = &id
		}
	}
	rows.Close()

	byEmail := map[string]*regRow{}
	byName := map[string][]*regRow{}
	for i := range regs {
		r := &regs[i]
		byEmail[attendance.NormalizeEmail(r.Email)] = r
		n := attendance.NormalizeName(r.Name)
		byName[n] = append(byName[n], r)
	}
	speakerEmail, speakerName := map[string]bool{}, map[string]bool{}
	for _, sp := range speakers {
		if sp.Email != "" {
			speakerEmail[attendance.NormalizeEmail(sp.Email)] = true
		}
		speakerName[attendance.NormalizeName(sp.Name)] = true
	}

	res := &ImportResult{People: len(people), Unmatched: []Unmatched{}, WalkIns: []Unmatched{}, Warnings: []i18n.Msg{}}
	matched := map[uint][]*reportPerson{}
	taken := map[uint]bool{}
	var pending []*reportPerson
	// Pass 1: organizers' decisions and emails.
	for _, p := range people {
		if p.role == attendance.RoleHost || p.role == attendance.RolePanelist ||
			speakerEmail[attendance.NormalizeEmail(p.email)] || (p.email == "" && speakerName[attendance.NormalizeName(p.name)]) {
			res.Speakers++
			continue
		}
		if rid, ok := decisions[p.key]; ok {
			matched[*rid] = append(matched[*rid], p)
			taken[*rid] = true
			continue
		}
		if rejected[p.key] {
			continue
		}
		if r, ok := byEmail[attendance.NormalizeEmail(p.email)]; ok && p.email != "" {
			matched[r.ID] = append(matched[r.ID], p)
			taken[r.ID] = true
			continue
		}
		pending = append(pending, p)
	}
	// Pass 2: exact normalised name, among registrations still unmatched.
	var left []*reportPerson
	for _, p := range pending {
		var hit *regRow
		for _, r := range byName[attendance.NormalizeName(p.name)] {
			if !taken[r.ID] {
				hit = r
				break
			}
		}
		if hit == nil {
			left = append(left, p)
			continue
		}
		matched[hit.ID] = append(matched[hit.ID], p)
		taken[hit.ID] = true
	}
	// What is left is listed with suggestions by name similarity.
	for _, p := range left {
		if p.absent {
			continue
		}
		u := Unmatched{Key: p.key, Name: p.name, Email: p.email, Minutes: round1(p.minutes()), Suggestions: []Suggestion{}}
		for i := range regs {
			r := &regs[i]
			if taken[r.ID] {
				continue
			}
			if sc := attendance.Similarity(p.name, r.Name); sc >= suggestAt {
				u.Suggestions = append(u.Suggestions, Suggestion{RegistrationID: r.ID, Name: r.Name, Email: r.Email, Score: round2(sc)})
			}
		}
		sort.Slice(u.Suggestions, func(i, j int) bool { return u.Suggestions[i].Score > u.Suggestions[j].Score })
		if len(u.Suggestions) > 3 {
			u.Suggestions = u.Suggestions[:3]
		}
		if len(u.Suggestions) == 0 {
			res.WalkIns = append(res.WalkIns, u)
		} else {
			res.Unmatched = append(res.Unmatched, u)
		}
	}

	actual := w.DurationMinutes
	var reported int
	if err := tx.Raw(`SELECT COALESCE(MAX(actual_minutes), 0) FROM attendance_reports WHERE webinar_id = ?`, webinarID).Scan(&reported).Error; err != nil {
		return nil, err
	}
	if reported > 0 {
		actual = reported
	}
	sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
	if !ok {
		return nil, errors.New("attendance: no SQL transaction")
	}
	upd, err := sqlTx.Prepare(`UPDATE registrations SET attended_minutes = ?, attended_percent = ?, attended = ? WHERE id = ?`)
	if err != nil {
		return nil, err
	}
	defer upd.Close()
	for i := range regs {
		r := &regs[i]
		ps := matched[r.ID]
		var ivs []attendance.Interval
		var reportedMin float64
		for _, p := range ps {
			ivs = append(ivs, p.intervals...)
			if len(p.intervals) == 0 {
				reportedMin += p.reported
			}
		}
		minutes := reportedMin
		if len(ivs) > 0 {
			minutes = attendance.Union(ivs).Minutes()
		}
		percent := 100 * minutes / float64(actual)
		var attended *bool
		switch evidence := percent >= float64(w.AttendanceThreshold) || r.CheckedIn || (w.CodeCounts && r.CodeEntered); {
		case r.Override != nil:
			attended = ptrTo(*r.Override == "present")
		case evidence || known:
			attended = &evidence
		}
		if len(ps) > 0 {
			res.Matched++
		}
		if attended != nil && *attended {
			res.Attended++
		}
		minutes, percent = round1(minutes), round1(percent)
		if minutes == r.Minutes && percent == r.Percent && sameBool(r.Attended, attended) {
			continue
		}
		if _, err := upd.Exec(minutes, percent, attended, r.ID); err != nil {
			return nil, err
		}
	}
	var knownAt any
	if markKnown {
		knownAt = now
	}
	if err := tx.Exec(`UPDATE webinars SET attendance_known_at = COALESCE(attendance_known_at, ?), actual_minutes = ? WHERE id = ?`,
		knownAt, actual, webinarID).Error; err != nil {
		return nil, err
	}
	var rowCount int
	tx.Raw(`SELECT COUNT(*) FROM attendance_sessions WHERE webinar_id = ?`, webinarID).Scan(&rowCount)
	res.Rows = rowCount
	return res, nil
}

func loadPeople(tx *gorm.DB, webinarID uint) ([]*reportPerson, error) {
	rows, err := tx.Raw(`SELECT person_key, role, name, email, join_at, leave_at, minutes, absent FROM attendance_sessions
		WHERE webinar_id = ? ORDER BY person_key, id`, webinarID).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byKey := map[string]*reportPerson{}
	var order []*reportPerson
	seen := map[string]bool{}
	for rows.Next() {
		var key, role, name, email string
		var join, leave sql.NullTime
		var minutes float64
		var absent bool
		if err := rows.Scan(&key, &role, &name, &email, &join, &leave, &minutes, &absent); err != nil {
			return nil, err
		}
		p, ok := byKey[key]
		if !ok {
			p = &reportPerson{key: key, name: name, email: email, role: role, absent: true}
			byKey[key] = p
			order = append(order, p)
		}
		if role == attendance.RoleHost || role == attendance.RolePanelist {
			p.role = role
		}
		if p.email == "" {
			p.email = email
		}
		if absent {
			continue
		}
		p.absent = false
		if join.Valid && leave.Valid {
			// The same row in two reports of one session counts once.
			id := key + join.Time.String() + leave.Time.String()
			if !seen[id] {
				seen[id] = true
				p.intervals = append(p.intervals, attendance.Interval{Start: join.Time, End: leave.Time})
			}
		} else {
			p.reported += minutes
		}
	}
	return order, rows.Err()
}

func ptrTo[T any](v T) *T { return &v }

func sameBool(a, b *bool) bool { return (a == nil && b == nil) || (a != nil && b != nil && *a == *b) }

func round1(f float64) float64 { return float64(int64(f*10+0.5)) / 10 }
func round2(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }

// Summary recomputes and returns a webinar's attendance without importing.
func (s *Attendance) Summary(ctx context.Context, webinarID uint) (*ImportResult, error) {
	var res *ImportResult
	err := s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		res, err = s.recompute(tx, webinarID, s.now(), false)
		return err
	})
	return res, err
}

// ErrNotEnded refuses to close the attendance of a webinar still running.
var ErrNotEnded = &ConflictError{Code: "not_ended"}

// Complete is the organizer's word that attendance is all in — at a venue,
// the check-ins are all the evidence there will be: from now on whoever
// has no evidence of attending is absent, and the follow-ups go out.
func (s *Attendance) Complete(ctx context.Context, webinarID uint) (*ImportResult, error) {
	var res *ImportResult
	err := s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var w models.Webinar
		if err := tx.Select("id", "ends_at").First(&w, webinarID).Error; err != nil {
			return notFound(err)
		}
		now := s.now()
		if now.Before(w.EndsAt) {
			return ErrNotEnded
		}
		var err error
		res, err = s.recompute(tx, webinarID, now, true)
		return err
	})
	return res, err
}

// Decide records an organizer's answer for an unmatched reportPerson: it is this
// registration, it is nobody, or it is a walk-in to add as a registration.
func (s *Attendance) Decide(ctx context.Context, actor *models.Organizer, webinarID uint, key, decision string, registrationID uint) (*ImportResult, error) {
	if decision != DecisionConfirm && decision != DecisionReject && decision != "walk-in" {
		return nil, Invalid("decision", "unknown")
	}
	var res *ImportResult
	err := s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := s.now()
		var p struct{ Name, Email string }
		if err := tx.Raw(`SELECT name, email FROM attendance_sessions WHERE webinar_id = ? AND person_key = ? LIMIT 1`, webinarID, key).Scan(&p).Error; err != nil {
			return err
		}
		if p.Name == "" && p.Email == "" {
			return models.ErrNotFound
		}
		var rid any
		switch decision {
		case DecisionConfirm:
			var n int64
			if err := tx.Model(&models.Registration{}).Where("id = ? AND webinar_id = ?", registrationID, webinarID).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return Invalid("registration_id", "unknown")
			}
			rid = registrationID
		case "walk-in":
			email := attendance.NormalizeEmail(p.Email)
			if email == "" || !ValidEmail(email) {
				email = NoEmail()
			}
			reg := models.Registration{WebinarID: webinarID, Token: NewToken(), Status: models.RegRegistered, Name: truncateRunes(p.Name, MaxName),
				Email: email, Answers: "{}", Lang: "id", Source: "walk-in", ConsentAt: now, CreatedAt: now, UpdatedAt: now}
			if err := tx.Create(&reg).Error; err != nil {
				if errors.Is(err, gorm.ErrDuplicatedKey) {
					return &ConflictError{Code: "already_registered"}
				}
				return err
			}
			if err := tx.Exec(`UPDATE webinars SET registered_count = registered_count + 1 WHERE id = ?`, webinarID).Error; err != nil {
				return err
			}
			rid, decision = reg.ID, DecisionConfirm
		}
		if err := tx.Exec(`INSERT INTO attendance_decisions (webinar_id, person_key, registration_id, decision, organizer_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (webinar_id, person_key) DO UPDATE SET registration_id = excluded.registration_id,
			decision = excluded.decision, organizer_id = excluded.organizer_id, created_at = excluded.created_at`,
			webinarID, key, rid, decision, actor.ID, now).Error; err != nil {
			return err
		}
		var err error
		res, err = s.recompute(tx, webinarID, now, false)
		return err
	})
	return res, err
}

// Override sets (present, absent) or clears ("") an organizer's verdict on
// one registration, with a reason, kept in the audit trail.
func (s *Attendance) Override(ctx context.Context, actor *models.Organizer, registrationID uint, value, reason string) error {
	reason = strings.TrimSpace(reason)
	v := &validator{}
	if value != "" && value != "present" && value != "absent" {
		v.add("value", "unknown")
	}
	v.text("reason", reason, true, 500)
	if err := v.err(); err != nil {
		return err
	}
	return s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var r models.Registration
		if err := tx.First(&r, registrationID).Error; err != nil {
			return notFound(err)
		}
		before := describeAttendance(&r)
		var ov any
		if value != "" {
			ov = value
		}
		if err := tx.Exec(`UPDATE registrations SET attendance_override = ? WHERE id = ?`, ov, r.ID).Error; err != nil {
			return err
		}
		now := s.now()
		if _, err := s.recompute(tx, r.WebinarID, now, false); err != nil {
			return err
		}
		if err := tx.First(&r, registrationID).Error; err != nil {
			return err
		}
		return tx.Create(&models.AttendanceAudit{RegistrationID: r.ID, OrganizerID: &actor.ID, Before: before,
			After: describeAttendance(&r), Reason: reason, CreatedAt: now}).Error
	})
}

func describeAttendance(r *models.Registration) string {
	state := "unknown"
	if r.Attended != nil {
		state = map[bool]string{true: "attended", false: "absent"}[*r.Attended]
	}
	out := fmt.Sprintf("%s, %.1f min (%.1f%%)", state, r.AttendedMinutes, r.AttendedPercent)
	if r.AttendanceOverride != nil {
		out += ", override " + *r.AttendanceOverride
	}
	return out
}

// Audit lists a registration's manual attendance changes, newest first.
func (s *Attendance) Audit(ctx context.Context, registrationID uint) ([]models.AttendanceAudit, error) {
	var out []models.AttendanceAudit
	err := s.db.R.WithContext(ctx).Where("registration_id = ?", registrationID).Order("id DESC").Find(&out).Error
	return out, wrap("audit", err)
}

// Reports lists a webinar's imported reports.
func (s *Attendance) Reports(ctx context.Context, webinarID uint) ([]models.AttendanceReport, error) {
	var out []models.AttendanceReport
	err := s.db.R.WithContext(ctx).Where("webinar_id = ?", webinarID).Order("id").Find(&out).Error
	return out, wrap("reports", err)
}

// SetOptions changes a webinar's threshold and whether codes count.
func (s *Attendance) SetOptions(ctx context.Context, webinarID uint, threshold int, codeCounts bool) error {
	if threshold < 1 || threshold > 100 {
		return Invalid("threshold_percent", "range", 1, 100)
	}
	return s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE webinars SET attendance_threshold = ?, code_counts = ? WHERE id = ?`, threshold, codeCounts, webinarID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return models.ErrNotFound
		}
		_, err := s.recompute(tx, webinarID, s.now(), false)
		return err
	})
}

// codeAlphabet leaves out characters people confuse (0/O, 1/I/L).
const codeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// OpenCode starts an attendance-code window.
func (s *Attendance) OpenCode(ctx context.Context, actor *models.Organizer, webinarID uint, length, minutes int) (*models.AttendanceCode, error) {
	v := &validator{}
	if length < 4 || length > 12 {
		v.add("length", "range", 4, 12)
	}
	if minutes < 1 || minutes > 240 {
		v.add("minutes", "range", 1, 240)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	b := make([]byte, length)
	rand.Read(b)
	code := make([]byte, length)
	for i := range b {
		code[i] = codeAlphabet[int(b[i])%len(codeAlphabet)]
	}
	now := s.now()
	c := &models.AttendanceCode{WebinarID: webinarID, Code: string(code), OpensAt: now, ClosesAt: now.Add(time.Duration(minutes) * time.Minute),
		CreatedByID: &actor.ID, CreatedAt: now}
	err := s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := requireWebinarExists(tx, webinarID); err != nil {
			return err
		}
		return tx.Create(c).Error
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// CurrentCode is the webinar's latest attendance code if it still takes
// entries, else nil.
func (s *Attendance) CurrentCode(ctx context.Context, webinarID uint) (*models.AttendanceCode, error) {
	var out []models.AttendanceCode
	err := s.db.R.WithContext(ctx).Where("webinar_id = ?", webinarID).Order("id DESC").Limit(1).Find(&out).Error
	if err != nil || len(out) == 0 || !s.now().Before(out[0].ClosesAt) {
		return nil, wrap("codes", err)
	}
	return &out[0], nil
}

// EnterCode records that a registrant typed the code shown in the session.
func (s *Attendance) EnterCode(ctx context.Context, token, code string) error {
	code = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(code), " ", ""))
	if code == "" {
		return Invalid("code", "required")
	}
	return s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var r models.Registration
		if err := tx.Where("token = ?", token).First(&r).Error; err != nil {
			return notFound(err)
		}
		if r.Status != models.RegRegistered {
			return &ConflictError{Code: "not_registered"}
		}
		now := s.now()
		var n int64
		if err := tx.Model(&models.AttendanceCode{}).Where("webinar_id = ? AND code = ? AND opens_at <= ? AND closes_at > ?",
			r.WebinarID, code, now, now).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return Invalid("code", "code")
		}
		if r.CodeEnteredAt != nil {
			return nil
		}
		// Only this registration can change, so no recompute of the whole
		// webinar: hundreds enter the code within minutes. Where codes
		// count it attended, unless an organizer's override says otherwise.
		var codeCounts bool
		if err := tx.Raw(`SELECT code_counts FROM webinars WHERE id = ?`, r.WebinarID).Scan(&codeCounts).Error; err != nil {
			return err
		}
		attended := r.Attended
		if codeCounts && r.AttendanceOverride == nil {
			attended = ptrTo(true)
		}
		return tx.Exec(`UPDATE registrations SET code_entered_at = ?, attended = ? WHERE id = ?`, now, attended, r.ID).Error
	})
}

// checkinSecret signs QR tokens; it is made once and kept in the database,
// so tickets printed before a restart still scan.
func (s *Attendance) checkinSecret(ctx context.Context) ([]byte, error) {
	s.secretMu.Lock()
	defer s.secretMu.Unlock()
	if s.secret != nil {
		return s.secret, nil
	}
	b := make([]byte, 32)
	rand.Read(b)
	if err := s.db.W.WithContext(ctx).Exec(`INSERT INTO app_secrets (name, value) VALUES ('checkin', ?) ON CONFLICT DO NOTHING`, b).Error; err != nil {
		return nil, err
	}
	var v []byte
	if err := s.db.R.WithContext(ctx).Raw(`SELECT value FROM app_secrets WHERE name = 'checkin'`).Row().Scan(&v); err != nil {
		return nil, err
	}
	s.secret = v
	return v, nil
}

func sign(secret []byte, id uint) string {
	m := hmac.New(sha256.New, secret)
	fmt.Fprintf(m, "checkin:%d", id)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// CheckinToken is what a registration's QR code holds: its id and a
// signature, so a ticket cannot be forged or guessed from another.
func (s *Attendance) CheckinToken(ctx context.Context, registrationID uint) (string, error) {
	secret, err := s.checkinSecret(ctx)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("SINAU1.%d.%s", registrationID, sign(secret, registrationID)), nil
}

// CheckinResult is what the door sees after a scan.
type CheckinResult struct {
	RegistrationID uint      `json:"registration_id"`
	Name           string    `json:"name"`
	Already        bool      `json:"already"`
	At             time.Time `json:"at"`
}

// ErrBadTicket is a QR code that is not a valid ticket for this webinar.
var ErrBadTicket = &ConflictError{Code: "bad_ticket"}

// CheckIn admits a registrant at the door, by QR token or, when the token
// is empty, by registration id from a name search. A second check-in says
// when the first was.
func (s *Attendance) CheckIn(ctx context.Context, actor *models.Organizer, webinarID uint, token string, registrationID uint) (*CheckinResult, error) {
	method := "search"
	if token != "" {
		method = "qr"
		parts := strings.Split(strings.TrimSpace(token), ".")
		if len(parts) != 3 || parts[0] != "SINAU1" {
			return nil, ErrBadTicket
		}
		id, err := strconv.ParseUint(parts[1], 10, 32)
		if err != nil {
			return nil, ErrBadTicket
		}
		secret, err := s.checkinSecret(ctx)
		if err != nil {
			return nil, err
		}
		if !hmac.Equal([]byte(sign(secret, uint(id))), []byte(parts[2])) {
			return nil, ErrBadTicket
		}
		registrationID = uint(id)
	}
	var res CheckinResult
	err := s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var r models.Registration
		if err := tx.Where("id = ? AND webinar_id = ?", registrationID, webinarID).First(&r).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return ErrBadTicket
			}
			return err
		}
		res.RegistrationID, res.Name = r.ID, r.Name
		if r.CheckedInAt != nil {
			res.Already, res.At = true, *r.CheckedInAt
			return nil
		}
		if r.Status != models.RegRegistered {
			return &ConflictError{Code: "not_registered"}
		}
		now := s.now()
		res.At = now
		if err := tx.Exec(`INSERT INTO checkins (registration_id, webinar_id, method, organizer_id, created_at) VALUES (?, ?, ?, ?, ?)`,
			r.ID, webinarID, method, actor.ID, now).Error; err != nil {
			return err
		}
		attended := true
		if r.AttendanceOverride != nil {
			attended = *r.AttendanceOverride == "present"
		}
		return tx.Exec(`UPDATE registrations SET checked_in_at = ?, attended = ? WHERE id = ?`, now, attended, r.ID).Error
	})
	if err != nil {
		return nil, err
	}
	return &res, nil
}

// CheckinCounts are the door's running totals.
type CheckinCounts struct {
	Registered, CheckedIn int
}

// CheckinStatus counts who has arrived.
func (s *Attendance) CheckinStatus(ctx context.Context, webinarID uint) (CheckinCounts, error) {
	var c CheckinCounts
	err := s.db.R.WithContext(ctx).Raw(`SELECT COUNT(*) AS registered, COUNT(checked_in_at) AS checked_in FROM registrations
		WHERE webinar_id = ? AND status = ?`, webinarID, models.RegRegistered).Scan(&c).Error
	return c, wrap("check-in status", err)
}

// Stats are a webinar's attendance figures, overall and by group.
type Stats struct {
	Registered, Attended int
	ByChannel            []GroupStat
	ByRegency            []GroupStat
}

// GroupStat is one row of a breakdown.
type GroupStat struct {
	Name                 string
	Registered, Attended int
}

// Rate is the share of registered people who attended, in percent.
func (g GroupStat) Rate() float64 {
	if g.Registered == 0 {
		return 0
	}
	return round1(100 * float64(g.Attended) / float64(g.Registered))
}

// Rate is the overall attendance rate in percent.
func (s Stats) Rate() float64 {
	return GroupStat{Registered: s.Registered, Attended: s.Attended}.Rate()
}

// StatsFor computes a webinar's attendance figures.
func (s *Attendance) StatsFor(ctx context.Context, webinarID uint) (*Stats, error) {
	st := &Stats{}
	db := s.db.R.WithContext(ctx)
	var total GroupStat
	if err := db.Raw(`SELECT COUNT(*) AS registered, COALESCE(SUM(attended = 1), 0) AS attended FROM registrations WHERE webinar_id = ? AND status = ?`,
		webinarID, models.RegRegistered).Scan(&total).Error; err != nil {
		return nil, err
	}
	st.Registered, st.Attended = total.Registered, total.Attended
	if err := db.Raw(`SELECT COALESCE(c.name, '') AS name, COUNT(*) AS registered, COALESCE(SUM(r.attended = 1), 0) AS attended
		FROM registrations r LEFT JOIN channels c ON c.id = r.channel_id WHERE r.webinar_id = ? AND r.status = ?
		GROUP BY r.channel_id ORDER BY attended DESC, registered DESC`, webinarID, models.RegRegistered).Scan(&st.ByChannel).Error; err != nil {
		return nil, err
	}
	var byRegency []GroupStat
	if err := db.Raw(`SELECT regency_code AS name, COUNT(*) AS registered, COALESCE(SUM(attended = 1), 0) AS attended
		FROM registrations WHERE webinar_id = ? AND status = ? GROUP BY regency_code ORDER BY registered DESC LIMIT 20`,
		webinarID, models.RegRegistered).Scan(&byRegency).Error; err != nil {
		return nil, err
	}
	for _, g := range byRegency {
		if r, ok := regions.RegencyByCode(g.Name); ok {
			g.Name = r.Name
		}
		st.ByRegency = append(st.ByRegency, g)
	}
	return st, nil
}
