package profile

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tokenscope/tokenscope/profile/strategy"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/profile/tokenize"
	"github.com/tokenscope/tokenscope/transcripts"
)

// agentConversation is the hand-worked agent session of the context-step
// tests: one user prompt, four tool rounds, a final answer; no usage, so
// nothing is unlogged. Tokens (o200k, checked with the official tiktoken
// 1.0.22): a tool call "a"/"b" with arguments "a a" is 1 + 2 = 3; every
// role is 1 token, so framing is 4 a message; replies are primed with 3.
//
//	msg  role       content  sent (content + 4)
//	0    system     40       44
//	1    user       6        10
//	2    assistant  call a   7     call 1
//	3    tool a     40       44
//	4    assistant  call b   7     call 2
//	5    tool b     50       54
//	6    assistant  call a   7     call 3
//	7    tool a     30       34
//	8    assistant  call a   7     call 4
//	9    tool a     20       24
//	10   assistant  5        9     call 5
//
// A call's full input is 44 + 3 + the messages 1…a−1: 57, 108, 169, 210,
// 241 (785 in all); outputs 3, 3, 3, 3, 5 (17). Units (where history may
// be cut) start at 1 (the prompt) and 2, 4, 6, 8 (tool rounds). Priced on
// test-explicit: $1/MTok in, $2 out, $0.10 cached read, $1.25 write,
// explicit caching from 50 tokens: full costs 785 + 34 = 819 µ$.
func agentConversation() *transcripts.Conversation {
	call := func(id, name string) transcripts.Message {
		return transcripts.Message{Role: "assistant", ToolCalls: []transcripts.ToolCall{{ID: id, Name: name, Arguments: "a a"}}}
	}
	result := func(id, name string, n int) transcripts.Message {
		return transcripts.Message{Role: "tool", Name: name, ToolCallID: id, Content: as(n)}
	}
	return &transcripts.Conversation{ID: "agent", Path: "agent.jsonl", Format: "native", Model: "test-explicit",
		Messages: []transcripts.Message{
			{Role: "system", Content: as(40)},
			{Role: "user", Content: as(6)},
			call("t1", "a"), result("t1", "a", 40),
			call("t2", "b"), result("t2", "b", 50),
			call("t3", "a"), result("t3", "a", 30),
			call("t4", "a"), result("t4", "a", 20),
			{Role: "assistant", Content: as(5)},
		}}
}

func TestAgentFull(t *testing.T) {
	res := runSmall(t, agentConversation(), "full")
	s := res.Strategies[0]
	if got, want := inputs(s.Calls()), []int64{57, 108, 169, 210, 241}; !eq(got, want) {
		t.Fatalf("inputs = %v, want %v", got, want)
	}
	if s.Totals.Cost != micro(819) {
		t.Errorf("cost = %s, want 819 µ$", s.Totals.Cost)
	}
}

