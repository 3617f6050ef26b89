package attendance

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The shared samples live beside the repository (CI lays shared/ out the
// same way), two levels up from this package.
var sampleDir = filepath.Join("..", "..", "shared", "testdata", "zoom")

func readSample(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sampleDir, name))
	if err != nil {
		t.Fatalf("shared sample: %v", err)
	}
	return string(b)
}

var jakarta = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Jakarta")
	if err != nil {
		// No tzdata on the machine: WIB has no DST, a fixed zone is exact.
		return time.FixedZone("WIB", 7*3600)
	}
	return loc
}()

func mustParse(t testing.TB, text string, m *Mapping) *Report {
	t.Helper()
	rep, err := Parse(strings.NewReader(text), jakarta, m, time.Time{})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return rep
}

func byKey(ps []Person) map[string]Person {
	out := map[string]Person{}
	for _, p := range ps {
		out[p.Key] = p
	}
	return out
}

// want is what the README expects per person; role "" means attendee.
type want struct {
	key     string
	minutes float64
	role    string
	absent  bool
}

// webinarWant is the README's table plus the host and panelists, whose
// minutes are their own intervals (the host's 08:58:12–12:00:40 is 182.47
// minutes; Zoom's own column rounds it up to 183).
var webinarWant = []want{
	{"email:diskominfo@grobogan.example", 182 + 28.0/60, RoleHost, false},
	{"email:dannys@example.id", 181 + 9.0/60, RolePanelist, false},
	{"email:padmasari@example.id", 44 + 27.0/60, RolePanelist, false},
	{"email:siti.rahayu@example.com", 180, "", false},
	{"email:budi.santoso@example.com", 176, "", false},
	{"email:dewi.lestari@example.com", 160, "", false},
	{"email:rina.kusuma@example.com", 176, "", false},
	{"name:eko prasetyo", 150, "", false},
	{"email:ahmad.fauzi@example.com", 45, "", false},
	{"email:agus.wibowo@example.com", 30, "", false},
	{"email:sri.wahyuni@example.com", 0, "", true},
	{"email:joko.susilo@example.com", 0, "", true},
}

// meetingWant is what meeting-participants.csv holds: the host (a meeting
// report does not mark the host, so the role is attendee), Siti, Budi's two
// rows, Rina, Eko and Ahmad, with the same times as the webinar report. It
// has no Dewi, no Agus, no panelists and no absentees (a meeting report
// lists only people who joined).
var meetingWant = []want{
	{"email:diskominfo@grobogan.example", 182 + 28.0/60, "", false},
	{"email:siti.rahayu@example.com", 180, "", false},
	{"email:budi.santoso@example.com", 176, "", false},
	{"email:rina.kusuma@example.com", 176, "", false},
	{"name:eko prasetyo", 150, "", false},
	{"email:ahmad.fauzi@example.com", 45, "", false},
}

func checkPeople(t *testing.T, ps []Person, wants []want) {
	t.Helper()
	if len(ps) != len(wants) {
		keys := make([]string, len(ps))
		for i, p := range ps {
			keys[i] = p.Key
		}
		t.Fatalf("got %d people %v, want %d", len(ps), keys, len(wants))
	}
	got := byKey(ps)
	for _, w := range wants {
		t.Run(w.key, func(t *testing.T) {
			p, ok := got[w.key]
			if !ok {
				t.Fatalf("no person %q", w.key)
			}
			if math.Abs(p.Minutes-w.minutes) > 0.01 {
				t.Errorf("minutes = %.2f, want %.2f", p.Minutes, w.minutes)
			}
			role := w.role
			if role == "" {
				role = RoleAttendee
			}
			if p.Role != role {
				t.Errorf("role = %q, want %q", p.Role, role)
			}
			if p.Absent != w.absent {
				t.Errorf("absent = %v, want %v", p.Absent, w.absent)
			}
		})
	}
}

