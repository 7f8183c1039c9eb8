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
// pair, on the generated space of a 120-call conversation: with no
// constraint, and with constraints that make Tune stop measuring the
// candidates that can no longer meet them (the admissible count and the
// frontier must not change).
func TestTuneFrontierBruteForce(t *testing.T) {
	convs := []*transcripts.Conversation{synthetic.Conversation(120, 7)}
	for _, opt := range []TuneOptions{{}, {MaxDroppedPct: 60, MinContext: 1500}} {
		t.Run(fmt.Sprintf("dropped=%g,min=%d", opt.MaxDroppedPct, opt.MinContext), func(t *testing.T) {
			bruteForceFrontier(t, convs, opt)
		})
	}
}

func bruteForceFrontier(t *testing.T, convs []*transcripts.Conversation, opt TuneOptions) {
	r, err := Tune(convs, opt)
	if err != nil {
		t.Fatal(err)
	}
	if r.Tried < 100 {
		t.Fatalf("only %d candidates tried", r.Tried)
	}
	if opt.MaxDroppedPct == 0 {
		opt.MaxDroppedPct = 100
	}
	// Rebuild every candidate independently: one Run each.
	ref := run(t, convs, "full")
	fullCtx := callContexts(&ref.Strategies[0])
	var all []TuneCandidate
	for _, spec := range TuneSpace(convs, ref, opt) {
		one := run(t, convs, spec)
		c := measure(&one.Strategies[0], fullCtx, r.Basis.Cost, opt)
		if c.meets {
			all = append(all, c)
		}
	}
	t.Logf("%d of %d candidates admissible", len(all), r.Tried)
	if len(all) != r.Admissible || len(all) == 0 {
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

// The best-strategy finding's search cuts off candidates that cost more
// than the cheapest admissible one that keeps the whole history, and
// finds what the full search finds: the same first point of the
// frontier, whether that keeps the whole history (90% kept, as the
// finding asks) or clears some (any share kept). On generated logs and
// real Claude Code logs; each must cut something, or the test shows
// nothing.
func TestCheapestSearchAgrees(t *testing.T) {
	logs := map[string][]*transcripts.Conversation{
		"synthetic": {synthetic.Conversation(120, 7), synthetic.Conversation(40, 3)},
	}
	for _, path := range []string{"../../transcripts/testdata/claude_code", "../../transcripts/testdata/real/claude_code"} {
		src, err := transcripts.Open(path, transcripts.Options{})
		if err != nil {
			t.Fatal(err)
		}
		logs[path] = src.Conversations
	}
	for name, convs := range logs {
		t.Run(name, func(t *testing.T) {
			log, err := profile.CountedOf(convs, nil, profile.Options{Prices: price.Default()})
			if err != nil {
				t.Fatal(err)
			}
			for _, dropped := range []float64{100 - bestKeptPct, 100} {
				opt := TuneOptions{Prices: price.Default(), Basis: log.AppSpec(nil), MaxDroppedPct: dropped,
					keep: func(spec string) bool {
						return !strings.Contains(spec, "window:") && !strings.Contains(spec, "summary:")
					}}
				all, err := tuneLog(log, opt)
				if err != nil {
					t.Fatal(err)
				}
				opt.cheapest = true
				cut, err := tuneLog(log, opt)
				if err != nil {
					t.Fatal(err)
				}
				if len(all.Frontier) == 0 || len(cut.Frontier) == 0 {
					t.Fatalf("frontiers: %d and %d points", len(all.Frontier), len(cut.Frontier))
				}
				if a, c := all.Frontier[0], cut.Frontier[0]; a.Spec != c.Spec || a.Cost != c.Cost || a.ContextPct != c.ContextPct {
					t.Errorf("%g%% dropped: full search %s %s %.2f%%, cut search %s %s %.2f%%", dropped, a.Spec, a.Cost, a.ContextPct, c.Spec, c.Cost, c.ContextPct)
				}
				if cut.Tried >= all.Tried {
					t.Errorf("cut search measured %d of %d candidates: nothing cut", cut.Tried, all.Tried)
				}
				t.Logf("%g%% dropped: %d of %d candidates measured in full; cheapest %s", dropped, cut.Tried, all.Tried, cut.Frontier[0].Spec)
			}
		})
	}
}
