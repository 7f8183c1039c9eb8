package transcripts

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// Spans of real framework runs (see testdata/README). Only leaf LLM spans
// are calls: the agent spans above them repeat their usage.
func TestOTelSpans(t *testing.T) {
	checkReported(t, FormatOTel, []reportedCase{
		// 4 chat spans (python over the attributes): input 265+417+502+131
		// = 1315, output 73+53+14+69 = 209. The agent spans "joke_agent run"
		// (682/126 = the sum of its two calls; 502/14) and "evaluator_agent
		// run" (131/69) repeat them: counting them would give 2630/418.
		// The writer agent's 3 calls share one history; the evaluator's
		// call is a conversation of its own.
		{"testdata/otel/pydantic-ai-tools.otlp.json", 4, 2, Usage{InputTokens: 1315, OutputTokens: 209}},
		// 2 chat spans; only one reports usage (631/35). The invoke_agent
		// span repeats it.
		{"testdata/otel/microsoft-agent.otlp.json", 2, 2, Usage{InputTokens: 631, OutputTokens: 35}},
		// OpenInference llm.token_count.*: 55/15 and 85/29 = 140/44.
		{"testdata/otel/openai-agents.spans.jsonl", 2, 1, Usage{InputTokens: 140, OutputTokens: 44}},
	})
	// OpenInference's flattened messages: the second call was sent the
	// system prompt, the question, the tool call and its result.
	c := open(t, "testdata/otel/openai-agents.spans.jsonl").Conversations[0]
	if c.ID != "fee618f96dc31e0ca38b2f7b26eb8b29" || len(c.Messages) != 5 || c.Messages[0].Content != "You are a helpful agent." ||
		c.Messages[2].ToolCalls[0].Name != "get_weather" || c.Messages[3].ToolCallID != "call_Kud0j0DxWSmLzv9W5m6qVqXn" ||
		c.Messages[4].Content != "The weather in Tokyo is currently sunny. If you need more details like temperature or forecast for the upcoming days, just let me know!" ||
		c.Messages[4].Model != "gpt-4.1-2025-04-14" {
		t.Errorf("openinference messages: %+v", c.Messages)
	}
	// Tool schemas where the spans log them: gen_ai.tool.definitions,
	// OpenInference's llm.tools.N, pydantic-ai's model_request_parameters
	// (its output tool for the evaluator).
	for file, want := range map[string][]string{
		"testdata/otel/microsoft-agent.otlp.json":   {"get_weather"},
		"testdata/otel/openai-agents.spans.jsonl":   {"get_weather"},
		"testdata/otel/pydantic-ai-tools.otlp.json": {"get_pun_suggestion", "get_dad_joke_suggestion", "get_one_liner_suggestion", "get_car_joke_suggestion", "get_tree_joke_suggestion"},
	} {
		c := open(t, file).Conversations[0]
		var names []string
		for _, tl := range c.Tools {
			names = append(names, tl.Name)
			if !json.Valid(tl.Parameters) || bytes.ContainsAny(tl.Parameters, "\n") {
				t.Errorf("%s: %s parameters %s", file, tl.Name, tl.Parameters)
			}
		}
		if strings.Join(names, ",") != strings.Join(want, ",") {
			t.Errorf("%s: tools %q, want %q", file, names, want)
		}
	}
	// GenAI messages with parts: tool responses become tool messages.
	w := open(t, "testdata/otel/pydantic-ai-tools.otlp.json").Conversations[0]
	if len(w.Messages) != 9 || len(w.Messages[2].ToolCalls) != 3 || w.Messages[3].Role != RoleTool || w.Messages[3].ToolCallID != "call_X0OSgjUukT5inyEQvuZQnHrk" {
		t.Errorf("pydantic-ai messages: %+v", w.Messages)
	}
}

