package ui

import (
	"math"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/NimbleMarkets/ntcharts/v2/linechart"
)

// niceScale is an axis from 0 to top covering hi, in steps of 1, 2 or 5
// × a power of ten, with at most maxTicks steps and none below minStep.
func niceScale(hi float64, maxTicks int, minStep float64) (top, step float64) {
	maxTicks = max(1, maxTicks)
	if hi <= 0 || math.IsNaN(hi) {
		hi = minStep
	}
	p := math.Pow(10, math.Floor(math.Log10(hi/float64(maxTicks))))
	for {
		for _, m := range []float64{1, 2, 5} {
			step = m * p
			if step < minStep {
				continue
			}
			if n := math.Ceil(hi/step - 1e-9); n <= float64(maxTicks) {
				return n * step, step
			}
		}
		p *= 10
	}
}

// tickFormatter labels, for ntcharts, only the row where each tick of an
// axis from 0 to top in steps of step is drawn (rowOf says which, counted
// up from the axis): every label then reads an even step.
func tickFormatter(top, step float64, rowOf func(float64) int, label func(float64) string) linechart.LabelFormatter {
	return func(i int, _ float64) string {
		if top <= 0 {
			return ""
		}
		for k := 0; float64(k)*step <= top*(1+1e-9); k++ {
			t := float64(k) * step
			if rowOf(t) == i {
				return label(t)
			}
		}
		return ""
	}
}

// field is one item of a line that may lose items to fit: the lowest
// rank goes first.
type field struct {
	text string
	rank int
}

// joinFit joins fields with sep, dropping whole fields, lowest rank
// first, until the line fits in w columns: numbers are never cut.
func joinFit(w int, sep string, fields ...field) string {
	keep := make([]bool, len(fields))
	for i := range keep {
		keep[i] = fields[i].text != ""
	}
	line := func() string {
		var parts []string
		for i, f := range fields {
			if keep[i] {
				parts = append(parts, f.text)
			}
		}
		return strings.Join(parts, sep)
	}
	for lipgloss.Width(line()) > w {
		low := -1
		for i, f := range fields {
			if keep[i] && (low < 0 || f.rank < fields[low].rank) {
				low = i
			}
		}
		n := 0
		for _, k := range keep {
			if k {
				n++
			}
		}
		if low < 0 || n <= 1 {
			break
		}
		keep[low] = false
	}
	return line()
}