func TestWebinarSample(t *testing.T) {
	rep := mustParse(t, readSample(t, "webinar-attendee-report.csv"), nil)
	if rep.Format != FormatZoomWebinar {
		t.Errorf("format = %q", rep.Format)
	}
	if rep.ActualMinutes != 182 {
		t.Errorf("actual minutes = %d, want 182", rep.ActualMinutes)
	}
	if want := time.Date(2021, 8, 2, 8, 58, 12, 0, jakarta); !rep.ActualStart.Equal(want) {
		t.Errorf("actual start = %v, want %v", rep.ActualStart, want)
	}
	if !strings.HasPrefix(rep.Topic, "Tiga strategi") {
		t.Errorf("topic = %q", rep.Topic)
	}
	if len(rep.Rows) != 14 {
		t.Fatalf("rows = %d, want 14", len(rep.Rows))
	}
	t.Run("rows", func(t *testing.T) {
		for _, tc := range []struct {
			line                int
			role, name, orig    string
			email               string
			absent, guest, zero bool
		}{
			{7, RoleHost, "Diskominfo Grobogan", "", "diskominfo@grobogan.example", false, false, false},
			{10, RolePanelist, "Dannys Citra", "", "dannys@example.id", false, true, false},
			// "Dewi (HP)" reads as Zoom's "Name (Original Name)": the
			// device label lands in OriginalName.
			{17, RoleAttendee, "Dewi", "HP", "DEWI.LESTARI@Example.com", false, true, false},
			{22, RoleAttendee, "Eko Prasetyo", "", "", false, true, false},
			{23, RoleAttendee, "Sri Wahyuni", "", "sri.wahyuni@example.com", true, false, true},
		} {
			var row *Row
			for i := range rep.Rows {
				if rep.Rows[i].Line == tc.line {
					row = &rep.Rows[i]
				}
			}
			if row == nil {
				t.Fatalf("no row on line %d", tc.line)
			}
			if row.Role != tc.role || row.Name != tc.name || row.OriginalName != tc.orig || row.Email != tc.email ||
				row.Absent != tc.absent || row.Guest != tc.guest || row.Join.IsZero() != tc.zero {
				t.Errorf("line %d = %+v", tc.line, *row)
			}
		}
	})
	checkPeople(t, People(rep), webinarWant)
}

func TestMeetingSample(t *testing.T) {
	rep := mustParse(t, readSample(t, "meeting-participants.csv"), nil)
	if rep.Format != FormatZoomMeeting || rep.ActualMinutes != 0 || !rep.ActualStart.IsZero() {
		t.Errorf("format %q, actual %d, start %v", rep.Format, rep.ActualMinutes, rep.ActualStart)
	}
	if len(rep.Rows) != 7 {
		t.Fatalf("rows = %d, want 7", len(rep.Rows))
	}
	checkPeople(t, People(rep), meetingWant)
}

// Both exports of one session together must give the webinar's numbers:
// the meeting report's rows are the same intervals, so they count once.
func TestBothSamplesTogether(t *testing.T) {
	web := mustParse(t, readSample(t, "webinar-attendee-report.csv"), nil)
	meet := mustParse(t, readSample(t, "meeting-participants.csv"), nil)
	for _, order := range []struct {
		name string
		reps []*Report
	}{{"webinar first", []*Report{web, meet}}, {"meeting first", []*Report{meet, web}}} {
		t.Run(order.name, func(t *testing.T) {
			ps := People(order.reps...)
			checkPeople(t, ps, webinarWant)
			budi := byKey(ps)["email:budi.santoso@example.com"]
			if len(budi.Lines) != 4 || len(budi.Intervals) != 2 {
				t.Errorf("Budi lines %v intervals %v", budi.Lines, budi.Intervals)
			}
		})
	}
}

// looseCopy rewrites a sample the way other exports and editors do: BOM,
// CRLF, headers in other case and spacing, quoted headers, the other
// spelling of the duration column, section titles with trailing commas.
func looseCopy(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, "Attended,") || strings.HasPrefix(l, "Name (Original Name),"):
			l = strings.NewReplacer(
				"Time in Session (minutes)", "Duration (Minutes)",
				"Duration (Minutes)", " time in session(Minutes) ",
				"Join Time", "  JOIN   time ",
				"Leave Time", `"Leave Time"`,
				"User Name (Original Name)", "user name(original name)",
				"Email", "E-mail",
				"Attended", `" attended "`,
			).Replace(l)
		case strings.HasSuffix(l, "Details"):
			l += ",,,"
		case strings.HasPrefix(l, "Topic,"):
			l = strings.ToUpper(l)
		}
		lines[i] = l
	}
	return "\ufeff" + strings.Join(lines, "\r\n") + "\r\n"
}

