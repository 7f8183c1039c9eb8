package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/tokenscope/tokenscope/transcripts"
)

const claudeTree = "../transcripts/testdata/claude_code"

func treeConfig(t *testing.T) Config {
	t.Helper()
	src, err := transcripts.Open(claudeTree, transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return Config{Source: src}
}

func startAt(t *testing.T, cfg Config, w, h int) Model {
	t.Helper()
	m := New(cfg)
	next, _ := m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return settle(t, next.(Model), m.Init())
}

func screen(m Model) string { return ansi.Strip(m.View().Content) }

func TestConversationsOpenAndBack(t *testing.T) {
	m := startAt(t, treeConfig(t), 80, 24)
	if m.page != pageConversations || m.all == nil {
		t.Fatalf("a tree opens on page %d", m.page)
	}
	t.Log("\n" + screen(m))
}

func TestConversationsOpen(t *testing.T) {
	m := startAt(t, treeConfig(t), 80, 24)
	// Sorted by cost, the costliest first: 4b1c2d3e, 3 calls.
	first := m.list.sums[m.list.selected()]
	if first.ID != "4b1c2d3e" || first.Calls != 3 {
		t.Fatalf("first row %s with %d calls", first.ID, first.Calls)
	}
	m = press(t, m, "enter")
	if m.page != pageSession || m.calls() != 3 || len(m.res.Conversations) != 1 {
		t.Fatalf("enter: page %d, %d calls", m.page, m.calls())
	}
	// The session shows that conversation only: its cost is the row's.
	if got := m.res.Strategies[0].Totals.Cost; got != first.Costs[0] {
		t.Errorf("session full cost %s, row %s", got, first.Costs[0])
	}
	t.Log("\n" + screen(m))
	m = press(t, m, "esc")
	if m.page != pageConversations || m.list.sums[m.list.selected()].ID != "4b1c2d3e" {
		t.Fatalf("esc: page %d", m.page)
	}
}

// Warnings: counted in the header, listed on !, printed on exit.
func TestWarnings(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a", "b"} {
		body := `{"type":"session","version":1,"id":"` + name + `"}` + "\n" +
			`{"type":"message","role":"user","content":"hi"}` + "\n" +
			`{"type":"message","role":"assistant","content":"hello there"}` + "\n"
		if err := os.WriteFile(filepath.Join(dir, name+".jsonl"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src, err := transcripts.Open(dir, transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := startAt(t, Config{Source: src}, 80, 24)
	out := screen(m)
	if !strings.Contains(out, "! 2 warnings") || !strings.Contains(out, "unpriced: the log names no model — press m") {
		t.Errorf("header:\n%s", out)
	}
	if strings.Contains(out, "$0.00") {
		t.Errorf("an unpriced log shows $0.00:\n%s", out)
	}
	m = press(t, m, "!")
	if out := screen(m); !strings.Contains(out, "a.jsonl: the log names no model") || !strings.Contains(out, "b.jsonl: the log names no model") {
		t.Errorf("warnings pane:\n%s", out)
	}
	m = press(t, m, "esc")
	if m.warn {
		t.Error("esc left the warnings pane open")
	}
	var b strings.Builder
	printWarnings(&b, m)
	if strings.Count(b.String(), "warning: ") != 2 {
		t.Errorf("printed on exit:\n%s", b.String())
	}
	m = press(t, m, "enter")
	if out := screen(m); !strings.Contains(out, "unpriced") || strings.Contains(out, "$0.00") {
		t.Errorf("session of an unpriced log:\n%s", out)
	}
}

// The strategy menu takes a typed spec, model=ID included, and refuses an
// unknown model with the reason.
func TestMenuTypedSpec(t *testing.T) {
	m := startAt(t, demoConfig(), 80, 24)
	m = press(t, m, "s", "a")
	for _, r := range "model=nosuchmodel" {
		m = press(t, m, string(r))
	}
	m = press(t, m, "enter")
	if m.menu.err == "" || !strings.Contains(screen(m), "nosuchmodel") {
		t.Fatalf("unknown model accepted: err %q", m.menu.err)
	}
	m.menu.add.SetValue("model=claude-haiku-4-5+cache")
	m = press(t, m, "enter", "enter")
	if m.overlay != overlayNone || len(m.specs) != 8 || len(m.res.Strategies) != 8 {
		t.Fatalf("specs %v", m.specs)
	}
	if got := m.res.Strategies[7].Strategy.Spec; !strings.Contains(got, "claude-haiku-4-5") {
		t.Errorf("added strategy %q", got)
	}
}

// The model picker says how many models are out of view.
func TestPickerCounts(t *testing.T) {
	m := startAt(t, demoConfig(), 80, 24)
	m = press(t, m, "m")
	out := screen(m)
	if !strings.Contains(out, "↓") || !strings.Contains(out, "more") || !strings.Contains(out, "filter:") {
		t.Errorf("picker:\n%s", out)
	}
}
