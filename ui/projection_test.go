package ui

import (
	"strings"
	"testing"

	"github.com/tokenscope/tokenscope/transcripts"
)

// The monthly projection keeps its unit or is not shown, and gives way
// to the bill and its replay check. 258c7280 costs $3.7197… in full: at
// 1,000 a day, × 30 days, $111,591.15 a month.
func TestProjectionKeepsUnit(t *testing.T) {
	src, err := transcripts.Open(realClaudeTree, transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range [][2]int{{60, 16}, {70, 20}, {80, 24}, {120, 40}} {
		m := startAt(t, Config{Source: src}, size[0], size[1])
		m = press(t, m, "enter", "]")
		lines := strings.Split(screen(m), "\n")
		proj := lines[len(lines)-2]
		if strings.Contains(proj, "/mo") && !strings.Contains(proj, "/mo at 1,000/day") {
			t.Errorf("%v: %q", size, proj)
		}
		if !strings.Contains(proj, "billed $0.9183") || size[0] >= 70 && !strings.Contains(proj, "cache replay +0.4%") {
			t.Errorf("%v: bill or replay check dropped in %q", size, proj)
		}
		if size[0] >= 100 && !strings.Contains(proj, "$111,591.15/mo at 1,000/day") {
			t.Errorf("%v: no projection in %q", size, proj)
		}
	}
}
