package profile

import (
	"testing"

	"github.com/tokenscope/tokenscope/transcripts"
)

// realTree is the directory of real Claude Code sessions described in
// transcripts/testdata/README (section "Real Claude Code sessions with usage").
const realTree = "../transcripts/testdata/real/claude_code/spotter"

func runReal(t *testing.T, path string, specs ...string) *Result {
	t.Helper()
	src, err := transcripts.Open(path, transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var ss []*Strategy
	for _, s := range specs {
		st, err := ParseStrategy(s)
		if err != nil {
			t.Fatal(err)
		}
		ss = append(ss, st)
	}
	res, err := Run(src.Conversations, Options{Strategies: ss})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestRealBilled checks what each real session was billed against figures
// computed independently from the raw files (every usage line's last
// version per message id + request id, priced at opus-4-6's list prices;
// the token sums are in transcripts/testdata/README). E.g. short.jsonl, one
// call: 3 uncached × $5 + 11,515 read × $0.50 + 13,835 1-hour writes × $10
// + 13 out × $25 per MTok = 15 + 5,757.5 + 138,350 + 325 µ$ = $0.1444475.
func TestRealBilled(t *testing.T) {
	res := runReal(t, realTree, "full")
	want := map[string]Money{
		"258c7280-ae70-4798-800f-63464d01a85d": 918_278_000_000,
		"8463c716-a2ea-4c14-9efa-87158ebd9f20": 624_180_500_000,
		"short":                                144_447_500_000,
		"subagent":                             519_593_000_000,
		"tool_heavy":                           226_645_500_000,
	}
	calls := map[string]int{"258c7280-ae70-4798-800f-63464d01a85d": 14, "8463c716-a2ea-4c14-9efa-87158ebd9f20": 8,
		"short": 1, "subagent": 12, "tool_heavy": 4}
	st := res.Strategies[0]
	if len(st.Conversations) != len(want) {
		t.Fatalf("%d conversations, want %d (one per session)", len(st.Conversations), len(want))
	}
	for _, c := range st.Conversations {
		if c.Totals.ReportedCost != want[c.ID] || c.Totals.Calls != calls[c.ID] {
			t.Errorf("%s: %d calls billed %d, want %d calls billed %d", c.ID, c.Totals.Calls, c.Totals.ReportedCost, calls[c.ID], want[c.ID])
		}
	}
	if st.Totals.ReportedCost != 2_433_144_500_000 {
		t.Errorf("tree billed %d, want 2,433,144,500,000", st.Totals.ReportedCost)
	}
}
