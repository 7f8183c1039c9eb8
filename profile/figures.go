package profile

import (
	"math"

	"github.com/tokenscope/tokenscope/profile/price"
)

// CallingConversations counts r's conversations that made a call: the unit
// --per-day projects.
func CallingConversations(r *Result) int64 {
	var n int64
	for _, c := range r.Conversations {
		if c.Calls > 0 {
			n++
		}
	}
	return n
}

// Monthly projects cost, a total over convs conversations, per month at
// perDay such conversations a day: cost ÷ convs × perDay × 30, exact to the
// pico-dollar (SPEC: "--per-day N projects each strategy's cost per month
// at N such conversations a day").
func Monthly(cost price.Money, convs, perDay int64) price.Projection {
	p := price.Project(cost, perDay)
	if convs > 1 {
		p = p.Div(convs)
	}
	return p
}

// RoundPct rounds a percentage to one decimal: the one rounding of every
// percentage the outputs show (the strategy table's saved, the JSON's
// savings_pct, tune's), so that no two places disagree on the same figure.
// A result of zero is +0: a saving of -0.04% shows as "+0.0%", not "-0.0%".
func RoundPct(x float64) float64 {
	r := math.Round(x*10) / 10
	if r == 0 {
		return 0
	}
	return r
}

// TotalsUpto sums the first n calls of s (none when n is 0): what a replay
// has played so far, added as the run adds them.
func (s *StrategyResult) TotalsUpto(n int) Totals {
	var t Totals
	calls := s.Calls()
	for i := range calls[:min(n, len(calls))] {
		t.addCall(&calls[i])
	}
	return t
}

// FormatTokens renders n with thousands separators (1,234,567).
func FormatTokens(n int64) string { return formatTokens(n) }
