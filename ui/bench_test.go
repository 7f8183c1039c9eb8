package ui

import (
	"testing"

	"github.com/tokenscope/tokenscope/profile/strategy"

	tea "charm.land/bubbletea/v2"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts"
	"github.com/tokenscope/tokenscope/transcripts/synthetic"
)

// BenchmarkRecompute is what a knob press costs: the engine over every
// default strategy, counts already made (the TUI counts once on load).
// Targets: demo < 20 ms, 2,000 calls < 200 ms (issue 7: < 50 ms).
func BenchmarkRecompute(b *testing.B) {
	for _, tc := range []struct {
		name string
		conv *transcripts.Conversation
	}{
		{"demo", transcripts.Demo(transcripts.Options{}).Conversations[0]},
		{"2000calls", synthetic.Conversation(2000, 5)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			convs := []*transcripts.Conversation{tc.conv}
			specs, _, _ := turnKnob(strategy.Defaults, knobWindow, 1)
			prices := price.Default()
			if msg := compute(1, false, nil, convs, prices, "", specs)().(computedMsg); msg.err != nil {
				b.Fatal(msg.err)
			}
			b.ResetTimer()
			for i := range b.N {
				if msg := compute(i, false, nil, convs, prices, "", specs)().(computedMsg); msg.res == nil {
					b.Fatal(msg.err)
				}
			}
		})
	}
}

// BenchmarkKnobPress is a knob press (the window, `w`) in the TUI on a
// generated Claude Code projects tree of 17,581 calls (the tree README's
// performance figures use, ~100 MB), opened as the TUI opens it, on the
// conversations page: every conversation, every default strategy, the
// first compute done. "kept" is the TUI's way, the conversations kept
// prepared and only the changed strategy simulated; "anew" prepares them
// and simulates every strategy on each press, as before. Target: < 50 ms
// (issue 14).
func BenchmarkKnobPress(b *testing.B) {
	dir := b.TempDir()
	if _, _, err := synthetic.WriteClaudeCode(dir, 200, 500<<10, 1); err != nil {
		b.Fatal(err)
	}
	src, err := transcripts.Open(dir, transcripts.Options{})
	if err != nil {
		b.Fatal(err)
	}
	calls := 0
	for _, c := range src.Conversations {
		calls += c.Calls()
	}
	prices := price.Default()
	// "counted" is the TUI's way on a directory: the counts made while
	// reading (load), kept by the list's prepCache.
	counted := &prepCache{}
	loaded := walk(loadJob{path: dir, prices: prices, counted: counted}, true, make(chan tea.Msg, 1))
	if loaded.err != nil {
		b.Fatal(loaded.err)
	}
	for _, tc := range []struct {
		name  string
		prep  *prepCache
		convs []*transcripts.Conversation
	}{{"anew", nil, src.Conversations}, {"kept", &prepCache{}, src.Conversations}, {"counted", counted, loaded.src.Conversations}} {
		b.Run(tc.name, func(b *testing.B) {
			specs := strategy.DefaultsFor(tc.convs)
			if msg := compute(1, true, tc.prep, tc.convs, prices, "", specs)().(computedMsg); msg.err != nil {
				b.Fatal(msg.err)
			}
			b.ResetTimer()
			for i := range b.N {
				// Each press turns the window one notch, as `w` does:
				// one strategy's spec changes, the others stay.
				specs, _, _ = turnKnob(specs, knobWindow, 1-2*(i%2))
				if msg := compute(i+2, true, tc.prep, tc.convs, prices, "", specs)().(computedMsg); msg.res == nil {
					b.Fatal(msg.err)
				}
			}
			b.ReportMetric(float64(calls), "calls")
		})
	}
}

// BenchmarkOpenDir is opening a generated Claude Code projects tree
// (200 sessions, ~100 MB, as BenchmarkKnobPress) on the conversations
// page. "usage" is the usage pass, after which the list shows (billed
// as logged); "counted" is reading and counting file by file, then the
// strategies run on the counts: the list complete. "before" is the way
// before the usage pass: the whole tree read, then prepared and run.
func BenchmarkOpenDir(b *testing.B) {
	dir := b.TempDir()
	if _, _, err := synthetic.WriteClaudeCode(dir, 200, 500<<10, 1); err != nil {
		b.Fatal(err)
	}
	prices := price.Default()
	j := loadJob{path: dir, prices: prices}
	b.Run("usage", func(b *testing.B) {
		for range b.N {
			if u := readUsageRows(j); u.err != nil || len(u.rows) != 200 {
				b.Fatal(u.err)
			}
		}
	})
	b.Run("counted", func(b *testing.B) {
		for range b.N {
			j := j
			j.counted = &prepCache{}
			loaded := walk(j, true, make(chan tea.Msg, 1))
			if loaded.err != nil {
				b.Fatal(loaded.err)
			}
			specs := strategy.DefaultsFor(loaded.src.Conversations)
			if msg := compute(1, true, j.counted, loaded.src.Conversations, prices, "", specs)().(computedMsg); msg.res == nil {
				b.Fatal(msg.err)
			}
		}
	})
	b.Run("before", func(b *testing.B) {
		for range b.N {
			src, err := transcripts.Open(dir, transcripts.Options{})
			if err != nil {
				b.Fatal(err)
			}
			specs := strategy.DefaultsFor(src.Conversations)
			if msg := compute(1, true, &prepCache{}, src.Conversations, prices, "", specs)().(computedMsg); msg.res == nil {
				b.Fatal(msg.err)
			}
		}
	})
}
