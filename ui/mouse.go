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

// double records a click at (x, y) and reports whether it completes a
// double-click on the same cell.
func (c *click) double(x, y int) bool {
	now := time.Now()
	d := c.x == x && c.y == y && now.Sub(c.at) < doubleClick
	*c = click{x, y, now}
	if d {
		*c = click{}
	}
	return d
}

// wheelOf is -1 or 1 for a wheel turn up or down, 0 for a left click;
// false for anything else.
func wheelOf(msg tea.MouseMsg) (int, bool) {
	if w, ok := msg.(tea.MouseWheelMsg); ok {
		switch w.Button {
		case tea.MouseWheelUp:
			return -1, true
		case tea.MouseWheelDown:
			return 1, true
		}
		return 0, false
	}
	c, ok := msg.(tea.MouseClickMsg)
	return 0, ok && c.Button == tea.MouseLeft
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
func (p sessionPage) regionAt(x, y int) (region, int, int) {
	l := p.layout()
	inPane := y >= l.paneY && y < l.paneY+l.paneH
	switch {
	case p.c.cfg.Live != nil && y >= l.chatY && y < l.chatY+l.chatH:
		return regionChat, x, y - l.chatY
	case l.wide && inPane && x < l.paneW:
		return regionBars, x, y - l.paneY
	case l.wide && inPane && x > l.paneW:
		return regionCurves, x - l.paneW - 1, y - l.paneY
	case l.wide && y > l.inspectorY-1 && y < l.inspectorY+l.inspectorH:
		return regionInspector, x, y - l.inspectorY
	case l.compact && p.view == viewTable && inPane:
		return regionTable, x, y - l.tableY
	case !l.wide && inPane && p.view == viewBars:
		return regionBars, x, y - l.paneY
	case !l.wide && !l.compact && y >= l.paneY && y < l.paneY+l.paneH+l.legendH && p.view == viewCurves:
		return regionCurves, x, y - l.paneY
	case !l.wide && y >= l.paneY && y < l.paneY+l.paneH+l.legendH && p.view == viewInspector:
		return regionInspector, x, y - l.paneY
	case !l.compact && y >= l.tableY && y < l.tableY+l.tableH:
		return regionTable, x, y - l.tableY
	}
	return regionNone, x, y
}

// updateMouse handles the wheel and clicks: the wheel scrolls what is
// under the pointer, a click selects, a double-click opens.
func (p *sessionPage) updateMouse(msg tea.MouseMsg) {
	wheel, ok := wheelOf(msg)
	if !ok || p.res == nil {
		return
	}
	mouse := msg.Mouse()
	r, x, y := p.regionAt(mouse.X, mouse.Y)
	switch r {
	case regionBars, regionCurves:
		if wheel != 0 {
			p.pick(max(0, min(p.calls()-1, p.focus+wheel)))
			break
		}
		call := p.rendered.barsAt.callAt(x)
		if r == regionCurves {
			call = p.rendered.curvesAt.callAt(x)
		}
		if call >= 0 {
			p.pick(call)
			if p.lastClick.double(mouse.X, mouse.Y) && !p.layout().wide {
				p.view = viewInspector
			}
		}
	case regionTable:
		if wheel != 0 {
			p.sel = max(0, min(len(p.res.Strategies)-1, p.sel+wheel))
			break
		}
		if i := y - 2; i >= 0 && i < len(p.res.Strategies) {
			p.sel = i
		}
	case regionInspector:
		if wheel != 0 {
			p.scroll = max(0, p.scroll+3*wheel)
		}
	case regionChat:
		if wheel != 0 {
			p.live.scroll = max(0, p.live.scroll-3*wheel)
		}
	}
}