// The placeholder is 8 tokens (official tiktoken). clear:trigger=150,keep=1
// (no cache): call 3 (169) clears the first result, 40 → 8 (107… → 137);
// call 4 (210) clears results 1 and 2, 90 → 16 (136); call 5 (241) clears
// 1–3, 120 → 24 (145). Inputs 57 + 108 + 137 + 136 + 145 = 583, cost
// 583 + 34 = 617 µ$, peak 145 instead of 241.
//
// With cache (explicit, 50-token minimum, granularity 1), spans are
// system 44 · messages from 1 · the cleared range · messages after it:
//
//	call 1: nothing before: write 57                  57×1.25 + 6        = 77.25
//	call 2: shares 44 + 10: read 54, write 54         5.4 + 67.5 + 6     = 78.9
//	call 3: clears from message 3: shares 44 + 17     6.1 + 76×1.25 + 6  = 107.1
//	        (the prompt and the first call), read 61, write 76
//	call 4: cleared range grows: shares 44 + 17 + 12  7.3 + 63×1.25 + 6  = 92.05
//	        (the range as call 3 cleared it), read 73, write 63
//	call 5: shares 44 + 17 + 31, read 92, write 53    9.2 + 66.25 + 10   = 85.45
//
// 440.75 µ$ in all, more than cache alone (403.45 µ$: it reads 0, 54,
// 105, 166, 207): each clearing invalidates the cache from where it cuts.
func TestClear(t *testing.T) {
	res := runSmall(t, agentConversation(), "clear:trigger=150,keep=1", "clear:trigger=150,keep=1+cache", "cache")
	plain, withCache, cacheOnly := res.Strategies[0], res.Strategies[1], res.Strategies[2]
	if got, want := inputs(plain.Calls()), []int64{57, 108, 137, 136, 145}; !eq(got, want) {
		t.Errorf("inputs = %v, want %v", got, want)
	}
	if plain.Totals.Cost != micro(617) || plain.Totals.PeakInput != 145 || plain.Totals.Cleared != 32+74+96 {
		t.Errorf("cost %s peak %d cleared %d, want 617 µ$, 145, 202", plain.Totals.Cost, plain.Totals.PeakInput, plain.Totals.Cleared)
	}
	if got, want := cached(withCache.Calls()), []int64{0, 54, 61, 73, 92}; !eq(got, want) {
		t.Errorf("clear+cache cached = %v, want %v", got, want)
	}
	if writes, want := cacheWrites(withCache.Calls()), []int64{57, 54, 76, 63, 53}; !eq(writes, want) {
		t.Errorf("clear+cache writes = %v, want %v", writes, want)
	}
	if withCache.Totals.Cost != micro(440.75) {
		t.Errorf("clear+cache cost = %s, want 440.75 µ$", withCache.Totals.Cost)
	}
	if got, want := cached(cacheOnly.Calls()), []int64{0, 54, 105, 166, 207}; !eq(got, want) || cacheOnly.Totals.Cost != micro(403.45) {
		t.Errorf("cache cached = %v cost %s, want %v, 403.45 µ$", got, cacheOnly.Totals.Cost, want)
	}
}

// exclude=a keeps every result of tool a: only b's (50 → 8) can go, from
// call 4 on (call 3 keeps the last use, which is b's): 57, 108, 169,
// 210 − 42, 241 − 42. at_least=100 never clears (at most 96 a call);
// inputs also replaces each cleared call's 2 argument tokens by the
// placeholder, so it clears 6 tokens less a use than it would with results
// alone: 137 + 6, 136 + 12, 145 + 18.
func TestClearOptions(t *testing.T) {
	res := runSmall(t, agentConversation(), "clear:trigger=150,keep=1,exclude=a", "clear:trigger=150,keep=1,at_least=100", "clear:trigger=150,keep=1,inputs")
	for i, want := range [][]int64{
		{57, 108, 169, 168, 199},
		{57, 108, 169, 210, 241},
		{57, 108, 143, 148, 163},
	} {
		if got := inputs(res.Strategies[i].Calls()); !eq(got, want) {
			t.Errorf("%s: inputs = %v, want %v", res.Strategies[i].Strategy.Spec, got, want)
		}
	}
	if n := res.Strategies[1].Note; n != "clear: a clearing would free at most 96 tokens, under at_least 100" {
		t.Errorf("at_least note = %q", n)
	}
}

// compact:trigger=150,size=10: call 3 (169) compacts messages 1–3 (61
// tokens) into 10: the summariser reads the instruction (49 tokens) + 4 +
// 3 + 61 = 117 and writes 10; the call sends 44 + 10 + 4 + 61 (its tool
// round) + 3 = 122. Call 4 would send 44 + 14 + 102 + 3 = 163: it compacts
// again, the old summary (14) and messages 4–5 (61): 49 + 7 + 61 + 14 =
// 131 in, and sends 44 + 14 + 41 + 3 = 102. Call 5 sends 44 + 14 + 72 + 3
// = 133. Inputs 522, outputs 34, summariser 248 in + 20 out (40): 844 µ$.
// With cache the compacted call writes its whole input: the prefix after
// the summary is new.
func TestCompact(t *testing.T) {
	res := runSmall(t, agentConversation(), "compact:trigger=150,size=10", "compact:trigger=150,size=10+cache")
	s := res.Strategies[0]
	if got, want := inputs(s.Calls()), []int64{57, 108, 122, 102, 133}; !eq(got, want) {
		t.Errorf("inputs = %v, want %v", got, want)
	}
	if s.Totals.SummaryInput != 248 || s.Totals.SummaryOutput != 20 || s.Totals.Cost != micro(844) || s.Totals.PeakInput != 133 {
		t.Errorf("summary %d/%d cost %s peak %d, want 248/20, 844 µ$, 133", s.Totals.SummaryInput, s.Totals.SummaryOutput, s.Totals.Cost, s.Totals.PeakInput)
	}
	c3 := res.Strategies[1].Calls()[2]
	if c3.Cached != 0 || c3.CacheWrite != 122 || !c3.Summarised {
		t.Errorf("compact+cache call 3: cached %d written %d summarised %v, want 0, 122, true", c3.Cached, c3.CacheWrite, c3.Summarised)
	}
	// 50% of test-explicit's 1,000-token window is 500: never reached.
	res = runSmall(t, agentConversation(), "compact:trigger=50%,size=10")
	if got := res.Strategies[0].Note; got != "compact: input never passes trigger 50% of the window (peak 241)" {
		t.Errorf("note = %q", got)
	}
}

