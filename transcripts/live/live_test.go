package live

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/tokenscope/tokenscope/transcripts"
	"github.com/tokenscope/tokenscope/transcripts/live/livetest"
)

func drain(t *testing.T, ch <-chan Event) (text string, done *transcripts.Message, err error) {
	t.Helper()
	for ev := range ch {
		text += ev.Delta
		if ev.Done != nil {
			done = ev.Done
		}
		if ev.Err != nil {
			err = ev.Err
		}
	}
	return
}

const key = "sk-test-0123456789abcdef"

func TestStreamUsageAndJSONL(t *testing.T) {
	srv := livetest.New(
		livetest.Reply{Chunks: []string{"Hel", "lo ", "there."}, Usage: &livetest.Usage{Prompt: 42, Completion: 9, Cached: 0, Reasoning: 6}},
		livetest.Reply{Chunks: []string{"Checking."}, ToolCall: &livetest.ToolCall{ID: "call_1", Name: "search", Arguments: `{"q":"orders"}`}, Usage: &livetest.Usage{Prompt: 80, Completion: 20, Cached: 64}},
	)
	defer srv.Close()
	var out bytes.Buffer
	s, err := New(Config{BaseURL: srv.BaseURL(), APIKey: key, Model: "gpt-4o-mini", System: "Be brief.", RAG: []string{"Doc: orders ship in 2 days."}, Out: &out, OutPath: "mem"})
	if err != nil {
		t.Fatal(err)
	}
	text, done, err := drain(t, s.Send(context.Background(), "hi"))
	if err != nil || text != "Hello there." || done == nil {
		t.Fatalf("text %q, err %v", text, err)
	}
	want := transcripts.Usage{InputTokens: 42, OutputTokens: 9, ReasoningTokens: 6}
	if *done.Usage != want {
		t.Errorf("usage %+v, want %+v", *done.Usage, want)
	}
	_, done, _ = drain(t, s.Send(context.Background(), "where is my order?"))
	if len(done.ToolCalls) != 1 || done.ToolCalls[0].Arguments != `{"q":"orders"}` || done.Usage.CachedInputTokens != 64 {
		t.Errorf("tool call reply %+v", done)
	}
	// The server saw stream_options.include_usage and the whole history.
	req := srv.Requests[1]
	if so, _ := req["stream_options"].(map[string]any); so["include_usage"] != true {
		t.Errorf("stream_options %v", req["stream_options"])
	}
	if msgs, _ := req["messages"].([]any); len(msgs) != 6 {
		t.Errorf("second request sent %d messages, want system + rag + user + reply + rag + user", len(msgs))
	}
	if srv.Auth[0] != "Bearer "+key {
		t.Errorf("auth header %q", srv.Auth[0])
	}
	// The JSONL replays to the same conversation; the key is nowhere in it.
	if strings.Contains(out.String(), key) {
		t.Fatal("API key written to the JSONL")
	}
	src, err := transcripts.Read(bytes.NewReader(out.Bytes()), "live.jsonl", transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, live := src.Conversations[0], s.Conversation()
	if len(got.Messages) != len(live.Messages) || got.Calls() != 2 || !got.Messages[1].RAG {
		t.Fatalf("replayed %d messages, live %d", len(got.Messages), len(live.Messages))
	}
	for i := range got.Messages {
		a, b := got.Messages[i], live.Messages[i]
		if a.Content != b.Content || a.Role != b.Role || (a.Usage == nil) != (b.Usage == nil) {
			t.Errorf("message %d differs after replay", i)
		}
	}
}

func TestErrorsKeepSessionGoing(t *testing.T) {
	srv := livetest.New(
		livetest.Reply{Status: 401, Message: "Incorrect API key provided: " + key},
		livetest.Reply{Status: 429, Message: "Rate limit reached for gpt-4o-mini"},
		livetest.Reply{Chunks: []string{"partial ", "answer", "never"}, FailAfter: 2, Message: "upstream connection reset"},
		livetest.Reply{Chunks: []string{"fine now"}, Usage: &livetest.Usage{Prompt: 10, Completion: 2}},
	)
	defer srv.Close()
	var out bytes.Buffer
	s, _ := New(Config{BaseURL: srv.BaseURL(), APIKey: key, Model: "gpt-4o-mini", Out: &out})
	_, _, err := drain(t, s.Send(context.Background(), "hi"))
	if err == nil || !strings.HasPrefix(err.Error(), "401 Incorrect API key") || strings.Contains(err.Error(), key) || !strings.Contains(err.Error(), "[redacted]") {
		t.Errorf("401: %v", err)
	}
	if _, _, err = drain(t, s.Retry(context.Background())); err == nil || !strings.Contains(err.Error(), "Rate limit") {
		t.Errorf("429: %v", err)
	}
	text, _, err := drain(t, s.Retry(context.Background()))
	if err == nil || !strings.Contains(err.Error(), "upstream connection reset") || text != "partial answer" {
		t.Errorf("mid-stream: %q %v", text, err)
	}
	text, done, err := drain(t, s.Retry(context.Background()))
	if err != nil || text != "fine now" || done.Usage.InputTokens != 10 {
		t.Errorf("retry: %q %v", text, err)
	}
	// One user message, one reply: failed calls left nothing behind.
	if c := s.Conversation(); len(c.Messages) != 2 || c.Calls() != 1 {
		t.Errorf("%d messages", len(c.Messages))
	}
}

func TestCancelStopsOnlyThatCall(t *testing.T) {
	srv := livetest.New(livetest.Reply{Chunks: []string{"a", "b"}, Usage: &livetest.Usage{Prompt: 5, Completion: 2}})
	defer srv.Close()
	s, _ := New(Config{BaseURL: srv.BaseURL(), APIKey: key, Model: "m"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := drain(t, s.Send(ctx, "hi")); err == nil {
		t.Error("a cancelled call succeeded")
	}
	if _, done, err := drain(t, s.Retry(context.Background())); err != nil || done == nil {
		t.Errorf("after cancel: %v", err)
	}
}

// A server that is not there: the error is shown, the session goes on.
func TestConnectionRefused(t *testing.T) {
	srv := livetest.New()
	url := srv.BaseURL()
	srv.Close()
	s, _ := New(Config{BaseURL: url, APIKey: key, Model: "m"})
	_, _, err := drain(t, s.Send(context.Background(), "hi"))
	if err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("err %v", err)
	}
	if c := s.Conversation(); len(c.Messages) != 1 || c.Calls() != 0 {
		t.Errorf("%d messages", len(c.Messages))
	}
}

// SetSystem swaps the prompt the next request sends and records it in
// the log; "" removes the prompt and records nothing.
func TestSetSystem(t *testing.T) {
	srv := livetest.New(livetest.Reply{Chunks: []string{"a"}}, livetest.Reply{Chunks: []string{"b"}}, livetest.Reply{Chunks: []string{"c"}})
	defer srv.Close()
	var out bytes.Buffer
	s, err := New(Config{BaseURL: srv.BaseURL(), APIKey: key, Model: "m", System: "Old.", Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	drain(t, s.Send(context.Background(), "one"))
	if err := s.SetSystem("New."); err != nil {
		t.Fatal(err)
	}
	drain(t, s.Send(context.Background(), "two"))
	first := func(i int) map[string]any { return srv.Requests[i]["messages"].([]any)[0].(map[string]any) }
	if first(0)["content"] != "Old." || first(1)["content"] != "New." || len(srv.Requests[1]["messages"].([]any)) != 4 {
		t.Errorf("requests: %v / %v", srv.Requests[0]["messages"], srv.Requests[1]["messages"])
	}
	if !strings.Contains(out.String(), `"role":"system","content":"New."`) {
		t.Errorf("log lacks the new prompt:\n%s", out.String())
	}
	if err := s.SetSystem(""); err != nil {
		t.Fatal(err)
	}
	drain(t, s.Send(context.Background(), "three"))
	if first(2)["role"] != "user" || strings.Count(out.String(), `"role":"system"`) != 2 {
		t.Errorf("after removing the prompt: %v\n%s", srv.Requests[2]["messages"], out.String())
	}
}
