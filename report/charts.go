package report

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/report/rows"
)

// charts collects what the two charts draw while calls stream by: the
// first strategy's input by part per call, and every strategy's running
// cost.
type charts struct {
	specs []string
	parts []profile.Parts // first strategy, every call in order
	cost  [][]price.Money
	// unpriced counts each strategy's calls whose model has no price.
	unpriced []int
	window   int64 // context window of the model, 0 when unknown
	exact    bool
	model    string
}

func newCharts(h *Header) *charts {
	c := &charts{exact: h.Report.Model.Exact, model: h.Report.Model.ID}
	for _, s := range h.Report.Strategies {
		c.specs = append(c.specs, s.Spec)
	}
	c.cost = make([][]price.Money, len(c.specs))
	c.unpriced = make([]int, len(c.specs))
	if m := h.Result.Model; m != nil {
		c.window = m.ContextWindow
	}
	return c
}

func (c *charts) add(call *Call) {
	if call.Strategy == 0 {
		c.parts = append(c.parts, call.Call.Input)
	}
	run := c.cost[call.Strategy]
	var sum price.Money
	if len(run) > 0 {
		sum = run[len(run)-1]
	}
	c.cost[call.Strategy] = append(run, sum.Add(call.Call.Cost))
	if call.Call.Unpriced {
		c.unpriced[call.Strategy]++
	}
}

// nonePriced reports whether none of strategy i's calls could be priced.
func (c *charts) nonePriced(i int) bool { return len(c.cost[i]) > 0 && c.unpriced[i] >= len(c.cost[i]) }

// maxBars is the most bars the input chart draws; beyond it each bar
// averages consecutive calls.
const maxBars = 160

// partLooks colour and hatch the parts as the TUI colours them, so that the
// chart also reads printed in black and white.
var partLooks = map[string]struct {
	color string
	hatch string // "" solid, "/", "\\", "-", "|", "+", "x", "."
}{
	"unlogged":     {"#A8A8A8", "x"},
	"tool_defs":    {"#AF87FF", "\\"},
	"system":       {"#5F87FF", ""},
	"summary":      {"#FFAF00", "+"},
	"history":      {"#87AFAF", "/"},
	"rag":          {"#00D787", "-"},
	"user":         {"#F0F0F0", "|"},
	"tool_results": {"#D7875F", "."},
	"overhead":     {"#B0B0B0", ""},
}

// strategyLooks colour and dash the cost curves.
var strategyLooks = []struct {
	color string
	dash  string // stroke-dasharray in points, "" solid
}{
	{"#202020", ""},
	{"#1F77B4", "6 2"},
	{"#D95F02", "2 2"},
	{"#1B9E77", "8 2 2 2"},
	{"#7570B3", "4 4"},
	{"#E7298A", "1 3"},
	{"#66A61E", "10 3"},
	{"#A6761D", "3 1"},
}

// partFill is the fill of a part's bars and legend swatch: its colour, or
// its hatch pattern (drawn over the colour) where it has one.
func partFill(part string) string {
	if partLooks[part].hatch == "" {
		return partLooks[part].color
	}
	return "url(#tsh-" + part + ")"
}

// hatchPatterns defines the hatch of each part in used: a tile of the
// part's colour with its lines, on a grid anchored at the canvas origin so
// that neighbouring bars line up.
func hatchPatterns(used []bool) string {
	var b strings.Builder
	b.WriteString("<defs>\n")
	for k, name := range profile.PartNames {
		look := partLooks[name]
		if !used[k] || look.hatch == "" {
			continue
		}
		s, rot := 3.5, ""
		var lines string
		switch look.hatch {
		case "-":
			lines = `<path d="M0,1.75H3.5"/>`
		case ".":
			lines = `<path d="M0,1.75H3.5" stroke-width="1" stroke-dasharray="1 2.5"/>`
		case "|":
			lines = `<path d="M1.75,0V3.5"/>`
		case "/", "\\":
			lines, rot = `<path d="M1.75,0V3.5"/>`, "45"
			if look.hatch == "\\" {
				rot = "-45"
			}
		case "+", "x":
			s, lines = 5.25, `<path d="M0,2.625H5.25M2.625,0V5.25"/>`
			if look.hatch == "x" {
				rot = "45"
			}
		}
		tr := ""
		if rot != "" {
			tr = ` patternTransform="rotate(` + rot + `)"`
		}
		fmt.Fprintf(&b, `<pattern id="tsh-%s" patternUnits="userSpaceOnUse" width="%g" height="%g"%s>`+
			`<rect width="%g" height="%g" fill="%s"/><g stroke="#000000" stroke-width="0.4" fill="none">%s</g></pattern>`+"\n",
			name, s, s, tr, s, s, look.color, lines)
	}
	b.WriteString("</defs>\n")
	return b.String()
}

