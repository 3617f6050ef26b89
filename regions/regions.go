// Package regions provides Indonesia's provinces and regencies (kabupaten and
// kota) together with the time zone each province observes.
//
// The administrative data is embedded from the idn-area-data 4.0.1 dataset
// (ODbL, see data/NOTICE.md) so that lookups need no network or files at run
// time. Regency codes are exposed without the dot ("3315") because that is
// the form used in most Indonesian identifiers such as the NIK, while
// DottedCode gives back the form used by the source data and by Kemendagri.
package regions

import (
	"embed"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"sync"
)

//go:embed data/provinces.csv data/regencies.csv
var dataFS embed.FS

// Zone is one of Indonesia's three time zones.
type Zone struct {
	// Name is the IANA location name, so it can be passed to time.LoadLocation.
	Name string
	// Label is the Indonesian abbreviation people actually use (WIB, WITA, WIT).
	Label string
	// Offset is the UTC offset in hours. Indonesia has no daylight saving
	// time, so this is fixed.
	Offset int
}

// The three zones are plain values rather than constructors because Zone is a
// small comparable struct with no pointers: callers receive copies and cannot
// alter these.
var (
	WIB  = Zone{Name: "Asia/Jakarta", Label: "WIB", Offset: 7}
	WITA = Zone{Name: "Asia/Makassar", Label: "WITA", Offset: 8}
	WIT  = Zone{Name: "Asia/Jayapura", Label: "WIT", Offset: 9}
)

// Zones returns WIB, WITA and WIT, west to east.
func Zones() []Zone {
	return []Zone{WIB, WITA, WIT}
}

// ZoneByName looks a zone up by its IANA name.
func ZoneByName(iana string) (Zone, bool) {
	for _, z := range Zones() {
		if z.Name == iana {
			return z, true
		}
	}
	return Zone{}, false
}

// Province is a first-level administrative region (provinsi).
type Province struct {
	// Code is the two-digit Kemendagri code, e.g. "33".
	Code string
	Name string
	Zone Zone
}

// Regency is a second-level administrative region (kabupaten or kota).
type Regency struct {
	// Code is the four-digit code without the dot, e.g. "3315".
	Code string
	// ProvinceCode is the two-digit code of the province, e.g. "33".
	ProvinceCode string
	// Name includes the "Kabupaten" or "Kota" prefix, because the same place
	// name can exist as both (e.g. Kabupaten Bogor and Kota Bogor).
	Name string
}

// DottedCode returns the code in the dotted form used by the source data,
// e.g. "33.15".
func (r Regency) DottedCode() string {
	if len(r.Code) != 4 {
		return r.Code
	}
	return r.Code[:2] + "." + r.Code[2:]
}

// Zone returns the zone of the regency's province. Zones are assigned per
// province by law, so no regency-level data is needed. A Regency that was not
// obtained from this package and names an unknown province yields the zero
// Zone.
func (r Regency) Zone() Zone {
	p, ok := ProvinceByCode(r.ProvinceCode)
	if !ok {
		return Zone{}
	}
	return p.Zone
}

// provinceZones assigns each province its zone, following Presidential Decree
// (Keppres) 41/1987 on the division of Indonesia into three time zones, with
// provinces created since then following the province they were split from.
var provinceZones = map[string]Zone{
	// Sumatra, including Bangka Belitung and Riau Islands.
	"11": WIB, "12": WIB, "13": WIB, "14": WIB, "15": WIB,
	"16": WIB, "17": WIB, "18": WIB, "19": WIB, "21": WIB,
	// Java and Banten.
	"31": WIB, "32": WIB, "33": WIB, "34": WIB, "35": WIB, "36": WIB,
	// Bali and Nusa Tenggara.
	"51": WITA, "52": WITA, "53": WITA,
	// Kalimantan is split: west and central are WIB, the rest WITA.
	"61": WIB, "62": WIB, "63": WITA, "64": WITA, "65": WITA,
	// Sulawesi.
	"71": WITA, "72": WITA, "73": WITA, "74": WITA, "75": WITA, "76": WITA,
	// Maluku and Papua.
	"81": WIT, "82": WIT,
	"91": WIT, "92": WIT, "93": WIT, "94": WIT, "95": WIT, "96": WIT,
}

type dataset struct {
	provinces  []Province // sorted by code
	regencies  []Regency  // sorted by code
	provByCode map[string]int
	regByCode  map[string]int
	// byProvince holds each province's run of regencies, which are
	// contiguous because a regency's code starts with its province's.
	byProvince map[string][]Regency
}

// load parses the embedded data on first use only, so importing the package
// costs nothing for programs that never look anything up. The data is part of
// the binary, so any inconsistency is a build defect and panics rather than
// being reported to callers who could not fix it.
var load = sync.OnceValue(func() *dataset {
	d, err := parse()
	if err != nil {
		panic("regions: embedded data is invalid: " + err.Error())
	}
	return d
})

