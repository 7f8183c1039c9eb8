package profile

import (
	"reflect"
	"testing"

	"github.com/tokenscope/tokenscope/profile/strategy"

	"github.com/tokenscope/tokenscope/transcripts"
	"github.com/tokenscope/tokenscope/transcripts/synthetic"
)

// A Prepared run twice, the second time with one strategy changed, gives
// what Run gives on the second set, and simulates only the changed one.
func TestPreparedMatchesRun(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := synthetic.WriteClaudeCode(dir, 3, 32<<10, 5); err != nil {
		t.Fatal(err)
	}
	cc, err := transcripts.Open(dir, transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		convs []*transcripts.Conversation
	}{
		{"demo", transcripts.Demo(transcripts.Options{}).Conversations},
		{"claude-code", cc.Conversations},
	} {
		t.Run(tc.name, func(t *testing.T) {
			specs := strategy.DefaultsFor(tc.convs)
			first, err := strategy.ParseAll(specs)
			if err != nil {
				t.Fatal(err)
			}
			// The second set changes the last strategy only.
			second := append([]*strategy.Strategy(nil), first...)
			changed, err := strategy.Parse("window:turns=2+cache")
			if err != nil {
				t.Fatal(err)
			}
			second[len(second)-1] = changed
			p, err := Prepare(tc.convs, Options{})
			if err != nil {
				t.Fatal(err)
			}
			before, err := p.Run(first)
			if err != nil {
				t.Fatal(err)
			}
			after, err := p.Run(second)
			if err != nil {
				t.Fatal(err)
			}
			want, err := Run(tc.convs, Options{Strategies: second})
			if err != nil {
				t.Fatal(err)
			}
			sameResult(t, after, want)
			wantFirst, err := Run(tc.convs, Options{Strategies: first})
			if err != nil {
				t.Fatal(err)
			}
			sameResult(t, before, wantFirst)
			// Unchanged strategies are the first run's rows, not new ones.
			for i := range len(second) - 1 {
				if &after.Strategies[i].Conversations[0] != &before.Strategies[i].Conversations[0] {
					t.Errorf("%s simulated again", second[i].Spec)
				}
			}
			last := len(second) - 1
			if reflect.DeepEqual(after.Strategies[last].Totals, before.Strategies[last].Totals) {
				t.Errorf("changed strategy %s kept the totals of %s", second[last].Spec, first[last].Spec)
			}
		})
	}
}

func sameResult(t *testing.T, got, want *Result) {
	t.Helper()
	if len(got.Strategies) != len(want.Strategies) {
		t.Fatalf("%d strategies, want %d", len(got.Strategies), len(want.Strategies))
	}
	for i := range want.Strategies {
		g, w := got.Strategies[i], want.Strategies[i]
		if g.Strategy.Spec != w.Strategy.Spec || g.Note != w.Note || g.Totals != w.Totals {
			t.Errorf("%s: %q %+v, want %q %+v", w.Strategy.Spec, g.Note, g.Totals, w.Note, w.Totals)
		}
		if !reflect.DeepEqual(g.Calls(), w.Calls()) {
			t.Errorf("%s: calls differ", w.Strategy.Spec)
		}
	}
	if !reflect.DeepEqual(got.Conversations, want.Conversations) {
		t.Errorf("conversations differ:\n%+v\nwant\n%+v", got.Conversations, want.Conversations)
	}
	if !reflect.DeepEqual(got.Fidelity, want.Fidelity) || !reflect.DeepEqual(got.Warnings, want.Warnings) || got.ModelID != want.ModelID {
		t.Errorf("fidelity, warnings or model differ: %+v %q %s, want %+v %q %s", got.Fidelity, got.Warnings, got.ModelID, want.Fidelity, want.Warnings, want.ModelID)
	}
}
