package ui

import (
	"image/color"
	"math"
	"sort"

	"charm.land/lipgloss/v2"
	"github.com/NimbleMarkets/ntcharts/v2/canvas"
	"github.com/NimbleMarkets/ntcharts/v2/linechart"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/price"
)

// The $ view's parts beyond the input parts: what was read from and
// written to the cache, and the output (reasoning included).
const (
	partCacheRead  = "cache_read"
	partCacheWrite = "cache_write"
	partOutput     = "output"
)

// costPartNames are the parts of a call's cost, bottom to top as the $
// bars stack them: the input parts sent at the full input price, then the
// cache reads and writes, then the output.
var costPartNames = func() []string {
	var names []string
	for _, ps := range partStyles {
		names = append(names, ps.name)
	}
	return append(names, partCacheRead, partCacheWrite, partOutput)
}()

// callCostParts splits a call's cost by part, in costPartNames order. The
// parts sum to c.Cost exactly: each is weighed at the model's rates (cache
// reads and writes taken from the bottom of the stack, the prefix a cache
// holds), and the call's cost, which the engine computed once, is shared
// out in proportion. A summariser's call made before this one counts
// towards summary. nil when the call has no price.
func callCostParts(c profile.Call, m *price.Model) []price.Money {
	if m == nil || c.Unpriced || c.Cost <= 0 {
		return nil
	}
	r := m.RatesFor(c.Input.Total())
	write := r.CacheWrite5m
	if c.CacheWrite1h {
		write = r.CacheWrite1h
	}
	weights := make([]price.Money, len(costPartNames))
	// The first Cached tokens of the stack were read from the cache, the
	// next CacheWrite written to it; the rest bills at the input price.
	var at int64
	fresh := c.Cached + c.CacheWrite
	for i, ps := range partStyles {
		v := c.Input.Get(ps.name)
		if v <= 0 {
			continue
		}
		lo, hi := max(at, fresh), at+v
		if hi > lo {
			weights[i] = r.Input.Cost(hi - lo)
		}
		at += v
	}
	n := len(partStyles)
	weights[n] = r.CachedInput.Cost(c.Cached)
	weights[n+1] = write.Cost(c.CacheWrite)
	weights[n+2] = r.Output.Cost(c.Output + c.Reasoning)
	if c.SummaryInput > 0 || c.SummaryOutput > 0 {
		for i, ps := range partStyles {
			if ps.name == "summary" {
				weights[i] += r.Input.Cost(c.SummaryInput) + r.Output.Cost(c.SummaryOutput)
			}
		}
	}
	return shareOut(c.Cost, weights)
}

// shareOut splits total in proportion to weights, by largest remainder:
// the shares sum to total exactly.
func shareOut(total price.Money, weights []price.Money) []price.Money {
	var sum float64
	for _, w := range weights {
		sum += float64(max(w, 0))
	}
	out := make([]price.Money, len(weights))
	if sum == 0 {
		return out
	}
	type rem struct {
		i int
		r float64
	}
	var rems []rem
	var given price.Money
	for i, w := range weights {
		exact := float64(total) * float64(max(w, 0)) / sum
		out[i] = price.Money(exact)
		given += out[i]
		rems = append(rems, rem{i, exact - float64(out[i])})
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].r > rems[b].r })
	for k := 0; given < total && k < len(rems); k++ {
		out[rems[k].i]++
		given++
	}
	// Float rounding may leave a few pico-dollars: the largest share takes them.
	if given != total {
		big := 0
		for i := range out {
			if out[i] > out[big] {
				big = i
			}
		}
		out[big] += total - given
	}
	return out
}

// glyphRanks are the glyphs the parts get by weight: the part that weighs
// most the strongest. Each part keeps its colour; the glyph says its rank,
// so the dominant part stands out under NO_COLOR too.
var glyphRanks = []rune{'█', '▓', '▒', '░', '▞', '▚', '▤', '▥', '▖', '·', '╴', '⡀'}

// rankGlyphs gives each part with weight a glyph by rank, heaviest first,
// and the parts in that order.
func rankGlyphs(names []string, weight func(string) int64) (map[string]rune, []string) {
	var order []string
	for _, n := range names {
		if weight(n) > 0 {
			order = append(order, n)
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return weight(order[i]) > weight(order[j]) })
	glyphs := map[string]rune{}
	for k, n := range order {
		glyphs[n] = glyphRanks[min(k, len(glyphRanks)-1)]
	}
	return glyphs, order
}

