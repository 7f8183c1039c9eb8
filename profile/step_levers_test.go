package profile

import (
	"testing"

	"github.com/tokenscope/tokenscope/profile/strategy"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts"
)

// twoCalls is a two-call chat on gpt-4o ($2.50 in / $10 out per MTok; no
// caching below 1,024 tokens). Tokens by the official tiktoken
// (o200k_base), framing 3 + 1 (role) a message, 3 priming a call:
//
//	system "You are a helpful assistant."    6
//	user   "What is the weather in Paris?"   7 (or the text given)
//	reply  "It is sunny."                    4
//	user   "And in Rome?"                    4
//	reply  "Also sunny."                     3
//
// call 1: 6+4 + 7+4 + 3 = 24 in, 4 out; call 2: 24−3 + 4+4 + 4+4 + 3 = 40 in, 3 out.
// full: 64 × $2.50/M + 7 × $10/M = $0.00016 + $0.00007 = $0.00023.
func twoCalls(id, question string) *transcripts.Conversation {
	return &transcripts.Conversation{ID: id, Path: id + ".json", Model: "gpt-4o", Messages: []transcripts.Message{
		{Role: transcripts.RoleSystem, Content: "You are a helpful assistant."},
		{Role: transcripts.RoleUser, Content: question},
		{Role: transcripts.RoleAssistant, Content: "It is sunny."},
		{Role: transcripts.RoleUser, Content: "And in Rome?"},
		{Role: transcripts.RoleAssistant, Content: "Also sunny."},
	}}
}