func TestLooseHeaders(t *testing.T) {
	for _, tc := range []struct {
		file  string
		wants []want
	}{
		{"webinar-attendee-report.csv", webinarWant},
		{"meeting-participants.csv", meetingWant},
	} {
		t.Run(tc.file, func(t *testing.T) {
			orig := mustParse(t, readSample(t, tc.file), nil)
			text := looseCopy(readSample(t, tc.file))
			if text == readSample(t, tc.file) || !strings.Contains(text, "\r\n") {
				t.Fatal("the copy is not loose")
			}
			rep := mustParse(t, text, nil)
			if rep.Format != orig.Format || rep.ActualMinutes != orig.ActualMinutes || !rep.ActualStart.Equal(orig.ActualStart) {
				t.Errorf("got %q %d %v, want %q %d %v", rep.Format, rep.ActualMinutes, rep.ActualStart,
					orig.Format, orig.ActualMinutes, orig.ActualStart)
			}
			if len(rep.Rows) != len(orig.Rows) {
				t.Fatalf("rows = %d, want %d", len(rep.Rows), len(orig.Rows))
			}
			for i := range rep.Rows {
				if rep.Rows[i] != orig.Rows[i] {
					t.Errorf("row %d = %+v, want %+v", i, rep.Rows[i], orig.Rows[i])
				}
			}
			checkPeople(t, People(rep), tc.wants)
		})
	}
}

