package ui

import (
	"reflect"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/tokenscope/tokenscope/transcripts"
)

func TestCallLabels(t *testing.T) {
	two := func(call int) int { return (call - 1) * 2 } // bars: two columns a call
	for _, tc := range []struct {
		name  string
		calls []int
		xOf   func(int) int
		limit int
		want  []axisLabel
	}{
		{"all fit", []int{1, 2, 3}, two, 20, []axisLabel{{0, "1"}, {2, "2"}, {4, "3"}}},
		// 13 would start at 24, past 10 at 18: it moves left to 23 (limit
		// 25 − 2) and 12 at 22 gives way.
		{"last moved left", []int{1, 10, 12, 13}, two, 25, []axisLabel{{0, "1"}, {18, "10"}, {23, "13"}}},
		// 13 at 24 cannot end on its own column before 24: the labels
		// stay as they were.
		{"no room for the last", []int{1, 10, 12, 13}, two, 24, []axisLabel{{0, "1"}, {18, "10"}, {22, "12"}}},
		// Labels a column apart: 2 at 1 touches 1 at 0, and is skipped.
		{"crowded", []int{1, 2, 3}, func(c int) int { return c - 1 }, 10, []axisLabel{{0, "1"}, {2, "3"}}},
	} {
		if got := callLabels(tc.calls, tc.xOf, tc.limit); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// The curves and the bars always number the last call: 258c7280 has 14.
func TestLastCallLabelled(t *testing.T) {
	src, err := transcripts.Open(realClaudeTree, transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := startAt(t, Config{Source: src}, 120, 40)
	m = press(t, m, "enter")
	if m.session.calls() != 14 {
		t.Fatalf("%d calls", m.session.calls())
	}
	for _, w := range []int{40, 50, 60, 72, 80, 100, 120} {
		curves, _ := curvesView(m.session.res, 0, m.session.upto, false, w, 12)
		bars, _ := barsView(m.session.res, 0, m.session.upto, m.session.focus, -1, false, m.session.barKey().glyphs, w, 12)
		for name, out := range map[string]string{"curves": curves, "bars": bars} {
			lines := strings.Split(ansi.Strip(out), "\n")
			f := strings.Fields(lines[len(lines)-1])
			if len(f) == 0 || f[0] != "1" || f[len(f)-1] != "14" && !strings.HasSuffix(f[len(f)-1], "of 14") {
				t.Errorf("%s at %d: x labels %q", name, w, lines[len(lines)-1])
			}
		}
	}
}
