package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// At 60×16 the help page flows its keys into two columns: every key is
// shown whole, nothing is cut, and it fits the screen.
func TestHelpFitsSmall(t *testing.T) {
	m := startAt(t, demoConfig(), 60, 16)
	m = press(t, m, "?")
	out := screen(m)
	lines := strings.Split(out, "\n")
	if len(lines) > 16 {
		t.Errorf("%d lines", len(lines))
	}
	for _, l := range lines {
		if w := ansi.StringWidth(l); w > 60 {
			t.Errorf("%d columns: %q", w, l)
		}
	}
	if body := strings.Join(lines[1:], "\n"); strings.Contains(body, "…") {
		t.Errorf("help cut:\n%s", out)
	}
	for _, k := range []string{"w/W window", "t/T summary trigger", "e/E summary keep", "z/Z summary size", "c/C cap", "m   model", "s   strategies", "space play", "q     quit"} {
		if !strings.Contains(out, k) {
			t.Errorf("no %q in\n%s", k, out)
		}
	}
}

// The one-line help ends on a whole item, "? help", at any width: never
// on a separator.
func TestShortHelpWhole(t *testing.T) {
	for _, w := range []int{60, 66, 80, 100} {
		m := startAt(t, demoConfig(), w, 24)
		lines := strings.Split(screen(m), "\n")
		last := strings.TrimRight(lines[len(lines)-1], " ")
		if !strings.HasSuffix(last, "? help") && !strings.HasSuffix(last, "q quit") {
			t.Errorf("width %d: help line %q", w, last)
		}
		if !strings.Contains(last, "? help") {
			t.Errorf("width %d: no ? help in %q", w, last)
		}
	}
	m := startAt(t, treeConfig(t), 60, 16)
	lines := strings.Split(screen(m), "\n")
	if last := strings.TrimRight(lines[len(lines)-1], " "); !strings.HasPrefix(last, "enter open • / filter • c/d/n/v sort • ") || !strings.HasSuffix(last, " • ? help") {
		t.Errorf("list help line %q", last)
	}
}
