package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/tokenscope/tokenscope/profile/price"
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
	m.toast.after = 0 // settle runs commands at once: no 4 s toast timers
	next, _ := m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return settle(t, next.(Model), m.Init())
}

func screen(m Model) string { return ansi.Strip(m.View().Content) }

func TestConversationsOpen(t *testing.T) {
	m := startAt(t, treeConfig(t), 80, 24)
	// Sorted by cost, the costliest first: 4b1c2d3e, 3 calls.
	first := m.list.sums[m.list.selected()]
	if first.ID != "4b1c2d3e" || first.Calls != 3 {
		t.Fatalf("first row %s with %d calls", first.ID, first.Calls)
	}
	m = press(t, m, "enter")
	if m.page != pageSession || m.session.calls() != 3 || len(m.session.res.Conversations) != 1 {
		t.Fatalf("enter: page %d, %d calls", m.page, m.session.calls())
	}
	// The session shows that conversation only: its cost is the row's.
	if got := m.session.res.Strategies[0].Totals.Cost; got != first.Costs[0] {
		t.Errorf("session full cost %s, row %s", got, first.Costs[0])
	}
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
	if m.info.open() {
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

// typeSpec types spec into the strategy menu's add box, and enter.
func typeSpec(t *testing.T, m Model, spec string) Model {
	t.Helper()
	m = press(t, m, "s", "a")
	for _, r := range spec {
		m = press(t, m, string(r))
	}
	return press(t, m, "enter")
}

// The strategy menu takes a typed spec, model=ID included, and refuses an
// unknown model with the reason.
func TestMenuTypedSpec(t *testing.T) {
	m := typeSpec(t, startAt(t, demoConfig(), 80, 24), "model=nosuchmodel")
	if m.menu.err == "" || !strings.Contains(screen(m), "nosuchmodel") {
		t.Fatalf("unknown model accepted: err %q", m.menu.err)
	}
	m.menu.add.SetValue("model=claude-haiku-4-5+cache")
	m = press(t, m, "enter", "enter")
	if m.overlay != overlayNone || len(m.sh.specs) != 8 || len(m.session.res.Strategies) != 8 {
		t.Fatalf("specs %v", m.sh.specs)
	}
	if got := m.session.res.Strategies[7].Strategy.Spec; !strings.Contains(got, "claude-haiku-4-5") {
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

// Golden screens of the conversations page, and of a conversation opened
// from it, at 80×24 and 120×40.
func TestGoldenConversations(t *testing.T) {
	for _, tc := range []struct {
		name string
		w, h int
		keys []string
		wait string
	}{
		{"list_80x24", 80, 24, nil, ""},
		{"list_120x40", 120, 40, nil, ""},
		{"open_80x24", 80, 24, []string{"enter"}, "f all"},
		{"sorted_by_date_120x40", 120, 40, []string{"d"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tm := program(t, New(treeConfig(t)), tc.w, tc.h)
			waitFor(t, tm, "by project")
			for _, k := range tc.keys {
				tm.Send(keyPress(k))
			}
			if tc.wait != "" {
				waitFor(t, tm, tc.wait)
			}
			goldenFinal(t, tm)
		})
	}
}

// Typing filters the rows; esc clears the filter.
func TestConversationsFilter(t *testing.T) {
	m := startAt(t, treeConfig(t), 80, 24)
	m = press(t, m, "/", "a", "g", "e", "n", "t")
	if len(m.list.shown) != 1 || m.list.sums[m.list.shown[0]].ID != "4b1c2d3e/agent-a7f3" {
		t.Fatalf("filter agent: %d rows", len(m.list.shown))
	}
	if !strings.Contains(screen(m), "/agent") {
		t.Errorf("filter not shown:\n%s", screen(m))
	}
	m = press(t, m, "esc")
	if len(m.list.shown) != 4 || m.list.filter.Focused() {
		t.Errorf("esc: %d rows", len(m.list.shown))
	}
}

// Conversations with no call are listed apart and counted nowhere.
func TestConversationsEmptyApart(t *testing.T) {
	at := func(h int) transcripts.Message {
		return transcripts.Message{Role: transcripts.RoleUser, Content: "hi", Time: time.Date(2026, 11, 2, h, 0, 0, 0, time.UTC)}
	}
	reply := transcripts.Message{Role: transcripts.RoleAssistant, Content: "hello there"}
	src := &transcripts.Source{Path: "dir", Conversations: []*transcripts.Conversation{
		{ID: "a", Path: "dir/p/a.jsonl", Model: "gpt-4o", Messages: []transcripts.Message{at(9), reply}},
		{ID: "empty", Path: "dir/p/empty.jsonl", Model: "gpt-4o", Messages: []transcripts.Message{at(10)}},
		{ID: "b", Path: "dir/p/b.jsonl", Model: "gpt-4o", Messages: []transcripts.Message{at(11), reply, at(11), reply}},
	}}
	m := startAt(t, Config{Source: src}, 80, 24)
	if len(m.list.shown) != 2 || len(m.list.empty) != 1 {
		t.Fatalf("%d rows, %d empty", len(m.list.shown), len(m.list.empty))
	}
	out := screen(m)
	if !strings.Contains(out, "1 empty (no calls, not counted): empty") {
		t.Errorf("empty conversation not listed apart:\n%s", out)
	}
	// by day counts the two conversations with calls only.
	var total price.Money
	for _, i := range m.list.shown {
		total += m.list.sums[i].Costs[0]
	}
	if want := "by day: 2026-11-02 " + total.String() + " (2)"; !strings.Contains(out, want) {
		t.Errorf("want %q in\n%s", want, out)
	}
}

// Filtered to one model, the picker says "1 model", once.
func TestPickerOneModel(t *testing.T) {
	m := startAt(t, demoConfig(), 80, 24)
	m = press(t, m, "m", "h", "a", "i", "k", "u")
	out := screen(m)
	if strings.Count(out, "1 model") != 1 || strings.Contains(out, "1 models") || !strings.Contains(out, "claude-haiku-4-5") {
		t.Errorf("picker:\n%s", out)
	}
}

// Narrow, the list drops the cheapest column and the saving says which
// strategy saves: 258c7280's cheapest is 3 (window:turns=8+cache), 79.3%.
func TestSavingNamesStrategy(t *testing.T) {
	src, err := transcripts.Open("../transcripts/testdata/real/claude_code", transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		w, h     int
		cheapest bool
		row      string
	}{
		{60, 16, false, "3: 79.3%"},
		{70, 20, false, "3: 79.3%"},
		{80, 24, true, " 79.3%"},
	} {
		m := startAt(t, Config{Source: src}, tc.w, tc.h)
		lines := strings.Split(screen(m), "\n")
		head, row := lines[3], strings.TrimRight(lines[5], " ")
		if strings.Contains(head, "cheapest") != tc.cheapest || !strings.Contains(head, "saving") {
			t.Errorf("%d×%d: head %q", tc.w, tc.h, head)
		}
		if !strings.HasPrefix(row, "258c7280") || !strings.HasSuffix(row, tc.row) {
			t.Errorf("%d×%d: row %q, want it to end %q", tc.w, tc.h, row, tc.row)
		}
	}
}

// esc is in the help where there is a list to go back to, and only there.
func TestBackKeyOnlyFromList(t *testing.T) {
	opened := press(t, startAt(t, treeConfig(t), 80, 24), "enter", "?")
	if !strings.Contains(screen(opened), "back to conversations") {
		t.Errorf("help of a conversation opened from the list lacks esc:\n%s", screen(opened))
	}
	if demo := press(t, start(t, demoConfig()), "?"); strings.Contains(screen(demo), "back to conversations") {
		t.Errorf("help of a lone conversation offers esc back to a list:\n%s", screen(demo))
	}
}
