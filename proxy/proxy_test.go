package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokenscope/tokenscope/profile/strategy"

	openai "github.com/sashabaranov/go-openai"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/advisor"
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts"
	"github.com/tokenscope/tokenscope/transcripts/live/livetest"
)

// fixed is the clock of tests that check budget windows: 10:20 UTC.
var fixed = time.Date(2026, 11, 24, 10, 20, 0, 0, time.UTC)

const apiKey = "sk-test-SECRET-key-0123456789"

type rig struct {
	p   *Proxy
	srv *httptest.Server
	up  *livetest.Server
	out string
}

// newRig starts a fake upstream answering replies, and a proxy before it
// recording to a file in a temporary directory.
func newRig(t *testing.T, cfg Config, replies ...livetest.Reply) *rig {
	t.Helper()
	up := livetest.New(replies...)
	t.Cleanup(up.Close)
	if cfg.Out == "" {
		cfg.Out = filepath.Join(t.TempDir(), "calls.jsonl")
	}
	return startRig(t, cfg, up, up.URL)
}

func startRig(t *testing.T, cfg Config, up *livetest.Server, upstream string) *rig {
	t.Helper()
	cfg.Upstream = upstream
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p)
	r := &rig{p: p, srv: srv, up: up, out: cfg.Out}
	t.Cleanup(r.stop)
	return r
}

// stop closes the proxy; calls are all written when it returns.
func (r *rig) stop() {
	if r.srv == nil {
		return
	}
	r.srv.Close()
	r.p.Close()
	r.srv = nil
}

// appRequest is a POST of a JSON body to url as an app sends it, with its
// key and the headers (name, value, …).
func appRequest(ctx context.Context, url, body string, header ...string) *http.Request {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+apiKey)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return req
}

