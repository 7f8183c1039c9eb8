package proxy

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokenscope/tokenscope/transcripts"
)

// serveRig runs p.Serve on a port of 127.0.0.1 until the returned cancel
// is called; done gives Serve's result.
func serveRig(t *testing.T, cfg Config, drain time.Duration) (*Proxy, *faultUpstream, string, context.CancelFunc, chan error) {
	t.Helper()
	up := newFaultUpstream()
	t.Cleanup(up.Close)
	cfg.Upstream = up.URL
	if cfg.Out == "" {
		cfg.Out = filepath.Join(t.TempDir(), "calls.jsonl")
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Serve(ctx, ln, drain) }()
	return p, up, "http://" + ln.Addr().String(), cancel, done
}

// A shutdown (SIGINT, SIGTERM) stops taking calls, lets the calls in
// flight finish and records them, then closes the log.
func TestShutdownDrainsCallsInFlight(t *testing.T) {
	out := filepath.Join(t.TempDir(), "calls.jsonl")
	p, _, url, cancel, done := serveRig(t, Config{Out: out}, 10*time.Second)
	type result struct {
		status int
		body   string
	}
	results := make(chan result, 3)
	for i := range 3 {
		go func() {
			s, b := send(t, url, "/v1/chat/completions", strings.Replace(streamBody, "hello", "hello "+string(rune('a'+i)), 1), false, "X-Fault", "slow")
			results <- result{s, b}
		}()
	}
	// All three are streaming when the signal comes.
	deadline := time.Now().Add(5 * time.Second)
	for {
		if inflight(p) == 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	for range 3 {
		r := <-results
		if r.status != 200 || !strings.Contains(r.body, "data: [DONE]") || !strings.Contains(r.body, `" world"`) {
			t.Fatalf("a call in flight at shutdown: %d %q", r.status, r.body)
		}
	}
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	// Nothing is taken after the shutdown, and the log is closed.
	if _, err := http.Get(url + "/v1/models"); err == nil {
		t.Errorf("a request after the shutdown was answered")
	}
	if err := p.rec.add(&transcripts.CallRecord{}); err != errClosed {
		t.Errorf("the log is not closed: %v", err)
	}
	recs := records(t, out)
	if len(recs) != 3 {
		t.Fatalf("%d records, want 3", len(recs))
	}
	for _, rec := range recs {
		if rec.Status != 200 || rec.Reply == nil || rec.Reply.Content != "Hello world" || rec.Reply.Usage == nil {
			t.Fatalf("record %+v", rec)
		}
	}
}

// A call still running when the drain is over is cut, recorded with what
// it relayed, and its reservation released before the log closes.
func TestShutdownCutsCallsPastTheDrain(t *testing.T) {
	out := filepath.Join(t.TempDir(), "calls.jsonl")
	p, _, url, cancel, done := serveRig(t, Config{Out: out, Budgets: []*Budget{mustBudget(t, "1/day")}}, 200*time.Millisecond)
	got := make(chan string, 1)
	go func() {
		_, b := send(t, url, "/v1/chat/completions", streamBody, false, "X-Fault", "hang")
		got <- b
	}()
	deadline := time.Now().Add(5 * time.Second)
	for inflight(p) != 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("shutdown took %s with a 200ms drain", took)
	}
	if b := <-got; !strings.Contains(b, "Hel") {
		t.Errorf("client got %q", b)
	}
	if m, n := reserved(p); m != 0 || n != 0 {
		t.Fatalf("%s, %d tokens still reserved after the shutdown", m, n)
	}
	recs := records(t, out)
	if len(recs) != 1 || recs[0].Status != StatusClientClosed || !strings.Contains(recs[0].Error, "shutdown") || recs[0].Reply == nil || recs[0].Reply.Content != "Hel" {
		t.Fatalf("records %+v", recs)
	}
}

// inflight counts the calls that entered the proxy and have not ended.
func inflight(p *Proxy) int64 { return p.active.Load() }
