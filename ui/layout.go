package ui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
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

func (m Model) layout() layout {
	l := layout{wide: m.width >= 120 && m.height >= 34, paneY: 2}
	rows := 1
	if m.res != nil {
		rows = len(m.res.Strategies)
	}
	l.tableH = rows + 2
	if m.height >= 22 && (m.cfg.Live == nil || m.height >= 30) {
		l.legend = legend(m.width, m.barKey(), m.cfg.Live != nil)
		l.legendH = strings.Count(l.legend, "\n") + 1
	}
	bottom := 2 // projection or spend line, help
	if m.cfg.Live != nil {
		l.chatH = max(3, m.height/8)
		bottom += l.chatH + m.live.inputHeight() // chat, input
	}
	if m.cfg.Live == nil && m.height >= 24 {
		l.findH = 1
	}
	fixed := 1 + 1 + l.tableH + l.findH + bottom // header, pane title, table, top finding
	switch {
	case l.wide:
		l.inspectorH = max(6, (m.height-fixed-l.legendH)/3)
		l.paneH = m.height - fixed - l.legendH - l.inspectorH - 1
		l.curvesW = m.width * 2 / 5
		l.paneW = m.width - l.curvesW - 1
		l.tableY = l.paneY + l.paneH + l.legendH
		l.inspectorY = l.tableY + l.tableH + l.findH + 1
	case m.height-fixed-l.legendH >= minPaneH:
		l.paneH = m.height - fixed - l.legendH
		l.paneW = m.width
		l.tableY = l.paneY + l.paneH + l.legendH
	default:
		l.compact = true
		l.legend, l.legendH, l.findH = "", 0, 0
		l.paneH = max(3, m.height-2-bottom)
		l.paneW = m.width
		l.tableH = l.paneH
		l.tableY = l.paneY
	}
	l.chatY = m.height - bottom // live: chat, spend line, input, help
	return l
}

// redraw draws the panes for the current state: in Update, never in View.
func (m *Model) redraw() {
	if m.res == nil {
		return
	}
	l := m.layout()
	rows := strategyRows(m.res, m.through(), m.res.Tokenizer != nil && m.res.Tokenizer.Exact, 8)
	costW, specW := 0, 0
	for _, r := range rows {
		costW, specW = max(costW, lipgloss.Width(r[2])), max(specW, lipgloss.Width(r[1]))
	}
	cols := strategyColumns(m.width, costW, specW)
	for i := range rows {
		rows[i] = rows[i][:min(len(cols), len(rows[i]))]
	}
	// Rows first: the table renders rows against the columns it has.
	m.table.SetRows(nil)
	m.table.SetColumns(cols)
	m.table.SetRows(rows)
	m.table.SetHeight(l.tableH)
	m.table.SetWidth(m.width)
	m.table.SetCursor(m.sel)
	prev := m.rendered.barsAt.start
	if m.rendered.barsAt.n == 0 {
		prev = -1
	}
	m.rendered = rendered{}
	paneH := l.paneH
	if !l.compact {
		paneH += l.legendH
	}
	switch {
	case l.wide:
		m.rendered.bars, m.rendered.barsAt = m.barsPane(prev, l.paneW, l.paneH)
		m.rendered.curves, m.rendered.curvesAt = curvesView(m.res, m.sel, m.through(), m.st.noColor, l.curvesW, l.paneH)
		m.rendered.inspector = inspectorView(m.res, m.shown, m.focus, m.scroll, m.width, l.inspectorH, m.cfg.Live != nil, m.st)
	case m.view == viewBars:
		m.rendered.bars, m.rendered.barsAt = m.barsPane(prev, l.paneW, l.paneH)
	case m.view == viewCurves:
		m.rendered.curves, m.rendered.curvesAt = curvesView(m.res, m.sel, m.through(), m.st.noColor, l.paneW, paneH)
	case m.view == viewInspector:
		m.rendered.inspector = inspectorView(m.res, m.shown, m.focus, m.scroll, m.width, paneH, m.cfg.Live != nil, m.st)
	}
}

// barKey weighs the parts of the calls shown, for the bars' glyphs and
// the legend: tokens, or dollars in the $ view.
func (m Model) barKey() barKey {
	return newBarKey(m.res, m.sel, m.upto, m.money, m.priceOf)
}

// priceOf is the price a call's model bills at: the result's model, or
// the table's row for a call routed to another; nil when unpriced.
func (m Model) priceOf(id string) *price.Model {
	if m.res != nil && m.res.Model != nil && (id == "" || id == m.res.Model.ID) {
		return m.res.Model
	}
	if p, ok := m.cfg.Prices.Lookup(id); ok {
		return p
	}
	return nil
}

