package report

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The charts are written as SVG by hand: two plots of bars and lines need
// axes, ticks, text and hatching, all of which SVG draws itself. A
// plotting library parsed its fonts at the start of every command, even
// those that draw nothing (docs/performance.md, "Cold start").

// Chart size in points: fits the text width of A4 and Letter (6.8 × 3.1 in).
const (
	chartW = 489.6
	chartH = 223.2
	// legendW is the room the input chart's legend takes right of the plot.
	legendW = 86.4
	// fontFamily names Liberation Sans first, the face the charts are laid
	// out for, then its metric-compatible fallbacks.
	fontFamily = "Liberation Sans, Arial, Helvetica, sans-serif"
)

// textWidth estimates the width of s set at size points: Liberation Sans
// averages about 0.56 em a character over digits and lower case. Used to
// make room, never to place text exactly.
func textWidth(s string, size float64) float64 {
	return float64(len([]rune(s))) * size * 0.56
}

// tick is a mark on an axis: labelled (major) or not (minor).
type tick struct {
	v     float64
	label string
}

// frame is a plot: its data ranges, where it sits on the canvas and the
// SVG written so far.
type frame struct {
	b                        bytes.Buffer
	x0, x1, y0, y1           float64 // data ranges
	left, right, top, bottom float64 // plot area on the canvas, y down
}

// newFrame starts a chart: the XML prolog, the SVG element, a white background and the
// title (one line per "\n").
func newFrame(title string) *frame {
	f := &frame{}
	// The prolog makes a chart written alone a standalone document; the
	// HTML page inlines from "<svg".
	f.b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="no"?>` + "\n")
	fmt.Fprintf(&f.b, `<svg xmlns="http://www.w3.org/2000/svg" width="%gpt" height="%gpt" viewBox="0 0 %g %g" font-family="%s">`+"\n",
		chartW, chartH, chartW, chartH, fontFamily)
	fmt.Fprintf(&f.b, `<rect width="%g" height="%g" fill="#FFFFFF"/>`+"\n", chartW, chartH)
	lines := strings.Split(title, "\n")
	for i, l := range lines {
		f.text(chartW/2, 14+float64(i)*12, 11, "middle", "", l)
	}
	f.top = 14 + float64(len(lines)-1)*12 + 10
	f.bottom = chartH - 27
	return f
}

// place sets the plot area from the widest y tick label (the y axis title
// and the labels sit left of it) and the right edge.
func (f *frame) place(yTicks []tick, right float64) {
	w := 0.0
	for _, t := range yTicks {
		w = max(w, textWidth(t.label, 8))
	}
	f.left = 4 + 12 + w + 8
	f.right = right
}

func (f *frame) px(x float64) float64 {
	if f.x1 == f.x0 {
		return f.left
	}
	return f.left + (x-f.x0)/(f.x1-f.x0)*(f.right-f.left)
}

func (f *frame) py(y float64) float64 {
	if f.y1 == f.y0 {
		return f.bottom
	}
	return f.bottom - (y-f.y0)/(f.y1-f.y0)*(f.bottom-f.top)
}

// axes draws both axes with their ticks and titles.
func (f *frame) axes(xTitle, yTitle string, xTicks, yTicks []tick) {
	fmt.Fprintf(&f.b, `<path d="M%s,%sH%sM%s,%sV%s" fill="none" stroke="#000000" stroke-width="0.5"/>`+"\n",
		n2(f.left), n2(f.bottom), n2(f.right), n2(f.left), n2(f.bottom), n2(f.top))
	var marks strings.Builder
	for _, t := range xTicks {
		x := f.px(t.v)
		l := 2.0
		if t.label != "" {
			l = 4
			f.text(x, f.bottom+12, 8, "middle", "", t.label)
		}
		fmt.Fprintf(&marks, "M%s,%sv%s", n2(x), n2(f.bottom), n2(l))
	}
	for _, t := range yTicks {
		y := f.py(t.v)
		l := 2.0
		if t.label != "" {
			l = 4
			f.text(f.left-6, y+3, 8, "end", "", t.label)
		}
		fmt.Fprintf(&marks, "M%s,%sh%s", n2(f.left), n2(y), n2(-l))
	}
	if marks.Len() > 0 {
		fmt.Fprintf(&f.b, `<path d="%s" fill="none" stroke="#000000" stroke-width="0.5"/>`+"\n", marks.String())
	}
	f.text((f.left+f.right)/2, chartH-4, 9, "middle", "", xTitle)
	cy := (f.top + f.bottom) / 2
	f.text(4+8, cy, 9, "middle", fmt.Sprintf(` transform="rotate(-90 %s %s)"`, n2(4+8), n2(cy)), yTitle)
}

// text writes s (escaped) at x, y (its baseline) in size points.
func (f *frame) text(x, y, size float64, anchor, extra, s string) {
	fmt.Fprintf(&f.b, `<text x="%s" y="%s" font-size="%g" text-anchor="%s"%s>%s</text>`+"\n",
		n2(x), n2(y), size, anchor, extra, xmlEscaper.Replace(s))
}

// bytes ends the document.
func (f *frame) bytes() []byte {
	f.b.WriteString("</svg>\n")
	return f.b.Bytes()
}

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")

// n2 writes a coordinate with two decimals at most.
func n2(v float64) string {
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

// niceStep is a 1, 2 or 5 × power-of-ten step that cuts span into at most
// most steps.
func niceStep(span float64, most int) float64 {
	if span <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(span/float64(most))))
	for _, m := range []float64{1, 2, 5, 10} {
		if span/(m*p) <= float64(most) {
			return m * p
		}
	}
	return 10 * p
}

// stepTicks label a token axis from 0 to top every step (compact: 20k),
// with a minor tick between.
func stepTicks(top, step float64) []tick {
	var out []tick
	for k := 0; float64(k)*step <= top*(1+1e-9) && k <= 1000; k++ {
		v := float64(k) * step
		out = append(out, tick{v, compact(v)})
		if v+step/2 < top {
			out = append(out, tick{v: v + step/2})
		}
	}
	return out
}

// callTicks mark a call axis at round numbers from 1 to n (compact: 5k),
// none beyond n: past it is room for labels, not data.
func callTicks(n float64) []tick {
	step := max(1, niceStep(n, 5))
	var out []tick
	for v := step; v <= n; v += step {
		out = append(out, tick{v, compact(v)})
	}
	return out
}

// dollarTicks label a money axis $0, $0.25, … up to top.
func dollarTicks(top float64) []tick {
	step := niceStep(top, 5)
	dec := max(0, int(-math.Floor(math.Log10(step)+1e-9)))
	var out []tick
	for k := 0; float64(k)*step <= top*(1+1e-9) && k <= 1000; k++ {
		v := float64(k) * step
		out = append(out, tick{v, "$" + strconv.FormatFloat(v, 'f', dec, 64)})
	}
	return out
}
