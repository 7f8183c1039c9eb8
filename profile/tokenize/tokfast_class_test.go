package tokenize

import (
	"testing"
	"unicode"
)

// The class table agrees with the Unicode 16.0 range tables on every rune
// above ASCII, and stays small.
func TestRuneClasses(t *testing.T) {
	tab := runeClassTable()
	kinds := map[uint8]int{}
	for r := rune(0x80); r <= unicode.MaxRune; r++ {
		want := runeClassOf(r)
		if got := tab.classes[int(tab.block[r>>7])<<7|int(r&127)]; got != want {
			t.Fatalf("U+%04X: table class %#x, range tables %#x", r, got, want)
		}
		kinds[want]++
	}
	s := "\u4e00é\u0301١\u3000"
	for i, want := range []uint8{cLmLo, cLl, cM, cN, cSpace} {
		k, w := class(s, 0)
		if k != want {
			t.Errorf("rune %d of %q: class %#x, want %#x", i, s, k, want)
		}
		s = s[w:]
	}
	t.Logf("%d bytes of classes in %d blocks; runes by class: %v", len(tab.classes), len(tab.classes)/128, kinds)
	if len(tab.classes) > 128<<10 {
		t.Errorf("class table holds %d bytes", len(tab.classes))
	}
	if kinds[cLl] < 2000 || kinds[cLmLo] < 100_000 || kinds[cSpace] != 19 {
		t.Errorf("runes by class: %v", kinds)
	}
}

// runeClassOf is the class of rune r above ASCII by searching the range
// tables, as class did before the table.
func runeClassOf(r rune) uint8 {
	var k uint8
	switch {
	case unicode.Is(unicode16Ll, r):
		k = cLl
	case unicode.Is(unicode16LuLt, r):
		k = cLu
	case unicode.Is(unicode16LmLo, r):
		k = cLmLo
	case unicode.Is(unicode16M, r):
		k = cM
	case unicode.Is(unicode16N, r):
		k = cN
	case unicode.IsSpace(r):
		k = cSpace
	}
	return k
}
