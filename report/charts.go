package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

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

// Chart size: fits the text width of A4 and Letter.
const (
	chartW = 6.8 * vg.Inch
	chartH = 3.1 * vg.Inch
)

// maxBars is the most bars the input chart draws; beyond it each bar
// averages consecutive calls.
const maxBars = 160

// partLooks colour and hatch the parts as the TUI colours them, so that the
// chart also reads printed in black and white.
var partLooks = map[string]struct {
	color color.RGBA
	hatch string // "" solid, "/", "\\", "-", "|", "+", "x", "."
}{
	"unlogged":     {rgb(0xA8A8A8), "x"},
	"tool_defs":    {rgb(0xAF87FF), "\\"},
	"system":       {rgb(0x5F87FF), ""},
	"summary":      {rgb(0xFFAF00), "+"},
	"history":      {rgb(0x87AFAF), "/"},
	"rag":          {rgb(0x00D787), "-"},
	"user":         {rgb(0xF0F0F0), "|"},
	"tool_results": {rgb(0xD7875F), "."},
	"overhead":     {rgb(0xB0B0B0), ""},
}

// strategyLooks colour and dash the cost curves.
var strategyLooks = []struct {
	color color.RGBA
	dash  []vg.Length
}{
	{rgb(0x202020), nil},
	{rgb(0x1F77B4), []vg.Length{vg.Points(6), vg.Points(2)}},
	{rgb(0xD95F02), []vg.Length{vg.Points(2), vg.Points(2)}},
	{rgb(0x1B9E77), []vg.Length{vg.Points(8), vg.Points(2), vg.Points(2), vg.Points(2)}},
	{rgb(0x7570B3), []vg.Length{vg.Points(4), vg.Points(4)}},
	{rgb(0xE7298A), []vg.Length{vg.Points(1), vg.Points(3)}},
	{rgb(0x66A61E), []vg.Length{vg.Points(10), vg.Points(3)}},
	{rgb(0xA6761D), []vg.Length{vg.Points(3), vg.Points(1)}},
}

func rgb(v uint32) color.RGBA {
	return color.RGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 0xFF}
}

func sans(size vg.Length) font.Font {
	return font.Font{Typeface: "Liberation", Variant: "Sans", Size: size}
}

// newPlot is a plot with the page's fonts.
func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = sans(11)
	p.X.Label.Text, p.Y.Label.Text = x, y
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = sans(9)
		a.Tick.Label.Font = sans(8)
	}
	p.Legend.TextStyle.Font = sans(8)
	p.Legend.Top, p.Legend.Left = true, true
	return p
}

// legendW is the room the input chart's legend takes right of the plot.
const legendW = 1.2 * vg.Inch

// svgOf renders p, with leg (when it has entries) right of it, so that the
// legend never hides data.
func svgOf(p *plot.Plot, leg *plot.Legend) ([]byte, error) {
	c := vgsvg.New(chartW, chartH)
	dc := draw.New(c)
	if leg != nil {
		p.Draw(draw.Crop(dc, 0, -legendW, 0, 0))
		leg.Draw(draw.Crop(dc, chartW-legendW+vg.Points(6), 0, 0, -vg.Points(18)))
	} else {
		p.Draw(dc)
	}
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
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
	bars := &stackBars{width: float64(per)}
	var peak float64
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
		bars.x = append(bars.x, float64(lo+hi+1)/2)
		bars.vals = append(bars.vals, col)
	}
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
	p := newPlot(title, "call", "input tokens"+approx(c.exact))
	p.Y.Tick.Marker = compactTicks{}
	p.X.Tick.Marker = upTo{n: float64(max(n, 1))}
	p.Add(bars)
	leg := plot.NewLegend()
	leg.TextStyle.Font = sans(8)
	leg.Top, leg.Left = true, true
	used := make([]bool, len(profile.PartNames))
	for _, col := range bars.vals {
		for k, v := range col {
			used[k] = used[k] || v > 0
		}
	}
	// Top to bottom as the bars stack, top part first.
	for k := len(profile.PartNames) - 1; k >= 0; k-- {
		if used[k] {
			leg.Add(profile.PartNames[k], partThumb(profile.PartNames[k]))
		}
	}
	if window > 0 {
		line, err := plotter.NewLine(plotter.XYs{{X: 0.5, Y: window}, {X: float64(n) + 0.5, Y: window}})
		if err != nil {
			return nil, err
		}
		line.Color = rgb(0xCC0000)
		line.Width = vg.Points(1.2)
		line.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		p.Add(line)
		leg.Add("context window", line)
	}
	p.X.Min, p.X.Max = 0.5, float64(max(n, 1))+0.5
	// The axis ends on a tick above the tallest bar (and the window): the
	// bars stay inside the plot.
	top, step := niceTop(max(peak, window))
	p.Y.Min, p.Y.Max = 0, top
	p.Y.Tick.Marker = stepTicks{top: top, step: step}
	return svgOf(p, &leg)
}

