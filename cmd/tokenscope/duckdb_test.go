package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts/live/livetest"
)

// usageDailySQL is docs/exports.md's DuckDB query reproducing `usage
// daily` from many machines' Parquet files; the test reads it from there.
func usageDailySQL(t *testing.T) string {
	t.Helper()
	doc, err := os.ReadFile("../../docs/exports.md")
	if err != nil {
		t.Fatal(err)
	}
	const start, end = "-- usage daily (DuckDB)\n", "```"
	s := string(doc)
	i := strings.Index(s, start) + len(start)
	if i < len(start) {
		t.Fatal("docs/exports.md has no '-- usage daily (DuckDB)' query")
	}
	return s[i : i+strings.Index(s[i:], end)]
}

// The documented DuckDB query over two machines' Parquet files gives what
// `usage daily` gives on their folders. DuckDB comes from npm
// (@duckdb/node-api, found through NODE_PATH); without it the test skips.
func TestDuckDBReproducesUsageDaily(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("no node")
	}
	if exec.Command(node, "-e", "require('@duckdb/node-api')").Run() != nil {
		t.Skip("@duckdb/node-api not found (npm install @duckdb/node-api; NODE_PATH=…/node_modules)")
	}
	t.Setenv("TZ", "UTC")
	root := t.TempDir()
	machineLog(t, filepath.Join(root, "logs", "a"), "machine-a", 3, livetest.Usage{Prompt: 100000, Cached: 40000, Completion: 10000})
	machineLog(t, filepath.Join(root, "logs", "b"), "machine-b", 2, livetest.Usage{Prompt: 2000, Completion: 500})
	machineLog(t, filepath.Join(root, "logs", "b"), "machine-b", 4, livetest.Usage{Prompt: 7000, Completion: 900, Reasoning: 300})
	out := filepath.Join(root, "out")
	for _, m := range []string{"a", "b"} {
		if code, _, errs := tokenscope(t, "report", filepath.Join(root, "logs", m), "--strategy", "full", "--format", "parquet",
			"--out", filepath.Join(out, m+".parquet")); code != 0 {
			t.Fatalf("report %s: %s", m, errs)
		}
	}
	// host-a's file shipped twice: its rows count once.
	data, err := os.ReadFile(filepath.Join(out, "a.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "a-again.parquet"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	script := `const { DuckDBInstance } = require('@duckdb/node-api');
(async () => {
  const con = await (await DuckDBInstance.create(':memory:')).connect();
  const r = await con.runAndReadAll(process.argv[1]);
  console.log(JSON.stringify(r.getRowObjectsJson()));
})().catch(e => { console.error(e.message); process.exit(1); });`
	cmd := exec.Command(node, "-e", script, usageDailySQL(t))
	cmd.Dir = root
	got, err := cmd.Output()
	if err != nil {
		t.Fatalf("duckdb: %v", err)
	}
	var duck []map[string]string
	if err := json.Unmarshal(got, &duck); err != nil {
		t.Fatalf("%v: %s", err, got)
	}
	u := usageJSON(t, "daily", filepath.Join(root, "logs"))
	// The upstream's replies are dated by their "created" (one day).
	if len(duck) != len(u.Rows) || len(duck) == 0 || u.Totals.Calls != 9 {
		t.Fatalf("duckdb %v\nusage %+v", duck, u.Rows)
	}
	for i, r := range u.Rows {
		cost, err := price.ParseUSD(r.Exact)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"day": r.Key, "calls": strconv.Itoa(r.Calls), "input_tokens": strconv.FormatInt(r.Input, 10),
			"output_tokens": strconv.FormatInt(r.Output, 10), "cache_read_tokens": strconv.FormatInt(r.CacheReads, 10),
			"cache_write_tokens": strconv.FormatInt(r.CacheWrites, 10), "cost_pusd": strconv.FormatInt(int64(cost), 10)}
		for k, v := range want {
			if duck[i][k] != v {
				t.Errorf("%s %s: duckdb %q, usage %q", r.Key, k, duck[i][k], v)
			}
		}
	}
}
