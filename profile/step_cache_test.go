package profile

import (
	"strings"
	"testing"
	"time"

	"github.com/tokenscope/tokenscope/profile/strategy"

	"github.com/tokenscope/tokenscope/transcripts"
)

// setUsage replaces the reported usage of conv's calls, in order.
func setUsage(conv *transcripts.Conversation, us ...transcripts.Usage) {
	j := 0
	for i := range conv.Messages {
		if conv.Messages[i].Role == transcripts.RoleAssistant {
			u := us[j]
			conv.Messages[i].Usage = &u
			j++
		}
	}
}

// The cache TTL follows the log: writes reported as 1-hour ones make
// `cache` keep the prefix for an hour and price writes at the 1-hour rate;
// `cache:ttl=5m` overrides it.
func TestCacheTTLFromLog(t *testing.T) {
	start := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	conv := smallConversation(start, time.Minute, time.Minute, 10*time.Minute)
	conv.Model = "test-explicit"
	// What an app caching the whole conversation reports (inputs as in
	// smallConversation; reads and 1-hour writes as the app did them).
	setUsage(conv,
		transcripts.Usage{InputTokens: 50, CacheWriteTokens: 50, CacheWrite1hTokens: 50, OutputTokens: 7, ReasoningTokens: 2},
		transcripts.Usage{InputTokens: 73, CacheWriteTokens: 73, CacheWrite1hTokens: 73, OutputTokens: 30},
		transcripts.Usage{InputTokens: 119, CachedInputTokens: 70, CacheWriteTokens: 49, CacheWrite1hTokens: 49, OutputTokens: 6},
		transcripts.Usage{InputTokens: 137, CachedInputTokens: 116, CacheWriteTokens: 21, CacheWrite1hTokens: 21, OutputTokens: 3})
	res := runSmall(t, conv, "cache", "cache:ttl=5m", "model=test-auto+cache")
	// 1 hour: call 2 shares 47 (< minimum 50), call 3 reads 70, call 4
	// (10 minutes later) reads 116. Writes 50 + 73 + 49 + 21 = 193 at
	// $2/MTok = 386 µ$; reads 186 × 0.1 = 18.6; output 46 × 2 = 92: 496.6 µ$,
	// exactly what the usage was billed.
	logTTL := res.Strategies[0]
	if got, want := cached(logTTL.Calls()), []int64{0, 0, 70, 116}; !eq(got, want) {
		t.Errorf("ttl from log: cached = %v, want %v", got, want)
	}
	if logTTL.Totals.Cost != micro(496.6) || logTTL.Totals.ReportedCost != micro(496.6) {
		t.Errorf("ttl from log: cost %d, billed %d, want 496.6 µ$ both", logTTL.Totals.Cost, logTTL.Totals.ReportedCost)
	}
	if f := res.Fidelity; f == nil || f.Simulated != f.Billed || f.ErrorPct() != 0 {
		t.Errorf("fidelity %+v, want simulated = billed", f)
	}
	// 5 minutes: call 4 finds the cache expired and writes all 137.
	// Writes 309 × 1.25 = 386.25; reads 70 × 0.1 = 7; output 92: 485.25 µ$.
	five := res.Strategies[1]
	if got, want := cached(five.Calls()), []int64{0, 0, 70, 0}; !eq(got, want) {
		t.Errorf("ttl=5m: cached = %v, want %v", got, want)
	}
	if five.Totals.Cost != micro(485.25) {
		t.Errorf("ttl=5m: cost %d, want 485.25 µ$", five.Totals.Cost)
	}
	// Priced on another model, the log's TTL is not that provider's:
	// 5 minutes, so call 4 reads nothing. (Call 2 reads nothing either:
	// its log read nothing of the 50 tokens call 1 sent, which the cache
	// step takes for a change in the app's prefix.)
	if got, want := cached(res.Strategies[2].Calls()), []int64{0, 0, 70, 0}; !eq(got, want) {
		t.Errorf("model=test-auto+cache: cached = %v, want %v", got, want)
	}
}