// barKey is how the bars draw their parts: the glyph of each part by its
// weight over the calls shown, the parts heaviest first, and the weights
// (tokens, or pico-dollars in the $ view).
type barKey struct {
	money  bool
	glyphs map[string]rune
	order  []string
	weight map[string]int64
}

// newBarKey weighs the parts of strategy sel's calls [0, upto): input
// tokens by part, or with money set each call's cost by part.
func newBarKey(res *profile.Result, sel, upto int, money bool, lookup func(string) *price.Model) barKey {
	k := barKey{money: money, weight: map[string]int64{}}
	if res == nil || sel >= len(res.Strategies) {
		return k
	}
	calls := res.Strategies[sel].Calls()
	names := costPartNames
	if !money {
		names = names[:len(partStyles)]
	}
	for _, c := range calls[:min(upto, len(calls))] {
		if !money {
			for _, n := range names {
				k.weight[n] += c.Input.Get(n)
			}
			continue
		}
		for i, v := range callCostParts(c, lookup(c.Model)) {
			k.weight[names[i]] += int64(v)
		}
	}
	k.glyphs, k.order = rankGlyphs(names, func(n string) int64 { return k.weight[n] })
	return k
}

// partColor is a part's colour in either view.
func partColor(name string) color.Color {
	switch name {
	case partCacheRead:
		return lipgloss.Color("#5FAF5F")
	case partCacheWrite:
		return lipgloss.Color("#FFD75F")
	case partOutput:
		return outputColor
	}
	for _, ps := range partStyles {
		if ps.name == name {
			return ps.color
		}
	}
	return lipgloss.Color("#808080")
}

// moneyBarsView draws each call's cost of strategy sel as one stacked
// bar by part (costPartNames), on a y-axis in dollars, calls [0, upto)
// in the same window and columns as barsView (so the mouse and the call
// labels agree). Calls with no price are left out; with none priced it
// says so.
func moneyBarsView(res *profile.Result, sel, upto, focus, prevStart int, k barKey, lookup func(string) *price.Model, w, h int) (string, barsGeom) {
	if res == nil || len(res.Strategies) == 0 || w < 20 || h < 5 {
		return "", barsGeom{}
	}
	calls := res.Strategies[sel].Calls()
	upto = min(upto, len(calls))
	parts := make([][]price.Money, upto)
	var maxCost price.Money = 1
	for i := 0; i < upto; i++ {
		parts[i] = callCostParts(calls[i], lookup(calls[i].Model))
		if parts[i] != nil {
			maxCost = max(maxCost, calls[i].Cost)
		}
	}
	gh := h - 2
	topF, step := niceScale(maxCost.USD(), max(1, gh/2), 1e-6)
	lc := linechart.New(w, h, 0, 1, 0, topF,
		linechart.WithXYSteps(1, 1),
		linechart.WithXLabelFormatter(func(int, float64) string { return "" }),
		linechart.WithYLabelFormatter(tickFormatter(topF, step, func(t float64) int { return int(math.Round(t / topF * float64(gh))) }, usdStepLabel(step))),
		linechart.WithStyles(lipgloss.NewStyle().Foreground(lipgloss.Color("#6C6C6C")), lipgloss.NewStyle().Foreground(lipgloss.Color("#808080")), lipgloss.NewStyle()))
	lc.DrawXYAxisAndLabel()
	origin := lc.Origin()
	gw, gh := lc.GraphWidth(), lc.GraphHeight()
	slots := max(1, (gw-1)/2)
	start := barsStart(upto, slots, focus, prevStart)
	rows := func(v float64) int { return int(math.Round(v / topF * float64(gh))) }
	for i := start; i < upto && i-start < slots; i++ {
		x := origin.X + 1 + (i-start)*2
		var cum price.Money
		for pi, v := range parts[i] {
			if v <= 0 {
				continue
			}
			name := costPartNames[pi]
			from, to := rows(cum.USD()), rows((cum + v).USD())
			cum += v
			st := lipgloss.NewStyle().Foreground(partColor(name))
			for y := from; y < to && y < gh; y++ {
				lc.Canvas.SetCell(canvas.Point{X: x, Y: origin.Y - 1 - y}, canvas.NewCellWithStyle(k.glyphs[name], st))
			}
		}
		if i == focus {
			lc.Canvas.SetCell(canvas.Point{X: x, Y: origin.Y}, canvas.NewCellWithStyle('▲', lipgloss.NewStyle().Foreground(lipgloss.Color("#FFD75F"))))
		}
	}
	shown := min(upto-start, slots)
	labelCalls(&lc, origin.X+1, start, shown, upto, w)
	return lc.View(), barsGeom{x0: origin.X + 1, start: start, n: max(shown, 0)}
}