func TestOTelShapes(t *testing.T) {
	span := func(id, parent, start string, attrs ...string) string {
		return `{"traceId":"t1","spanId":"` + id + `","parentSpanId":"` + parent + `","startTimeUnixNano":"` + start + `","attributes":[` + strings.Join(attrs, ",") + `]}`
	}
	str := func(k, v string) string { return `{"key":"` + k + `","value":{"stringValue":` + v + `}}` }
	num := func(k, v string) string { return `{"key":"` + k + `","value":{"intValue":"` + v + `"}}` }
	export := func(spans ...string) string {
		return `{"resourceSpans":[{"scopeSpans":[{"spans":[` + strings.Join(spans, ",") + `]}]}]}`
	}
	chatStart := span("c1", "a1", "2000", str("gen_ai.operation.name", `"chat"`), str("gen_ai.request.model", `"gpt-4o"`),
		str("gen_ai.input.messages", `"[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"hi\"}]}]"`))
	chatEnd := span("c1", "a1", "2000", num("gen_ai.usage.input_tokens", "1200"), num("gen_ai.usage.output_tokens", "40"),
		num("gen_ai.usage.cache_read.input_tokens", "1024"), str("gen_ai.response.model", `"gpt-4o-2024-08-06"`),
		str("gen_ai.output.messages", `"[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"content\":\"hello\"}]}]"`))
	agent := span("a1", "", "1000", str("gen_ai.operation.name", `"invoke_agent"`), num("gen_ai.usage.input_tokens", "1200"), num("gen_ai.usage.output_tokens", "40"))
	for _, tt := range []struct {
		name, data string
	}{
		// The chat span is written at start (model, input) and at end
		// (usage, output): one span. The agent span repeats its usage.
		{"one export", export(agent, chatStart, chatEnd)},
		{"exports as JSON lines", export(agent) + "\n" + export(chatStart) + "\n" + export(chatEnd) + "\n"},
		{"bare spans as JSON lines", agent + "\n" + chatStart + "\n" + chatEnd + "\n"},
		{"an array of spans", "[" + agent + "," + chatStart + "," + chatEnd + "]"},
		// Some exporters write OTLP integers as JSON numbers.
		{"integers as numbers", strings.ReplaceAll(export(agent, chatStart, chatEnd), `{"intValue":"1200"}`, `{"intValue":1200}`)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src, err := readString(t, "", tt.data)
			if err != nil {
				t.Fatal(err)
			}
			calls, sum := reported(src)
			// Cached reads are inside input (1024 of 1200).
			if want := (Usage{InputTokens: 1200, CachedInputTokens: 1024, OutputTokens: 40}); src.Format != FormatOTel || calls != 1 || sum != want {
				t.Fatalf("%s: %d calls, %+v; want 1, %+v", src.Format, calls, sum, want)
			}
			m := src.Conversations[0].Messages
			if len(m) != 2 || m[0].Content != "hi" || m[1].Content != "hello" || m[1].Model != "gpt-4o-2024-08-06" {
				t.Errorf("messages %+v", m)
			}
		})
	}
	// Older conventions: gen_ai.prompt.N / gen_ai.completion.N, usage as
	// prompt/completion tokens; Anthropic-style cache reads outside input.
	old := `{"name":"anthropic.chat","context":{"trace_id":"0xab","span_id":"0x01"},"parent_id":null,"start_time":"2025-05-01T10:00:00Z","attributes":{` +
		`"gen_ai.system":"anthropic","gen_ai.request.model":"claude-sonnet-4-5","gen_ai.prompt.0.role":"system","gen_ai.prompt.0.content":"Be brief.",` +
		`"gen_ai.prompt.1.role":"user","gen_ai.prompt.1.content":"2+2?","gen_ai.completion.0.role":"assistant","gen_ai.completion.0.content":"4",` +
		`"gen_ai.usage.prompt_tokens":12,"gen_ai.usage.completion_tokens":1,"gen_ai.usage.cache_read_input_tokens":3000}}`
	src, err := readString(t, "", old)
	if err != nil {
		t.Fatal(err)
	}
	// 12 uncached + 3000 read, since the reads exceed the input figure.
	if calls, sum := reported(src); calls != 1 || sum != (Usage{InputTokens: 3012, CachedInputTokens: 3000, OutputTokens: 1}) {
		t.Errorf("%d calls, %+v", calls, sum)
	}
	if m := src.Conversations[0].Messages; len(m) != 3 || m[0].Role != RoleSystem || m[1].Content != "2+2?" || m[2].Content != "4" || src.Conversations[0].ID != "ab" {
		t.Errorf("messages %+v", m)
	}
}

// Older instrumentations put the messages in span events.
func TestOTelEvents(t *testing.T) {
	for _, tt := range []struct{ name, events string }{
		{"gen_ai.content.prompt and .completion (OpenLIT)",
			`{"name":"gen_ai.content.prompt","attributes":[{"key":"gen_ai.prompt","value":{"stringValue":"[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"2+2?\"}]"}}]},` +
				`{"name":"gen_ai.content.completion","attributes":[{"key":"gen_ai.completion","value":{"stringValue":"4"}}]}`},
		{"one event per message",
			`{"name":"gen_ai.system.message","attributes":[{"key":"content","value":{"stringValue":"Be brief."}}]},` +
				`{"name":"gen_ai.user.message","attributes":[{"key":"content","value":{"stringValue":"2+2?"}}]},` +
				`{"name":"gen_ai.choice","attributes":[{"key":"message","value":{"stringValue":"{\"role\":\"assistant\",\"content\":\"4\"}"}}]}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			data := `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"t","spanId":"s","name":"openai.chat","attributes":[` +
				`{"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o-mini"}},{"key":"gen_ai.usage.input_tokens","value":{"intValue":"20"}},` +
				`{"key":"gen_ai.usage.output_tokens","value":{"intValue":"1"}}],"events":[` + tt.events + `]}]}]}]}`
			src, err := readString(t, "", data)
			if err != nil {
				t.Fatal(err)
			}
			m := src.Conversations[0].Messages
			if len(m) != 3 || m[0].Role != RoleSystem || m[0].Content != "Be brief." || m[1].Content != "2+2?" || m[2].Content != "4" || m[2].Usage.InputTokens != 20 {
				t.Errorf("messages %+v", m)
			}
		})
	}
}

func TestOTelBadInput(t *testing.T) {
	for _, tt := range []struct{ data, want string }{
		{`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"t","spanId":"s","attributes":[{"key":"gen_ai.usage.input_tokens","value":{"intValue":"-5"}}]}]}]}]}`,
			"test:1: $.resourceSpans[0].scopeSpans[0].spans[0]: attribute gen_ai.usage.input_tokens: negative count -5"},
		{`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"t","spanId":"s","attributes":[{"key":"gen_ai.usage.output_tokens","value":{"intValue":"9223372036854775808"}}]}]}]}]}`,
			"test:1: $.resourceSpans[0].scopeSpans[0].spans[0]: attribute gen_ai.usage.output_tokens: 9223372036854775808 is out of range"},
		{`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"t","spanId":"s","attributes":[{"key":"db.system","value":{"stringValue":"pg"}}]}]}]}]}`,
			"test: no LLM call among 1 spans (no gen_ai or llm usage, model or messages attributes)"},
	} {
		_, err := readString(t, FormatOTel, tt.data)
		if err == nil || err.Error() != tt.want {
			t.Errorf("error %v\nwant  %q", err, tt.want)
		}
	}
}
