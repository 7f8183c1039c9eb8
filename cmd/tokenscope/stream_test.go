package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/advisor"
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/report"
	"github.com/tokenscope/tokenscope/transcripts/synthetic"
)

// TestStreamedReportIsTheSame checks that `report PATH`, which streams the
// log file by file and keeps counts, not text, writes what profiling the
// whole log in memory writes: every format that carries numbers, findings
// included, on real logs of each agent CLI and on a generated tree.
func TestStreamedReportIsTheSame(t *testing.T) {
	gen := t.TempDir()
	if _, _, err := synthetic.WriteClaudeCode(gen, 6, 60<<10, 3); err != nil {
		t.Fatal(err)
	}
	paths := []string{
		"../../transcripts/testdata/real/claude_code",
		"../../transcripts/testdata/claude_code",
		"../../transcripts/testdata/claude_code_branches",
		"../../transcripts/testdata/claude_code_resumed", // another conversation's history read
		"../../transcripts/testdata/codex",
		"../../transcripts/testdata/gemini",
		"../../transcripts/testdata/otel",
		"../../transcripts/testdata/langfuse",
		"../../transcripts/testdata/openai_log.json",
		gen,
	}
	cases := []struct {
		name       string
		strategies []string
	}{
		{"defaults", nil},
		{"levers", []string{"full", "cache", "model=claude-haiku-4-5+cache", "clear:trigger=2000,keep=1", "summary:trigger=4000,keep=1,size=400+cache", "cap:200", "respcache"}},
	}
	for _, path := range paths {
		for _, tc := range cases {
			for _, format := range []string{"json", "table", "csv"} {
				c := common{strategies: tc.strategies, ragTags: []string{"context", "documents"}}
				inMemory, err := c.load(path)
				if err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				streamed, err := c.stream(path)
				if err != nil {
					t.Fatalf("%s: stream: %v", path, err)
				}
				want, got := write(t, inMemory, format), write(t, streamed, format)
				if !bytes.Equal(want, got) {
					t.Errorf("%s %s %s: the streamed report differs from the one made in memory\n%s", filepath.Base(path), tc.name, format, firstDiff(want, got))
				}
			}
		}
	}
}

// write writes p's report, findings included, in format.
func write(t *testing.T, p *profile.Profile, format string) []byte {
	t.Helper()
	findings, err := advisor.FindingsOf(p, advisor.FindingsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	sink, _, err := report.Open(format, "", &out)
	if err != nil {
		t.Fatal(err)
	}
	if err := report.Write(sink, p, report.Options{Findings: findings}); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// firstDiff shows the first line where a and b differ.
func firstDiff(a, b []byte) string {
	al, bl := bytes.Split(a, []byte("\n")), bytes.Split(b, []byte("\n"))
	for i := range min(len(al), len(bl)) {
		if !bytes.Equal(al[i], bl[i]) {
			return fmt.Sprintf("line %d: %s\n     vs %s", i+1, al[i], bl[i])
		}
	}
	return "lengths differ"
}

// The findings are made while the calls are written unless a total is
// within a sixty-fourth of price.MaxMoney, where a re-run might pass it and
// fail after the calls were out.
func TestFindingsFail(t *testing.T) {
	for _, tc := range []struct {
		cost, reported price.Money
		want           bool
	}{
		{541_780_000_000_000, 541_780_000_000_000, false}, // $541.78
		{price.MaxMoney/64 - 1, 0, false},
		{price.MaxMoney / 64, 0, true},
		{0, price.MaxMoney / 2, true},
	} {
		res := &profile.Result{Strategies: []profile.StrategyResult{{}, {Totals: profile.Totals{Cost: tc.cost, ReportedCost: tc.reported}}}}
		if got := findingsFail(res); got != tc.want {
			t.Errorf("cost %s, reported %s: findingsFail %v, want %v", tc.cost, tc.reported, got, tc.want)
		}
	}
}

// A report whose findings are made while its JSON calls stream never
// exits 2 with part of a document on stdout: here, a log of a model with
// no price, with a priced model= strategy beside it (the best-strategy
// search used to fail on the unpriced basis after the calls were out).
func TestReportJSONUnpricedBasis(t *testing.T) {
	src, err := os.ReadFile("../../transcripts/testdata/openai_chat.json")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for i := range 200 { // more calls than the sink buffers
		text := strings.ReplaceAll(string(src), "gpt-4o-2024-08-06", "zz-no-such-model")
		text = strings.Replace(text, "Be brief.", fmt.Sprintf("Be brief %d.", i), 1)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("c%d.json", i)), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errs := tokenscope(t, "report", dir, "--format", "json", "--strategy", "full", "--strategy", "model=gpt-4o")
	if code != 0 {
		t.Fatalf("exit %d with %d bytes on stdout, stderr %q", code, len(out), errs)
	}
	var doc struct {
		Findings []struct{ Kind string } `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("stdout is not one JSON document: %v", err)
	}
	if len(doc.Findings) != 1 || doc.Findings[0].Kind != "unpriced" {
		t.Errorf("findings %+v, want the one unpriced", doc.Findings)
	}
}

// A finding whose re-run passes price.MaxMoney (here 1,000 tokens of
// system prompt more on calls of ten, at $40 a token) is left out: the
// log's own totals are far below it, so the findings are made while the
// JSON calls stream, and failing then used to exit 2 with part of the
// document on stdout.
func TestReportJSONFindingPastMaxMoney(t *testing.T) {
	dir := t.TempDir()
	prices := filepath.Join(dir, "prices.yaml")
	if err := os.WriteFile(prices, []byte(`date: "2026-12-07"
models:
- {id: pricey-1, provider: openai, input: 40000000, output: 0, cached_input: 40000000, caching: {mode: none}, context_window: 128000, max_output: 4096}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	logs := filepath.Join(dir, "logs")
	if err := os.Mkdir(logs, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range 300 { // $120,000 in all: under a sixty-fourth of MaxMoney
		text := fmt.Sprintf(`{"model":"pricey-1","messages":[{"role":"user","content":"hi %d"},{"role":"assistant","content":"ok"}]}`, i)
		if err := os.WriteFile(filepath.Join(logs, fmt.Sprintf("c%d.json", i)), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errs := tokenscope(t, "report", logs, "--prices", prices, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d with %d bytes on stdout, stderr %q", code, len(out), errs)
	}
	var doc struct {
		Findings []struct{ Text string } `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("stdout is not one JSON document: %v", err)
	}
	var texts []string
	for _, f := range doc.Findings {
		texts = append(texts, f.Text)
	}
	all := strings.Join(texts, "\n")
	if strings.Contains(all, "system prompt") || !strings.Contains(all, "one more exchange of history (408 tokens a call): $4,896,000.00") {
		t.Errorf("findings:\n%s\nwant the exchange's, not the system prompt's (past MaxMoney)", all)
	}
}
