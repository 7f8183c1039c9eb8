package ui

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/tokenscope/tokenscope/profile"
	advice "github.com/tokenscope/tokenscope/profile/advisor"
	"github.com/tokenscope/tokenscope/profile/price"
)

// View draws the page below the header: the panes drawn in Update, the
// table, the top finding, the cost line (or the chat) and the help line.
func (p sessionPage) View() string {
	l := p.layout()
	var b strings.Builder
	barsTitle := "input per call · " + p.selectedSpec() + p.partNote()
	if p.money {
		barsTitle = "cost per call ($) · " + p.selectedSpec() + p.partNote()
	}
	switch {
	case l.wide:
		left := p.paneTitle(l.paneW, barsTitle) + "\n" + p.rendered.bars
		right := p.paneTitle(l.curvesW, "cumulative cost") + "\n" + p.rendered.curves
		b.WriteString(lipgloss.JoinHorizontal(lipgloss.Top, fit(left, l.paneW, l.paneH+1), " ", fit(right, l.curvesW, l.paneH+1)) + "\n")
		if l.legendH > 0 {
			b.WriteString(l.legend + "\n")
		}
		b.WriteString(p.table.View() + "\n")
		if l.findH > 0 {
			b.WriteString(p.findingLine() + "\n")
		}
		b.WriteString(p.paneTitle(p.c.width, "inspector") + "\n" + fit(p.rendered.inspector, p.c.width, l.inspectorH) + "\n")
	case l.compact && p.view == viewTable:
		b.WriteString(p.paneTitle(p.c.width, "strategies · tab: bars") + "\n")
		b.WriteString(fit(p.table.View(), p.c.width, l.paneH) + "\n")
	case p.view == viewBars:
		next := " · tab: curves, inspector"
		if l.compact {
			next = " · tab: curves"
		}
		b.WriteString(p.paneTitle(p.c.width, barsTitle+next) + "\n")
		b.WriteString(fit(p.rendered.bars, p.c.width, l.paneH) + "\n")
		if l.legendH > 0 {
			b.WriteString(l.legend + "\n")
		}
	case p.view == viewCurves:
		b.WriteString(p.paneTitle(p.c.width, "cumulative cost per strategy (numbers as in the table)") + "\n")
		b.WriteString(fit(p.rendered.curves, p.c.width, l.paneH+l.legendH) + "\n")
	default:
		b.WriteString(p.paneTitle(p.c.width, "inspector · pgup/pgdn scroll") + "\n")
		b.WriteString(fit(p.rendered.inspector, p.c.width, l.paneH+l.legendH) + "\n")
	}
	if !l.wide && !l.compact {
		b.WriteString(p.table.View() + "\n")
		if l.findH > 0 {
			b.WriteString(p.findingLine() + "\n")
		}
	}
	if p.c.cfg.Live != nil {
		b.WriteString(fit(p.live.View(), p.c.width, l.chatH) + "\n")
		b.WriteString(p.live.spendLine() + "\n")
		b.WriteString(fit(p.live.input.View(), p.c.width, p.live.inputHeight()) + "\n")
	} else {
		if line, ok := p.agentsLine(); ok {
			b.WriteString(fit(line, p.c.width, 1) + "\n")
		}
		b.WriteString(p.projection() + "\n")
	}
	b.WriteString(fit(p.helpLine(), p.c.width, 1))
	return b.String()
}

// paneTitle is a pane's title: whole " · " fields drop from the end
// rather than cut a number. The status is not here: a toast takes the
// help line (toastLine), never the title's room.
func (p sessionPage) paneTitle(w int, title string) string {
	for lipgloss.Width(title) > w {
		i := strings.LastIndex(title, " · ")
		if i <= 0 {
			break
		}
		title = title[:i]
	}
	return p.c.st.paneTitle.Render(truncate(title, w))
}

