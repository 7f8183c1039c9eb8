package transcripts

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// reported sums the reported usage of a source's calls and counts them.
func reported(src *Source) (calls int, sum Usage) {
	for _, c := range src.Conversations {
		for _, m := range c.Messages {
			if m.Role != RoleAssistant || m.Replayed {
				continue
			}
			calls++
			if u := m.Usage; u != nil {
				sum.InputTokens += u.InputTokens
				sum.CachedInputTokens += u.CachedInputTokens
				sum.CacheWriteTokens += u.CacheWriteTokens
				sum.OutputTokens += u.OutputTokens
				sum.ReasoningTokens += u.ReasoningTokens
			}
		}
	}
	return calls, sum
}

// reportedCase is a real log and what its calls report, worked out apart
// from the reader (the comments beside each case say how).
type reportedCase struct {
	file         string
	calls, convs int
	sum          Usage
}

// checkReported opens each case's file and checks its format, its calls,
// its conversations and the sum of its reported usage.
func checkReported(t *testing.T, format string, cases []reportedCase) {
	t.Helper()
	for _, tt := range cases {
		src := open(t, tt.file)
		calls, sum := reported(src)
		if src.Format != format || calls != tt.calls || len(src.Conversations) != tt.convs || sum != tt.sum {
			t.Errorf("%s: %s, %d calls in %d conversations, %+v; want %d in %d, %+v", tt.file, src.Format, calls, len(src.Conversations), sum, tt.calls, tt.convs, tt.sum)
		}
	}
}

// readString reads data as the named format ("" detects it).
func readString(t *testing.T, format, data string) (*Source, error) {
	t.Helper()
	return Read(strings.NewReader(data), "test", Options{Format: format})
}

// A real Codex CLI 0.66 rollout, found by walking a sessions tree.
func TestCodexRollout(t *testing.T) {
	src := open(t, "testdata/codex")
	if src.Format != FormatCodex || len(src.Conversations) != 1 || len(src.Warnings) != 0 {
		t.Fatalf("format %s, %d conversations, warnings %q", src.Format, len(src.Conversations), src.Warnings)
	}
	c := src.Conversations[0]
	if c.ID != "019b04ae-b1c6-7c72-a134-a4c2de66058c" || c.Model != "gpt-5.1-codex-max" || !c.Unlogged {
		t.Errorf("id %q model %q unlogged %v", c.ID, c.Model, c.Unlogged)
	}
	// 14 token_count events, 7 of them repeating the cumulative total of
	// the one before; the 7 distinct totals are the calls. Sums of their
	// last_token_usage (python over the raw file):
	//   input  3505+3711+3815+3708+3845+4017+4139 = 26740
	//   cached 3072+3072+3584+3072+3072+3072+3968 = 22912
	//   output 101+40+26+37+128+38+38 = 408 (reasoning 64+64 = 128 inside:
	//   the first call's total_tokens 3606 = 3505 + 101)
	// and they equal the last cumulative total_token_usage.
	calls, sum := reported(src)
	if want := (Usage{InputTokens: 26740, CachedInputTokens: 22912, OutputTokens: 408, ReasoningTokens: 128}); calls != 7 || sum != want {
		t.Errorf("%d calls, reported %+v, want 7 and %+v", calls, sum, want)
	}
	// Text is counted once: the event_msg copies (user_message,
	// agent_message, agent_reasoning) are not messages.
	// 4 function_call_output and 1 custom_tool_call_output lines.
	users, tools := 0, 0
	for _, m := range c.Messages {
		switch {
		case m.Role == RoleUser && m.Content == "add myapp directory and create myapp/hoge.py which shows result of print(1+1).":
			users++
		case m.Role == RoleTool:
			tools++
		}
	}
	if users != 1 || tools != 5 {
		t.Errorf("the first prompt %d times, %d tool outputs (want 1 and 5)", users, tools)
	}
	var first *Message
	for i := range c.Messages {
		if c.Messages[i].Role == RoleAssistant {
			first = &c.Messages[i]
			break
		}
	}
	if first.Reasoning != "**Creating directory and file using shell and patch**" || len(first.ToolCalls) != 1 ||
		first.ToolCalls[0].Name != "shell_command" || first.ToolCalls[0].ID != "call_DyhFJrJJb2y0MiOOHVP7KaVG" ||
		*first.Usage != (Usage{InputTokens: 3505, CachedInputTokens: 3072, OutputTokens: 101, ReasoningTokens: 64}) {
		t.Errorf("first call: %+v", first)
	}
}

