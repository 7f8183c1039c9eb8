package ui

import (
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/tokenscope/tokenscope/profile/price"
)

// layout is the size and place of each region of the session page for
// the terminal size: a pure function of the model, used to draw and to
// find what the mouse points at.
type layout struct {
	wide         bool // bars and curves side by side, inspector below
	compact      bool // too small for a pane and the table: one at a time
	paneW, paneH int  // main pane (bars or the current view)
	paneY        int  // screen row of the main pane's first line
	curvesW      int  // wide: the curves pane beside the bars
	tableH       int
	tableY       int // screen row of the table's title row
	inspectorH   int // wide: inspector below the table
	inspectorY   int
	chatH        int // live: the chat pane
	chatY        int
	legend       string
	legendH      int
	findH        int // the top finding's line under the table
}

// minPaneH is the smallest useful chart: below it the screen shows one
// region at a time.
const minPaneH = 6

func (p sessionPage) layout() layout {
	l := layout{wide: p.c.width >= 120 && p.c.height >= 34, paneY: 2}
	rows := 1
	if p.res != nil {
		rows = len(p.res.Strategies)
	}
	l.tableH = rows + 2
	if p.c.height >= 22 && (p.c.cfg.Live == nil || p.c.height >= 30) {
		l.legend = legend(p.c.width, p.barKey(), p.c.cfg.Live != nil)
		l.legendH = strings.Count(l.legend, "\n") + 1
	}
	bottom := 2 // projection or spend line, help
	if _, ok := p.agentsLine(); ok {
		bottom++ // the open session's subagents
	}
	if p.c.cfg.Live != nil {
		l.chatH = max(3, p.c.height/8)
		bottom += l.chatH + p.live.inputHeight() // chat, input
	}
	if p.c.cfg.Live == nil && p.c.height >= 24 {
		l.findH = 1
	}
	fixed := 1 + 1 + l.tableH + l.findH + bottom // header, pane title, table, top finding
	switch {
	case l.wide:
		l.inspectorH = max(6, (p.c.height-fixed-l.legendH)/3)
		l.paneH = p.c.height - fixed - l.legendH - l.inspectorH - 1
		l.curvesW = p.c.width * 2 / 5
		l.paneW = p.c.width - l.curvesW - 1
		l.tableY = l.paneY + l.paneH + l.legendH
		l.inspectorY = l.tableY + l.tableH + l.findH + 1
	case p.c.height-fixed-l.legendH >= minPaneH:
		l.paneH = p.c.height - fixed - l.legendH
		l.paneW = p.c.width
		l.tableY = l.paneY + l.paneH + l.legendH
	default:
		l.compact = true
		l.legend, l.legendH, l.findH = "", 0, 0
		l.paneH = max(3, p.c.height-2-bottom)
		l.paneW = p.c.width
		l.tableH = l.paneH
		l.tableY = l.paneY
	}
	l.chatY = p.c.height - bottom // live: chat, spend line, input, help
	return l
}

// redraw draws the panes for the current state: in Update, never in View.
func (p *sessionPage) redraw() {
	if p.res == nil {
		return
	}
	l := p.layout()
	rows := strategyRows(p.res, p.through(), p.res.Tokenizer != nil && p.res.Tokenizer.Exact, 8)
	costW, specW := 0, 0
	for _, r := range rows {
		costW, specW = max(costW, lipgloss.Width(r[2])), max(specW, lipgloss.Width(r[1]))
	}
	cols := strategyColumns(p.c.width, costW, specW)
	for i := range rows {
		rows[i] = rows[i][:min(len(cols), len(rows[i]))]
	}
	// Rows first: the table renders rows against the columns it has.
	p.table.SetRows(nil)
	p.table.SetColumns(cols)
	p.table.SetRows(rows)
	p.table.SetHeight(l.tableH)
	p.table.SetWidth(p.c.width)
	p.table.SetCursor(p.sel)
	prev := p.rendered.barsAt.start
	if p.rendered.barsAt.n == 0 {
		prev = -1
	}
	p.rendered = rendered{}
	paneH := l.paneH
	if !l.compact {
		paneH += l.legendH
	}
	switch {
	case l.wide:
		p.rendered.bars, p.rendered.barsAt = p.barsPane(prev, l.paneW, l.paneH)
		p.rendered.curves, p.rendered.curvesAt = curvesView(p.res, p.sel, p.through(), p.c.st.noColor, l.curvesW, l.paneH)
		p.rendered.inspector = inspectorView(p.res, p.shown, p.focus, p.scroll, p.c.width, l.inspectorH, p.c.cfg.Live != nil, p.c.st)
	case p.view == viewBars:
		p.rendered.bars, p.rendered.barsAt = p.barsPane(prev, l.paneW, l.paneH)
	case p.view == viewCurves:
		p.rendered.curves, p.rendered.curvesAt = curvesView(p.res, p.sel, p.through(), p.c.st.noColor, l.paneW, paneH)
	case p.view == viewInspector:
		p.rendered.inspector = inspectorView(p.res, p.shown, p.focus, p.scroll, p.c.width, paneH, p.c.cfg.Live != nil, p.c.st)
	}
}

// barKey weighs the parts of the calls shown, for the bars' glyphs and
// the legend: tokens, or dollars in the $ view.
func (p sessionPage) barKey() barKey {
	return newBarKey(p.res, p.sel, p.upto, p.money, p.priceOf)
}

// priceOf is the price a call's model bills at: the result's model, or
// the table's row for a call routed to another; nil when unpriced.
func (p sessionPage) priceOf(id string) *price.Model {
	if p.res != nil && p.res.Model != nil && (id == "" || id == p.res.Model.ID) {
		return p.res.Model
	}
	if p, ok := p.c.cfg.Prices.Lookup(id); ok {
		return p
	}
	return nil
}

// barsPane draws the bars: input tokens by part, or in the $ view each
// call's cost by part.
func (p sessionPage) barsPane(prev, w, h int) (string, barsGeom) {
	k := p.barKey()
	if p.money {
		return moneyBarsView(p.res, p.sel, p.upto, p.focus, prev, k, p.priceOf, w, h)
	}
	return barsView(p.res, p.sel, p.upto, p.focus, prev, p.compare, k.glyphs, w, h)
}