// projection is the cost line: so far, billed, cheapest, per
// conversation, per month. Fields that do not fit are dropped whole,
// from the least useful; a number is never cut.
func (p sessionPage) projection() string {
	if p.res == nil || p.sel >= len(p.res.Strategies) {
		return ""
	}
	if note := unpricedNote(p.res, p.sh.model); note != "" {
		return p.c.st.warn.Render(truncate(note, p.c.width))
	}
	s := p.res.Strategies[p.sel]
	if s.Note != "" {
		// A strategy with a step that changed nothing says why: its cost
		// is in the table, the reason is nowhere else.
		return p.c.st.warn.Render(truncate(fmt.Sprintf("%d changed nothing · %s", p.sel+1, s.Note), p.c.width))
	}
	r := runningTotals(s, p.through())
	// Conversations with no call are not averaged in.
	convs := int64(0)
	for _, c := range p.res.Conversations {
		if c.Calls > 0 {
			convs++
		}
	}
	per := s.Totals.Cost / price.Money(max(convs, 1))
	fields := []string{fmt.Sprintf("%d: %s so far", p.sel+1, r.cost)}
	optional := []string{}
	if first := runningTotals(p.res.Strategies[0], p.through()); first.reported > 0 {
		optional = append(optional, "billed "+first.reported.String())
		if f := p.res.Fidelity; f != nil {
			// The replay check: does the model of the app hold?
			optional = append(optional, fmt.Sprintf("%s replay %+.1f%%", f.Spec, f.ErrorPct()))
		}
	}
	core := len(optional) // the bill and its replay check outrank the projection
	if best, saved := p.cheapest(); best > 0 {
		optional = append(optional, fmt.Sprintf("cheapest %d saves %s", best+1, savedCell(saved)))
	}
	if convs > 1 {
		optional = append(optional, fmt.Sprintf("%s a conversation", per))
	}
	if f := p.res.Fidelity; f != nil {
		// What a best-effort cache served, which the cache strategy reads
		// (below 95%: the ideal is then far from what the log shows).
		if p, ok := f.ServedPct(); ok && p < 95 {
			optional = append(optional, advice.ServedShort(*f))
		}
	}
	// The projection keeps its unit (a figure "/mo" alone does not say at
	// how many a day) or is not shown.
	mo := fmt.Sprintf("%s/mo at %s/day", price.Project(per, p.sh.perDay), formatInt(p.sh.perDay))
	join := func(parts []string) string { return strings.Join(parts, " · ") }
	// Drop optional fields from the end until the line fits, the
	// projection before the bill and its replay check.
	for _, with := range []bool{true, false} {
		for k := len(optional); k >= 0 && (k >= core || !with); k-- {
			line := join(append(append([]string(nil), fields...), optional[:k]...))
			if with {
				line += " · " + mo
			}
			if lipgloss.Width(line) <= p.c.width {
				return line
			}
		}
	}
	return fit(join(fields), p.c.width, 1)
}

// cheapest is the strategy that saves most over the calls played, and how
// much, in percent of the first; 0 when none saves anything.
func (p sessionPage) cheapest() (int, float64) {
	if p.res == nil || len(p.res.Strategies) < 2 {
		return 0, 0
	}
	base := runningTotals(p.res.Strategies[0], p.through()).cost
	best, bestCost := 0, base
	for i := 1; i < len(p.res.Strategies); i++ {
		if c := runningTotals(p.res.Strategies[i], p.through()).cost; c < bestCost {
			best, bestCost = i, c
		}
	}
	if best == 0 || base == 0 {
		return 0, 0
	}
	return best, 100 * float64(base-bestCost) / float64(base)
}

// biggestPart names the input part that weighs most in the selected
// strategy's calls so far, with its share of their input.
func (p sessionPage) biggestPart() (string, float64) {
	if p.res == nil || p.sel >= len(p.res.Strategies) {
		return "", 0
	}
	sums := map[string]int64{}
	var total int64
	for i, c := range p.res.Strategies[p.sel].Calls() {
		if i >= p.upto { // the bars shown, as the legend
			break
		}
		for _, name := range profile.PartNames {
			sums[name] += c.Input.Get(name)
		}
		total += c.Input.Total()
	}
	best := ""
	for _, name := range profile.PartNames {
		if sums[name] > sums[best] {
			best = name
		}
	}
	if total == 0 || best == "" {
		return "", 0
	}
	return best, 100 * float64(sums[best]) / float64(total)
}

// partNote is " · history 71% of input" for the pane title, or in the
// $ view the part that costs most: " · output 28% of cost".
func (p sessionPage) partNote() string {
	if p.money {
		k := p.barKey()
		var total int64
		for _, n := range k.order {
			total += k.weight[n]
		}
		if len(k.order) == 0 || total == 0 {
			return " · unpriced"
		}
		return fmt.Sprintf(" · %s %.0f%% of cost", shortPart(k.order[0]), 100*float64(k.weight[k.order[0]])/float64(total))
	}
	if name, pct := p.biggestPart(); name != "" {
		label := shortPart(name)
		if name == "unlogged" && p.c.cfg.Live != nil {
			label = liveGap
		}
		return fmt.Sprintf(" · %s %.0f%% of input", label, pct)
	}
	return ""
}
