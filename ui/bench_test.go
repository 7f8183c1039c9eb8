package ui

import (
	"testing"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/transcripts"
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
		{"2000calls", transcripts.Synthetic(2000, 5)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			convs := []*transcripts.Conversation{tc.conv}
			specs, _, _ := turnKnob(profile.DefaultStrategies, knobWindow, 1)
			prices := profile.DefaultPrices()
			if msg := compute(1, false, convs, prices, "", specs)().(computedMsg); msg.err != nil {
				b.Fatal(msg.err)
			}
			b.ResetTimer()
			for i := range b.N {
				if msg := compute(i, false, convs, prices, "", specs)().(computedMsg); msg.res == nil {
					b.Fatal(msg.err)
				}
			}
		})
	}
}
