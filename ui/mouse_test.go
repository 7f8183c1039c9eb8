package ui

import (
	"testing"

	tea "charm.land/bubbletea/v2"
)

func clickAt(t *testing.T, m Model, x, y int) Model {
	t.Helper()
	next, cmd := m.Update(tea.MouseClickMsg{X: x, Y: y, Button: tea.MouseLeft})
	return settle(t, next.(Model), cmd)
}

func wheelAt(t *testing.T, m Model, x, y int, down bool) Model {
	t.Helper()
	b := tea.MouseWheelUp
	if down {
		b = tea.MouseWheelDown
	}
	next, cmd := m.Update(tea.MouseWheelMsg{X: x, Y: y, Button: b})
	return settle(t, next.(Model), cmd)
}

func TestMouseSession(t *testing.T) {
	m := startAt(t, demoConfig(), 80, 24)
	l := m.session.layout()
	g := m.session.rendered.barsAt
	// A click on a bar selects its call.
	m = clickAt(t, m, g.x0+2*3, l.paneY+3)
	if want := g.start + 3; m.session.focus != want {
		t.Fatalf("click on bar 4 of the window: focus %d, want %d", m.session.focus, want)
	}
	// The wheel over the bars moves one call.
	m = wheelAt(t, m, g.x0, l.paneY+1, true)
	if want := g.start + 4; m.session.focus != want {
		t.Errorf("wheel down over the bars: focus %d, want %d", m.session.focus, want)
	}
	// A click on the third table row selects strategy 3; the wheel moves on.
	m = clickAt(t, m, 10, l.tableY+2+2)
	if m.session.sel != 2 {
		t.Errorf("click on table row 3: sel %d", m.session.sel)
	}
	m = wheelAt(t, m, 10, l.tableY+3, true)
	if m.session.sel != 3 {
		t.Errorf("wheel over the table: sel %d", m.session.sel)
	}
	// A double-click on a bar opens the inspector on that call.
	m = clickAt(t, m, g.x0+2*5, l.paneY+3)
	m = clickAt(t, m, g.x0+2*5, l.paneY+3)
	if m.session.view != viewInspector || m.session.focus != g.start+5 {
		t.Errorf("double-click: view %d focus %d", m.session.view, m.session.focus)
	}
	// The wheel over the inspector scrolls it.
	m = wheelAt(t, m, 10, l.paneY+5, true)
	if m.session.scroll != 3 {
		t.Errorf("wheel over the inspector: scroll %d", m.session.scroll)
	}
}

func TestMouseCurves(t *testing.T) {
	m := startAt(t, demoConfig(), 120, 40)
	l := m.session.layout()
	g := m.session.rendered.curvesAt
	// The first column of the curves is call 1, the last the last call.
	m = clickAt(t, m, l.paneW+1+g.x0, l.paneY+4)
	if m.session.focus != 0 {
		t.Errorf("click on the curves' first column: focus %d", m.session.focus)
	}
	// The curves now end at call 1, their labels' margin with them.
	g = m.session.rendered.curvesAt
	m = clickAt(t, m, l.paneW+1+g.x0+g.gw-1, l.paneY+4)
	if m.session.focus != m.session.calls()-1 {
		t.Errorf("click on the curves' last column: focus %d of %d", m.session.focus, m.session.calls())
	}
}

func TestMouseConversations(t *testing.T) {
	m := startAt(t, treeConfig(t), 80, 24)
	if m.list.selected() != m.list.shown[0] {
		t.Fatal("cursor not on the first row")
	}
	m = wheelAt(t, m, 5, 8, true)
	if m.list.cursor != 1 {
		t.Errorf("wheel down: cursor %d", m.list.cursor)
	}
	// A click on the "calls" title sorts by calls, most first.
	head := listTop + listTotalsRows
	x := -1
	for i, c := range m.list.columns(80) {
		at := 0
		for _, d := range m.list.columns(80)[:i] {
			at += d.width + 1
		}
		if c.title == "calls" {
			x = at + 1
		}
	}
	m = clickAt(t, m, x, head)
	if m.list.sort != sortCalls || m.list.sums[m.list.shown[0]].Calls != 3 {
		t.Errorf("click on calls: sort %v, first row has %d calls", m.list.sort, m.list.sums[m.list.shown[0]].Calls)
	}
	// A click on row 2 selects it; a second click opens it.
	row := head + listHeadRows + 1
	m = clickAt(t, m, 3, row)
	if m.list.cursor != 1 || m.page != pageConversations {
		t.Fatalf("click on row 2: cursor %d page %d", m.list.cursor, m.page)
	}
	want := m.list.sums[m.list.selected()]
	m = clickAt(t, m, 3, row)
	if m.page != pageSession || m.session.calls() != want.Calls || m.session.open != want.Index {
		t.Errorf("double-click: page %d, %d calls, open %d; want %s", m.page, m.session.calls(), m.session.open, want.ID)
	}
}
