package ui

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/NimbleMarkets/ntcharts/v2/canvas"
	"github.com/NimbleMarkets/ntcharts/v2/linechart"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/price"
)

// curveMarkers draw the curves under NO_COLOR, one glyph per strategy.
var curveMarkers = []rune{'•', '+', 'x', 'o', '*', '#', '%', '@', '&'}

// curvesGeom maps pane columns back to calls, for the mouse.
type curvesGeom struct {
	x0, gw, n int
}

// callAt is the call (0-based) nearest pane column x, or -1.
func (g curvesGeom) callAt(x int) int {
	if g.n == 0 || g.gw <= 1 || x < g.x0 || x >= g.x0+g.gw {
		return -1
	}
	span := float64(max(g.n, 2) - 1)
	return min(g.n-1, int(math.Round(float64(x-g.x0)/float64(g.gw-1)*span)))
}

// curvesView draws every strategy's cumulative cost over calls [0, upto)
// on one chart, x from call 1, on 1-2-5 ticks. Each curve is numbered in
// the right margin on the row where it ends (curves ending on one row
// share it). With noColor set each curve has its own glyph.
func curvesView(res *profile.Result, sel, upto int, noColor bool, w, h int) (string, curvesGeom) {
	if res == nil || len(res.Strategies) == 0 || w < 20 || h < 5 {
		return "", curvesGeom{}
	}
	n := len(res.Strategies[0].Calls())
	upto = min(upto, n)
	cums, maxCost := cumulative(res, upto)
	gh := h - 2
	// Enough ticks that the top is the first 1-2-5 step above the data
	// ($0.54 under $0.6, not $1), as many as the rows hold apart.
	top, step := niceScale(maxCost.USD(), max(3, gh/2), 1e-6)
	// The row a value is drawn on, up from the lowest row of the graph, as
	// ntcharts scales it: braille cells hold four dots a row.
	rowOf := func(v float64) int {
		if noColor {
			return int(math.Round(v / top * float64(gh-1)))
		}
		return int(math.Round(v/top*float64(4*gh-1))) / 4
	}
	endRow := func(si int) int { return rowOf(cums[si][upto].USD()) }
	byRow := map[int][]int{}
	for si := range res.Strategies {
		if upto > 0 {
			byRow[endRow(si)] = append(byRow[endRow(si)], si)
		}
	}
	margin := 0
	per := 2 // "3 " a label
	if noColor {
		per = 3 // "x3 ": the glyph names the curve too
	}
	for _, sis := range byRow {
		margin = max(margin, per*len(sis))
	}
	maxX := float64(max(n, 2))
	lc := linechart.New(w-margin, h, 1, maxX, 0, top,
		linechart.WithXYSteps(1, 1),
		linechart.WithXLabelFormatter(func(int, float64) string { return "" }),
		linechart.WithYLabelFormatter(tickFormatter(top, step, func(t float64) int {
			if t == 0 {
				return 0 // on the axis
			}
			return 1 + rowOf(t)
		}, usdStepLabel(step))),
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
	drawCurves(&lc, cums, order, upto, noColor)
	origin := lc.Origin()
	gw := lc.GraphWidth()
	if noColor && upto > 1 {
		markCurves(&lc, cums, order, upto, maxX)
	}
	labelCurveCalls(&lc, n, maxX, w-margin)
	view := lc.View()
	if margin == 0 {
		return view, curvesGeom{x0: origin.X + 1, gw: gw, n: n}
	}
	return numberCurves(view, origin.Y, byRow, margin, sel, noColor), curvesGeom{x0: origin.X + 1, gw: gw, n: n}
}

// cumulative is each strategy's cost summed over calls [0, i) for each i
// up to upto, and the largest total (at least one pico-dollar).
func cumulative(res *profile.Result, upto int) ([][]price.Money, price.Money) {
	var maxCost price.Money = 1
	cums := make([][]price.Money, len(res.Strategies))
	for si, s := range res.Strategies {
		calls := s.Calls()
		cum := make([]price.Money, upto+1)
		for i := 0; i < upto; i++ {
			cum[i+1] = cum[i] + calls[i].Cost
		}
		cums[si] = cum
		maxCost = max(maxCost, cum[upto])
	}
	return cums, maxCost
}

// drawCurves draws the curves in order (the last on top), segment by
// segment: braille lines, or dotted ones under NO_COLOR.
func drawCurves(lc *linechart.Model, cums [][]price.Money, order []int, upto int, noColor bool) {
	for _, si := range order {
		st := lipgloss.NewStyle().Foreground(strategyColor(si))
		cum := cums[si]
		if upto == 1 {
			lc.DrawRuneWithStyle(canvas.Float64Point{X: 1, Y: cum[1].USD()}, curveMarkers[si%len(curveMarkers)], st)
		}
		for k := 1; k < upto; k++ {
			a := canvas.Float64Point{X: float64(k), Y: cum[k].USD()}
			b := canvas.Float64Point{X: float64(k + 1), Y: cum[k+1].USD()}
			if noColor {
				lc.DrawRuneLineWithStyle(a, b, '·', st)
			} else {
				lc.DrawBrailleLineWithStyle(a, b, st)
			}
		}
	}
}

// markCurves puts each curve's glyph on columns of its own, so that none
// hides another where curves run together (NO_COLOR).
func markCurves(lc *linechart.Model, cums [][]price.Money, order []int, upto int, maxX float64) {
	gw := lc.GraphWidth()
	for _, si := range order {
		st := lipgloss.NewStyle().Foreground(strategyColor(si))
		for col := si % len(cums); col < gw; col += len(cums) {
			x := 1 + float64(col)/float64(max(gw-1, 1))*(maxX-1)
			if x > float64(upto) {
				break
			}
			k := int(x)
			y := cums[si][k].USD()
			if k < upto {
				y += (cums[si][k+1].USD() - y) * (x - float64(k))
			}
			lc.DrawRuneWithStyle(canvas.Float64Point{X: x, Y: y}, curveMarkers[si%len(curveMarkers)], st)
		}
	}
}

// labelCurveCalls writes call numbers under the curves' x axis, on a
// 1-2-5 step wide enough for the numbers, none past limit: the first
// and the last call always, at any number of calls.
func labelCurveCalls(lc *linechart.Model, n int, maxX float64, limit int) {
	origin := lc.Origin()
	gw := lc.GraphWidth()
	// Call numbers under the x axis, on a 1-2-5 step.
	width := len(fmt.Sprint(n)) + 2
	_, every := niceScale(maxX, max(1, gw/width), 1)
	lst := lipgloss.NewStyle().Foreground(lipgloss.Color("#808080"))
	var calls []int
	for call := 1; call <= n; call++ {
		if call == 1 || call == n || call%int(every) == 0 {
			calls = append(calls, call)
		}
	}
	xOf := func(call int) int { return origin.X + 1 + int(math.Round(float64(call-1)/(maxX-1)*float64(gw-1))) }
	for _, l := range callLabels(calls, xOf, limit) {
		lc.Canvas.SetStringWithStyle(canvas.Point{X: l.x, Y: origin.Y + 1}, l.s, lst)
	}
}

// numberCurves writes each curve's number in the right margin of view,
// on the row where it ends (byRow: the curves ending on each row, counted
// up from the axis at line axisY), the selected one bold.
func numberCurves(view string, axisY int, byRow map[int][]int, margin, sel int, noColor bool) string {
	// Number the curves in the margin, each on its end row.
	lines := strings.Split(view, "\n")
	for i := range lines {
		label := ""
		if row := axisY - 1 - i; row >= 0 || i < axisY {
			sis := byRow[axisY-1-i]
			sort.Ints(sis)
			var parts []string
			for _, si := range sis {
				mark := strconv.Itoa(si + 1)
				if noColor {
					mark = string(curveMarkers[si%len(curveMarkers)]) + mark
				}
				parts = append(parts, lipgloss.NewStyle().Foreground(strategyColor(si)).Bold(si == sel).Render(mark))
			}
			label = strings.Join(parts, " ")
		}
		lines[i] = lines[i] + " " + pad(label, margin-1, false)
	}
	return strings.Join(lines, "\n")
}

// usdStepLabel labels ticks step apart with the decimals the step needs,
// so that neighbouring ticks never read alike ($0.01, $0.015, $0.02).
func usdStepLabel(step float64) func(float64) string {
	return func(v float64) string {
		if v == 0 || step >= 1 {
			return usdLabel(v)
		}
		decimals := max(0, int(math.Ceil(-math.Log10(step)-1e-9)))
		return "$" + trimZeros(v, decimals)
	}
}

func usdLabel(v float64) string {
	switch {
	case v >= 100:
		return "$" + shortTokens(int64(math.Round(v)))
	case v >= 1:
		return "$" + trimZeros(v, 1)
	case v >= 0.01:
		return "$" + trimZeros(v, 2)
	case v == 0:
		return "$0"
	}
	return "$" + trimZeros(v, 6)
}

func trimZeros(v float64, decimals int) string {
	out := strconv.FormatFloat(v, 'f', decimals, 64)
	if strings.Contains(out, ".") {
		out = strings.TrimRight(strings.TrimRight(out, "0"), ".")
	}
	return out
}
