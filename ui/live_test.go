package ui

import (
	"bytes"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts"
	"github.com/tokenscope/tokenscope/transcripts/live"
	"github.com/tokenscope/tokenscope/transcripts/live/livetest"
)

func liveConfig(t *testing.T, budget string, replies ...livetest.Reply) (Config, *livetest.Server, *bytes.Buffer) {
	t.Helper()
	srv := livetest.New(replies...)
	t.Cleanup(srv.Close)
	var out bytes.Buffer
	s, err := live.New(live.Config{BaseURL: srv.BaseURL(), APIKey: "sk-test", Model: "gpt-4o-mini", System: "You are terse.", Out: &out, OutPath: "live.jsonl"})
	if err != nil {
		t.Fatal(err)
	}
	var limit price.Money
	if budget != "" {
		limit, _ = price.ParseUSD(budget)
	}
	return Config{Live: &LiveConfig{Session: s, Budget: limit, OutPath: "live.jsonl"}}, srv, &out
}

func typeText(t *testing.T, m Model, text string) Model {
	t.Helper()
	m.session.live.input.SetValue(text)
	return press(t, m, "enter")
}

func TestLiveCallRecordedAndSimulated(t *testing.T) {
	cfg, srv, out := liveConfig(t, "1", livetest.Reply{Chunks: []string{"Port ", "8080."}, Usage: &livetest.Usage{Prompt: 25, Completion: 3}})
	m := start(t, cfg)
	m = typeText(t, m, "which port?")
	if len(srv.Requests) != 1 || m.session.calls() != 1 {
		t.Fatalf("%d requests, %d calls", len(srv.Requests), m.session.calls())
	}
	// gpt-4o-mini: 25 in × $0.15 + 3 out × $0.60 per MTok = $0.00000555.
	if got := m.session.spent(); got != price.Money(25*150_000+3*600_000) {
		t.Errorf("spent %s", got)
	}
	if m.session.upto != 1 || !strings.Contains(chatAt(m.session.live, 80, 5), "model: Port 8080.") {
		t.Errorf("chat:\n%s", chatAt(m.session.live, 80, 5))
	}
	if !strings.Contains(out.String(), `"usage":{"input_tokens":25`) {
		t.Errorf("JSONL lacks the reported usage:\n%s", out)
	}
	// The file replays to the same numbers.
	src, err := transcripts.Read(bytes.NewReader(out.Bytes()), "live.jsonl", transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	replayed, err := profile.Run(src.Conversations, profile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range m.session.res.Strategies {
		if a, b := m.session.res.Strategies[i].Totals, replayed.Strategies[i].Totals; a != b {
			t.Errorf("%s: live %+v, replayed %+v", m.session.res.Strategies[i].Strategy.Spec, a, b)
		}
	}
}

// The circuit breaker: a call whose input alone would pass what is left
// of the budget is refused before anything is sent.
func TestLiveBudgetRefusal(t *testing.T) {
	cfg, srv, _ := liveConfig(t, "0.000001")
	m := start(t, cfg)
	m = typeText(t, m, "tell me everything about the deploy system in detail")
	if len(srv.Requests) != 0 {
		t.Fatalf("sent %d requests past the budget", len(srv.Requests))
	}
	if !strings.Contains(m.session.live.notice, "refused") || m.session.live.input.Value() == "" {
		t.Errorf("notice %q, input %q", m.session.live.notice, m.session.live.input.Value())
	}
	if c := cfg.Live.Session.Conversation(); len(c.Messages) != 1 {
		t.Errorf("refused text entered the conversation: %d messages", len(c.Messages))
	}
}

func TestLiveErrorThenRetry(t *testing.T) {
	cfg, _, _ := liveConfig(t, "",
		livetest.Reply{Status: 500, Message: "internal error"},
		livetest.Reply{Chunks: []string{"ok"}, Usage: &livetest.Usage{Prompt: 9, Completion: 1}})
	m := start(t, cfg)
	m = typeText(t, m, "hi")
	if !m.session.live.failed || !strings.Contains(m.session.live.notice, "500 internal error") || m.session.calls() != 0 {
		t.Fatalf("after 500: failed %v, notice %q", m.session.live.failed, m.session.live.notice)
	}
	next, cmd := m.Update(tea.KeyPressMsg{Code: 'r', Mod: tea.ModCtrl})
	m = settle(t, next.(Model), cmd)
	if m.session.live.failed || m.session.calls() != 1 {
		t.Errorf("retry: failed %v, calls %d", m.session.live.failed, m.session.calls())
	}
}

func TestLiveKeysGoToInput(t *testing.T) {
	cfg, _, _ := liveConfig(t, "")
	m := start(t, cfg)
	m = press(t, m, "q", "W")
	if m.session.live.input.Value() != "qW" {
		t.Errorf("input %q: letters reached the key map", m.session.live.input.Value())
	}
	m = press(t, m, "esc", "?")
	if m.info.mode != infoHelp {
		t.Error("after esc, ? should open help")
	}
}

func TestLiveGolden(t *testing.T) {
	// The batch row saves 50% once the call is recomputed.
	liveGolden(t, "0.01", livetest.Reply{Chunks: []string{"Your deploy ", "fails its health check."}, Usage: &livetest.Usage{Prompt: 40, Completion: 8}},
		"why is my deploy stuck?", "50.0%")
}

// liveGolden sends text to a chat on budget answering reply, and compares
// the screen, once it shows wait, with the test's golden file.
func liveGolden(t *testing.T, budget string, reply livetest.Reply, text, wait string) {
	t.Helper()
	cfg, _, _ := liveConfig(t, budget, reply)
	tm := program(t, New(cfg), 80, 24)
	waitFor(t, tm, "enter send")
	tm.Type(text)
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitFor(t, tm, wait)
	goldenFinal(t, tm)
}

func TestLiveBudgetWarning(t *testing.T) {
	cfg, _, _ := liveConfig(t, "0.0000069", livetest.Reply{Chunks: []string{"ok"}, Usage: &livetest.Usage{Prompt: 25, Completion: 3}})
	m := start(t, cfg)
	if strings.Contains(m.session.live.spendLine(), "80% used") {
		t.Fatal("warning before any spend")
	}
	m = typeText(t, m, "hi") // spends 25 × $0.15 + 3 × $0.60 per MTok = $0.00000555: 80.4%
	if got := m.session.live.spendLine(); !strings.Contains(got, "80% used") {
		t.Errorf("spend line %q", got)
	}
}

// ctrl+c during a reply: "cancelled", not an error; the prompt stays in
// the conversation, marked in the chat, and the server sees it again with
// the next message, as the chat shows.
func TestLiveCancel(t *testing.T) {
	cfg, srv, _ := liveConfig(t, "",
		livetest.Reply{Chunks: []string{"Hel", "lo"}, Hang: true},
		livetest.Reply{Chunks: []string{"ok"}, Usage: &livetest.Usage{Prompt: 20, Completion: 1}})
	m := start(t, cfg)
	m.session.live.input.SetValue("hello there")
	next, cmd := m.Update(keyPress("enter"))
	m = next.(Model)
	// Run the budget check and the first delta by hand: the stream then hangs.
	for !strings.Contains(m.session.live.reply.String(), "Hel") {
		msg := cmd()
		if b, ok := msg.(tea.BatchMsg); ok {
			msg = b[0]()
		}
		next, cmd = m.Update(msg)
		m = next.(Model)
	}
	next, _ = m.Update(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	m = settle(t, next.(Model), cmd)
	if m.session.live.streaming || !strings.HasPrefix(m.session.live.notice, "cancelled") || strings.Contains(m.session.live.notice, "context canceled") {
		t.Fatalf("after ctrl+c: streaming %v, notice %q", m.session.live.streaming, m.session.live.notice)
	}
	if chat := ansi.Strip(chatAt(m.session.live, 80, 6)); !strings.Contains(chat, "you: hello there") || !strings.Contains(chat, "reply cancelled") {
		t.Errorf("chat after cancel:\n%s", chat)
	}
	m = typeText(t, m, "second")
	if len(srv.Requests) != 2 {
		t.Fatalf("%d requests", len(srv.Requests))
	}
	var users []string
	for _, msg := range srv.Requests[1]["messages"].([]any) {
		if mm := msg.(map[string]any); mm["role"] == "user" {
			users = append(users, mm["content"].(string))
		}
	}
	if strings.Join(users, "|") != "hello there|second" {
		t.Errorf("second request's user messages %q", users)
	}
	if chat := ansi.Strip(chatAt(m.session.live, 80, 6)); !strings.Contains(chat, "reply cancelled") || !strings.Contains(chat, "model: ok") {
		t.Errorf("chat after the next message:\n%s", chat)
	}
}

// Past the budget: the real percentage, "over budget by", a refusal that
// says why in full, and B to raise it.
func TestLiveOverBudget(t *testing.T) {
	// One call spends 25 × $0.15 + 3 × $0.60 per MTok = $0.00000555.
	cfg, srv, _ := liveConfig(t, "0.000005", livetest.Reply{Chunks: []string{"ok"}, Usage: &livetest.Usage{Prompt: 25, Completion: 3}})
	cfg.Live.Budget = price.Money(6_000_000) // $0.000006: the first call fits
	m := start(t, cfg)
	m = typeText(t, m, "hi")
	if got := ansi.Strip(m.session.live.spendLine()); !strings.Contains(got, "(92% used)") {
		t.Errorf("spend line %q, want 92%% ($0.00000555 of $0.000006)", got)
	}
	m.session.live.cfg.Budget = price.Money(5_000_000)
	m.session.redraw()
	if got := ansi.Strip(m.session.live.spendLine()); !strings.Contains(got, "over budget by $0.000001") {
		t.Errorf("spend line %q", got)
	}
	m = typeText(t, m, "more")
	if len(srv.Requests) != 1 {
		t.Fatalf("sent past the budget: %d requests", len(srv.Requests))
	}
	if n := m.session.live.notice; !strings.Contains(n, "spend $0.000006 is over the budget of $0.000005 by $0.000001") || strings.Contains(n, "-") {
		t.Errorf("refusal %q", n)
	}
	m = press(t, m, "esc", "B")
	if m.session.live.cfg.Budget != price.Money(2*5_550_000) {
		t.Errorf("B: budget %s", m.session.live.cfg.Budget)
	}
}

// The chat scrolls with PgUp/PgDn and the wheel; alt+enter adds a line.
func TestLiveChatScrollAndMultiline(t *testing.T) {
	cfg, _, _ := liveConfig(t, "", livetest.Reply{Chunks: []string{"one\ntwo\nthree\nfour\nfive\nsix"}, Usage: &livetest.Usage{Prompt: 9, Completion: 6}})
	m := start(t, cfg)
	m = typeText(t, m, "count")
	h := m.session.layout().chatH
	end := ansi.Strip(chatAt(m.session.live, 80, h))
	m = press(t, m, "pgup")
	if m.session.live.scroll == 0 || ansi.Strip(chatAt(m.session.live, 80, h)) == end {
		t.Errorf("pgup did not scroll: %d", m.session.live.scroll)
	}
	m = press(t, m, "pgdown")
	if m.session.live.scroll != 0 {
		t.Errorf("pgdown: %d", m.session.live.scroll)
	}
	l := m.session.layout()
	m = wheelAt(t, m, 5, l.chatY+1, false)
	if m.session.live.scroll != 3 {
		t.Errorf("wheel up over the chat: %d", m.session.live.scroll)
	}
	m.session.live.input.SetValue("")
	m = press(t, m, "a")
	next, cmd := m.Update(tea.KeyPressMsg{Code: tea.KeyEnter, Mod: tea.ModAlt})
	m = settle(t, next.(Model), cmd)
	m = press(t, m, "b")
	if got := m.session.live.input.Value(); got != "a\nb" {
		t.Errorf("input %q after alt+enter", got)
	}
}

// Live mode wrote every byte it sent: the gap to the server's usage is
// named for the server, never "unlogged".
func TestLiveGapLabel(t *testing.T) {
	cfg, _, _ := liveConfig(t, "", livetest.Reply{Chunks: []string{"ok"}, Usage: &livetest.Usage{Prompt: 400, Completion: 1}})
	m := start(t, cfg)
	m = typeText(t, m, "hi")
	if m.session.res.Strategies[0].Totals.Parts.Unlogged == 0 {
		t.Fatal("no gap between 400 reported and the count")
	}
	m = press(t, m, "esc", "tab", "tab")
	out := screen(m)
	if strings.Contains(out, "unlogged") || !strings.Contains(out, liveGap) {
		t.Errorf("live screen:\n%s", out)
	}
}

// Golden screen of the spend line past the budget.
func TestLiveOverBudgetGolden(t *testing.T) {
	// The input alone (≈$0.000003) fits $0.000005; the call then costs
	// 25 × $0.15 + 3 × $0.60 per MTok = $0.00000555, past it.
	liveGolden(t, "0.000005", livetest.Reply{Chunks: []string{"ok"}, Usage: &livetest.Usage{Prompt: 25, Completion: 3}}, "hi", "over budget by")
}

// A long error is readable in full in the chat pane, and live help names B.
func TestLiveLongErrorAndHelp(t *testing.T) {
	long := "upstream model server returned an unexpected response while streaming tokens; retry later or contact support with request id abc123"
	cfg, _, _ := liveConfig(t, "0.01", livetest.Reply{Status: 500, Message: long})
	m := start(t, cfg)
	m = typeText(t, m, "hi")
	chat := strings.Join(strings.Fields(ansi.Strip(chatAt(m.session.live, 40, 12))), " ")
	if !strings.Contains(chat, "request id abc123") {
		t.Errorf("error cut in the chat:\n%s", chatAt(m.session.live, 40, 12))
	}
	m = press(t, m, "esc", "?")
	if !strings.Contains(screen(m), "double the budget") {
		t.Errorf("live help lacks B:\n%s", screen(m))
	}
	// The chat's keys too, and all of it on the screen.
	if out := screen(m); !strings.Contains(out, ":system FILE prompt") || !strings.Contains(out, "ctrl+r       retry") || strings.Count(out, "\n") >= 24 {
		t.Errorf("live help lacks the chat's keys or overflows 24 lines:\n%s", out)
	}
	if plain := startAt(t, demoConfig(), 120, 40); strings.Contains(screen(press(t, plain, "?")), "budget") {
		t.Error("B in the help outside live mode")
	}
}

// chatAt is the chat drawn in w columns and h lines.
func chatAt(l livePage, w, h int) string {
	l.SetSize(w, h)
	return l.View()
}
