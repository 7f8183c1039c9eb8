package tokenize

import (
	"sync"
	"unicode"
	"unicode/utf8"
)

// runeClasses holds class for every rune above ASCII, so that text in
// other scripts costs one table read per rune, not a binary search in
// each of five range tables. Runes go in blocks of 128: the classes of
// rune r are classes[block[r>>7]<<7|r&127]; blocks that are alike are
// stored once (most are all letters, or all nothing). It is built on
// first use from the range tables and unicode.White_Space (\s above ASCII,
// as unicode.IsSpace has it); TestRuneClasses checks it against searching
// the range tables, on every rune.
type runeClasses struct {
	block   [(unicode.MaxRune + 1) >> 7]uint16
	classes []uint8
}

var runeClassTable = sync.OnceValue(buildRuneClasses)

func buildRuneClasses() *runeClasses {
	flat := make([]uint8, unicode.MaxRune+1)
	// Lowest priority first: runeClassOf takes the first table that
	// holds a rune.
	for _, c := range []struct {
		table *unicode.RangeTable
		class uint8
	}{
		{unicode.White_Space, cSpace}, {unicode16N, cN}, {unicode16M, cM},
		{unicode16LmLo, cLmLo}, {unicode16LuLt, cLu}, {unicode16Ll, cLl},
	} {
		for _, r := range c.table.R16 {
			for x := int(r.Lo); x <= int(r.Hi); x += int(r.Stride) {
				flat[x] = c.class
			}
		}
		for _, r := range c.table.R32 {
			for x := int(r.Lo); x <= int(r.Hi); x += int(r.Stride) {
				flat[x] = c.class
			}
		}
	}
	t := &runeClasses{}
	seen := map[string]uint16{}
	for b := range t.block {
		blk := flat[b<<7 : (b+1)<<7]
		at, ok := seen[string(blk)]
		if !ok {
			at = uint16(len(t.classes) >> 7)
			t.classes = append(t.classes, blk...)
			seen[string(blk)] = at
		}
		t.block[b] = at
	}
	return t
}

// classRune is class for a rune that is not ASCII, apart so that class
// inlines.
func classRune(s string, i int) (uint8, int) {
	r, w := utf8.DecodeRuneInString(s[i:])
	t := runeClassTable()
	return t.classes[int(t.block[r>>7])<<7|int(r&127)], w
}
