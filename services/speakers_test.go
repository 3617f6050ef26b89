package services

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sinau/models"
	"sinau/uploads"
)

const tinyPDF = "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

type speakerEnv struct {
	db    *models.DB
	now   time.Time
	sp    *Speakers
	w     *models.Webinar
	entry *models.LineupEntry
	dir   string
}

func newSpeakerEnv(t *testing.T) *speakerEnv {
	t.Helper()
	e := &speakerEnv{db: newDB(t), now: fixedNow, dir: t.TempDir()}
	clk := func() time.Time { return e.now }
	store, err := uploads.NewStore(e.dir)
	if err != nil {
		t.Fatal(err)
	}
	e.sp = NewSpeakers(e.db, clk, "test", store, 1<<20)
	ws := NewWebinars(e.db, clk, "test")
	w, err := ws.Create(context.Background(), newOrganizer(t, e.db), validFields())
	if err != nil {
		t.Fatal(err)
	}
	e.entry, err = ws.AddLineupEntry(context.Background(), w.ID, LineupInput{Role: "speaker", Pillar: "safety", Topic: "Aman daring",
		Person: PersonInput{Name: "Diana Belinda", Email: "diana@example.org"}})
	if err != nil {
		t.Fatal(err)
	}
	if e.w, err = ws.SetStatus(context.Background(), w.ID, models.StatusPublished); err != nil {
		t.Fatal(err)
	}
	return e
}

// invite returns the token of the newest invitation mail, as the speaker
// would read it from the link.
func (e *speakerEnv) invite(t *testing.T) string {
	t.Helper()
	if _, err := e.sp.Invite(context.Background(), &models.Organizer{ID: 1}, e.w.ID, e.entry.ID, "Mohon kesediaannya", 0); err != nil {
		t.Fatal(err)
	}
	var m models.MailMessage
	e.db.R.Where("kind = ?", KindInvitation).Order("id DESC").First(&m)
	tok := between(m.Data, `"token":"`, `"`)
	if tok == "" {
		t.Fatalf("no token in %s", m.Data)
	}
	return tok
}

func between(s, a, b string) string {
	i := strings.Index(s, a)
	if i < 0 {
		return ""
	}
	s = s[i+len(a):]
	if j := strings.Index(s, b); j >= 0 {
		return s[:j]
	}
	return ""
}

