package attendance

import (
	"math"
	"testing"
	"time"
)

func TestUnion(t *testing.T) {
	base := time.Date(2021, 8, 2, 9, 0, 0, 0, jakarta)
	iv := func(from, to int) Interval { // minutes after 09:00
		return Interval{base.Add(time.Duration(from) * time.Minute), base.Add(time.Duration(to) * time.Minute)}
	}
	cases := []struct {
		name   string
		ivs    []Interval
		want   time.Duration
		merged int
	}{
		{"empty", nil, 0, 0},
		{"one", []Interval{iv(0, 180)}, 180 * time.Minute, 1},
		{"disjoint", []Interval{iv(2, 61), iv(63, 180)}, 176 * time.Minute, 2},
		{"overlapping", []Interval{iv(10, 40), iv(35, 170)}, 160 * time.Minute, 1},
		{"nested", []Interval{iv(0, 180), iv(30, 60)}, 180 * time.Minute, 1},
		{"touching", []Interval{iv(0, 30), iv(30, 60)}, 60 * time.Minute, 1},
		{"identical", []Interval{iv(0, 30), iv(0, 30)}, 30 * time.Minute, 1},
		{"unsorted", []Interval{iv(100, 120), iv(0, 30), iv(20, 50)}, 70 * time.Minute, 2},
		{"chain", []Interval{iv(0, 10), iv(5, 20), iv(15, 30), iv(40, 50)}, 40 * time.Minute, 2},
		{"zero length", []Interval{iv(10, 10)}, 0, 0},
		{"reversed ignored", []Interval{iv(30, 10), iv(0, 5)}, 5 * time.Minute, 1},
		{"zero times ignored", []Interval{{}, iv(0, 5)}, 5 * time.Minute, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := append([]Interval(nil), tc.ivs...)
			if got := Union(tc.ivs); got != tc.want {
				t.Errorf("Union = %v, want %v", got, tc.want)
			}
			m := Merge(tc.ivs)
			if len(m) != tc.merged {
				t.Errorf("Merge = %v, want %d intervals", m, tc.merged)
			}
			for i := 1; i < len(m); i++ {
				if !m[i].Start.After(m[i-1].End) {
					t.Errorf("Merge = %v: not sorted and disjoint", m)
				}
			}
			for i := range in {
				if in[i] != tc.ivs[i] {
					t.Fatal("the input was modified")
				}
			}
		})
	}
}

