package proxy

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts"
)

// faultRig starts a fault upstream and a proxy before it recording to a
// file in a temporary directory.
func faultRig(t *testing.T, cfg Config) (*rig, *faultUpstream) {
	t.Helper()
	up := newFaultUpstream()
	t.Cleanup(func() {
		close(up.release)
		up.Close()
	})
	if cfg.Out == "" {
		cfg.Out = filepath.Join(t.TempDir(), "calls.jsonl")
	}
	cfg.Upstream = up.URL
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{p: p, srv: httptest.NewServer(p), out: cfg.Out}
	t.Cleanup(r.stop)
	return r, up
}

const streamBody = `{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Say hello"}]}`

// send posts body with headers (name, value, …) and reads the reply as an
// app would: all of it, or until cancel says to stop after the first
// event. It returns the status (0 when the request failed) and what
// arrived.
func send(t *testing.T, url, path, body string, cancelAfterFirst bool, header ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	resp, err := http.DefaultClient.Do(appRequest(ctx, url+path, body, header...))
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	if cancelAfterFirst {
		line, _ := bufio.NewReader(resp.Body).ReadString('\n')
		cancel()
		return resp.StatusCode, line
	}
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// reserved is what the budgets hold for calls in flight.
func reserved(p *Proxy) (price.Money, int64) {
	levels, err := p.budgets.store.Levels(context.Background(), p.budgets.list, p.cfg.Now())
	if err != nil {
		panic(err)
	}
	var m price.Money
	var n int64
	for _, l := range levels {
		m += l.Reserved
		n += l.ReservedTokens
	}
	return m, n
}

// Every call ends in exactly one record (with what was relayed, an error
// status and the usage known so far) and releases its reservation,
// whatever fails.
func TestEveryCallRecordedOnceUnderFaults(t *testing.T) {
	for _, tc := range []struct {
		fault   string
		cancel  bool // the client leaves after the first event
		status  int  // recorded
		errText string
		content string // the reply recorded: what was relayed
		billed  bool   // the call's spend counts
	}{
		{"", false, 200, "", "Hello world", true},
		{"cut", false, http.StatusBadGateway, "upstream broke off the reply", "Hello", true},
		{"hang", true, StatusClientClosed, "client closed the connection", "Hel", true},
		{"noheaders", false, http.StatusGatewayTimeout, "no response headers in time", "", false},
		{"badevent", false, 200, "1 stream events were not valid JSON", "Hello world", true},
	} {
		t.Run(tc.fault, func(t *testing.T) {
			budget := mustBudget(t, "0.05/hour")
			r, up := faultRig(t, Config{Budgets: []*Budget{budget}, HeaderTimeout: 300 * time.Millisecond})
			for i := range 3 {
				send(t, r.srv.URL, "/v1/chat/completions", strings.Replace(streamBody, "hello", "hello "+string(rune('a'+i)), 1), tc.cancel, "X-Fault", tc.fault)
			}
			// The server's Close waits for the handlers: every call has
			// ended when it returns.
			r.srv.Close()
			if m, n := reserved(r.p); m != 0 || n != 0 {
				t.Fatalf("after 3 calls %s and %d tokens still reserved with nothing in flight", m, n)
			}
			spent := r.p.Budgets()[0].Spent
			r.stop()
			recs := records(t, r.out)
			if len(recs) != 3 || up.requests() != 3 {
				t.Fatalf("%d records of %d calls served, want 3 of 3", len(recs), up.requests())
			}
			var want price.Money
			for _, rec := range recs {
				if rec.Status != tc.status || !strings.Contains(rec.Error, tc.errText) {
					t.Fatalf("record status %d error %q, want %d %q", rec.Status, rec.Error, tc.status, tc.errText)
				}
				got := ""
				if rec.Reply != nil {
					got = rec.Reply.Content
				}
				if got != tc.content {
					t.Errorf("reply recorded %q, want %q", got, tc.content)
				}
				if tc.billed {
					c, _, ok := r.p.billedRecord(rec)
					if !ok || c == 0 {
						t.Errorf("record not billed: %+v", rec)
					}
					want += c
				}
			}
			if spent != want {
				t.Errorf("spent %s, the records bill %s", spent, want)
			}
		})
	}
}

// A reservation never outlives its call: after cancelled calls the window
// still admits a call it has room for, and a restart reads back what the
// cut calls were billed.
func TestCancelledCallsLeakNoBudget(t *testing.T) {
	// Each call reserves gpt-4o-mini's output limit, 16,384 tokens at
	// $0.60/M ≈ $0.00983 (plus its input): the budget admits one at a
	// time.
	out := filepath.Join(t.TempDir(), "calls.jsonl")
	r, _ := faultRig(t, Config{Out: out, Budgets: []*Budget{mustBudget(t, "0.0125/hour")}})
	for i := range 3 {
		status, _ := send(t, r.srv.URL, "/v1/chat/completions", strings.Replace(streamBody, "hello", "hello "+string(rune('a'+i)), 1), true, "X-Fault", "hang")
		if status != 200 {
			t.Fatalf("call %d refused: %d", i+1, status)
		}
		// The proxy learns the client left a moment later.
		waitWritten(t, r.p, int64(i+1))
	}
	if status, body := send(t, r.srv.URL, "/v1/chat/completions", streamBody, false); status != 200 {
		t.Fatalf("a call after 3 cancelled ones: %d %s", status, body)
	}
	spent := r.p.Budgets()[0].Spent
	r.stop()
	r2, _ := faultRig(t, Config{Out: out, Budgets: []*Budget{mustBudget(t, "0.0125/hour")}})
	if got := r2.p.Budgets()[0].Spent; got != spent || got == 0 {
		t.Fatalf("after a restart %s spent, before it %s", got, spent)
	}
}

// The time a call is filed under is the proxy's clock, whatever the
// upstream's created says.
func TestReplyTimeIsTheProxysClock(t *testing.T) {
	for _, fault := range []string{"created1", "createdhuge"} {
		t.Run(fault, func(t *testing.T) {
			r, _ := faultRig(t, Config{Now: func() time.Time { return fixed }})
			if status, body := send(t, r.srv.URL, "/v1/chat/completions", chatBody, false, "X-Fault", fault); status != 200 {
				t.Fatalf("%d %s", status, body)
			}
			r.stop()
			recs := records(t, r.out)
			if len(recs) != 1 || recs[0].Reply == nil {
				t.Fatalf("records %+v", recs)
			}
			if !recs[0].Time.Equal(fixed) || !recs[0].Reply.Time.Equal(fixed) {
				t.Fatalf("filed at %s, reply at %s; want %s", recs[0].Time, recs[0].Reply.Time, fixed)
			}
		})
	}
}

// An upstream that never sends its headers fails the call with 504 after
// the configured time, recorded.
func TestUpstreamHeaderTimeout(t *testing.T) {
	r, _ := faultRig(t, Config{HeaderTimeout: 200 * time.Millisecond})
	start := time.Now()
	status, body := send(t, r.srv.URL, "/v1/chat/completions", chatBody, false, "X-Fault", "noheaders")
	if took := time.Since(start); status != http.StatusGatewayTimeout || took > 5*time.Second {
		t.Fatalf("%d after %s: %s", status, took, body)
	}
	if !strings.Contains(body, "no response headers in time") {
		t.Errorf("body %s", body)
	}
	r.stop()
	if recs := records(t, r.out); len(recs) != 1 || recs[0].Status != http.StatusGatewayTimeout {
		t.Fatalf("records %+v", recs)
	}
}

// waitWritten waits until the proxy has written n records.
func waitWritten(t *testing.T, p *Proxy, n int64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for p.rec.Written() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d records written, want %d", p.rec.Written(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

var _ = errors.New
var _ = transcripts.APIOpenAI

// An Anthropic stream cut off after message_start is billed for the input
// it reported and the output relayed before the cut, not the 1 output
// token message_start says.
func TestCutAnthropicStreamBilledForWhatWasRelayed(t *testing.T) {
	const text = "The quick brown fox jumps over the lazy dog, again and again, until the stream is cut."
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-haiku-4-5\",\"content\":[],\"usage\":{\"input_tokens\":1200,\"output_tokens\":1}}}\n\n")
		io.WriteString(w, "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n")
		io.WriteString(w, "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\""+text+"\"}}\n\n")
		w.(http.Flusher).Flush()
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
		}
	}))
	defer up.Close()
	p, err := New(Config{Upstream: up.URL, Out: filepath.Join(t.TempDir(), "c.jsonl"), Budgets: []*Budget{mustBudget(t, "1/day")}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p)
	send(t, srv.URL, "/v1/messages", `{"model":"claude-haiku-4-5","max_tokens":1024,"stream":true,"messages":[{"role":"user","content":"Hello"}]}`, false, "x-api-key", apiKey)
	srv.Close()
	p.Close()
	recs := records(t, p.cfg.Out)
	if len(recs) != 1 || recs[0].Status != http.StatusBadGateway || recs[0].Reply == nil || recs[0].Reply.Usage == nil {
		t.Fatalf("records %+v", recs)
	}
	u := recs[0].Reply.Usage
	want := p.model("claude-haiku-4-5").tok.Count(text)
	if u.InputTokens != 1200 || u.OutputTokens != want || want < 10 {
		t.Fatalf("usage %+v, want 1200 input and %d output", u, want)
	}
	cost, _, _ := p.billedRecord(recs[0])
	if got := p.Budgets()[0].Spent; got != cost || got == 0 {
		t.Fatalf("spent %s, the record bills %s", got, cost)
	}
}