func TestInvitationLinks(t *testing.T) {
	ctx := context.Background()
	e := newSpeakerEnv(t)
	tok := e.invite(t)
	var stored int64
	e.db.R.Raw(`SELECT COUNT(*) FROM invitation_tokens WHERE token_hash = ?`, tok).Scan(&stored)
	if stored != 0 {
		t.Fatal("the token is stored in clear")
	}
	p, err := e.sp.PortalByToken(ctx, tok)
	if err != nil || p.Entry.Person.Name != "Diana Belinda" || p.Invitation.Status != models.InvitePending {
		t.Fatalf("portal %+v %v", p, err)
	}
	if err := e.sp.Respond(ctx, p, false, "Bentrok jadwal"); err != nil {
		t.Fatal(err)
	}
	st, _ := e.sp.LineupStatus(ctx, e.w.ID)
	if st[0].Invitation.Status != models.InviteDeclined || st[0].Invitation.DeclineReason != "Bentrok jadwal" {
		t.Errorf("status %+v", st[0].Invitation)
	}
	// Invited again: the old link stops working, the new one works.
	tok2 := e.invite(t)
	if _, err := e.sp.PortalByToken(ctx, tok); !errors.Is(err, models.ErrNotFound) {
		t.Error("the revoked link still works")
	}
	if _, err := e.sp.PortalByToken(ctx, tok2); err != nil {
		t.Fatal(err)
	}
	// A reminder adds a link; both the invitation's and the reminder's work.
	if err := e.sp.RemindSpeaker(ctx, e.w.ID, e.entry.ID); err != nil {
		t.Fatal(err)
	}
	var rem models.MailMessage
	e.db.R.Where("kind = ?", KindSpeakerReminder).First(&rem)
	if _, err := e.sp.PortalByToken(ctx, between(rem.Data, `"token":"`, `"`)); err != nil {
		t.Errorf("reminder link: %v", err)
	}
	if _, err := e.sp.PortalByToken(ctx, tok2); err != nil {
		t.Errorf("invitation link after a reminder: %v", err)
	}
	changed := tok2[:len(tok2)-1] + "x"
	if strings.HasSuffix(tok2, "x") {
		changed = tok2[:len(tok2)-1] + "y"
	}
	for _, bad := range []string{"", "short", changed, strings.Repeat("a", 500)} {
		if _, err := e.sp.PortalByToken(ctx, bad); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	e.now = e.now.Add(31 * 24 * time.Hour)
	if _, err := e.sp.PortalByToken(ctx, tok2); !errors.Is(err, models.ErrNotFound) {
		t.Error("an expired link still works")
	}
	e.now = fixedNow
	if err := e.sp.Revoke(ctx, e.w.ID, e.entry.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sp.PortalByToken(ctx, tok2); !errors.Is(err, models.ErrNotFound) {
		t.Error("a revoked invitation's link still works")
	}
}

func TestInviteNeedsEmail(t *testing.T) {
	e := newSpeakerEnv(t)
	noMail, err := NewWebinars(e.db, clock, "test").AddLineupEntry(context.Background(), e.w.ID, LineupInput{Role: "kol", Person: PersonInput{Name: "Tanpa Email"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.sp.Invite(context.Background(), &models.Organizer{ID: 1}, e.w.ID, noMail.ID, "", 0); fieldsOf(t, err)["email"] != "invite_email" {
		t.Errorf("invite without email: %v", err)
	}
}

func leftovers(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

func TestMaterialsUploadVisibilityQuotaAndVersions(t *testing.T) {
	ctx := context.Background()
	e := newSpeakerEnv(t)
	start := e.w.StartsAt
	reg := MaterialInput{EntryID: &e.entry.ID, Visibility: models.VisibleRegistrants, AvailableFrom: &start, UploadedBy: "speaker"}
	m, err := e.sp.AddFile(ctx, e.w.ID, reg, "../../etc/passwd\x00.pdf", strings.NewReader(tinyPDF))
	if err != nil {
		t.Fatal(err)
	}
	if m.ContentType != "application/pdf" || strings.ContainsAny(m.Name, "/\x00") || strings.Contains(m.StorageKey, "passwd") {
		t.Errorf("material %+v", m)
	}
	pub := MaterialInput{Visibility: models.VisiblePublic, Link: "https://example.org/rekaman", Name: "Rekaman", UploadedBy: "organizer"}
	if _, err := e.sp.AddLink(ctx, e.w.ID, pub); err != nil {
		t.Fatal(err)
	}
	count := func(v Viewer) int {
		list, err := e.sp.Materials(ctx, e.w.ID, v)
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	if count(ViewerPublic) != 1 || count(ViewerRegistrant) != 1 || count(ViewerOrganizer) != 2 {
		t.Errorf("before the start: public %d registrant %d organizer %d", count(ViewerPublic), count(ViewerRegistrant), count(ViewerOrganizer))
	}
	e.now = start.Add(time.Minute)
	if count(ViewerRegistrant) != 2 || count(ViewerPublic) != 1 {
		t.Errorf("after the start: registrant %d public %d", count(ViewerRegistrant), count(ViewerPublic))
	}
	// Refusals leave nothing on disk.
	before := leftovers(t, e.dir)
	for name, body := range map[string]string{
		"slides.pdf": "<!doctype html><html><script>alert(1)</script></html>",
		"x.svg":      `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`,
	} {
		if _, err := e.sp.AddFile(ctx, e.w.ID, reg, name, strings.NewReader(body)); fieldsOf(t, err)["file"] != "file_type" {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := e.sp.AddFile(ctx, e.w.ID, reg, "slides.pptx", bytes.NewReader(macroPPTX(t))); fieldsOf(t, err)["file"] != "file_macros" {
		t.Errorf("pptx with macros: %v", err)
	}
	if _, err := e.sp.AddFile(ctx, e.w.ID, reg, "big.pdf", bytes.NewReader(append([]byte(tinyPDF), make([]byte, 2<<20)...))); !errors.Is(err, ErrFileTooLarge) {
		t.Errorf("too large: %v", err)
	}
	e.db.W.Exec(`UPDATE webinars SET materials_quota_mb = 0 WHERE id = ?`, e.w.ID)
	var ce *ConflictError
	if _, err := e.sp.AddFile(ctx, e.w.ID, reg, "more.pdf", strings.NewReader(tinyPDF)); !errors.As(err, &ce) || ce.Code != "quota" {
		t.Errorf("over quota: %v", err)
	}
	if after := leftovers(t, e.dir); after != before {
		t.Errorf("refused uploads left %d files", after-before)
	}
	// Replacing keeps the earlier version.
	e.db.W.Exec(`UPDATE webinars SET materials_quota_mb = 500 WHERE id = ?`, e.w.ID)
	repl := reg
	repl.Replaces = &m.ID
	m2, err := e.sp.AddFile(ctx, e.w.ID, repl, "v2.pdf", strings.NewReader(tinyPDF+"% v2\n"))
	if err != nil {
		t.Fatal(err)
	}
	var versions int64
	e.db.R.Model(&models.Material{}).Where("webinar_id = ?", e.w.ID).Count(&versions)
	list, _ := e.sp.Materials(ctx, e.w.ID, ViewerOrganizer)
	if versions != 3 || len(list) != 2 {
		t.Errorf("%d rows, %d current", versions, len(list))
	}
	if err := e.sp.DeleteMaterial(ctx, e.w.ID, m2.ID, &e.entry.ID); err != nil {
		t.Fatal(err)
	}
	if count(ViewerOrganizer) != 1 {
		t.Error("a deleted material is listed")
	}
}

func TestRunSheetTimesAndOverrun(t *testing.T) {
	ctx := context.Background()
	e := newSpeakerEnv(t)
	w, _ := NewWebinars(e.db, clock, "test").Get(ctx, e.w.ID)
	if err := e.sp.GenerateSegments(ctx, w); err != nil {
		t.Fatal(err)
	}
	segs, overrun, err := e.sp.RunSheet(ctx, w)
	if err != nil || len(segs) != 4 || overrun {
		t.Fatalf("segments %d overrun %v err %v", len(segs), overrun, err)
	}
	if !segs[1].Start.Equal(w.StartsAt.Add(10*time.Minute)) || segs[1].Entry == nil || segs[1].Entry.Person.Name != "Diana Belinda" {
		t.Errorf("second segment %+v", segs[1])
	}
	if err := e.sp.AddSegment(ctx, w.ID, SegmentInput{Kind: "break", DurationMinutes: 200}); err != nil {
		t.Fatal(err)
	}
	if _, overrun, _ := e.sp.RunSheet(ctx, w); !overrun {
		t.Error("200 more minutes must run past the end")
	}
	if err := e.sp.AddSegment(ctx, w.ID, SegmentInput{Kind: "nap", DurationMinutes: 0}); fieldsOf(t, err)["kind"] != "unknown" {
		t.Errorf("bad segment: %v", err)
	}
}

func TestSpeakerReminderOnceBeforeTheWebinar(t *testing.T) {
	ctx := context.Background()
	e := newSpeakerEnv(t)
	e.invite(t)
	sch := NewScheduler(e.db, func() time.Time { return e.now }, "test")
	e.now = e.w.StartsAt.Add(-4 * 24 * time.Hour)
	sch.Tick(ctx)
	e.now = e.w.StartsAt.Add(-2 * 24 * time.Hour)
	sch.Tick(ctx)
	sch.Tick(ctx)
	if k := mailKinds(t, e.db); k[KindSpeakerReminder] != 1 {
		t.Errorf("speaker reminders %v", k)
	}
}

func TestSpeakerOptionsAndReplaceKeepsHistory(t *testing.T) {
	ctx := context.Background()
	e := newSpeakerEnv(t)
	if err := e.sp.SetOptions(ctx, e.w.ID, 61, 0); fieldsOf(t, err)["speaker_reminder_days"] != "range" || fieldsOf(t, err)["materials_quota_mb"] != "range" {
		t.Errorf("bad options: %v", err)
	}
	if err := e.sp.SetOptions(ctx, e.w.ID, 0, 10); err != nil {
		t.Fatal(err)
	}
	var w models.Webinar
	e.db.R.First(&w, e.w.ID)
	if w.SpeakerReminderDays != 0 || w.MaterialsQuotaMB != 10 {
		t.Errorf("options %d %d", w.SpeakerReminderDays, w.MaterialsQuotaMB)
	}
}

func TestImportInAnotherZone(t *testing.T) {
	ctx := context.Background()
	db, w, s, ids := groboganEnv(t, aug2(t))
	if _, err := s.ImportIn(ctx, &models.Organizer{ID: 1}, w.ID, "r.csv", readSample(t, "webinar-attendee-report.csv"), nil, false, nil, "Mars/Olympus"); fieldsOf(t, err)["timezone"] != "unknown" {
		t.Errorf("unknown zone: %v", err)
	}
	// Read as WITA, the report starts an hour earlier in absolute time; the
	// minutes do not change.
	if _, err := s.ImportIn(ctx, &models.Organizer{ID: 1}, w.ID, "r.csv", readSample(t, "webinar-attendee-report.csv"), nil, false, nil, "Asia/Makassar"); err != nil {
		t.Fatal(err)
	}
	var start time.Time
	var reps []models.AttendanceReport
	db.R.Find(&reps)
	if reps[0].ActualStart != nil {
		start = *reps[0].ActualStart
	}
	if !start.Equal(time.Date(2021, 8, 2, 0, 58, 12, 0, time.UTC)) {
		t.Errorf("actual start read in WITA: %v", start)
	}
	if got := attendanceOf(t, db, ids)["Siti"].AttendedMinutes; got != 180 {
		t.Errorf("Siti %v", got)
	}
}

func TestMoveSegment(t *testing.T) {
	ctx := context.Background()
	e := newSpeakerEnv(t)
	w, _ := NewWebinars(e.db, clock, "test").Get(ctx, e.w.ID)
	if err := e.sp.GenerateSegments(ctx, w); err != nil {
		t.Fatal(err)
	}
	order := func() []uint {
		segs, _, err := e.sp.RunSheet(ctx, w)
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]uint, len(segs))
		for i, s := range segs {
			ids[i] = s.ID
		}
		return ids
	}
	before := order()
	if err := e.sp.MoveSegment(ctx, w.ID, before[1], -1); err != nil {
		t.Fatal(err)
	}
	if got := order(); got[0] != before[1] || got[1] != before[0] || got[2] != before[2] {
		t.Errorf("after moving the second block up: %v, before %v", got, before)
	}
	last := before[len(before)-1]
	if err := e.sp.MoveSegment(ctx, w.ID, last, 1); err != nil {
		t.Fatal(err)
	}
	if got := order(); got[len(got)-1] != last {
		t.Errorf("the last block moved down: %v", got)
	}
	if err := e.sp.MoveSegment(ctx, w.ID, 9999, 1); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("unknown block: %v", err)
	}
}

// macroPPTX is a presentation with a VBA project, named like a plain one.
func macroPPTX(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for name, body := range map[string]string{
		"[Content_Types].xml":  `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`,
		"ppt/presentation.xml": `<?xml version="1.0"?><root/>`,
		"ppt/vbaProject.bin":   "VBA",
	} {
		f, err := w.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(f, body)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
