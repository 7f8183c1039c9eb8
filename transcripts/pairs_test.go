package transcripts

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/tokenscope/tokenscope/transcripts/internal/jsonerr"
)

// TestPairsReal reads the real request/response pairs of testdata/pairs
// (pydantic-ai's VCR cassettes, recorded against the live APIs; see the
// README) and checks each file's calls and reported usage against sums
// computed from the raw files with python (input with cached and tool-use
// prompt tokens, cached, output with reasoning/thoughts): e.g.
// gemini_tool_calls.json, five calls: promptTokenCount 83+348+415+546+679
// = 2,071, candidates+thoughts 30+190 + 10+40 + 10+105 + 10+106 + 65+235 = 801.
func TestPairsReal(t *testing.T) {
	cases := []struct {
		file, format           string
		convs, calls, tools    int
		input, cached, output  int64
		firstModel, firstReply string
	}{
		{"responses_tool_call.json", FormatOpenAIResponses, 1, 2, 1, 107, 0, 29, "gpt-4o-2024-08-06", ""},
		{"responses_previous_response_id.json", FormatOpenAIResponses, 1, 2, 0, 135, 0, 1360, "gpt-5-2025-08-07", "Got it."},
		{"responses_web_search.json", FormatOpenAIResponses, 1, 2, 0, 18805, 17024, 1016, "gpt-5-2025-08-07", "Today (Tuesday"},
		{"responses_stream.jsonl", FormatOpenAIResponses, 1, 2, 1, 533, 0, 25, "gpt-4o-2024-08-06", ""},
		{"gemini_tool_calls.json", FormatGeminiAPI, 1, 5, 2, 2071, 0, 801, "gemini-3-flash-preview", ""},
		{"gemini_implicit_cache.json", FormatGeminiAPI, 1, 1, 0, 17713, 17379, 889, "gemini-2.5-flash", "This video"},
		{"gemini_stream.jsonl", FormatGeminiAPI, 1, 1, 0, 13, 0, 8, "gemini-2.0-flash-exp", "The capital of France is Paris.\n"},
		{"gemini_web_search_stream.json", FormatGeminiAPI, 1, 2, 0, 687, 0, 1194, "gemini-2.5-pro", "### Weather"},
		{"chat_stream_include_usage.json", FormatOpenAILog, 1, 2, 1, 131, 0, 24, "gpt-4o-mini-2024-07-18", ""},
		{"anthropic_stream.jsonl", FormatAnthropicLog, 1, 1, 0, 20, 0, 5, "claude-sonnet-4-5-20250929", "2"},
		// Held out (reallogs): fresh cassettes no reader was tuned on.
		// Identical requests sent twice are two conversations.
		{"anthropic_cache_warm.json", FormatAnthropicLog, 1, 2, 0, 2646, 2222, 439, "claude-sonnet-4-5-20250929", "# What is Python?"},
		{"anthropic_inline_system.json", FormatAnthropicLog, 2, 2, 0, 3184, 1590, 8, "claude-opus-4-8", "OK"},
		{"chat_prompt_cache_explicit.json", FormatOpenAILog, 2, 2, 0, 8040, 4012, 8, "gpt-5.6-sol", "OK"},
		{"responses_prompt_cache_explicit.json", FormatOpenAIResponses, 2, 2, 0, 8040, 4012, 10, "gpt-5.6-sol", "OK"},
		{"mistral_prompt_cache.json", FormatOpenAILog, 1, 2, 0, 521, 224, 10, "mistral-large-latest", "cache probe one."},
		{"gemini_3_5_flash.json", FormatGeminiAPI, 1, 1, 0, 15, 0, 73, "gemini-3.5-flash", "4"},
		{"gemini_stream_thought_signature.json", FormatGeminiAPI, 1, 2, 1, 286, 0, 220, "gemini-3-pro-preview", ""},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			src, err := Open("testdata/pairs/"+c.file, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if src.Format != c.format || len(src.Conversations) != c.convs || len(src.Warnings) > 0 {
				t.Fatalf("format %s, %d conversations, warnings %q; want %s, %d", src.Format, len(src.Conversations), src.Warnings, c.format, c.convs)
			}
			var calls int
			var in, cached, out int64
			var first *Message
			for _, conv := range src.Conversations {
				if len(conv.Tools) != c.tools {
					t.Errorf("%d tools, want %d", len(conv.Tools), c.tools)
				}
				for i := range conv.Messages {
					m := &conv.Messages[i]
					if m.Role != RoleAssistant || m.Replayed {
						continue
					}
					if first == nil {
						first = m
					}
					calls++
					if m.Usage == nil || m.NoReply {
						t.Fatalf("call %d has no usage", calls)
					}
					in, cached, out = in+m.Usage.InputTokens, cached+m.Usage.CachedInputTokens, out+m.Usage.OutputTokens
				}
			}
			if calls != c.calls || in != c.input || cached != c.cached || out != c.output {
				t.Errorf("%d calls, input %d cached %d output %d; want %d, %d, %d, %d", calls, in, cached, out, c.calls, c.input, c.cached, c.output)
			}
			if first.Model != c.firstModel || !strings.HasPrefix(first.Content, c.firstReply) || (c.firstReply == "" && len(first.ToolCalls) == 0) {
				t.Errorf("first reply %s %.40q (%d tool calls), want %s %q", first.Model, first.Content, len(first.ToolCalls), c.firstModel, c.firstReply)
			}
		})
	}
}

