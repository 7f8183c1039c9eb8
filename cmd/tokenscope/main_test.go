package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/tokenscope/tokenscope/report"
)

func tokenscope(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestReportDemoTable(t *testing.T) {
	code, out, errs := tokenscope(t, "report")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	checkTable(t, out, "demo:harbor-support (native, 41 calls)\ngpt-5 · o200k_base", "window:turns=8+cache", "as billed (reported usage, 41 of 41 calls): $0.2232")
}

// checkTable fails t unless table holds every want and fits 80 columns.
func checkTable(t *testing.T, table string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	for i, line := range strings.Split(table, "\n") {
		if n := len([]rune(line)); n > 80 {
			t.Errorf("line %d is %d columns: %q", i+1, n, line)
		}
	}
}

func keys(m map[string]any) []string {
	var k []string
	for key := range m {
		k = append(k, key)
	}
	sort.Strings(k)
	return k
}

// The JSON report has exactly SPEC's keys.
func TestReportJSONSchema(t *testing.T) {
	code, out, errs := tokenscope(t, "report", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	check := func(name string, m any, want string) {
		t.Helper()
		got := strings.Join(keys(m.(map[string]any)), ",")
		if got != want {
			t.Errorf("%s keys:\n got %s\nwant %s", name, got, want)
		}
	}
	check("top", doc, "findings,model,source,strategies")
	for _, f := range doc["findings"].([]any) {
		fm := f.(map[string]any)
		switch fm["kind"] {
		case "dead_tool":
			check("dead_tool finding", fm, "kind,text,tool,usd")
		case "best_strategy":
			check("best_strategy finding", fm, "kind,spec,text,usd")
		case "marginal":
			check("marginal finding", fm, "kind,text,usd")
		default:
			t.Errorf("finding kind %v", fm["kind"])
		}
	}
	check("source", doc["source"], "calls,format,path,warnings")
	check("model", doc["model"], "encoding,exact,id,price_table,prices_usd_per_mtok")
	if pt := doc["model"].(map[string]any)["price_table"].(map[string]any); pt["name"] != "embedded" || pt["date"] != "2026-12-07" {
		t.Errorf("price_table %v, want the embedded table and its date", pt)
	}
	strategies := doc["strategies"].([]any)
	if len(strategies) != 7 {
		t.Fatalf("%d strategies, want the default 7", len(strategies))
	}
	first := strategies[0].(map[string]any)
	check("strategy", first, "calls,spec,totals")
	check("totals", first["totals"], "cache_write_tokens,cached_input_tokens,cost_usd,dropped_tokens,fidelity,input_tokens,output_tokens,overflow_calls,peak_input_tokens,reasoning_tokens,reported_cost_usd,savings_pct,summary_input_tokens,summary_output_tokens,truncated_calls")
	check("fidelity", first["totals"].(map[string]any)["fidelity"], "billed_usd,calls,error_pct,served_pct,simulated_usd,strategy")
	call := first["calls"].([]any)[0].(map[string]any)
	check("call", call, "cache_write_tokens,cached_input_tokens,cost_usd,estimate_error_tokens,index,input,output_tokens,reasoning_tokens,reported")
	check("input", call["input"], "history,overhead,rag,summary,system,tool_defs,tool_results,total,unlogged,user")
	check("reported", call["reported"], "cache_write_tokens,cached_input_tokens,input_tokens,output_tokens,reasoning_tokens")
	// The calls of a strategy sum to its total, in the file too.
	var sum float64
	for _, c := range first["calls"].([]any) {
		sum += c.(map[string]any)["cost_usd"].(float64)
	}
	if total := first["totals"].(map[string]any)["cost_usd"].(float64); abs(sum-total) > 1e-9 {
		t.Errorf("calls sum to %v, total %v", sum, total)
	}
	if _, ok := strategies[1].(map[string]any)["totals"].(map[string]any)["reported_cost_usd"]; ok {
		t.Error("reported_cost_usd belongs to the first strategy only")
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// Bad input: exit 2, one line on stderr naming the file and line, nothing
// on stdout.
func TestBadInput(t *testing.T) {
	broken := "../../transcripts/testdata/broken/"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"report", broken + "native_bad_json.jsonl"}, "native_bad_json.jsonl:3: invalid JSON"},
		{[]string{"report", broken + "openai_bad_role.json"}, `openai_bad_role.json:3: $.messages[1].role: unknown role "robot"`},
		{[]string{"report", "no/such/file.json"}, "no/such/file.json: no such file or directory"},
		{[]string{"report", broken + "native_negative_tokens.jsonl"}, "native_negative_tokens.jsonl:3: $.usage.input_tokens: -100 tokens is negative"},
		{[]string{"report", broken + "native_huge_tokens.jsonl"}, "native_huge_tokens.jsonl:3: $.usage.input_tokens: 9223372036854775807 tokens is more than any call can have"},
		{[]string{"report", broken + "native_negative_images.jsonl"}, "native_negative_images.jsonl:2: $.images: -3 images"},
		{[]string{"report", broken + "native_huge_images.jsonl"}, "native_huge_images.jsonl:2: $.images: want a whole number, found 1e12, out of range"},
		{[]string{"report", broken + "native_bad_time.jsonl"}, `native_bad_time.jsonl:2: $.ts: "yesterday" is not an RFC 3339 time`},
		{[]string{"report", broken + "openai_bad_tool_name.json"}, "openai_bad_tool_name.json:3: $.messages[1].tool_calls[0].function.name: want a string, found a number"},
		{[]string{"report", broken + "anthropic_response_negative.json"}, "anthropic_response_negative.json:1: $.usage.input_tokens: -100 tokens is negative"},
		{[]string{"report", "--strategy", "window:turnz=4"}, `strategy "window:turnz=4": turnz=4: unknown window key "turnz" (allowed: turns, tokens)`},
		{[]string{"report", "--strategy", "cache+bogus"}, `unknown step "bogus"`},
		{[]string{"report", "--model", "gpt-5.9"}, `unknown model "gpt-5.9"; nearest known: gpt-5`},
		{[]string{"report", "--format", "xml"}, `--format "xml"`},
		{[]string{"report", "--max-cost", "cheap"}, "--max-cost"},
		{[]string{"report", "--nope"}, "unknown flag: --nope"},
		{[]string{"report", "--per-day", "-5"}, "--per-day -5: want 0 or more"},
		{[]string{"--no-tui", "--per-day", "-5"}, "--per-day -5: want 0 or more"},
		{[]string{"report", "--assume-output", "-1"}, "--assume-output -1: want 0 or more"},
		{[]string{"prices", "claude-9"}, `unknown model "claude-9"`},
	} {
		code, out, errs := tokenscope(t, tc.args...)
		if code != 2 || out != "" || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and %q", tc.args, code, out, errs, tc.want)
		}
	}
}

