package regions

import (
	"testing"
	"time"
)

func TestCounts(t *testing.T) {
	tests := []struct {
		name string
		got  int
		want int
	}{
		{"provinces", len(Provinces()), 38},
		{"regencies", len(AllRegencies()), 514},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %d, want %d", tt.got, tt.want)
			}
		})
	}
}

func TestEveryProvinceHasZone(t *testing.T) {
	for _, p := range Provinces() {
		t.Run(p.Code, func(t *testing.T) {
			if _, ok := ZoneByName(p.Zone.Name); !ok {
				t.Errorf("province %s (%s) has no valid zone: %+v", p.Code, p.Name, p.Zone)
			}
		})
	}
}

// The zone table is keyed by code independently of the CSV, so a code that is
// in the table but not in the data would point to a renumbering upstream.
func TestZoneTableMatchesData(t *testing.T) {
	if len(provinceZones) != len(Provinces()) {
		t.Errorf("zone table has %d entries, data has %d provinces", len(provinceZones), len(Provinces()))
	}
	for code := range provinceZones {
		if _, ok := ProvinceByCode(code); !ok {
			t.Errorf("zone table lists unknown province %s", code)
		}
	}
}

func TestSorted(t *testing.T) {
	ps := Provinces()
	for i := 1; i < len(ps); i++ {
		if ps[i-1].Code >= ps[i].Code {
			t.Errorf("provinces not sorted at %d: %s >= %s", i, ps[i-1].Code, ps[i].Code)
		}
	}
	rs := AllRegencies()
	for i := 1; i < len(rs); i++ {
		if rs[i-1].Code >= rs[i].Code {
			t.Errorf("regencies not sorted at %d: %s >= %s", i, rs[i-1].Code, rs[i].Code)
		}
	}
}

func TestEveryRegencyHasProvince(t *testing.T) {
	total := 0
	for _, r := range AllRegencies() {
		if _, ok := ProvinceByCode(r.ProvinceCode); !ok {
			t.Errorf("regency %s (%s) refers to unknown province %s", r.Code, r.Name, r.ProvinceCode)
		}
		if r.Code[:2] != r.ProvinceCode {
			t.Errorf("regency %s code does not start with province code %s", r.Code, r.ProvinceCode)
		}
	}
	for _, p := range Provinces() {
		rs := Regencies(p.Code)
		if len(rs) == 0 {
			t.Errorf("province %s has no regencies", p.Code)
		}
		total += len(rs)
	}
	if total != len(AllRegencies()) {
		t.Errorf("per-province regencies sum to %d, want %d", total, len(AllRegencies()))
	}
}

func TestRegencyByCode(t *testing.T) {
	tests := []struct {
		code     string
		wantCode string
		wantName string
		wantProv string
		provName string
		dotted   string
		zone     Zone
	}{
		{"3315", "3315", "Kabupaten Grobogan", "33", "Jawa Tengah", "33.15", WIB},
		{"33.15", "3315", "Kabupaten Grobogan", "33", "Jawa Tengah", "33.15", WIB},
		{"3315 ", "3315", "Kabupaten Grobogan", "33", "Jawa Tengah", "33.15", WIB},
		{" 33.15\t", "3315", "Kabupaten Grobogan", "33", "Jawa Tengah", "33.15", WIB},
		{"7371", "7371", "Kota Makassar", "73", "Sulawesi Selatan", "73.71", WITA},
		{"9171", "9171", "Kota Jayapura", "91", "Papua", "91.71", WIT},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			r, ok := RegencyByCode(tt.code)
			if !ok {
				t.Fatalf("RegencyByCode(%q) not found", tt.code)
			}
			if r.Code != tt.wantCode || r.Name != tt.wantName || r.ProvinceCode != tt.wantProv {
				t.Errorf("got %+v, want code %s name %s province %s", r, tt.wantCode, tt.wantName, tt.wantProv)
			}
			if got := r.DottedCode(); got != tt.dotted {
				t.Errorf("DottedCode() = %q, want %q", got, tt.dotted)
			}
			if got := r.Zone(); got != tt.zone {
				t.Errorf("Zone() = %+v, want %+v", got, tt.zone)
			}
			p, ok := ProvinceByCode(r.ProvinceCode)
			if !ok || p.Name != tt.provName || p.Zone != tt.zone {
				t.Errorf("ProvinceByCode(%q) = %+v, %v; want %s in %s", r.ProvinceCode, p, ok, tt.provName, tt.zone.Label)
			}
			n, ok := NormalizeRegencyCode(tt.code)
			if !ok || n != tt.wantCode {
				t.Errorf("NormalizeRegencyCode(%q) = %q, %v; want %q, true", tt.code, n, ok, tt.wantCode)
			}
		})
	}
}

