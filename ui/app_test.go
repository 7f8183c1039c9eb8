package ui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tokenscope/tokenscope/profile/strategy"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts"
)

func demoConfig() Config {
	return Config{Source: transcripts.Demo(transcripts.Options{RAG: transcripts.DefaultRAGRule()})}
}

// settle runs m's commands until none is left, as the program would.
func settle(t *testing.T, m Model, cmd tea.Cmd) Model {
	t.Helper()
	for i := 0; cmd != nil && i < 20; i++ {
		msg := cmd()
		switch msg := msg.(type) {
		case nil:
			return m
		case tickMsg:
			return m // playback ticks are driven by the test
		case tea.BatchMsg:
			for _, c := range msg {
				m = settle(t, m, c)
			}
			return m
		default:
			var next tea.Model
			next, cmd = m.Update(msg)
			m = next.(Model)
		}
	}
	return m
}

func keyPress(s string) tea.KeyPressMsg {
	switch s {
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}

func press(t *testing.T, m Model, keys ...string) Model {
	t.Helper()
	for _, k := range keys {
		next, cmd := m.Update(keyPress(k))
		m = settle(t, next.(Model), cmd)
	}
	return m
}

func start(t *testing.T, cfg Config) Model {
	t.Helper()
	m := New(cfg)
	m.toast.after = 0 // settle runs commands at once: no 4 s toast timers
	next, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	return settle(t, next.(Model), m.Init())
}

// A knob key changes the selected strategy's total to the engine's number.
func TestKnobRecomputes(t *testing.T) {
	m := start(t, demoConfig())
	if m.session.res == nil || len(m.session.res.Strategies) != 7 {
		t.Fatal("no result after Init")
	}
	m = press(t, m, "W") // window 8 → 9
	if got := m.sh.specs[2]; got != "window:turns=9" {
		t.Fatalf("spec after W = %q", got)
	}
	want := engineTotal(t, "window:turns=9")
	if got := m.session.res.Strategies[2].Totals.Cost; got != want {
		t.Errorf("TUI total %s, engine %s", got, want)
	}
	row := m.session.table.Rows()[2]
	if row[1] != "window:turns=9" || row[2] != want.String() {
		t.Errorf("table row %v, want cost %s", row, want)
	}
	m = press(t, m, "c", "c") // cap 512 → 256
	if got, want := m.session.res.Strategies[5].Totals.Cost, engineTotal(t, "cap:256"); got != want || m.sh.specs[5] != "cap:256" {
		t.Errorf("cap: %s %s, engine %s", m.sh.specs[5], got, want)
	}
	m = press(t, m, "T") // trigger 12000 → 14000: the demo never reaches it
	if got, full := m.session.res.Strategies[4].Totals.SummaryInput, int64(0); got != full {
		t.Errorf("summary ran with trigger 14000: %d tokens", got)
	}
}

func engineTotal(t *testing.T, spec string) price.Money {
	t.Helper()
	s, err := strategy.Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	res, err := profile.Run(transcripts.Demo(transcripts.Options{RAG: transcripts.DefaultRAGRule()}).Conversations, profile.Options{Strategies: []*strategy.Strategy{s}})
	if err != nil {
		t.Fatal(err)
	}
	return res.Strategies[0].Totals.Cost
}

func TestModelPickerAndMenu(t *testing.T) {
	m := start(t, demoConfig())
	m = press(t, m, "m", "h", "a", "i", "k", "u", "enter")
	if m.sh.model != "claude-haiku-4-5" || m.session.res.Model.ID != "claude-haiku-4-5" {
		t.Fatalf("model = %q", m.sh.model)
	}
	m = press(t, m, "s", "space", "enter") // untick "full"
	if len(m.sh.specs) != 6 || m.sh.specs[0] != "cache" || len(m.session.res.Strategies) != 6 {
		t.Errorf("specs after removing full: %v", m.sh.specs)
	}
}

func TestPlayback(t *testing.T) {
	cfg := demoConfig()
	cfg.Autoplay = true
	m := start(t, cfg)
	if m.session.upto != 1 || !m.session.playing {
		t.Fatalf("autoplay: upto %d playing %v", m.session.upto, m.session.playing)
	}
	next, _ := m.Update(tickMsg{gen: m.session.tickGen})
	m = next.(Model)
	if m.session.upto != 2 {
		t.Errorf("after a tick upto = %d", m.session.upto)
	}
	// The running counter is the sum of the calls played.
	calls := m.session.res.Strategies[0].Calls()
	if want := calls[0].Cost + calls[1].Cost; runningTotals(m.session.res.Strategies[0], m.session.upto).cost != want {
		t.Errorf("running cost mismatch")
	}
	m = press(t, m, "space")
	if m.session.playing {
		t.Error("space did not pause")
	}
	// A stale tick after pausing changes nothing.
	next, _ = m.Update(tickMsg{gen: m.session.tickGen - 1})
	if next.(Model).session.upto != 2 {
		t.Error("stale tick advanced playback")
	}
}

// A stale recompute never replaces a newer one.
func TestStaleResultDropped(t *testing.T) {
	m := start(t, demoConfig())
	old := m.session.res
	m.session.gen = 5
	next, _ := m.Update(computedMsg{gen: 4, res: &profile.Result{}})
	if next.(Model).session.res != old {
		t.Error("stale result applied")
	}
}

// Golden screens, settled, at fixed sizes, with a pinned colour profile.
func TestGoldenScreens(t *testing.T) {
	for _, tc := range []struct {
		name string
		w, h int
		keys []string
		wait string
	}{
		{"initial_80x24", 80, 24, nil, "window:turns=8+cache"},
		{"initial_120x40", 120, 40, nil, "inspector"},
		{"knob_80x24", 80, 24, []string{"W"}, "$0.4351"},
		{"knob_120x40", 120, 40, []string{"W"}, "$0.4351"},
		{"inspector_80x24", 80, 24, []string{"left", "enter"}, "cached 13,952"},
		{"inspector_120x40", 120, 40, []string{"left"}, "cached 13,952"},
		{"help_80x24", 80, 24, []string{"?"}, "closes help"},
		{"help_120x40", 120, 40, []string{"?"}, "closes help"},
		{"narrow_60x20", 80, 24, []string{"resize:60x20"}, "15–41 of 41"},
		{"narrow_120x40_to_80x24", 120, 40, []string{"resize:80x24"}, "5–41 of 41"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tm := program(t, New(demoConfig()), tc.w, tc.h)
			// The numbers, then the top finding under the table.
			waitFor(t, tm, "$0.5379", "f all")
			for _, k := range tc.keys {
				var w, h int
				if _, err := fmt.Sscanf(k, "resize:%dx%d", &w, &h); err == nil {
					tm.Send(tea.WindowSizeMsg{Width: w, Height: h})
					continue
				}
				tm.Send(keyPress(k))
			}
			if len(tc.keys) > 0 {
				waitFor(t, tm, tc.wait)
			}
			goldenFinal(t, tm)
		})
	}
}

