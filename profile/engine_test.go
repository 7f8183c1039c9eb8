package profile

import (
	"strings"
	"testing"
	"time"

	"github.com/tokenscope/tokenscope/profile/strategy"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/profile/tokenize"
	"github.com/tokenscope/tokenscope/transcripts"
)

// testTable is a price table with round prices so that expected dollars can
// be worked out by hand: $1/MTok in, $2 out, $0.10 cached, $1.25 cache write.
const testTableYAML = `
date: "2026-01-01"
models:
- {id: test-auto, provider: openai, input: 1, output: 2, cached_input: 0.10, batch: 0.5,
   context_window: 100, max_output: 1000, encoding: o200k_base, exact: true,
   caching: {mode: automatic, min_prefix: 10, granularity: 1}}
- {id: test-explicit, provider: anthropic, input: 1, output: 2, cached_input: 0.10,
   cache_write_5m: 1.25, cache_write_1h: 2, context_window: 1000, max_output: 1000,
   encoding: o200k_base, exact: true, caching: {mode: explicit, min_prefix: 50, granularity: 1}}
- {id: test-cheap, provider: openai, input: 0.5, output: 1, context_window: 1000, batch: 1,
   encoding: o200k_base, exact: true, caching: {mode: none}}
`

func testTable(t *testing.T) *price.Table {
	t.Helper()
	tab, err := price.ParseYAML([]byte(testTableYAML), "test")
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// as returns n tokens of text in o200k and cl100k: "a" then " a"×(n-1),
// each one token (checked against the official tiktoken).
func as(n int) string {
	if n == 0 {
		return ""
	}
	return "a" + strings.Repeat(" a", n-1)
}

// smallConversation is the hand-worked conversation of the strategy tests.
// Content tokens: system 20; user 10, assistant 5 (+2 reasoning); user 10,
// assistant 30; user 8, assistant 6; user 4, assistant 3. Framing is 4 per
// message (3 + the role's one token), replies are primed with 3. Every
// call reports 9 tokens more input than the log holds (unlogged), so:
//
//	call 1: 24 + 14 + 3 + 9              = 50
//	call 2: 50 − 3 + 9 (asst) + 14 + 3   = 73
//	call 3: 73 − 3 + 34 + 12 + 3         = 119
//	call 4: 119 − 3 + 10 + 8 + 3         = 137   (full: 379 input tokens)
func smallConversation(start time.Time, gaps ...time.Duration) *transcripts.Conversation {
	at := func(i int) time.Time {
		if start.IsZero() {
			return time.Time{}
		}
		t := start
		for j := 0; j < i && j < len(gaps); j++ {
			t = t.Add(gaps[j])
		}
		return t
	}
	u := func(in, cached, out, reasoning int64) *transcripts.Usage {
		return &transcripts.Usage{InputTokens: in, CachedInputTokens: cached, OutputTokens: out, ReasoningTokens: reasoning}
	}
	return &transcripts.Conversation{ID: "small", Path: "small.jsonl", Format: "native", Model: "test-auto",
		Messages: []transcripts.Message{
			{Role: "system", Content: as(20)},
			{Role: "user", Content: as(10), Time: at(0)},
			{Role: "assistant", Content: as(5), Usage: u(50, 0, 7, 2), Time: at(0)},
			{Role: "user", Content: as(10), Time: at(1)},
			{Role: "assistant", Content: as(30), Usage: u(73, 40, 30, 0), Time: at(1)},
			{Role: "user", Content: as(8), Time: at(2)},
			{Role: "assistant", Content: as(6), Usage: u(119, 60, 6, 0), Time: at(2)},
			{Role: "user", Content: as(4), Time: at(3)},
			{Role: "assistant", Content: as(3), Usage: u(137, 100, 3, 0), Time: at(3)},
		}}
}

func runSmall(t *testing.T, conv *transcripts.Conversation, specs ...string) *Result {
	t.Helper()
	strategies, err := strategy.ParseAll(specs)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run([]*transcripts.Conversation{conv}, Options{Prices: testTable(t), Strategies: strategies})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func inputs(calls []Call) []int64 {
	var out []int64
	for _, c := range calls {
		out = append(out, c.Input.Total())
	}
	return out
}

func cached(calls []Call) []int64 {
	var out []int64
	for _, c := range calls {
		out = append(out, c.Cached)
	}
	return out
}

func cacheWrites(calls []Call) []int64 {
	var out []int64
	for _, c := range calls {
		out = append(out, c.CacheWrite)
	}
	return out
}

// wantCache checks each call's cache reads and writes.
func wantCache(t *testing.T, calls []Call, cachedWant, writesWant []int64) {
	t.Helper()
	if got := cached(calls); !eq(got, cachedWant) {
		t.Errorf("cached = %v, want %v", got, cachedWant)
	}
	if got := cacheWrites(calls); !eq(got, writesWant) {
		t.Errorf("writes = %v, want %v", got, writesWant)
	}
}

func eq(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// usd turns micro-dollars written in a test comment into Money.
func micro(x float64) price.Money { return price.Money(x*1e6 + 0.5) }

func TestFullStrategyParts(t *testing.T) {
	res := runSmall(t, smallConversation(time.Time{}), "full")
	calls := res.Strategies[0].Calls()
	if got, want := inputs(calls), []int64{50, 73, 119, 137}; !eq(got, want) {
		t.Fatalf("inputs = %v, want %v", got, want)
	}
	// Call 3: system 20, history 10+5+10+30, user 8, unlogged 9,
	// overhead 6 messages × 4 + 3 priming.
	want := Parts{System: 20, History: 55, User: 8, Unlogged: 9, Overhead: 27}
	if calls[2].Input != want {
		t.Errorf("call 3 parts = %+v, want %+v", calls[2].Input, want)
	}
	tot := res.Strategies[0].Totals
	// Input 379 × $1 + output (7 + 30 + 6 + 3) × $2 = 379 + 92 = 471 µ$.
	if tot.Cost != micro(471) {
		t.Errorf("full cost = %s (%d), want $0.000471", tot.Cost, tot.Cost)
	}
	if tot.Output != 44 || tot.Reasoning != 2 {
		t.Errorf("output/reasoning = %d/%d, want 44/2", tot.Output, tot.Reasoning)
	}
	// Reported: uncached 50+33+59+37 = 179 × $1, cached 200 × $0.10 = 20,
	// output 46 × $2 = 92: 291 µ$.
	if tot.ReportedCost != micro(291) {
		t.Errorf("reported cost = %s, want $0.000291", tot.ReportedCost)
	}
	// The test model's window is 100 tokens: calls 3 and 4 overflow.
	if tot.Overflow != 2 || tot.PeakInput != 137 {
		t.Errorf("overflow/peak = %d/%d, want 2/137", tot.Overflow, tot.PeakInput)
	}
}

func TestCacheAutomatic(t *testing.T) {
	res := runSmall(t, smallConversation(time.Time{}), "full", "cache:served=ideal", "cache")
	// By default the cache reads the share of the cacheable prefix the log
	// shows the provider served: calls 2–4 could read what the call before
	// sent (reported 50, 73, 119: 242) and read 40, 60, 100 (200), so
	// 47, 70, 116 × 200/242 = 38.8, 57.9, 95.9, floored.
	if got, want := cached(res.Strategies[2].Calls()), []int64{0, 38, 57, 95}; !eq(got, want) {
		t.Errorf("served share: cached = %v, want %v", got, want)
	}
	calls := res.Strategies[1].Calls()
	// Each call shares all of the previous input but its priming.
	if got, want := cached(calls), []int64{0, 47, 70, 116}; !eq(got, want) {
		t.Fatalf("cached = %v, want %v", got, want)
	}
	// Uncached 379 − 233 = 146, cached 233 × 0.1 = 23.3, output 92: 261.3 µ$.
	if got := res.Strategies[1].Totals.Cost; got != micro(261.3) {
		t.Errorf("cache cost = %s (%d)", got, got)
	}
	if got := res.Strategies[1].Totals.SavingsPct(res.Strategies[0].Totals); got < 44.52 || got > 44.53 {
		t.Errorf("savings = %.4f%%, want 44.52%% (1 − 261.3/471)", got)
	}
}

func TestCacheTTL(t *testing.T) {
	start := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	// Call 4 comes 10 minutes after call 3: past a 5-minute TTL, within 1 h.
	conv := smallConversation(start, time.Minute, time.Minute, 10*time.Minute)
	res := runSmall(t, conv, "cache:served=ideal", "cache:ttl=1h,served=ideal")
	if got, want := cached(res.Strategies[0].Calls()), []int64{0, 47, 70, 0}; !eq(got, want) {
		t.Errorf("cache 5m: cached = %v, want %v", got, want)
	}
	if got, want := cached(res.Strategies[1].Calls()), []int64{0, 47, 70, 116}; !eq(got, want) {
		t.Errorf("cache 1h: cached = %v, want %v", got, want)
	}
}

func TestCacheExplicitWrites(t *testing.T) {
	conv := smallConversation(time.Time{})
	conv.Model = "test-explicit"
	res := runSmall(t, conv, "cache")
	calls := res.Strategies[0].Calls()
	// Minimum prefix 50: call 1 (50 tokens) writes 50; call 2 shares 47,
	// below the minimum, so it reads nothing and writes all 73; call 3
	// reads 70, writes 49; call 4 reads 116, writes 21.
	wantCache(t, calls, []int64{0, 0, 70, 116}, []int64{50, 73, 49, 21})
	// Uncached 379 − 186 − 193 = 0; cached 186 × 0.1 = 18.6; writes 193 ×
	// 1.25 = 241.25; output 92: 351.85 µ$.
	if got := res.Strategies[0].Totals.Cost; got != micro(351.85) {
		t.Errorf("cost = %s (%d), want $0.00035185", got, got)
	}
	if res.Strategies[0].Totals.CacheWrite != 193 {
		t.Errorf("total writes = %d, want 146", res.Strategies[0].Totals.CacheWrite)
	}
}

func TestWindowTurns(t *testing.T) {
	res := runSmall(t, smallConversation(time.Time{}), "window:turns=1", "window:turns=1+cache:served=ideal")
	calls := res.Strategies[0].Calls()
	// Call 3 keeps exchange 2 (user 10, assistant 30) and its own user 8:
	// 24 + 14 + 34 + 12 + 3 + 9 = 96. Call 4 keeps exchange 3:
	// 24 + 12 + 10 + 8 + 3 + 9 = 66.
	if got, want := inputs(calls), []int64{50, 73, 96, 66}; !eq(got, want) {
		t.Fatalf("inputs = %v, want %v", got, want)
	}
	if d := res.Strategies[0].Totals.Dropped; d != 15+55 {
		t.Errorf("dropped = %d, want 70 (15 on call 3, 55 on call 4)", d)
	}
	// With caching the moved window shares only unlogged + system (9 + 24).
	if got, want := cached(res.Strategies[1].Calls()), []int64{0, 47, 33, 33}; !eq(got, want) {
		t.Errorf("window+cache cached = %v, want %v", got, want)
	}
}

func TestWindowTokens(t *testing.T) {
	res := runSmall(t, smallConversation(time.Time{}), "window:tokens=20")
	// Call 3: exchange 2 (10+4 + 30+4 = 48) does not fit in 20: only the
	// new message. 24 + 12 + 3 + 9 = 48. Call 4: exchange 3 is 8+4+6+4 =
	// 22 > 20: 24 + 8 + 3 + 9 = 44. Call 2: exchange 1 is 14+9 = 23 > 20.
	if got, want := inputs(res.Strategies[0].Calls()), []int64{50, 50, 48, 44}; !eq(got, want) {
		t.Fatalf("inputs = %v, want %v", got, want)
	}
}

func TestSummary(t *testing.T) {
	res := runSmall(t, smallConversation(time.Time{}), "summary:trigger=40,keep=1,size=7", "summary:trigger=40,keep=1,size=7+cache:served=ideal")
	calls := res.Strategies[0].Calls()
	instr := mustTok(t).Count(strategy.SummaryInstruction)
	// Call 3: history 55 > 40: messages 1–2 (15 content + 8 framing) become
	// a 7-token summary. Input: 24 + (7+4) + 14 + 34 + 12 + 3 + 9 = 107.
	// Call 4: history 7 + 54 > 40: messages 3–4 are folded in with the old
	// summary. Input: 24 + 11 + 12 + 10 + 8 + 3 + 9 = 77.
	if got, want := inputs(calls), []int64{50, 73, 107, 77}; !eq(got, want) {
		t.Fatalf("inputs = %v, want %v", got, want)
	}
	// Summariser inputs: instruction + 4 + 3 + 15 + 8; then instruction +
	// 4 + 3 + 40 + 8 + old summary 7 + 4.
	s3, s4 := calls[2].SummaryInput, calls[3].SummaryInput
	if s3 != instr+30 || s4 != instr+66 {
		t.Errorf("summariser inputs = %d, %d, want %d, %d", s3, s4, instr+30, instr+66)
	}
	tot := res.Strategies[0].Totals
	if tot.SummaryOutput != 14 || tot.SummaryInput != 2*instr+96 {
		t.Errorf("summary totals = %d in / %d out", tot.SummaryInput, tot.SummaryOutput)
	}
	// The summariser's cost is in the call it precedes: call 3 costs its
	// own 107 in + 6×2 out, plus (instr+30) in + 7×2 out.
	want3 := micro(float64(107+12) + float64(instr+30) + 14)
	if calls[2].Cost != want3 {
		t.Errorf("call 3 cost = %d, want %d", calls[2].Cost, want3)
	}
	var sum price.Money
	for _, c := range calls {
		sum += c.Cost
	}
	if sum != tot.Cost {
		t.Errorf("calls sum to %d, total is %d", sum, tot.Cost)
	}
	// With caching, call 4 shares unlogged + system (33) only: the summary
	// changed. Call 3 too: the first summary replaced the history.
	if got, want := cached(res.Strategies[1].Calls()), []int64{0, 47, 33, 33}; !eq(got, want) {
		t.Errorf("summary+cache cached = %v, want %v", got, want)
	}
}

func TestSummaryStablePrefixCaches(t *testing.T) {
	// A fifth call (user 2, assistant 2) after the summary of call 4. Its
	// counted input: 128 − 3 + (3+4) + (2+4) + 3 = 141, reported with the
	// same 9 unlogged tokens: 150.
	conv := smallConversation(time.Time{})
	conv.Messages = append(conv.Messages,
		transcripts.Message{Role: "user", Content: as(2)},
		transcripts.Message{Role: "assistant", Content: as(2), Usage: &transcripts.Usage{InputTokens: 150}})
	res := runSmall(t, conv, "summary:trigger=40,keep=1,size=7+cache:served=ideal", "window:turns=1+cache:served=ideal")
	sum, win := res.Strategies[0].Calls(), res.Strategies[1].Calls()
	// Summary: call 5's history is 7 + 12 + 6 = 25 ≤ 40, so the summary of
	// call 4 stays and call 5 reads all of call 4's input but its priming.
	if got, want := sum[4].Cached, sum[3].Input.Total()-3; got != want {
		t.Errorf("summary: call 5 cached %d, want %d", got, want)
	}
	// The window moved again on call 5: only unlogged + system hit.
	if win[4].Cached != 33 {
		t.Errorf("window: call 5 cached %d, want 33", win[4].Cached)
	}
}

func TestCap(t *testing.T) {
	res := runSmall(t, smallConversation(time.Time{}), "cap:4")
	calls := res.Strategies[0].Calls()
	// Call 1 (5 + 2 reasoning) keeps 2 visible; call 2 (30) keeps 4; call 3
	// (6) keeps 4; call 4 (3) is not cut. Later history carries the cut
	// replies: −3 from call 2 on, −26 more from call 3, −2 more on call 4.
	if got, want := inputs(calls), []int64{50, 70, 90, 106}; !eq(got, want) {
		t.Fatalf("inputs = %v, want %v", got, want)
	}
	tot := res.Strategies[0].Totals
	if tot.Truncated != 3 || tot.Output+tot.Reasoning != 4+4+4+3 || tot.Reasoning != 2 {
		t.Errorf("truncated %d, output %d + reasoning %d", tot.Truncated, tot.Output, tot.Reasoning)
	}
}

func TestBatchAndModel(t *testing.T) {
	res := runSmall(t, smallConversation(time.Time{}), "full", "batch", "model=test-cheap", "model=test-cheap+batch")
	// Batch halves every price of test-auto: 471 / 2.
	if got := res.Strategies[1].Totals.Cost; got != micro(235.5) {
		t.Errorf("batch = %d", got)
	}
	// test-cheap: 379 × 0.5 + 46 × 1 = 235.5; it has no batch discount.
	if got := res.Strategies[2].Totals.Cost; got != micro(235.5) {
		t.Errorf("model=test-cheap = %d", got)
	}
	if got := res.Strategies[3].Totals.Cost; got != micro(235.5) {
		t.Errorf("model=test-cheap+batch = %d (no batch multiplier on that row)", got)
	}
	if res.Strategies[2].Calls()[0].Model != "test-cheap" {
		t.Errorf("model not applied")
	}
}

func TestSummaryOnAnotherModel(t *testing.T) {
	res := runSmall(t, smallConversation(time.Time{}), "summary:trigger=40,keep=1,size=7,model=test-cheap")
	calls := res.Strategies[0].Calls()
	instr := mustTok(t).Count(strategy.SummaryInstruction)
	// Call 3's own cost at test-auto: 107 + 12; its summariser at
	// test-cheap: (instr+30) × 0.5 + 7 × 1.
	want := micro(107+12) + micro(float64(instr+30)*0.5+7)
	if calls[2].Cost != want {
		t.Errorf("call 3 cost = %d, want %d", calls[2].Cost, want)
	}
}

func mustTok(t *testing.T) *tokenize.Tokenizer {
	tok, err := tokenize.NewTokenizer(tokenize.O200kBase, 1, true)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestStrategiesReuseCounts(t *testing.T) {
	src := transcripts.Demo(transcripts.Options{RAG: transcripts.DefaultRAGRule()})
	conv := src.Conversations[0]
	// Count once to warm the cache, then count the texts a fresh run needs.
	tok := mustTok(t)
	before := tok.Encodes()
	if _, err := Run(src.Conversations, Options{}); err != nil {
		t.Fatal(err)
	}
	first := tok.Encodes() - before
	strategies, _ := strategy.ParseAll(nil)
	many := append(strategies, strategies...)
	before = tok.Encodes()
	if _, err := Run(src.Conversations, Options{Strategies: many}); err != nil {
		t.Fatal(err)
	}
	if again := tok.Encodes() - before; again != 0 {
		t.Errorf("a second run with 14 strategies tokenized %d texts; want 0 (first run: %d)", again, first)
	}
	if first > int64(3*len(conv.Messages)+40) {
		t.Errorf("first run tokenized %d texts for %d messages", first, len(conv.Messages))
	}
}

func TestUnknownModelInLogIsWarnedAndUnpriced(t *testing.T) {
	conv := smallConversation(time.Time{})
	conv.Model = "acme-llm-9"
	res := runSmall(t, conv, "full")
	tot := res.Strategies[0].Totals
	if tot.Unpriced != 4 || tot.Cost != 0 || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], `model "acme-llm-9" is not in the price table`) {
		t.Errorf("unpriced %d, cost %d, warnings %q", tot.Unpriced, tot.Cost, res.Warnings)
	}
	// Known model: no warning at all.
	if res := runSmall(t, smallConversation(time.Time{}), "full"); len(res.Warnings) != 0 {
		t.Errorf("warnings for a known model: %q", res.Warnings)
	}
}

// An estimated tokenizer is calibrated by reported usage, unless the log
// is known to omit content.
func TestCalibration(t *testing.T) {
	tab := testTable(t)
	row, _ := tab.Lookup("test-auto")
	est := *row
	est.ID, est.Exact, est.TokenFactor = "test-est", false, 1.0
	tab = tab.Merge(&price.Table{Models: []*price.Model{&est}}, "test")
	conv := smallConversation(time.Time{})
	conv.Model = "test-est"
	st, _ := strategy.ParseAll([]string{"full"})
	res, err := Run([]*transcripts.Conversation{conv}, Options{Prices: tab, Strategies: st})
	if err != nil {
		t.Fatal(err)
	}
	// Reported 379 over counted 343: ratio 1.105; unlogged shrinks.
	if c := res.Conversations[0].Calibration; c < 1.104 || c > 1.106 {
		t.Errorf("calibration %v", c)
	}
	conv.Unlogged = true
	res, _ = Run([]*transcripts.Conversation{conv}, Options{Prices: tab, Strategies: st})
	if c := res.Conversations[0].Calibration; c != 1 || res.Strategies[0].Totals.Parts.Unlogged != 36 {
		t.Errorf("unlogged log: calibration %v, unlogged %d", c, res.Strategies[0].Totals.Parts.Unlogged)
	}
}

func TestParseStrategyErrors(t *testing.T) {
	for spec, want := range map[string]string{
		"window:turnz=4":                  `strategy "window:turnz=4": turnz=4: unknown window key "turnz" (allowed: turns, tokens)`,
		"window:turns=x":                  "turns=x is not a whole number",
		"summary:trigger=10":              "summary needs trigger=T and size=S",
		"summary:trigger=1k,size=5,kep=2": `unknown summary key "kep" (allowed: trigger, keep, size, model)`,
		"cap":                             "cap needs a max_tokens value",
		"cache:ttl=2h":                    "ttl must be 5m or 1h",
		"cache+cache":                     `step "cache" given twice`,
		"full+cache":                      "full cannot be combined",
		"window:turns=2+window:tokens=5":  `step "window" given twice`,
		"turbo":                           `unknown step "turbo"`,
		"":                                "(empty)",
	} {
		_, err := strategy.Parse(spec)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("strategy.Parse(%q) = %v, want …%s…", spec, err, want)
		}
	}
	s, err := strategy.Parse("summary:trigger=12k,keep=4,size=600,model=gpt-5-mini+cache:ttl=1h+batch")
	if err != nil || s.Summary.Trigger != 12000 || s.Summary.Keep != 4 || s.Summary.Size != 600 || s.Summary.Model != "gpt-5-mini" || s.CacheTTL != time.Hour || !s.Batch {
		t.Errorf("parsed %+v, %v", s, err)
	}
}

func TestStrategyStringRoundTrip(t *testing.T) {
	for _, spec := range append(strategy.Defaults, "window:tokens=8000+cache:ttl=1h+batch", "summary:trigger=5000,keep=0,size=300,model=gpt-5-mini+cap:256+model=gpt-4.1", "window:turns=0") {
		s, err := strategy.Parse(spec)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.String(); got != spec {
			t.Errorf("String() = %q, want %q", got, spec)
		}
	}
}

// With --model on another family, reported usage keeps its own basis: it
// is priced at the logged model and does not calibrate the estimate.
func TestModelOverrideKeepsReportedBasis(t *testing.T) {
	src := transcripts.Demo(transcripts.Options{})
	base, err := Run(src.Conversations, Options{})
	if err != nil {
		t.Fatal(err)
	}
	over, err := Run(src.Conversations, Options{Model: "claude-sonnet-4-6"})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := base.Strategies[0].Totals.ReportedCost, over.Strategies[0].Totals.ReportedCost; a != b || a == 0 {
		t.Errorf("reported cost changed with --model: %s vs %s", a, b)
	}
	if c := over.Conversations[0].Calibration; c != 1 {
		t.Errorf("calibrated a Claude estimate on gpt-5 usage: ×%v", c)
	}
	// Sonnet's estimate is o200k × 1.10 of the same texts.
	if in, want := over.Strategies[0].Totals.Input, base.Strategies[0].Totals.Input; in < want*105/100 || in > want*115/100 {
		t.Errorf("sonnet input %d vs gpt-5 %d", in, want)
	}
	if over.Strategies[0].Totals.Parts.Unlogged != 0 {
		t.Errorf("unlogged %d on a fully logged demo", over.Strategies[0].Totals.Parts.Unlogged)
	}
}

// --model prices the bill of calls whose logged model has no price, so
// billed and simulated are priced alike, and says so. The small
// conversation's usage on test-auto ($1 in, $0.10 cached, $2 out per
// MTok): uncached 50+33+59+37 = 179 µ$, cached 200 × 0.1 = 20 µ$, output
// 7+30+6+3 = 46 × 2 = 92 µ$: 291 µ$.
func TestModelPricesUnpricedBill(t *testing.T) {
	conv := smallConversation(time.Time{})
	conv.Model = "acme-llm-9"
	strategies, _ := strategy.ParseAll([]string{"full"})
	res, err := Run([]*transcripts.Conversation{conv}, Options{Prices: testTable(t), Model: "test-auto", Strategies: strategies})
	if err != nil {
		t.Fatal(err)
	}
	tot := res.Strategies[0].Totals
	if tot.ReportedCost != 291_000_000 || tot.Unpriced != 0 {
		t.Errorf("billed %s (%d unpriced), want 291 µ$ priced as test-auto", tot.ReportedCost.Decimal(), tot.Unpriced)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], `model "acme-llm-9" has no price: its calls are billed as test-auto (--model)`) {
		t.Errorf("warnings %q", res.Warnings)
	}
}