// window:tokens=60 cuts in units: call 3 keeps its tool round (51) but not
// the prompt too (61 > 60): 47 + 51 + 61 = 159; call 4 keeps only its
// round (the one before is 61): 47 + 41 = 88; call 5 keeps two rounds (41
// + 31 = 72): 119. Inputs 57 + 108 + 159 + 88 + 119 = 531, cost 565 µ$.
// window:turns=1 cuts at user prompts only: with one prompt it keeps all.
func TestWindowTokensUnits(t *testing.T) {
	res := runSmall(t, agentConversation(), "window:tokens=60", "window:turns=1")
	if got, want := inputs(res.Strategies[0].Calls()), []int64{57, 108, 159, 88, 119}; !eq(got, want) {
		t.Errorf("inputs = %v, want %v", got, want)
	}
	if c := res.Strategies[0].Totals.Cost; c != micro(565) {
		t.Errorf("cost = %s, want 565 µ$", c)
	}
	if got, want := inputs(res.Strategies[1].Calls()), []int64{57, 108, 169, 210, 241}; !eq(got, want) {
		t.Errorf("window:turns=1 inputs = %v, want %v", got, want)
	}
	if n := res.Strategies[1].Note; n != "window: 1 user prompt: every call is in the current exchange; try window:tokens or clear" {
		t.Errorf("note = %q", n)
	}
}

// Steps compose in the order written: window:turns=2 keeps exchanges 1–2
// back, then the summary (trigger 30, keep 1, size 7) works on what the
// window sent. On the small conversation (see smallConversation): call 3's
// history from message 1 is 55 > 30: messages 1–2 (23 sent) become a
// summary; the summariser reads 49 + 7 + 23 = 79. Call 3 sends 9 + 24 + 3
// + 11 + 60 = 107. Call 4's window starts at 3: history 10 + 30 + 8 + 6
// + 7 = 61 > 30: messages 3–4 (48) and the old summary (11) are summarised
// (49 + 7 + 48 + 11 = 115 in); it sends 9 + 24 + 3 + 11 + 30 = 77.
func TestWindowThenSummary(t *testing.T) {
	res := runSmall(t, smallConversation(time.Time{}), "window:turns=2+summary:trigger=30,keep=1,size=7")
	s := res.Strategies[0]
	if got, want := inputs(s.Calls()), []int64{50, 73, 107, 77}; !eq(got, want) {
		t.Errorf("inputs = %v, want %v", got, want)
	}
	if s.Totals.SummaryInput != 79+115 || s.Totals.SummaryOutput != 14 {
		t.Errorf("summariser %d in, %d out; want 194, 14", s.Totals.SummaryInput, s.Totals.SummaryOutput)
	}
	if got := s.Strategy.String(); got != "window:turns=2+summary:trigger=30,keep=1,size=7" {
		t.Errorf("String() = %q", got)
	}
}

func TestParseContextSteps(t *testing.T) {
	for spec, want := range map[string]string{
		"clear":                                    "clear:trigger=100000,keep=3",
		"clear:inputs,keep=2,exclude=Read|Grep":    "clear:trigger=100000,keep=2,exclude=Read|Grep,inputs",
		"cache+clear:trigger=30k,at_least=5k":      "clear:trigger=30000,keep=3,at_least=5000+cache",
		"compact:trigger=80%,size=2k,model=test-x": "compact:trigger=80%,size=2000,model=test-x",
	} {
		s, err := strategy.Parse(spec)
		if err != nil {
			t.Errorf("%s: %v", spec, err)
			continue
		}
		if got := s.String(); got != want {
			t.Errorf("strategy.Parse(%q).String() = %q, want %q", spec, got, want)
		}
	}
	for spec, want := range map[string]string{
		"clear:keep=x":                                      "keep must be a whole number of tool uses",
		"clear:trigger=1k,flush=1":                          `unknown clear key "flush"`,
		"compact:trigger=150%,size=1":                       "percentage 1–100%",
		"compact:size=10":                                   "compact needs trigger",
		"summary:trigger=1,size=1+compact:trigger=1,size=1": "summary and compact cannot be combined",
	} {
		if _, err := strategy.Parse(spec); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("strategy.Parse(%q) = %v, want …%s…", spec, err, want)
		}
	}
}