// CostSVG draws every strategy's cumulative cost, each curve labelled with
// its total where it ends. A strategy none of whose calls could be priced
// draws no curve and is labelled "unpriced"; with none priced at all the
// money axis has no ticks: no $0 is drawn for a price not known.
func (c *charts) CostSVG() ([]byte, error) {
	p := newPlot("Cumulative cost by strategy", "call", "USD")
	p.Y.Tick.Marker = dollarTicks{}
	n := 0
	ends := &endLabels{}
	priced := 0
	for i, run := range c.cost {
		n = max(n, len(run))
		if c.nonePriced(i) {
			look := strategyLooks[i%len(strategyLooks)]
			ends.items = append(ends.items, endLabel{x: float64(len(run)), text: shorten(c.specs[i], 26) + "  " + rows.Unpriced, color: look.color})
			continue
		}
		priced++
		step := max(1, len(run)/1000)
		var xys plotter.XYs
		xys = append(xys, plotter.XY{X: 0, Y: 0})
		for k := step - 1; k < len(run); k += step {
			xys = append(xys, plotter.XY{X: float64(k + 1), Y: run[k].USD()})
		}
		if len(run) > 0 && (len(run))%step != 0 {
			xys = append(xys, plotter.XY{X: float64(len(run)), Y: run[len(run)-1].USD()})
		}
		line, err := plotter.NewLine(xys)
		if err != nil {
			return nil, err
		}
		look := strategyLooks[i%len(strategyLooks)]
		line.Color, line.Width, line.Dashes = look.color, vg.Points(1.3), look.dash
		p.Add(line)
		var total price.Money
		if len(run) > 0 {
			total = run[len(run)-1]
		}
		ends.items = append(ends.items, endLabel{x: float64(len(run)), y: total.USD(),
			text: shorten(c.specs[i], 26) + "  " + total.String(), color: look.color})
	}
	n = max(n, 1)
	ends.n = float64(n)
	p.Add(ends)
	if priced == 0 {
		p.Title.Text += ": unpriced"
		p.Y.Label.Text = "USD (unpriced: the model has no price)"
		p.Y.Tick.Marker = plot.ConstantTicks(nil)
	}
	p.X.Min, p.Y.Min = 0, 0
	p.X.Tick.Marker = upTo{n: float64(n)}
	return svgOf(p, nil)
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

// stepTicks label a token axis from 0 to top every step (compact: 20k).
type stepTicks struct{ top, step float64 }

func (t stepTicks) Ticks(lo, hi float64) []plot.Tick {
	var out []plot.Tick
	for k := 0; float64(k)*t.step <= t.top*(1+1e-9); k++ {
		v := float64(k) * t.step
		out = append(out, plot.Tick{Value: v, Label: compact(v)})
		if k < 1000 && float64(k)*t.step < t.top {
			out = append(out, plot.Tick{Value: v + t.step/2}) // a minor tick between
		}
	}
	return out
}

// compactTicks labels a token axis 0, 5k, 10k.
type compactTicks struct{}

func (compactTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = compact(ticks[i].Value)
		}
	}
	return ticks
}

// dollarTicks labels a money axis $0, $0.25.
type dollarTicks struct{}

func (dollarTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = "$" + ticks[i].Label
		}
	}
	return ticks
}

// upTo marks a call axis 0, 5k, 10k, only up to n: beyond it is room for
// labels, not data.
type upTo struct{ n float64 }

func (u upTo) Ticks(lo, hi float64) []plot.Tick {
	var out []plot.Tick
	for _, t := range (compactTicks{}).Ticks(lo, u.n) {
		if t.Value <= u.n {
			out = append(out, t)
		}
	}
	return out
}

// stackBars draws bars stacked by part, each part filled with its colour
// and hatched with its pattern.
type stackBars struct {
	x     []float64
	vals  [][9]float64
	width float64
}

func (b *stackBars) DataRange() (xmin, xmax, ymin, ymax float64) {
	for _, col := range b.vals {
		var s float64
		for _, v := range col {
			s += v
		}
		ymax = max(ymax, s)
	}
	if len(b.x) == 0 {
		return 0, 1, 0, 1
	}
	return b.x[0] - b.width/2, b.x[len(b.x)-1] + b.width/2, 0, max(ymax, 1)
}

func (b *stackBars) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	for i, col := range b.vals {
		x0, x1 := trX(b.x[i]-b.width*0.42), trX(b.x[i]+b.width*0.42)
		var y float64
		for k, name := range profile.PartNames {
			if col[k] <= 0 {
				continue
			}
			y0, y1 := trY(y), trY(y+col[k])
			y += col[k]
			fillHatched(&c, name, vg.Rectangle{Min: vg.Point{X: x0, Y: y0}, Max: vg.Point{X: x1, Y: y1}})
		}
	}
}

