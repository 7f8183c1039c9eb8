package profile

import (
	"testing"

	"github.com/tokenscope/tokenscope/profile/price"
)

// TestSourcesBilled checks what the real agent and trace logs were billed
// (their reported usage at the embedded list prices) against figures
// worked out by hand from the raw files (sums in transcripts' tests).
func TestSourcesBilled(t *testing.T) {
	for _, tt := range []struct {
		path  string
		calls int
		want  price.Money
	}{
		// gemini-2.5-flash, $0.30 in, $0.03 cached, $2.50 out per MTok:
		// (67,273 − 43,377 cached) × 0.30 + 43,377 × 0.03 + (300 out + 377
		// thoughts) × 2.50 = 7,168.8 + 1,301.31 + 1,692.5 = 10,162.61 µ$.
		{"../transcripts/testdata/gemini/session-2025-12-09T19-51-f0a689a6.json", 7, 10_162_610_000},
		// Langfuse generations, no cached tokens: gpt-4o 656 in, 105 out
		// (× $2.50, $10) = 2,690 µ$; gpt-4.1 140, 44 (× $2, $8) = 632 µ$;
		// gpt-4o-mini 1,315, 209 (× $0.15, $0.60) = 322.65 µ$; 3,644.65 µ$.
		{"../transcripts/testdata/langfuse", 8, 3_644_650_000},
		// The same runs' spans: the Agent Framework's second call reported
		// no usage (Langfuse estimated its 25/70), so 631 × 2.5 + 35 × 10
		// = 1,927.5 µ$ for gpt-4o: 1,927.5 + 632 + 322.65 = 2,882.15 µ$.
		{"../transcripts/testdata/otel", 8, 2_882_150_000},
	} {
		res := runReal(t, tt.path, "full")
		tot := res.Strategies[0].Totals
		if tot.Calls != tt.calls || tot.ReportedCost != tt.want {
			t.Errorf("%s: %d calls billed %d, want %d billed %d", tt.path, tot.Calls, tot.ReportedCost, tt.calls, tt.want)
		}
	}
}