// A step that changes nothing says why in the strategy's note (report's
// TestNoteInEveryFormat checks it reaches every format).
func TestNoteInReports(t *testing.T) {
	res := runSmall(t, agentConversation(), "full", "clear:trigger=1000,keep=1")
	want := "input never passes trigger 1,000 (peak 241)"
	if got := res.Strategies[1].Note; got != "clear: "+want {
		t.Errorf("note = %q, want %q", got, want)
	}
	if res.Strategies[0].Note != "" {
		t.Errorf("full has a note: %q", res.Strategies[0].Note)
	}
}

// The default set follows the log: the demo (a support chat) keeps SPEC's
// set; a real Claude Code session (testdata/real, 8 calls, 7 answering
// tool results in one exchange, peak reported input 61,411) gets
// strategies that bite, triggers from its peak: a quarter 15,352 → 15,000,
// half 30,705 → 30,000, three quarters 46,058 → 46,000.
func TestDefaultStrategiesFor(t *testing.T) {
	demo := transcripts.Demo(transcripts.Options{})
	if got := strategy.DefaultsFor(demo.Conversations); strings.Join(got, " ") != strings.Join(strategy.Defaults, " ") {
		t.Errorf("demo: %v", got)
	}
	src, err := transcripts.Open("../transcripts/testdata/real/claude_code/spotter/8463c716-a2ea-4c14-9efa-87158ebd9f20.jsonl", transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"full", "cache", "window:tokens=15000+cache", "clear:trigger=30000,keep=3+cache",
		"compact:trigger=46000,size=2000+cache", "cap:512", "batch"}
	if got := strategy.DefaultsFor(src.Conversations); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("claude code: %v, want %v", got, want)
	}
}