// A narrow resize collapses the screen without garbage: every line fits.
func TestResizeNarrow(t *testing.T) {
	m := start(t, demoConfig())
	for _, size := range [][2]int{{60, 20}, {80, 24}, {200, 60}, {50, 16}, {40, 12}} {
		next, _ := m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		m = next.(Model)
		out := ansi.Strip(m.View().Content)
		lines := strings.Split(out, "\n")
		if len(lines) > size[1] {
			t.Errorf("%dx%d: %d lines", size[0], size[1], len(lines))
		}
		for i, l := range lines {
			if w := ansi.StringWidth(l); w > size[0] {
				t.Errorf("%dx%d: line %d is %d wide: %q", size[0], size[1], i+1, w, l)
				break
			}
		}
	}
}

// A strategy whose step changed nothing says why on the cost line when
// selected: on the demo a cap of 100,000 tokens cuts no reply.
func TestNoteLine(t *testing.T) {
	cfg := demoConfig()
	cfg.Specs = []string{"full", "cap:100000"}
	m := start(t, cfg)
	m = press(t, m, "down")
	if got := m.session.projection(); !strings.Contains(got, "2 changed nothing · cap: no reply reaches 100,000 tokens (longest") {
		t.Errorf("projection = %q", got)
	}
}

// The trigger and size keys turn clear's and compact's knobs when no
// summary is in play: ±2,000 tokens, ±5% of the window, ±100 tokens.
func TestAgentKnobs(t *testing.T) {
	specs, value, ok := turnKnob([]string{"full", "clear:trigger=6000,keep=3+cache", "compact:trigger=50%,size=2000"}, knobTrigger, 1)
	if !ok || specs[1] != "clear:trigger=8000,keep=3+cache" || specs[2] != "compact:trigger=55%,size=2000" || value != "compact at 55% of the window" {
		t.Errorf("trigger: %v %q %v", specs, value, ok)
	}
	specs, _, _ = turnKnob(specs, knobSize, -1)
	if specs[2] != "compact:trigger=55%,size=1900" {
		t.Errorf("size: %v", specs)
	}
}
