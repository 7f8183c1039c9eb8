package ui

import (
	"time"

	tea "charm.land/bubbletea/v2"
)

// doubleClick is the longest gap between two clicks of a double-click.
const doubleClick = 500 * time.Millisecond

// click remembers the last click, to tell a double-click.
type click struct {
	x, y int
	at   time.Time
}

// isDouble records a click at (x, y) and reports whether it completes a
// double-click on the same cell.
func (m *Model) isDouble(x, y int) bool {
	now := time.Now()
	d := m.lastClick.x == x && m.lastClick.y == y && now.Sub(m.lastClick.at) < doubleClick
	m.lastClick = click{x, y, now}
	if d {
		m.lastClick = click{}
	}
	return d
}

// region is what the mouse points at on the session page.
type region int

const (
	regionNone region = iota
	regionBars
	regionCurves
	regionTable
	regionInspector
	regionChat
)

// regionAt names the region under screen cell (x, y) and the cell's
// coordinates inside it.
func (m Model) regionAt(x, y int) (region, int, int) {
	l := m.layout()
	inPane := y >= l.paneY && y < l.paneY+l.paneH
	switch {
	case m.cfg.Live != nil && y >= l.chatY && y < l.chatY+l.chatH:
		return regionChat, x, y - l.chatY
	case l.wide && inPane && x < l.paneW:
		return regionBars, x, y - l.paneY
	case l.wide && inPane && x > l.paneW:
		return regionCurves, x - l.paneW - 1, y - l.paneY
	case l.wide && y > l.inspectorY-1 && y < l.inspectorY+l.inspectorH:
		return regionInspector, x, y - l.inspectorY
	case l.compact && m.view == viewTable && inPane:
		return regionTable, x, y - l.tableY
	case !l.wide && inPane && m.view == viewBars:
		return regionBars, x, y - l.paneY
	case !l.wide && !l.compact && y >= l.paneY && y < l.paneY+l.paneH+l.legendH && m.view == viewCurves:
		return regionCurves, x, y - l.paneY
	case !l.wide && y >= l.paneY && y < l.paneY+l.paneH+l.legendH && m.view == viewInspector:
		return regionInspector, x, y - l.paneY
	case !l.compact && y >= l.tableY && y < l.tableY+l.tableH:
		return regionTable, x, y - l.tableY
	}
	return regionNone, x, y
}

// updateMouse handles the wheel and clicks: the wheel scrolls what is
// under the pointer, a click selects, a double-click opens.
func (m Model) updateMouse(msg tea.MouseMsg) (tea.Model, tea.Cmd) {
	mouse := msg.Mouse()
	wheel := 0
	if w, ok := msg.(tea.MouseWheelMsg); ok {
		switch w.Button {
		case tea.MouseWheelUp:
			wheel = -1
		case tea.MouseWheelDown:
			wheel = 1
		default:
			return m, nil
		}
	} else if c, ok := msg.(tea.MouseClickMsg); !ok || c.Button != tea.MouseLeft {
		return m, nil
	}
	if m.overlay != overlayNone || m.full || m.warn {
		return m, nil
	}
	if m.page == pageConversations {
		return m.mouseList(mouse, wheel)
	}
	if m.res == nil {
		return m, nil
	}
	var cmd tea.Cmd
	r, x, y := m.regionAt(mouse.X, mouse.Y)
	n := m.calls()
	pick := func(call int) {
		if call < 0 || call >= n {
			return
		}
		m.playing = false
		m.focus, m.scroll = call, 0
		m.upto = max(m.upto, call+1)
	}
	switch r {
	case regionBars, regionCurves:
		if wheel != 0 {
			pick(max(0, min(n-1, m.focus+wheel)))
			break
		}
		call := m.rendered.barsAt.callAt(x)
		if r == regionCurves {
			call = m.rendered.curvesAt.callAt(x)
		}
		if call >= 0 {
			pick(call)
			if m.isDouble(mouse.X, mouse.Y) && !m.layout().wide {
				m.view = viewInspector
			}
		}
	case regionTable:
		if wheel != 0 {
			m.sel = max(0, min(len(m.res.Strategies)-1, m.sel+wheel))
			break
		}
		if i := y - 2; i >= 0 && i < len(m.res.Strategies) {
			m.sel = i
		}
	case regionInspector:
		if wheel != 0 {
			m.scroll = max(0, m.scroll+3*wheel)
		}
	case regionChat:
		if wheel != 0 {
			m.live.scroll = max(0, m.live.scroll-3*wheel)
		}
	}
	m.redraw()
	return m, cmd
}

// mouseList handles the mouse on the conversations page.
func (m Model) mouseList(mouse tea.Mouse, wheel int) (tea.Model, tea.Cmd) {
	l := &m.list
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
			return m, nil
		}
		l.cursor = i
		l.clamp()
		if m.isDouble(mouse.X, mouse.Y) && !l.pending {
			return m, m.openConversation(l.selected())
		}
	}
	return m, nil
}
