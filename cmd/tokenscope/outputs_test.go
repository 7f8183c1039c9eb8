package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/tokenscope/tokenscope/profile/usage"
	"github.com/tokenscope/tokenscope/report"
)

// proxyLog writes calls in the proxy's native JSONL to a temporary file:
// each call is model, conversation, tag value, tool name and user text,
// answered with reported usage.
func proxyLog(t *testing.T, name string, calls [][5]string) string {
	t.Helper()
	var b bytes.Buffer
	for i, c := range calls {
		line := map[string]any{"type": "call", "model": c[0], "conversation": c[1], "tags": map[string]string{"team": c[2]},
			"ts": "2026-11-24T10:00:0" + string(rune('1'+i)) + "Z", "api": "openai", "endpoint": "/v1/chat/completions",
			"tools":    []map[string]any{{"name": c[3], "parameters": map[string]any{"type": "object"}}},
			"messages": []map[string]string{{"role": "system", "content": "Be brief."}, {"role": "user", "content": c[4]}},
			"reply": map[string]any{"role": "assistant", "content": "Sure, here it is.", "tags": map[string]string{"team": c[2]},
				"usage": map[string]int{"input_tokens": 1200, "cached_input_tokens": 1000, "output_tokens": 40}},
			"status": 200}
		j, err := json.Marshal(line)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(append(j, '\n'))
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// output runs tokenscope and returns what it wrote: stdout, or the file
// --out names (every file of a directory, for svg).
func output(t *testing.T, args ...string) string {
	t.Helper()
	var out string
	for i, a := range args {
		if a == "--out" {
			out = args[i+1]
		}
	}
	code, stdout, errs := tokenscope(t, args...)
	if code != 0 {
		t.Fatalf("%q: exit %d: %s", args, code, errs)
	}
	if out == "" {
		return stdout
	}
	var all strings.Builder
	files, _ := filepath.Glob(out + "*")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all.Write(b)
	}
	return all.String()
}

// zeroMoney is money shown as a price of nothing: $0, $0.00, $0.0000.
var zeroMoney = regexp.MustCompile(`\$0(\.0+)?([^.0-9]|$)`)

// walkJSON fails on any money field (a key naming usd, cost or pusd) that
// is a number 0 where it should be null.
func walkJSON(t *testing.T, where string, v any) {
	t.Helper()
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if n, ok := x.(float64); ok && n == 0 && (strings.Contains(k, "usd") || strings.Contains(k, "cost") || strings.Contains(k, "pusd")) {
				t.Errorf("%s: %q is 0, not null", where, k)
			}
			walkJSON(t, where+"."+k, x)
		}
	case []any:
		for _, x := range v {
			walkJSON(t, where+"[]", x)
		}
	}
}

// A log whose model has no price shows no price anywhere: every report
// format, usage by day, session, project and tag in each of its formats,
// --by tag and --compare say "unpriced" or carry null (and a flag), never
// $0.00 nor a cost of 0.
func TestUnpricedEverywhere(t *testing.T) {
	const model = "acme-unpriced-1"
	log := proxyLog(t, "unpriced.jsonl", [][5]string{
		{model, "u-1", "search", "lookup", "Hello"}, {model, "u-1", "search", "lookup", "More"}, {model, "u-2", "ops", "lookup", "Other"}})
	dir := t.TempDir()
	texts := map[string]string{}
	for _, f := range []string{"table", "md", "html", "otlp", "json"} {
		texts["report "+f] = output(t, "report", log, "--format", f, "--per-day", "10")
	}
	texts["report svg"] = output(t, "report", log, "--format", "svg", "--out", filepath.Join(dir, "chart"))
	texts["report md --out"] = output(t, "report", log, "--format", "md", "--out", filepath.Join(dir, "md")+"/")
	texts["report --by tag"] = output(t, "report", log, "--by", "tag")
	sys := filepath.Join(dir, "sys.txt")
	os.WriteFile(sys, []byte("Be very brief."), 0o644)
	for _, f := range report.ComparisonFormats {
		texts["compare "+f] = output(t, "report", "--compare", log, "--system", sys, "--format", f)
	}
	for _, g := range []string{"daily", "monthly", "session", "project", "tag"} {
		for _, f := range report.UsageFormats {
			texts["usage "+g+" "+f] = output(t, "usage", g, log, "--format", f)
		}
	}
	for name, out := range texts {
		if m := zeroMoney.FindString(out); m != "" {
			t.Errorf("%s shows %q as a price:\n%s", name, m, out)
		}
		if !strings.Contains(out, "unpriced") {
			t.Errorf("%s does not say unpriced:\n%s", name, out)
		}
		if strings.HasSuffix(name, "json") {
			var v any
			if err := json.Unmarshal([]byte(out), &v); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			walkJSON(t, name, v)
		}
	}
	// CSV: every cost cell empty, the unpriced flag set.
	cells, err := csv.NewReader(strings.NewReader(output(t, "report", log, "--format", "csv"))).ReadAll()
	if err != nil || len(cells) < 2 {
		t.Fatalf("csv: %v, %d lines", err, len(cells))
	}
	col := map[string]int{}
	for i, h := range cells[0] {
		col[h] = i
	}
	for _, r := range cells[1:] {
		if r[col["cost_usd"]] != "" || r[col["cost_pusd"]] != "" || r[col["reported_cost_pusd"]] != "" || r[col["unpriced"]] != "true" {
			t.Errorf("csv row %q", r)
		}
	}
	// Parquet: cost null on every row.
	pq := filepath.Join(dir, "r.parquet")
	output(t, "report", log, "--format", "parquet", "--out", pq)
	b, err := os.ReadFile(pq)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := parquet.Read[report.Row](bytes.NewReader(b), int64(len(b)))
	if err != nil || len(rows) == 0 {
		t.Fatalf("parquet: %v, %d rows", err, len(rows))
	}
	for _, r := range rows {
		if r.CostUSD != nil || r.CostPUSD != nil || r.ReportedCostPUSD != nil || !r.Unpriced {
			t.Errorf("parquet row %+v", r)
		}
	}
}