func TestOtherZoomVariants(t *testing.T) {
	cases := []struct {
		name, text    string
		format        string
		actualMinutes int
		start         time.Time
		wantRows      int
		check         func(t *testing.T, rep *Report)
	}{
		{
			name: "meeting with metadata block",
			text: "Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants\n" +
				"912 3456 7890,Kelas Daring,08/02/2021 08:58:12 AM,08/02/2021 12:00:40 PM,host@example.org,183,3\n" +
				"\n" +
				"Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest,Recording Consent,In Waiting Room\n" +
				"Siti Rahayu,siti.rahayu@example.com,08/02/2021 08:55:00 AM,08/02/2021 09:00:00 AM,5,Yes,,Yes\n" +
				"Siti Rahayu,siti.rahayu@example.com,08/02/2021 09:00:00 AM,08/02/2021 12:00:00 PM,180,Yes,Y,No\n" +
				"Budi S (Budi Santoso),budi.santoso@example.com,08/02/2021 09:02:00 AM,08/02/2021 10:01:00 AM,59,Yes,Y,No\n",
			format: FormatZoomMeeting, actualMinutes: 183, start: time.Date(2021, 8, 2, 8, 58, 12, 0, jakarta), wantRows: 3,
			check: func(t *testing.T, rep *Report) {
				if !rep.Rows[0].WaitingRoom || !rep.Rows[0].Absent {
					t.Errorf("waiting-room row = %+v", rep.Rows[0])
				}
				if r := rep.Rows[2]; r.Name != "Budi S" || r.OriginalName != "Budi Santoso" {
					t.Errorf("renamed row = %q (%q)", r.Name, r.OriginalName)
				}
				siti := byKey(People(rep))["email:siti.rahayu@example.com"]
				if siti.Minutes != 180 {
					t.Errorf("Siti = %v minutes; the 5 in the waiting room must not count", siti.Minutes)
				}
			},
		},
		{
			name: "older meeting report without consent columns",
			text: "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n" +
				"Rina Kusuma,rina.kusuma@example.com,2021-08-02 08:59:00,2021-08-02 11:55:00,176,Yes\n",
			format: FormatZoomMeeting, wantRows: 1,
		},
		{
			name: "unique users",
			text: "Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants\n" +
				"912 3456 7890,Kelas Daring,Aug 2 2021 08:58,Aug 2 2021 12:00,host@example.org,182,3\n" +
				"Name (Original Name),User Email,Total Duration (Minutes),Guest\n" +
				"Budi Santoso,budi.santoso@example.com,176,Yes\n" +
				"Eko Prasetyo,,150,Yes\n",
			format: FormatZoomMeetingUnique, actualMinutes: 182, start: time.Date(2021, 8, 2, 8, 58, 0, 0, jakarta), wantRows: 2,
			check: func(t *testing.T, rep *Report) {
				for _, r := range rep.Rows {
					if !r.Join.IsZero() || r.Absent {
						t.Errorf("row %+v", r)
					}
				}
				got := byKey(People(rep))
				if got["email:budi.santoso@example.com"].Minutes != 176 || got["name:eko prasetyo"].Minutes != 150 {
					t.Errorf("people %+v", got)
				}
			},
		},
		{
			// Excel in the Indonesian locale re-saves with semicolons,
			// decimal commas, day-first dates and dotted times.
			name: "Indonesian Excel re-save",
			text: "Name (Original Name);User Email;Join Time;Leave Time;Duration (Minutes);Guest\n" +
				"Dédé Suryani;dede@example.com;13/08/2021 09.00;13/08/2021 10.30;90,5;Ya\n" +
				"Budi Santoso;budi.santoso@example.com;13/08/2021 9.15;13/08/2021 11.15;120;Ya\n",
			format: FormatZoomMeeting, wantRows: 2,
			check: func(t *testing.T, rep *Report) {
				r := rep.Rows[0]
				if !r.Join.Equal(time.Date(2021, 8, 13, 9, 0, 0, 0, jakarta)) || r.Minutes != 90.5 || !r.Guest {
					t.Errorf("row %+v", r)
				}
			},
		},
		{
			name: "webinar sections in another order, other time layout",
			text: "Attendee Details,\n" +
				"Attended,User Name (Original Name),Email,Join Time,Leave Time,Time in Session (minutes),Is Guest\n" +
				"Yes,Siti Rahayu,siti.rahayu@example.com,\"Aug 2, 2021 09:00:00\",\"Aug 2, 2021 12:00:00\",180,No\n" +
				"Host Details,\n" +
				"User Name (Original Name),Email,Join Time,Leave Time,Time in Session (minutes)\n" +
				"Host,host@example.org,\"Aug 2, 2021 08:58\",\"Aug 2, 2021 12:00\",182\n",
			format: FormatZoomWebinar, wantRows: 2,
			check: func(t *testing.T, rep *Report) {
				if rep.Rows[0].Role != RoleAttendee || rep.Rows[1].Role != RoleHost {
					t.Errorf("roles %q %q", rep.Rows[0].Role, rep.Rows[1].Role)
				}
			},
		},
		{
			name: "UTF-16 with BOM (Excel Unicode text)",
			text: utf16LE("Name (Original Name)\tUser Email\tJoin Time\tLeave Time\tDuration (Minutes)\r\n" +
				"Siti Rahayu\tsiti.rahayu@example.com\t08/02/2021 09:00:00 AM\t08/02/2021 12:00:00 PM\t180\r\n"),
			format: FormatZoomMeeting, wantRows: 1,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep := mustParse(t, tc.text, nil)
			if rep.Format != tc.format || rep.ActualMinutes != tc.actualMinutes || !rep.ActualStart.Equal(tc.start) {
				t.Errorf("format %q actual %d start %v", rep.Format, rep.ActualMinutes, rep.ActualStart)
			}
			if len(rep.Rows) != tc.wantRows {
				t.Fatalf("rows = %d, want %d: %+v", len(rep.Rows), tc.wantRows, rep.Rows)
			}
			if tc.check != nil {
				tc.check(t, rep)
			}
		})
	}
}

func utf16LE(s string) string {
	b := []byte{0xff, 0xfe}
	for _, r := range s {
		b = append(b, byte(r), byte(r>>8))
	}
	return string(b)
}