// Conversations of one source share their leading prefix (hidden prefix,
// tools, system) in the provider's cache: the first call of a conversation
// reads it when another conversation of the source made a call within the
// TTL before it, whatever the order the conversations are given in.
func TestCacheAcrossConversations(t *testing.T) {
	start := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	mk := func(id string, at time.Time) *transcripts.Conversation {
		c := smallConversation(at, time.Minute, time.Minute, time.Minute)
		c.ID, c.Path = id, "proj/"+id+".jsonl"
		// Each its own first question (10 tokens too): an identical
		// conversation would read the other's whole history
		// (TestHistoryAcrossConversations), not only the shared prefix.
		c.Messages[1].Content = id + strings.Repeat(" "+id, 9)
		return c
	}
	a := mk("a", start)                    // calls at 10:00 … 10:03
	b := mk("b", start.Add(5*time.Minute)) // 2 minutes after a's last call: 10:05 … 10:08
	c := mk("c", start.Add(20*time.Minute))
	other := mk("d", start.Add(6*time.Minute))
	other.Path = "elsewhere/d.jsonl" // another source: nothing shared
	// Same source, same length, another system prompt: nothing shared.
	edited := mk("e", start.Add(5*time.Minute))
	edited.Messages[0].Content = "b" + strings.Repeat(" b", 19) // 20 tokens too
	strategies, _ := strategy.ParseAll([]string{"cache:served=ideal"})
	res, err := Run([]*transcripts.Conversation{c, b, a, other, edited}, Options{Prices: testTable(t), Strategies: strategies})
	if err != nil {
		t.Fatal(err)
	}
	// The shared prefix is the hidden 9 + the system message 20 + its
	// framing 4 = 33 tokens (test-auto: minimum 10, granularity 1).
	// c starts 12 minutes after b's last call: past the 5-minute TTL.
	want := map[string]int64{"a": 0, "b": 33, "c": 0, "d": 0, "e": 0}
	for _, cr := range res.Strategies[0].Conversations {
		if got := cr.Calls[0].Cached; got != want[cr.ID] {
			t.Errorf("%s: first call cached %d, want %d", cr.ID, got, want[cr.ID])
		}
		// Later calls read what the previous call sent, as in
		// TestCacheAutomatic.
		if got := cached(cr.Calls)[1:]; !eq(got, []int64{47, 70, 116}) {
			t.Errorf("%s: cached %v", cr.ID, got)
		}
	}
}

