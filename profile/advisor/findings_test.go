package advisor

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/profile/strategy"
	"github.com/tokenscope/tokenscope/transcripts"
)

// weatherChat is two calls on gpt-4o ($2.50 in / $10 out per MTok, automatic
// caching from 1,024 tokens: none here) offering two tools that are never
// called. Token counts from the official tiktoken (o200k_base):
//
//	get_weather: 7 + "get_weather:Get the current weather for a city" 9 + 3 (properties)
//	             + 3 + "city:string:City name" 5 = 27
//	search:      7 + "search:Search the docs" 5 + 3 + 3 + "query:string:What to look for" 7 = 25
func weatherChat() *transcripts.Conversation {
	return &transcripts.Conversation{ID: "weather", Path: "weather.json", Model: "gpt-4o",
		Tools: []transcripts.Tool{
			{Name: "get_weather", Description: "Get the current weather for a city",
				Parameters: []byte(`{"type":"object","properties":{"city":{"type":"string","description":"City name"}}}`)},
			{Name: "search", Description: "Search the docs",
				Parameters: []byte(`{"type":"object","properties":{"query":{"type":"string","description":"What to look for"}}}`)},
		},
		Messages: []transcripts.Message{
			{Role: transcripts.RoleSystem, Content: "You are a helpful assistant."},
			{Role: transcripts.RoleUser, Content: "What is the weather in Paris?"},
			{Role: transcripts.RoleAssistant, Content: "It is sunny."},
			{Role: transcripts.RoleUser, Content: "And in Rome?"},
			{Role: transcripts.RoleAssistant, Content: "Also sunny."},
		}}
}

func TestFindingsDeadToolsAndMarginals(t *testing.T) {
	convs := []*transcripts.Conversation{weatherChat()}
	res := run(t, convs)
	fs, err := Findings(convs, res, FindingsOptions{PerDay: 100})
	if err != nil {
		t.Fatal(err)
	}
	check := func(kind, tool, prefix string, cost price.Money) {
		t.Helper()
		for _, f := range fs {
			if f.Kind == kind && f.Tool == tool && strings.HasPrefix(f.Text, prefix) {
				if f.Cost != cost {
					t.Errorf("%s %q: cost %s (%d p$), want %s (%d p$)", kind, f.Text, f.Cost, f.Cost, cost, cost)
				}
				if f.USD == nil || *f.USD != cost.USD() {
					t.Errorf("%s: usd %v, want %v", kind, f.USD, cost.USD())
				}
				return
			}
		}
		t.Errorf("no %s finding %s %q in %+v", kind, tool, prefix, fs)
	}
	const perTok = 2_500_000 // $2.50/MTok in pico-dollars a token
	// 27 schema tokens × 2 calls.
	check(FindingDeadTool, "get_weather", `unused tool "get_weather": 27 tokens on 2 calls, never called`, 27*2*perTok)
	// 25 schema tokens × 2 calls.
	check(FindingDeadTool, "search", `unused tool "search": 25 tokens on 2 calls, never called`, 25*2*perTok)
	// 100 tokens × 2 calls, whatever the padding's join with the prompt
	// made of it.
	check(FindingMarginal, "", "100 tokens of system prompt", 100*2*perTok)
	// A copy of the median tool by schema tokens (get_weather, 27; of
	// [25, 27] the upper one) on both calls.
	check(FindingMarginal, "", "one more tool schema (27 tokens a call)", 27*2*perTok)
	// 200 + 200 tokens of text plus framing 2 × (3 + 1 for the role).
	check(FindingMarginal, "", "one more exchange of history (408 tokens a call)", 408*2*perTok)
	// Dead tools first, biggest first; a projection at 100 a day.
	if fs[0].Tool != "get_weather" || fs[1].Tool != "search" {
		t.Errorf("order: %q, %q", fs[0].Text, fs[1].Text)
	}
	// $0.000135 × 100 a day × 30 days.
	if fs[0].MonthlyUSD == nil || *fs[0].MonthlyUSD != 0.405 {
		t.Errorf("monthly %v, want $0.405", fs[0].MonthlyUSD)
	}
}

func TestBasisSpec(t *testing.T) {
	c := weatherChat()
	if got := BasisSpec([]*transcripts.Conversation{c}); got != "full" {
		t.Errorf("no usage: %q, want full", got)
	}
	c.Messages[2].Usage = &transcripts.Usage{InputTokens: 2000, CachedInputTokens: 1024, OutputTokens: 4}
	if got := BasisSpec([]*transcripts.Conversation{c}); got != "cache" {
		t.Errorf("cache reads reported: %q, want cache", got)
	}
}

