package ui

import (
	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"

	advice "github.com/tokenscope/tokenscope/profile/advisor"
)

// Update handles a key or a click of the list page; what it asks of the
// root (open a row, a menu, quit) is read with take.
func (l listPage) Update(msg tea.Msg) (listPage, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return l, l.onKey(msg)
	case tea.MouseClickMsg, tea.MouseWheelMsg:
		l.onMouse(msg.(tea.MouseMsg))
	}
	return l, nil
}

// take returns what the last key or click asked of the root, once.
func (l *listPage) take() ask {
	a := l.asked
	l.asked = askNone
	return a
}

// KeyMap is the page's keys, for the help.
func (l listPage) KeyMap() help.KeyMap { return l.keys }

// View draws the page below the header: the rows, the footer the root
// handed down, and the help line (or the filter being typed).
func (l listPage) View() string {
	helpLine := shortHelp(l.help, l.keys.ShortHelp(), l.width)
	if l.filter.Focused() || l.filter.Value() != "" {
		helpLine = l.filter.View()
	}
	return fit(l.rowsView(l.st, l.footer), l.width, l.height) + "\n" + fit(helpLine, l.width, 1)
}

// compute runs the strategies on every conversation at generation l.gen:
// on the counts made while reading when the list is kept as refs.
func (l listPage) compute(sh shared, j loadJob) tea.Cmd {
	if l.refs != nil {
		return computeRefs(l.gen, j, sh.specs)
	}
	return compute(l.gen, true, l.prep, l.src.Conversations, j.prices, sh.model, sh.specs)
}

// recompute asks for a new generation of the list's numbers.
func (l *listPage) recompute(sh shared, j loadJob) tea.Cmd {
	l.gen++
	l.specKey = sh.specKey()
	l.computing = true
	return l.compute(sh, j)
}

// onComputed takes the list's numbers unless a newer recompute is on its
// way; it returns the status to show: the error, or status as it was.
func (l *listPage) onComputed(msg computedMsg, sh shared) string {
	if msg.gen != l.gen {
		return sh.status
	}
	l.computing = false
	if msg.err != nil {
		return "error: " + msg.err.Error()
	}
	l.all = msg.res
	sums := advice.Summaries(msg.res, l.src.Conversations, l.src.Path)
	for i := range sums {
		if i < len(l.refs) {
			sums[i].Start = l.refs[i].start // the text that had it is gone
		}
	}
	l.agents = newAgentRollups(msg.res)
	l.setData(sums, sh.specs, l.convKeys)
	return sh.status
}

// headerRight is the header's right end: how many rows and calls.
func (l listPage) headerRight() string {
	calls := 0
	for _, s := range l.sums {
		calls += s.Calls
	}
	noun := "conversation"
	if l.pending {
		noun = "session" // a usage row may hold several conversations
	}
	return plural(len(l.sums), noun) + " · " + plural(calls, "call")
}

// agentsOf is conversation i's subagents, for the session page.
func (l listPage) agentsOf(i int) rollupOf {
	if i < 0 || i >= len(l.sums) {
		return rollupOf{}
	}
	return rollupOf{rollups: l.agents, conv: l.sums[i].Index, ok: true}
}

// onMouse handles the wheel and clicks: the wheel moves the cursor, a
// click on a column title sorts by it, a click selects a row and a
// double-click opens it.
func (l *listPage) onMouse(msg tea.MouseMsg) {
	mouse := msg.Mouse()
	wheel, ok := wheelOf(msg)
	if !ok {
		return
	}
	switch {
	case wheel != 0:
		l.cursor += wheel
		l.clamp()
	case mouse.Y == listTop+listTotalsRows:
		if k, ok := l.columnAt(mouse.X); ok {
			l.setSort(k)
		}
	default:
		i := l.rowAt(mouse.Y)
		if i < 0 {
			return
		}
		l.cursor = i
		l.clamp()
		if l.lastClick.double(mouse.X, mouse.Y) && !l.pending {
			l.asked = askOpen
		}
	}
}
