package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenscope/tokenscope/profile"
	advice "github.com/tokenscope/tokenscope/profile/advisor"
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/profile/strategy"
	"github.com/tokenscope/tokenscope/transcripts"
	"github.com/tokenscope/tokenscope/transcripts/live/livetest"
)

func demoConvs() []*transcripts.Conversation {
	return transcripts.Demo(transcripts.Options{RAG: transcripts.DefaultRAGRule()}).Conversations
}

// f lists the engine's findings of the conversation, in its order and
// dollars; enter on the best strategy adds its spec, priced as the engine
// prices it.
func TestFindingsPane(t *testing.T) {
	m := start(t, demoConfig())
	strategies, _ := strategy.ParseAll(m.sh.specs)
	res, err := profile.Run(demoConvs(), profile.Options{Strategies: strategies})
	if err != nil {
		t.Fatal(err)
	}
	want, err := advice.Findings(demoConvs(), res, advice.FindingsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The line under the table, computed with the strategies, before f.
	if len(m.adv.findings) != len(want) {
		t.Fatalf("%d findings, engine %d", len(m.adv.findings), len(want))
	}
	if !strings.Contains(screen(m), "top: unused tool create_ticket "+want[0].Cost.String()+" · f all") {
		t.Errorf("no top finding under the table:\n%s", screen(m))
	}
	m = press(t, m, "f")
	if m.overlay != overlayFindings {
		t.Fatal("f did not open the findings pane")
	}
	out := screen(m)
	for i, f := range want {
		if m.adv.findings[i].Kind != f.Kind || m.adv.findings[i].Cost != f.Cost {
			t.Errorf("finding %d: %s %s, engine %s %s", i, m.adv.findings[i].Kind, m.adv.findings[i].Cost, f.Kind, f.Cost)
		}
	}
	if !strings.Contains(out, "findings · this conversation") || !strings.Contains(out, "$0.0009") {
		t.Errorf("findings pane:\n%s", out)
	}
	// enter on a finding that is not a strategy adds nothing.
	m = press(t, m, "enter")
	if len(m.sh.specs) != 7 || m.overlay != overlayFindings {
		t.Fatalf("enter on a dead tool: specs %v", m.sh.specs)
	}
	best := -1
	for i, f := range want {
		if f.Kind == advice.FindingBestStrategy {
			best = i
		}
	}
	if best < 0 {
		t.Fatal("the demo has no best_strategy finding")
	}
	for range best {
		m = press(t, m, "down")
	}
	m = press(t, m, "enter")
	spec := want[best].Spec
	if m.overlay != overlayNone || len(m.sh.specs) != 8 || m.sh.specs[7] != spec || m.session.sel != 7 {
		t.Fatalf("after enter: overlay %d, specs %v, sel %d", m.overlay, m.sh.specs, m.session.sel)
	}
	if got, eng := m.session.res.Strategies[7].Totals.Cost, engineTotal(t, spec); got != eng {
		t.Errorf("%s: TUI %s, engine %s", spec, got, eng)
	}
	// What it saves against cache, as the finding says: the basis is
	// "cache" because the demo's log reports cache reads.
	if saved := engineTotal(t, "cache") - m.session.res.Strategies[7].Totals.Cost; saved != want[best].Cost {
		t.Errorf("saved %s, finding says %s", saved, want[best].Cost)
	}
}

// A findings result of an older generation is dropped.
func TestFindingsStaleDropped(t *testing.T) {
	m := start(t, demoConfig())
	n := len(m.adv.findings)
	next, _ := m.Update(findingsMsg{gen: m.adv.findGen - 1, list: nil})
	if len(next.(Model).adv.findings) != n {
		t.Error("stale findings applied")
	}
	next, _ = m.Update(tuneMsg{gen: m.adv.tuneGen - 1, res: &advice.TuneResult{}})
	if next.(Model).adv.tune != nil {
		t.Error("stale tune result applied")
	}
}

// a runs the engine's search on the conversation and lists its frontier;
// enter adds the chosen spec, recomputed like a knob.
func TestTuneFrontier(t *testing.T) {
	m := start(t, demoConfig())
	m = press(t, m, "a")
	want, err := advice.Tune(demoConvs(), advice.TuneOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m.overlay != overlayTune || m.adv.tune == nil || len(m.adv.tune.Frontier) != len(want.Frontier) {
		t.Fatalf("tune pane: overlay %d, result %v", m.overlay, m.adv.tune)
	}
	out := screen(m)
	first := want.Frontier[0]
	if !strings.Contains(out, first.Cost.String()) || !strings.Contains(out, first.Spec) {
		t.Errorf("frontier lacks %s %s:\n%s", first.Cost, first.Spec, out)
	}
	m = press(t, m, "down", "enter")
	spec := want.Frontier[1].Spec
	if m.overlay != overlayNone || m.sh.specs[len(m.sh.specs)-1] != spec {
		t.Fatalf("after enter: specs %v", m.sh.specs)
	}
	if got := m.session.res.Strategies[len(m.sh.specs)-1].Totals.Cost; got != want.Frontier[1].Cost || got != engineTotal(t, spec) {
		t.Errorf("%s: TUI %s, tune %s", spec, got, want.Frontier[1].Cost)
	}
	// esc closes without adding.
	m = press(t, m, "a", "esc")
	if m.overlay != overlayNone || len(m.sh.specs) != 8 {
		t.Errorf("esc: overlay %d, %d specs", m.overlay, len(m.sh.specs))
	}
}

// v toggles the levers on the selected strategy; ←/→ cycle a lever's
// value; each change is recomputed at once, to the engine's numbers.
func TestLevers(t *testing.T) {
	m := start(t, demoConfig())
	m = press(t, m, "down", "v", "space") // strategy 2, cache: system:scale on
	check := func(spec string) {
		t.Helper()
		s, err := strategy.Parse(spec)
		if err != nil {
			t.Fatal(err)
		}
		spec = s.String() // the engine's order of steps
		if m.sh.specs[1] != spec {
			t.Fatalf("spec %q, want %q", m.sh.specs[1], spec)
		}
		if got, want := m.session.res.Strategies[1].Totals.Cost, engineTotal(t, spec); got != want {
			t.Errorf("%s: TUI %s, engine %s", spec, got, want)
		}
	}
	check("system:scale=0.5+cache")
	m = press(t, m, "right")
	check("system:scale=0.25+cache")
	m = press(t, m, "down", "down", "down", "space") // rag:keep=40%
	check("system:scale=0.25+rag:keep=40%+cache")
	m = press(t, m, "up", "up", "up", "space") // system off
	check("rag:keep=40%+cache")
	if !strings.Contains(screen(m), "[x] rag:keep") {
		t.Errorf("lever pane:\n%s", screen(m))
	}
	m = press(t, m, "esc")
	if m.overlay != overlayNone {
		t.Error("esc left the levers open")
	}
	// On "full" the lever replaces it: full is no step.
	m = press(t, m, "up", "v", "space")
	if m.sh.specs[0] != "system:scale=0.5" || m.session.res.Strategies[0].Totals.Cost != engineTotal(t, "system:scale=0.5") {
		t.Errorf("full + system lever = %q", m.sh.specs[0])
	}
	m = press(t, m, "space")
	if m.sh.specs[0] != "full" {
		t.Errorf("lever off again = %q", m.sh.specs[0])
	}
}

// f on the conversations page lists the findings of every conversation.
func TestFindingsOfAll(t *testing.T) {
	m := startAt(t, treeConfig(t), 80, 24)
	m = press(t, m, "f")
	if m.overlay != overlayFindings || m.adv.findScope != "all conversations" || len(m.adv.findings) == 0 {
		t.Fatalf("overlay %d scope %q, %d findings", m.overlay, m.adv.findScope, len(m.adv.findings))
	}
	want, err := advice.Findings(m.list.src.Conversations, m.list.all, advice.FindingsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != len(m.adv.findings) || want[0].Cost != m.adv.findings[0].Cost {
		t.Errorf("findings %v, engine %v", m.adv.findings, want)
	}
	if !strings.Contains(screen(m), "findings · all conversations") {
		t.Errorf("screen:\n%s", screen(m))
	}
	m = press(t, m, "esc")
	if m.overlay != overlayNone || m.page != pageConversations {
		t.Error("esc did not close the pane")
	}
}

// Goldens of the findings pane and the frontier at 80×24.
func TestGoldenAdvisor(t *testing.T) {
	for _, tc := range []struct {
		name string
		key  string
		wait string
	}{
		{"findings_80x24", "f", "one more exchange"},
		{"tune_80x24", "a", "admissible"},
		{"levers_80x24", "v", "rag:keep"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tm := program(t, New(demoConfig()), 80, 24)
			waitFor(t, tm, "$0.5379", "f all")
			tm.Send(keyPress(tc.key))
			waitFor(t, tm, tc.wait)
			goldenFinal(t, tm)
		})
	}
}

// :system FILE swaps the system prompt for the next calls and says what
// it changes, before and after.
func TestLiveSystem(t *testing.T) {
	cfg, srv, out := liveConfig(t, "", livetest.Reply{Chunks: []string{"8080."}, Usage: &livetest.Usage{Prompt: 25, Completion: 3}},
		livetest.Reply{Chunks: []string{"ok"}, Usage: &livetest.Usage{Prompt: 60, Completion: 1}})
	m := start(t, cfg)
	m = typeText(t, m, "which port?")
	path := filepath.Join(t.TempDir(), "system.txt")
	prompt := strings.Repeat("Answer in one short sentence and never use lists. ", 4)
	if err := os.WriteFile(path, []byte(prompt+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	before := m.session.spent()
	orig := cfg.Live.Session.Conversation()
	m = typeText(t, m, ":system "+path)
	if len(srv.Requests) != 1 {
		t.Fatalf(":system sent a request: %d", len(srv.Requests))
	}
	notice := m.session.live.notice
	if !strings.Contains(notice, "system prompt ← "+path) || !strings.Contains(notice, "next call's input") {
		t.Fatalf("notice %q", notice)
	}
	// The figures are the engine's: the session so far under full, with
	// the old prompt and with the new one.
	conv := cfg.Live.Session.Conversation()
	if conv.Messages[0].Content != strings.TrimRight(prompt, "\n") || conv.Messages[0].Role != transcripts.RoleSystem {
		t.Fatalf("first message %+v", conv.Messages[0])
	}
	full, _ := strategy.Parse("full")
	after, err := profile.Run(transcripts.WithSystem([]*transcripts.Conversation{orig}, conv.Messages[0].Content), profile.Options{Strategies: []*strategy.Strategy{full}})
	if err != nil {
		t.Fatal(err)
	}
	if want := after.Strategies[0].Totals.Cost.String(); !strings.Contains(notice, "→ "+want+" with it") {
		t.Errorf("notice %q lacks the session re-costed at %s", notice, want)
	}
	if !strings.Contains(screen(m), "system prompt ←") {
		t.Errorf("the chat does not show the change:\n%s", screen(m))
	}
	// The next call sends the new prompt; spend so far is unchanged.
	if m.session.spent() != before {
		t.Errorf("spent %s → %s by :system", before, m.session.spent())
	}
	m = typeText(t, m, "and the host?")
	if len(srv.Requests) != 2 {
		t.Fatalf("%d requests", len(srv.Requests))
	}
	msgs := srv.Requests[1]["messages"].([]any)
	if sys := msgs[0].(map[string]any); sys["role"] != "system" || sys["content"] != strings.TrimRight(prompt, "\n") {
		t.Errorf("second request's system message: %v", sys)
	}
	if strings.Count(out.String(), `"role":"system"`) != 2 {
		t.Errorf("the log does not record the new prompt:\n%s", out)
	}
	// A missing file is an error on the chat, and nothing changes.
	m = typeText(t, m, ":system /nonexistent/prompt.txt")
	if !strings.Contains(m.session.live.notice, "error: :system") || !strings.Contains(m.session.live.notice, "/nonexistent/prompt.txt") {
		t.Errorf("notice %q", m.session.live.notice)
	}
}

// While the search runs the pane says so; a spinner tick after it ended
// is not re-issued.
func TestTuneProgress(t *testing.T) {
	m := start(t, demoConfig())
	next, cmd := m.Update(keyPress("a"))
	m = next.(Model)
	if cmd == nil || !m.adv.tuning || !strings.Contains(screen(m), "searching the strategy space…") {
		t.Fatalf("while tuning:\n%s", screen(m))
	}
	m = settle(t, m, cmd)
	if m.adv.tuning || m.adv.tune == nil {
		t.Fatal("the search did not finish")
	}
	if _, c := m.Update(m.adv.spin.Tick()); c != nil {
		t.Error("spinner ticks on after the search")
	}
}

// With --per-day the findings say what each costs a month: the dead
// tool's $0.0009 over the log × 1,000 a day is price.Project's figure.
func TestFindingsPerMonth(t *testing.T) {
	cfg := demoConfig()
	cfg.PerDay = 1000
	m := press(t, start(t, cfg), "f")
	f := m.adv.findings[0]
	want := price.Project(f.Cost, 1000).String() + "/mo"
	if !strings.Contains(screen(m), want) || !strings.Contains(screen(m), "/mo at 1,000/day") {
		t.Errorf("no %s in:\n%s", want, screen(m))
	}
}

// In live mode f, a and v work once esc leaves the input box, and are
// typed as text while it has the focus.
func TestLiveAdvisorKeys(t *testing.T) {
	cfg, _, _ := liveConfig(t, "", livetest.Reply{Chunks: []string{"8080."}, Usage: &livetest.Usage{Prompt: 25, Completion: 3}})
	m := start(t, cfg)
	m = typeText(t, m, "which port?")
	m = press(t, m, "f")
	if m.overlay != overlayNone || m.session.live.input.Value() != "f" {
		t.Fatalf("f with the input focused: overlay %d, input %q", m.overlay, m.session.live.input.Value())
	}
	m.session.live.input.SetValue("")
	m = press(t, m, "esc", "f")
	if m.overlay != overlayFindings || m.adv.findings == nil {
		t.Fatalf("f: overlay %d, findings %v", m.overlay, m.adv.findings)
	}
	m = press(t, m, "esc", "a")
	if m.overlay != overlayTune || m.adv.tune == nil {
		t.Fatalf("a: overlay %d", m.overlay)
	}
	m = press(t, m, "esc", "v", "down", "space")
	if m.sh.specs[0] != "output:scale=0.5" || m.session.res.Strategies[0].Strategy.Spec != "output:scale=0.5" {
		t.Errorf("v on a live session: %v", m.sh.specs)
	}
}

// Findings are asked for again only when what they measure changes: the
// model or the first strategy, not a knob on another.
func TestFindingsAskedWhenNeeded(t *testing.T) {
	m := start(t, demoConfig())
	gen := m.adv.findGen
	m = press(t, m, "W") // window 8 → 9: strategies 3 and 4
	if m.adv.findGen != gen {
		t.Errorf("a window knob asked for findings again")
	}
	m = press(t, m, "v", "space", "esc") // a lever on strategy 1
	if m.adv.findGen != gen+1 {
		t.Errorf("a lever on strategy 1 did not ask for findings: gen %d → %d", gen, m.adv.findGen)
	}
}

// Under a menu the help line names the menu's keys, not the page's (space
// toggles a lever there, it does not play), and gives way to a toast.
func TestMenuHelpLine(t *testing.T) {
	m := start(t, demoConfig())
	for _, tc := range []struct {
		keys []string
		want string
	}{
		{[]string{"v"}, "space on/off • ←→ value • ↑↓ lever • esc close"},
		{[]string{"v", "space"}, "1: system:scale=0.5"},
		{[]string{"m"}, "↑↓ move • enter pick • esc cancel"},
		{[]string{"s"}, "space toggle • a add a spec • ↑↓ move • esc close"},
		{[]string{"f"}, "↑↓ move • enter add the spec • esc close"},
	} {
		lines := strings.Split(screen(press(t, m, tc.keys...)), "\n")
		if last := lines[len(lines)-1]; strings.TrimSpace(last) != tc.want {
			t.Errorf("%v: help line %q, want %q", tc.keys, last, tc.want)
		}
	}
}
