package ui

import (
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/NimbleMarkets/ntcharts/v2/canvas"
	"github.com/NimbleMarkets/ntcharts/v2/linechart"

	"github.com/tokenscope/tokenscope/profile"
)

// curvesView draws every strategy's cumulative cost over calls [0, upto)
// on one chart, one braille line per strategy, numbered at its end so the
// lines stay apart under NO_COLOR.
func curvesView(res *profile.Result, sel, upto int, w, h int) string {
	if res == nil || len(res.Strategies) == 0 || w < 20 || h < 5 {
		return ""
	}
	n := len(res.Strategies[0].Calls())
	upto = min(upto, n)
	var maxCost profile.Money = 1
	cums := make([][]profile.Money, len(res.Strategies))
	for si, s := range res.Strategies {
		calls := s.Calls()
		cum := make([]profile.Money, upto+1)
		for i := 0; i < upto; i++ {
			cum[i+1] = cum[i] + calls[i].Cost
		}
		cums[si] = cum
		maxCost = max(maxCost, cum[upto])
	}
	maxUSD := maxCost.USD() * 1.05
	lc := linechart.New(w, h, 0, float64(max(n, 1)), 0, maxUSD,
		linechart.WithXYSteps(4, 2),
		linechart.WithXLabelFormatter(func(_ int, v float64) string { return shortTokens(int64(v)) }),
		linechart.WithYLabelFormatter(func(_ int, v float64) string { return usdLabel(v) }),
		linechart.WithStyles(lipgloss.NewStyle().Foreground(lipgloss.Color("#6C6C6C")), lipgloss.NewStyle().Foreground(lipgloss.Color("#808080")), lipgloss.NewStyle()))
	lc.DrawXYAxisAndLabel()
	// Draw the selected strategy last so it is on top.
	order := make([]int, 0, len(res.Strategies))
	for i := range res.Strategies {
		if i != sel {
			order = append(order, i)
		}
	}
	order = append(order, sel)
	for _, si := range order {
		st := lipgloss.NewStyle().Foreground(strategyColor(si))
		cum := cums[si]
		for i := 0; i < upto; i++ {
			a := canvas.Float64Point{X: float64(i), Y: cum[i].USD()}
			b := canvas.Float64Point{X: float64(i + 1), Y: cum[i+1].USD()}
			lc.DrawBrailleLineWithStyle(a, b, st)
		}
	}
	// Number each curve at its end, after all are drawn so no line covers
	// a number; curves that end close together get the nearest free rows.
	labels := map[canvas.Point]bool{}
	for _, si := range order {
		if upto == 0 {
			break
		}
		st := lipgloss.NewStyle().Foreground(strategyColor(si)).Bold(true)
		end := lc.ScaleFloat64Point(canvas.Float64Point{X: float64(upto), Y: cums[si][upto].USD()})
		p := canvas.Point{X: min(int(end.X)+lc.Origin().X+1, w-1), Y: lc.Origin().Y - 1 - int(end.Y)}
		for d := 0; d < 2*h; d++ {
			q := canvas.Point{X: p.X, Y: p.Y - d/2}
			if d%2 == 1 {
				q.Y = p.Y + (d+1)/2
			}
			if q.Y >= 0 && q.Y < lc.Origin().Y && !labels[q] {
				p = q
				break
			}
		}
		labels[p] = true
		lc.Canvas.SetCell(p, canvas.NewCellWithStyle(rune('1'+si%9), st))
	}
	return lc.View()
}

func usdLabel(v float64) string {
	switch {
	case v >= 100:
		return "$" + shortTokens(int64(v))
	case v >= 1:
		return "$" + trimZeros(v, 1)
	case v >= 0.01:
		return "$" + trimZeros(v, 2)
	case v == 0:
		return "$0"
	}
	return "$" + trimZeros(v, 4)
}

func trimZeros(v float64, decimals int) string {
	out := strconv.FormatFloat(v, 'f', decimals, 64)
	if strings.Contains(out, ".") {
		out = strings.TrimRight(strings.TrimRight(out, "0"), ".")
	}
	return out
}
