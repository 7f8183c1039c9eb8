package ui

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	advice "github.com/tokenscope/tokenscope/profile/advisor"
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/report/rows"
	"github.com/tokenscope/tokenscope/transcripts"
	"github.com/tokenscope/tokenscope/transcripts/live/livetest"
)

// goldenScreen compares m's screen with testdata/<test name>.golden.
func goldenScreen(t *testing.T, m Model) {
	t.Helper()
	golden.RequireEqual(t, []byte(screen(m)))
}

// Totals follow the cursor: G ← ← shows call 39 of 41, and the table, the
// cost line and the curves count calls 1..39 ($0.4914 under full on the
// demo, summed here call by call from the engine's own calls).
func TestCursorTotals(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 34}} {
		t.Run(sizeName(size), func(t *testing.T) {
			m := press(t, startAt(t, demoConfig(), size[0], size[1]), "G", "left", "left")
			var want price.Money
			for _, c := range m.session.res.Strategies[0].Calls()[:39] {
				want += c.Cost
			}
			if want.String() != "$0.4914" {
				t.Fatalf("calls 1..39 under full cost %s, the issue says $0.4914", want)
			}
			if got := m.session.table.Rows()[0][2]; got != want.String() {
				t.Errorf("table's full row = %s, want %s", got, want)
			}
			if got := m.session.projection(); !strings.HasPrefix(got, "1: $0.4914 so far") {
				t.Errorf("cost line = %q", got)
			}
			if !strings.Contains(screen(m), "call 39/41") {
				t.Error("header does not say call 39/41")
			}
			goldenScreen(t, m)
		})
	}
}

func sizeName(s [2]int) string {
	return strings.Join([]string{itoa(s[0]), itoa(s[1])}, "x")
}

func itoa(n int) string { return formatInt(int64(n)) }

// The model picker picks what was typed: the first match in a list newest
// first, and an exact id (or alias) over a longer one that holds it.
func TestPickerPicksTyped(t *testing.T) {
	for _, tc := range []struct{ typed, want string }{
		{"sonnet", "claude-sonnet-5"}, // the newest sonnet
		{"4o", "gpt-4o"},
		{"gpt-5", "gpt-5"}, // not gpt-5.4, the first to hold it
		{"4o-mini", "gpt-4o-mini"},
		{"gpt-5-codex", "gpt-5"}, // an alias
		{"haiku", "claude-haiku-4-5"},
	} {
		t.Run(tc.typed, func(t *testing.T) {
			m := press(t, start(t, demoConfig()), "m")
			for _, r := range tc.typed {
				m = press(t, m, string(r))
			}
			if got := m.picker.shown[m.picker.cursor].ID; got != tc.want {
				t.Errorf("highlighted %s, want %s", got, tc.want)
			}
			m = press(t, m, "enter")
			if m.session.res.Model.ID != tc.want {
				t.Errorf("priced as %s, want %s", m.session.res.Model.ID, tc.want)
			}
		})
	}
}

// The picker at 80×24 after typing "4o": gpt-4o highlighted.
func TestPickerGolden(t *testing.T) {
	m := press(t, start(t, demoConfig()), "m", "4", "o")
	goldenScreen(t, m)
}

// One "saved": the table, the cost line and the list write a saving as
// report does (one decimal against strategy 1, cheaper positive).
func TestOneSaved(t *testing.T) {
	m := start(t, demoConfig())
	want := rows.Strategies(m.session.res, rows.Options{})
	for i, r := range m.session.table.Rows() {
		if r[3] != want[i].Saved || r[2] != want[i].Cost {
			t.Errorf("%s: table saved %s, report %s", r[1], r[3], want[i].Saved)
		}
	}
	if got := m.session.projection(); !strings.Contains(got, "cheapest 2 saves 58.4%") {
		t.Errorf("cost line %q", got)
	}
	l := startAt(t, treeConfig(t), 120, 40)
	if got := screen(l); strings.Contains(got, "−") {
		t.Errorf("the list signs a saving with −:\n%s", got)
	}
}

