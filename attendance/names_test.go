package attendance

import "testing"

func TestNormalizeEmail(t *testing.T) {
	cases := []struct{ in, want string }{
		{"DEWI.LESTARI@Example.com ", "dewi.lestari@example.com"},
		{"  siti@example.com\t", "siti@example.com"},
		{"", ""},
		{"a.b+tag@Example.COM", "a.b+tag@example.com"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			if got := NormalizeEmail(tc.in); got != tc.want {
				t.Errorf("= %q, want %q", got, tc.want)
			}
		})
	}
}

func TestNormalizeName(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Siti Rahayu", "siti rahayu"},
		{"  EKO   Prasetyo ", "eko prasetyo"},
		{"Dédé", "dede"},
		{"Zoë Ñuñez", "zoe nunez"},
		{"Ma'ruf Amin", "maruf amin"},
		{"Ma’ruf", "maruf"},
		{"Budi Santoso, S.Kom.", "budi santoso s kom"},
		{"Dewi (HP)", "dewi hp"},
		{"Ｓｉｔｉ", "siti"}, // full-width letters
		{"", ""},
		{"--", ""},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			if got := NormalizeName(tc.in); got != tc.want {
				t.Errorf("= %q, want %q", got, tc.want)
			}
		})
	}
}

// The thresholds are the documented guide: same person with an initial or
// a typo ≥ 0.8, different people < 0.4. The caller suggests matches from
// 0.6, which a name contained in the other ("Eko" in "Eko Prasetyo")
// reaches.
func TestSimilarity(t *testing.T) {
	cases := []struct {
		a, b     string
		min, max float64
	}{
		{"Eko P", "Eko Prasetyo", 0.8, 0.99},
		{"Eko P.", "Eko Prasetyo", 0.8, 0.99},
		{"E. Prasetyo", "Eko Prasetyo", 0.8, 0.99},
		{"Eko", "Eko Prasetyo", 0.6, 0.7},
		{"Budi Santosa", "Budi Santoso", 0.8, 0.99},
		{"Prasetyo Eko", "Eko Prasetyo", 1, 1},
		{"Dédé", "Dede", 1, 1},
		{"Siti Nur Aisyah", "Sitinur Aisyah", 1, 1},
		{"M. Rizki", "Muhammad Rizki", 0.8, 0.99},
		{"Budi Santoso, S.Kom.", "Budi Santoso", 0.5, 0.7},
		{"Eko Prasetyo", "Siti Aminah", 0, 0.4},
		{"Eko Prasetyo", "Budi Santoso", 0, 0.4},
		{"Dewi Lestari", "Dewi Sartika", 0.4, 0.6},
		{"", "Eko", 0, 0},
		{"", "", 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.a+"~"+tc.b, func(t *testing.T) {
			got := Similarity(tc.a, tc.b)
			if got < tc.min || got > tc.max {
				t.Errorf("= %.3f, want %.2f..%.2f", got, tc.min, tc.max)
			}
			if back := Similarity(tc.b, tc.a); back != got {
				t.Errorf("not symmetric: %.3f vs %.3f", got, back)
			}
		})
	}
}

func TestJaroWinkler(t *testing.T) {
	// Reference values from the Winkler paper's examples.
	cases := []struct {
		a, b string
		want float64
	}{
		{"martha", "marhta", 0.961},
		{"dwayne", "duane", 0.840},
		{"dixon", "dicksonx", 0.813},
		{"abc", "xyz", 0},
	}
	for _, tc := range cases {
		t.Run(tc.a+"~"+tc.b, func(t *testing.T) {
			got := jaroWinkler([]rune(tc.a), []rune(tc.b))
			if got < tc.want-0.001 || got > tc.want+0.001 {
				t.Errorf("= %.4f, want %.3f", got, tc.want)
			}
		})
	}
}
