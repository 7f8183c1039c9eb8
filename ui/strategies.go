package ui

import (
	"fmt"

	"charm.land/bubbles/v2/table"
	"charm.land/lipgloss/v2"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/price"
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
// the first cols columns.
func strategyRows(res *profile.Result, upto int, exact bool, cols int) []table.Row {
	if res == nil {
		return nil
	}
	var rows []table.Row
	var base running
	none := profile.AllUnpriced(res)
	for i, s := range res.Strategies {
		r := runningTotals(s, upto)
		if i == 0 {
			base = r
		}
		saved := "—"
		if i > 0 && base.cost > 0 {
			saved = savedCell(100 * float64(base.cost-r.cost) / float64(base.cost))
		}
		hit := "—"
		if r.cached > 0 && r.input > 0 {
			hit = fmt.Sprintf("%.0f%%", 100*float64(r.cached)/float64(r.input))
		}
		dropped := "—"
		if r.dropped > 0 {
			dropped = shortTokens(r.dropped)
			if !exact {
				dropped = "≈" + dropped
			}
		}
		count := func(n int) string {
			if n == 0 {
				return "—"
			}
			return fmt.Sprint(n)
		}
		cost := r.cost.String()
		if none {
			cost, saved = "unpriced", "—"
		}
		row := table.Row{fmt.Sprint(i + 1), s.Strategy.Spec, cost, saved, hit, dropped, count(r.truncated), count(r.overflow)}
		rows = append(rows, row[:min(cols, len(row))])
	}
	return rows
}

// savedCell is a saving against strategy 1 as report writes it: one
// decimal, a cheaper strategy positive ("58.5%"), a dearer one signed
// ("-3.2%"). Every screen writes savings with it.
func savedCell(pct float64) string {
	if pct > 0 {
		return fmt.Sprintf("%.1f%%", pct)
	}
	return fmt.Sprintf("%+.1f%%", pct)
}

func newStrategyTable() table.Model {
	t := table.New(table.WithFocused(true))
	s := table.DefaultStyles()
	s.Header = s.Header.Bold(true).BorderStyle(lipgloss.NormalBorder()).BorderBottom(true).BorderForeground(lipgloss.Color("#5F5F87"))
	s.Selected = s.Selected.Bold(true).Reverse(true).Foreground(lipgloss.NoColor{}).Background(lipgloss.NoColor{})
	t.SetStyles(s)
	return t
}
