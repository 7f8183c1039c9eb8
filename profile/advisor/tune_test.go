package advisor

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts"
	"github.com/tokenscope/tokenscope/transcripts/synthetic"
)

// The frontier is exactly the candidates no other admissible candidate
// beats on both cost and context kept, checked by brute force over every
// pair, on the generated space of a 120-call conversation.
func TestTuneFrontierBruteForce(t *testing.T) {
	convs := []*transcripts.Conversation{synthetic.Conversation(120, 7)}
	r, err := Tune(convs, TuneOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Tried < 100 {
		t.Fatalf("only %d candidates tried", r.Tried)
	}
	// Rebuild every candidate independently: one Run each.
	ref := run(t, convs, "full")
	fullCtx := callContexts(&ref.Strategies[0])
	var all []TuneCandidate
	for _, spec := range TuneSpace(convs, ref, TuneOptions{}) {
		one := run(t, convs, spec)
		c := measure(&one.Strategies[0], fullCtx, r.Basis.Cost, TuneOptions{MaxDroppedPct: 100})
		if c.meets {
			all = append(all, c)
		}
	}
	if len(all) != r.Admissible {
		t.Fatalf("%d admissible by brute force, Tune says %d", len(all), r.Admissible)
	}
	dominated := func(c TuneCandidate) bool {
		for _, o := range all {
			if o.Cost <= c.Cost && o.ContextPct >= c.ContextPct && (o.Cost < c.Cost || o.ContextPct > c.ContextPct) {
				return true
			}
		}
		return false
	}
	want := map[string]bool{}
	for _, c := range all {
		if !dominated(c) {
			want[fmt.Sprint(c.Cost, c.ContextPct)] = true
		}
	}
	got := map[string]bool{}
	for i, c := range r.Frontier {
		got[fmt.Sprint(c.Cost, c.ContextPct)] = true
		if i > 0 && (c.Cost < r.Frontier[i-1].Cost || c.ContextPct <= r.Frontier[i-1].ContextPct) {
			t.Errorf("frontier not sorted by cost with rising context at %d: %+v after %+v", i, c, r.Frontier[i-1])
		}
	}
	if len(got) != len(want) {
		t.Errorf("frontier has %d points, brute force %d", len(got), len(want))
	}
	for k := range want {
		if !got[k] {
			t.Errorf("brute-force frontier point %s missing", k)
		}
	}
}

// Constraints: with --min-context above what any window keeps, only
// strategies that send the whole history (caching, other models) remain;
// with --keep-model none names another model.
func TestTuneConstraints(t *testing.T) {
	convs := []*transcripts.Conversation{synthetic.Conversation(60, 3)}
	r, err := Tune(convs, TuneOptions{MinContext: 1 << 40, KeepModel: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Frontier) == 0 {
		t.Fatal("empty frontier")
	}
	for _, c := range r.Frontier {
		if c.ContextPct != 100 {
			t.Errorf("%s keeps %.1f%% under an unreachable --min-context", c.Spec, c.ContextPct)
		}
		if strings.Contains(c.Spec, "model=") {
			t.Errorf("%s swaps the model under --keep-model", c.Spec)
		}
	}
}

// BenchmarkTune searches at least 2,000 strategies on a 2,000-call
// conversation (README: "tune" figures come from this benchmark).
func BenchmarkTune(b *testing.B) {
	convs := []*transcripts.Conversation{synthetic.Conversation(2000, 1)}
	ref := run(b, convs, "full")
	specs := TuneSpace(convs, ref, TuneOptions{})
	for k := int64(1000); len(specs) < 2000; k += 500 {
		specs = append(specs, fmt.Sprintf("window:tokens=%d+cache", k), fmt.Sprintf("window:tokens=%d", k))
	}
	b.ResetTimer()
	for range b.N {
		if _, err := Tune(convs, TuneOptions{Specs: specs}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(specs)), "candidates")
}

// callContexts is the earlier conversation each call sends, in order over
// every conversation.
func callContexts(s *profile.StrategyResult) []int64 {
	var out []int64
	for _, c := range s.Calls() {
		out = append(out, earlierContext(&c))
	}
	return out
}

// measure tallies a strategy whose calls were kept.
func measure(s *profile.StrategyResult, fullCtx []int64, basis price.Money, opt TuneOptions) TuneCandidate {
	var t contextTally
	for _, c := range s.Calls() {
		t.add(&c, fullCtx, opt.MinContext)
	}
	return candidate(s, &t, basis, opt)
}