func TestPeopleMerging(t *testing.T) {
	at := func(h, m int) time.Time { return time.Date(2021, 8, 2, h, m, 0, 0, jakarta) }
	cases := []struct {
		name    string
		reports []*Report
		key     string
		minutes float64
		absent  bool
		role    string
		pname   string
		count   int // people in all
	}{
		{
			name: "email case and spaces are one person",
			reports: []*Report{{Rows: []Row{
				{Line: 2, Role: RoleAttendee, Name: "Dewi", Email: "DEWI@Example.com ", Join: at(9, 10), Leave: at(9, 40)},
				{Line: 3, Role: RoleAttendee, Name: "Dewi Lestari", Email: "dewi@example.com", Join: at(9, 35), Leave: at(11, 50)},
			}}},
			key: "email:dewi@example.com", minutes: 160, role: RoleAttendee, pname: "Dewi Lestari", count: 1,
		},
		{
			name: "guests without email by normalised name",
			reports: []*Report{{Rows: []Row{
				{Line: 2, Name: "Eko  Prasetyo", Join: at(9, 0), Leave: at(10, 0)},
				{Line: 3, Name: "eko prasetyo", Join: at(10, 30), Leave: at(11, 0)},
			}}},
			key: "name:eko prasetyo", minutes: 90, count: 1,
		},
		{
			name: "unique-users report and participant report do not add up",
			reports: []*Report{
				{Rows: []Row{{Line: 2, Name: "Budi", Email: "b@example.com", Minutes: 176}}},
				{Rows: []Row{
					{Line: 2, Name: "Budi", Email: "b@example.com", Join: at(9, 2), Leave: at(10, 1), Minutes: 59},
					{Line: 3, Name: "Budi", Email: "b@example.com", Join: at(10, 3), Leave: at(12, 0), Minutes: 117},
				}},
			},
			key: "email:b@example.com", minutes: 176, count: 1,
		},
		{
			name: "rows without times sum within a report",
			reports: []*Report{{Rows: []Row{
				{Line: 2, Name: "Budi", Minutes: 59},
				{Line: 3, Name: "Budi", Minutes: 117},
			}}},
			key: "name:budi", minutes: 176, count: 1,
		},
		{
			name: "absent and waiting room add nothing",
			reports: []*Report{{Rows: []Row{
				{Line: 2, Name: "Sri", Email: "sri@example.com", Absent: true},
				{Line: 3, Name: "Sri", Email: "sri@example.com", Absent: true, WaitingRoom: true, Join: at(8, 50), Leave: at(9, 0), Minutes: 10},
			}}},
			key: "email:sri@example.com", minutes: 0, absent: true, count: 1,
		},
		{
			name: "highest role wins",
			reports: []*Report{
				{Rows: []Row{{Line: 2, Role: RoleAttendee, Name: "Host", Email: "h@example.org", Join: at(9, 0), Leave: at(10, 0)}}},
				{Rows: []Row{{Line: 7, Role: RoleHost, Name: "Host", Email: "h@example.org", Join: at(9, 0), Leave: at(10, 0)}}},
			},
			key: "email:h@example.org", minutes: 60, role: RoleHost, count: 1,
		},
		{
			name: "rows with neither name nor email stay apart",
			reports: []*Report{{Rows: []Row{
				{Line: 2, Minutes: 10}, {Line: 3, Minutes: 20},
			}}},
			key: "row:0:3", minutes: 20, count: 2,
		},
		{
			name:    "nil reports are skipped",
			reports: []*Report{nil, {Rows: []Row{{Line: 2, Name: "A", Minutes: 5}}}},
			key:     "name:a", minutes: 5, count: 1,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ps := People(tc.reports...)
			if len(ps) != tc.count {
				t.Fatalf("%d people: %+v", len(ps), ps)
			}
			p, ok := byKey(ps)[tc.key]
			if !ok {
				t.Fatalf("no %q in %+v", tc.key, ps)
			}
			if math.Abs(p.Minutes-tc.minutes) > 1e-9 || p.Absent != tc.absent {
				t.Errorf("minutes %v absent %v; want %v %v", p.Minutes, p.Absent, tc.minutes, tc.absent)
			}
			role := tc.role
			if role == "" {
				role = RoleAttendee
			}
			if p.Role != role {
				t.Errorf("role %q, want %q", p.Role, role)
			}
			if tc.pname != "" && p.Name != tc.pname {
				t.Errorf("name %q, want %q", p.Name, tc.pname)
			}
		})
	}
}

func TestPeopleRefsAndNames(t *testing.T) {
	web := mustParse(t, readSample(t, "webinar-attendee-report.csv"), nil)
	meet := mustParse(t, readSample(t, "meeting-participants.csv"), nil)
	got := byKey(People(web, meet))
	siti := got["email:siti.rahayu@example.com"]
	if want := []RowRef{{0, 14}, {1, 3}}; len(siti.Refs) != 2 || siti.Refs[0] != want[0] || siti.Refs[1] != want[1] {
		t.Errorf("Siti refs %v, want %v", siti.Refs, want)
	}
	dewi := got["email:dewi.lestari@example.com"]
	if dewi.Name != "Dewi Lestari" || len(dewi.Names) != 3 || dewi.Email != "dewi.lestari@example.com" {
		t.Errorf("Dewi %q %q %q", dewi.Name, dewi.Names, dewi.Email)
	}
	if iv := dewi.Intervals; len(iv) != 1 || iv[0].End.Sub(iv[0].Start) != 160*time.Minute {
		t.Errorf("Dewi intervals %v", iv)
	}
}
