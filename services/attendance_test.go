package services

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"sinau/attendance"
	"sinau/models"
)

const zoomDir = "../../shared/testdata/zoom/"

func readSample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(zoomDir + name)
	if err != nil {
		t.Fatalf("shared test data: %v", err)
	}
	return b
}

// groboganEnv is the session of the shared Zoom samples: Monday 2 August
// 2021, 09.00 WIB, with the registrants the samples' README lists.
func groboganEnv(t *testing.T, day time.Time) (*models.DB, *models.Webinar, *Attendance, map[string]uint) {
	t.Helper()
	db := newDB(t)
	now := time.Date(2021, 8, 2, 8, 0, 0, 0, time.UTC)
	clk := func() time.Time { return now }
	ws := NewWebinars(db, clk, "test")
	f := validFields()
	f.StartsAt = day
	w, err := ws.Create(context.Background(), newOrganizer(t, db), f)
	if err != nil {
		t.Fatal(err)
	}
	ws.AddLineupEntry(context.Background(), w.ID, LineupInput{Role: "moderator", Person: PersonInput{Name: "Dannys Citra", Email: "dannys@example.id"}})
	if w, err = ws.SetStatus(context.Background(), w.ID, models.StatusPublished); err != nil {
		t.Fatal(err)
	}
	regs := NewRegistrations(db, clk, "test")
	ids := map[string]uint{}
	for _, p := range []struct{ name, email string }{
		{"Siti Rahayu", "siti.rahayu@example.com"}, {"Budi Santoso", "budi.santoso@example.com"}, {"Dewi Lestari", "dewi.lestari@example.com"},
		{"Agus Wibowo", "agus.wibowo@example.com"}, {"Rina Kusuma", "rina.kusuma@example.com"}, {"Ahmad Fauzi", "ahmad.fauzi@example.com"},
		{"Eko Prasetyo", "eko.prasetyo@example.com"}, {"Sri Wahyuni", "sri.wahyuni@example.com"}, {"Joko Susilo", "joko.susilo@example.com"},
	} {
		res, err := regs.Register(context.Background(), w.ID, RegistrationInput{Name: p.name, Email: p.email, Phone: "081234560001",
			RegencyCode: "3315", Consent: true, Source: "organizer"})
		if err != nil {
			t.Fatal(err)
		}
		ids[strings.Fields(p.name)[0]] = res.Registration.ID
	}
	later := time.Date(2021, 8, 2, 8, 0, 0, 0, time.UTC)
	return db, w, NewAttendance(db, func() time.Time { return later }), ids
}

func aug2(t *testing.T) time.Time {
	jkt, _ := time.LoadLocation("Asia/Jakarta")
	return time.Date(2021, 8, 2, 9, 0, 0, 0, jkt)
}

func attendanceOf(t *testing.T, db *models.DB, ids map[string]uint) map[string]models.Registration {
	t.Helper()
	out := map[string]models.Registration{}
	for name, id := range ids {
		var r models.Registration
		db.R.First(&r, id)
		out[name] = r
	}
	return out
}

