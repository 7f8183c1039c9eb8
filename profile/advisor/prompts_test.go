package advisor

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/profile/tokenize"
	"github.com/tokenscope/tokenscope/transcripts"
)

// promptLog writes Chat Completions pairs for gpt-4o of one chat whose
// call k sends systems[k] and the tools named tools[k] (user messages
// Pad(10), replies Pad(5)), and reads them back.
func promptLog(t *testing.T, systems []string, tools [][]transcripts.Tool) []*transcripts.Conversation {
	t.Helper()
	var b strings.Builder
	var history []map[string]any
	for k, sys := range systems {
		history = append(history, map[string]any{"role": "user", "content": tokenize.Pad(10)})
		req := map[string]any{"model": "gpt-4o", "messages": append([]map[string]any{{"role": "system", "content": sys}}, history...)}
		if tools != nil {
			var ts []map[string]any
			for _, tool := range tools[k] {
				ts = append(ts, map[string]any{"type": "function", "function": map[string]any{"name": tool.Name, "description": tool.Description, "parameters": json.RawMessage(tool.Parameters)}})
			}
			req["tools"] = ts
		}
		resp := map[string]any{"model": "gpt-4o", "choices": []map[string]any{{"message": map[string]any{"role": "assistant", "content": tokenize.Pad(5)}}}}
		line, _ := json.Marshal(map[string]any{"request": req, "response": resp})
		b.Write(append(line, '\n'))
		history = append(history, map[string]any{"role": "assistant", "content": tokenize.Pad(5)})
	}
	src, err := transcripts.Read(strings.NewReader(b.String()), "log.jsonl", transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return src.Conversations
}

// The cache-breaker finding names the call where the prompt changed
// (profile's TestPromptSystemChangesAtCall4 and TestPromptToolsGrowAtCall3
// work the calls out). A system prompt of 1,500 tokens gains the time from
// call 4 (12:00:04 on calls 4 and 5, 12:00:06 on call 6): calls 4 and 6
// re-send what calls 3 and 5 sent, 1,567 + 1,624 = 3,191 tokens, at $2.50/M
// instead of $1.25/M: $0.00398875. A tool list that grows at call 3
// re-sends call 2's 1,579 tokens: $0.00197375.
func TestBreakerAtPromptChange(t *testing.T) {
	pad := tokenize.Pad(1500)
	var systems []string
	for call := 1; call <= 6; call++ {
		sys := pad
		if call >= 4 {
			sys = fmt.Sprintf("%s\nThe time is 12:00:%02d.", pad, 4+2*(call/6))
		}
		systems = append(systems, sys)
	}
	got := findingsOf(t, promptLog(t, systems, nil), FindingCacheBreaker)
	if len(got) != 1 || got[0].Call != 4 || got[0].Cost != price.Money(3_988_750_000) {
		t.Fatalf("breakers %+v, want one from call 4 costing $0.00398875", got)
	}
	if want := `system prompt changed on 2 calls from call 4 ("… x x x x x x" → "… x x x x x x\nThe time is 12:…"): 3,191 tokens re-sent uncached: $0.003989`; got[0].Text != want {
		t.Errorf("text %q\nwant %q", got[0].Text, want)
	}

	weather := transcripts.Tool{Name: "get_weather", Description: "Get the weather.",
		Parameters: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string","description":"City name."}}}`)}
	clock := transcripts.Tool{Name: "get_time", Description: "Get the time."}
	one, two := []transcripts.Tool{weather}, []transcripts.Tool{weather, clock}
	got = findingsOf(t, promptLog(t, []string{pad, pad, pad, pad, pad}, [][]transcripts.Tool{one, one, two, two, two}), FindingCacheBreaker)
	if len(got) != 1 || got[0].Call != 3 || got[0].Cost != price.Money(1_973_750_000) ||
		got[0].Text != `call 3: tool schemas changed ("1 tool" → "2 tools"): 1,579 tokens re-sent uncached: $0.001974` {
		t.Fatalf("breakers %+v, want call 3's", got)
	}
}

// The unused-tool finding reads each call's own tool list. get_weather
// (35 tokens alone, with the 12 closing tokens) is sent on calls 1–5;
// get_time is added at call 3 (the list grows to 47 tokens: get_time
// alone would be 24) and sent on calls 3–5; neither is called. The log
// reports no usage, so the basis is full, on gpt-4o at $2.50/M input:
//
//   - without get_time, calls 3–5 send 12 tokens fewer: 36 tokens,
//     $0.00009, "12 tokens on 3 calls";
//   - without get_weather, calls 1–2 send no tool list (35 fewer) and
//     calls 3–5 get_time alone (23 fewer): 70 + 69 = 139 tokens,
//     $0.0003475, 139 / 5 = 27 tokens a call.
//
// Counted with the first request's tools, get_time was never checked.
// On the cache basis (cache:served=ideal, automatic caching from 1,024
// tokens in 128-token steps) dropping get_time also mends the break at
// call 3 (profile's TestPromptToolsGrowAtCall3): the calls send 1,556,
// 1,579, 1,614, 1,637 and 1,660 tokens, 4,608 of them cached (0, 1,536,
// 0, 1,536, 1,536); without it 1,556, 1,579, 1,602, 1,625 and 1,648,
// 6,144 cached (call 3 reads 1,536 too). Input cost 3,438 × $2.50/M +
// 4,608 × $1.25/M = $0.014355 against 1,866 × $2.50/M + 6,144 × $1.25/M
// = $0.012345: $0.00201.
func TestDeadToolPerCall(t *testing.T) {
	weather := transcripts.Tool{Name: "get_weather", Description: "Get the weather.",
		Parameters: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string","description":"City name."}}}`)}
	clock := transcripts.Tool{Name: "get_time", Description: "Get the time."}
	one, two := []transcripts.Tool{weather}, []transcripts.Tool{weather, clock}
	pad := tokenize.Pad(1500)
	convs := promptLog(t, []string{pad, pad, pad, pad, pad}, [][]transcripts.Tool{one, one, two, two, two})
	got := findingsOf(t, convs, FindingDeadTool)
	type want struct {
		tool string
		cost price.Money
		text string
	}
	wants := []want{
		{"get_weather", price.Money(347_500_000), `unused tool "get_weather": 27 tokens on 5 calls, never called: $0.000348`},
		{"get_time", price.Money(90_000_000), `unused tool "get_time": 12 tokens on 3 calls, never called: $0.00009`},
	}
	if len(got) != len(wants) {
		t.Fatalf("dead tools %+v, want get_weather and get_time", got)
	}
	for i, w := range wants {
		if got[i].Tool != w.tool || got[i].Cost != w.cost || got[i].Text != w.text {
			t.Errorf("dead tool %d: %s %d %q\nwant %s %d %q", i, got[i].Tool, got[i].Cost, got[i].Text, w.tool, w.cost, w.text)
		}
	}

	res := run(t, convs)
	fs, err := Findings(convs, res, FindingsOptions{Basis: "cache:served=ideal"})
	if err != nil {
		t.Fatal(err)
	}
	var cost price.Money = -1
	for _, f := range fs {
		if f.Kind == FindingDeadTool && f.Tool == "get_time" {
			cost = f.Cost
		}
	}
	if cost != price.Money(2_010_000_000) {
		t.Errorf("cache basis: dropping get_time saves %s, want $0.00201", cost)
	}
}