// barsPane draws the bars: input tokens by part, or in the $ view each
// call's cost by part.
func (m Model) barsPane(prev, w, h int) (string, barsGeom) {
	k := m.barKey()
	if m.money {
		return moneyBarsView(m.res, m.sel, m.upto, m.focus, prev, k, m.priceOf, w, h)
	}
	return barsView(m.res, m.sel, m.upto, m.focus, prev, m.compare, k.glyphs, w, h)
}

// countingLine is the list's last line while its rows are the usage
// pass's: what they are, and how far counting has come, with a bar; once
// the profile is in, the status when there is one, else "".
func (m Model) countingLine() string {
	if !m.list.pending {
		// A row being read again to open (refs), or why it could not be.
		switch {
		case strings.HasPrefix(m.status, "error"):
			return m.st.bad.Render(truncate(m.list.position()+m.status, m.width))
		case m.status != "":
			return m.st.dim.Render(truncate(m.list.position()+m.status, m.width))
		}
		return ""
	}
	label, pct := "reading and counting…", 0.0
	switch {
	case strings.HasPrefix(m.status, "error"):
		return m.st.bad.Render(truncate(m.list.position()+m.status, m.width))
	case !m.loading:
		label, pct = "simulating…", 1
	case m.loadAll > 0:
		label = fmt.Sprintf("counting %s/%s", formatInt(int64(m.loadDone)), plural(m.loadAll, "file"))
		pct = float64(m.loadDone) / float64(m.loadAll)
	}
	label = m.list.position() + "billed (from usage) · " + label
	bar := m.progress
	if w := m.width - lipgloss.Width(label) - 1; w >= 12 {
		bar.SetWidth(min(w, 60))
		return m.st.dim.Render(label) + " " + bar.ViewAs(pct)
	}
	return m.st.dim.Render(truncate(label, m.width))
}

// View joins the drawn panes.
func (m Model) View() tea.View {
	v := tea.NewView(m.content())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	return v
}

func (m Model) content() string {
	out := m.base()
	switch m.overlay {
	case overlayModel:
		out = placeOver(out, m.picker.view(m.st, min(50, m.width-4), min(16, m.height-4)), m.width, m.height)
	case overlayStrategies:
		out = placeOver(out, m.menu.view(m.st, min(56, m.width-4), min(20, m.height-4)), m.width, m.height)
	case overlayFindings:
		out = placeOver(out, findingsView(m.adv, m.st, m.findingsPerDay(), min(76, m.width-2), min(20, m.height-2)), m.width, m.height)
	case overlayTune:
		out = placeOver(out, tuneView(m.adv, m.st, min(76, m.width-2), min(20, m.height-2)), m.width, m.height)
	case overlayLevers:
		out = placeOver(out, m.leversView(min(56, m.width-4), min(12, m.height-2)), m.width, m.height)
	}
	return out
}

