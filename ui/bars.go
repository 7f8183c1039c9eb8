package ui

import (
	"fmt"
	"math"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/NimbleMarkets/ntcharts/v2/canvas"
	"github.com/NimbleMarkets/ntcharts/v2/linechart"

	"github.com/tokenscope/tokenscope/profile"
)

// barsGeom is where barsView drew the calls, for the mouse: call start
// is in column x0 of the pane, the next one two columns right.
type barsGeom struct {
	x0, start, n int
}

// callAt is the call drawn at pane column x, or -1.
func (g barsGeom) callAt(x int) int {
	if g.n == 0 || x < g.x0 {
		return -1
	}
	i := g.start + (x-g.x0)/2
	if i >= g.start+g.n {
		return -1
	}
	return i
}

// barsView draws the input of calls [0, upto) of strategy sel as stacked
// bars, one column per call and its output beside it, on a y-axis in
// tokens, with the context-window line when it is in range and the call
// numbers below. Input read from cache is drawn with its own glyph. With
// compare set, the first strategy's total is outlined above each bar. The
// window of calls shown scrolls so that call focus is visible (ntcharts
// draws nothing when bars outnumber columns, so never give it more).
func barsView(res *profile.Result, sel, upto, focus, prevStart int, compare bool, glyphs map[string]rune, w, h int) (string, barsGeom) {
	if res == nil || len(res.Strategies) == 0 || w < 20 || h < 5 {
		return "", barsGeom{}
	}
	calls := res.Strategies[sel].Calls()
	first := res.Strategies[0].Calls()
	upto = min(upto, len(calls))
	var maxY int64 = 1
	for i := 0; i < upto; i++ {
		maxY = max(maxY, calls[i].Input.Total(), first[i].Input.Total(), calls[i].Output+calls[i].Reasoning)
	}
	window := int64(0)
	if res.Model != nil {
		window = res.Model.ContextWindow
	}
	if window > maxY && window < maxY*3/2 {
		maxY = window
	}
	gh := h - 2 // the x-axis and its labels take two rows
	ax := resultApprox(res)
	topF, step := niceScale(float64(maxY), max(1, gh/2), 1)
	top := int64(topF)
	lc := linechart.New(w, h, 0, 1, 0, topF,
		linechart.WithXYSteps(1, 1),
		linechart.WithXLabelFormatter(func(int, float64) string { return "" }),
		linechart.WithYLabelFormatter(tickFormatter(topF, step, func(t float64) int { return int(math.Round(t / topF * float64(gh))) },
			func(v float64) string {
				if v == 0 {
					return "0"
				}
				return ax + shortTokens(int64(v))
			})),
		linechart.WithStyles(lipgloss.NewStyle().Foreground(lipgloss.Color("#6C6C6C")), lipgloss.NewStyle().Foreground(lipgloss.Color("#808080")), lipgloss.NewStyle()))
	lc.DrawXYAxisAndLabel()
	origin := lc.Origin()
	gw, gh := lc.GraphWidth(), lc.GraphHeight()
	slots := max(1, (gw-1)/2) // two columns a call: input, output
	// The window stays where it was (prevStart) while the focus is in
	// it, so that a click does not move the bars under the pointer.
	start := barsStart(upto, slots, focus, prevStart)
	rows := func(tokens int64) int { return int((tokens*int64(gh) + top/2) / top) }
	cachedSt := lipgloss.NewStyle().Faint(true)
	for i := start; i < upto && i-start < slots; i++ {
		x := origin.X + 1 + (i-start)*2
		c := calls[i]
		var cum int64
		cachedRows := rows(c.Cached)
		for _, ps := range partStyles {
			v := c.Input.Get(ps.name)
			if v <= 0 {
				continue
			}
			from, to := rows(cum), rows(cum+v)
			cum += v
			st := lipgloss.NewStyle().Foreground(ps.color)
			for y := from; y < to; y++ {
				if y < cachedRows {
					lc.Canvas.SetCell(canvas.Point{X: x, Y: origin.Y - 1 - y}, canvas.NewCellWithStyle(cachedGlyph, cachedSt.Foreground(ps.color)))
					continue
				}
				lc.Canvas.SetCell(canvas.Point{X: x, Y: origin.Y - 1 - y}, canvas.NewCellWithStyle(glyphs[ps.name], st))
			}
		}
		if compare && sel != 0 {
			if ft := first[i].Input.Total(); ft > c.Input.Total() {
				y := min(rows(ft), gh) - 1
				lc.Canvas.SetCell(canvas.Point{X: x, Y: origin.Y - 1 - y}, canvas.NewCellWithStyle(outlineGlyph, lipgloss.NewStyle().Foreground(lipgloss.Color("#FFFFFF"))))
			}
		}
		out := c.Output + c.Reasoning
		ost := lipgloss.NewStyle().Foreground(outputColor)
		for y := 0; y < max(rows(out), 1) && out > 0; y++ {
			lc.Canvas.SetCell(canvas.Point{X: x + 1, Y: origin.Y - 1 - y}, canvas.NewCellWithStyle(outputGlyph, ost))
		}
		if i == focus {
			lc.Canvas.SetCell(canvas.Point{X: x, Y: origin.Y}, canvas.NewCellWithStyle('▲', lipgloss.NewStyle().Foreground(lipgloss.Color("#FFD75F"))))
		}
	}
	if window > 0 && window <= top {
		y := origin.Y - 1 - min(rows(window), gh-1)
		st := lipgloss.NewStyle().Foreground(lipgloss.Color("#FF5F5F"))
		for x := origin.X + 1; x < origin.X+1+gw; x++ {
			if lc.Canvas.Cell(canvas.Point{X: x, Y: y}).Rune == 0 || lc.Canvas.Cell(canvas.Point{X: x, Y: y}).Rune == ' ' {
				lc.Canvas.SetCell(canvas.Point{X: x, Y: y}, canvas.NewCellWithStyle('┄', st))
			}
		}
	}
	shown := min(upto-start, slots)
	labelCalls(&lc, origin.X+1, start, shown, upto, w)
	return lc.View(), barsGeom{x0: origin.X + 1, start: start, n: max(shown, 0)}
}