// Partly priced: the table says how many calls were priced.
func TestPartlyPriced(t *testing.T) {
	log := proxyLog(t, "partly.jsonl", [][5]string{
		{"gpt-4o-mini", "p-1", "search", "lookup", "Hello"}, {"acme-unpriced-1", "p-2", "ops", "lookup", "Other"}})
	out := output(t, "report", log)
	if !strings.Contains(out, "1 of 2 calls priced") {
		t.Errorf("table:\n%s", out)
	}
	if out := output(t, "usage", "session", log); !strings.Contains(out, "1 of 2 calls with usage priced") {
		t.Errorf("usage:\n%s", out)
	}
	sys := filepath.Join(t.TempDir(), "sys.txt")
	os.WriteFile(sys, []byte("Be very brief."), 0o644)
	if out := output(t, "report", "--compare", log, "--system", sys); !strings.Contains(out, "A: 1 of 2 calls priced") ||
		!strings.Contains(out, "B: 1 of 2 calls priced") {
		t.Errorf("compare:\n%s", out)
	}
}

// hostile are names a proxy client or a log can choose: terminal escapes
// (OSC 52 writes the clipboard, OSC 0 sets the title, CSI clears the
// screen, the 8-bit CSI), HTML that runs script in a Markdown viewer, and
// spreadsheet formulas.
const (
	hostileModel = "\x1b]0;pwned\x07<img src=x onerror=alert(1)>"
	hostileConv  = "=HYPERLINK(\"http://x\")\x1b]52;c;cHduZWQ=\x07"
	hostileTag   = "@SUM(1)\u009b2J"
	hostileTool  = "<img src=y onerror=alert(2)>\x1b[2J"
)

// Text from a log reaches no output raw: no escape or control character
// in any text output (report table with its findings, Markdown, HTML, usage,
// compare, --by tag, prices), no HTML tag in Markdown, no cell a
// spreadsheet would run as a formula in CSV.
func TestHostileNamesEverywhere(t *testing.T) {
	log := proxyLog(t, "hostile.jsonl", [][5]string{
		{hostileModel, hostileConv, hostileTag, hostileTool, "Hello"},
		{"gpt-4o-mini", "-2+3", "+1", hostileTool, "More"},
		{"gpt-4o-mini", hostileConv, hostileTag, hostileTool, "Again"}})
	dir := t.TempDir()
	sys := filepath.Join(dir, "sys.txt")
	os.WriteFile(sys, []byte("Be very brief."), 0o644)
	prices := filepath.Join(dir, "prices.yaml")
	os.WriteFile(prices, []byte("models:\n  - id: \"evil\\e]52;c;eA==\\a-1\"\n    provider: openai\n    input: 1\n    output: 2\n"), 0o644)
	texts := map[string]string{
		"report table": output(t, "report", log),
		"report md":    output(t, "report", log, "--format", "md"),
		"report html":  output(t, "report", log, "--format", "html"),
		"by tag":       output(t, "report", log, "--by", "tag"),
		"compare":      output(t, "report", "--compare", log, "--system", sys),
		"compare md":   output(t, "report", "--compare", log, "--system", sys, "--format", "md"),
	}
	for _, g := range usage.Groups {
		texts["usage "+g] = output(t, "usage", g, log)
	}
	if code, out, errs := tokenscope(t, "prices", "--prices", prices); code == 0 {
		texts["prices"] = out
	} else {
		t.Logf("prices with a hostile id: exit %d %s", code, errs)
	}
	for name, out := range texts {
		for _, r := range out {
			if (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r < 0xa0) {
				t.Errorf("%s writes control character %U:\n%q", name, r, out)
				break
			}
		}
		if strings.Contains(name, "md") && strings.Contains(out, "<img") {
			t.Errorf("%s writes raw HTML:\n%s", name, out)
		}
	}
	if !strings.Contains(texts["report table"], "pwned") || !strings.Contains(texts["usage session"], "52;c;cHduZWQ=") {
		t.Errorf("hostile names left out instead of shown inert:\n%s\n%s", texts["report table"], texts["usage session"])
	}
	for _, args := range [][]string{{"report", log, "--format", "csv"}, {"usage", "session", log, "--format", "csv"}, {"usage", "tag", log, "--format", "csv"}} {
		cells, err := csv.NewReader(strings.NewReader(output(t, args...))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range cells {
			for _, c := range row {
				if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
					t.Errorf("%q: cell %q starts a formula", args, c)
				}
				if strings.ContainsAny(c, "\x1b\x07") {
					t.Errorf("%q: cell %q has an escape", args, c)
				}
			}
		}
	}
}

// A cost gate on a log it cannot price fails: $0 is not its cost.
func TestMaxCostUnpriced(t *testing.T) {
	log := proxyLog(t, "unpriced.jsonl", [][5]string{{"acme-unpriced-1", "u-1", "search", "lookup", "Hello"}})
	code, _, errs := tokenscope(t, "report", log, "--max-cost", "1")
	if code != 1 || !strings.Contains(errs, "unpriced") || !strings.Contains(errs, "--max-cost cannot be checked") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
}