// base is the screen under any menu.
func (m Model) base() string {
	switch {
	case m.err != nil:
		return m.st.bad.Render("tokenscope: "+m.err.Error()) + "\n\n" + m.st.dim.Render("q to quit")
	case m.loading && m.cfg.Follow > 0:
		return "\n  waiting for the first call in " + m.cfg.Path + "\n\n  " + m.st.dim.Render("q to quit")
	case m.loading && !m.list.pending:
		label := "reading " + m.cfg.Path
		if !m.usage.done {
			label = "reading the usage logged in " + m.cfg.Path
		}
		pct := 0.0
		if m.loadAll > 0 {
			pct = float64(m.loadDone) / float64(m.loadAll)
			label += fmt.Sprintf(" · %d of %d files", m.loadDone, m.loadAll)
		}
		return "\n  " + label + "\n\n  " + m.progress.ViewAs(pct) + "\n\n  " + m.st.dim.Render("q to quit")
	case m.warn:
		body, foot := m.warningsView()
		return m.header() + "\n\n" + fit(body, m.width, m.warnRows()) + "\n" + foot
	case m.page == pageConversations && m.all == nil && !m.list.pending:
		return "\n  counting…"
	case m.page == pageConversations && m.full:
		return helpPage(m.help, m.header(), m.list.keys.FullHelp(), m.width, m.height, m.st.dim.Render("? or esc closes help"))
	case m.page == pageConversations:
		help := shortHelp(m.help, m.list.keys.ShortHelp(), m.width)
		if m.list.filter.Focused() || m.list.filter.Value() != "" {
			help = m.list.filter.View()
		}
		return m.header() + "\n" + fit(m.list.view(m.st, m.countingLine()), m.width, m.height-2) + "\n" + fit(help, m.width, 1)
	case m.res == nil:
		return "\n  counting…"
	case m.width < minWidth || m.height < minHeight:
		return fmt.Sprintf("terminal is %d×%d;\ntokenscope needs %d×%d.\nq quits", m.width, m.height, minWidth, minHeight)
	}
	if m.full {
		closing := m.st.dim.Render("? or esc closes help")
		if m.height >= 22 { // what the terms mean, where there is room
			closing = m.st.dim.Render(lipgloss.NewStyle().Width(m.width).Render("unlogged: " + unloggedMeans + ".\nsaved: against strategy 1, as report writes it. $ shows each call's cost by part; the heaviest part is drawn █.\n? or esc closes help"))
		}
		return helpPage(m.help, m.header(), m.keys.FullHelp(), m.width, m.height, closing)
	}
	l := m.layout()
	var b strings.Builder
	b.WriteString(m.header() + "\n")
	barsTitle := "input per call · " + m.selectedSpec() + m.partNote()
	if m.money {
		barsTitle = "cost per call ($) · " + m.selectedSpec() + m.partNote()
	}
	switch {
	case l.wide:
		left := m.paneTitle(l.paneW, barsTitle) + "\n" + m.rendered.bars
		right := m.paneTitle(l.curvesW, "cumulative cost") + "\n" + m.rendered.curves
		b.WriteString(lipgloss.JoinHorizontal(lipgloss.Top, fit(left, l.paneW, l.paneH+1), " ", fit(right, l.curvesW, l.paneH+1)) + "\n")
		if l.legendH > 0 {
			b.WriteString(l.legend + "\n")
		}
		b.WriteString(m.table.View() + "\n")
		if l.findH > 0 {
			b.WriteString(m.findingLine() + "\n")
		}
		b.WriteString(m.paneTitle(m.width, "inspector") + "\n" + fit(m.rendered.inspector, m.width, l.inspectorH) + "\n")
	case l.compact && m.view == viewTable:
		b.WriteString(m.paneTitle(m.width, "strategies · tab: bars") + "\n")
		b.WriteString(fit(m.table.View(), m.width, l.paneH) + "\n")
	case m.view == viewBars:
		next := " · tab: curves, inspector"
		if l.compact {
			next = " · tab: curves"
		}
		b.WriteString(m.paneTitle(m.width, barsTitle+next) + "\n")
		b.WriteString(fit(m.rendered.bars, m.width, l.paneH) + "\n")
		if l.legendH > 0 {
			b.WriteString(l.legend + "\n")
		}
	case m.view == viewCurves:
		b.WriteString(m.paneTitle(m.width, "cumulative cost per strategy (numbers as in the table)") + "\n")
		b.WriteString(fit(m.rendered.curves, m.width, l.paneH+l.legendH) + "\n")
	default:
		b.WriteString(m.paneTitle(m.width, "inspector · pgup/pgdn scroll") + "\n")
		b.WriteString(fit(m.rendered.inspector, m.width, l.paneH+l.legendH) + "\n")
	}
	if !l.wide && !l.compact {
		b.WriteString(m.table.View() + "\n")
		if l.findH > 0 {
			b.WriteString(m.findingLine() + "\n")
		}
	}
	if m.cfg.Live != nil {
		b.WriteString(fit(m.chatView(m.width, l.chatH), m.width, l.chatH) + "\n")
		b.WriteString(m.spendLine() + "\n")
		b.WriteString(fit(m.live.input.View(), m.width, m.live.inputHeight()) + "\n")
	} else {
		b.WriteString(m.projection() + "\n")
	}
	help := shortHelp(m.help, m.keys.ShortHelp(), m.width)
	if m.cfg.Live != nil && m.live.input.Focused() {
		help = m.st.dim.Render(joinFit(m.width, " · ", field{"enter send", 9}, field{"alt+enter newline", 5}, field{"esc keys", 8},
			field{"pgup/pgdn chat", 4}, field{":system FILE prompt", 3}, field{"ctrl+r retry", 6}, field{"ctrl+c cancel", 7}))
	} else if t := m.toastLine(); t != "" {
		help = t
	}
	b.WriteString(fit(help, m.width, 1))
	return b.String()
}