func TestGoogleMeet(t *testing.T) {
	t.Run("times of day", func(t *testing.T) {
		// Meet's attendance sheet: one row per person, total duration,
		// first join and last exit as times of day.
		text := "First name,Last name,Email,Duration,Time joined,Time exited\n" +
			"Siti,Rahayu,siti.rahayu@example.com,2 hr 58 min,9:01 AM,11:59 AM\n" +
			"Budi,Santoso,budi.santoso@example.com,1 hr 56 min,9:02 AM,12:00 PM\n" +
			"Eko,Prasetyo,,01:30:00,9:15 AM,10:45 AM\n" +
			"Agus,,agus.wibowo@example.com,30 min,10:30 AM,11:00 AM\n"
		rep := mustParse(t, text, nil)
		if rep.Format != FormatGoogleMeet || len(rep.Rows) != 4 {
			t.Fatalf("format %q rows %d", rep.Format, len(rep.Rows))
		}
		got := byKey(People(rep))
		for key, m := range map[string]float64{
			"email:siti.rahayu@example.com": 178, "email:budi.santoso@example.com": 116,
			"name:eko prasetyo": 90, "email:agus.wibowo@example.com": 30,
		} {
			if got[key].Minutes != m {
				t.Errorf("%s = %v minutes, want %v", key, got[key].Minutes, m)
			}
		}
		if rep.Rows[0].Name != "Siti Rahayu" || rep.Rows[3].Name != "Agus" {
			t.Errorf("names %q %q", rep.Rows[0].Name, rep.Rows[3].Name)
		}
	})
	t.Run("full timestamps", func(t *testing.T) {
		text := "First name,Last name,Email,Duration,Time joined,Time exited\n" +
			"Siti,Rahayu,siti.rahayu@example.com,180,2021-08-02 09:00:00,2021-08-02 12:00:00\n" +
			// Budi left for 2 minutes: 09:02 to 12:00 is 178 minutes but
			// Meet counts 176 in the call.
			"Budi,Santoso,budi.santoso@example.com,1 hr 56 min,2021-08-02 09:02:00,2021-08-02 12:00:00\n"
		rep := mustParse(t, text, nil)
		siti, budi := rep.Rows[0], rep.Rows[1]
		if siti.Join.IsZero() || !siti.Span.Start.IsZero() {
			t.Errorf("Siti stayed: want Join/Leave, got %+v", siti)
		}
		if !budi.Join.IsZero() || budi.Span.Start.IsZero() || budi.Minutes != 116 {
			t.Errorf("Budi left and came back: want a Span, got %+v", budi)
		}
		got := byKey(People(rep))
		if got["email:budi.santoso@example.com"].Minutes != 116 || got["email:siti.rahayu@example.com"].Minutes != 180 {
			t.Errorf("people %+v", got)
		}
	})
}

// genericText is another tool's sheet: a title line, Indonesian headers.
const genericText = "Daftar Hadir Webinar Pelayanan Publik,,,,,\n" +
	"No,Nama Lengkap,Alamat Email,Jam Masuk,Jam Keluar,Lama (menit)\n" +
	"1,Siti Rahayu,siti.rahayu@example.com,02/08/2021 09:00,02/08/2021 12:00,180\n" +
	"2,Budi Santoso (Dinas Kominfo),budi.santoso@example.com,02/08/2021 09:02,02/08/2021 10:01,59\n" +
	"3,Budi Santoso (Dinas Kominfo),budi.santoso@example.com,02/08/2021 10:03,02/08/2021 12:00,117\n"

