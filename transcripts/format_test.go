package transcripts

import (
	"io"
	"strings"
	"testing"
)

// sizedDocs are one small document of each format with FILL where a long
// text goes; the text is grown to make the file a given size.
var sizedDocs = []struct {
	name, format, doc string
	// big is the message holding the long text.
	conv, msg int
}{
	{"openai chat with system prompt", FormatOpenAIChat,
		`{"model":"gpt-4o","messages":[{"role":"system","content":"FILL"},{"role":"user","content":"hi"}]}`, 0, 0},
	{"openai messages array", FormatOpenAIChat,
		`[{"role":"user","content":"FILL"},{"role":"assistant","content":"ok"}]`, 0, 0},
	{"anthropic tool_use late, no system", FormatAnthropic,
		`{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"FILL"},` +
			`{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"f","input":{"a":1}}]},` +
			`{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"ok"}]}]}`, 0, 0},
	{"anthropic system after messages", FormatAnthropic,
		`{"messages":[{"role":"user","content":"FILL"}],"system":"be brief"}`, 0, 1},
	{"anthropic response", FormatAnthropic,
		`{"id":"msg_1","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[{"type":"text","text":"FILL"}],` +
			`"stop_reason":"end_turn","usage":{"input_tokens":10,"output_tokens":5}}`, 0, 0},
	{"native, huge first line", FormatNative,
		`{"type":"message","role":"user","content":"FILL"}` + "\n" + `{"type":"message","role":"assistant","content":"ok"}`, 0, 0},
	{"claude code", FormatClaudeCode,
		`{"parentUuid":null,"isSidechain":false,"sessionId":"s","type":"user","message":{"role":"user","content":"FILL"},"uuid":"u1","timestamp":"2026-11-02T10:00:00Z"}` + "\n" +
			`{"parentUuid":"u1","isSidechain":false,"sessionId":"s","type":"assistant","requestId":"r","message":{"id":"m","role":"assistant","model":"claude-haiku-4-5","content":[{"type":"text","text":"hello"}],"usage":{"input_tokens":10,"output_tokens":2}},"uuid":"a1","timestamp":"2026-11-02T10:00:01Z"}`, 0, 0},
	{"openai log", FormatOpenAILog,
		`{"request":{"model":"gpt-4o","messages":[{"role":"system","content":"FILL"},{"role":"user","content":"hi"}]},` +
			`"response":{"model":"gpt-4o","choices":[{"message":{"role":"assistant","content":"ok"}}],"usage":{"prompt_tokens":9,"completion_tokens":1}}}`, 0, 0},
	{"anthropic log", FormatAnthropicLog,
		`[{"request":{"model":"claude-haiku-4-5","messages":[{"role":"user","content":"FILL"}]},` +
			`"response":{"id":"msg_1","type":"message","role":"assistant","content":[{"type":"text","text":"ok"}],"usage":{"input_tokens":9,"output_tokens":1}}}]`, 0, 0},
	{"sharegpt", FormatShareGPT,
		`[{"conversations":[{"from":"human","value":"FILL"},{"from":"gpt","value":"ok"}]}]`, 0, 0},
	{"openai batch", FormatOpenAIBatch,
		`{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o","messages":[{"role":"system","content":"FILL"}]}}`, 0, 0},
	{"responses request", FormatOpenAIResponses,
		`{"model":"gpt-5","instructions":"FILL","input":[{"role":"user","content":"hi"}]}`, 0, 0},
	{"responses response", FormatOpenAIResponses,
		`{"id":"resp_1","object":"response","model":"gpt-5","output":[{"type":"message","role":"assistant","content":[{"type":"output_text","text":"FILL"}]}],"usage":{"input_tokens":9,"output_tokens":1}}`, 0, 0},
	{"responses pairs, streamed", FormatOpenAIResponses,
		`{"request":{"model":"gpt-5","input":"FILL"},"response":"event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"id\":\"r\",\"object\":\"response\",\"output\":[],\"usage\":{\"input_tokens\":9,\"output_tokens\":1}}}\n\n"}` + "\n", 0, 0},
	{"gemini request", FormatGeminiAPI,
		`{"contents":[{"role":"user","parts":[{"text":"FILL"}]}],"systemInstruction":{"parts":[{"text":"be brief"}]}}`, 0, 1},
	{"gemini pairs", FormatGeminiAPI,
		`[{"request":{"contents":[{"role":"user","parts":[{"text":"FILL"}]}]},"response":{"candidates":[{"content":{"role":"model","parts":[{"text":"ok"}]}}],"usageMetadata":{"promptTokenCount":9,"candidatesTokenCount":1}}}]`, 0, 0},
	{"litellm standard_logging_payload", FormatLiteLLM,
		`{"id":"c1","call_type":"acompletion","model":"gpt-4o","response_cost":0.1,"messages":[{"role":"user","content":"FILL"}],"response":{"choices":[{"message":{"role":"assistant","content":"ok"}}],"usage":{"prompt_tokens":9,"completion_tokens":1}}}`, 0, 0},
	{"litellm", FormatLiteLLM,
		`[{"request_id":"r1","call_type":"acompletion","model":"gpt-4o","messages":"[{\"role\":\"system\",\"content\":\"FILL\"}]","response":"{}"}]`, 0, 0},
}

// A file's detected format does not depend on its size: each format reads
// the same at 1 KiB and at 2 MiB, and the long text arrives whole.
func TestDetectAnySize(t *testing.T) {
	for _, tc := range sizedDocs {
		for _, size := range []int{1 << 10, 2 << 20} {
			fill := strings.Repeat("a", size-len(tc.doc)+len("FILL"))
			doc := strings.Replace(tc.doc, "FILL", fill, 1)
			// Both a file (seekable) and a pipe (read once).
			for _, r := range []struct {
				kind string
				r    io.Reader
			}{{"file", strings.NewReader(doc)}, {"pipe", io.MultiReader(strings.NewReader(doc))}} {
				src, err := Read(r.r, "x", Options{})
				if err != nil {
					t.Errorf("%s, %d bytes, %s: %v", tc.name, len(doc), r.kind, err)
					continue
				}
				if src.Format != tc.format {
					t.Errorf("%s, %d bytes, %s: format %s, want %s", tc.name, len(doc), r.kind, src.Format, tc.format)
					continue
				}
				if got := src.Conversations[tc.conv].Messages[tc.msg].Content; got != fill {
					t.Errorf("%s, %d bytes, %s: long text has %d bytes, want %d", tc.name, len(doc), r.kind, len(got), len(fill))
				}
			}
		}
	}
}
