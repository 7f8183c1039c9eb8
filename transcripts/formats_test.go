package transcripts

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestAnthropicRequest(t *testing.T) {
	src := open(t, "testdata/anthropic_request.json")
	if src.Format != FormatAnthropic {
		t.Fatalf("format %s", src.Format)
	}
	c := src.Conversations[0]
	m := c.Messages
	// system, user (docs+image+question), assistant (thinking, text,
	// tool_use), tool result, assistant, user, and the call this request
	// is, whose reply is not in the file.
	if len(m) != 7 || c.Calls() != 3 || !m[6].NoReply || len(c.Warnings) != 1 || c.Model != "claude-sonnet-4-5-20250929" {
		t.Fatalf("%d messages, %d calls, model %q", len(m), c.Calls(), c.Model)
	}
	if m[0].Role != RoleSystem || m[0].Content != "You are a release assistant for the payments team." {
		t.Errorf("system: %+v", m[0])
	}
	if m[1].Images != 1 || len(m[1].RAGSpans) != 1 || !strings.HasPrefix(m[1].RAGSpans[0], "<documents>") {
		t.Errorf("user: images %d, rag %q", m[1].Images, m[1].RAGSpans)
	}
	a := m[2]
	if a.Reasoning != "Friday after 14:00 is a freeze. Check recent deploys first." || a.Content != "Let me check the recent deploys." ||
		len(a.ToolCalls) != 1 || a.ToolCalls[0].ID != "toolu_01A" || a.ToolCalls[0].Arguments != `{"service": "payments-api", "limit": 3}` {
		t.Errorf("assistant: %+v", a)
	}
	if m[3].Role != RoleTool || m[3].ToolCallID != "toolu_01A" || !strings.Contains(m[3].Content, "r87 2026-11-05 16:40 rolled back") {
		t.Errorf("tool result: %+v", m[3])
	}
	if len(c.Tools) != 1 || !strings.Contains(string(c.Tools[0].Parameters), `"service"`) {
		t.Errorf("tools: %+v", c.Tools)
	}
}

// Anthropic's input_tokens exclude cache reads and writes; the one
// convention adds them: double-billing here is the classic bug.
func TestAnthropicHTTPRecording(t *testing.T) {
	src := open(t, "testdata/anthropic_http.json")
	if src.Format != FormatAnthropicLog || len(src.Conversations) != 2 {
		t.Fatalf("format %s, %d conversations", src.Format, len(src.Conversations))
	}
	c := src.Conversations[0]
	if c.Calls() != 2 || len(c.Messages) != 5 {
		t.Fatalf("%d calls, %d messages", c.Calls(), len(c.Messages))
	}
	// Call 1: 25 uncached + 1,400 written (1,000 of them for 1 h) + 0 read.
	u1 := *c.Messages[2].Usage
	if want := (Usage{InputTokens: 1425, CacheWriteTokens: 1400, CacheWrite1hTokens: 1000, OutputTokens: 14}); u1 != want {
		t.Errorf("call 1 usage %+v, want %+v", u1, want)
	}
	// Call 2 was streamed: message_start said 12/0/1450/1, the final
	// message_delta 14/220/1440/57 and wins in every field.
	r := c.Messages[4]
	if want := (Usage{InputTokens: 14 + 220 + 1440, CachedInputTokens: 1440, CacheWriteTokens: 220, OutputTokens: 57}); *r.Usage != want {
		t.Errorf("streamed usage %+v, want %+v", *r.Usage, want)
	}
	if r.Content != "Ship on Monday." || len(r.ToolCalls) != 1 || r.ToolCalls[0].Arguments != `{"service": "payments-api"}` {
		t.Errorf("streamed reply %q, tool calls %+v", r.Content, r.ToolCalls)
	}
	// Call 3: a compaction iteration billed outside the headline numbers.
	u3 := *src.Conversations[1].Messages[2].Usage
	if u3.InputTokens != 30+180000 || u3.OutputTokens != 9+3200 {
		t.Errorf("iterations not added: %+v", u3)
	}
}

