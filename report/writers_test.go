package report

import (
	"strings"
	"testing"

	"github.com/tokenscope/tokenscope/profile/strategy"
	"github.com/tokenscope/tokenscope/transcripts/synthetic"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/advisor"
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/report/rows"
	"github.com/tokenscope/tokenscope/transcripts"
)

// run runs convs under specs (the default set when none).
func run(t *testing.T, convs []*transcripts.Conversation, specs ...string) *profile.Result {
	t.Helper()
	var ss []*strategy.Strategy
	if len(specs) > 0 { // none: the defaults for the log, not strategy.Defaults
		var err error
		if ss, err = strategy.ParseAll(specs); err != nil {
			t.Fatal(err)
		}
	}
	res, err := profile.Run(convs, profile.Options{Strategies: ss})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func table(t *testing.T, res *profile.Result, path string, perDay int64) string {
	t.Helper()
	var b strings.Builder
	if err := WriteTable(&b, res, path, "native", perDay, nil); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func markdown(t *testing.T, res *profile.Result, path string) string {
	t.Helper()
	var b strings.Builder
	if err := WriteMarkdown(&b, res, path, "native", 0); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// --per-day N projects one conversation's cost, not the whole tree's: on
// two identical conversations the monthly figure is one conversation's
// cost × N × 30, in the JSON and the table alike.
func TestPerDayPerConversation(t *testing.T) {
	one := run(t, synthetic.Twins("gpt-4o")[:1])
	res := run(t, synthetic.Twins("gpt-4o"))
	c1 := one.Strategies[0].Totals.Cost
	if c1 == 0 || res.Strategies[0].Totals.Cost != 2*c1 {
		t.Fatalf("one conversation %s, two %s", c1, res.Strategies[0].Totals.Cost)
	}
	want := price.Project(c1, 500) // c1 × 500 × 30
	doc := NewDocument(res, DocOptions{PerDay: 500})
	if got := doc.Strategies[0].Totals.MonthlyCostUSD; got == nil || *got != want.USD() {
		t.Errorf("monthly_cost_usd %v, want %v", got, want.USD())
	}
	if out := table(t, res, "dir", 500); !strings.Contains(out, want.String()) || !strings.Contains(out, "per month at 500 conversations a day") {
		t.Errorf("table lacks %s at 500 conversations a day:\n%s", want, out)
	}
}

// The header says "1 call", and names every model of a log with several,
// each with its calls; JSON lists them and keeps model.id as the most used.
func TestHeaderModelsAndPlurals(t *testing.T) {
	res := run(t, synthetic.Twins("gpt-4o")[:1])
	if h := rows.Header(res, "a.jsonl", "native"); !strings.HasPrefix(h, "a.jsonl (native, 1 call)\ngpt-4o ·") {
		t.Errorf("header %q", h)
	}
	// The Langfuse test export: 8 calls, 4 of gpt-4o-mini, 2 of gpt-4o and
	// 2 of gpt-4.1 (its CSV's model column).
	src, err := transcripts.Open("../transcripts/testdata/langfuse", transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res = run(t, src.Conversations)
	want := "3 models: gpt-4o-mini (4 calls), gpt-4o (2), gpt-4.1 (2) · "
	if h := rows.Header(res, "langfuse", "langfuse"); !strings.Contains(h, "\n"+want) {
		t.Errorf("header %q lacks %q", h, want)
	}
	doc := NewDocument(res, DocOptions{WhatIf: "--tools t.json"})
	m := doc.Model
	if m.ID != "gpt-4o-mini" || len(m.Models) != 3 || m.Models[0] != (rows.ModelCalls{ID: "gpt-4o-mini", Calls: 4}) ||
		m.Models[1] != (rows.ModelCalls{ID: "gpt-4o", Calls: 2}) || m.Models[2] != (rows.ModelCalls{ID: "gpt-4.1", Calls: 2}) {
		t.Errorf("model %+v", m)
	}
	if doc.Source.WhatIf != "--tools t.json" {
		t.Errorf("what_if %q", doc.Source.WhatIf)
	}
	if got := rows.WithWhatIf("a.jsonl", "--tools t.json"); got != "a.jsonl with --tools t.json" {
		t.Errorf("WithWhatIf = %q", got)
	}
}

// agent is an agent session: tool calls and results in one exchange.
func agent() *transcripts.Conversation {
	call := func(id, name string) transcripts.Message {
		return transcripts.Message{Role: "assistant", ToolCalls: []transcripts.ToolCall{{ID: id, Name: name, Arguments: "a a"}}}
	}
	result := func(id, name string, n int) transcripts.Message {
		return transcripts.Message{Role: "tool", Name: name, ToolCallID: id, Content: strings.Repeat("a ", n)}
	}
	return &transcripts.Conversation{ID: "agent", Path: "agent.jsonl", Format: "native", Model: "claude-sonnet-4-5",
		Messages: []transcripts.Message{
			{Role: "system", Content: strings.Repeat("a ", 40)}, {Role: "user", Content: "do it"},
			call("t1", "a"), result("t1", "a", 40), call("t2", "b"), result("t2", "b", 50),
			call("t3", "a"), result("t3", "a", 30), {Role: "assistant", Content: "done"},
		}}
}

// "changed nothing" names the step, not the strategy, in every format: in
// clear:trigger=100000,keep=1+cache the cache acted, the clear did not;
// JSON carries the note.
func TestNoteInEveryFormat(t *testing.T) {
	res := run(t, []*transcripts.Conversation{agent()}, "full", "clear:trigger=100000,keep=1+cache", "cap:100000")
	note := "input never passes trigger 100,000 (peak "
	if got := NewDocument(res, DocOptions{}).Strategies[1].Note; !strings.HasPrefix(got, "clear: "+note) {
		t.Errorf("JSON note = %q", got)
	}
	out, md := table(t, res, "agent.jsonl", 0), markdown(t, res, "agent.jsonl")
	for _, want := range []string{
		"  clear:trigger=100000,keep=1+cache: clear:trigger=100000,keep=1 changed nothing: " + note,
		"  cap:100000 changed nothing: no reply reaches 100,000 tokens",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "+cache changed nothing") {
		t.Errorf("the whole strategy is said to change nothing:\n%s", out)
	}
	if !strings.Contains(md, "changed nothing: "+note) {
		t.Errorf("markdown lacks the note:\n%s", md)
	}
}

// A log with no model says so once, in the table and Markdown, and never
// shows $0.00.
func TestNoModelUnpriced(t *testing.T) {
	res := run(t, synthetic.Twins(""))
	out := table(t, res, "dir", 100)
	if n := strings.Count(out, "unpriced: the log names no model — pass --model"); n != 1 {
		t.Errorf("%d unpriced lines:\n%s", n, out)
	}
	if strings.Contains(out, "$0.00") || strings.Contains(out, "priced (") {
		t.Errorf("zero cost or per-strategy notes:\n%s", out)
	}
	for _, p := range []string{"a.jsonl: the log names no model", "b.jsonl: the log names no model"} {
		if !strings.Contains(out, p) {
			t.Errorf("no warning %q:\n%s", p, out)
		}
	}
	if md := markdown(t, res, "dir"); !strings.Contains(md, "- unpriced: the log names no model — pass --model\n") {
		t.Errorf("markdown:\n%s", md)
	}
}

// The report names each conversation once, path-qualified where ids repeat.
func TestDocumentUniqueIDs(t *testing.T) {
	var convs []*transcripts.Conversation
	for _, p := range []string{"/r/s1/subagents/agent-1.jsonl", "/r/s2/subagents/agent-1.jsonl"} {
		convs = append(convs, &transcripts.Conversation{ID: "agent-1", Path: p, Model: "gpt-4o", Messages: []transcripts.Message{
			{Role: transcripts.RoleUser, Content: "hi"}, {Role: transcripts.RoleAssistant, Content: "hello there"}}})
	}
	got := NewDocument(run(t, convs), DocOptions{Path: "/r"}).Strategies[0].Conversations
	if len(got) != 2 || got[0].ID != "s1/subagents/agent-1" || got[1].ID != "s2/subagents/agent-1" {
		t.Errorf("ids %+v", got)
	}
}

// Some calls unpriced, the same under every strategy: one line saying how
// many of how many are priced, not one per strategy.
func TestSomeUnpriced(t *testing.T) {
	convs := synthetic.Twins("gpt-4o")
	convs[1].Model = ""
	out := table(t, run(t, convs), "dir", 100)
	if strings.Count(out, "1 of 2 calls priced") != 1 || strings.Count(out, "calls priced") != 1 ||
		!strings.Contains(out, "b.jsonl: the log names no model") {
		t.Errorf("report:\n%s", out)
	}
}

// The replay check reaches the JSON document on the first strategy's
// totals and conversations, and the table states it.
func TestFidelityInDocument(t *testing.T) {
	src, err := transcripts.Open("../transcripts/testdata/real/claude_code/spotter", transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res := run(t, src.Conversations, "full", "window:turns=2")
	if res.Fidelity == nil || res.Fidelity.Billed != 2_433_144_500_000 {
		t.Fatalf("fidelity %+v", res.Fidelity)
	}
	doc := NewDocument(res, DocOptions{})
	f := doc.Strategies[0].Totals.Fidelity
	if f == nil || f.Strategy != "cache" || f.BilledUSD != 2.4331445 || f.SimulatedUSD != res.Fidelity.Simulated.USD() {
		t.Fatalf("totals fidelity %+v", f)
	}
	if doc.Strategies[1].Totals.Fidelity != nil {
		t.Error("fidelity on a strategy other than the first")
	}
	for i, c := range doc.Strategies[0].Conversations {
		if c.Totals.Fidelity == nil || c.Totals.Fidelity.Calls != c.Calls || c.HiddenPrefixTokens != res.Conversations[i].HiddenPrefix {
			t.Errorf("%s: fidelity %+v, hidden %d", c.ID, c.Totals.Fidelity, c.HiddenPrefixTokens)
		}
	}
	if out := table(t, res, "spotter", 0); !strings.Contains(out, "what the app did (cache) simulated "+res.Fidelity.Simulated.String()+" vs billed $2.43") {
		t.Errorf("table lacks the replay check:\n%s", out)
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
		if err := WriteTune(&b, &advisor.TuneResult{Tried: c.tried, Admissible: c.ok}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), c.want) {
			t.Errorf("%q lacks %q", b.String(), c.want)
		}
	}
}

// One figure everywhere: on the demo every strategy's saving is the same
// in the rows, the JSON document (savings_pct), the table, Markdown and
// the HTML page — cache's 58.4% (58.5% before the served share), where the TUI once said 58% and report 58.5%.
func TestOneSavedEverywhere(t *testing.T) {
	p := demo(t)
	doc := DocumentOf(p, 0, true)
	page := string(render(t, p, "html", Options{}))
	md := string(render(t, p, "md", Options{}))
	text := string(render(t, p, "table", Options{}))
	for i, row := range rows.Strategies(p.Result, rows.Options{}) {
		if got := doc.Strategies[i].Totals.SavingsPct; got == nil || *got != row.SavedPct {
			t.Errorf("%s: savings_pct %v, rows %v", row.Spec, got, row.SavedPct)
		}
		if !strings.Contains(page, "<td>"+row.Saved+"</td>") || !strings.Contains(md, "| "+row.Saved+" |") {
			t.Errorf("%s: page or Markdown lacks saved %q", row.Spec, row.Saved)
		}
		found := false
		for _, l := range strings.Split(text, "\n") {
			if strings.HasPrefix(l, row.Spec[:min(len(row.Spec), 25)]) && strings.HasSuffix(strings.TrimSpace(l), row.Saved) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: table lacks saved %q:\n%s", row.Spec, row.Saved, text)
		}
	}
	if got := rows.Strategies(p.Result, rows.Options{})[1]; got.Spec != "cache" || got.Saved != "58.4%" {
		t.Errorf("cache saved %q", got.Saved)
	}
}