func TestMaxCost(t *testing.T) {
	if code, _, errs := tokenscope(t, "report", "--max-cost", "0.10"); code != 1 || !strings.Contains(errs, "full costs $0.5379, over --max-cost $0.10") {
		t.Errorf("over budget: exit %d, %q", code, errs)
	}
	// $0.53785875 over $0.53785: both are $0.5379 at four decimals.
	if code, _, errs := tokenscope(t, "report", "--max-cost", "0.53785"); code != 1 || !strings.Contains(errs, "full costs $0.53786, over --max-cost $0.53785") {
		t.Errorf("close to budget: exit %d, %q", code, errs)
	}
	if code, _, _ := tokenscope(t, "report", "--max-cost", "1"); code != 0 {
		t.Errorf("within budget: exit %d", code)
	}
}

func TestPerDay(t *testing.T) {
	_, out, _ := tokenscope(t, "report", "--per-day", "1000", "--strategy", "full", "--strategy", "cache")
	// $0.53785875 × 1000 × 30 = $16,135.76.
	if !strings.Contains(out, "per month at 1,000 conversations a day") || !strings.Contains(out, "$16,135.76") {
		t.Errorf("projection missing:\n%s", out)
	}
}

func TestReportFileAndFormats(t *testing.T) {
	for _, format := range []string{"csv", "md"} {
		code, out, errs := tokenscope(t, "report", "--format", format, "../../transcripts/testdata/openai_log.json")
		if code != 0 || !strings.Contains(out, "cache") {
			t.Errorf("%s: exit %d %s", format, code, errs)
		}
	}
	_, out, _ := tokenscope(t, "report", "--format", "csv", "--strategy", "full", "../../transcripts/testdata/openai_log.json")
	if lines := strings.Count(out, "\n"); lines != 1+3 {
		t.Errorf("csv has %d lines, want header + 3 calls", lines)
	}
}

