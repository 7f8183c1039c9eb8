package profile

import (
	"strings"
	"testing"
	"time"

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
	strategies, _ := ParseStrategies([]string{"cache"})
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
