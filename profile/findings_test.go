package profile

import (
	"strings"
	"testing"

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
	res, err := Run(convs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := Findings(convs, res, FindingsOptions{PerDay: 100})
	if err != nil {
		t.Fatal(err)
	}
	check := func(kind, tool, prefix string, cost Money) {
		t.Helper()
		for _, f := range fs {
			if f.Kind == kind && f.Tool == tool && strings.HasPrefix(f.Text, prefix) {
				if f.Cost != cost {
					t.Errorf("%s %q: cost %s (%d p$), want %s (%d p$)", kind, f.Text, f.Cost, f.Cost, cost, cost)
				}
				if f.USD != cost.USD() {
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
