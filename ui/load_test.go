package ui

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	advice "github.com/tokenscope/tokenscope/profile/advisor"
	"github.com/tokenscope/tokenscope/profile/strategy"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts"
	"github.com/tokenscope/tokenscope/transcripts/synthetic"
)

const realTree = "../transcripts/testdata/real/claude_code"

// loadAt opens path as `tokenscope replay DIR` does, at w×h, and stops
// when the usage pass is in: the page as it is while counting. finish
// lets counting go on and returns the page once the profile is in.
func loadAt(t *testing.T, path string, w, h int) (pending Model, finish func(Model) Model) {
	t.Helper()
	m := New(Config{Path: path})
	hold := make(chan struct{})
	m.load.hold = hold
	next, _ := m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	m = next.(Model)
	batch, ok := m.Init()().(tea.BatchMsg)
	if !ok || len(batch) != 2 {
		t.Fatalf("Init: %T", batch)
	}
	go batch[0]() // load: the usage pass, then held
	next, wait := m.Update(batch[1]())
	released := false
	t.Cleanup(func() {
		if !released {
			close(hold)
		}
	})
	return next.(Model), func(m Model) Model {
		t.Helper()
		released = true
		close(hold)
		return settle(t, m, wait)
	}
}

// keysOf is the session key of each row shown, top to bottom.
func keysOf(l listPage) []string {
	var out []string
	for _, si := range l.shown {
		out = append(out, l.sessions[si])
	}
	return out
}

// idsOf is the id of each row shown, top to bottom.
func idsOf(l listPage) []string {
	var out []string
	for _, si := range l.shown {
		out = append(out, l.sums[si].ID)
	}
	return out
}

// The usage pass shows the list at once, billed as logged; when the
// profile comes the rows stay where they were, in every sort, with the
// same billed costs and calls, and the selection stays on its row.
func TestUsageRowsStayWhenProfileArrives(t *testing.T) {
	for _, sortKeys := range [][]string{nil, {"d"}, {"n"}, {"c"}} {
		pending, finish := loadAt(t, realTree, 120, 40)
		if !pending.list.pending || pending.page != pageConversations || pending.list.all != nil {
			t.Fatalf("usage pass: pending %v, page %d", pending.list.pending, pending.page)
		}
		pending = press(t, pending, sortKeys...)
		pending = press(t, pending, "down", "down")
		before := keysOf(pending.list)
		selKey, cursor := pending.list.sessions[pending.list.selected()], pending.list.cursor
		wantIDs := idsOf(pending.list)
		if len(before) != 7 {
			t.Fatalf("sort %v: %d usage rows, want 7", sortKeys, len(before))
		}
		final := finish(pending)
		if final.list.pending || final.list.all == nil {
			t.Fatalf("sort %v: the profile did not arrive", sortKeys)
		}
		if after := keysOf(final.list); !reflect.DeepEqual(after, before) {
			t.Errorf("sort %v: rows moved:\nbefore %v\nafter  %v", sortKeys, before, after)
		}
		if got := final.list.sessions[final.list.selected()]; got != selKey || final.list.cursor != cursor {
			t.Errorf("sort %v: selection %s at %d, want %s at %d", sortKeys, got, final.list.cursor, selKey, cursor)
		}
		// A session file is its conversation; a subagent's file is one
		// conversation of its session, named after its agent.
		for i, id := range idsOf(final.list) {
			if id != wantIDs[i] && !strings.HasPrefix(id, wantIDs[i]+"/agent-") {
				t.Errorf("sort %v: row %d is %s, was %s", sortKeys, i, id, wantIDs[i])
			}
		}
		for i, si := range final.list.shown {
			u, p := pending.list.sums[pending.list.shown[i]], final.list.sums[si]
			if u.Calls != p.Calls || u.Billed != p.Billed || u.BilledCalls != p.BilledCalls {
				t.Errorf("%s: usage %d calls %s (%d billed), profile %d calls %s (%d billed)", p.ID, u.Calls, u.Billed, u.BilledCalls, p.Calls, p.Billed, p.BilledCalls)
			}
		}
	}
}

