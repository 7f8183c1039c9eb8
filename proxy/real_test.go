package proxy

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/tokenscope/tokenscope/profile/price"
)

// replayUpstream is an upstream that answers every request with the
// recorded stream in file; bodies are the requests it was sent, in order.
// It closes when the test ends.
func replayUpstream(t *testing.T, file string) (recorded []byte, up *httptest.Server, bodies *[]string) {
	t.Helper()
	recorded, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	bodies = new([]string)
	up = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		*bodies = append(*bodies, string(body))
		w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
		w.Write(recorded)
	}))
	t.Cleanup(up.Close)
	return recorded, up, bodies
}

// A real Chat Completions stream recorded with include_usage
// (transcripts/testdata/README): the proxy asks for usage on the client's
// behalf, and the client gets the chunks without it.
func TestRealOpenAIStream(t *testing.T) {
	_, up, bodies := replayUpstream(t, "../transcripts/testdata/openai_stream_include_usage.sse")
	r := startRig(t, Config{Out: t.TempDir() + "/calls.jsonl"}, nil, up.URL)
	_, _, got := post(t, r.srv.URL, "/v1/chat/completions", `{"model":"gpt-3.5-turbo-0125","stream":true,"messages":[{"role":"user","content":"Say hi"}]}`)
	if len(*bodies) != 1 || !strings.Contains((*bodies)[0], `"stream_options":{"include_usage":true}`) {
		t.Fatalf("upstream was not asked for usage: %q", *bodies)
	}
	ev := sse(got)
	// 8 chunks and [DONE]: the usage chunk is gone.
	if len(ev) != 9 || ev[8] != "data: [DONE]" {
		t.Fatalf("%d events: %q", len(ev), ev)
	}
	var text strings.Builder
	for _, e := range ev[:8] {
		var chunk map[string]any
		if err := json.Unmarshal([]byte(strings.TrimPrefix(e, "data: ")), &chunk); err != nil {
			t.Fatalf("chunk is not JSON after filtering: %v: %s", err, e)
		}
		if _, ok := chunk["usage"]; ok {
			t.Errorf("usage left in %s", e)
		}
		if chunk["obfuscation"] == nil || chunk["id"] != "chatcmpl-CVFjOTBIgA3kuQLnIXXxtg7Ge7hbs" {
			t.Errorf("other fields changed: %s", e)
		}
		delta := chunk["choices"].([]any)[0].(map[string]any)["delta"].(map[string]any)
		if s, ok := delta["content"].(string); ok {
			text.WriteString(s)
		}
	}
	if text.String() != "Hi, how are you?" {
		t.Fatalf("text %q", text.String())
	}
	r.stop()
	recs := records(t, r.out)
	u := recs[0].Reply.Usage
	if u.InputTokens != 10 || u.OutputTokens != 5 || recs[0].Reply.Model != "gpt-3.5-turbo-0125" {
		t.Fatalf("usage %+v", u)
	}
	// Billed, from the recording's usage: 10 × $0.50/M + 5 × $1.50/M =
	// $0.000005 + $0.0000075 = $0.0000125.
	price, _ := price.Default().Lookup("gpt-3.5-turbo-0125")
	if got := price.Billed(u, false); got != 12_500_000 {
		t.Fatalf("billed %s", got)
	}
}

// A real Responses API stream passes unchanged; its usage comes from
// response.completed, and the next turn threads into the same
// conversation.
func TestRealResponsesStream(t *testing.T) {
	recorded, up, bodies := replayUpstream(t, "../transcripts/testdata/openai_responses_stream.sse")
	r := startRig(t, Config{Out: t.TempDir() + "/calls.jsonl"}, nil, up.URL)
	first := `{"model":"gpt-3.5-turbo-0125","stream":true,"input":[{"role":"user","content":"Say some greetings"}]}`
	_, _, got := post(t, r.srv.URL, "/v1/responses", first)
	if !bytes.Equal(got, recorded) || (*bodies)[0] != first {
		t.Fatalf("stream or request changed:\n%s", got)
	}
	second := `{"model":"gpt-3.5-turbo-0125","stream":true,"input":[{"role":"user","content":"Say some greetings"},{"type":"message","role":"assistant","content":[{"type":"output_text","text":"Greetings, hello, hi, hey, salutations!"}]},{"role":"user","content":"More"}]}`
	post(t, r.srv.URL, "/v1/responses", second)
	r.stop()
	recs := records(t, r.out)
	if len(recs) != 2 || recs[0].Conversation != recs[1].Conversation || len(recs[1].Messages) != 1 {
		t.Fatalf("records %+v", recs)
	}
	u := recs[0].Reply.Usage
	// 13 × $0.50/M + 12 × $1.50/M = $0.0000065 + $0.000018 = $0.0000245.
	price, _ := price.Default().Lookup("gpt-3.5-turbo-0125")
	if u.InputTokens != 13 || u.OutputTokens != 12 || price.Billed(u, false) != 24_500_000 {
		t.Fatalf("usage %+v", u)
	}
}