func TestLeverSteps(t *testing.T) {
	const paris = "What is the weather in Paris?"
	usd := func(micro int64) price.Money { return price.Money(micro * 1_000_000) } // µ$ → p$
	for _, tc := range []struct {
		spec   string
		convs  []*transcripts.Conversation
		input  int64
		output int64
		cost   price.Money
		served int
		saved  price.Money
		routed int
	}{
		{spec: "full", convs: []*transcripts.Conversation{twoCalls("a", paris)}, input: 64, output: 7, cost: usd(230)},
		// System 6 → 3 on both calls: 58 in; $0.000145 + $0.00007.
		{spec: "system:scale=0.5", convs: []*transcripts.Conversation{twoCalls("a", paris)}, input: 58, output: 7, cost: usd(215)},
		// Replies 4 → 2 and 3 → 2 (half, rounded); call 2 carries the
		// shorter first reply: 24 + 38 = 62 in, 4 out; $0.000155 + $0.00004.
		{spec: "output:scale=0.5", convs: []*transcripts.Conversation{twoCalls("a", paris)}, input: 62, output: 4, cost: usd(195)},
		// Call 1 (24 < 30) on gpt-4o-mini ($0.15/$0.60): $0.0000036 +
		// $0.0000024; call 2 stays: $0.0001 + $0.00003. $0.000136.
		{spec: "route:model=gpt-4o-mini,when=input<30", convs: []*transcripts.Conversation{twoCalls("a", paris)}, input: 64, output: 7, cost: usd(136), routed: 1},
		// The second conversation repeats the first: both its calls are
		// answered from the cache; it costs nothing and saves $0.00023.
		{spec: "respcache", convs: []*transcripts.Conversation{twoCalls("a", paris), twoCalls("b", paris)}, input: 128, output: 14, cost: usd(230), served: 2, saved: usd(230)},
		// Case and spacing differ ("what is the weather in  paris?" is 8
		// tokens: b sends 25 + 41 = 66, $0.000165 + $0.00007): exact
		// misses, normalized hits.
		{spec: "respcache", convs: []*transcripts.Conversation{twoCalls("a", paris), twoCalls("b", "what is the weather in  paris?")}, input: 130, output: 14, cost: usd(465)},
		{spec: "respcache:match=normalized", convs: []*transcripts.Conversation{twoCalls("a", paris), twoCalls("b", "what is the weather in  paris?")}, input: 130, output: 14, cost: usd(230), served: 2, saved: usd(235)},
		// "…Paris today?" (8 tokens): word 3-shingles with the role
		// word, {user what is, what is the, is the weather, the weather
		// in, weather in paris} against the same plus {in paris today}:
		// Jaccard 5/6 ≈ 0.83. At 0.8 call 1 of b is served (25 in, 4 out:
		// $0.0000625 + $0.00004 = $0.0001025 saved); call 2 is not, its
		// history differs. b's call 2 costs 41 in + 3 out: $0.0001025 +
		// $0.00003; at 0.9 nothing is served and b costs $0.000235.
		{spec: "respcache:match=near,threshold=0.8", convs: []*transcripts.Conversation{twoCalls("a", paris), twoCalls("b", "What is the weather in Paris today?")}, input: 64 + 25 + 41, output: 14, cost: usd(230) + price.Money(132_500_000), served: 1, saved: price.Money(102_500_000)},
		{spec: "respcache:match=near,threshold=0.9", convs: []*transcripts.Conversation{twoCalls("a", paris), twoCalls("b", "What is the weather in Paris today?")}, input: 64 + 25 + 41, output: 14, cost: usd(465)},
	} {
		s, err := strategy.Parse(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		r, err := Run(tc.convs, Options{Strategies: []*strategy.Strategy{s}})
		if err != nil {
			t.Fatal(err)
		}
		tt := r.Strategies[0].Totals
		if tt.Input != tc.input || tt.Output+tt.Reasoning != tc.output || tt.Cost != tc.cost || tt.Served != tc.served || tt.ServedSaved != tc.saved || tt.Routed != tc.routed {
			t.Errorf("%s: input %d output %d cost %s (%d) served %d saved %s routed %d; want %d %d %s (%d) %d %s %d",
				tc.spec, tt.Input, tt.Output+tt.Reasoning, tt.Cost, tt.Cost, tt.Served, tt.ServedSaved, tt.Routed,
				tc.input, tc.output, tc.cost, tc.cost, tc.served, tc.saved, tc.routed)
		}
		if s.String() != tc.spec {
			t.Errorf("%s renders as %s", tc.spec, s.String())
		}
	}
}

// rag:keep=50% halves the retrieved context of a message and what later
// calls carry of it. "Paris: 21°C, clear skies, light wind from the west."
// is 15 tokens (official tiktoken); kept: 8 (7.5 rounded half up).
func TestRAGKeep(t *testing.T) {
	c := twoCalls("a", "What is the weather in Paris?")
	c.Messages = append(c.Messages[:1], append([]transcripts.Message{{Role: transcripts.RoleUser, RAG: true,
		Content: "Paris: 21°C, clear skies, light wind from the west."}}, c.Messages[1:]...)...)
	run := func(spec string) Totals {
		s, _ := strategy.Parse(spec)
		r, err := Run([]*transcripts.Conversation{c}, Options{Strategies: []*strategy.Strategy{s}})
		if err != nil {
			t.Fatal(err)
		}
		return r.Strategies[0].Totals
	}
	full, kept := run("full"), run("rag:keep=50%")
	// Sent on both calls: 15 → 8, 7 fewer a call.
	if full.Input-kept.Input != 14 || full.Parts.RAG-kept.Parts.RAG != 7 {
		t.Errorf("input %d → %d, rag %d → %d; want 14 fewer input, 7 fewer rag", full.Input, kept.Input, full.Parts.RAG, kept.Parts.RAG)
	}
}

func TestLeverSpecErrors(t *testing.T) {
	for _, spec := range []string{"system:scale=-1", "output:scale=x", "rag:keep=140%", "route:model=gpt-4o", "route:model=gpt-4o,when=latency<3", "respcache:match=fuzzy", "respcache:threshold=0.5"} {
		if _, err := strategy.Parse(spec); err == nil {
			t.Errorf("%s parsed", spec)
		}
	}
}