// TestPairsPreviousResponseID: the second request sends only its new
// input and previous_response_id; its context is the first call's input
// and reply, then the new question, as OpenAI bills it.
func TestPairsPreviousResponseID(t *testing.T) {
	src, err := Open("testdata/pairs/responses_previous_response_id.json", Options{})
	if err != nil {
		t.Fatal(err)
	}
	var roles []string
	for _, m := range src.Conversations[0].Messages {
		roles = append(roles, string(m.Role)+":"+jsonerr.Excerpt(m.Content, 12))
	}
	want := "user:The secret k… assistant:Got it. How … user:What is the … assistant:The secret c…"
	if got := strings.Join(roles, " "); got != want {
		t.Errorf("messages %s\nwant     %s", got, want)
	}
	if r := src.Conversations[0].Messages[1].Usage; r.ReasoningTokens != 1024 {
		t.Errorf("reasoning %d, want 1,024", r.ReasoningTokens)
	}
	// A chain whose start is not in the file cannot be counted: say so.
	data, _ := os.ReadFile("testdata/pairs/responses_previous_response_id.json")
	data = bytes.Replace(data, []byte(`"previous_response_id": "resp_0d0ac3f7be738fc000697c34d69d1081a0be14982cd5b4ff9d"`), []byte(`"previous_response_id": "resp_elsewhere"`), 1)
	_, err = Read(bytes.NewReader(data), "chain.json", Options{})
	if err == nil || !strings.Contains(err.Error(), `chain.json:108: $[1].request.previous_response_id: continues response "resp_elsewhere", which is not in this file`) {
		t.Errorf("err = %v", err)
	}
}

