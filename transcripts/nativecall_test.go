package transcripts

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// Calls of two conversations interleave; refused and failed calls stay
// out of their conversation.
func TestNativeCallLines(t *testing.T) {
	src, err := Open("testdata/native_proxy_calls.jsonl", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if src.Format != FormatNative || len(src.Conversations) != 2 {
		t.Fatalf("format %s, %d conversations", src.Format, len(src.Conversations))
	}
	a, b := src.Conversations[0], src.Conversations[1]
	var roles []string
	for _, m := range a.Messages {
		roles = append(roles, string(m.Role)+":"+m.Content)
	}
	if got := strings.Join(roles, "|"); got != "system:Be brief.|user:Hello|assistant:Hi!|user:More|assistant:Done." {
		t.Fatalf("px-1: %s", got)
	}
	if a.ID != "px-1" || a.Calls() != 2 || len(a.Tools) != 1 || a.Tools[0].Name != "lookup" {
		t.Fatalf("px-1: %+v", a)
	}
	// Tags of the call reach its reply, whether written on the reply or
	// only on the call line.
	if TagString(a.Messages[2].Tags) != "team=search" || TagString(a.Messages[4].Tags) != "team=search" {
		t.Errorf("tags %v %v", a.Messages[2].Tags, a.Messages[4].Tags)
	}
	if a.Messages[2].Model != "gpt-4o-mini-2024-07-18" || a.Messages[4].Model != "gpt-4o-mini" {
		t.Errorf("models %q %q", a.Messages[2].Model, a.Messages[4].Model)
	}
	if b.ID != "px-2" || b.Calls() != 1 || b.Messages[1].Usage.CachedInputTokens != 1000 || TagString(b.Messages[1].Tags) != "untagged" {
		t.Fatalf("px-2: %+v", b)
	}
	// Every line, refused ones included, reads back as a record.
	var n, refused int
	f, _ := os.Open("testdata/native_proxy_calls.jsonl")
	defer f.Close()
	if _, err := ReadCalls(f, "calls", func(r *CallRecord) error {
		n++
		if r.Refused != "" {
			refused++
		}
		return nil
	}); err != nil || n != 5 || refused != 1 {
		t.Fatalf("ReadCalls: %v, %d records, %d refused", err, n, refused)
	}
}

func TestCallRecordRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	w := NewNativeWriter(&buf)
	rec := &CallRecord{Conversation: "c", API: APIOpenAI, Model: "gpt-4o", Tags: map[string]string{"team": "a"}, Status: 200,
		Messages: []Message{{Role: RoleUser, Content: "q"}}, Reply: &Message{Role: RoleAssistant, Content: "a", Usage: &Usage{InputTokens: 9, OutputTokens: 1}}}
	if err := w.WriteCall(rec); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), `{"type":"call"`) {
		t.Fatalf("line %s", buf.String())
	}
	var got *CallRecord
	ReadCalls(bytes.NewReader(buf.Bytes()), "x", func(r *CallRecord) error { got = r; return nil })
	if got == nil || got.Reply.Usage.InputTokens != 9 || got.Tags["team"] != "a" || got.Messages[0].Content != "q" {
		t.Fatalf("%+v", got)
	}
}

func TestNativeCallErrors(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{`{"type":"call","api":"openai","status":200,"reply":{"role":"assistant","content":"x"}}`, "1: $.conversation: call has no conversation id"},
		{`{"type":"call","api":"openai","conversation":"c","status":200,"messages":[{"role":"robot"}],"reply":{"role":"assistant"}}`, `$.messages[0].role: unknown role "robot"`},
		{`{"type":"call","api":"openai","conversation":"c","status":200,"reply":{"role":"user"}}`, `$.reply.role: reply role is "user"`},
	} {
		_, err := Read(strings.NewReader(tc.line+"\n"), "calls.jsonl", Options{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.line, err, tc.want)
		}
	}
}

func TestParseTags(t *testing.T) {
	got, err := ParseTags(" team=search , endpoint=/ask,beta")
	if err != nil || TagString(got) != "beta,endpoint=/ask,team=search" {
		t.Fatalf("%v %v", got, err)
	}
	if _, err := ParseTags("=x"); err == nil {
		t.Error("=x parsed")
	}
	if TagString(nil) != "untagged" {
		t.Error("nil tags")
	}
}

// A real streamed response with the usage chunk (testdata/README).
func TestParseResponseRealOpenAIStream(t *testing.T) {
	body, err := os.ReadFile("testdata/openai_stream_include_usage.sse")
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseResponse(APIOpenAI, body)
	if err != nil {
		t.Fatal(err)
	}
	if m.Content != "Hi, how are you?" || m.Model != "gpt-3.5-turbo-0125" || m.Usage == nil || m.Usage.InputTokens != 10 || m.Usage.OutputTokens != 5 {
		t.Fatalf("%+v %+v", m, m.Usage)
	}
}