// barsStart is the first call of the window of slots calls drawn: it
// stays where it was (prevStart, -1 for none) while focus is in it, so
// that a click does not move the bars under the pointer.
func barsStart(upto, slots, focus, prevStart int) int {
	if upto <= slots {
		return 0
	}
	start := prevStart
	if start < 0 {
		start = focus - slots/2
	}
	if focus < start {
		start = focus
	}
	if focus >= start+slots {
		start = focus - slots + 1
	}
	return min(max(start, 0), upto-slots)
}

// labelCalls writes call numbers under the bars, on a 1-2-5 step wide
// enough for the numbers, and which calls are shown when not all are.
func labelCalls(lc *linechart.Model, x0, start, shown, total, w int) {
	if shown <= 0 {
		return
	}
	y := lc.Origin().Y + 1
	st := lipgloss.NewStyle().Foreground(lipgloss.Color("#808080"))
	right := ""
	if shown < total {
		right = fmt.Sprintf("%d–%d of %d", start+1, start+shown, total)
	}
	limit := w - len([]rune(right)) - 1
	if right == "" {
		limit = w
	}
	width := len(fmt.Sprint(total)) + 1
	_, every := niceScale(float64(total), max(1, 2*shown/width), 1)
	k := int(every)
	var calls []int
	for call := start + 1; call <= start+shown; call++ {
		if call == 1 || call == start+shown || call%k == 0 {
			calls = append(calls, call)
		}
	}
	for _, l := range callLabels(calls, func(call int) int { return x0 + (call-1-start)*2 }, limit) {
		lc.Canvas.SetStringWithStyle(canvas.Point{X: l.x, Y: y}, l.s, st)
	}
	if right != "" && limit > x0 {
		lc.Canvas.SetStringWithStyle(canvas.Point{X: w - len([]rune(right)), Y: y}, right, st)
	}
}

// legend names each part drawn with its glyph and its share of what the
// bars add up (tokens, or dollars in the $ view), heaviest first, fitting
// in w columns. In live mode every byte sent was written, so the gap
// between the server's usage and the count is named for what it is;
// elsewhere "unlogged" says what it is where it is drawn.
func legend(w int, k barKey, live bool) string {
	var items []string
	var total int64
	for _, n := range k.order {
		total += k.weight[n]
	}
	unlogged := false
	for _, n := range k.order {
		name := shortPart(n)
		if live && n == "unlogged" {
			name = liveGap
		}
		unlogged = unlogged || n == "unlogged" && !live
		item := lipgloss.NewStyle().Foreground(partColor(n)).Render(string(k.glyphs[n])) + " " + name
		if total > 0 {
			item += fmt.Sprintf(" %.0f%%", 100*float64(k.weight[n])/float64(total))
		}
		items = append(items, item)
	}
	if !k.money {
		items = append(items, string(cachedGlyph)+" cached",
			lipgloss.NewStyle().Foreground(outputColor).Render(string(outputGlyph))+" output")
	}
	if unlogged {
		items = append(items, "unlogged: input reported, not in the log")
	}
	return wrapItems(items, w)
}

// unloggedMeans says what the unlogged part is, wherever it is named.
const unloggedMeans = "the part of the reported input the log does not hold (an agent's system prompt and tools), inferred from reported usage"

// liveGap names, in live mode, input the server counted beyond what was
// sent and counted here.
const liveGap = "server tokenizer / hidden prompt"

func shortPart(name string) string {
	switch name {
	case "tool_defs":
		return "tools"
	case "tool_results":
		return "results"
	case "overhead":
		return "framing"
	case partCacheRead:
		return "cache reads"
	case partCacheWrite:
		return "cache writes"
	}
	return name
}

// wrapItems joins items with spaces, breaking lines at w columns.
func wrapItems(items []string, w int) string {
	var b strings.Builder
	line := 0
	for _, it := range items {
		iw := lipgloss.Width(it)
		if line > 0 && line+1+iw > w {
			b.WriteByte('\n')
			line = 0
		} else if line > 0 {
			b.WriteByte(' ')
			line++
		}
		b.WriteString(it)
		line += iw
	}
	return b.String()
}

// shortTokens renders 12000 as 12k and 1500000 as 1.5M.
func shortTokens(n int64) string {
	switch {
	case n >= 1_000_000_000:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/1e9), ".0") + "B"
	case n >= 1_000_000:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/1e6), ".0") + "M"
	case n >= 1000:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/1e3), ".0") + "k"
	}
	return fmt.Sprint(n)
}