// A call a response cache answers never reaches the provider: it reads and
// writes nothing and leaves the cache as it was. Conversation b repeats a
// (smallConversation, test-auto: $1 in, $0.10 cached, $2 out per MTok)
// but for call 3's prompt, 9 tokens instead of 8: calls 1 and 2 are
// answered from a's, call 3 (73 − 3 + 34 + 13 + 3 = 120 in) finds nothing
// cached — the provider last saw b nowhere — and call 4 (120 − 3 + 10 + 8
// + 3 = 138) reads call 3's 117.
// b: 0 + 0 + (120 + 6×2) + (21 + 117×0.1 + 3×2) = 132 + 38.7 = 170.7 µ$.
func TestCacheSkipsServedCalls(t *testing.T) {
	a := smallConversation(time.Time{})
	b := smallConversation(time.Time{})
	b.ID, b.Path = "b", "b.jsonl"
	b.Messages[5].Content = as(9)
	strategies, err := strategy.ParseAll([]string{"respcache+cache:served=ideal"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run([]*transcripts.Conversation{a, b}, Options{Prices: testTable(t), Strategies: strategies})
	if err != nil {
		t.Fatal(err)
	}
	cb := res.Strategies[0].Conversations[1]
	if got, want := inputs(cb.Calls), []int64{50, 73, 120, 138}; !eq(got, want) {
		t.Fatalf("b inputs = %v, want %v", got, want)
	}
	if got, want := cached(cb.Calls), []int64{0, 0, 0, 117}; !eq(got, want) {
		t.Errorf("b cached = %v, want %v", got, want)
	}
	if cb.Totals.Served != 2 || cb.Totals.Cost != micro(170.7) {
		t.Errorf("b: %d served, cost %s (%d), want 2 and $0.0001707", cb.Totals.Served, cb.Totals.Cost, cb.Totals.Cost)
	}
}

// The cache is per model: calls routed to another model find nothing of
// the first model's prefix there. smallConversation on test-auto, calls 3
// and 4 (119, 137 in) routed to test-explicit ($1 in, $0.10 read, $1.25
// write, $2 out; minimum 50): call 3 reads nothing and writes 119, call 4
// reads 116 and writes 21.
// 1: 50 + 7×2 = 64; 2: 26 + 47×0.1 + 30×2 = 90.7; 3: 119×1.25 + 6×2 =
// 160.75; 4: 116×0.1 + 21×1.25 + 3×2 = 43.85; total 359.3 µ$.
func TestCacheAcrossRoutedModels(t *testing.T) {
	res := runSmall(t, smallConversation(time.Time{}), "route:model=test-explicit,when=input>100+cache:served=ideal")
	calls := res.Strategies[0].Calls()
	wantCache(t, calls, []int64{0, 47, 0, 116}, []int64{0, 0, 119, 21})
	if got := res.Strategies[0].Totals.Cost; got != micro(359.3) {
		t.Errorf("cost = %s (%d), want $0.0003593", got, got)
	}
}

// A request whose system prompt or tool schemas changed from the previous
// call's (transcripts.PrefixChange) breaks the cached prefix: tools from
// the start, system after the tool schemas. smallConversation (test-auto,
// minimum 10) reporting 11 more input per call, so its hidden prefix is 20
// and the calls send 61, 84, 130, 148; unchanged, calls 2–4 read the
// previous input but its priming, 58, 81, 127: uncached 423 − 266 = 157,
// cached 26.6, output 46×2 = 92: 275.6 µ$. Call 3 changed:
//
//	system: reads the hidden prefix, 20 (no tool schemas):
//	        uncached 423 − 205 = 218, cached 20.5, output 92: 330.5 µ$
//	tools:  reads nothing: uncached 238, cached 18.5, output 92: 348.5 µ$
func TestCachePrefixChange(t *testing.T) {
	for _, tc := range []struct {
		part   string
		cached []int64
		cost   float64
	}{
		{"", []int64{0, 58, 81, 127}, 275.6},
		{"system", []int64{0, 58, 20, 127}, 330.5},
		{"tools", []int64{0, 58, 0, 127}, 348.5},
	} {
		conv := smallConversation(time.Time{})
		setUsage(conv,
			transcripts.Usage{InputTokens: 61, OutputTokens: 7, ReasoningTokens: 2},
			transcripts.Usage{InputTokens: 84, OutputTokens: 30},
			transcripts.Usage{InputTokens: 130, OutputTokens: 6},
			transcripts.Usage{InputTokens: 148, OutputTokens: 3})
		if tc.part != "" {
			conv.Messages[6].PrefixChange = &transcripts.PrefixChange{Part: tc.part, Message: 0}
		}
		// The usage reports no cache reads: the log's served share (0%)
		// would read nothing; the prefix mechanics are seen ideally.
		res := runSmall(t, conv, "cache:served=ideal")
		calls := res.Strategies[0].Calls()
		if got, want := inputs(calls), []int64{61, 84, 130, 148}; !eq(got, want) {
			t.Fatalf("%q: inputs = %v, want %v", tc.part, got, want)
		}
		if got := cached(calls); !eq(got, tc.cached) {
			t.Errorf("%q: cached = %v, want %v", tc.part, got, tc.cached)
		}
		if got := res.Strategies[0].Totals.Cost; got != micro(tc.cost) {
			t.Errorf("%q: cost = %s (%d), want %.1f µ$", tc.part, got, got, tc.cost)
		}
	}
}
