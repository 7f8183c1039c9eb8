package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tokenscope/tokenscope/proxy"
	"github.com/tokenscope/tokenscope/transcripts/live/livetest"
)

// What the proxy writes, report reads back to the same billed totals.
func TestReportOnProxyLog(t *testing.T) {
	// gpt-4o-mini at $0.15/M input, $0.075/M cached, $0.60/M output:
	// call 1: 2000 input + 100 output = $0.0003 + $0.00006 = $0.00036;
	// call 2: 3000 input of which 2000 cached + 200 output =
	// 1000×0.15/M + 2000×0.075/M + 200×0.6/M = $0.00015 + $0.00015 + $0.00012 = $0.00042.
	up := livetest.New(
		livetest.Reply{Chunks: []string{"Hi"}, Usage: &livetest.Usage{Prompt: 2000, Completion: 100}},
		livetest.Reply{Chunks: []string{"Bye"}, Usage: &livetest.Usage{Prompt: 3000, Cached: 2000, Completion: 200}})
	defer up.Close()
	out := filepath.Join(t.TempDir(), "calls.jsonl")
	p, err := proxy.New(proxy.Config{Upstream: up.URL, Out: out})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p)
	send := func(body, tag string) {
		req, _ := http.NewRequest("POST", srv.URL+"/v1/chat/completions", strings.NewReader(body))
		req.Header.Set(proxy.TagHeader, tag)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%v %v", err, resp)
		}
		io.Copy(io.Discard, resp.Body) // an app reads its stream to the end
		resp.Body.Close()
	}
	send(`{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"hello"}]}`, "team=search")
	send(`{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"hello"},{"role":"assistant","content":"Hi"},{"role":"user","content":"bye"}]}`, "team=ads")
	srv.Close()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}

	code, stdout, stderr := tokenscope(t, "report", "--format", "json", "--strategy", "full", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc struct {
		Source     struct{ Format string }
		Strategies []struct {
			Totals struct {
				ReportedCostUSD float64 `json:"reported_cost_usd"`
			}
			Calls []json.RawMessage
		}
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Source.Format != "native" || len(doc.Strategies[0].Calls) != 2 || doc.Strategies[0].Totals.ReportedCostUSD != 0.00078 {
		t.Fatalf("report: %s", stdout)
	}

	code, stdout, stderr = tokenscope(t, "report", "--by", "tag:team", "--strategy", "full", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"team=ads", "team=search", "$0.00036", "$0.00042", "$0.00078"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("--by tag:team lacks %q:\n%s", want, stdout)
		}
	}
	for _, args := range [][]string{{"--by", "model"}, {"--by", "tags"}, {"--by", "tag", "--format", "json"}} {
		if code, stdout, _ := tokenscope(t, append(append([]string{"report"}, args...), out)...); code != 2 || stdout != "" {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

func TestProxyFlags(t *testing.T) {
	for _, args := range [][]string{
		{"proxy"},
		{"proxy", "--upstream", "ftp://x"},
		{"proxy", "--upstream", "http://127.0.0.1:1", "--budget", "5/fortnight"},
		{"proxy", "--upstream", "http://127.0.0.1:1", "--tpm", "-1"},
		{"proxy", "--upstream", "http://127.0.0.1:1", "--tz", "Nowhere/Atlantis"},
		{"proxy", "--upstream", "http://127.0.0.1:1", "--budget-store", "memcached://127.0.0.1:1"},
		{"proxy", "--upstream", "http://127.0.0.1:1", "--budget-store", "redis://127.0.0.1:1/0", "--budget-hold-ttl", "10ms"},
		{"proxy", "--upstream", "http://127.0.0.1:1", "--otlp-endpoint", "collector:4318"},
	} {
		code, stdout, stderr := tokenscope(t, append(args, "--out", filepath.Join(t.TempDir(), "c.jsonl"))...)
		if code != 2 || stdout != "" || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}
}

// usage tag: the proxy's calls by cost centre, billed, without counting.
func TestUsageByTag(t *testing.T) {
	code, stdout, stderr := tokenscope(t, "usage", "tag", "../../transcripts/testdata/native_proxy_calls.jsonl", "--format", "csv")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// team=search: two calls on gpt-4o-mini, 20 + 31 input at $0.15/M and
	// 2 + 2 output at $0.60/M = 7.65 µ$ + 2.4 µ$ = $0.00001005.
	// untagged: one claude-haiku-4-5 call, 200 uncached at $1/M, 1000 read
	// at $0.10/M, 5 output at $5/M = 200 + 100 + 25 µ$ = $0.000325.
	for _, want := range []string{"\nteam=search,gpt-4o-mini gpt-4o-mini-2024-07-18,2,51,4,0,0,0,55,0.000010050000,0\n",
		"\nuntagged,claude-haiku-4-5,1,200,5,0,0,1000,1205,0.000325000000,0\n"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("lacks %q:\n%s", want, stdout)
		}
	}
}

// A log the proxy cannot write stops it at the start: exit 2, one line,
// nothing on stdout.
func TestProxyUnwritableLogExits2(t *testing.T) {
	code, stdout, stderr := tokenscope(t, "proxy", "--upstream", "http://127.0.0.1:1", "--listen", "127.0.0.1:0", "--out", "/proc/tokenscope-test-calls.jsonl")
	if code != 2 || stdout != "" || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.Contains(stderr, "/proc/tokenscope-test-calls.jsonl") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// SIGTERM stops the proxy gracefully: the stream in flight is relayed to
// its end and recorded, then the proxy exits 0.
func TestProxySIGTERMDrains(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for _, c := range []string{"Hel", "lo"} {
			fmt.Fprintf(w, "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":%q}}]}\n\n", c)
			w.(http.Flusher).Flush()
			time.Sleep(300 * time.Millisecond)
		}
		fmt.Fprint(w, "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2}}\n\ndata: [DONE]\n\n")
	}))
	defer up.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	out := filepath.Join(t.TempDir(), "calls.jsonl")
	exit := make(chan int, 1)
	var stderr strings.Builder
	go func() {
		code, _, e := tokenscope(t, "proxy", "--upstream", up.URL, "--listen", addr, "--out", out, "--drain", "10s")
		stderr.WriteString(e)
		exit <- code
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the proxy did not listen")
		}
		time.Sleep(10 * time.Millisecond)
	}
	resp, err := http.Post("http://"+addr+"/v1/chat/completions", "application/json",
		strings.NewReader(`{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"hi"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	// The stream has begun: the signal comes mid-reply (to this process,
	// so only once the proxy, which catches it, is surely running).
	select {
	case code := <-exit:
		t.Fatalf("the proxy ended before the signal: exit %d: %s", code, stderr.String())
	default:
	}
	syscall.Kill(os.Getpid(), syscall.SIGTERM)
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || !strings.Contains(string(b), "data: [DONE]") {
		t.Fatalf("the stream in flight was cut: %v %q", err, b)
	}
	if code := <-exit; code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	log, _ := os.ReadFile(out)
	if n := strings.Count(string(log), `"type":"call"`); n != 1 || !strings.Contains(string(log), `"content":"Hello"`) {
		t.Fatalf("log after SIGTERM: %s", log)
	}
}