func TestGenericCSV(t *testing.T) {
	t.Run("unknown without mapping", func(t *testing.T) {
		_, err := Parse(strings.NewReader(genericText), jakarta, nil, time.Time{})
		if !errors.Is(err, ErrUnknownFormat) {
			t.Fatalf("err = %v, want ErrUnknownFormat", err)
		}
		var ue *UnknownFormatError
		if !errors.As(err, &ue) {
			t.Fatalf("err %T is not *UnknownFormatError", err)
		}
		wantHeader := []string{"No", "Nama Lengkap", "Alamat Email", "Jam Masuk", "Jam Keluar", "Lama (menit)"}
		if ue.Line != 2 || strings.Join(ue.Header, "|") != strings.Join(wantHeader, "|") {
			t.Errorf("line %d header %q", ue.Line, ue.Header)
		}
		if !strings.Contains(err.Error(), `"Jam Masuk"`) {
			t.Errorf("message %q does not show the header", err)
		}
	})
	t.Run("with mapping", func(t *testing.T) {
		m := &Mapping{Name: "nama lengkap", Email: "Alamat E-mail", Join: "JAM MASUK", Leave: "Jam Keluar", Minutes: "lama (menit)"}
		rep := mustParse(t, genericText, m)
		if rep.Format != FormatCSV || len(rep.Rows) != 3 || rep.Rows[0].Line != 3 {
			t.Fatalf("format %q rows %+v", rep.Format, rep.Rows)
		}
		// Parentheses belong to the name outside Zoom's "(Original Name)".
		if rep.Rows[1].Name != "Budi Santoso (Dinas Kominfo)" {
			t.Errorf("name %q", rep.Rows[1].Name)
		}
		got := byKey(People(rep))
		if got["email:budi.santoso@example.com"].Minutes != 176 || got["email:siti.rahayu@example.com"].Minutes != 180 {
			t.Errorf("people %+v", got)
		}
	})
	t.Run("mapping ignored for a known report", func(t *testing.T) {
		rep := mustParse(t, readSample(t, "meeting-participants.csv"), &Mapping{Name: "nope"})
		if rep.Format != FormatZoomMeeting {
			t.Errorf("format %q", rep.Format)
		}
	})
	t.Run("mapping with a missing column", func(t *testing.T) {
		_, err := Parse(strings.NewReader(genericText), jakarta, &Mapping{Name: "Nama Lengkap", Leave: "Jam Pulang"}, time.Time{})
		var ue *UnknownFormatError
		if !errors.Is(err, ErrMissingColumn) || !errors.As(err, &ue) || len(ue.Missing) != 1 || ue.Missing[0] != "Jam Pulang" {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("mapping without name or email", func(t *testing.T) {
		_, err := Parse(strings.NewReader(genericText), jakarta, &Mapping{Join: "Jam Masuk"}, time.Time{})
		if !errors.Is(err, ErrMissingColumn) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestBadInput(t *testing.T) {
	meetingHeader := "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n"
	okRow := "Siti Rahayu,siti.rahayu@example.com,08/02/2021 09:00:00 AM,08/02/2021 12:00:00 PM,180,Yes\n"
	cases := []struct {
		name   string
		text   string
		is     error
		line   int    // of the first *LineError, 0 for none
		prefix string // of the message
		reason string // of a NotCSVError
	}{
		{name: "empty", text: "", is: ErrEmpty},
		{name: "whitespace only", text: "  \r\n\t\n   \n", is: ErrEmpty},
		{name: "BOM only", text: "\ufeff\n", is: ErrEmpty},
		{name: "only separators", text: ",,,\n,,\n", is: ErrEmpty},
		{name: "PNG", text: "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", is: ErrNotCSV, prefix: "attendance: not a CSV report: the file is a PNG image"},
		{name: "PDF", text: "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\n", is: ErrNotCSV, reason: "pdf"},
		{name: "xlsx", text: "PK\x03\x04\x14\x00\x06\x00", is: ErrNotCSV, reason: "zip"},
		{name: "HTML page", text: "<!DOCTYPE html>\n<html><body>Sign in</body></html>\n", is: ErrNotCSV, reason: "html"},
		{name: "binary", text: "ab\x00\x01\x02\x03cd,ef\n", is: ErrNotCSV, reason: "binary"},
		{name: "plain text", text: "Daftar hadir\nSiti Rahayu\nBudi Santoso\n", is: ErrNotCSV, reason: "table"},
		{
			name: "malformed time", is: ErrBadTime, line: 3,
			text:   meetingHeader + okRow + "Budi Santoso,budi.santoso@example.com,31/02/2021 25:00,08/02/2021 10:01:00 AM,59,Yes\n",
			prefix: `line 3: join time "31/02/2021 25:00": not a date and time`,
		},
		{
			name: "leave before join", is: ErrNegativeDuration, line: 2,
			text:   meetingHeader + "Siti Rahayu,siti.rahayu@example.com,08/02/2021 12:00:00 PM,08/02/2021 09:00:00 AM,180,Yes\n",
			prefix: `line 2: leave time "08/02/2021 09:00:00 AM": negative duration: it is before the join time "08/02/2021 12:00:00 PM"`,
		},
		{
			name: "negative minutes", is: ErrNegativeDuration, line: 2,
			text:   meetingHeader + "Siti Rahayu,siti.rahayu@example.com,08/02/2021 09:00:00 AM,08/02/2021 12:00:00 PM,-5,Yes\n",
			prefix: `line 2: duration "-5": negative duration`,
		},
		{
			name: "bad duration", is: ErrBadDuration, line: 2,
			text:   meetingHeader + "Siti Rahayu,siti.rahayu@example.com,08/02/2021 09:00:00 AM,08/02/2021 12:00:00 PM,lama,Yes\n",
			prefix: `line 2: duration "lama"`,
		},
		{
			name: "bad metadata start", is: ErrBadTime, line: 2,
			text: "Topic,Webinar ID,Actual Start Time,Actual Duration (minutes)\nX,1,kemarin,182\n" +
				"Attendee Details\nAttended,User Name (Original Name),Email,Join Time,Leave Time\n",
			prefix: `line 2: start time "kemarin"`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := Parse(strings.NewReader(tc.text), jakarta, nil, time.Time{})
			if err == nil {
				t.Fatalf("no error, report %+v", rep)
			}
			if rep != nil {
				t.Errorf("a report with the error")
			}
			if !errors.Is(err, tc.is) {
				t.Errorf("err = %v, want %v", err, tc.is)
			}
			var le *LineError
			if tc.line > 0 && (!errors.As(err, &le) || le.Line != tc.line) {
				t.Errorf("err = %v, want a LineError on line %d", err, tc.line)
			}
			if !strings.HasPrefix(err.Error(), tc.prefix) {
				t.Errorf("message %q, want prefix %q", err, tc.prefix)
			}
			var nc *NotCSVError
			if tc.reason != "" && (!errors.As(err, &nc) || nc.Reason != tc.reason) {
				t.Errorf("err = %v, want a NotCSVError for %q", err, tc.reason)
			}
		})
	}
}

func TestSeveralErrorsAtOnce(t *testing.T) {
	text := "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes)\n" +
		"A,a@example.com,kemarin,08/02/2021 10:00 AM,60\n" +
		"B,b@example.com,08/02/2021 09:00 AM,08/02/2021 10:00 AM,60\n" +
		"C,c@example.com,08/02/2021 11:00 AM,08/02/2021 10:00 AM,60\n"
	_, err := Parse(strings.NewReader(text), jakarta, nil, time.Time{})
	msg := err.Error()
	if !strings.Contains(msg, "line 2: join time") || !strings.Contains(msg, "line 4: leave time") || strings.Contains(msg, "line 3") {
		t.Errorf("message %q", msg)
	}
	if !errors.Is(err, ErrBadTime) || !errors.Is(err, ErrNegativeDuration) {
		t.Errorf("err %v does not wrap both", err)
	}
}

func TestAmbiguousDatesReadNearTheWebinar(t *testing.T) {
	text := "Name (Original Name);User Email;Join Time;Leave Time;Duration (Minutes)\n" +
		"Dédé Suryani;dede@example.com;03/08/2021 09.00;03/08/2021 10.30;90\n" +
		"Budi Santoso;budi.santoso@example.com;03/08/2021 9.15;03/08/2021 11.15;120\n"
	march8 := time.Date(2021, 3, 8, 9, 0, 0, 0, jakarta)
	august3 := time.Date(2021, 8, 3, 9, 0, 0, 0, jakarta)
	cases := []struct {
		name       string
		near, want time.Time
	}{
		{"no webinar date: month-first, as Zoom writes", time.Time{}, march8},
		{"webinar on 3 August: day-first", august3.Add(-time.Hour), august3},
		{"webinar on 8 March: month-first", march8, march8},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := Parse(strings.NewReader(text), jakarta, nil, tc.near)
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Rows[0].Join.Equal(tc.want) || !rep.Start().Equal(tc.want) {
				t.Errorf("join %v, start %v, want %v", rep.Rows[0].Join, rep.Start(), tc.want)
			}
		})
	}
	unambiguous := strings.ReplaceAll(text, "03/08/2021", "2021-03-08")
	if rep, err := Parse(strings.NewReader(unambiguous), jakarta, nil, august3); err != nil || !rep.Rows[0].Join.Equal(march8) {
		t.Errorf("an ISO date was re-read near the webinar: %v %v", rep, err)
	}
}

func TestParseTime(t *testing.T) {
	at := func(h, m, s int) time.Time { return time.Date(2021, 8, 2, h, m, s, 0, jakarta) }
	cases := []struct {
		in   string
		want time.Time
	}{
		{"08/02/2021 09:01:33 AM", at(9, 1, 33)},
		{"8/2/2021 9:01 PM", at(21, 1, 0)},
		{"08/02/2021 09:01:33 am", at(9, 1, 33)},
		{"08/02/2021 21:01", at(21, 1, 0)},
		{"Aug 2, 2021 09:01:33", at(9, 1, 33)},
		{"Aug 2, 2021, 9:01:33 AM", at(9, 1, 33)},
		{"August 2, 2021 09:01", at(9, 1, 0)},
		{"2021-08-02 09:01:33", at(9, 1, 33)},
		{"2021-08-02 09:01", at(9, 1, 0)},
		{"2021-08-02T09:01:33", at(9, 1, 33)},
		{"2021-08-02T02:01:33Z", at(9, 1, 33)},
		{"2021-08-02T09:01:33.250+07:00", at(9, 1, 33).Add(250 * time.Millisecond)},
		{"02-Aug-2021 09:01", at(9, 1, 0)},
		{"2 Agustus 2021 09.01.33", at(9, 1, 33)},
		{"Mon, Aug 2, 2021 9:01 a.m.", at(9, 1, 0)},
	}
	p := newParser(jakarta, false)
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, timeOnly, err := p.parseTime(tc.in)
			if err != nil || timeOnly || !got.Equal(tc.want) {
				t.Errorf("= %v, %v, %v; want %v", got, timeOnly, err, tc.want)
			}
		})
	}
	for _, bad := range []string{"31/02/2021 25:00", "08/02/2021", "kemarin", "2021-13-01 09:00", "25:00"} {
		t.Run("bad "+bad, func(t *testing.T) {
			if got, _, err := p.parseTime(bad); !errors.Is(err, ErrBadTime) {
				t.Errorf("= %v, %v; want ErrBadTime", got, err)
			}
		})
	}
}