// thinkingConversation has three exchanges whose replies show thinking
// (20, 30, 10 tokens), priced on a model that keeps earlier turns'
// thinking (its id reads as Opus 4.6; prices as test-explicit, caching
// from 10 tokens). Sent: system 14, each user 10, each reply 4 + 4.
//
//	full: call 1 14 + 10 + 3 = 27; call 2 adds reply 8 + thinking 20 +
//	user 10: 65; call 3 adds 8 + 30 + 10: 113.
//	clear-thinking:keep=1 keeps the thinking of the exchange in progress
//	only: 27, 65 − 20 = 45, 113 − 50 = 63 (cleared 20 + 50).
//
// With cache: full+cache reads 14 + 10 = 24 on call 2 and 14 + 48 = 62 on
// call 3. With clear-thinking the cleared reply differs from what call 2
// sent only after it, so call 3 still reads 14 + 28 (user, reply without
// thinking, user) = 42; call 2 reads 24.
func TestClearThinking(t *testing.T) {
	tab, err := price.ParseYAML([]byte(`
date: "2026-01-01"
models:
- {id: claude-opus-4-6-test, provider: anthropic, input: 1, output: 2, cached_input: 0.10,
   cache_write_5m: 1.25, cache_write_1h: 2, context_window: 1000, max_output: 1000,
   encoding: o200k_base, exact: true, caching: {mode: explicit, min_prefix: 10, granularity: 1}}
`), "test")
	if err != nil {
		t.Fatal(err)
	}
	reply := func(thinking int) transcripts.Message {
		return transcripts.Message{Role: "assistant", Content: as(4), Reasoning: as(thinking)}
	}
	conv := &transcripts.Conversation{ID: "think", Model: "claude-opus-4-6-test", Messages: []transcripts.Message{
		{Role: "system", Content: as(10)},
		{Role: "user", Content: as(6)}, reply(20),
		{Role: "user", Content: as(6)}, reply(30),
		{Role: "user", Content: as(6)}, reply(10),
	}}
	st, err := strategy.ParseAll([]string{"full", "clear-thinking:keep=1", "cache", "clear-thinking:keep=1+cache", "clear-thinking:keep=3"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run([]*transcripts.Conversation{conv}, Options{Prices: tab, Strategies: st})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range [][]int64{{27, 65, 113}, {27, 45, 63}} {
		if got := inputs(res.Strategies[i].Calls()); !eq(got, want) {
			t.Errorf("%s: inputs %v, want %v", res.Strategies[i].Strategy.Spec, got, want)
		}
	}
	if c := res.Strategies[1].Totals.Cleared; c != 70 {
		t.Errorf("cleared %d, want 70", c)
	}
	if got, want := cached(res.Strategies[2].Calls()), []int64{0, 24, 62}; !eq(got, want) {
		t.Errorf("cache: cached %v, want %v", got, want)
	}
	if got, want := cached(res.Strategies[3].Calls()), []int64{0, 24, 42}; !eq(got, want) {
		t.Errorf("clear-thinking+cache: cached %v, want %v", got, want)
	}
	if n := res.Strategies[4].Note; !strings.Contains(n, "no call carries thinking older than the last 3 turns") {
		t.Errorf("keep=3 note %q", n)
	}
}

// Issue 10's done-when: on a real Claude Code session with calls above
// 60k input (testdata/real, 8463c716: peak 61k), window:tokens=30000,
// clear:trigger=30000 and compact:trigger=50000,size=2000 each lower the
// cost and the peak input.
func TestContextStepsBiteOnClaudeCode(t *testing.T) {
	res := runReal(t, realTree+"/8463c716-a2ea-4c14-9efa-87158ebd9f20.jsonl",
		"full", "window:tokens=30000", "clear:trigger=30000", "compact:trigger=50000,size=2000")
	full := res.Strategies[0].Totals
	if full.PeakInput <= 60000 {
		t.Fatalf("peak input %d: not the session the test is about", full.PeakInput)
	}
	for _, s := range res.Strategies[1:] {
		if s.Totals.Cost >= full.Cost || s.Totals.PeakInput >= full.PeakInput || s.Note != "" {
			t.Errorf("%s: cost %s peak %d (full %s, %d), note %q", s.Strategy.Spec, s.Totals.Cost, s.Totals.PeakInput, full.Cost, full.PeakInput, s.Note)
		}
	}
}

// summary cuts in tool rounds inside one long exchange, as window:tokens
// does: the agent session has one user prompt, so keep=1 exchange would
// keep everything. summary:trigger=100,keep=1,size=10 (see
// agentConversation; history counts content only): call 4's history is
// 6+3+40+3+50+3 = 105 > 100, so everything before the last unit but one
// (tool round 4–5) is summarised: messages 1–3, sent as 10 + 7 + 44 = 61;
// the summariser reads its instruction + 3 + 1 + 3 (framing, priming) +
// 61. Call 4 sends 44 + (10 + 4) + 7 + 54 + 7 + 34 + 3 = 163; call 5's
// history from message 4 is 3+50+3+30+3 = 89, + the summary's 10 = 99,
// not past 100: it sends 163 − 3 + 7 + 24 + 3 = 194.
func TestSummaryToolRounds(t *testing.T) {
	res := runSmall(t, agentConversation(), "summary:trigger=100,keep=1,size=10")
	s := res.Strategies[0]
	if got, want := inputs(s.Calls()), []int64{57, 108, 169, 163, 194}; !eq(got, want) {
		t.Errorf("inputs = %v, want %v", got, want)
	}
	tok, _ := tokenize.NewTokenizer(tokenize.O200kBase, 1, true)
	if in := tok.Count(strategy.SummaryInstruction) + 7 + 61; s.Totals.SummaryInput != in || s.Totals.SummaryOutput != 10 {
		t.Errorf("summariser %d in, %d out; want %d, 10", s.Totals.SummaryInput, s.Totals.SummaryOutput, in)
	}
}

// A strategy's needs are what its kinds declare: the response cache keeps
// the text, a model= step has its model's encoding counted.
func TestStrategyNeeds(t *testing.T) {
	for _, tc := range []struct {
		spec   string
		text   bool
		models []string
	}{
		{"full", false, nil},
		{"window:turns=8+cache", false, nil},
		{"respcache", true, nil},
		{"model=claude-haiku-4-5+respcache+cache", true, []string{"claude-haiku-4-5"}},
	} {
		s, err := strategy.Parse(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		if n := s.Needs(); n.Text != tc.text || !slices.Equal(n.Models, tc.models) {
			t.Errorf("%s: needs %+v", tc.spec, n)
		}
	}
}