// A directory whose model has no price is never $0.00: not in the rows'
// billed or simulated columns, not in the by-day and by-project lines.
// "press m" works where it is said: m on the list prices every
// conversation as the model picked.
func TestListUnpricedAndModel(t *testing.T) {
	src, err := transcripts.Open("testdata/unpriced", transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range [][2]int{{80, 24}, {120, 34}} {
		t.Run(sizeName(size), func(t *testing.T) {
			m := startAt(t, Config{Source: src}, size[0], size[1])
			if m.page != pageConversations {
				t.Fatal("not on the list")
			}
			out := screen(m)
			if zeroDollars.MatchString(out) || !strings.Contains(out, "press m") {
				t.Errorf("unpriced list:\n%s", out)
			}
			goldenScreen(t, m)
			m = press(t, m, "m", "g", "p", "t", "-", "4", "o", "enter")
			if m.sh.model != "gpt-4o" || m.page != pageConversations {
				t.Fatalf("m on the list: model %q page %d", m.sh.model, m.page)
			}
			out = screen(m)
			if !strings.Contains(out, "gpt-4o") || zeroDollars.MatchString(out) || !strings.Contains(out, "$0.000985") {
				t.Errorf("priced as gpt-4o:\n%s", out)
			}
		})
	}
}

// zeroDollars is a cost of exactly $0.00 (not $0.0008).
var zeroDollars = regexp.MustCompile(`\$0\.00([^0-9]|$)`)

// A toast takes the help line, not the pane title's room, and clears
// itself (a tea.Tick); a stale tick leaves a newer toast alone.
func TestToastClears(t *testing.T) {
	m := startAt(t, demoConfig(), 80, 24)
	title := strings.Split(screen(m), "\n")[1]
	m = press(t, m, "W")
	lines := strings.Split(screen(m), "\n")
	if lines[1] != title || lines[len(lines)-1] != "window → 9 exchanges" {
		t.Errorf("toast: title %q (was %q), last line %q", lines[1], title, lines[len(lines)-1])
	}
	stale := m.toast.gen
	m = press(t, m, "W")
	next, _ := m.Update(toastMsg{stale})
	if m = next.(Model); m.sh.status != "window → 10 exchanges" {
		t.Errorf("a stale toast tick cleared %q", m.sh.status)
	}
	m.toast.after = time.Millisecond // settle runs the tick
	m = press(t, m, "W")
	if m.sh.status != "" || !strings.Contains(screen(m), "? help") {
		t.Errorf("toast %q did not clear", m.sh.status)
	}
}

// The warnings page scrolls: eight warnings of three lines each at 80×24
// do not fit, and the eighth comes into view at the end.
func TestWarningsScroll(t *testing.T) {
	cfg := demoConfig()
	for i := 1; i <= 8; i++ {
		cfg.Source.Warnings = append(cfg.Source.Warnings, fmt.Sprintf("warning %d: %s", i, strings.Repeat("a call reported usage the log cannot match ", 4)))
	}
	m := press(t, startAt(t, cfg, 80, 24), "!")
	if out := screen(m); strings.Contains(out, "warning 8:") || !strings.Contains(out, "scroll") {
		t.Errorf("the first page shows the eighth warning or no way to scroll:\n%s", out)
	}
	m = press(t, m, "G")
	if out := screen(m); !strings.Contains(out, "warning 8:") {
		t.Errorf("the eighth warning never shows:\n%s", out)
	}
	goldenScreen(t, m)
}

// Live: before the first message the header says no call yet (never
// "call 1/0"); a refusal on the status line drops whole words, never cuts
// a number.
func TestLiveStatusWhole(t *testing.T) {
	cfg, _, _ := liveConfig(t, "0.00001", livetest.Reply{Chunks: []string{"ok"}, Usage: &livetest.Usage{Prompt: 25, Completion: 3}},
		livetest.Reply{Chunks: []string{"ok"}, Usage: &livetest.Usage{Prompt: 25, Completion: 3}})
	m := startAt(t, cfg, 80, 24)
	if out := screen(m); strings.Contains(out, "call 1/0") || !strings.Contains(out, "no call yet") {
		t.Errorf("before the first message:\n%s", out)
	}
	m = typeText(t, m, "hi")
	m = typeText(t, m, "tell me about deploys in great detail please")
	line := ""
	for _, l := range strings.Split(screen(m), "\n") {
		if strings.HasPrefix(l, "spent ") {
			line = strings.TrimRight(l, " ")
		}
	}
	if !strings.Contains(m.session.live.notice, "refused") {
		t.Fatalf("no refusal: %q", m.session.live.notice)
	}
	// Every dollar figure on the line is one the notice or the spend holds whole.
	for _, f := range regexp.MustCompile(`\$[0-9.]+`).FindAllString(line, -1) {
		if !strings.Contains(m.session.live.notice+" "+m.session.spent().String(), f+" ") && !strings.HasSuffix(m.session.live.notice, f) && f != m.session.spent().String() {
			t.Errorf("status line cuts a number %s: %q", f, line)
		}
	}
	// What is shown of the notice ends on a whole word.
	_, shown, _ := strings.Cut(line, "refused:")
	shown = "refused:" + strings.TrimSuffix(shown, "…")
	if rest, ok := strings.CutPrefix(m.session.live.notice, shown); !ok || rest != "" && rest[0] != ' ' {
		t.Errorf("status line cuts a word: %q", line)
	}
}

// The $ view: each call's cost by part, the parts summing to the call's
// cost exactly; output is 28% of the demo's dollars under full (its
// tokens at gpt-5's $10/MTok over the total), and the heaviest part gets
// the strongest glyph: history in tokens, history then output in dollars.
func TestMoneyView(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 34}} {
		t.Run(sizeName(size), func(t *testing.T) {
			m := startAt(t, demoConfig(), size[0], size[1])
			if l := ansi.Strip(m.session.layout().legend); !strings.HasPrefix(l, "█ history 71%") {
				t.Errorf("token legend %q: history, 71%% of the input, is not drawn █", l)
			}
			m = press(t, m, "$")
			tot := m.session.res.Strategies[0].Totals
			out := m.session.res.Model.Output.Cost(tot.BilledOutput())
			pct := fmt.Sprintf("output %.0f%%", 100*float64(out)/float64(tot.Cost))
			if pct != "output 28%" {
				t.Fatalf("reference: %s", pct)
			}
			l := ansi.Strip(m.session.layout().legend)
			if !strings.HasPrefix(l, "█ history") || !strings.Contains(l, "▓ "+pct) {
				t.Errorf("$ legend %q, want █ history first and ▓ %s", l, pct)
			}
			for _, c := range m.session.res.Strategies[1].Calls() {
				var sum price.Money
				for _, v := range callCostParts(c, m.session.res.Model) {
					sum += v
				}
				if sum != c.Cost {
					t.Fatalf("call %d: parts sum to %s, cost %s", c.Index, sum, c.Cost)
				}
			}
			if s := screen(m); !strings.Contains(s, "cost per call ($)") {
				t.Errorf("no $ view:\n%s", s)
			}
			goldenScreen(t, press(t, m, "down")) // cache: cache reads show
		})
	}
}