func TestClaudeCodeProject(t *testing.T) {
	src := open(t, "testdata/claude_code")
	if src.Format != FormatClaudeCode || len(src.Warnings) != 0 {
		t.Fatalf("format %s, warnings %q", src.Format, src.Warnings)
	}
	byID := map[string]*Conversation{}
	for _, c := range src.Conversations {
		byID[c.ID] = c
	}
	main, side, agent, resumed := byID["4b1c2d3e"], byID["4b1c2d3e/s1"], byID["4b1c2d3e/agent-a7f3"], byID["5c2d3e4f"]
	if main == nil || side == nil || agent == nil || resumed == nil || len(src.Conversations) != 4 {
		ids := []string{}
		for id := range byID {
			ids = append(ids, id)
		}
		t.Fatalf("conversations %v", ids)
	}
	// Main: user, meta user, assistant (3 lines merged), tool result,
	// assistant (Task), tool result, assistant. Snapshot, progress, system,
	// summary, last-prompt and the synthetic reply are not messages.
	if len(main.Messages) != 7 || main.Calls() != 3 || !main.Unlogged {
		t.Fatalf("main: %d messages, %d calls", len(main.Messages), main.Calls())
	}
	a := main.Messages[2]
	if a.Reasoning != "Look at the test file first." || a.Content != "I'll read the test." || len(a.ToolCalls) != 1 || a.ToolCalls[0].Name != "Read" {
		t.Errorf("merged response: %+v", a)
	}
	// The usage of the response's last line: output 172, not the
	// placeholder 3; 5,210 written for 1 h, 11,800 read.
	if want := (Usage{InputTokens: 4 + 5210 + 11800, CachedInputTokens: 11800, CacheWriteTokens: 5210, CacheWrite1hTokens: 5210, OutputTokens: 172}); *a.Usage != want {
		t.Errorf("usage %+v, want %+v", *a.Usage, want)
	}
	if main.Messages[3].Role != RoleTool || main.Messages[3].ToolCallID != "toolu_01" {
		t.Errorf("tool result: %+v", main.Messages[3])
	}
	if side.Calls() != 1 || side.Messages[1].Model != "claude-haiku-4-5-20251001" || agent.Calls() != 1 {
		t.Errorf("sidechain %d calls, agent %d calls", side.Calls(), agent.Calls())
	}
	// The resumed session repeats msg_01C: history there, not a call.
	if resumed.Calls() != 1 || !resumed.Messages[1].Replayed {
		t.Errorf("resumed: %d calls", resumed.Calls())
	}
}

// A file-history-snapshot line is streamed past without being held.
func TestClaudeCodeHugeSnapshotLine(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"type":"file-history-snapshot","messageId":"x","snapshot":{"blob":"`)
	chunk := strings.Repeat("A", 1<<20)
	for range 64 { // 64 MiB on one line
		f.WriteString(chunk)
	}
	f.WriteString(`"}}` + "\n")
	f.WriteString(`{"parentUuid":null,"isSidechain":false,"sessionId":"s","type":"user","message":{"role":"user","content":"hi"},"uuid":"u1","timestamp":"2026-11-02T10:00:00Z"}` + "\n")
	f.WriteString(`{"parentUuid":"u1","isSidechain":false,"sessionId":"s","type":"assistant","requestId":"r","message":{"id":"m","role":"assistant","model":"claude-haiku-4-5","content":[{"type":"text","text":"hello"}],"usage":{"input_tokens":10,"output_tokens":2}},"uuid":"a1","timestamp":"2026-11-02T10:00:01Z"}` + "\n")
	f.Close()
	var before, after runtimeMem
	before.read()
	src, err := Open(path, Options{})
	after.read()
	if err != nil {
		t.Fatal(err)
	}
	if src.Format != FormatClaudeCode || src.Conversations[0].Calls() != 1 {
		t.Fatalf("format %s", src.Format)
	}
	if grown := after.total - before.total; grown > 16<<20 {
		t.Errorf("reading allocated %d MiB for a 64 MiB skipped line", grown>>20)
	}
}

func TestShareGPT(t *testing.T) {
	src := open(t, "testdata/sharegpt.json")
	if src.Format != FormatShareGPT || len(src.Conversations) != 2 {
		t.Fatalf("format %s, %d", src.Format, len(src.Conversations))
	}
	a, b := src.Conversations[0], src.Conversations[1]
	if a.ID != "sg-1" || len(a.Messages) != 5 || a.Calls() != 2 || a.Messages[0].Role != RoleSystem || len(a.Messages[3].RAGSpans) != 1 {
		t.Errorf("sg-1: %+v", a)
	}
	if b.Calls() != 2 || len(b.Messages[1].ToolCalls) != 1 || b.Messages[2].Role != RoleTool {
		t.Errorf("sg-2: %+v", b.Messages)
	}
	src = open(t, "testdata/sharegpt.jsonl")
	if len(src.Conversations) != 2 || src.Conversations[1].ID != "b" {
		t.Errorf("jsonl: %d", len(src.Conversations))
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "one.json"), []byte(`{"conversations":[{"from":"human","value":"hi"},{"from":"gpt","value":"yo"}]}`), 0o644)
	if src := open(t, filepath.Join(dir, "one.json")); src.Format != FormatShareGPT || src.Conversations[0].Calls() != 1 {
		t.Errorf("single object: %s", src.Format)
	}
}