// inputBars averages the first strategy's input per part over groups of
// per calls: each bar's centre and its stack, and the tallest stack.
func (c *charts) inputBars(per int) (xs []float64, cols [][9]float64, peak float64) {
	n := len(c.parts)
	for lo := 0; lo < n; lo += per {
		hi := min(lo+per, n)
		var col [9]float64
		for _, p := range c.parts[lo:hi] {
			for k, name := range profile.PartNames {
				col[k] += float64(p.Get(name))
			}
		}
		var sum float64
		for k := range col {
			col[k] /= float64(hi - lo)
			sum += col[k]
		}
		peak = max(peak, sum)
		xs = append(xs, float64(lo+hi+1)/2)
		cols = append(cols, col)
	}
	return xs, cols, peak
}

// InputSVG draws the first strategy's input per call, stacked by part, with
// the context window.
func (c *charts) InputSVG() ([]byte, error) {
	n := len(c.parts)
	per := max(1, (n+maxBars-1)/maxBars)
	title := "Input per call by part"
	if len(c.specs) > 0 {
		title += " (" + shorten(c.specs[0], 40) + ")"
	}
	// What qualifies the bars goes on a line of its own: one long line
	// ran past the chart's edge and was clipped.
	var notes []string
	if per > 1 {
		notes = append(notes, fmt.Sprintf("each bar the mean of %d calls", per))
	}
	xs, cols, peak := c.inputBars(per)
	// Draw the window when it is within reach of the data; say it
	// otherwise, or the bars would be a line at the bottom.
	window := float64(c.window)
	if window > 0 && window > 4*peak {
		notes = append(notes, "context window "+compact(window)+" is off the chart")
		window = 0
	}
	if len(notes) > 0 {
		title += "\n" + strings.Join(notes, "; ")
	}
	f := newFrame(title)
	// The axis ends on a tick above the tallest bar (and the window): the
	// bars stay inside the plot.
	top, step := niceTop(max(peak, window))
	yTicks := stepTicks(top, step)
	f.place(yTicks, chartW-legendW)
	f.x0, f.x1, f.y0, f.y1 = 0.5, float64(max(n, 1))+0.5, 0, top
	used := make([]bool, len(profile.PartNames))
	for _, col := range cols {
		for k, v := range col {
			used[k] = used[k] || v > 0
		}
	}
	f.b.WriteString(hatchPatterns(used))
	half := float64(per) * 0.42
	for i, col := range cols {
		x0, x1 := f.px(xs[i]-half), f.px(xs[i]+half)
		var y float64
		for k, name := range profile.PartNames {
			if col[k] <= 0 {
				continue
			}
			y0, y1 := f.py(y), f.py(y+col[k])
			y += col[k]
			fmt.Fprintf(&f.b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s"/>`+"\n",
				n2(x0), n2(y1), n2(x1-x0), n2(y0-y1), partFill(name))
		}
	}
	if window > 0 {
		fmt.Fprintf(&f.b, `<path d="M%s,%sH%s" stroke="#CC0000" stroke-width="1.2" stroke-dasharray="5 3" fill="none"/>`+"\n",
			n2(f.left), n2(f.py(window)), n2(f.right))
	}
	f.axes("call", "input tokens"+approx(c.exact), callTicks(float64(max(n, 1))), yTicks)
	c.inputLegend(f, used, window > 0)
	return f.bytes(), nil
}

// inputLegend lists the parts drawn, top to bottom as the bars stack (top
// part first), and the window, right of the plot so that it hides no data.
func (c *charts) inputLegend(f *frame, used []bool, window bool) {
	x, y := chartW-legendW+6, f.top
	for k := len(profile.PartNames) - 1; k >= 0; k-- {
		if !used[k] {
			continue
		}
		name := profile.PartNames[k]
		fmt.Fprintf(&f.b, `<rect x="%s" y="%s" width="10" height="6" fill="%s" stroke="#000000" stroke-width="0.4"/>`+"\n",
			n2(x), n2(y), partFill(name))
		f.text(x+14, y+6, 8, "start", "", name)
		y += 9
	}
	if window {
		fmt.Fprintf(&f.b, `<path d="M%s,%sh10" stroke="#CC0000" stroke-width="1.2" stroke-dasharray="5 3" fill="none"/>`+"\n", n2(x), n2(y+3))
		f.text(x+14, y+6, 8, "start", "", "context window")
	}
}

