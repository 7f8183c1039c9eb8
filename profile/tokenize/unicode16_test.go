package tokenize

import (
	"strings"
	"testing"
	"unicode"
)

// unicode16Parity is testdata/unicode16_tiktoken.json.
type unicode16Parity struct {
	Template   string
	CodePoints [][2]rune `json:"code_points"`
	O200k      []int     `json:"o200k_base"`
	CL100k     []int     `json:"cl100k_base"`
}

func (p *unicode16Parity) points() []rune {
	var out []rune
	for _, r := range p.CodePoints {
		for c := r[0]; c <= r[1]; c++ {
			out = append(out, c)
		}
	}
	return out
}

// TestUnicode16Parity counts a text around every code point added in
// Unicode 15.1 and 16.0, or whose class changed, and checks it against the
// official tiktoken's figure (x\u1C89'd is 5 tokens there, and was 6 with
// Go's 15.0 tables).
func TestUnicode16Parity(t *testing.T) {
	var p unicode16Parity
	readJSON(t, "testdata/unicode16_tiktoken.json", &p)
	points := p.points()
	if len(points) < 5000 || len(p.O200k) != len(points) || len(p.CL100k) != len(points) {
		t.Fatalf("%d code points, %d and %d figures", len(points), len(p.O200k), len(p.CL100k))
	}
	for _, tc := range []struct {
		enc  string
		want []int
	}{{O200kBase, p.O200k}, {CL100kBase, p.CL100k}} {
		f, m := fast(t, tc.enc), newMemo()
		bad := 0
		for i, c := range points {
			s := strings.ReplaceAll(p.Template, "{c}", string(c))
			if got := f.count(s); got != tc.want[i] && bad < 10 {
				t.Errorf("%s U+%04X %q: %d, official %d", tc.enc, c, s, got, tc.want[i])
				bad++
			}
			if got := f.countMemo(s, m); got != tc.want[i] && bad < 10 {
				t.Errorf("%s U+%04X %q with memo: %d, official %d", tc.enc, c, s, got, tc.want[i])
				bad++
			}
		}
		if got := f.count("x\u1C89'd"); got != 5 {
			t.Errorf("%s x\\u1C89'd: %d, official 5", tc.enc, got)
		}
	}
}

// goClass is class with Go's own (Unicode 15.0) tables, as tiktoken-go
// has them.
func goClass(r rune) uint8 {
	switch {
	case unicode.Is(unicode.Ll, r):
		return cLl
	case unicode.Is(unicode.Lu, r) || unicode.Is(unicode.Lt, r):
		return cLu
	case unicode.Is(unicode.Lm, r) || unicode.Is(unicode.Lo, r):
		return cLmLo
	case unicode.Is(unicode.M, r):
		return cM
	case unicode.Is(unicode.N, r):
		return cN
	case unicode.IsSpace(r):
		return cSpace
	}
	return 0
}

// unicode16Changed reports whether the split patterns class r differently
// in Unicode 16.0 than in Go's tables.
func unicode16Changed(r rune) bool {
	if r < 0x80 {
		return false
	}
	k, _ := class(string(r), 0)
	return k != goClass(r)
}

// Every code point the generated tables class differently from Go's is in
// the parity set, and the tables agree with Go's everywhere else, so the
// parity set covers all that changed.
func TestUnicode16TablesCovered(t *testing.T) {
	var p unicode16Parity
	readJSON(t, "testdata/unicode16_tiktoken.json", &p)
	listed := map[rune]bool{}
	for _, c := range p.points() {
		listed[c] = true
	}
	changed := 0
	for r := rune(0x80); r <= unicode.MaxRune; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue // surrogates are not runes of a valid string
		}
		if unicode16Changed(r) {
			changed++
			if !listed[r] {
				t.Errorf("U+%04X changed class but has no official figure", r)
			}
		}
	}
	// Letters, marks and numbers among the 5,812 listed; checked so the
	// test fails if the tables were Go's again.
	if changed < 4000 {
		t.Errorf("only %d code points changed class", changed)
	}
}