// The usage rows' numbers, checked by hand against the log: 258c7280 is
// the costliest session, 14 calls billed $0.9183; every call reported
// usage; nothing is simulated yet.
func TestUsageRowsNumbers(t *testing.T) {
	pending, _ := loadAt(t, realTree, 80, 24)
	l := pending.list
	top := l.sums[l.shown[0]]
	if top.ID != "258c7280-ae70-4798-800f-63464d01a85d" || top.Project != "spotter" || top.Calls != 14 || top.Billed.String() != "$0.9183" || top.BilledCalls != 14 || top.Costs != nil {
		t.Errorf("top usage row %+v", top)
	}
	// The first response: the usage pass reads no prompt (the profile's
	// start is the prompt's, 20:36:45, the same minute).
	if want := "2026-02-11 20:36:47.925"; top.Start.UTC().Format("2006-01-02 15:04:05.000") != want {
		t.Errorf("start %s, want the first call at %s", top.Start, want)
	}
	calls := 0
	for _, s := range l.sums {
		calls += s.Calls
	}
	if len(l.sums) != 7 || calls != 53 {
		t.Errorf("%d rows, %d calls; want 7, 53", len(l.sums), calls)
	}
}

// Counted while read, the list is the one the whole tree read and
// prepared at once gives (the TUI's way before): same conversations,
// costs, cheapest and savings, and the same findings.
func TestLoadedListLikeOpen(t *testing.T) {
	for _, tree := range []string{realTree, claudeTree} {
		pending, finish := loadAt(t, tree, 80, 24)
		got := finish(pending)
		src, err := transcripts.Open(tree, transcripts.Options{})
		if err != nil {
			t.Fatal(err)
		}
		want := startAt(t, Config{Source: src}, 80, 24)
		if !reflect.DeepEqual(got.list.sums, want.list.sums) {
			t.Errorf("%s: loaded list\n%+v\nopened\n%+v", tree, got.list.sums, want.list.sums)
		}
		if !reflect.DeepEqual(idsOf(got.list), idsOf(want.list)) || !reflect.DeepEqual(got.sh.specs, want.sh.specs) {
			t.Errorf("%s: rows %v, want %v", tree, idsOf(got.list), idsOf(want.list))
		}
		got, want = press(t, got, "f"), press(t, want, "f")
		if len(got.adv.findings) == 0 || !reflect.DeepEqual(got.adv.findings, want.adv.findings) {
			t.Errorf("%s: findings\n%+v\nwant\n%+v", tree, got.adv.findings, want.adv.findings)
		}
	}
}

// A session whose file holds several conversations (a subagent's file,
// a sidechain) is one usage row; when the profile comes it is those
// conversations, and the selection goes to the first of them.
func TestUsageRowSplits(t *testing.T) {
	pending, finish := loadAt(t, claudeTree, 80, 24)
	ids := idsOf(pending.list)
	if !reflect.DeepEqual(ids, []string{"4b1c2d3e", "5c2d3e4f"}) {
		t.Fatalf("usage rows %v", ids)
	}
	if s := pending.list.sums[pending.list.shown[0]]; s.Calls != 5 || s.Billed.String() != "$0.0542" {
		t.Errorf("4b1c2d3e: %d calls %s, want 5 calls $0.0542 (3 + 1 + 1)", s.Calls, s.Billed)
	}
	pending = press(t, pending, "down", "up")
	final := finish(pending)
	if got := idsOf(final.list); !reflect.DeepEqual(got, []string{"4b1c2d3e", "5c2d3e4f", "4b1c2d3e/s1", "4b1c2d3e/agent-a7f3"}) {
		t.Errorf("profile rows %v", got)
	}
	if got := final.list.sums[final.list.selected()].ID; got != "4b1c2d3e" {
		t.Errorf("selected %s", got)
	}
}