// TestPairsGeminiCompact: a pretty-printed log's function call arguments
// and results are counted as sent, compact.
func TestPairsGeminiCompact(t *testing.T) {
	src, err := Open("testdata/pairs/gemini_tool_calls.json", Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range src.Conversations[0].Messages {
		if m.Role == RoleTool && strings.ContainsAny(m.Content, "\n ") {
			t.Fatalf("tool result %q keeps the log's indentation", m.Content)
		}
	}
	if p := string(src.Conversations[0].Tools[1].Parameters); strings.Contains(p, "\n") || !strings.HasPrefix(p, `{"properties":{"response"`) {
		t.Errorf("schema %s", p)
	}
}

// TestPairsShapeErrors: a response no reader knows, or a Responses body
// read as Chat Completions, is an error naming what was found and what
// was wanted; a response logged as an SSE string is read, not refused.
func TestPairsShapeErrors(t *testing.T) {
	cases := []struct{ data, want string }{
		{`{"foo":1,"bar":[]}`, `x.json:1: unrecognised conversation log: found an object with top-level keys bar, foo; want one of the formats --input-format names (anthropic, anthropic-log, claude-code,`},
		{`[{"foo":1}]`, `found an array of objects with keys foo; want`},
		{`[1,2,3]`, `x.json:1: unrecognised conversation log: found an array whose first element is not an object; want one of the formats`},
		// A response logged as text that is no known API's stream was read
		// as a Chat Completions stream with no reply, silently.
		{`{"request":{"model":"m","messages":[{"role":"user","content":"hi"}]},"response":"event: ping\ndata: {\"foo\":1}\n\n"}` + "\n",
			`x.json:1: $.response: found an event stream whose first event has keys foo; want the event stream of Chat Completions (chat.completion.chunk), Responses (response.*), Messages (message_start) or Gemini (candidates)`},
		// A Chat Completions stream cut mid-event: saying its keys (id,
		// object: chat.completion.chunk…) hid that it is cut.
		{`{"request":{"model":"m","messages":[{"role":"user","content":"hi"}]},"response":"data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"delta\":{\"content\":\"h"}` + "\n",
			`x.json:1: $.response: found an event stream cut short: its first event's data is not whole JSON (76 bytes, ending "…a\":{\"content\":\"h"); want the event stream of`},
		{`{"request":{"model":"m","messages":[{"role":"user","content":"hi"}]},"response":"upstream timed out"}` + "\n",
			`x.json:1: $.response: found text starting "upstream timed out"; want the event stream of`},
		{`[{"request":{"model":"m","messages":[{"role":"user","content":"hi"}]},"response":{"answer":"hello","tokens":3}}]`,
			`x.json:1: $[0].response: found an object with keys answer, tokens; want a Chat Completions (choices), Responses (output), Messages (type message) or Gemini (candidates) response`},
		{`{"request":{"model":"m","messages":[{"role":"user","content":"hi"}]},"response":"data: {\"type\":\"message_start\",\"message\":{\"model\":\"claude\",\"usage\":{\"input_tokens\":-4,\"output_tokens\":1}}}\n\n"}` + "\n",
			`x.json:1: $.response.usage.input_tokens: -4 tokens is negative`},
	}
	for _, c := range cases {
		_, err := Read(strings.NewReader(c.data), "x.json", Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("err = %v\nwant %s", err, c.want)
		}
	}
	resp, _ := os.ReadFile("testdata/pairs/responses_tool_call.json")
	i := bytes.Index(resp, []byte(`"response": {`))
	body := resp[i+len(`"response": `):]
	body = body[:bytes.Index(body, []byte("\n  }\n"))+4]
	_, err := ParseResponse(APIOpenAI, body)
	if err == nil || !strings.Contains(err.Error(), "response has no choices: found a Responses API response (object response, output), want a Chat Completions response") {
		t.Errorf("err = %v", err)
	}
}

// TestAPIBodiesAlone: a Responses or Gemini request body alone is one
// call awaiting its reply; a response alone is one call whose input is
// not in the file.
func TestAPIBodiesAlone(t *testing.T) {
	cases := []struct {
		data, format string
		unlogged     bool
		msgs         int
	}{
		{`{"model":"gpt-5","instructions":"Be brief.","input":[{"role":"user","content":[{"type":"input_text","text":"hi"}]}]}`, FormatOpenAIResponses, false, 3},
		{`{"model":"gpt-5","input":"hi"}`, FormatOpenAIResponses, false, 2},
		{`{"id":"resp_1","object":"response","model":"gpt-5","output":[{"type":"message","content":[{"type":"output_text","text":"yo"}]}],"usage":{"input_tokens":5,"output_tokens":2}}`, FormatOpenAIResponses, true, 1},
		{`{"contents":[{"role":"user","parts":[{"text":"hi"}]}],"systemInstruction":{"parts":[{"text":"Be brief."}]}}`, FormatGeminiAPI, false, 3},
		{`{"candidates":[{"content":{"role":"model","parts":[{"text":"yo"}]}}],"usageMetadata":{"promptTokenCount":4,"candidatesTokenCount":1},"modelVersion":"gemini-2.5-flash"}`, FormatGeminiAPI, true, 1},
	}
	for _, c := range cases {
		src, err := Read(strings.NewReader(c.data), "x.json", Options{})
		if err != nil {
			t.Errorf("%s: %v", c.data, err)
			continue
		}
		conv := src.Conversations[0]
		if src.Format != c.format || conv.Unlogged != c.unlogged || len(conv.Messages) != c.msgs {
			t.Errorf("%s: %s unlogged %v, %d messages", c.data, src.Format, conv.Unlogged, len(conv.Messages))
		}
	}
}

// TestPairsGeminiCachedContent: a request that names an explicit cache
// (cachedContent) sent a prompt part of which is not in the log: the
// conversation is marked unlogged, with a warning naming the cache, and
// its reported cached tokens are kept.
func TestPairsGeminiCachedContent(t *testing.T) {
	data := `{"url":"https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent",` +
		`"request":{"cachedContent":"cachedContents/abc123","contents":[{"role":"user","parts":[{"text":"Summarise the manual."}]}]},` +
		`"response":{"candidates":[{"content":{"role":"model","parts":[{"text":"It says…"}]}}],` +
		`"usageMetadata":{"promptTokenCount":40012,"cachedContentTokenCount":40000,"candidatesTokenCount":5}}}` + "\n"
	src, err := Read(strings.NewReader(data), "cached.jsonl", Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := src.Conversations[0]
	u := c.Messages[len(c.Messages)-1].Usage
	if src.Format != FormatGeminiAPI || !c.Unlogged || c.Model != "gemini-2.5-flash" || u.CachedInputTokens != 40000 || u.InputTokens != 40012 ||
		!strings.Contains(strings.Join(src.Warnings, "\n"), "uses the explicit cache cachedContents/abc123") {
		t.Errorf("%s unlogged %v model %s usage %+v warnings %q", src.Format, c.Unlogged, c.Model, u, src.Warnings)
	}
}

// TestPairPrettyPrinted: one pair pretty-printed (as a logger dumps a
// single call) is one object, not JSONL; it failed with "unexpected end
// of input" as LiteLLM's rows did.
func TestPairPrettyPrinted(t *testing.T) {
	var pairs []json.RawMessage
	data, _ := os.ReadFile("testdata/pairs/responses_tool_call.json")
	if err := json.Unmarshal(data, &pairs); err != nil {
		t.Fatal(err)
	}
	var one bytes.Buffer
	json.Indent(&one, pairs[0], "", "  ")
	src, err := Read(&one, "one.json", Options{})
	if err != nil || src.Format != FormatOpenAIResponses || src.Conversations[0].Calls() != 1 {
		t.Fatalf("%v %+v", err, src)
	}
}

// TestPairsGeminiChunkArray: streamGenerateContent without alt=sse answers
// a JSON array of the same chunks as the event stream; both read alike
// (the real stream of gemini_stream.jsonl, its events put in an array).
func TestPairsGeminiChunkArray(t *testing.T) {
	data, _ := os.ReadFile("testdata/pairs/gemini_stream.jsonl")
	var pair struct {
		URL      string          `json:"url"`
		Request  json.RawMessage `json:"request"`
		Response string          `json:"response"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(data), &pair); err != nil {
		t.Fatal(err)
	}
	var chunks []json.RawMessage
	for line := range strings.SplitSeq(pair.Response, "\n") {
		if d, ok := strings.CutPrefix(strings.TrimSpace(line), "data:"); ok {
			chunks = append(chunks, json.RawMessage(d))
		}
	}
	arr, _ := json.Marshal(map[string]any{"url": strings.Replace(pair.URL, "?alt=sse", "", 1), "request": pair.Request, "response": chunks})
	for name, doc := range map[string][]byte{"sse": data, "array": arr} {
		src, err := Read(bytes.NewReader(doc), name+".json", Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		c := src.Conversations[0]
		r := c.Messages[len(c.Messages)-1]
		if src.Format != FormatGeminiAPI || len(chunks) != 3 || r.Content != "The capital of France is Paris.\n" || r.Usage.InputTokens != 13 || r.Usage.OutputTokens != 8 || c.Model != "gemini-2.0-flash-exp" {
			t.Errorf("%s: %s %q %+v %s", name, src.Format, r.Content, r.Usage, c.Model)
		}
	}
}

// TestStreamEventLines: a stream's events one JSON object a line (the
// Vercel AI SDK's recorded fixtures; see the README) are one call each
// stream, input unlogged, usage from response.completed or message_start
// overlaid by message_delta.
func TestStreamEventLines(t *testing.T) {
	cases := []struct {
		file, format, model string
		in, out, reasoning  int64
		tools               int
	}{
		{"openai-local-shell-tool.1.chunks.jsonl", FormatOpenAIResponses, "gpt-5-codex", 407, 151, 128, 0},
		{"anthropic-json-tool.1.chunks.jsonl", FormatAnthropicLog, "claude-haiku-4-5-20251001", 849, 47, 0, 1},
		// Held out (reallogs): Chat Completions chunks alone were refused
		// ("unrecognised conversation log"); Azure's first chunk has no
		// id, model or object, only content-filter results.
		{"azure-model-router.1.chunks.jsonl", FormatOpenAILog, "gpt-5-nano-2025-08-07", 15, 78, 64, 0},
		// A Chat Completions response alone, refused likewise.
		{"openai-text.json", FormatOpenAILog, "gpt-4.1-nano-2025-04-14", 16, 363, 0, 0},
	}
	for _, c := range cases {
		src, err := Open("testdata/streams/"+c.file, Options{})
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		conv := src.Conversations[0]
		m := conv.Messages[0]
		if src.Format != c.format || len(src.Conversations) != 1 || len(conv.Messages) != 1 || !conv.Unlogged || m.Model != c.model ||
			m.Usage.InputTokens != c.in || m.Usage.OutputTokens != c.out || m.Usage.ReasoningTokens != c.reasoning || len(m.ToolCalls) != c.tools {
			t.Errorf("%s: %s, %d conversations, %+v %s %+v", c.file, src.Format, len(src.Conversations), conv, m.Model, m.Usage)
		}
	}
	// Two streams in one file: two calls.
	data, _ := os.ReadFile("testdata/streams/anthropic-json-tool.1.chunks.jsonl")
	src, err := Read(bytes.NewReader(bytes.Join([][]byte{data, data}, []byte("\n"))), "two.jsonl", Options{})
	if err != nil || len(src.Conversations) != 2 || src.Conversations[1].ID != "two#2" {
		t.Fatalf("%v %+v", err, src)
	}
	// Chat Completions chunks have no start event: a new id starts a stream.
	data, _ = os.ReadFile("testdata/streams/azure-model-router.1.chunks.jsonl")
	other := bytes.ReplaceAll(data, []byte("chatcmpl-CYPS1lijGoK8gd9lYzY3r9Sx50nbt"), []byte("chatcmpl-other"))
	src, err = Read(bytes.NewReader(bytes.Join([][]byte{data, other}, []byte("\n"))), "two.jsonl", Options{})
	if err != nil || len(src.Conversations) != 2 || src.Conversations[1].Messages[0].Usage.OutputTokens != 78 {
		t.Fatalf("%v %+v", err, src)
	}
}