func parse() (*dataset, error) {
	provRows, err := readCSV("data/provinces.csv", "code", "name")
	if err != nil {
		return nil, err
	}
	regRows, err := readCSV("data/regencies.csv", "code", "province_code", "name")
	if err != nil {
		return nil, err
	}

	d := &dataset{
		provByCode: make(map[string]int, len(provRows)),
		regByCode:  make(map[string]int, len(regRows)),
	}
	for _, row := range provRows {
		code, name := row[0], row[1]
		if !isDigits(code, 2) {
			return nil, fmt.Errorf("province code %q is not two digits", code)
		}
		zone, ok := provinceZones[code]
		if !ok {
			return nil, fmt.Errorf("province %s (%s) has no time zone", code, name)
		}
		d.provinces = append(d.provinces, Province{Code: code, Name: name, Zone: zone})
	}
	for _, row := range regRows {
		code, ok := normalize(row[0])
		if !ok {
			return nil, fmt.Errorf("regency code %q is malformed", row[0])
		}
		if code[:2] != row[1] {
			return nil, fmt.Errorf("regency %s does not belong to its province %s", row[0], row[1])
		}
		d.regencies = append(d.regencies, Regency{Code: code, ProvinceCode: row[1], Name: row[2]})
	}

	// Sort here rather than trusting the file order, so that an upstream
	// reordering cannot silently change the documented output order.
	slices.SortFunc(d.provinces, func(a, b Province) int { return strings.Compare(a.Code, b.Code) })
	slices.SortFunc(d.regencies, func(a, b Regency) int { return strings.Compare(a.Code, b.Code) })

	for i, p := range d.provinces {
		if _, dup := d.provByCode[p.Code]; dup {
			return nil, fmt.Errorf("duplicate province code %s", p.Code)
		}
		d.provByCode[p.Code] = i
	}
	for i, r := range d.regencies {
		if _, dup := d.regByCode[r.Code]; dup {
			return nil, fmt.Errorf("duplicate regency code %s", r.Code)
		}
		if _, ok := d.provByCode[r.ProvinceCode]; !ok {
			return nil, fmt.Errorf("regency %s refers to unknown province %s", r.Code, r.ProvinceCode)
		}
		d.regByCode[r.Code] = i
	}
	d.byProvince = map[string][]Regency{}
	for start := 0; start < len(d.regencies); {
		end := start
		for end < len(d.regencies) && d.regencies[end].ProvinceCode == d.regencies[start].ProvinceCode {
			end++
		}
		d.byProvince[d.regencies[start].ProvinceCode] = d.regencies[start:end:end]
		start = end
	}
	return d, nil
}

// readCSV checks the header so that a column reorder in a future data update
// fails loudly instead of mixing up names and codes.
func readCSV(path string, header ...string) ([][]string, error) {
	f, err := dataFS.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = len(header)
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(rows) == 0 || !slices.Equal(rows[0], header) {
		return nil, fmt.Errorf("%s: unexpected header, want %v", path, header)
	}
	return rows[1:], nil
}

// Provinces returns all provinces sorted by code. The slice is a fresh copy,
// so callers may modify it freely.
func Provinces() []Province {
	return slices.Clone(load().provinces)
}

// ProvinceByCode looks a province up by its two-digit code, ignoring
// surrounding spaces.
func ProvinceByCode(code string) (Province, bool) {
	d := load()
	i, ok := d.provByCode[strings.TrimSpace(code)]
	if !ok {
		return Province{}, false
	}
	return d.provinces[i], true
}

// Regencies returns the regencies of one province sorted by code, or nil if
// the province is unknown. The slice is a fresh copy.
func Regencies(provinceCode string) []Regency {
	return slices.Clone(load().byProvince[strings.TrimSpace(provinceCode)])
}

// AllRegencies returns every regency sorted by code. The slice is a fresh
// copy, so callers may modify it freely.
func AllRegencies() []Regency {
	return slices.Clone(load().regencies)
}

// RegencyByCode looks a regency up by either its plain ("3315") or dotted
// ("33.15") code, ignoring surrounding spaces, since both forms circulate in
// user input.
func RegencyByCode(code string) (Regency, bool) {
	c, ok := normalize(strings.TrimSpace(code))
	if !ok {
		return Regency{}, false
	}
	d := load()
	i, ok := d.regByCode[c]
	if !ok {
		return Regency{}, false
	}
	return d.regencies[i], true
}

// NormalizeRegencyCode converts a plain or dotted regency code to the plain
// four-digit form. It reports false, with an empty string, unless the code
// both is well formed and names an existing regency, so a true result can be
// stored as a valid reference.
func NormalizeRegencyCode(code string) (string, bool) {
	r, ok := RegencyByCode(code)
	if !ok {
		return "", false
	}
	return r.Code, true
}

// normalize accepts exactly "NNNN" or "NN.NN"; anything looser (other
// separators, short segments) is rejected to avoid guessing at ambiguous input.
func normalize(code string) (string, bool) {
	switch {
	case len(code) == 4 && isDigits(code, 4):
		return code, true
	case len(code) == 5 && code[2] == '.' && isDigits(code[:2], 2) && isDigits(code[3:], 2):
		return code[:2] + code[3:], true
	}
	return "", false
}

func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