// Until the profile is in, nothing opens: enter and f are off and left
// out of the help; the help page and the warnings page still open.
func TestUsageRowsWait(t *testing.T) {
	pending, finish := loadAt(t, realTree, 80, 24)
	m := press(t, pending, "enter", "f")
	if m.page != pageConversations || m.overlay != overlayNone || m.list.src != nil {
		t.Fatalf("enter/f while counting: page %d, overlay %d", m.page, m.overlay)
	}
	out := screen(m)
	lines := strings.Split(out, "\n")
	if len(lines) != 24 {
		t.Errorf("%d lines at 80×24", len(lines))
	}
	for _, l := range lines {
		if w := ansi.StringWidth(l); w > 80 {
			t.Errorf("%d columns: %q", w, l)
		}
	}
	if help := lines[len(lines)-1]; strings.Contains(help, "enter") || strings.Contains(help, "findings") || !strings.Contains(help, "? help") {
		t.Errorf("help line while counting %q", help)
	}
	if !strings.Contains(out, "billed (from usage) · reading and counting…") || !strings.Contains(out, "7 sessions · 53 calls") {
		t.Errorf("counting state:\n%s", out)
	}
	m = press(t, m, "?")
	if out := screen(m); !strings.Contains(out, "closes help") || strings.Contains(out, "open") {
		t.Errorf("help while counting:\n%s", out)
	}
	m = press(t, m, "esc")
	next, _ := m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m = next.(Model)
	if out := screen(m); !strings.Contains(out, "258c7280-ae70-4798-800f-63464d01a85d") {
		t.Errorf("resized to 120×40:\n%s", out)
	}
	m = finish(m)
	m = press(t, m, "enter")
	if m.page != pageSession || m.session.calls() != 14 {
		t.Errorf("enter once counted: page %d, %d calls", m.page, m.session.calls())
	}
}

// Counting shows how far it is, file by file, with a bar.
func TestCountingProgress(t *testing.T) {
	pending, _ := loadAt(t, realTree, 80, 24)
	next, _ := pending.Update(progressMsg{3, 7})
	out := screen(next.(Model))
	if !strings.Contains(out, "billed (from usage) · counting 3/7 files") || !strings.Contains(out, "43%") {
		t.Errorf("progress:\n%s", out)
	}
}

// One session: no list while counting; its page when counted.
func TestLoadOneSession(t *testing.T) {
	dir := t.TempDir()
	body, err := os.ReadFile(filepath.Join(realTree, "spotter", "short.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "short.jsonl"), body, 0o644); err != nil {
		t.Fatal(err)
	}
	pending, finish := loadAt(t, dir, 80, 24)
	if pending.list.pending || pending.page != pageSession || !strings.Contains(screen(pending), "reading "+dir) {
		t.Errorf("one session while counting:\n%s", screen(pending))
	}
	m := finish(pending)
	if m.page != pageSession || m.session.calls() != 1 {
		t.Errorf("one session: page %d, %d calls", m.page, m.session.calls())
	}
}

// A directory with no log says so, naming it.
func TestLoadEmptyDir(t *testing.T) {
	dir := t.TempDir()
	pending, finish := loadAt(t, dir, 80, 24)
	m := finish(pending)
	if out := screen(m); !strings.Contains(out, dir) || !strings.Contains(out, "no .json or .jsonl files") {
		t.Errorf("empty dir:\n%s", out)
	}
}

// Golden screens of the conversations page opened on a directory: the
// usage rows while the profile is counted, and the profile in.
func TestGoldenLoad(t *testing.T) {
	for _, tc := range []struct {
		name    string
		w, h    int
		holding bool
	}{
		{"counting_80x24", 80, 24, true},
		{"counting_120x40", 120, 40, true},
		{"counted_80x24", 80, 24, false},
		{"counted_120x40", 120, 40, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := New(Config{Path: realTree})
			if tc.holding {
				hold := make(chan struct{})
				t.Cleanup(func() { close(hold) })
				m.load.hold = hold
			}
			tm := program(t, m, tc.w, tc.h)
			wait := "every conversation has calls"
			if tc.holding {
				// As far as three files of seven.
				m.load.ch <- progressMsg{3, 7}
				wait = "3/7 files"
			}
			waitFor(t, tm, wait)
			goldenFinal(t, tm)
		})
	}
}

