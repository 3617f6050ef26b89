package attendance

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// NormalizeEmail trims and lower-cases an email. Reports carry addresses as
// typed ("DEWI.LESTARI@Example.com "); the domain is case-insensitive and
// in practice so is the local part, so lower case is what identifies a
// person. Nothing else is rewritten (dots, "+tags"): those can be
// different mailboxes.
func NormalizeEmail(s string) string {
	return strings.ToLower(strings.TrimSpace(s))
}

// NormalizeName is the form names are compared in: lower case, accents and
// other diacritics removed ("Dédé" is "dede"), apostrophes dropped
// ("Ma'ruf" is "maruf"), any other punctuation a space, spaces collapsed.
// Titles and degrees ("Dr.", "S.Kom") are kept: "H." may be a title or an
// initial, so removing them would merge people; Similarity tolerates the
// extra words instead.
func NormalizeName(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if !ascii {
		// NFKD splits "é" into "e" and a combining accent (dropped below)
		// and folds compatibility forms such as full-width letters.
		s = norm.NFKD.String(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r), r == '\'', r == '\u2019', r == '`':
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(unicode.ToLower(r))
		default:
			space = true
		}
	}
	return b.String()
}

// Similarity scores how alike two names are, from 0 to 1, to suggest which
// registration an unmatched report row may be. Names are normalised, split
// into words, and words paired greedily best-first: equal words score 1,
// an initial and a word starting with it 0.85 ("Eko P." and "Eko
// Prasetyo"), a typo above 0.85 Jaro-Winkler its score, anything else 0.
// The total is the Dice coefficient, 2·Σpairs / (words in a + words in b),
// so extra or missing words lower the score. Names equal once spaces are
// removed ("Sitinur" and "Siti Nur") score 1; an empty name scores 0.
//
// Rough guide: 1 same name, ≥ 0.8 same person with an initial or typo,
// ≈ 0.67 one name is part of the other ("Eko" and "Eko Prasetyo"),
// < 0.4 different people.
func Similarity(a, b string) float64 {
	a, b = NormalizeName(a), NormalizeName(b)
	if a == "" || b == "" {
		return 0
	}
	if a == b || strings.ReplaceAll(a, " ", "") == strings.ReplaceAll(b, " ", "") {
		return 1
	}
	ta, tb := strings.Fields(a), strings.Fields(b)
	type pair struct {
		i, j  int
		score float64
	}
	var pairs []pair
	for i, x := range ta {
		for j, y := range tb {
			if s := wordScore(x, y); s > 0 {
				pairs = append(pairs, pair{i, j, s})
			}
		}
	}
	usedA, usedB := make([]bool, len(ta)), make([]bool, len(tb))
	sum := 0.0
	for {
		best := -1
		for k, p := range pairs {
			if !usedA[p.i] && !usedB[p.j] && (best < 0 || p.score > pairs[best].score) {
				best = k
			}
		}
		if best < 0 {
			break
		}
		p := pairs[best]
		usedA[p.i], usedB[p.j] = true, true
		sum += p.score
	}
	return 2 * sum / float64(len(ta)+len(tb))
}

// wordScore compares two normalised words.
func wordScore(x, y string) float64 {
	if x == y {
		return 1
	}
	rx, ry := []rune(x), []rune(y)
	if len(rx) == 1 && len(ry) > 1 && ry[0] == rx[0] || len(ry) == 1 && len(rx) > 1 && rx[0] == ry[0] {
		return 0.85
	}
	if s := jaroWinkler(rx, ry); s >= 0.85 {
		return s
	}
	return 0
}

// jaroWinkler is the Jaro similarity with Winkler's bonus for a common
// prefix of up to four letters; it suits short words with typos.
func jaroWinkler(a, b []rune) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	window := max(len(a), len(b))/2 - 1
	window = max(window, 0)
	ma, mb := make([]bool, len(a)), make([]bool, len(b))
	m := 0
	for i := range a {
		lo, hi := max(0, i-window), min(len(b), i+window+1)
		for j := lo; j < hi; j++ {
			if !mb[j] && a[i] == b[j] {
				ma[i], mb[j] = true, true
				m++
				break
			}
		}
	}
	if m == 0 {
		return 0
	}
	trans, j := 0, 0
	for i := range a {
		if !ma[i] {
			continue
		}
		for !mb[j] {
			j++
		}
		if a[i] != b[j] {
			trans++
		}
		j++
	}
	fm := float64(m)
	jaro := (fm/float64(len(a)) + fm/float64(len(b)) + (fm-float64(trans)/2)/fm) / 3
	prefix := 0
	for prefix < min(4, len(a), len(b)) && a[prefix] == b[prefix] {
		prefix++
	}
	return jaro + float64(prefix)*0.1*(1-jaro)
}