// The curves' y-axis tops at the first 1-2-5 step above the data: the
// demo's $0.5379 under $0.6, not $1; x labels stay at 400+ calls.
func TestCurvesAxis(t *testing.T) {
	m := press(t, startAt(t, demoConfig(), 80, 24), "tab")
	if first := strings.Fields(strings.Split(screen(m), "\n")[2])[0]; first != "$0.6│" {
		t.Errorf("curves top %q", first)
	}
	goldenScreen(t, m)
}

// At 200 columns the strategy names stay next to their numbers: the spec
// column is as wide as the longest spec, not the screen.
func TestWideTable(t *testing.T) {
	m := startAt(t, demoConfig(), 200, 50)
	for _, r := range strings.Split(screen(m), "\n") {
		if strings.Contains(r, " cap:512 ") {
			name := strings.Index(r, "cap:512")
			cost := strings.Index(r, "$0.4731")
			if cost-name > len("summary:trigger=12000,keep=4,size=600+cache")+4 {
				t.Errorf("cost %d columns from its name: %q", cost-name, r)
			}
			return
		}
	}
	t.Error("no cap:512 row")
}

// Usage of all zeros is missing usage: the call says it has none, and
// never shows an unlogged part larger than a reported input of 0.
func TestZeroUsageMissing(t *testing.T) {
	src, err := transcripts.Open("testdata/zerousage/zero.jsonl", transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := press(t, startAt(t, Config{Source: src}, 80, 24), "enter") // the inspector, on call 2
	c := m.session.res.Strategies[0].Calls()[1]
	if c.Reported != nil || c.Input.Unlogged == 0 {
		t.Fatalf("call 2: reported %+v, unlogged %d", c.Reported, c.Input.Unlogged)
	}
	out := screen(m)
	if strings.Contains(out, "reported input 0") || !strings.Contains(out, "no reported usage for this call") {
		t.Errorf("inspector on the all-zero call:\n%s", out)
	}
	goldenScreen(t, m)
}

// "unlogged" says what it is where it appears: the legend, the inspector
// and the help, on a real Claude Code session where it is most of a bar.
func TestUnloggedExplained(t *testing.T) {
	src, err := transcripts.Open("../transcripts/testdata/real/claude_code", transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := press(t, startAt(t, Config{Source: src}, 120, 34), "enter")
	if m.page != pageSession {
		t.Fatal("the first conversation did not open")
	}
	out := screen(m)
	for _, want := range []string{"unlogged: input reported, not in the log", "unlogged ", ": the part of the reported input the log does not hold"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q on the session page:\n%s", want, out)
		}
	}
	goldenScreen(t, m)
	if out := screen(press(t, m, "?")); !strings.Contains(out, "unlogged: the part of the reported input") {
		t.Errorf("help does not say what unlogged is:\n%s", out)
	}
}

// Conversation rows whose ids cut alike ("langch…equest" three times) are
// told apart by the part that differs.
func TestAlikeIDsApart(t *testing.T) {
	l := newListPage(common{st: newStyles()})
	l.width, l.height = 80, 24
	var sums []advice.ConversationSummary
	for i, mid := range []string{"alpha", "bravo", "charlie"} {
		sums = append(sums, advice.ConversationSummary{ID: "langchain-trace-" + mid + "-0001-request", Calls: 1 + i, Costs: []price.Money{price.Money(1e9 * (i + 1))}})
	}
	l.setData(sums, []string{"full"}, nil)
	ids := l.shownIDs(12)
	t.Logf("%q", ids)
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] || len([]rune(id)) > 12 {
			t.Errorf("ids %q: alike or too wide", ids)
		}
		seen[id] = true
	}
	for i, mid := range []string{"charlie", "bravo", "alpha"} { // costliest first
		if !strings.Contains(ids[i], mid[:3]) {
			t.Errorf("row %d %q does not show %q", i, ids[i], mid[:3])
		}
	}
}