func TestCount(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.txt")
	os.WriteFile(path, []byte("hello world"), 0o644)
	if code, out, _ := tokenscope(t, "count", path); code != 0 || !strings.HasPrefix(out, "2 tokens · gpt-4o · o200k_base") {
		t.Errorf("count: %d %q", code, out)
	}
	if _, out, _ := tokenscope(t, "count", "--model", "claude-sonnet-4-6", path); !strings.HasPrefix(out, "≈2 tokens") {
		t.Errorf("estimate not marked: %q", out)
	}
	code, out, _ := tokenscope(t, "count", "--chat", "../../transcripts/testdata/openai_messages.json")
	// system 6 + user 3 + assistant 2 content; framing 4 each; next input +3.
	if code != 0 || !strings.Contains(out, "call 1: input 20") {
		t.Errorf("count --chat: %d\n%s", code, out)
	}
}

// count --chat counts each conversation as the model its log names. The
// user text is 24 tokens in cl100k_base (gpt-4) and 21 in o200k_base
// (gpt-4o), by the official tiktoken 1.0.22; framing 4, priming 3.
func TestCountChatUsesLogModel(t *testing.T) {
	path := filepath.Join(t.TempDir(), "g4.json")
	os.WriteFile(path, []byte(`{"model":"gpt-4","messages":[{"role":"user","content":"    indented    code\t\twith tabs 1234567 and ünïcödé — “quotes”"},{"role":"assistant","content":"ok"}]}`), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "g4 · gpt-4 · cl100k_base\n     1 user      24 + 4 framing\ncall 1: input 31 (with 3 priming)"},
		{[]string{"--model", "gpt-4o"}, "g4 · gpt-4o · o200k_base\n     1 user      21 + 4 framing\ncall 1: input 28 (with 3 priming)"},
	} {
		code, out, errs := tokenscope(t, append([]string{"count", "--chat", path}, tc.args...)...)
		if code != 0 || !strings.HasPrefix(out, tc.want) {
			t.Errorf("%v: exit %d %s\n%s", tc.args, code, errs, out)
		}
	}
	// A Claude log: estimated counts, marked.
	_, out, _ := tokenscope(t, "count", "--chat", "../../transcripts/testdata/anthropic_request.json")
	if !strings.HasPrefix(out, "anthropic_request · claude-sonnet-4-5 · ≈o200k_base×1.10\n       tool_defs ≈") {
		t.Errorf("claude log:\n%s", out)
	}
}

func TestPricesAndVersion(t *testing.T) {
	_, out, _ := tokenscope(t, "prices", "claude-sonnet-4-5-20250929")
	if !strings.Contains(out, "claude-sonnet-4-5") || !strings.Contains(out, "long context: above 200k input: $6 in / $22.5 out") {
		t.Errorf("prices row:\n%s", out)
	}
	if _, out, _ := tokenscope(t, "version"); out != "tokenscope dev\n" {
		t.Errorf("version %q", out)
	}
	if code, out, _ := tokenscope(t, "completion", "bash"); code != 0 || !strings.Contains(out, "bash completion") {
		t.Errorf("completion: %d", code)
	}
}

