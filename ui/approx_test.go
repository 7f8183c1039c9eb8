package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/tokenscope/tokenscope/transcripts"
)

const toolHeavy = "../transcripts/testdata/real/claude_code/spotter/tool_heavy.jsonl"

// Claude's tokenizer is estimated: every count the inspector shows is
// marked ≈; the reported (billed) figures are exact and are not. The
// demo is counted exactly with o200k_base and shows no ≈ at all.
func TestInspectorMarksEstimates(t *testing.T) {
	src, err := transcripts.Open(toolHeavy, transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := startAt(t, Config{Source: src}, 120, 40)
	out := ansi.Strip(inspectorView(m.session.res, m.session.shown, 3, 0, 120, 30, false, m.c.st))
	for _, want := range []string{
		"input ≈27,267", "counted ≈1,245", "delta ≈-26,421", "unlogged ≈26,022",
		"read ≈26,401, write ≈866 simulated", "reported input 27,666", "read 26,504, write 1,115 reported",
		"history       ≈26", // message 2's tokens
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	m = start(t, demoConfig())
	if out := inspectorView(m.session.res, m.session.shown, 2, 0, 120, 30, false, m.c.st); strings.Contains(out, "≈") {
		t.Errorf("exact counts marked ≈:\n%s", ansi.Strip(out))
	}
}

// The bars' token axis is marked ≈ on an estimated log (tool_heavy's
// largest call is 27,267 tokens: the axis tops at ≈30k) and not on the
// exact demo.
func TestBarsAxisMarksEstimates(t *testing.T) {
	src, err := transcripts.Open(toolHeavy, transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := startAt(t, Config{Source: src}, 80, 24)
	out, _ := barsView(m.session.res, 0, m.session.upto, m.session.focus, -1, false, m.session.barKey().glyphs, 80, 10)
	if first := strings.Fields(ansi.Strip(out))[0]; first != "≈30k" {
		t.Errorf("axis top %q in\n%s", first, ansi.Strip(out))
	}
	m = start(t, demoConfig())
	if out, _ := barsView(m.session.res, 0, m.session.upto, m.session.focus, -1, false, m.session.barKey().glyphs, 80, 10); strings.Contains(out, "≈") {
		t.Errorf("exact axis marked ≈:\n%s", ansi.Strip(out))
	}
}