func TestParseMinutes(t *testing.T) {
	cases := []struct {
		in   string
		want float64
		err  error
	}{
		{"183", 183, nil},
		{"59.5", 59.5, nil},
		{"59,5", 59.5, nil},
		{"--", 0, nil},
		{"", 0, nil},
		{"1 hr 23 min", 83, nil},
		{"1 hr", 60, nil},
		{"45 mins", 45, nil},
		{"1h23m", 83, nil},
		{"1 jam 23 menit", 83, nil},
		{"1 hr, 30 sec", 60.5, nil},
		{"01:23:45", 83.75, nil},
		{"1:05", 65, nil},
		{"-5", 0, ErrNegativeDuration},
		{"NaN", 0, ErrBadDuration},
		{"lama", 0, ErrBadDuration},
		{"1 parsec", 0, ErrBadDuration},
		{"1:75", 0, ErrBadDuration},
		{"min", 0, ErrBadDuration},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseMinutes(tc.in)
			if !errors.Is(err, tc.err) || math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("= %v, %v; want %v, %v", got, err, tc.want, tc.err)
			}
		})
	}
}

func TestSniffDelimiter(t *testing.T) {
	cases := []struct {
		name, in string
		want     rune
		ok       bool
	}{
		{"comma", "a,b,c\n1,2,3\n", ',', true},
		{"semicolon with commas in names", "Nama;Email\nSantoso, S.Kom;a@b.c\nSiti;s@b.c\n", ';', true},
		{"tab", "a\tb\n1\t2\n", '\t', true},
		{"quoted commas do not count", "\"a,b\";c\n\"d,e\";f\n", ';', true},
		{"none", "abc\ndef\n", ',', false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := sniffDelimiter(tc.in)
			if ok != tc.ok || (ok && got != tc.want) {
				t.Errorf("= %q, %v; want %q, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestSplitOriginal(t *testing.T) {
	cases := []struct{ in, name, orig string }{
		{"Siti Rahayu", "Siti Rahayu", ""},
		{"Budi S (Budi Santoso)", "Budi S", "Budi Santoso"},
		{"Dewi (HP)", "Dewi", "HP"},
		{"(Budi)", "(Budi)", ""},
		{"Budi ()", "Budi ()", ""},
		{"A (b) (C D)", "A (b)", "C D"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			if n, o := splitOriginal(tc.in); n != tc.name || o != tc.orig {
				t.Errorf("= %q, %q; want %q, %q", n, o, tc.name, tc.orig)
			}
		})
	}
}