// A directory with an unreadable file: the rest is profiled (exit 0), the
// problem is a warning on stderr and in source.warnings.
func TestMixedDirectoryWarnings(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"openai_chat.json", "sharegpt.json", "claude_code/-home-dev-shop/4b1c2d3e.jsonl"} {
		data, err := os.ReadFile("../../transcripts/testdata/" + f)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, filepath.Base(f)), data, 0o644)
	}
	os.WriteFile(filepath.Join(dir, "broken.json"), []byte(`{"messages": [`), 0o644)
	code, out, errs := tokenscope(t, "report", "--format", "json", "--model", "gpt-4o", dir)
	if code != 0 || !strings.Contains(errs, "warning: "+filepath.Join(dir, "broken.json")+":1: invalid JSON") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	var doc struct {
		Source struct {
			Format        string   `json:"format"`
			Conversations int      `json:"conversations"`
			Warnings      []string `json:"warnings"`
		} `json:"source"`
		Strategies []struct {
			Conversations []struct {
				ID    string `json:"id"`
				Calls int    `json:"calls"`
			} `json:"conversations"`
			Calls []struct {
				Conversation string `json:"conversation"`
			} `json:"calls"`
		} `json:"strategies"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	// openai_chat (1) + sharegpt (2) + claude code main and sidechain (2).
	if doc.Source.Format != "mixed" || doc.Source.Conversations != 5 || len(doc.Source.Warnings) != 1 {
		t.Errorf("source %+v", doc.Source)
	}
	s := doc.Strategies[0]
	calls := 0
	for _, c := range s.Conversations {
		calls += c.Calls
	}
	if calls != len(s.Calls) || s.Calls[0].Conversation == "" {
		t.Errorf("per-conversation calls %d, calls %d", calls, len(s.Calls))
	}
	empty := t.TempDir()
	os.WriteFile(filepath.Join(empty, "broken.json"), []byte(`{"messages": [`), 0o644)
	if code, out, errs := tokenscope(t, "report", empty); code != 2 || out != "" || !strings.Contains(errs, "no file could be read") {
		t.Errorf("all broken: exit %d, %q", code, errs)
	}
}

// Each format is detected in report with no --input-format.
func TestReportEveryFormat(t *testing.T) {
	for file, want := range map[string]string{
		"native_two_sessions.jsonl": "native", "openai_chat.json": "openai-chat", "openai_log.json": "openai-log",
		"anthropic_request.json": "anthropic", "anthropic_http.json": "anthropic-log", "claude_code": "claude-code",
		"sharegpt.json": "sharegpt", "sharegpt.jsonl": "sharegpt", "openai_batch_output.jsonl": "openai-batch",
		"litellm_spend_logs.json": "litellm",
	} {
		code, out, errs := tokenscope(t, "report", "--format", "json", "--model", "gpt-4o", "../../transcripts/testdata/"+file)
		if code != 0 || !strings.Contains(out, `"format": "`+want+`"`) {
			t.Errorf("%s: exit %d, %s, want format %s", file, code, errs, want)
		}
	}
}

func TestReportNoCalls(t *testing.T) {
	_, out, _ := tokenscope(t, "report", "--format", "json", "--no-calls")
	var doc struct {
		Strategies []struct {
			Totals struct {
				CostUSD float64 `json:"cost_usd"`
			} `json:"totals"`
			Calls []any `json:"calls"`
		} `json:"strategies"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Strategies) != 7 || len(doc.Strategies[0].Calls) != 0 || doc.Strategies[0].Totals.CostUSD != 0.53785875 {
		t.Errorf("strategies %d, calls %d, cost %v", len(doc.Strategies), len(doc.Strategies[0].Calls), doc.Strategies[0].Totals.CostUSD)
	}
}

// A request logged alone is one call: its input counted, its output 0 or
// --assume-output, said on stderr.
func TestReportRequestAlone(t *testing.T) {
	path := filepath.Join(t.TempDir(), "req.json")
	os.WriteFile(path, []byte(`{"model":"gpt-4o","messages":[{"role":"user","content":"hello world"}]}`), 0o644)
	for _, tc := range []struct {
		args   []string
		output float64
	}{{nil, 0}, {[]string{"--assume-output", "100"}, 100}} {
		code, out, errs := tokenscope(t, append([]string{"report", "--format", "json", "--strategy", "full", path}, tc.args...)...)
		var doc struct {
			Source     struct{ Calls int }
			Strategies []struct {
				Totals struct {
					Output float64 `json:"output_tokens"`
				}
			}
		}
		if err := json.Unmarshal([]byte(out), &doc); code != 0 || err != nil {
			t.Fatalf("exit %d, %v: %s", code, err, errs)
		}
		if doc.Source.Calls != 1 || doc.Strategies[0].Totals.Output != tc.output || !strings.Contains(errs, "a request has no logged response") {
			t.Errorf("%v: %d calls, output %v, stderr %q", tc.args, doc.Source.Calls, doc.Strategies[0].Totals.Output, errs)
		}
	}
}

// report --compare with a what-if: the demo's 41 calls with a 10-token
// system prompt ("You are Harbor's support assistant. Be brief." is 10
// tokens in o200k_base by the official tiktoken) instead of its own.
func TestReportCompareSystem(t *testing.T) {
	sys := filepath.Join(t.TempDir(), "sys.txt")
	if err := os.WriteFile(sys, []byte("You are Harbor's support assistant. Be brief.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := tokenscope(t, "report", "--compare", "", "--system", sys, "--strategy", "full")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{
		"A: the demo as logged\nB: the demo with --system " + sys,
		// 41 calls × 10 tokens = 410.
		"system                 62,074      410  −61,664",
		"total input           311,167  249,503  −61,664",
		"full      $0.5379  $0.4608  −$0.0771  −14.3%",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("comparison lacks %q:\n%s", want, out)
		}
	}
	// No path is the demo too; --format json is the same comparison as a
	// document, md as Markdown tables, csv refused.
	code, out, errs = tokenscope(t, "report", "--compare", "--system", sys, "--strategy", "full", "--format", "json")
	var cmp report.Comparison
	if err := json.Unmarshal([]byte(out), &cmp); code != 0 || err != nil {
		t.Fatalf("json: exit %d, %v, %s", code, err, errs)
	}
	sysPart := report.ComparisonPart{}
	for _, p := range cmp.Parts {
		if p.Name == "system" {
			sysPart = p
		}
	}
	// A is $0.53785875 (TestMaxCost); B the same less 61,664 input tokens
	// at $1.25/MTok = $0.07708, to $0.46077875.
	if sysPart != (report.ComparisonPart{Name: "system", A: 62074, B: 410, Diff: -61664}) || len(cmp.Strategies) != 1 ||
		cmp.Strategies[0].AUSD == nil || *cmp.Strategies[0].AUSD != 0.53785875 || cmp.Strategies[0].BUSD == nil || *cmp.Strategies[0].BUSD != 0.46077875 ||
		cmp.A != "the demo as logged" {
		t.Errorf("json comparison %+v", cmp)
	}
	if code, out, _ := tokenscope(t, "report", "--compare", "--system", sys, "--strategy", "full", "--format", "md"); code != 0 ||
		!strings.Contains(out, "| system | 62,074 | 410 | −61,664 |") || !strings.Contains(out, "| full | $0.5379 | $0.4608 | −$0.0771 | −14.3% |") {
		t.Errorf("md comparison: exit %d\n%s", code, out)
	}
	if code, _, errs := tokenscope(t, "report", "--compare", "--system", sys, "--format", "csv"); code != 2 || !strings.Contains(errs, "--compare writes --format table, json, md") {
		t.Errorf("csv comparison: exit %d, %q", code, errs)
	}
	if code, _, errs := tokenscope(t, "report", "--compare", "a.json"); code != 2 || !strings.Contains(errs, "--compare wants two logs") {
		t.Errorf("one log and no what-if: exit %d, %q", code, errs)
	}
	if code, _, errs := tokenscope(t, "report", "--drop-tool", "nope"); code != 2 || !strings.Contains(errs, "--drop-tool nope: no conversation offers a tool of that name") {
		t.Errorf("unknown --drop-tool: exit %d, %q", code, errs)
	}
}

// output_tokens has one meaning everywhere: all billed output, reasoning
// included. The demo's CSV column sums to the JSON totals and to the
// table's output cell, and includes the reasoning column.
func TestOutputTokensAgree(t *testing.T) {
	_, csvOut, _ := tokenscope(t, "report", "--format", "csv", "--strategy", "full")
	_, jsonOut, _ := tokenscope(t, "report", "--format", "json", "--strategy", "full")
	_, table, _ := tokenscope(t, "report", "--strategy", "full")
	rows, err := csv.NewReader(strings.NewReader(csvOut)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	var csvOutput, csvReasoning int64
	for _, r := range rows[1:] {
		o, _ := strconv.ParseInt(r[col["output_tokens"]], 10, 64)
		re, _ := strconv.ParseInt(r[col["reasoning_tokens"]], 10, 64)
		if re > o {
			t.Errorf("call %s: reasoning %d outside output %d", r[col["call"]], re, o)
		}
		csvOutput += o
		csvReasoning += re
	}
	var doc struct {
		Strategies []struct {
			Totals struct {
				Output    int64 `json:"output_tokens"`
				Reasoning int64 `json:"reasoning_tokens"`
			}
			Calls []struct {
				Output int64 `json:"output_tokens"`
			}
		}
	}
	if err := json.Unmarshal([]byte(jsonOut), &doc); err != nil {
		t.Fatal(err)
	}
	tot := doc.Strategies[0].Totals
	var perCall int64
	for _, c := range doc.Strategies[0].Calls {
		perCall += c.Output
	}
	// The table rounds: 14,890 shows as 14.9k.
	cell := fmt.Sprintf("%.1fk", float64(tot.Output)/1000)
	if csvOutput != tot.Output || perCall != tot.Output || csvReasoning != tot.Reasoning || tot.Reasoning == 0 ||
		!strings.Contains(table, " "+cell+" ") {
		t.Errorf("csv %d (reasoning %d), json calls %d, json totals %d (reasoning %d), table lacks %q:\n%s", csvOutput, csvReasoning, perCall, tot.Output, tot.Reasoning, cell, table)
	}
}

// A conversation without calls is listed apart and not counted among the
// conversations.
func TestEmptyConversationsApart(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile("../../transcripts/testdata/native_two_sessions.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "a.jsonl"), data, 0o644)
	os.WriteFile(filepath.Join(dir, "b.jsonl"), []byte(`{"type":"session","id":"lonely","model":"gpt-4o"}`+"\n"+`{"type":"message","role":"user","content":"anyone?"}`+"\n"), 0o644)
	_, out, _ := tokenscope(t, "report", "--format", "json", dir)
	var doc struct {
		Source struct {
			Calls         int
			Conversations int
			Empty         []string `json:"empty_conversations"`
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Source.Calls != 3 || doc.Source.Conversations != 2 || len(doc.Source.Empty) != 1 || doc.Source.Empty[0] != "lonely" {
		t.Errorf("source %+v", doc.Source)
	}
	if _, out, _ := tokenscope(t, "report", dir); !strings.Contains(out, "(native, 3 calls in 2 conversations; 1 empty, not counted)") {
		t.Errorf("table header:\n%s", out)
	}
}

// --out writes each output format where it is asked to, and nothing on
// stdout.
func TestReportOut(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		format, out string
		files       []string
		head        string // first bytes of the first file
	}{
		{"html", "review.html", []string{"review.html"}, "<!DOCTYPE html>"},
		{"parquet", "calls.parquet", []string{"calls.parquet"}, "PAR1"},
		{"json", "r.json", []string{"r.json"}, "{\n  \"source\""},
		{"otlp", "spans.json", []string{"spans.json"}, `{"resourceSpans":[`},
		{"csv", "calls.csv", []string{"calls.csv"}, "strategy,conversation,call,"},
		{"svg", "slides/demo", []string{"slides/demo-input.svg", "slides/demo-cost.svg"}, "<?xml"},
		{"svg", "charts/", []string{"charts/input.svg", "charts/cost.svg"}, "<?xml"},
		{"md", "pr/", []string{"pr/report.md", "pr/input.svg", "pr/cost.svg"}, "**demo:harbor-support"},
	} {
		if strings.HasPrefix(tc.out, "slides") {
			os.MkdirAll(filepath.Join(dir, "slides"), 0o755)
		}
		code, out, errs := tokenscope(t, "report", "--format", tc.format, "--out", dir+string(filepath.Separator)+tc.out)
		if code != 0 || out != "" {
			t.Errorf("%s: exit %d, stdout %d bytes, stderr %q", tc.format, code, len(out), errs)
			continue
		}
		for i, f := range tc.files {
			b, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				t.Errorf("%s: %v", tc.format, err)
				continue
			}
			if i == 0 && !strings.HasPrefix(string(b), tc.head) {
				t.Errorf("%s: %s starts %q", tc.format, f, b[:min(len(b), 40)])
			}
		}
	}
	md, _ := os.ReadFile(filepath.Join(dir, "pr", "report.md"))
	if !strings.Contains(string(md), "](input.svg)") || !strings.Contains(string(md), "](cost.svg)") {
		t.Errorf("report.md does not link its charts:\n%s", md)
	}
	// svg needs somewhere to put two files.
	if code, out, errs := tokenscope(t, "report", "--format", "svg"); code != 2 || out != "" || !strings.Contains(errs, "--out") {
		t.Errorf("svg without --out: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	// Bad input still exits 2 before anything is written.
	bad := filepath.Join(dir, "bad.html")
	if code, _, _ := tokenscope(t, "report", "--format", "html", "--out", bad, "../../transcripts/testdata/broken/native_bad_role.jsonl"); code != 2 {
		t.Errorf("bad input: exit %d", code)
	}
	if _, err := os.Stat(bad); err == nil {
		t.Error("bad input left an output file")
	}
}

// A named pipe named on the command line exits 2 at once instead of
// hanging on open.
func TestBadInputFIFO(t *testing.T) {
	p := filepath.Join(t.TempDir(), "pipe.jsonl")
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := tokenscope(t, "report", p)
	if want := p + ": is a named pipe: pass it as - on stdin\n"; code != 2 || out != "" || !strings.HasSuffix(errs, want) || strings.Count(errs, "\n") != 1 {
		t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and %q", code, out, errs, want)
	}
}

// Odd usage is a warning in the native format as in provider logs: exit
// 0, the report on stdout, the warning on stderr.
func TestOddUsageNativeWarns(t *testing.T) {
	code, out, errs := tokenscope(t, "report", "../../transcripts/testdata/broken/native_cached_over_input.jsonl")
	if code != 0 || !strings.Contains(out, "(native, 1 call)") ||
		!strings.Contains(errs, "1 calls report odd usage (first: cache reads 50 + writes 0 exceed input_tokens 10); read as logged") {
		t.Errorf("exit %d\nstdout %q\nstderr %q", code, out, errs)
	}
}

// count --chat counts each conversation with the model its log names:
// o4-mini (o200k_base, exact) for the OpenAI log, claude-opus-4-6
// (estimated, marked ≈) for a Claude Code session.
func TestCountChatLogModels(t *testing.T) {
	td := "../../transcripts/testdata/"
	for _, tc := range []struct{ path, want string }{
		// "You are a code reviewer." is 6 tokens (You| are| a| code| reviewer|.),
		// "Anything else?" 3; each message has 4 framing, each call 3 priming:
		// call 1 = 6+4 + 16+4 + 3 = 33; call 2 = 33 + 11+4 + 3+4 = 55.
		{td + "openai_log.json", "openai_log#1 · o4-mini · o200k_base\n     1 system    6 + 4 framing\n     2 user      16 + 4 framing\ncall 1: input 33 (with 3 priming)\n     3 assistant 11 + 4 framing\n     4 user      3 + 4 framing\ncall 2: input 55 (with 3 priming)\n"},
		{td + "real/claude_code/spotter/short.jsonl", "short · claude-opus-4-6 · ≈o200k_base×1.10\n     1 user      ≈9 + 4 framing\ncall 1: input ≈16 (with 3 priming)\n"},
	} {
		code, out, errs := tokenscope(t, "count", "--chat", tc.path)
		if code != 0 || !strings.HasPrefix(out, tc.want) {
			t.Errorf("%s: exit %d %s\n%s", tc.path, code, errs, out)
		}
	}
}

// In a pretty-printed file the error names the line of the bad value,
// not of the object holding it, and says what is wrong in words.
func TestBadInputPretty(t *testing.T) {
	broken := "../../transcripts/testdata/broken/"
	for file, want := range map[string]string{
		"openai_log_negative.json":     "openai_log_negative.json:32: $[2].response.usage.prompt_tokens: -5 tokens is negative\n",
		"gemini_bad_tokens.json":       "gemini_bad_tokens.json:31: $.messages[1].tokens.input: want a whole number of tokens, found a string\n",
		"openai_log_bad_messages.json": "openai_log_bad_messages.json:15: $[1].request.messages: want an array of messages, found a number\n",
	} {
		code, out, errs := tokenscope(t, "report", broken+file)
		if code != 2 || out != "" || strings.Count(errs, "\n") != 1 || !strings.HasSuffix(errs, want) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 2 and %q", file, code, out, errs, want)
		}
	}
}

// With no terminal, tokenscope prints what `report` prints on the demo,
// findings included.
func TestNoTUIMatchesReport(t *testing.T) {
	_, plain, _ := tokenscope(t)
	_, report, _ := tokenscope(t, "report")
	if plain != report || !strings.Contains(plain, "findings (in dollars over the log):") {
		t.Errorf("tokenscope without a terminal:\n%s\nreport:\n%s", plain, report)
	}
}

// TestErrorLineCleaned: a model id from a log that carries an OSC title
// change and a CSI colour must not reach the terminal through the one error
// line (tune refuses an unpriced log and names its model).
func TestErrorLineCleaned(t *testing.T) {
	p := filepath.Join(t.TempDir(), "osc.json")
	log := `{"model":"gpt-5\u001b]0;PWNED\u0007\u001b[31mred","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"}]}`
	if err := os.WriteFile(p, []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := tokenscope(t, "tune", p)
	want := "tokenscope: " + p + ": unpriced: gpt-5]0;PWNED[31mred is not in the price table — pass --model\n"
	if code != 2 || out != "" || errs != want {
		t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and %q", code, out, errs, want)
	}
}

// TestCommandsDocSample: docs/commands.md shows what `tokenscope report`
// prints on the demo; the page must stay true of the program, so the block
// is the output itself (paste the new output when a step changes it).
func TestCommandsDocSample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/commands.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(doc), "`go run ./cmd/tokenscope report` on the demo:\n\n```\n")
	sample, _, ok2 := strings.Cut(after, "```\n")
	if !ok || !ok2 {
		t.Fatal("docs/commands.md has no sample of `report` on the demo")
	}
	code, out, errs := tokenscope(t, "report")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	if sample != out {
		t.Errorf("docs/commands.md's sample is not what `report` prints; it prints:\n%s", out)
	}
}