// The usage rows' billed is the profile's on a generated tree too: every
// session, to the last digit.
func TestUsageBilledLikeProfile(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := synthetic.WriteClaudeCode(dir, 12, 40<<10, 3); err != nil {
		t.Fatal(err)
	}
	u := readUsageRows(loadJob{path: dir, prices: price.Default()})
	if u.err != nil || len(u.rows) != 12 {
		t.Fatalf("usage: %v, %d rows", u.err, len(u.rows))
	}
	ch := make(chan tea.Msg, 64)
	counted := &prepCache{}
	got := walk(loadJob{path: dir, prices: price.Default(), counted: counted}, true, ch)
	if got.err != nil || counted.p == nil || !counted.streamed {
		t.Fatalf("%v; seeded %v", got.err, counted.p != nil)
	}
	if got.refs == nil || len(got.src.Conversations) != 0 || len(got.defaults) == 0 {
		t.Fatalf("the list kept the text: %d refs, %d conversations", len(got.refs), len(got.src.Conversations))
	}
	res, err := counted.p.Run(mustStrategies(t, got.defaults))
	if err != nil {
		t.Fatal(err)
	}
	sums := advice.Summaries(res, got.src.Conversations, got.src.Path)
	for i, u := range u.rows {
		p := sums[i]
		if p.Calls != u.Calls || p.Billed != u.Billed || p.BilledCalls != u.BilledCalls || p.ID != u.ID {
			t.Errorf("row %d: usage %s %d calls %s, profile %s %d calls %s", i, u.ID, u.Calls, u.Billed, p.ID, p.Calls, p.Billed)
		}
		if u.Billed == 0 {
			t.Errorf("row %d: nothing billed", i)
		}
	}
	if len(ch) == 0 {
		t.Error("no progress reported")
	}
}

func mustStrategies(t *testing.T, specs []string) []*strategy.Strategy {
	t.Helper()
	s, err := strategy.ParseAll(specs)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The list's knobs run on the counts made while reading: a changed
// window re-simulates on them, to the numbers a fresh preparation gives;
// a model on another encoding (gpt-4: cl100k) is counted afresh, exactly.
func TestListKnobsOnLoadedCounts(t *testing.T) {
	pending, finish := loadAt(t, realTree, 120, 40)
	m := finish(pending)
	seeded := m.list.prep.p
	if seeded == nil || !m.list.prep.streamed {
		t.Fatal("the list's counts were not kept")
	}
	src, err := transcripts.Open(realTree, transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		change func(specs []string) []string
		fresh  bool
	}{
		{"window", func(specs []string) []string { s, _, _ := turnKnob(specs, knobWindow, 1); return s }, false},
		{"model=gpt-4o", func(specs []string) []string { return append(specs, "model=gpt-4o+cache") }, false},
		{"model=gpt-4", func(specs []string) []string { return append(specs, "model=gpt-4+cache") }, true},
	} {
		m = press(t, m, "enter")
		specs := tc.change(append([]string(nil), m.sh.specs...))
		if len(specs) == 0 || strings.Join(specs, "|") == strings.Join(m.sh.specs, "|") {
			t.Fatalf("%s: specs unchanged", tc.name)
		}
		m.sh.specs = specs
		m = press(t, m, "esc")
		if m.page != pageConversations || m.session.computing || m.list.all == nil || len(m.list.all.Strategies) != len(specs) {
			t.Fatalf("%s: list not recomputed", tc.name)
		}
		if fresh := m.list.prep.p != seeded; fresh != tc.fresh {
			t.Errorf("%s: prepared afresh %v, want %v", tc.name, fresh, tc.fresh)
		}
		want := startAt(t, Config{Source: src, Specs: specs}, 120, 40)
		if !reflect.DeepEqual(m.list.sums, want.list.sums) {
			t.Errorf("%s: list\n%+v\nwant\n%+v", tc.name, m.list.sums, want.list.sums)
		}
		if tc.fresh {
			break // the counts kept are gone
		}
	}
}