// breakerLog is a request/response log of three calls on gpt-4o whose
// system prompt ends with the time, so each request's prefix differs from
// the one before: the most common silent cost in real apps.
func breakerLog(t *testing.T, tools [][]string) []*transcripts.Conversation {
	t.Helper()
	pad := strings.TrimSpace(strings.Repeat("x ", 1500))
	turns := [][2]string{{"Hi", "Hello!"}, {"Bye", "Bye!"}, {"Thanks", "You are welcome."}}
	var b strings.Builder
	var history []map[string]any
	for i, turn := range turns {
		history = append(history, map[string]any{"role": "user", "content": turn[0]})
		msgs := append([]map[string]any{{"role": "system", "content": fmt.Sprintf("%s\nThe time is 12:00:%02d.", pad, i+1)}}, history...)
		req := map[string]any{"model": "gpt-4o", "messages": msgs}
		if tools != nil {
			var ts []map[string]any
			for _, name := range tools[i] {
				ts = append(ts, map[string]any{"type": "function", "function": map[string]any{"name": name, "description": "Tool " + name}})
			}
			req["tools"] = ts
			msgs[0]["content"] = pad // only the tools change
		}
		resp := map[string]any{"model": "gpt-4o", "choices": []map[string]any{{"message": map[string]any{"role": "assistant", "content": turn[1]}}}}
		line, _ := json.Marshal(map[string]any{"request": req, "response": resp})
		b.Write(append(line, '\n'))
		history = append(history, map[string]any{"role": "assistant", "content": turn[1]})
	}
	src, err := transcripts.Read(strings.NewReader(b.String()), "log.jsonl", transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(src.Conversations) != 1 || src.Conversations[0].Calls() != 3 {
		t.Fatalf("%d conversations", len(src.Conversations))
	}
	return src.Conversations
}

// Tokens by the official tiktoken (o200k_base): the system prompt is 1,511
// ("x x … x" 1,500 and "\nThe time is 12:00:0N." 11), framing 4 a message,
// priming 3. Call 1 sends 1,515 + "Hi" 5 + 3 = 1,523; call 2 adds "Hello!"
// 6 and "Bye" 5: 1,534. Each call re-sends uncached what the previous one
// sent, at gpt-4o's $2.50 instead of the $1.25 cached rate: 1,523 × $1.25/M
// = $0.00190375 and 1,534 × $1.25/M = $0.0019175, $0.00382125 together.
func TestFindingsCacheBreakerSystem(t *testing.T) {
	convs := breakerLog(t, nil)
	got := findingsOf(t, convs, FindingCacheBreaker)
	if len(got) != 1 || got[0].Call != 2 || got[0].Cost != 3_821_250_000 {
		t.Fatalf("breakers %+v, want one at call 2 costing $0.00382125", got)
	}
	if want := `system prompt changed on 2 calls from call 2 ("…e is 12:00:01." → "…e is 12:00:02."): 3,057 tokens re-sent uncached: $0.003821`; got[0].Text != want {
		t.Errorf("text %q\nwant %q", got[0].Text, want)
	}
}

// A reordered tool list breaks the prefix from the tools on: everything the
// previous call sent is re-sent uncached.
func TestFindingsCacheBreakerTools(t *testing.T) {
	convs := breakerLog(t, [][]string{{"a", "b"}, {"b", "a"}, {"b", "a"}})
	c := convs[0]
	if pc := c.Messages[len(c.Messages)-3].PrefixChange; pc == nil || pc.Part != "tools" || pc.Was != "a" || pc.Now != "b" {
		t.Fatalf("call 2's prefix change %+v", pc)
	}
	if pc := c.Messages[len(c.Messages)-1].PrefixChange; pc != nil {
		t.Fatalf("call 3 sent the tools as call 2 did, yet %+v", pc)
	}
	got := findingsOf(t, convs, FindingCacheBreaker)
	res := run(t, convs)
	// Call 1's whole input, tool schemas included, at $1.25/M more.
	first := res.Strategies[0].Conversations[0].Calls[0].Input.Total()
	if len(got) != 1 || got[0].Call != 2 || got[0].Cost != price.Money(first*1_250_000) || !strings.Contains(got[0].Text, `tool schemas changed ("a" → "b")`) {
		t.Fatalf("breakers %+v, want one at call 2 costing %d tokens × $1.25/M", got, first)
	}
}

// findingsOf profiles convs with the default strategies and returns the
// findings of one kind.
func findingsOf(t *testing.T, convs []*transcripts.Conversation, kind string) []Finding {
	t.Helper()
	res := run(t, convs)
	fs, err := Findings(convs, res, FindingsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []Finding
	for _, f := range fs {
		if f.Kind == kind {
			got = append(got, f)
		}
	}
	return got
}

// TestRecountWhileFinding runs, on one prepared log, a strategy priced on
// a model of another encoding (its counts made from the kept text) while
// the findings of an earlier run read the same counts, as the TUI does
// when a knob is pressed while the advisor works: go test -race checks
// them, and the results must be those of the same work done in turn.
func TestRecountWhileFinding(t *testing.T) {
	src, err := transcripts.Open("../../transcripts/testdata/real/claude_code", transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	base, _ := strategy.ParseAll([]string{"full", "cache"})
	other, _ := strategy.ParseAll([]string{"full", "model=gpt-4+cache"})
	// run prepares the log, runs base on it, then finds its findings
	// (on this goroutine when apart is false) and runs other.
	run := func(apart bool) ([]Finding, price.Money) {
		p, err := profile.Prepare(src.Conversations, profile.Options{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := p.Run(base)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan []Finding, 1)
		find := func() {
			fs, err := Findings(nil, res, FindingsOptions{})
			if err != nil {
				t.Error(err)
			}
			done <- fs
		}
		if apart {
			go find()
		} else {
			find()
		}
		r2, err := p.Run(other)
		if err != nil {
			t.Fatal(err)
		}
		return <-done, r2.Strategies[1].Totals.Cost
	}
	wantFs, wantCost := run(false)
	fs, cost := run(true)
	if cost != wantCost {
		t.Errorf("model=gpt-4+cache costs %s beside the findings, %s alone", cost, wantCost)
	}
	if len(fs) != len(wantFs) {
		t.Fatalf("%d findings beside the recount, %d alone", len(fs), len(wantFs))
	}
	for i := range fs {
		if fs[i].Text != wantFs[i].Text {
			t.Errorf("finding %d: %q beside the recount, %q alone", i, fs[i].Text, wantFs[i].Text)
		}
	}
}
