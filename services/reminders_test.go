package services

import (
	"context"
	"strings"
	"testing"
	"time"

	"sinau/models"
)

func TestParseAndFormatOffsets(t *testing.T) {
	got, err := ParseOffsets([]string{"1h", " 72h", "90m", "24h"})
	if err != nil {
		t.Fatal(err)
	}
	var s []string
	for _, d := range got {
		s = append(s, FormatOffset(d))
	}
	if strings.Join(s, ",") != "72h,24h,1h30m,1h" {
		t.Errorf("sorted %v", s)
	}
	for _, d := range []time.Duration{time.Hour, 90 * time.Minute, 72 * time.Hour, 90 * time.Second, 45 * time.Minute} {
		back, err := time.ParseDuration(FormatOffset(d))
		if err != nil || back != d {
			t.Errorf("FormatOffset(%v) = %q does not read back", d, FormatOffset(d))
		}
	}
	bad := map[string][]string{
		"positive":      {"-1h"},
		"offset_format": {"3d"},
		"duplicate":     {"24h", "1440m"},
		"offset_max":    {"1441h"},
	}
	for code, in := range bad {
		if _, err := ParseOffsets(in); fieldsOf(t, err)["reminder_offsets"] != code {
			t.Errorf("%v: %v, want %s", in, err, code)
		}
	}
	if _, err := ParseOffsets([]string{"0s"}); fieldsOf(t, err)["reminder_offsets"] != "positive" {
		t.Error("zero offset accepted")
	}
}

type reminderEnv struct {
	db   *models.DB
	now  time.Time
	ws   *Webinars
	regs *Registrations
	sch  *Scheduler
	w    *models.Webinar
}

func newReminderEnv(t *testing.T, zone string, localStart time.Time, offsets []string) *reminderEnv {
	t.Helper()
	e := &reminderEnv{db: newDB(t), now: fixedNow}
	clk := func() time.Time { return e.now }
	e.ws = NewWebinars(e.db, clk, "sinau.test")
	e.regs = NewRegistrations(e.db, clk, "sinau.test")
	e.sch = NewScheduler(e.db, clk, "sinau.test")
	loc, _ := time.LoadLocation(zone)
	f := validFields()
	f.Timezone = zone
	f.StartsAt = time.Date(localStart.Year(), localStart.Month(), localStart.Day(), localStart.Hour(), localStart.Minute(), 0, 0, loc)
	f.ReminderOffsets = offsets
	f.Capacity = 2
	w, err := e.ws.Create(context.Background(), newOrganizer(t, e.db), f)
	if err != nil {
		t.Fatal(err)
	}
	if e.w, err = e.ws.SetStatus(context.Background(), w.ID, models.StatusPublished); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *reminderEnv) reminders(t *testing.T) map[string][]string {
	t.Helper()
	var msgs []models.MailMessage
	e.db.R.Where("kind = ?", KindReminder).Order("id").Find(&msgs)
	out := map[string][]string{}
	for _, m := range msgs {
		out[m.Recipient] = append(out[m.Recipient], m.Data)
	}
	return out
}

func (e *reminderEnv) tick(t *testing.T) TickResult {
	t.Helper()
	r, err := e.sch.Tick(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestReminderDueTimesAcrossZones: a reminder is due at start − offset, to
// the second, whatever the webinar's zone.
func TestReminderDueTimesAcrossZones(t *testing.T) {
	local := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		zone   string
		offset string
		dueUTC time.Time
	}{
		{"Asia/Jakarta", "72h", time.Date(2026, 12, 4, 2, 0, 0, 0, time.UTC)},
		{"Asia/Jakarta", "1h", time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)},
		{"Asia/Makassar", "24h", time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC)},
		{"Asia/Makassar", "90m", time.Date(2026, 12, 6, 23, 30, 0, 0, time.UTC)},
		{"Asia/Jayapura", "72h", time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)},
		{"Asia/Jayapura", "1h", time.Date(2026, 12, 6, 23, 0, 0, 0, time.UTC)},
	}
	for _, tc := range cases {
		t.Run(tc.zone+" "+tc.offset, func(t *testing.T) {
			e := newReminderEnv(t, tc.zone, local, []string{tc.offset})
			if _, err := e.regs.Register(context.Background(), e.w.ID, person(1)); err != nil {
				t.Fatal(err)
			}
			e.now = tc.dueUTC.Add(-time.Second)
			if r := e.tick(t); r.Queued != 0 {
				t.Fatalf("queued %d a second early", r.Queued)
			}
			e.now = tc.dueUTC
			if r := e.tick(t); r.Queued != 1 {
				t.Fatalf("queued %d at the due time", r.Queued)
			}
			d, _ := time.ParseDuration(tc.offset)
			if got := e.reminders(t)["peserta1@example.org"]; len(got) != 1 || !strings.Contains(got[0], `"offset":"`+FormatOffset(d)+`"`) {
				t.Errorf("reminders %v", got)
			}
		})
	}
}