// CostSVG draws every strategy's cumulative cost, each curve labelled with
// its total where it ends. A strategy none of whose calls could be priced
// draws no curve and is labelled "unpriced"; with none priced at all the
// money axis has no ticks: no $0 is drawn for a price not known.
func (c *charts) CostSVG() ([]byte, error) {
	title, yTitle := "Cumulative cost by strategy", "USD"
	n, priced := 1, 0
	var most float64
	for i, run := range c.cost {
		n = max(n, len(run))
		if !c.nonePriced(i) {
			priced++
			if len(run) > 0 {
				most = max(most, run[len(run)-1].USD())
			}
		}
	}
	if priced == 0 {
		title += ": unpriced"
		yTitle = "USD (unpriced: the model has no price)"
	}
	f := newFrame(title)
	// The labels take about the right third of the plot.
	top := math.Max(most*1.15, 1e-9)
	var yTicks []tick
	if priced > 0 {
		yTicks = dollarTicks(top)
	}
	f.place(yTicks, chartW-8)
	f.x0, f.x1, f.y0, f.y1 = 0, float64(n)*1.75, 0, top
	var ends []endLabel
	for i, run := range c.cost {
		look := strategyLooks[i%len(strategyLooks)]
		if c.nonePriced(i) {
			ends = append(ends, endLabel{x: float64(len(run)), text: shorten(c.specs[i], 26) + "  " + rows.Unpriced, color: look.color})
			continue
		}
		c.costCurve(f, run, look.color, look.dash)
		var total price.Money
		if len(run) > 0 {
			total = run[len(run)-1]
		}
		ends = append(ends, endLabel{x: float64(len(run)), y: total.USD(),
			text: shorten(c.specs[i], 26) + "  " + total.String(), color: look.color})
	}
	drawEndLabels(f, ends)
	f.axes("call", yTitle, callTicks(float64(n)), yTicks)
	return f.bytes(), nil
}

// costCurve draws one strategy's running cost, at most about 1,000 points.
func (c *charts) costCurve(f *frame, run []price.Money, color, dash string) {
	step := max(1, len(run)/1000)
	var pts strings.Builder
	fmt.Fprintf(&pts, "%s,%s", n2(f.px(0)), n2(f.py(0)))
	point := func(k int) { fmt.Fprintf(&pts, " %s,%s", n2(f.px(float64(k+1))), n2(f.py(run[k].USD()))) }
	for k := step - 1; k < len(run); k += step {
		point(k)
	}
	if len(run) > 0 && len(run)%step != 0 {
		point(len(run) - 1)
	}
	d := ""
	if dash != "" {
		d = ` stroke-dasharray="` + dash + `"`
	}
	fmt.Fprintf(&f.b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="1.3"%s/>`+"\n", pts.String(), color, d)
}

// endLabel is a curve's label where it ends.
type endLabel struct {
	x, y  float64
	text  string
	color string
}

// drawEndLabels writes each label where its curve ends, moved apart
// vertically so that no two overlap, with a leader from the curve's end.
func drawEndLabels(f *frame, items []endLabel) {
	const gap = 10 // 8-point text, 1.25 line spacing
	idx := make([]int, len(items))
	ys := make([]float64, len(items))
	for i, it := range items {
		idx[i], ys[i] = i, f.py(it.y)
	}
	// Bottom first: push labels up until they are gap apart, then push
	// the stack down if it left the plot.
	sort.SliceStable(idx, func(a, b int) bool { return ys[idx[a]] > ys[idx[b]] })
	for k := 1; k < len(idx); k++ {
		ys[idx[k]] = min(ys[idx[k]], ys[idx[k-1]]-gap)
	}
	if len(idx) > 0 {
		if over := f.top - ys[idx[len(idx)-1]]; over > 0 {
			for k := range idx {
				ys[idx[k]] += over
			}
		}
	}
	for i, it := range items {
		x, y := f.px(it.x), f.py(it.y)
		fmt.Fprintf(&f.b, `<path d="M%s,%sL%s,%s" stroke="%s" stroke-width="0.5" fill="none"/>`+"\n",
			n2(x), n2(y), n2(x+6), n2(ys[i]), it.color)
		f.text(x+8, ys[i]+3, 8, "start", ` fill="`+it.color+`"`, it.text)
	}
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func approx(exact bool) string {
	if exact {
		return ""
	}
	return " (≈ estimated)"
}

// compact writes 12345 as 12.3k, as the TUI does.
func compact(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e6:
		return trimZero(fmt.Sprintf("%.2f", v/1e6)) + "M"
	case a >= 1e3:
		return trimZero(fmt.Sprintf("%.1f", v/1e3)) + "k"
	}
	return trimZero(fmt.Sprintf("%.1f", v))
}

func trimZero(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// niceTop is an axis for values up to v: its top, the first multiple of
// a 1, 2 or 5 × power-of-ten step at or above v, in at most six steps
// (112k → 120k in steps of 20k; 0.54 → 0.6 in steps of 0.1).
func niceTop(v float64) (top, step float64) {
	if v <= 0 {
		return 1, 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{0.1, 0.2, 0.5, 1, 2} {
		step = m * p
		if n := math.Ceil(v/step - 1e-9); n <= 6 {
			return n * step, step
		}
	}
	return math.Ceil(v/p) * p, p
}
