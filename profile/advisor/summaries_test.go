package advisor

import (
	"testing"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts"
)

// Summaries on the Claude Code test tree: one row per conversation with its
// project, start, billed cost and the cheapest strategy.
func TestSummariesClaudeCode(t *testing.T) {
	root := "../../transcripts/testdata/claude_code"
	src, err := transcripts.Open(root, transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res := run(t, src.Conversations)
	sums := Summaries(res, src.Conversations, root)
	if len(sums) != len(src.Conversations) {
		t.Fatalf("%d summaries for %d conversations", len(sums), len(src.Conversations))
	}
	var calls int
	var billed, full price.Money
	for i, s := range sums {
		if s.Project != "-home-dev-shop" {
			t.Errorf("%s: project %q", s.ID, s.Project)
		}
		if s.Calls > 0 && s.Start.IsZero() {
			t.Errorf("%s: no start time", s.ID)
		}
		if s.Costs[0] != res.Strategies[0].Conversations[i].Totals.Cost || len(s.Costs) != len(res.Strategies) {
			t.Errorf("%s: costs %v", s.ID, s.Costs)
		}
		if s.Cheapest > 0 {
			want := 100 * float64(s.Costs[0]-s.Costs[s.Cheapest]) / float64(s.Costs[0])
			if s.Saving != want || s.Saving <= 0 {
				t.Errorf("%s: saving %.2f, want %.2f", s.ID, s.Saving, want)
			}
		}
		calls += s.Calls
		billed += s.Billed
		full += s.Costs[0]
	}
	// The rows add up to the totals the report prints: billed $0.0604.
	if billed.String() != "$0.0604" {
		t.Errorf("billed %s, report says $0.0604", billed)
	}
	tot := res.Strategies[0].Totals
	if calls != tot.Calls || billed != tot.ReportedCost || full != tot.Cost {
		t.Errorf("rows sum to %d calls, billed %s, full %s; totals %d, %s, %s", calls, billed, full, tot.Calls, tot.ReportedCost, tot.Cost)
	}
}
