package ui

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// cutNumber matches a number cut short by an ellipsis: "$1,…", "14…".
var cutNumber = regexp.MustCompile(`(^|[\s(])[$≈−+-]?[0-9][0-9,.]*…`)

// At every size and in every view, lines fit and no number is cut.
func TestNumbersNeverCut(t *testing.T) {
	configs := map[string]func(*testing.T) Config{"demo": func(*testing.T) Config { return demoConfig() }, "tree": treeConfig}
	for name, cfg := range configs {
		for _, size := range [][2]int{{60, 16}, {80, 24}, {120, 40}} {
			m := startAt(t, cfg(t), size[0], size[1])
			screens := []string{screen(m)}
			if m.page == pageConversations {
				m = press(t, m, "enter")
				screens = append(screens, screen(m))
			}
			for range 4 {
				m = press(t, m, "tab")
				screens = append(screens, screen(m))
			}
			m = press(t, m, "?")
			screens = append(screens, screen(m))
			// The advisor panes: findings, the tune frontier, the levers
			// (with one on, so that the cost line shows a new number).
			m = press(t, m, "?", "f")
			screens = append(screens, screen(m))
			m = press(t, m, "esc", "a")
			screens = append(screens, screen(m))
			m = press(t, m, "esc", "v", "space")
			screens = append(screens, screen(m))
			m = press(t, m, "esc")
			for i, out := range screens {
				lines := strings.Split(out, "\n")
				if len(lines) > size[1] {
					t.Errorf("%s %dx%d screen %d: %d lines", name, size[0], size[1], i, len(lines))
				}
				for _, l := range lines {
					if w := ansi.StringWidth(l); w > size[0] {
						t.Errorf("%s %dx%d screen %d: line %d wide: %q", name, size[0], size[1], i, w, l)
					}
					if cut := cutNumber.FindString(l); cut != "" {
						t.Errorf("%s %dx%d screen %d: number cut %q in %q", name, size[0], size[1], i, cut, l)
					}
				}
			}
		}
	}
}

// The header names the model at every width.
func TestHeaderNamesModel(t *testing.T) {
	m := startAt(t, demoConfig(), 80, 24)
	for _, w := range []int{50, 60, 80, 120} {
		next, _ := m.Update(tea.WindowSizeMsg{Width: w, Height: 24})
		h := ansi.Strip(next.(Model).header())
		if !strings.Contains(h, "gpt-5") || ansi.StringWidth(h) > w {
			t.Errorf("%d columns: header %q", w, h)
		}
	}
}

// Curves: each number sits on its curve's end row (the costliest highest,
// the cheapest lowest), the y-axis steps evenly, x starts at call 1, and
// under NO_COLOR every curve has its own glyph.
func TestCurvesLabelsAndTicks(t *testing.T) {
	m := startAt(t, demoConfig(), 80, 24)
	out, _ := curvesView(m.session.res, 0, m.session.upto, false, 80, 14)
	lines := strings.Split(ansi.Strip(out), "\n")
	rowOf := map[string]int{}
	var ticks []float64
	for i, l := range lines[:len(lines)-1] { // the last line numbers calls
		f := strings.Fields(l)
		for k := len(f) - 1; k > 0 && len(f[k]) == 1 && f[k][0] >= '1' && f[k][0] <= '9'; k-- {
			rowOf[f[k]] = i
		}
		var v float64
		if _, err := fmt.Sscanf(strings.TrimSpace(l), "$%f", &v); err == nil && strings.Contains(l, "│") {
			ticks = append(ticks, v)
		}
	}
	if len(rowOf) != 7 {
		t.Fatalf("labels %v in\n%s", rowOf, ansi.Strip(out))
	}
	// full $0.5379 is the costliest, cache $0.2232 the cheapest.
	for s, r := range rowOf {
		if r < rowOf["1"] || r > rowOf["2"] {
			t.Errorf("label %s on row %d, full on %d, cache on %d", s, r, rowOf["1"], rowOf["2"])
		}
	}
	if len(ticks) < 3 {
		t.Fatalf("y ticks %v", ticks)
	}
	for i := 2; i < len(ticks); i++ {
		if d1, d0 := ticks[i-1]-ticks[i], ticks[i-2]-ticks[i-1]; math.Abs(d1-d0) > 1e-9 {
			t.Errorf("uneven y ticks %v", ticks)
		}
	}
	last := lines[len(lines)-1]
	if f := strings.Fields(last); len(f) == 0 || f[0] != "1" {
		t.Errorf("x axis starts %q", last)
	}
	mono, _ := curvesView(m.session.res, 0, m.session.upto, true, 80, 14)
	for si := range m.session.res.Strategies {
		if !strings.ContainsRune(ansi.Strip(mono), curveMarkers[si]) {
			t.Errorf("NO_COLOR: no %q for strategy %d", curveMarkers[si], si+1)
		}
	}
}