// fillHatched fills r with the part's colour and strokes its pattern.
func fillHatched(c *draw.Canvas, part string, r vg.Rectangle) {
	look := partLooks[part]
	c.FillPolygon(look.color, []vg.Point{r.Min, {X: r.Max.X, Y: r.Min.Y}, r.Max, {X: r.Min.X, Y: r.Max.Y}})
	sty := draw.LineStyle{Color: color.Black, Width: vg.Points(0.4)}
	var lines [][]vg.Point
	for _, h := range look.hatch {
		lines = append(lines, hatchLines(h, r, vg.Points(3.5))...)
	}
	if look.hatch == "." {
		sty.Width = vg.Points(1)
		sty.Dashes = []vg.Length{vg.Points(1), vg.Points(2.5)}
	}
	if len(lines) > 0 {
		c.StrokeLines(sty, lines...)
	}
}

// hatchLines are the segments of pattern h inside r, on a grid of step s
// anchored at the canvas origin so that neighbouring bars line up.
func hatchLines(h rune, r vg.Rectangle, s vg.Length) [][]vg.Point {
	var out [][]vg.Point
	x0, y0, x1, y1 := r.Min.X, r.Min.Y, r.Max.X, r.Max.Y
	first := func(v vg.Length) vg.Length { return vg.Length(math.Ceil(float64(v/s))) * s }
	switch h {
	case '-', '.':
		for y := first(y0); y < y1; y += s {
			out = append(out, []vg.Point{{X: x0, Y: y}, {X: x1, Y: y}})
		}
	case '|':
		for x := first(x0); x < x1; x += s {
			out = append(out, []vg.Point{{X: x, Y: y0}, {X: x, Y: y1}})
		}
	case '+':
		out = append(hatchLines('-', r, s*1.5), hatchLines('|', r, s*1.5)...)
	case 'x':
		out = append(hatchLines('/', r, s*1.5), hatchLines('\\', r, s*1.5)...)
	case '/': // y = x + b
		for b := first(y0 - x1); b < y1-x0; b += s {
			lo, hi := max(x0, y0-b), min(x1, y1-b)
			if lo < hi {
				out = append(out, []vg.Point{{X: lo, Y: lo + b}, {X: hi, Y: hi + b}})
			}
		}
	case '\\': // y = -x + b
		for b := first(y0 + x0); b < y1+x1; b += s {
			lo, hi := max(x0, b-y1), min(x1, b-y0)
			if lo < hi {
				out = append(out, []vg.Point{{X: lo, Y: b - lo}, {X: hi, Y: b - hi}})
			}
		}
	}
	return out
}

// partThumb is a part's legend swatch.
type partThumb string

func (t partThumb) Thumbnail(c *draw.Canvas) {
	fillHatched(c, string(t), c.Rectangle)
	c.StrokeLines(draw.LineStyle{Color: color.Black, Width: vg.Points(0.4)},
		[]vg.Point{c.Min, {X: c.Max.X, Y: c.Min.Y}, c.Max, {X: c.Min.X, Y: c.Max.Y}, c.Min})
}

// endLabels writes each curve's label where it ends, moved apart vertically
// so that no two overlap, and widens the x range to make room for them.
type endLabels struct {
	items []endLabel
	n     float64
}

type endLabel struct {
	x, y  float64
	text  string
	color color.Color
}

func (e *endLabels) DataRange() (xmin, xmax, ymin, ymax float64) {
	for _, it := range e.items {
		ymax = max(ymax, it.y)
	}
	// The labels take about the right third of the plot.
	return 0, math.Max(e.n, 1) * 1.75, 0, math.Max(ymax*1.15, 1e-9)
}

func (e *endLabels) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	sty := plt.Y.Tick.Label
	sty.Font = sans(8)
	sty.XAlign, sty.YAlign = draw.XLeft, draw.YCenter
	gap := sty.Font.Size * 1.25
	idx := make([]int, len(e.items))
	ys := make([]vg.Length, len(e.items))
	for i, it := range e.items {
		idx[i], ys[i] = i, trY(it.y)
	}
	sort.SliceStable(idx, func(a, b int) bool { return ys[idx[a]] < ys[idx[b]] })
	// Push labels up until they are gap apart, then pull the stack down if
	// it left the plot.
	for k := 1; k < len(idx); k++ {
		if ys[idx[k]] < ys[idx[k-1]]+gap {
			ys[idx[k]] = ys[idx[k-1]] + gap
		}
	}
	if len(idx) > 0 {
		if over := ys[idx[len(idx)-1]] - c.Max.Y; over > 0 {
			for k := range idx {
				ys[idx[k]] -= over
			}
		}
	}
	for i, it := range e.items {
		x := trX(it.x)
		// A leader from the curve's end to its label.
		c.StrokeLine2(draw.LineStyle{Color: it.color, Width: vg.Points(0.5)}, x, trY(it.y), x+vg.Points(6), ys[i])
		sty.Color = it.color
		c.FillText(sty, vg.Point{X: x + vg.Points(8), Y: ys[i]}, it.text)
	}
}