// TestImportZoomSample checks the shared sample against its README.
func TestImportZoomSample(t *testing.T) {
	ctx := context.Background()
	db, w, s, ids := groboganEnv(t, aug2(t))
	res, err := s.Import(ctx, &models.Organizer{ID: 1}, w.ID, "webinar-attendee-report.csv", readSample(t, "webinar-attendee-report.csv"), nil, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := attendanceOf(t, db, ids)
	want := map[string]struct {
		minutes  float64
		attended bool
	}{
		"Siti": {180, true}, "Budi": {176, true}, "Dewi": {160, true}, "Rina": {176, true}, "Eko": {150, true},
		"Ahmad": {45, false}, "Agus": {30, false}, "Sri": {0, false}, "Joko": {0, false},
	}
	for name, wnt := range want {
		r := got[name]
		if r.AttendedMinutes != wnt.minutes || r.Attended == nil || *r.Attended != wnt.attended {
			t.Errorf("%s: %.1f min attended=%v, want %.0f %v", name, r.AttendedMinutes, r.Attended, wnt.minutes, wnt.attended)
		}
	}
	if p := got["Siti"].AttendedPercent; p != 98.9 {
		t.Errorf("Siti's percent of the 182 actual minutes: %v", p)
	}
	if res.Attended != 5 || res.Matched != 9 || len(res.Unmatched) != 0 || len(res.WalkIns) != 0 || res.Speakers != 3 {
		t.Errorf("result %+v", res)
	}
	var cur models.Webinar
	db.R.First(&cur, w.ID)
	if cur.ActualMinutes != 182 || cur.AttendanceKnownAt == nil {
		t.Errorf("webinar actual %d known %v", cur.ActualMinutes, cur.AttendanceKnownAt)
	}
	// The same file again changes nothing; the meeting report of the same
	// session adds no minutes.
	again, err := s.Import(ctx, &models.Organizer{ID: 1}, w.ID, "copy.csv", readSample(t, "webinar-attendee-report.csv"), nil, false, nil)
	if err != nil || !again.Duplicate {
		t.Fatalf("re-import: %+v %v", again, err)
	}
	if _, err := s.Import(ctx, &models.Organizer{ID: 1}, w.ID, "meeting.csv", readSample(t, "meeting-participants.csv"), nil, false, nil); err != nil {
		t.Fatal(err)
	}
	after := attendanceOf(t, db, ids)
	for name := range want {
		if after[name].AttendedMinutes != got[name].AttendedMinutes {
			t.Errorf("%s: %v minutes after the second report, %v before", name, after[name].AttendedMinutes, got[name].AttendedMinutes)
		}
	}
	var reports int64
	db.R.Model(&models.AttendanceReport{}).Count(&reports)
	if reports != 2 {
		t.Errorf("%d reports stored", reports)
	}
}

func TestImportThresholdOverrideAndAudit(t *testing.T) {
	ctx := context.Background()
	db, w, s, ids := groboganEnv(t, aug2(t))
	low := 20
	res, err := s.Import(ctx, &models.Organizer{ID: 1}, w.ID, "r.csv", readSample(t, "webinar-attendee-report.csv"), &low, false, nil)
	if err != nil || res.Attended != 6 {
		t.Fatalf("20%% threshold: %+v %v", res, err)
	}
	if err := s.Override(ctx, &models.Organizer{ID: 1}, ids["Agus"], "present", ""); fieldsOf(t, err)["reason"] != "required" {
		t.Errorf("override without a reason: %v", err)
	}
	if err := s.Override(ctx, &models.Organizer{ID: 1}, ids["Agus"], "present", "Hadir di lokasi, koneksi putus"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetOptions(ctx, w.ID, 97, false); err != nil {
		t.Fatal(err)
	}
	got := attendanceOf(t, db, ids)
	if !*got["Agus"].Attended || *got["Budi"].Attended || !*got["Siti"].Attended {
		t.Errorf("after 97%%: Agus %v (override) Budi %v Siti %v", *got["Agus"].Attended, *got["Budi"].Attended, *got["Siti"].Attended)
	}
	audit, _ := s.Audit(ctx, ids["Agus"])
	if len(audit) != 1 || !strings.HasPrefix(audit[0].Before, "absent, 30.0 min") || !strings.Contains(audit[0].After, "override present") || audit[0].OrganizerID == nil {
		t.Errorf("audit %+v", audit)
	}
}

func TestImportRejectsBadFilesAndMismatch(t *testing.T) {
	ctx := context.Background()
	jkt, _ := time.LoadLocation("Asia/Jakarta")
	db, w, s, _ := groboganEnv(t, time.Date(2026, 12, 7, 9, 0, 0, 0, jkt))
	for name, data := range map[string][]byte{
		"empty": {}, "blank": []byte(" \n\n "), "png": {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d},
		"bad time": []byte("Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\nA,a@x.id,31/02/2021 25:00,08/02/2021 10:00:00 AM,10,No\n"),
		"negative": []byte("Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\nA,a@x.id,08/02/2021 11:00:00 AM,08/02/2021 10:00:00 AM,10,No\n"),
	} {
		_, err := s.Import(ctx, &models.Organizer{ID: 1}, w.ID, name, data, nil, false, nil)
		if got := fieldsOf(t, err)["file"]; got != "report" {
			t.Errorf("%s: %v", name, err)
		}
	}
	custom := []byte("Peserta,Surel,Lama (menit)\nSiti Rahayu,siti.rahayu@example.com,150\n")
	_, err := s.Import(ctx, &models.Organizer{ID: 1}, w.ID, "lain.csv", custom, nil, false, nil)
	var nm *NeedsMapping
	if !errors.As(err, &nm) || strings.Join(nm.Columns, "|") != "Peserta|Surel|Lama (menit)" {
		t.Fatalf("unknown columns: %v", err)
	}
	res, err := s.Import(ctx, &models.Organizer{ID: 1}, w.ID, "lain.csv", custom, nil, false,
		&attendance.Mapping{Name: "Peserta", Email: "Surel", Minutes: "Lama (menit)"})
	if err != nil || res.Matched != 1 {
		t.Fatalf("with a mapping: %+v %v", res, err)
	}
	_, err = s.Import(ctx, &models.Organizer{ID: 1}, w.ID, "old.csv", readSample(t, "webinar-attendee-report.csv"), nil, false, nil)
	var ce *ConflictError
	if !errors.As(err, &ce) || ce.Code != "report_mismatch" || len(ce.Details) == 0 {
		t.Fatalf("a 2021 report for a 2026 webinar: %v", err)
	}
	var n int64
	db.R.Model(&models.AttendanceReport{}).Count(&n)
	if n != 1 {
		t.Fatalf("%d reports stored: a refused report was kept", n)
	}
	if _, err := s.Import(ctx, &models.Organizer{ID: 1}, w.ID, "old.csv", readSample(t, "webinar-attendee-report.csv"), nil, true, nil); err != nil {
		t.Fatalf("forced: %v", err)
	}
}

// TestImportDayFirstReportNearTheWebinar: an export in the Indonesian locale
// whose dates read both ways (03/08/2021) is read as the webinar's date.
func TestImportDayFirstReportNearTheWebinar(t *testing.T) {
	jkt, _ := time.LoadLocation("Asia/Jakarta")
	db, w, s, ids := groboganEnv(t, time.Date(2021, 8, 3, 9, 0, 0, 0, jkt))
	report := "Name (Original Name);User Email;Join Time;Leave Time;Duration (Minutes)\n" +
		"Siti Rahayu;siti.rahayu@example.com;03/08/2021 09.00;03/08/2021 12.00;180\n" +
		"Budi Santoso;budi.santoso@example.com;03/08/2021 10.30;03/08/2021 11.00;30\n"
	res, err := s.Import(context.Background(), &models.Organizer{ID: 1}, w.ID, "kehadiran.csv", []byte(report), nil, false, nil)
	if err != nil {
		t.Fatalf("refused: %v", err)
	}
	if res.Matched != 2 {
		t.Errorf("matched %d", res.Matched)
	}
	got := attendanceOf(t, db, map[string]uint{"Siti": ids["Siti"], "Budi": ids["Budi"]})
	siti, budi := got["Siti"], got["Budi"]
	if siti.AttendedMinutes != 180 || siti.Attended == nil || !*siti.Attended || budi.Attended == nil || *budi.Attended {
		t.Errorf("attendance: Siti %.0f min %v, Budi %.0f min %v (webinar %v–%v)", siti.AttendedMinutes, siti.Attended != nil && *siti.Attended, budi.AttendedMinutes, budi.Attended != nil && *budi.Attended, w.StartsAt, w.EndsAt)
	}
}

func TestUnmatchedSuggestionsAndWalkIns(t *testing.T) {
	ctx := context.Background()
	db, w, s, ids := groboganEnv(t, aug2(t))
	report := "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n" +
		"Eko P.,,08/02/2021 09:15:00 AM,08/02/2021 11:45:00 AM,150,Yes\n" +
		"Tamu Misterius,tamu@example.net,08/02/2021 09:00:00 AM,08/02/2021 12:00:00 PM,180,Yes\n"
	res, err := s.Import(ctx, &models.Organizer{ID: 1}, w.ID, "m.csv", []byte(report), nil, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Unmatched) != 1 || res.Unmatched[0].Suggestions[0].RegistrationID != ids["Eko"] {
		t.Fatalf("unmatched %+v", res.Unmatched)
	}
	if len(res.WalkIns) != 1 || res.WalkIns[0].Email != "tamu@example.net" {
		t.Fatalf("walk-ins %+v", res.WalkIns)
	}
	res, err = s.Decide(ctx, &models.Organizer{ID: 1}, w.ID, res.Unmatched[0].Key, DecisionConfirm, ids["Eko"])
	if err != nil || len(res.Unmatched) != 0 {
		t.Fatalf("confirm: %+v %v", res, err)
	}
	res, err = s.Decide(ctx, &models.Organizer{ID: 1}, w.ID, res.WalkIns[0].Key, "walk-in", 0)
	if err != nil || len(res.WalkIns) != 0 {
		t.Fatalf("walk-in: %+v %v", res, err)
	}
	var walk models.Registration
	if err := db.R.Where("email = ?", "tamu@example.net").First(&walk).Error; err != nil || walk.Source != "walk-in" || walk.Attended == nil || !*walk.Attended {
		t.Errorf("walk-in registration %+v %v", walk, err)
	}
	got := attendanceOf(t, db, ids)
	if got["Eko"].AttendedMinutes != 150 {
		t.Errorf("Eko after confirmation: %v", got["Eko"].AttendedMinutes)
	}
}

func TestAttendanceCodeAndCheckin(t *testing.T) {
	ctx := context.Background()
	db, w, s, ids := groboganEnv(t, aug2(t))
	org := &models.Organizer{ID: 1}
	code, err := s.OpenCode(ctx, org, w.ID, 6, 10)
	if err != nil || len(code.Code) != 6 {
		t.Fatalf("code %+v %v", code, err)
	}
	var siti models.Registration
	db.R.First(&siti, ids["Siti"])
	if err := s.EnterCode(ctx, siti.Token, "WRONG1"); fieldsOf(t, err)["code"] != "code" {
		t.Errorf("wrong code: %v", err)
	}
	if err := s.EnterCode(ctx, siti.Token, strings.ToLower(code.Code)); err != nil {
		t.Fatal(err)
	}
	db.R.First(&siti, ids["Siti"])
	if siti.CodeEnteredAt == nil || (siti.Attended != nil && *siti.Attended) {
		t.Errorf("code recorded %v, counts as attendance only when the organizer says so: %v", siti.CodeEnteredAt, siti.Attended)
	}
	s.SetOptions(ctx, w.ID, 70, true)
	db.R.First(&siti, ids["Siti"])
	if siti.Attended == nil || !*siti.Attended {
		t.Error("with codes counting, Siti attended")
	}
	// With codes counting, a code entered counts at once; an override
	// still wins.
	var dewi, eko models.Registration
	db.R.First(&dewi, ids["Dewi"])
	db.R.First(&eko, ids["Eko"])
	if err := s.Override(ctx, org, eko.ID, "absent", "Hanya menitipkan kode"); err != nil {
		t.Fatal(err)
	}
	for _, r := range []models.Registration{dewi, eko} {
		if err := s.EnterCode(ctx, r.Token, code.Code); err != nil {
			t.Fatal(err)
		}
	}
	got := attendanceOf(t, db, ids)
	if a := got["Dewi"].Attended; a == nil || !*a {
		t.Errorf("Dewi entered the code while codes count: attended %s", fmtBool(a))
	}
	if a := got["Eko"].Attended; a == nil || *a {
		t.Errorf("Eko, overridden absent, entered the code: attended %s", fmtBool(a))
	}
	token, err := s.CheckinToken(ctx, ids["Budi"])
	if err != nil {
		t.Fatal(err)
	}
	first, err := s.CheckIn(ctx, org, w.ID, token, 0)
	if err != nil || first.Already || first.Name != "Budi Santoso" {
		t.Fatalf("check-in %+v %v", first, err)
	}
	second, err := s.CheckIn(ctx, org, w.ID, token, 0)
	if err != nil || !second.Already || !second.At.Equal(first.At) {
		t.Fatalf("second scan %+v %v", second, err)
	}
	forged := strings.Replace(token, "."+strings.Split(token, ".")[1]+".", ".9999.", 1)
	for _, bad := range []string{forged, token + "x", "hello", "SINAU1.1.AAAA"} {
		if _, err := s.CheckIn(ctx, org, w.ID, bad, 0); !errors.Is(err, ErrBadTicket) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	c, _ := s.CheckinStatus(ctx, w.ID)
	if c.CheckedIn != 1 || c.Registered != 9 {
		t.Errorf("counts %+v", c)
	}
}

// TestEvidenceBeforeTheReportKeepsAttendanceUnknown: a code entered during
// the session, a check-in or an organizer's option does not make the
// webinar's attendance known. Only a report or the organizer's "attendance
// is complete" does; until then people without evidence are unknown, not
// absent, and the follow-ups wait (they would tell them "we missed you").
func TestEvidenceBeforeTheReportKeepsAttendanceUnknown(t *testing.T) {
	ctx := context.Background()
	db, w, s, ids := groboganEnv(t, aug2(t))
	org := &models.Organizer{ID: 1}
	code, err := s.OpenCode(ctx, org, w.ID, 6, 10)
	if err != nil {
		t.Fatal(err)
	}
	var siti models.Registration
	db.R.First(&siti, ids["Siti"])
	if err := s.EnterCode(ctx, siti.Token, code.Code); err != nil {
		t.Fatal(err)
	}
	if err := s.SetOptions(ctx, w.ID, 70, true); err != nil {
		t.Fatal(err)
	}
	token, _ := s.CheckinToken(ctx, ids["Budi"])
	if _, err := s.CheckIn(ctx, org, w.ID, token, 0); err != nil {
		t.Fatal(err)
	}
	known := func() bool {
		var cur models.Webinar
		db.R.First(&cur, w.ID)
		return cur.AttendanceKnownAt != nil
	}
	if known() {
		t.Fatal("a code entry, an option and a check-in made attendance known")
	}
	got := attendanceOf(t, db, ids)
	for name, want := range map[string]*bool{"Siti": ptrTo(true), "Budi": ptrTo(true), "Dewi": nil, "Joko": nil} {
		if a := got[name].Attended; (a == nil) != (want == nil) || (a != nil && *a != *want) {
			t.Errorf("%s attended %v, want %v", name, fmtBool(a), fmtBool(want))
		}
	}
	if _, err := s.Import(ctx, org, w.ID, "webinar-attendee-report.csv", readSample(t, "webinar-attendee-report.csv"), nil, false, nil); err != nil {
		t.Fatal(err)
	}
	if !known() {
		t.Error("an imported report did not make attendance known")
	}
	if a := attendanceOf(t, db, ids)["Joko"].Attended; a == nil || *a {
		t.Errorf("after the report Joko attended %v, want false", fmtBool(a))
	}
}

// TestCompleteAttendanceWithoutReport: at a venue, check-ins are all the
// evidence there is; the organizer says attendance is complete.
func TestCompleteAttendanceWithoutReport(t *testing.T) {
	ctx := context.Background()
	db, w, s, ids := groboganEnv(t, aug2(t))
	org := &models.Organizer{ID: 1}
	s.now = func() time.Time { return w.StartsAt.Add(time.Minute) }
	if _, err := s.Complete(ctx, w.ID); !errors.Is(err, ErrNotEnded) {
		t.Errorf("complete before the end: %v", err)
	}
	token, _ := s.CheckinToken(ctx, ids["Budi"])
	if _, err := s.CheckIn(ctx, org, w.ID, token, 0); err != nil {
		t.Fatal(err)
	}
	s.now = func() time.Time { return w.EndsAt.Add(time.Minute) }
	res, err := s.Complete(ctx, w.ID)
	if err != nil || res.Attended != 1 {
		t.Fatalf("complete: %+v %v", res, err)
	}
	got := attendanceOf(t, db, ids)
	if a := got["Budi"].Attended; a == nil || !*a {
		t.Errorf("Budi attended %v", fmtBool(a))
	}
	if a := got["Siti"].Attended; a == nil || *a {
		t.Errorf("Siti attended %v, want false once attendance is complete", fmtBool(a))
	}
	var cur models.Webinar
	db.R.First(&cur, w.ID)
	if cur.AttendanceKnownAt == nil {
		t.Error("attendance not known after Complete")
	}
}

func fmtBool(b *bool) string {
	if b == nil {
		return "unknown"
	}
	return map[bool]string{true: "true", false: "false"}[*b]
}

// TestWalkInWithoutEmailGetsNoMail: a walk-in whose report row has no
// email is registered with an address that cannot receive mail; nothing is
// ever queued to it, and lists show no address.
func TestWalkInWithoutEmailGetsNoMail(t *testing.T) {
	ctx := context.Background()
	db, w, s, _ := groboganEnv(t, aug2(t))
	report := "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n" +
		"Tamu Tanpa Surel,,08/02/2021 09:00:00 AM,08/02/2021 12:00:00 PM,180,Yes\n"
	res, err := s.Import(ctx, &models.Organizer{ID: 1}, w.ID, "m.csv", []byte(report), nil, false, nil)
	if err != nil || len(res.WalkIns) != 1 {
		t.Fatalf("import: %+v %v", res, err)
	}
	if _, err := s.Decide(ctx, &models.Organizer{ID: 1}, w.ID, res.WalkIns[0].Key, "walk-in", 0); err != nil {
		t.Fatal(err)
	}
	var walk models.Registration
	if err := db.R.Where("source = ?", "walk-in").First(&walk).Error; err != nil {
		t.Fatal(err)
	}
	if HasEmail(walk.Email) || ContactEmail(walk.Email) != "" {
		t.Errorf("walk-in address %q counts as an email", walk.Email)
	}
	ob := Outbox{Domain: "test"}
	if _, err := queueFollowups(ctx, db, ob, w.ID, time.Now(), true); err != nil {
		t.Fatal(err)
	}
	if queued, err := ob.Enqueue(db.W, time.Now(), Mail{Kind: KindLinkResend, Key: "x", To: walk.Email, RegistrationID: walk.ID}); err != nil || queued {
		t.Errorf("single message to the walk-in queued %v %v", queued, err)
	}
	var toWalkIn, followups int64
	db.R.Model(&models.MailMessage{}).Where("registration_id = ?", walk.ID).Count(&toWalkIn)
	db.R.Model(&models.MailMessage{}).Where("kind IN ?", []string{KindFollowupAttended, KindFollowupAbsent}).Count(&followups)
	if toWalkIn != 0 || followups != 9 {
		t.Errorf("%d messages to the walk-in, %d follow-ups (want 0 and 9)", toWalkIn, followups)
	}
}

// TestMigrationUndoesEarlyKnownAttendance: a database from a version that
// made attendance known on a code entry gets it undone where no report was
// imported and no follow-up went out.
func TestMigrationUndoesEarlyKnownAttendance(t *testing.T) {
	db, w, _, ids := groboganEnv(t, aug2(t))
	now := time.Now()
	// As the earlier version left it: known, Siti entered the code (absent
	// because codes did not count), Budi checked in, Dewi overridden absent,
	// the rest absent.
	db.W.Exec(`UPDATE webinars SET attendance_known_at = ? WHERE id = ?`, now, w.ID)
	db.W.Exec(`UPDATE registrations SET attended = 0 WHERE webinar_id = ?`, w.ID)
	db.W.Exec(`UPDATE registrations SET attended = 1, checked_in_at = ? WHERE id = ?`, now, ids["Budi"])
	db.W.Exec(`UPDATE registrations SET code_entered_at = ? WHERE id = ?`, now, ids["Siti"])
	db.W.Exec(`UPDATE registrations SET attendance_override = 'absent' WHERE id = ?`, ids["Dewi"])
	m := models.Migrations[len(models.Migrations)-1]
	if m.ID != "0007_attendance_known" {
		t.Fatalf("last migration is %s", m.ID)
	}
	for _, st := range m.Statements {
		if err := db.W.Exec(st).Error; err != nil {
			t.Fatal(err)
		}
	}
	var cur models.Webinar
	db.R.First(&cur, w.ID)
	if cur.AttendanceKnownAt != nil {
		t.Error("attendance still known")
	}
	got := attendanceOf(t, db, ids)
	for name, want := range map[string]*bool{"Siti": nil, "Joko": nil, "Budi": ptrTo(true), "Dewi": ptrTo(false)} {
		if a := got[name].Attended; !sameBool(a, want) {
			t.Errorf("%s attended %s, want %s", name, fmtBool(a), fmtBool(want))
		}
	}
}