func TestRegencyByCodeInvalid(t *testing.T) {
	tests := []struct {
		name string
		code string
	}{
		{"empty", ""},
		{"spaces only", "   "},
		{"three digits", "331"},
		{"short dotted", "33.1"},
		{"dash separator", "33-15"},
		{"letters", "abcd"},
		{"unknown", "9999"},
		{"unknown dotted", "99.99"},
		{"five digits", "33155"},
		{"inner space", "33 15"},
		{"province code only", "33"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r, ok := RegencyByCode(tt.code); ok {
				t.Errorf("RegencyByCode(%q) = %+v, want not found", tt.code, r)
			}
			if n, ok := NormalizeRegencyCode(tt.code); ok || n != "" {
				t.Errorf("NormalizeRegencyCode(%q) = %q, %v; want \"\", false", tt.code, n, ok)
			}
		})
	}
}

func TestProvinceByCodeInvalid(t *testing.T) {
	for _, code := range []string{"", "3", "333", "99", "20"} {
		t.Run(code, func(t *testing.T) {
			if p, ok := ProvinceByCode(code); ok {
				t.Errorf("ProvinceByCode(%q) = %+v, want not found", code, p)
			}
		})
	}
	if rs := Regencies("99"); rs != nil {
		t.Errorf("Regencies(\"99\") = %v, want nil", rs)
	}
}

func TestZones(t *testing.T) {
	tests := []struct {
		zone   Zone
		name   string
		label  string
		offset int
	}{
		{WIB, "Asia/Jakarta", "WIB", 7},
		{WITA, "Asia/Makassar", "WITA", 8},
		{WIT, "Asia/Jayapura", "WIT", 9},
	}
	zs := Zones()
	if len(zs) != len(tests) {
		t.Fatalf("Zones() returned %d zones, want %d", len(zs), len(tests))
	}
	for i, tt := range tests {
		t.Run(tt.label, func(t *testing.T) {
			if zs[i] != tt.zone {
				t.Errorf("Zones()[%d] = %+v, want %+v", i, zs[i], tt.zone)
			}
			if tt.zone.Name != tt.name || tt.zone.Label != tt.label || tt.zone.Offset != tt.offset {
				t.Errorf("zone = %+v, want %s %s %d", tt.zone, tt.name, tt.label, tt.offset)
			}
			if z, ok := ZoneByName(tt.name); !ok || z != tt.zone {
				t.Errorf("ZoneByName(%q) = %+v, %v", tt.name, z, ok)
			}
			loc, err := time.LoadLocation(tt.zone.Name)
			if err != nil {
				t.Fatalf("LoadLocation(%q): %v", tt.zone.Name, err)
			}
			_, off := time.Date(2025, 6, 1, 12, 0, 0, 0, loc).Zone()
			if off != tt.offset*3600 {
				t.Errorf("%s offset = %ds, want %ds", tt.zone.Name, off, tt.offset*3600)
			}
		})
	}
	if _, ok := ZoneByName("Asia/Singapore"); ok {
		t.Error("ZoneByName accepted a non-Indonesian zone")
	}
}

func TestReturnedSlicesAreCopies(t *testing.T) {
	tests := []struct {
		name   string
		mutate func()
		check  func() bool
	}{
		{
			"Provinces",
			func() { Provinces()[0].Name = "mutated" },
			func() bool { return Provinces()[0].Name == "Aceh" },
		},
		{
			"AllRegencies",
			func() { AllRegencies()[0].Name = "mutated" },
			func() bool { return AllRegencies()[0].Name == "Kabupaten Aceh Selatan" },
		},
		{
			"Regencies",
			func() { Regencies("33")[0].Name = "mutated" },
			func() bool { return Regencies("33")[0].Name == "Kabupaten Cilacap" },
		},
		{
			"Zones",
			func() { Zones()[0].Offset = 0 },
			func() bool { return Zones()[0] == WIB && WIB.Offset == 7 },
		},
		{
			"lookups after mutation",
			func() {
				rs := AllRegencies()
				for i := range rs {
					rs[i].Code = "0000"
				}
			},
			func() bool { r, ok := RegencyByCode("3315"); return ok && r.Name == "Kabupaten Grobogan" },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.mutate()
			if !tt.check() {
				t.Error("mutating a returned slice changed shared data")
			}
		})
	}
}
