package synthetic

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestDistinctText: the same seed gives the same text, other seeds other
// text; it is valid UTF-8 of about the size asked; and it does not repeat
// the way the demo-cut corpora do — most of its lines occur once and its
// vocabulary keeps growing (a Zipf tail), checked on counts worked out
// from the text itself.
func TestDistinctText(t *testing.T) {
	a, b := DistinctText(1, 1<<20), DistinctText(1, 1<<20)
	if a != b {
		t.Fatal("same seed, different text")
	}
	if DistinctText(2, 1<<16) == a[:len(DistinctText(2, 1<<16))] {
		t.Fatal("other seed, same text")
	}
	if !utf8.ValidString(a) || len(a) < 1<<20 || len(a) > 1<<20+64<<10 {
		t.Fatalf("%d bytes, valid UTF-8 %v", len(a), utf8.ValidString(a))
	}
	var lines []string // lines of 40 bytes and more: "\t}" repeats in real code too
	seen := map[string]bool{}
	for _, l := range strings.Split(a, "\n") {
		if len(l) >= 40 {
			lines = append(lines, l)
			seen[l] = true
		}
	}
	if len(seen) < len(lines)*9/10 {
		t.Errorf("%d distinct lines of %d", len(seen), len(lines))
	}
	words := map[string]bool{}
	half := 0
	fields := strings.Fields(a)
	for i, w := range fields {
		words[w] = true
		if i == len(fields)/2 {
			half = len(words)
		}
	}
	if grown := len(words) - half; grown < half/3 {
		t.Errorf("vocabulary %d at half way, %d at the end: it stopped growing", half, len(words))
	}
	for _, script := range []string{"б", "α", "ب", "func ", `": `, "ERROR", "🚀", "。"} {
		if !strings.Contains(a, script) {
			t.Errorf("no %q in the text", script)
		}
	}
}