// replayLog reads the proxy's log at out and replays what the app did.
func replayLog(t *testing.T, out string) (*profile.Result, []*transcripts.Conversation) {
	t.Helper()
	src, err := transcripts.Open(out, transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := profile.Run(src.Conversations, profile.Options{Strategies: mustStrategies(t, "full")})
	if err != nil {
		t.Fatal(err)
	}
	return res, src.Conversations
}

// post sends body to url+path with the headers and returns the response.
func post(t *testing.T, url, path, body string, header ...string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(appRequest(context.Background(), url+path, body, header...))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

func records(t *testing.T, out string) []*transcripts.CallRecord {
	t.Helper()
	var recs []*transcripts.CallRecord
	err := readBack(logFiles(out, fixed), nil, func(r *transcripts.CallRecord) error {
		recs = append(recs, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// stopRecords stops the rig and returns its records, failing t unless there
// are n: every call ends in exactly one record.
func (r *rig) stopRecords(t *testing.T, n int) []*transcripts.CallRecord {
	t.Helper()
	r.stop()
	recs := records(t, r.out)
	if len(recs) != n {
		t.Fatalf("%d records, want %d", len(recs), n)
	}
	return recs
}

const chatBody = `{"model":"gpt-4o-mini","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hello there"}]}`

func TestNonStreamedBodiesPassUnchanged(t *testing.T) {
	reply := livetest.Reply{Chunks: []string{"Hi", "!"}, Usage: &livetest.Usage{Prompt: 20, Completion: 3}}
	r := newRig(t, Config{}, reply, reply)
	status, h, direct := post(t, r.up.URL, "/v1/chat/completions", chatBody)
	pstatus, ph, proxied := post(t, r.srv.URL, "/v1/chat/completions", chatBody)
	if status != 200 || pstatus != 200 || !bytes.Equal(direct, proxied) {
		t.Fatalf("direct %d %q\nproxied %d %q", status, direct, pstatus, proxied)
	}
	for _, k := range []string{"Content-Type", "X-Request-Id", "Content-Length"} {
		if h.Get(k) != ph.Get(k) {
			t.Errorf("header %s: direct %q, proxied %q", k, h.Get(k), ph.Get(k))
		}
	}
	if got := r.up.Auth[1]; got != "Bearer "+apiKey {
		t.Errorf("upstream saw Authorization %q", got)
	}
	r.stop()
	recs := records(t, r.out)
	if len(recs) != 1 || recs[0].Reply == nil || recs[0].Reply.Content != "Hi!" || recs[0].Reply.Usage.InputTokens != 20 {
		t.Fatalf("records: %+v", recs)
	}
}

func TestModelsAndErrorsPassThrough(t *testing.T) {
	r := newRig(t, Config{}, livetest.Reply{Status: 401, Message: "Incorrect API key provided: " + apiKey})
	resp, err := http.Get(r.srv.URL + "/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"gpt-4o-mini"`) {
		t.Fatalf("/v1/models: %d %s", resp.StatusCode, b)
	}
	status, _, body := post(t, r.srv.URL, "/v1/chat/completions", chatBody)
	if status != 401 || !strings.Contains(string(body), "Incorrect API key") {
		t.Fatalf("error not passed through: %d %s", status, body)
	}
	r.stop()
	recs := records(t, r.out)
	if len(recs) != 1 || recs[0].Status != 401 || recs[0].Reply != nil {
		t.Fatalf("records: %+v", recs)
	}
	assertNoKey(t, r.out)
}

// An upstream given with its /v1 is not doubled.
func TestUpstreamWithV1(t *testing.T) {
	up := livetest.New(livetest.Reply{Chunks: []string{"ok"}})
	defer up.Close()
	r := startRig(t, Config{Out: filepath.Join(t.TempDir(), "c.jsonl")}, up, up.URL+"/v1/")
	if status, _, body := post(t, r.srv.URL, "/v1/chat/completions", chatBody); status != 200 || !strings.Contains(string(body), `"ok"`) {
		t.Fatalf("%d %s", status, body)
	}
}

func TestNotAnOpenProxy(t *testing.T) {
	r := newRig(t, Config{})
	// An absolute-form request line, as sent to a forward proxy.
	conn, err := http.DefaultTransport.(*http.Transport).Clone().DialContext(context.Background(), "tcp", strings.TrimPrefix(r.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET http://example.com/v1/models HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n")
	b, _ := io.ReadAll(conn)
	if !strings.HasPrefix(string(b), "HTTP/1.1 400") || !strings.Contains(string(b), "forwards only to its upstream") {
		t.Fatalf("absolute URL not refused:\n%s", b)
	}
}

// sse splits a stream into its events.
func sse(b []byte) []string {
	var out []string
	for _, ev := range strings.Split(strings.TrimSpace(string(b)), "\n\n") {
		out = append(out, ev)
	}
	return out
}

func TestOpenAIStreamGetsUsageClientDoesNotSeeIt(t *testing.T) {
	reply := livetest.Reply{Chunks: []string{"One", " two", " three"}, Usage: &livetest.Usage{Prompt: 21, Completion: 3, Cached: 0}}
	r := newRig(t, Config{}, reply, reply, reply, reply)
	const stream = `{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Count to three"}]}`
	_, _, direct := post(t, r.up.URL, "/v1/chat/completions", stream)
	_, h, proxied := post(t, r.srv.URL, "/v1/chat/completions", stream)
	if !bytes.Equal(direct, proxied) {
		t.Fatalf("client saw another stream\ndirect:  %q\nproxied: %q", direct, proxied)
	}
	if strings.Contains(string(proxied), "usage") {
		t.Fatalf("usage leaked to the client: %s", proxied)
	}
	if h.Get("Content-Type") != "text/event-stream" {
		t.Errorf("Content-Type %q", h.Get("Content-Type"))
	}
	if got := r.up.Requests[1]["stream_options"]; got == nil {
		t.Errorf("proxy did not ask for usage: %v", r.up.Requests[1])
	}
	// A client that asks for usage gets exactly what it asked for.
	const withUsage = `{"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Count to three"}]}`
	_, _, direct = post(t, r.up.URL, "/v1/chat/completions", withUsage)
	_, _, proxied = post(t, r.srv.URL, "/v1/chat/completions", withUsage)
	if !bytes.Equal(direct, proxied) {
		t.Fatalf("client that asked for usage saw another stream\ndirect:  %q\nproxied: %q", direct, proxied)
	}
	ev := sse(proxied)
	// role chunk, 3 content chunks, finish chunk, usage chunk, [DONE].
	if len(ev) != 7 || !strings.Contains(ev[5], `"prompt_tokens":21`) || ev[6] != "data: [DONE]" {
		t.Fatalf("events: %q", ev)
	}
	recs := r.stopRecords(t, 2)
	for _, rec := range recs {
		if rec.Reply == nil || rec.Reply.Content != "One two three" || rec.Reply.Usage == nil || rec.Reply.Usage.InputTokens != 21 || rec.Reply.Usage.OutputTokens != 3 {
			t.Fatalf("record %+v reply %+v", rec, rec.Reply)
		}
	}
}

func TestGoOpenAIThroughProxy(t *testing.T) {
	reply := livetest.Reply{Chunks: []string{"Hel", "lo"}, Usage: &livetest.Usage{Prompt: 12, Completion: 2}}
	tool := livetest.Reply{ToolCall: &livetest.ToolCall{ID: "call_1", Name: "lookup", Arguments: `{"q":"weather"}`}, Usage: &livetest.Usage{Prompt: 30, Completion: 9}}
	r := newRig(t, Config{}, reply, tool)
	oc := openai.DefaultConfig(apiKey)
	oc.BaseURL = r.srv.URL + "/v1"
	client := openai.NewClientWithConfig(oc)
	ctx := context.Background()
	msgs := []openai.ChatCompletionMessage{{Role: "user", Content: "Say hello"}}
	st, err := client.CreateChatCompletionStream(ctx, openai.ChatCompletionRequest{Model: "gpt-4o-mini", Stream: true, Messages: msgs})
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	var deltas []string
	for {
		c, err := st.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if c.Usage != nil {
			t.Errorf("client got a usage chunk it did not ask for")
		}
		for _, ch := range c.Choices {
			if ch.Delta.Content != "" {
				deltas = append(deltas, ch.Delta.Content)
			}
			text.WriteString(ch.Delta.Content)
		}
	}
	st.Close()
	if strings.Join(deltas, "|") != "Hel|lo" {
		t.Fatalf("deltas %q", deltas)
	}
	msgs = append(msgs, openai.ChatCompletionMessage{Role: "assistant", Content: text.String()},
		openai.ChatCompletionMessage{Role: "user", Content: "What's the weather?"})
	resp, err := client.CreateChatCompletion(ctx, openai.ChatCompletionRequest{Model: "gpt-4o-mini", Messages: msgs,
		Tools: []openai.Tool{{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{Name: "lookup", Parameters: json.RawMessage(`{"type":"object"}`)}}}})
	if err != nil {
		t.Fatal(err)
	}
	if tc := resp.Choices[0].Message.ToolCalls; len(tc) != 1 || tc[0].Function.Name != "lookup" || resp.Usage.PromptTokens != 30 {
		t.Fatalf("response %+v", resp)
	}
	r.stop()
	// Both calls are one conversation: the second re-sent the first.
	src, err := transcripts.Open(r.out, transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(src.Conversations) != 1 || src.Conversations[0].Calls() != 2 {
		t.Fatalf("%d conversations", len(src.Conversations))
	}
	c := src.Conversations[0]
	roles := ""
	for _, m := range c.Messages {
		roles += string(m.Role)[:1]
	}
	// The first call sent no tools, the second one: its reply says so.
	if p := c.Messages[3].Prompt(); roles != "uaua" || c.Messages[3].ToolCalls[0].Arguments != `{"q":"weather"}` || len(c.Tools) != 0 ||
		p == nil || len(p.Tools) != 1 || p.Tools[0].Name != "lookup" {
		t.Fatalf("conversation %s: %+v", roles, c)
	}
	assertNoKey(t, r.out)
}

const anthropicBody = `{"model":"claude-haiku-4-5","max_tokens":1024,"stream":%s,"system":"Be brief.","messages":[{"role":"user","content":"Hello"}]}`

func TestAnthropicPassThrough(t *testing.T) {
	reply := livetest.Reply{Chunks: []string{"Hello", " back"}, Usage: &livetest.Usage{Prompt: 1200, Cached: 1000, Completion: 5}}
	r := newRig(t, Config{}, reply, reply, reply, reply)
	for _, stream := range []string{"false", "true"} {
		body := strings.Replace(anthropicBody, "%s", stream, 1)
		_, h, direct := post(t, r.up.URL, "/v1/messages", body, "x-api-key", apiKey, "anthropic-version", "2023-06-01")
		_, ph, proxied := post(t, r.srv.URL, "/v1/messages", body, "x-api-key", apiKey, "anthropic-version", "2023-06-01")
		if !bytes.Equal(direct, proxied) || h.Get("Content-Type") != ph.Get("Content-Type") {
			t.Fatalf("stream=%s: direct %q\nproxied %q", stream, direct, proxied)
		}
		if stream == "true" {
			var types []string
			for _, ev := range sse(proxied) {
				types = append(types, strings.TrimPrefix(strings.SplitN(ev, "\n", 2)[0], "event: "))
			}
			want := "message_start content_block_start ping content_block_delta content_block_delta content_block_stop message_delta message_stop"
			if strings.Join(types, " ") != want {
				t.Fatalf("events %q", types)
			}
		}
	}
	if got := r.up.Headers[3].Get("X-Api-Key"); got != apiKey {
		t.Errorf("x-api-key not forwarded: %q", got)
	}
	recs := r.stopRecords(t, 2)
	for _, rec := range recs {
		u := rec.Reply.Usage
		// Anthropic reports 200 uncached + 1000 read; input is all of it.
		if rec.Reply.Content != "Hello back" || u.InputTokens != 1200 || u.CachedInputTokens != 1000 || u.OutputTokens != 5 {
			t.Fatalf("record %+v usage %+v", rec.Reply, u)
		}
	}
	assertNoKey(t, r.out)
}

func TestTagsStrippedRecordedAndGrouped(t *testing.T) {
	reply := livetest.Reply{Chunks: []string{"ok"}, Usage: &livetest.Usage{Prompt: 1000000, Completion: 100000}}
	r := newRig(t, Config{Now: func() time.Time { return fixed }}, reply)
	post(t, r.srv.URL, "/v1/chat/completions", chatBody, TagHeader, "team=search, endpoint=/ask")
	post(t, r.srv.URL, "/v1/chat/completions", strings.Replace(chatBody, "Hello there", "Other", 1), TagHeader, "team=ads")
	post(t, r.srv.URL, "/v1/chat/completions", strings.Replace(chatBody, "Hello there", "Third", 1))
	for i, h := range r.up.Headers {
		if h.Get(TagHeader) != "" {
			t.Errorf("call %d: tag header forwarded", i+1)
		}
	}
	r.stop()
	res, convs := replayLog(t, r.out)
	rows := advisor.ByTag(res, convs, "")
	got := map[string]int64{}
	for _, row := range rows {
		got[row.Tag] = int64(row.Reported)
	}
	// Each call: 1M input at $0.15/M + 100k output at $0.60/M = $0.21.
	want := price.Money(210_000_000_000)
	for _, tag := range []string{"endpoint=/ask,team=search", "team=ads", "untagged"} {
		if price.Money(got[tag]) != want {
			t.Errorf("tag %s billed %s, want %s (rows %+v)", tag, price.Money(got[tag]), want, rows)
		}
	}
	teams := advisor.ByTag(res, convs, "team")
	if len(teams) != 3 || teams[0].Tag != "team=ads" || teams[1].Tag != "team=search" || teams[2].Tag != "team=untagged" {
		t.Fatalf("by team: %+v", teams)
	}
}

func mustStrategies(t *testing.T, specs ...string) []*strategy.Strategy {
	t.Helper()
	s, err := strategy.ParseAll(specs)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// assertNoKey fails when the API key is in any file under out.
func assertNoKey(t *testing.T, out string) {
	t.Helper()
	dir := out
	if !isDir(out) {
		dir = filepath.Dir(out)
	}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, _ := os.ReadFile(p)
		if bytes.Contains(b, []byte(apiKey)) || bytes.Contains(b, []byte("SECRET")) {
			t.Errorf("%s holds the API key", p)
		}
		return nil
	})
}
