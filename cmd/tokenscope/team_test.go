package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/tokenscope/tokenscope/proxy"
	"github.com/tokenscope/tokenscope/report"
	"github.com/tokenscope/tokenscope/transcripts/live/livetest"
)

// machineLog runs calls through a proxy named machine recording to dir
// (a file per day), each reply billed as u, at the time now returns (nil:
// the clock).
func machineLog(t *testing.T, dir, machine string, calls int, u livetest.Usage, now ...func() time.Time) {
	t.Helper()
	up := livetest.New(livetest.Reply{Chunks: []string{"ok"}, Usage: &u})
	defer up.Close()
	cfg := proxy.Config{Upstream: up.URL, Out: dir, Machine: machine, Replica: "1"}
	if len(now) > 0 {
		cfg.Now = now[0]
	}
	p, err := proxy.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p)
	for i := range calls {
		body := fmt.Sprintf(`{"model":"gpt-4o-mini","messages":[{"role":"user","content":"question %d on %s"}]}`, i, machine)
		resp, err := http.Post(srv.URL+"/v1/chat/completions", "application/json", strings.NewReader(body))
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%v %v", err, resp)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	srv.Close()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
}

type usageDoc struct {
	Rows []struct {
		Key         string `json:"key"`
		Calls       int    `json:"calls"`
		Exact       string `json:"cost_usd_exact"`
		Input       int64  `json:"input_tokens"`
		Output      int64  `json:"output_tokens"`
		CacheReads  int64  `json:"cache_read_tokens"`
		CacheWrites int64  `json:"cache_write_tokens"`
	}
	Totals struct {
		Calls int    `json:"calls"`
		Exact string `json:"cost_usd_exact"`
	}
}

func usageJSON(t *testing.T, args ...string) usageDoc {
	t.Helper()
	code, out, errs := tokenscope(t, append([]string{"usage"}, append(args, "--format", "json")...)...)
	var doc usageDoc
	if code != 0 || json.Unmarshal([]byte(out), &doc) != nil {
		t.Fatalf("usage %v: exit %d %s %s", args, code, out, errs)
	}
	return doc
}

// Two machines' proxy folders read as one: each call once, by its request
// id, even when one machine's log was also copied to the other's folder.
func TestUsageOverMachines(t *testing.T) {
	t.Setenv("TZ", "UTC")
	root := t.TempDir()
	a, b := filepath.Join(root, "machine-a"), filepath.Join(root, "machine-b")
	// gpt-4o-mini: 100k input + 10k output = $0.015 + $0.006 = $0.021 a call
	// on a; 2,000 + 500 = $0.0003 + $0.0003 = $0.0006 on b.
	machineLog(t, a, "machine-a", 3, livetest.Usage{Prompt: 100000, Completion: 10000})
	machineLog(t, b, "machine-b", 2, livetest.Usage{Prompt: 2000, Completion: 500})
	ua, ub := usageJSON(t, "daily", a), usageJSON(t, "daily", b)
	if ua.Totals.Calls != 3 || ua.Totals.Exact != "0.063000000000" || ub.Totals.Calls != 2 || ub.Totals.Exact != "0.001200000000" {
		t.Fatalf("each machine: %+v %+v", ua.Totals, ub.Totals)
	}
	// machine-a's log synced into machine-b's folder too.
	files, _ := filepath.Glob(filepath.Join(a, "*.jsonl"))
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(b, "synced-from-a.jsonl"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	all := usageJSON(t, "daily", root)
	if all.Totals.Calls != 5 || all.Totals.Exact != "0.064200000000" {
		t.Fatalf("both machines: %+v, want 5 calls $0.0642 (3 + 2, the copy once)", all.Totals)
	}
	byMachine := usageJSON(t, "machine", root)
	got := map[string]string{}
	for _, r := range byMachine.Rows {
		got[r.Key] = fmt.Sprintf("%d %s", r.Calls, r.Exact)
	}
	if got["machine-a"] != "3 0.063000000000" || got["machine-b"] != "2 0.001200000000" || len(got) != 2 {
		t.Fatalf("by machine: %v", got)
	}

	// report counts the same calls once, and groups them by machine.
	code, out, errs := tokenscope(t, "report", root, "--strategy", "full", "--by", "machine")
	if code != 0 {
		t.Fatalf("report --by machine: exit %d %s", code, errs)
	}
	for _, want := range []string{"machine=machine-a        3   300k   30.0k  $0.0630", "machine=machine-b        2  4,000   1,000  $0.0012", "total                    5   304k   31.0k  $0.0642"} {
		if !strings.Contains(out, want) {
			t.Errorf("report --by machine lacks %q:\n%s", want, out)
		}
	}
	// Its Parquet rows name the machine.
	pq := filepath.Join(t.TempDir(), "calls.parquet")
	if code, _, errs := tokenscope(t, "report", root, "--strategy", "full", "--format", "parquet", "--out", pq); code != 0 {
		t.Fatalf("report: exit %d %s", code, errs)
	}
	rows, err := parquet.ReadFile[report.Row](pq)
	if err != nil {
		t.Fatal(err)
	}
	calls := map[string]int{}
	for _, r := range rows {
		calls[r.Machine]++
	}
	if len(rows) != 5 || calls["machine-a"] != 3 || calls["machine-b"] != 2 {
		t.Fatalf("parquet rows by machine %v (%d rows)", calls, len(rows))
	}
}
