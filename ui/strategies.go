package ui

import (
	"fmt"

	"charm.land/bubbles/v2/table"
	"charm.land/lipgloss/v2"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/report/rows"
)

// running is a strategy's totals over the calls played so far.
type running struct {
	cost, reported         price.Money
	input, cached, dropped int64
	truncated, overflow    int
}

func runningTotals(s profile.StrategyResult, upto int) running {
	var r running
	for i, c := range s.Calls() {
		if i >= upto {
			break
		}
		r.cost += c.Cost
		r.reported += c.ReportedCost
		r.input += c.Input.Total()
		r.cached += c.Cached
		r.dropped += c.Dropped
		if c.Truncated {
			r.truncated++
		}
		if c.Overflow {
			r.overflow++
		}
	}
	return r
}

// strategyColumns fits the table to w columns: numbers drop from the
// right as the terminal narrows, and the spec column takes what is left
// up to the longest spec (specW), so that on a wide screen the numbers
// stay next to the names they belong to.
func strategyColumns(w, costW, specW int) []table.Column {
	fixed := []table.Column{
		{Title: "cost", Width: max(10, costW)}, {Title: "saved", Width: 7}, {Title: "cache", Width: 5},
		{Title: "dropped", Width: 7}, {Title: "cut", Width: 3}, {Title: "ovf", Width: 3},
	}
	for len(fixed) > 2 {
		used := 4 + 22 + 2 // "#" column, the narrowest useful spec, padding
		for _, c := range fixed {
			used += c.Width + 2
		}
		if used <= w {
			break
		}
		fixed = fixed[:len(fixed)-1]
	}
	used := 4 + 2
	for _, c := range fixed {
		used += c.Width + 2
	}
	spec := max(8, min(w-used-2, specW+1))
	return append([]table.Column{{Title: "#", Width: 2}, {Title: "strategy", Width: spec}}, fixed...)
}

// strategyRows are the table rows over calls [0, upto), with cells cut to
// the first cols columns: report/rows computes every cell, as it does for
// report's table, so both show the same figures (one rounding, saved
// against strategy 1, whose row says base; "unpriced", never $0.00). The
// dropped cell keeps the TUI's short form.
func strategyRows(res *profile.Result, upto int, exact bool, cols int) []table.Row {
	if res == nil {
		return nil
	}
	var out []table.Row
	for i, r := range rows.Strategies(res, rows.Options{Replay: true, Played: upto}) {
		dropped := rows.None
		if d := r.Totals.Dropped; d > 0 {
			dropped = shortTokens(d)
			if !exact {
				dropped = "≈" + dropped
			}
		}
		row := table.Row{fmt.Sprint(i + 1), r.Spec, r.Cost, r.Saved, r.CacheHit, dropped, r.Truncated, r.Overflow}
		out = append(out, row[:min(cols, len(row))])
	}
	return out
}

// savedCell is a saving against strategy 1 as report writes it (rows.Saved,
// rounded once by profile.RoundPct): every screen writes savings with it.
func savedCell(pct float64) string { return rows.Saved(profile.RoundPct(pct)) }

func newStrategyTable() table.Model {
	t := table.New(table.WithFocused(true))
	s := table.DefaultStyles()
	s.Header = s.Header.Bold(true).BorderStyle(lipgloss.NormalBorder()).BorderBottom(true).BorderForeground(lipgloss.Color("#5F5F87"))
	s.Selected = s.Selected.Bold(true).Reverse(true).Foreground(lipgloss.NoColor{}).Background(lipgloss.NoColor{})
	t.SetStyles(s)
	return t
}
