package ui

import (
	"bytes"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/tokenscope/tokenscope/profile"
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
	var limit profile.Money
	if budget != "" {
		limit, _ = profile.ParseUSD(budget)
	}
	return Config{Live: &LiveConfig{Session: s, Budget: limit, OutPath: "live.jsonl"}}, srv, &out
}

func typeText(t *testing.T, m Model, text string) Model {
	t.Helper()
	m.live.input.SetValue(text)
	return press(t, m, "enter")
}

func TestLiveCallRecordedAndSimulated(t *testing.T) {
	cfg, srv, out := liveConfig(t, "1", livetest.Reply{Chunks: []string{"Port ", "8080."}, Usage: &livetest.Usage{Prompt: 25, Completion: 3}})
	m := start(t, cfg)
	m = typeText(t, m, "which port?")
	if len(srv.Requests) != 1 || m.calls() != 1 {
		t.Fatalf("%d requests, %d calls", len(srv.Requests), m.calls())
	}
	// gpt-4o-mini: 25 in × $0.15 + 3 out × $0.60 per MTok = $0.00000555.
	if got := m.spent(); got != profile.Money(25*150_000+3*600_000) {
		t.Errorf("spent %s", got)
	}
	if m.upto != 1 || !strings.Contains(m.chatView(80, 5), "model: Port 8080.") {
		t.Errorf("chat:\n%s", m.chatView(80, 5))
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
	for i := range m.res.Strategies {
		if a, b := m.res.Strategies[i].Totals, replayed.Strategies[i].Totals; a != b {
			t.Errorf("%s: live %+v, replayed %+v", m.res.Strategies[i].Strategy.Spec, a, b)
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
	if !strings.Contains(m.live.notice, "refused") || m.live.input.Value() == "" {
		t.Errorf("notice %q, input %q", m.live.notice, m.live.input.Value())
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
	if !m.live.failed || !strings.Contains(m.live.notice, "500 internal error") || m.calls() != 0 {
		t.Fatalf("after 500: failed %v, notice %q", m.live.failed, m.live.notice)
	}
	next, cmd := m.Update(tea.KeyPressMsg{Code: 'r', Mod: tea.ModCtrl})
	m = settle(t, next.(Model), cmd)
	if m.live.failed || m.calls() != 1 {
		t.Errorf("retry: failed %v, calls %d", m.live.failed, m.calls())
	}
}

func TestLiveKeysGoToInput(t *testing.T) {
	cfg, _, _ := liveConfig(t, "")
	m := start(t, cfg)
	m = press(t, m, "q", "W")
	if m.live.input.Value() != "qW" {
		t.Errorf("input %q: letters reached the key map", m.live.input.Value())
	}
	m = press(t, m, "esc", "?")
	if !m.full {
		t.Error("after esc, ? should open help")
	}
}

func TestLiveGolden(t *testing.T) {
	cfg, _, _ := liveConfig(t, "0.01", livetest.Reply{Chunks: []string{"Your deploy ", "fails its health check."}, Usage: &livetest.Usage{Prompt: 40, Completion: 8}})
	tm := teatest.NewTestModel(t, New(cfg), teatest.WithInitialTermSize(80, 24),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("enter send")) }, teatest.WithDuration(10*time.Second))
	tm.Type("why is my deploy stuck?")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	// The batch row saves 50% once the call is recomputed.
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("50%")) }, teatest.WithDuration(10*time.Second))
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	golden.RequireEqual(t, []byte(ansi.Strip(final.View().Content)))
}

func TestLiveBudgetWarning(t *testing.T) {
	cfg, _, _ := liveConfig(t, "0.0000069", livetest.Reply{Chunks: []string{"ok"}, Usage: &livetest.Usage{Prompt: 25, Completion: 3}})
	m := start(t, cfg)
	if strings.Contains(m.spendLine(), "80% used") {
		t.Fatal("warning before any spend")
	}
	m = typeText(t, m, "hi") // spends 25 × $0.15 + 3 × $0.60 per MTok = $0.00000555: 80.4%
	if got := m.spendLine(); !strings.Contains(got, "80% used") {
		t.Errorf("spend line %q", got)
	}
}
