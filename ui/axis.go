package ui

import (
	"fmt"
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

// axisLabel is a call number at column x under an x axis.
type axisLabel struct {
	x int
	s string
}

// callLabels places the numbers of calls (ascending) at xOf(call), a
// column apart at least, none past limit. The last call is labelled
// wherever its number can end on its own column: moved left to fit, it
// wins over the labels before it.
func callLabels(calls []int, xOf func(int) int, limit int) []axisLabel {
	var out []axisLabel
	for i, call := range calls {
		l := axisLabel{xOf(call), fmt.Sprint(call)}
		last := i == len(calls)-1
		if last && l.x+1 <= limit {
			l.x = min(l.x, limit-len(l.s))
			for len(out) > 0 && out[len(out)-1].x+len(out[len(out)-1].s) >= l.x {
				out = out[:len(out)-1]
			}
		}
		if l.x+len(l.s) > limit || len(out) > 0 && out[len(out)-1].x+len(out[len(out)-1].s) >= l.x {
			continue
		}
		out = append(out, l)
	}
	return out
}