func TestOpenAIBatch(t *testing.T) {
	in := open(t, "testdata/openai_batch_input.jsonl")
	if in.Format != FormatOpenAIBatch || len(in.Conversations) != 2 {
		t.Fatalf("input: %s %d", in.Format, len(in.Conversations))
	}
	c := in.Conversations[0]
	if c.ID != "ticket-1" || c.Model != "gpt-4o-mini" || len(c.Messages) != 3 || c.Calls() != 1 || !c.Batch {
		t.Errorf("input line: %+v", c)
	}
	out := open(t, "testdata/openai_batch_output.jsonl")
	u := out.Conversations[1].Messages[0].Usage // Azure's line: no top-level id
	if u == nil || u.InputTokens != 30 || u.OutputTokens != 1 || out.Conversations[1].ID != "ticket-2" {
		t.Errorf("output line usage %+v", u)
	}
	// Input and output lines in one file are joined by custom_id.
	dir := t.TempDir()
	data := append(readFile(t, "testdata/openai_batch_output.jsonl"), readFile(t, "testdata/openai_batch_input.jsonl")...)
	os.WriteFile(filepath.Join(dir, "both.jsonl"), data, 0o644)
	both := open(t, filepath.Join(dir, "both.jsonl"))
	j := both.Conversations[0]
	if len(both.Conversations) != 2 || len(j.Messages) != 3 || j.Messages[2].Role != RoleAssistant || j.Messages[2].Usage.InputTokens != 31 {
		t.Errorf("joined: %d conversations, %+v", len(both.Conversations), j.Messages)
	}
}

func TestLiteLLM(t *testing.T) {
	src := open(t, "testdata/litellm_spend_logs.json")
	if src.Format != FormatLiteLLM || len(src.Conversations) != 1 {
		t.Fatalf("%s %d", src.Format, len(src.Conversations))
	}
	c := src.Conversations[0]
	if c.Calls() != 2 || len(c.Messages) != 5 {
		t.Fatalf("%d calls %d messages", c.Calls(), len(c.Messages))
	}
	// DeepSeek's cache fields, through LiteLLM's JSON-encoded response.
	if u := c.Messages[4].Usage; u.InputTokens != 52 || u.CachedInputTokens != 24 || u.OutputTokens != 14 {
		t.Errorf("usage %+v", u)
	}
	if c.Messages[2].Model != "deepseek-chat" || c.Model != "deepseek/deepseek-chat" {
		t.Errorf("models %q %q", c.Messages[2].Model, c.Model)
	}
}