// ~/.codex holds more than sessions: its prompt history and session index
// are skipped without a warning, as is Gemini CLI's logs.json.
func TestAgentHomeFiles(t *testing.T) {
	dir := t.TempDir()
	rollout := readFile(t, "testdata/codex/sessions/2025/12/09/rollout-2025-12-09T19-55-16-019b04ae-b1c6-7c72-a134-a4c2de66058c.jsonl")
	session := readFile(t, "testdata/gemini/session-2025-12-09T19-51-f0a689a6.json")
	for name, data := range map[string][]byte{
		"codex/sessions/2025/12/09/rollout-a.jsonl": rollout,
		"codex/history.jsonl":                       []byte(`{"session_id":"019b04ae","ts":1765310116,"text":"add myapp directory"}` + "\n"),
		"codex/session_index.jsonl":                 []byte(`{"id":"019b04ae","thread_name":"myapp"}` + "\n"),
		"gemini/tmp/9126edde/chats/session-a.json":  session,
		"gemini/tmp/9126edde/logs.json":             []byte(`[{"sessionId":"f0a689a6","messageId":0,"type":"user","message":"hi","timestamp":"2025-12-09T19:51:29.418Z"}]`),
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src := open(t, dir)
	if calls, _ := reported(src); len(src.Warnings) != 0 || src.Format != "mixed" || calls != 7+7 {
		t.Errorf("format %s, %d calls, warnings %q", src.Format, calls, src.Warnings)
	}
}

func TestCodexEvents(t *testing.T) {
	const meta = `{"timestamp":"2026-01-02T10:00:00Z","type":"session_meta","payload":{"id":"s1","base_instructions":{"text":"You are Codex."}}}
{"timestamp":"2026-01-02T10:00:00Z","type":"turn_context","payload":{"model":"gpt-5-codex","summary":"auto"}}
{"timestamp":"2026-01-02T10:00:01Z","type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_text","text":"hi"}]}}
`
	tc := func(total, last string) string {
		return `{"timestamp":"2026-01-02T10:00:02Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":` + total + `,"last_token_usage":` + last + `}}}` + "\n"
	}
	reply := `{"timestamp":"2026-01-02T10:00:02Z","type":"response_item","payload":{"type":"message","role":"assistant","content":[{"type":"output_text","text":"hello"}]}}` + "\n"
	for _, tt := range []struct {
		name  string
		lines string
		calls int
		sum   Usage
		convs int
	}{
		{"info null is rate limits only",
			meta + `{"type":"event_msg","payload":{"type":"token_count","info":null}}` + "\n" + reply + tc(`{"input_tokens":100,"output_tokens":5,"total_tokens":105}`, `{"input_tokens":100,"output_tokens":5,"total_tokens":105}`),
			1, Usage{InputTokens: 100, OutputTokens: 5}, 1},
		{"a repeated total is the same call",
			meta + reply + tc(`{"input_tokens":100,"output_tokens":5}`, `{"input_tokens":100,"output_tokens":5}`) + tc(`{"input_tokens":100,"output_tokens":5}`, `{"input_tokens":100,"output_tokens":5}`),
			1, Usage{InputTokens: 100, OutputTokens: 5}, 1},
		// Without last_token_usage the call is the change of the total:
		// 250-100 = 150 in, 9-5 = 4 out. The second token_count has no
		// reply logged before it: a call whose reply was not kept.
		{"no last usage: the change of the total",
			meta + reply + tc(`{"input_tokens":100,"output_tokens":5}`, `null`) + tc(`{"input_tokens":250,"cached_input_tokens":90,"output_tokens":9}`, `null`),
			2, Usage{InputTokens: 250, CachedInputTokens: 90, OutputTokens: 9}, 1},
		{"compaction starts the history over",
			meta + reply + tc(`{"input_tokens":100,"output_tokens":5}`, `{"input_tokens":100,"output_tokens":5}`) +
				`{"timestamp":"2026-01-02T10:05:00Z","type":"compacted","payload":{"message":"Summary of the work so far."}}` + "\n" + reply +
				tc(`{"input_tokens":130,"output_tokens":8}`, `{"input_tokens":30,"output_tokens":3}`),
			2, Usage{InputTokens: 130, OutputTokens: 8}, 2},
		// Newer versions log the items that replace the history: a reply
		// among them is history there (1 call before, 1 after).
		{"compaction with replacement history",
			meta + reply + tc(`{"input_tokens":100,"output_tokens":5}`, `{"input_tokens":100,"output_tokens":5}`) +
				`{"timestamp":"2026-01-02T10:05:00Z","type":"compacted","payload":{"message":"","replacement_history":[` +
				`{"type":"message","role":"user","content":[{"type":"input_text","text":"hi"}]},` +
				`{"type":"message","role":"assistant","content":[{"type":"output_text","text":"hello"}]}]}}` + "\n" + reply +
				tc(`{"input_tokens":130,"output_tokens":8}`, `{"input_tokens":30,"output_tokens":3}`),
			2, Usage{InputTokens: 130, OutputTokens: 8}, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src, err := readString(t, "", tt.lines)
			if err != nil {
				t.Fatal(err)
			}
			calls, sum := reported(src)
			if src.Format != FormatCodex || calls != tt.calls || sum != tt.sum || len(src.Conversations) != tt.convs {
				t.Errorf("%s: %d calls %+v in %d conversations, want %d %+v in %d", src.Format, calls, sum, len(src.Conversations), tt.calls, tt.sum, tt.convs)
			}
			if c := src.Conversations[0]; c.Messages[0].Role != RoleSystem || c.Messages[0].Content != "You are Codex." || c.Model != "gpt-5-codex" {
				t.Errorf("base instructions or model lost: %+v", c)
			}
		})
	}
}