func TestParseRequest(t *testing.T) {
	r, err := ParseRequest(APIOpenAI, []byte(`{"model":"gpt-4o","max_completion_tokens":300,"stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"developer","content":"sys"},{"role":"user","content":[{"type":"text","text":"hi"},{"type":"image_url","image_url":{"url":"x"}}]}],"tools":[{"type":"function","function":{"name":"f"}}]}`))
	if err != nil || r.MaxTokens != 300 || !r.Stream || !r.IncludeUsage || len(r.Messages) != 2 || r.Messages[1].Images != 1 || r.Tools[0].Name != "f" {
		t.Fatalf("%+v %v", r, err)
	}
	a, err := ParseRequest(APIAnthropic, []byte(`{"model":"claude-haiku-4-5","max_tokens":1024,"system":[{"type":"text","text":"sys"}],"messages":[{"role":"user","content":"hi"}]}`))
	if err != nil || a.MaxTokens != 1024 || len(a.Messages) != 2 || a.Messages[0].Role != RoleSystem {
		t.Fatalf("%+v %v", a, err)
	}
	if _, err := ParseRequest(APIOpenAI, []byte(`{"messages":[{"role":"wizard"}]}`)); err == nil {
		t.Error("bad role accepted")
	}
}

func FuzzParseExchange(f *testing.F) {
	if b, err := os.ReadFile("testdata/openai_stream_include_usage.sse"); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}`))
	f.Add([]byte("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"model\":\"m\",\"usage\":{\"input_tokens\":3}}}\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, api := range []string{APIOpenAI, APIOpenAIResponses, APIAnthropic} {
			ParseRequest(api, data)
			if m, err := ParseResponse(api, data); err == nil && m == nil {
				t.Fatal("no error and no message")
			}
		}
	})
}

// A real Responses API stream (testdata/README): the reply and usage come
// from response.completed.
func TestParseResponseRealResponsesStream(t *testing.T) {
	body, err := os.ReadFile("testdata/openai_responses_stream.sse")
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseResponse(APIOpenAIResponses, body)
	if err != nil {
		t.Fatal(err)
	}
	if m.Content != "Greetings, hello, hi, hey, salutations!" || m.Model != "gpt-3.5-turbo-0125" || m.Usage == nil || m.Usage.InputTokens != 13 || m.Usage.OutputTokens != 12 {
		t.Fatalf("%+v %+v", m, m.Usage)
	}
	if _, err := ParseResponse(APIOpenAIResponses, []byte("event: response.created\ndata: {\"type\":\"response.created\"}\n\n")); err == nil {
		t.Error("a stream cut before response.completed parsed")
	}
}

func TestParseResponsesRequest(t *testing.T) {
	r, err := ParseRequest(APIOpenAIResponses, []byte(`{"model":"gpt-5","instructions":"Be brief.","input":"Say some greetings","max_output_tokens":200}`))
	if err != nil || len(r.Messages) != 2 || r.Messages[0].Role != RoleSystem || r.Messages[1].Content != "Say some greetings" || r.MaxTokens != 200 {
		t.Fatalf("%+v %v", r, err)
	}
	r, err = ParseRequest(APIOpenAIResponses, []byte(`{"model":"gpt-5","stream":true,"tools":[{"type":"function","name":"get_weather","parameters":{"type":"object"}},{"type":"web_search"}],
		"input":[{"role":"developer","content":"sys"},{"role":"user","content":[{"type":"input_text","text":"weather?"},{"type":"input_image","image_url":"x"}]},
		{"type":"reasoning","id":"rs_1","summary":[]},
		{"type":"function_call","call_id":"c1","name":"get_weather","arguments":"{\"city\":\"Oslo\"}"},
		{"type":"function_call_output","call_id":"c1","output":"12C"},
		{"type":"message","role":"assistant","content":[{"type":"output_text","text":"It is 12C."}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range r.Messages {
		s := string(m.Role) + ":" + m.Content
		for _, tc := range m.ToolCalls {
			s += "+" + tc.Name + tc.Arguments
		}
		got = append(got, s)
	}
	want := `system:sys|user:weather?|assistant:+get_weather{"city":"Oslo"}|tool:12C|assistant:It is 12C.`
	if strings.Join(got, "|") != want || !r.Stream || len(r.Tools) != 1 || r.Messages[1].Images != 1 {
		t.Fatalf("got %s\nwant %s (%+v)", strings.Join(got, "|"), want, r)
	}
	if _, err := ParseRequest(APIOpenAIResponses, []byte(`{"input":[{"role":"wizard","content":"x"}]}`)); err == nil || !strings.Contains(err.Error(), "$.input[0].role") {
		t.Errorf("bad role: %v", err)
	}
}
