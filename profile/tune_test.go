package profile

import (
	"fmt"
	"testing"

	"github.com/tokenscope/tokenscope/profile/strategy"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts"
)

// The frontier is exactly the candidates no other admissible candidate
// beats on both cost and context kept, checked by brute force over every
// pair, on the generated space of a 120-call conversation.
func TestTuneFrontierBruteForce(t *testing.T) {
	convs := []*transcripts.Conversation{transcripts.Synthetic(120, 7)}
	r, err := Tune(convs, TuneOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Tried < 100 {
		t.Fatalf("only %d candidates tried", r.Tried)
	}
	// Rebuild every candidate independently: one Run each.
	ref, err := Run(convs, Options{Strategies: []*strategy.Strategy{mustParse(t, "full")}})
	if err != nil {
		t.Fatal(err)
	}
	fullCtx := callContexts(&ref.Strategies[0])
	var all []TuneCandidate
	for _, spec := range TuneSpace(convs, ref, TuneOptions{}) {
		one, err := Run(convs, Options{Strategies: []*strategy.Strategy{mustParse(t, spec)}})
		if err != nil {
			t.Fatal(err)
		}
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
	convs := []*transcripts.Conversation{transcripts.Synthetic(60, 3)}
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
		if contains(c.Spec, "model=") {
			t.Errorf("%s swaps the model under --keep-model", c.Spec)
		}
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func mustParse(t *testing.T, spec string) *strategy.Strategy {
	t.Helper()
	s, err := strategy.Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// BenchmarkTune searches at least 2,000 strategies on a 2,000-call
// conversation (README: "tune" figures come from this benchmark).
func BenchmarkTune(b *testing.B) {
	convs := []*transcripts.Conversation{transcripts.Synthetic(2000, 1)}
	ref, err := Run(convs, Options{Strategies: []*strategy.Strategy{mustParseB(b, "full")}})
	if err != nil {
		b.Fatal(err)
	}
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

func mustParseB(b *testing.B, spec string) *strategy.Strategy {
	s, err := strategy.Parse(spec)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// callContexts is the earlier conversation each call sends, in order over
// every conversation.
func callContexts(s *StrategyResult) []int64 {
	var out []int64
	for _, c := range s.Calls() {
		out = append(out, earlierContext(&c))
	}
	return out
}

// measure tallies a strategy whose calls were kept.
func measure(s *StrategyResult, fullCtx []int64, basis price.Money, opt TuneOptions) TuneCandidate {
	var t contextTally
	for _, c := range s.Calls() {
		t.add(&c, fullCtx, opt.MinContext)
	}
	return candidate(s, &t, basis, opt)
}