// Rollouts written before the {timestamp, type, payload} envelope (a
// codex_cli_rs 0.34.0 rollout starts {id, timestamp, instructions, git}): the
// items themselves, no token counts. Each reply is a call without usage.
func TestCodexLegacyRollout(t *testing.T) {
	const lines = `{"id":"0197a1b2","timestamp":"2025-06-20T09:00:00.000Z","instructions":"Prefer small diffs.","git":{"branch":"main"}}
{"record_type":"state"}
{"type":"message","role":"user","content":[{"type":"input_text","text":"Create a README file"}]}
{"record_type":"state"}
{"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"Planning the README"}],"content":null,"encrypted_content":"gAAA"}
{"type":"message","role":"assistant","content":[{"type":"output_text","text":"I'll create it."}]}
{"type":"function_call","name":"shell","arguments":"{\"command\":[\"touch\",\"README.md\"]}","call_id":"call_1"}
{"type":"function_call_output","call_id":"call_1","output":"{\"output\":\"\",\"metadata\":{\"exit_code\":0}}"}
{"type":"message","role":"assistant","content":[{"type":"output_text","text":"Done."}]}
`
	src, err := readString(t, "", lines)
	if err != nil {
		t.Fatal(err)
	}
	c := src.Conversations[0]
	// system (instructions), user, assistant (reasoning, text, tool call),
	// tool output, assistant: 2 calls.
	if src.Format != FormatCodex || c.ID != "0197a1b2" || len(c.Messages) != 5 || c.Calls() != 2 || c.Messages[0].Content != "Prefer small diffs." {
		t.Fatalf("%s %s: %d messages, %d calls: %+v", src.Format, c.ID, len(c.Messages), c.Calls(), c.Messages)
	}
	if a := c.Messages[2]; a.Reasoning != "Planning the README" || a.Content != "I'll create it." || len(a.ToolCalls) != 1 || a.Usage != nil {
		t.Errorf("first reply %+v", a)
	}
}

