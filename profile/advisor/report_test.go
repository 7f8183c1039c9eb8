package advisor

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts"
	"github.com/tokenscope/tokenscope/transcripts/synthetic"
)

// --per-day N projects one conversation's cost, not the whole tree's: on
// two identical conversations the monthly figure is one conversation's
// cost × N × 30, half of what the tree's total × N × 30 would say.
func TestPerDayPerConversation(t *testing.T) {
	one := run(t, synthetic.Twins("gpt-4o")[:1])
	res := run(t, synthetic.Twins("gpt-4o"))
	c1 := one.Strategies[0].Totals.Cost
	if c1 == 0 || res.Strategies[0].Totals.Cost != 2*c1 {
		t.Fatalf("one conversation %s, two %s", c1, res.Strategies[0].Totals.Cost)
	}
	want := price.Project(c1, 500) // c1 × 500 × 30
	if got := profile.Monthly(res.Strategies[0].Totals.Cost, profile.CallingConversations(res), 500); got.String() != want.String() {
		t.Errorf("monthly %s, want %s", got, want)
	}
	fs, err := Findings(synthetic.Twins("gpt-4o"), res, FindingsOptions{PerDay: 500})
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

// A log with no model gets one finding saying so, never $0.00; a log with
// no tool is priced one made-up lookup tool, and says it.
func TestFindingsUnpricedAndNoTool(t *testing.T) {
	res := run(t, synthetic.Twins(""))
	fs, err := Findings(synthetic.Twins(""), res, FindingsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Kind != FindingUnpriced || fs[0].Text != "unpriced: the log names no model — pass --model" {
		t.Errorf("findings %+v", fs)
	}
	if _, err := Tune(synthetic.Twins(""), TuneOptions{}); err == nil || !strings.Contains(err.Error(), "unpriced: the log names no model — pass --model") {
		t.Errorf("tune: %v", err)
	}
	fs, err = Findings(synthetic.Twins("gpt-4o"), run(t, synthetic.Twins("gpt-4o")), FindingsOptions{})
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
	src, err := transcripts.Open("../../transcripts/testdata/langfuse", transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res := run(t, src.Conversations)
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

// A log whose own model has no price, run with a model= strategy that has
// one, gets the unpriced finding rather than an error: the best-strategy
// search measures against the basis, which is unpriced, and used to fail
// the findings (and with them a report whose JSON calls were already out).
func TestFindingsUnpricedBasisPricedStrategy(t *testing.T) {
	convs := synthetic.Twins("zz-no-such-model")
	res := run(t, convs, "full", "model=gpt-4o")
	if profile.AllUnpriced(res) {
		t.Fatal("model=gpt-4o is unpriced: the test shows nothing")
	}
	fs, err := Findings(convs, res, FindingsOptions{})
	if err != nil {
		t.Fatalf("Findings: %v", err)
	}
	if len(fs) != 1 || fs[0].Kind != FindingUnpriced || fs[0].Text != "unpriced: zz-no-such-model is not in the price table — pass --model" {
		t.Errorf("findings %+v", fs)
	}
}
