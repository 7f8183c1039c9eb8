package profile

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts"
)

// twoConvs are two identical priced conversations of one call each.
func twoConvs(model string) []*transcripts.Conversation {
	var convs []*transcripts.Conversation
	for _, p := range []string{"a.jsonl", "b.jsonl"} {
		convs = append(convs, &transcripts.Conversation{ID: p, Path: p, Model: model, Messages: []transcripts.Message{
			{Role: transcripts.RoleUser, Content: "hi"}, {Role: transcripts.RoleAssistant, Content: "hello there"}}})
	}
	return convs
}

// --per-day N projects one conversation's cost, not the whole tree's: on
// two identical conversations the monthly figure is one conversation's
// cost × N × 30, half of what the tree's total × N × 30 would say.
func TestPerDayPerConversation(t *testing.T) {
	one, err := Run(twoConvs("gpt-4o")[:1], Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(twoConvs("gpt-4o"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	c1 := one.Strategies[0].Totals.Cost
	if c1 == 0 || res.Strategies[0].Totals.Cost != 2*c1 {
		t.Fatalf("one conversation %s, two %s", c1, res.Strategies[0].Totals.Cost)
	}
	want := price.Project(c1, 500) // c1 × 500 × 30
	rep := NewReport(res, ReportOptions{PerDay: 500})
	if got := rep.Strategies[0].Totals.MonthlyCostUSD; got == nil || *got != want.USD() {
		t.Errorf("monthly_cost_usd %v, want %v", got, want.USD())
	}
	var b strings.Builder
	if err := WriteTable(&b, res, "dir", "native", 500, nil); err != nil {
		t.Fatal(err)
	}
	if out := b.String(); !strings.Contains(out, want.String()) || !strings.Contains(out, "per month at 500 conversations a day") {
		t.Errorf("table lacks %s at 500 conversations a day:\n%s", want, out)
	}
	fs, err := Findings(twoConvs("gpt-4o"), res, FindingsOptions{PerDay: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if f.MonthlyUSD == nil {
			continue
		}
		if w := price.Project(f.Cost/2, 500).USD(); *f.MonthlyUSD != w {
			t.Errorf("%s: monthly %v, want %v (half the log's effect × 500 × 30)", f.Text, *f.MonthlyUSD, w)
		}
	}
}

// The header says "1 call", and names every model of a log with several,
// each with its calls; JSON lists them and keeps model.id as the most used.
func TestHeaderModelsAndPlurals(t *testing.T) {
	res, err := Run(twoConvs("gpt-4o")[:1], Options{})
	if err != nil {
		t.Fatal(err)
	}
	if h := Header(res, "a.jsonl", "native"); !strings.HasPrefix(h, "a.jsonl (native, 1 call)\ngpt-4o ·") {
		t.Errorf("header %q", h)
	}
	// The Langfuse test export: 8 calls, 4 of gpt-4o-mini, 2 of gpt-4o and
	// 2 of gpt-4.1 (its CSV's model column).
	src, err := transcripts.Open("../transcripts/testdata/langfuse", transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err = Run(src.Conversations, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := "3 models: gpt-4o-mini (4 calls), gpt-4o (2), gpt-4.1 (2) · "
	if h := Header(res, "langfuse", "langfuse"); !strings.Contains(h, "\n"+want) {
		t.Errorf("header %q lacks %q", h, want)
	}
	rep := NewReport(res, ReportOptions{WhatIf: "--tools t.json"})
	m := rep.Model
	if m.ID != "gpt-4o-mini" || len(m.Models) != 3 || m.Models[0] != (ModelCalls{"gpt-4o-mini", 4}) ||
		m.Models[1] != (ModelCalls{"gpt-4o", 2}) || m.Models[2] != (ModelCalls{"gpt-4.1", 2}) {
		t.Errorf("model %+v", m)
	}
	if rep.Source.WhatIf != "--tools t.json" {
		t.Errorf("what_if %q", rep.Source.WhatIf)
	}
	if got := WithWhatIf("a.jsonl", "--tools t.json"); got != "a.jsonl with --tools t.json" {
		t.Errorf("WithWhatIf = %q", got)
	}
}

// A log with no model gets one finding saying so, never $0.00; a log with
// no tool is priced one made-up lookup tool, and says it.
func TestFindingsUnpricedAndNoTool(t *testing.T) {
	res, err := Run(twoConvs(""), Options{})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := Findings(twoConvs(""), res, FindingsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Kind != FindingUnpriced || fs[0].Text != "unpriced: the log names no model — pass --model" {
		t.Errorf("findings %+v", fs)
	}
	if _, err := Tune(twoConvs(""), TuneOptions{}); err == nil || !strings.Contains(err.Error(), "unpriced: the log names no model — pass --model") {
		t.Errorf("tune: %v", err)
	}
	res, err = Run(twoConvs("gpt-4o"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	fs, err = Findings(twoConvs("gpt-4o"), res, FindingsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range fs {
		var n int64
		if _, err := fmt.Sscanf(f.Text, "one more tool schema (a %d-token lookup tool)", &n); err != nil {
			continue
		}
		found = true
		// n tokens on each of 2 calls at gpt-4o's $2.50/MTok, 2.5M
		// pico-dollars a token: 42 tokens cost $0.00021.
		if n != 42 || f.Cost != price.Money(2*n*2_500_000) {
			t.Errorf("%s: %d tokens, cost %s", f.Text, n, f.Cost)
		}
	}
	if !found {
		t.Errorf("no made-up tool finding: %+v", fs)
	}
}

// "changed nothing" names the step, not the strategy: in
// clear:trigger=1000,keep=1+cache the cache acted, the clear did not.
func TestChangedNothingNamesStep(t *testing.T) {
	res := runSmall(t, agentConversation(), "full", "clear:trigger=1000,keep=1+cache", "cap:100000")
	var b strings.Builder
	if err := WriteTable(&b, res, "agent.jsonl", "native", 0, nil); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"  clear:trigger=1000,keep=1+cache: clear:trigger=1000,keep=1 changed nothing: input never passes trigger 1,000 (peak 241)\n",
		"  cap:100000 changed nothing: no reply reaches 100,000 tokens",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "+cache changed nothing") {
		t.Errorf("the whole strategy is said to change nothing:\n%s", out)
	}
}

// Markdown says a log is unpriced as the table does.
func TestMarkdownUnpriced(t *testing.T) {
	res, err := Run(twoConvs(""), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := WriteMarkdown(&b, res, "dir", "native", 0); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "- unpriced: the log names no model — pass --model\n") {
		t.Errorf("markdown:\n%s", b.String())
	}
}

// With several conversations a breaker's text names its conversation:
// "call 2" alone does not say where. Two copies of breakerLog, each with
// its $0.00382125 breaker (TestFindingsCacheBreakerSystem).
func TestFindingsNameConversation(t *testing.T) {
	a, b := breakerLog(t, nil)[0], breakerLog(t, nil)[0]
	a.ID, b.ID = "first", "second"
	b.Path += ".2"
	convs := []*transcripts.Conversation{a, b}
	var got []string
	for _, f := range findingsOf(t, convs, FindingCacheBreaker) {
		got = append(got, f.Text)
	}
	want := `: system prompt changed on 2 calls from call 2 ("…e is 12:00:01." → "…e is 12:00:02."): 3,057 tokens re-sent uncached: $0.003821`
	if len(got) != 2 || !slices.Contains(got, "first"+want) || !slices.Contains(got, "second"+want) {
		t.Errorf("breakers %q", got)
	}
}

// Report, findings and tune name one basis: on the Langfuse export (usage
// with no cache reads, OpenAI's automatic caching) the replay check runs
// cache, and so does tune, where BasisSpec alone said full.
func TestAppSpecShared(t *testing.T) {
	src, err := transcripts.Open("../transcripts/testdata/langfuse", transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(src.Conversations, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Fidelity == nil || res.Fidelity.Spec != "cache" || BasisSpec(src.Conversations) != "full" {
		t.Fatalf("replay check %+v, BasisSpec %q", res.Fidelity, BasisSpec(src.Conversations))
	}
	if got := AppSpec(src.Conversations, res); got != "cache" {
		t.Errorf("AppSpec = %q", got)
	}
	tr, err := Tune(src.Conversations, TuneOptions{Specs: []string{"full"}})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Basis.Spec != "cache" {
		t.Errorf("tune basis %q", tr.Basis.Spec)
	}
}

// Tune's count line agrees in number: "1 strategy tried, 1 meets", "2
// strategies tried, 0 meet".
func TestTuneGrammar(t *testing.T) {
	for _, c := range []struct {
		tried, ok int
		want      string
	}{{1, 1, "1 strategy tried, 1 meets the"}, {2, 0, "2 strategies tried, 0 meet the"}} {
		var b strings.Builder
		if err := WriteTune(&b, &TuneResult{Tried: c.tried, Admissible: c.ok}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), c.want) {
			t.Errorf("%q lacks %q", b.String(), c.want)
		}
	}
}