func TestReminderRules(t *testing.T) {
	ctx := context.Background()
	e := newReminderEnv(t, "Asia/Jakarta", time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC), []string{"72h", "24h", "1h"})
	start := e.w.StartsAt
	early, _ := e.regs.Register(ctx, e.w.ID, person(1))
	waiting := person(2)
	e.regs.Register(ctx, e.w.ID, waiting)
	e.regs.Register(ctx, e.w.ID, person(3)) // waitlisted: capacity 2
	e.now = start.Add(-72 * time.Hour)
	e.tick(t)
	e.now = start.Add(-48 * time.Hour)
	late := person(4)
	e.regs.Register(ctx, e.w.ID, late) // waitlisted
	e.regs.Cancel(ctx, early.Registration.ID)
	// person 3 was promoted now, after the 72h reminder was due: skips it.
	e.now = start.Add(-24 * time.Hour)
	e.tick(t)
	e.tick(t)
	// The server was down from 23h before until 30 minutes before: the 1h
	// reminder goes out late, once.
	e.now = start.Add(-30 * time.Minute)
	e.tick(t)
	e.now = start.Add(-29 * time.Minute)
	e.tick(t)
	got := e.reminders(t)
	want := map[string]int{"peserta1@example.org": 1, "peserta2@example.org": 3, "peserta3@example.org": 2}
	for who, n := range want {
		if len(got[who]) != n {
			t.Errorf("%s got %d reminders %v, want %d", who, len(got[who]), got[who], n)
		}
	}
	if len(got["peserta4@example.org"]) != 0 {
		t.Error("a waitlisted person got a reminder")
	}
}

func TestReminderSkippedAfterStartWithReason(t *testing.T) {
	e := newReminderEnv(t, "Asia/Jakarta", time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC), []string{"24h", "1h"})
	e.regs.Register(context.Background(), e.w.ID, person(1))
	e.now = e.w.StartsAt.Add(10 * time.Minute) // the server was down through the start
	r := e.tick(t)
	if r.Queued != 0 || r.Skipped != 2 {
		t.Fatalf("tick %+v", r)
	}
	runs, _ := e.sch.ReminderRuns(context.Background(), e.w.ID)
	if len(runs) != 2 || runs[0].Outcome != "skipped" || runs[0].Reason == "" {
		t.Fatalf("runs %+v", runs)
	}
	if r := e.tick(t); r.Skipped != 0 {
		t.Error("a skip is recorded once")
	}
}

// TestMovingAWebinarRecomputesReminders moves the webinar back and forth:
// pending reminders follow the new time and no offset is sent twice.
func TestMovingAWebinarRecomputesReminders(t *testing.T) {
	ctx := context.Background()
	e := newReminderEnv(t, "Asia/Jakarta", time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC), []string{"72h", "24h"})
	e.regs.Register(ctx, e.w.ID, person(1))
	first := e.w.StartsAt
	e.now = first.Add(-25 * time.Hour)
	e.tick(t) // the 72h reminder
	// Mark it sent, as the worker would.
	e.db.W.Exec(`UPDATE mail_messages SET status = 'sent' WHERE kind = 'reminder'`)
	f := FieldsOf(e.w)
	f.StartsAt = first.Add(7 * 24 * time.Hour)
	moved, err := e.ws.Update(ctx, e.w.ID, f)
	if err != nil {
		t.Fatal(err)
	}
	if moved.Sequence <= e.w.Sequence {
		t.Errorf("sequence %d → %d", e.w.Sequence, moved.Sequence)
	}
	var changed []models.MailMessage
	e.db.R.Where("kind = ?", KindChanged).Find(&changed)
	if len(changed) != 1 || !strings.Contains(changed[0].Data, `"old_start":"`+first.UTC().Format(time.RFC3339)+`"`) {
		t.Fatalf("change notices %+v", changed)
	}
	e.now = first.Add(-23 * time.Hour) // the old 24h due time has passed
	if r := e.tick(t); r.Queued != 0 {
		t.Errorf("a reminder for the old time was queued: %+v", r)
	}
	e.now = moved.StartsAt.Add(-24 * time.Hour)
	e.tick(t)
	// Back to the first date: the 72h reminder was sent already.
	f.StartsAt = first
	e.now = first.Add(-80 * time.Hour)
	if _, err := e.ws.Update(ctx, e.w.ID, f); err != nil {
		t.Fatal(err)
	}
	e.now = first.Add(-1 * time.Hour)
	e.tick(t)
	got := e.reminders(t)["peserta1@example.org"]
	if len(got) != 2 {
		t.Errorf("reminders %v, want one 72h and one 24h", got)
	}
}

func TestCancellingNoticesEveryoneOnce(t *testing.T) {
	ctx := context.Background()
	e := newReminderEnv(t, "Asia/Jakarta", time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC), []string{"1h"})
	for i := range 3 {
		e.regs.Register(ctx, e.w.ID, person(i))
	}
	if _, err := e.ws.SetStatus(ctx, e.w.ID, models.StatusCancelled); err != nil {
		t.Fatal(err)
	}
	if k := mailKinds(t, e.db); k[KindCancelled] != 3 {
		t.Errorf("cancellation notices %v (2 registered + 1 waitlisted)", k)
	}
	e.now = e.w.StartsAt.Add(-time.Hour)
	if r := e.tick(t); r.Queued != 0 {
		t.Error("a cancelled webinar got reminders")
	}
}

func TestFollowupsWaitForAttendance(t *testing.T) {
	ctx := context.Background()
	e := newReminderEnv(t, "Asia/Jakarta", time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC), []string{"1h"})
	for i := range 2 {
		e.regs.Register(ctx, e.w.ID, person(i))
	}
	e.now = e.w.EndsAt.Add(5 * time.Hour)
	e.tick(t)
	if k := mailKinds(t, e.db); k[KindFollowupAttended]+k[KindFollowupAbsent] != 0 {
		t.Fatal("follow-ups went out before attendance was known")
	}
	e.db.W.Exec(`UPDATE registrations SET attended = (email = 'peserta0@example.org')`)
	e.db.W.Exec(`UPDATE webinars SET attendance_known_at = ?`, e.now)
	e.tick(t)
	e.tick(t)
	k := mailKinds(t, e.db)
	if k[KindFollowupAttended] != 1 || k[KindFollowupAbsent] != 1 {
		t.Errorf("follow-ups %v", k)
	}
	if _, err := e.sch.SendFollowups(ctx, e.w.ID); err == nil {
		t.Error("follow-ups sent twice by hand")
	}
}
