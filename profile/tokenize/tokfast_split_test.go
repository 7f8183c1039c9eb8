package tokenize

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// splitAlphabet mixes every ASCII byte class with the non-ASCII runes
// that can continue an ASCII run: letters of each case, marks, digits,
// spaces, symbols, and runes that case-fold to ASCII letters.
var splitAlphabet = func() []string {
	var a []string
	for c := 0; c < 0x80; c++ {
		a = append(a, string(rune(c)))
	}
	for _, s := range []string{"A", "Z", "a", "z", "s", "t", "l", "e", "d", "m", "r", "v", "0", "9", " ", " ", " ", "\n", "\r", "\t", "'", "'", "/", "/", ".", "{"} {
		a = append(a, s, s, s) // the bytes that matter, more often
	}
	return append(a, "é", "É", "ǅ", "ʰ", "日", "\u0301", "\u0300", "١", "½", "Ⅻ", "\u00a0", "\u3000", "\u2028", "\u0085",
		"—", "…", "€", "👍", "ſ", "K", "ß", "İ")
}()

// TestSplitASCIIMatches checks the ASCII fast path against the general
// splitters at every position of random and real text: where it decides
// a piece, it ends it where the general splitter does.
func TestSplitASCIIMatches(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	texts := []string{mixedCorpus(1 << 18)}
	texts = append(texts, splitCases...)
	for range 20000 {
		var b strings.Builder
		for n := 1 + r.IntN(24); n > 0; n-- {
			b.WriteString(splitAlphabet[r.IntN(len(splitAlphabet))])
		}
		texts = append(texts, b.String())
	}
	type splitter struct {
		name          string
		fast, general func(string, int) (int, bool)
	}
	splitters := []splitter{
		{"o200k", splitO200kASCII, func(s string, i int) (int, bool) { return splitO200k(s, i), true }},
		{"cl100k", splitCL100kASCII, func(s string, i int) (int, bool) { return splitCL100k(s, i), true }},
	}
	for _, sp := range splitters {
		decided, gaveUp := 0, 0
		for _, s := range texts {
			for i := 0; i < len(s); i++ {
				if s[i]&0xc0 == 0x80 {
					continue // inside a rune: no piece starts there
				}
				got, ok := sp.fast(s, i)
				if !ok {
					gaveUp++
					continue
				}
				decided++
				if want, _ := sp.general(s, i); got != want {
					from, to := max(0, i-20), min(len(s), max(got, want)+20)
					t.Errorf("%s …%q… at %d: fast path ends the piece at %d, general at %d", sp.name, s[from:to], i-from, got-from, want-from)
					if decided > 20 {
						t.FailNow()
					}
				}
			}
		}
		t.Logf("%s: fast path decided %d positions, gave up at %d", sp.name, decided, gaveUp)
		if decided < 400_000 || gaveUp < 40_000 {
			t.Errorf("%s: fast path decided %d positions and gave up at %d: both paths should be exercised", sp.name, decided, gaveUp)
		}
	}
}