func TestRAGRuleEveryFormat(t *testing.T) {
	rule := RAGRule{Tags: []string{"context", "documents"}, Tools: []string{"get_deploys", "lookup", "weather", "Read"}}
	for file, check := range map[string]func(*Source) bool{
		"testdata/anthropic_request.json": func(s *Source) bool {
			return s.Conversations[0].Messages[3].RAG && len(s.Conversations[0].Messages[1].RAGSpans) == 1
		},
		"testdata/claude_code":               func(s *Source) bool { return s.Conversations[0].Messages[3].RAG },
		"testdata/sharegpt.json":             func(s *Source) bool { return len(s.Conversations[0].Messages[3].RAGSpans) == 1 },
		"testdata/openai_chat.json":          func(s *Source) bool { return len(s.Conversations[0].Messages[5].RAGSpans) == 1 },
		"testdata/native_two_sessions.jsonl": func(s *Source) bool { return s.Conversations[0].Messages[3].RAG && s.Conversations[0].Messages[4].RAG },
	} {
		src, err := Open(file, Options{RAG: rule})
		if err != nil {
			t.Fatal(err)
		}
		if !check(src) {
			t.Errorf("%s: retrieved context not tagged", file)
		}
	}
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// A rewind forks the session; /compact restarts its history. Each call is
// counted once, with the history it was sent.
func TestClaudeCodeBranches(t *testing.T) {
	src := open(t, "testdata/claude_code_branches/7e7e7e7e.jsonl")
	if len(src.Conversations) != 3 {
		t.Fatalf("%d conversations", len(src.Conversations))
	}
	first, fork, compacted := src.Conversations[0], src.Conversations[1], src.Conversations[2]
	if len(first.Messages) != 4 || first.Calls() != 2 {
		t.Errorf("first: %d messages, %d calls", len(first.Messages), first.Calls())
	}
	// The fork was sent u1 and a1 (history only here), then u3.
	if len(fork.Messages) != 4 || fork.Calls() != 1 || !fork.Messages[1].Replayed || fork.Messages[2].Content != "Actually, keep the old name and add an alias." {
		t.Errorf("fork: %+v", fork.Messages)
	}
	if len(compacted.Messages) != 3 || compacted.Calls() != 1 || !strings.HasPrefix(compacted.Messages[0].Content, "This session is being continued") {
		t.Errorf("compacted: %+v", compacted.Messages)
	}
	calls := 0
	for _, c := range src.Conversations {
		calls += c.Calls()
	}
	if calls != 4 {
		t.Errorf("%d calls, want the 4 responses", calls)
	}
}

// LLaMA-Factory's ShareGPT carries tools as a JSON string of schemas:
// they are the conversation's tools; function_call turns name their tool.
func TestShareGPTLLaMAFactoryTools(t *testing.T) {
	src := open(t, "testdata/llamafactory_glaive_toolcall.json")
	if src.Format != FormatShareGPT || len(src.Conversations) != 2 {
		t.Fatalf("format %s, %d conversations", src.Format, len(src.Conversations))
	}
	c0, c1 := src.Conversations[0], src.Conversations[1]
	if len(c0.Tools) != 1 || c0.Tools[0].Name != "search_recipes" || !strings.Contains(string(c0.Tools[0].Parameters), `"ingredients"`) ||
		len(c1.Tools) != 2 || c1.Tools[1].Name != "calculate_discount" {
		t.Fatalf("tools %+v / %+v", c0.Tools, c1.Tools)
	}
	// 3 gpt turns + 1 function_call turn are calls.
	if c0.Calls() != 4 || c1.Calls() != 2 {
		t.Errorf("calls %d, %d", c0.Calls(), c1.Calls())
	}
	if tc := c0.Messages[3].ToolCalls; len(tc) != 1 || tc[0].Name != "search_recipes" || tc[0].Arguments != `{"ingredients": ["chicken", "bell peppers", "rice"]}` {
		t.Errorf("function call %+v", tc)
	}
	// A system prompt and a tools string that is not a list.
	data := `{"system":"Be terse.","tools":"{\"name\":1}","conversations":[{"from":"human","value":"hi"},{"from":"gpt","value":"yo"}]}`
	_, err := Read(strings.NewReader(data), "x.json", Options{})
	if err == nil || !strings.Contains(err.Error(), "x.json:1: $.tools: tools must be a JSON list") {
		t.Errorf("bad tools: %v", err)
	}
	src, err = Read(strings.NewReader(strings.Replace(data, `"{\"name\":1}"`, `"[]"`, 1)), "x.json", Options{})
	if err != nil || src.Conversations[0].Messages[0].Role != RoleSystem || src.Conversations[0].Messages[0].Content != "Be terse." {
		t.Errorf("system: %v", err)
	}
}

// One request/response pair is one call, always. Eight pairs of one chat
// whose system prompt carries the time (it changes from the fourth call
// on) are 8 calls in 1 conversation; the replies of calls 4 to 8 carry the
// system prompt each was sent.
func TestOpenAILogOnePairOneCall(t *testing.T) {
	src := open(t, "testdata/openai_log_changing_system.jsonl")
	if len(src.Conversations) != 1 || src.Conversations[0].Calls() != 8 || len(src.Warnings) != 0 {
		t.Fatalf("%d conversations, %d calls, warnings %q", len(src.Conversations), src.Conversations[0].Calls(), src.Warnings)
	}
	c := src.Conversations[0]
	for call := 1; call <= 8; call++ {
		m := c.Messages[2*call]
		var want []string
		if call >= 4 {
			want = []string{fmt.Sprintf("You are a helpful assistant. Current time: 10:%02d", call-1)}
		}
		if got := m.Prompt(); (got == nil) != (want == nil) || got != nil && (!slices.Equal(got.System, want) || got.Tools != nil) {
			t.Errorf("call %d: prompt %+v, want system %q", call, got, want)
		}
		if ch := m.PrefixChange; (ch == nil) != (want == nil) || ch != nil && ch.Part != "system" {
			t.Errorf("call %d: prefix change %+v", call, ch)
		}
	}
	// system (the first call's) + 8 × (user, assistant).
	var reported int64
	for _, m := range c.Messages {
		if m.Usage != nil {
			reported += m.Usage.InputTokens
		}
	}
	if len(c.Messages) != 17 || !strings.HasSuffix(c.Messages[0].Content, "10:02") || reported != 8*20+10*(0+1+2+3+4+5+6+7) {
		t.Errorf("%d messages, system %q, reported input %d", len(c.Messages), c.Messages[0].Content, reported)
	}

	for _, tc := range []struct {
		name, log       string
		convs, calls    int
		history, noReps int
	}{
		// The history holds two replies no pair of this log made: 1 call.
		{"unknown history", `{"request":{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":"c"},{"role":"assistant","content":"d"},{"role":"user","content":"e"}]},"response":{"choices":[{"message":{"role":"assistant","content":"f"}}]}}`, 1, 1, 2, 0},
		// A request logged alone, then the next pair with its reply in
		// the history: 2 calls in one conversation, the reply as history.
		{"request alone", `{"request":{"messages":[{"role":"user","content":"a"}]}}` + "\n" +
			`{"request":{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":"c"}]},"response":{"choices":[{"message":{"role":"assistant","content":"d"}}]}}`, 1, 2, 1, 1},
	} {
		src, err := Read(strings.NewReader(tc.log), "x.jsonl", Options{})
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		history, noReply := 0, 0
		for _, m := range src.Conversations[0].Messages {
			if m.Replayed {
				history++
			}
			if m.NoReply {
				noReply++
			}
		}
		if len(src.Conversations) != tc.convs || src.Conversations[0].Calls() != tc.calls || history != tc.history || noReply != tc.noReps {
			t.Errorf("%s: %d conversations, %d calls, %d history replies, %d without reply", tc.name, len(src.Conversations), src.Conversations[0].Calls(), history, noReply)
		}
	}
}

// A request body alone is the call a user wants priced: one call, output
// unknown, said in a warning.
func TestRequestWithoutReply(t *testing.T) {
	for _, doc := range []string{
		`{"model":"gpt-4o","messages":[{"role":"system","content":"s"},{"role":"user","content":"hi"}]}`,
		`{"model":"claude-haiku-4-5","system":"s","messages":[{"role":"user","content":"hi"}]}`,
	} {
		src, err := Read(strings.NewReader(doc), "req.json", Options{})
		if err != nil {
			t.Fatal(err)
		}
		c := src.Conversations[0]
		if c.Calls() != 1 || !c.Messages[2].NoReply || len(src.Warnings) != 1 || !strings.Contains(src.Warnings[0], "counted as one call, output 0 or --assume-output N") {
			t.Errorf("%s: %d calls, warnings %q", src.Format, c.Calls(), src.Warnings)
		}
	}
}

// Usage that is only odd (cache reads beyond the input, reasoning beyond
// the output) is read as logged, with one warning, in every format alike:
// the native format is no stricter than a provider's log.
func TestOddUsageWarned(t *testing.T) {
	for _, tc := range []struct{ name, log, want string }{
		{"openai-log", `{"request":{"messages":[{"role":"user","content":"a"}]},"response":{"choices":[{"message":{"role":"assistant","content":"b"}}],"usage":{"prompt_tokens":10,"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":50}}}}`,
			"1 calls report odd usage (first: cache reads 50 + writes 0 exceed input_tokens 10)"},
		{"native", string(readFile(t, "testdata/broken/native_cached_over_input.jsonl")),
			"1 calls report odd usage (first: cache reads 50 + writes 0 exceed input_tokens 10)"},
		{"native", string(readFile(t, "testdata/broken/native_reasoning_over_output.jsonl")),
			"1 calls report odd usage (first: reasoning_tokens 9 exceed output_tokens 2)"},
	} {
		src, err := Read(strings.NewReader(tc.log), "x.jsonl", Options{})
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if src.Format != tc.name || len(src.Warnings) != 1 || !strings.Contains(src.Warnings[0], tc.want) {
			t.Errorf("%s: format %s, warnings %q", tc.name, src.Format, src.Warnings)
		}
	}
}

// Content parts that cannot be counted are warned about, once per
// conversation; what can be counted of an unknown block is.
func TestUnknownPartsWarned(t *testing.T) {
	for _, tc := range []struct {
		name, doc, warn string
		check           func(c *Conversation) bool
	}{
		{"openai input_audio", `{"model":"gpt-4o-audio-preview","messages":[{"role":"user","content":[{"type":"text","text":"what is said?"},{"type":"input_audio","input_audio":{"data":"AAAA","format":"wav"}}]},{"role":"assistant","content":"hello"}]}`,
			"1 content parts not counted (input_audio ×1)", func(c *Conversation) bool { return c.Messages[0].Content == "what is said?" }},
		{"anthropic unknown blocks", `{"model":"claude-sonnet-4-5","system":"s","messages":[{"role":"user","content":[{"type":"container_upload","file_id":"f1"},{"type":"text","text":"run it"}]},` +
			`{"role":"assistant","content":[{"type":"mcp_tool_use","id":"m1","name":"run","server_name":"x","input":{"cmd":"ls"}},{"type":"brand_new_block","text":"seen"}]}]}`,
			"1 content parts not counted (container_upload ×1)", func(c *Conversation) bool {
				a := c.Messages[2]
				return len(a.ToolCalls) == 1 && a.ToolCalls[0].Name == "run" && a.ToolCalls[0].Arguments == `{"cmd":"ls"}` && a.Content == "seen"
			}},
	} {
		src, err := Read(strings.NewReader(tc.doc), "x.json", Options{})
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		var warned bool
		for _, w := range src.Warnings {
			warned = warned || strings.Contains(w, tc.warn)
		}
		if !warned || !tc.check(src.Conversations[0]) {
			t.Errorf("%s: warnings %q, messages %+v", tc.name, src.Warnings, src.Conversations[0].Messages)
		}
	}
}

// A real response alone is one call: output and usage known, input
// unlogged. Figures from the raw files (see testdata/README).
func TestAnthropicResponseAlone(t *testing.T) {
	for _, tc := range []struct {
		file      string
		want      Usage
		toolCalls int
	}{
		// The compaction iteration is billed beside the final message.
		{"testdata/anthropic_response_compaction.json", Usage{InputTokens: 60385 + 682, OutputTokens: 592 + 1320}, 0},
		{"testdata/anthropic_response_web_search.json", Usage{InputTokens: 27118, OutputTokens: 600}, 2},
	} {
		src := open(t, tc.file)
		c := src.Conversations[0]
		if src.Format != FormatAnthropic || len(src.Conversations) != 1 || c.Calls() != 1 || !c.Unlogged || len(src.Warnings) != 0 {
			t.Fatalf("%s: format %s, %d calls, warnings %q", tc.file, src.Format, c.Calls(), src.Warnings)
		}
		m := c.Messages[len(c.Messages)-1]
		if *m.Usage != tc.want || len(m.ToolCalls) != tc.toolCalls || m.Content == "" {
			t.Errorf("%s: usage %+v, %d tool calls", tc.file, *m.Usage, len(m.ToolCalls))
		}
	}
}

// A LiteLLM row whose messages is "{}" (message logging off) is an empty
// history: one call with the row's usage. The row is LiteLLM's own test
// payload (see testdata/README).
func TestLiteLLMEmptyMessages(t *testing.T) {
	src := open(t, "testdata/litellm_spend_log_no_messages.json")
	c := src.Conversations[0]
	if src.Format != FormatLiteLLM || c.Calls() != 1 || len(c.Messages) != 1 || *c.Messages[0].Usage != (Usage{InputTokens: 2095, OutputTokens: 503}) ||
		c.Messages[0].Model != "claude-3-7-sonnet-20250219" {
		t.Errorf("format %s, %d calls, messages %+v", src.Format, c.Calls(), c.Messages)
	}
}

// A usage object of zeros is usage the log did not measure: read as none
// (so the call is neither billed $0 nor fitted on), with one warning, in
// every format alike and in the usage view's Claude Code fast path.
func TestAllZeroUsageIsMissing(t *testing.T) {
	for _, tc := range []struct{ name, log string }{
		{"openai-log", `{"request":{"messages":[{"role":"user","content":"a"}]},"response":{"choices":[{"message":{"role":"assistant","content":"b"}}],"usage":{"prompt_tokens":0,"completion_tokens":0,"total_tokens":0}}}`},
		{"claude-code", `{"type":"user","sessionId":"s","uuid":"u1","timestamp":"2026-01-01T00:00:00Z","message":{"role":"user","content":"hi"}}` + "\n" +
			`{"type":"assistant","sessionId":"s","uuid":"a1","parentUuid":"u1","requestId":"r1","timestamp":"2026-01-01T00:00:01Z","message":{"id":"m1","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"API Error"}],"usage":{"input_tokens":0,"output_tokens":0,"cache_read_input_tokens":0,"cache_creation_input_tokens":0}}}` + "\n"},
	} {
		src, err := Read(strings.NewReader(tc.log), "x.jsonl", Options{})
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		c := src.Conversations[0]
		last := c.Messages[len(c.Messages)-1]
		if src.Format != tc.name || last.Usage != nil || len(src.Warnings) != 1 || !strings.Contains(src.Warnings[0], "1 call reports all-zero usage, read as usage not logged") {
			t.Errorf("%s: format %s, usage %+v, warnings %q", tc.name, src.Format, last.Usage, src.Warnings)
		}
		if tc.name != "claude-code" {
			continue
		}
		dir := t.TempDir()
		path := filepath.Join(dir, "s.jsonl")
		if err := os.WriteFile(path, []byte(tc.log), 0o600); err != nil {
			t.Fatal(err)
		}
		us, err := ReadUsage(path, Options{})
		if err != nil || len(us.Calls) != 1 || us.Calls[0].Usage != nil {
			t.Errorf("usage view: %v %+v", err, us)
		}
	}
}