func TestCodexBadInput(t *testing.T) {
	for _, tt := range []struct{ lines, want string }{
		{`{"timestamp":"yesterday","type":"session_meta","payload":{"id":"s"}}`, "test:1: $.timestamp: not an RFC 3339 time"},
		{`{"type":"session_meta","payload":{"id":"s"}}
{"type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":5},"last_token_usage":{"input_tokens":-5}}}}`,
			"test:2: $.payload.info.last_token_usage.input_tokens: -5 tokens is negative"},
		{`{"type":"session_meta","payload":{"id":"s"}}
{"type":"response_item","payload":{"type":"message","role":"robot","content":[]}}`, `test:2: $.payload.role: unknown role "robot"`},
	} {
		_, err := readString(t, FormatCodex, tt.lines)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("error %v, want %q", err, tt.want)
		}
	}
}

// codexUsageFirst rewrites a rollout in the order Codex CLI 0.39 and
// thereabouts logged a call: its token_count event before its response
// items (reasoning, tool calls, the assistant message), not after them.
func codexUsageFirst(t *testing.T, rollout []byte) []byte {
	t.Helper()
	lines := strings.SplitAfter(strings.TrimRight(string(rollout), "\n")+"\n", "\n")
	lines = lines[:len(lines)-1]
	var out []string
	runStart := -1 // index in out of the first assistant item of the open run
	for _, l := range lines {
		var d struct {
			Type    string `json:"type"`
			Payload struct {
				Type string `json:"type"`
				Role string `json:"role"`
			} `json:"payload"`
		}
		if err := json.Unmarshal([]byte(l), &d); err != nil {
			t.Fatal(err)
		}
		p := d.Payload
		assistantItem := d.Type == "response_item" && (p.Type == "reasoning" || p.Type == "function_call" || p.Type == "custom_tool_call" ||
			p.Type == "message" && p.Role == "assistant")
		switch {
		case assistantItem:
			if runStart < 0 {
				runStart = len(out)
			}
			out = append(out, l)
		case d.Type == "event_msg" && p.Type == "token_count" && runStart >= 0:
			out = append(out[:runStart], append([]string{l}, out[runStart:]...)...)
			runStart = -1
		default:
			if d.Type == "response_item" {
				runStart = -1
			}
			out = append(out, l)
		}
	}
	return []byte(strings.Join(out, ""))
}

// A rollout that logs each call's token_count before its response items
// (0.39-era) gives each reply its own usage: the same 7 calls as the
// rollout in today's order, no reply taking the next call's usage, no
// phantom last call without usage.
func TestCodexUsageBeforeItems(t *testing.T) {
	real := readFile(t, "testdata/codex/sessions/2025/12/09/rollout-2025-12-09T19-55-16-019b04ae-b1c6-7c72-a134-a4c2de66058c.jsonl")
	early := codexUsageFirst(t, real)
	if string(early) == string(real) {
		t.Fatal("rewrite moved nothing")
	}
	want, err := Read(bytes.NewReader(real), "rollout.jsonl", Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Read(bytes.NewReader(early), "rollout.jsonl", Options{})
	if err != nil {
		t.Fatal(err)
	}
	replies := func(src *Source) (out []Message) {
		for _, m := range src.Conversations[0].Messages {
			if m.Role == RoleAssistant {
				out = append(out, m)
			}
		}
		return out
	}
	w, g := replies(want), replies(got)
	if len(g) != 7 || len(w) != 7 {
		t.Fatalf("%d replies in 0.39 order, %d in today's; want 7", len(g), len(w))
	}
	for i := range g {
		if g[i].NoReply || g[i].Usage == nil || *g[i].Usage != *w[i].Usage || g[i].Reasoning != w[i].Reasoning ||
			len(g[i].ToolCalls) != len(w[i].ToolCalls) || g[i].Content != w[i].Content || g[i].ResponseID != w[i].ResponseID {
			t.Errorf("call %d: usage %+v reasoning %.30q tools %d, want %+v %.30q %d", i+1, g[i].Usage, g[i].Reasoning, len(g[i].ToolCalls), w[i].Usage, w[i].Reasoning, len(w[i].ToolCalls))
		}
	}
	// First call: 3505 input (3072 cached), 101 output (64 reasoning).
	if *g[0].Usage != (Usage{InputTokens: 3505, CachedInputTokens: 3072, OutputTokens: 101, ReasoningTokens: 64}) {
		t.Errorf("first call %+v", g[0].Usage)
	}
}
