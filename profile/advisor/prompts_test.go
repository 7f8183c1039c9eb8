package advisor

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
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
	path := filepath.Join(t.TempDir(), "log.jsonl")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := transcripts.Open(path, transcripts.Options{})
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
