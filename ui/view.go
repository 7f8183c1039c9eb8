package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// View joins the header, the page shown and the menu over it.
func (m Model) View() tea.View {
	v := tea.NewView(m.content())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	return v
}

func (m Model) content() string {
	out := m.base()
	w, h := m.c.width, m.c.height
	if keys := m.menuKeys(); keys != nil {
		// The help line under a menu says the menu's keys, not the page's.
		line := toastLine(m.c.st, m.sh.status, w)
		if line == "" {
			line = shortHelp(m.c.help, keys.ShortHelp(), w)
		}
		if i := strings.LastIndex(out, "\n"); i >= 0 {
			out = out[:i+1] + fit(line, w, 1)
		}
	}
	switch m.overlay {
	case overlayModel:
		out = placeOver(out, m.picker.view(m.c.st, min(50, w-4), min(16, h-4)), w, h)
	case overlayStrategies:
		out = placeOver(out, m.menu.view(m.c.st, min(56, w-4), min(20, h-4)), w, h)
	case overlayFindings, overlayTune:
		out = placeOver(out, m.adv.View(), w, h)
	case overlayLevers:
		out = placeOver(out, m.lev.View(m.session.res, m.session.computing), w, h)
	}
	return out
}

// menuKeys is the key map of the menu open, nil when none is.
func (m Model) menuKeys() help.KeyMap {
	switch m.overlay {
	case overlayModel:
		return m.picker.keys
	case overlayStrategies:
		return m.menu.keys
	case overlayFindings, overlayTune:
		return m.adv.KeyMap()
	case overlayLevers:
		return m.lev.KeyMap()
	}
	return nil
}

// toastLine is the status in the place of the help line while it lasts,
// "" when there is none.
func toastLine(st styles, status string, w int) string {
	switch {
	case status == "":
		return ""
	case strings.HasPrefix(status, "error"):
		return st.bad.Render(truncate(status, w))
	}
	return st.warn.Render(truncate(status, w))
}

// base is the screen under any menu: reading, the help or warnings, or
// the header over the page shown.
func (m Model) base() string {
	st, w, h := m.c.st, m.c.width, m.c.height
	switch {
	case m.err != nil:
		return st.bad.Render("tokenscope: "+m.err.Error()) + "\n\n" + st.dim.Render("q to quit")
	case m.load.loading && m.c.cfg.Follow > 0:
		return "\n  waiting for the first call in " + m.c.cfg.Path + "\n\n  " + st.dim.Render("q to quit")
	case m.load.loading && !m.list.pending:
		return m.loadingScreen()
	case m.info.mode == infoWarnings:
		return m.header() + "\n" + m.info.View()
	case m.page == pageConversations && m.list.all == nil && !m.list.pending:
		return "\n  counting…"
	case m.page == pageConversations && m.info.mode == infoHelp:
		return helpPage(m.c.help, m.header(), m.list.KeyMap().FullHelp(), w, h, st.dim.Render("? or esc closes help"))
	case m.page == pageConversations:
		return m.header() + "\n" + m.list.View()
	case m.session.res == nil:
		return "\n  counting…"
	case w < minWidth || h < minHeight:
		return fmt.Sprintf("terminal is %d×%d;\ntokenscope needs %d×%d.\nq quits", w, h, minWidth, minHeight)
	case m.info.mode == infoHelp:
		short := st.dim.Render("? or esc closes help")
		if h >= 22 { // what the terms mean, where there is room
			long := st.dim.Render(lipgloss.NewStyle().Width(w).Render("unlogged: " + unloggedMeans + ".\nsaved: against strategy 1, as report writes it. $ shows each call's cost by part; the heaviest part is drawn █.\n? or esc closes help"))
			if page := helpPage(m.c.help, m.header(), m.session.KeyMap().FullHelp(), w, h, long); lipgloss.Height(page) <= h {
				return page
			}
		}
		return helpPage(m.c.help, m.header(), m.session.KeyMap().FullHelp(), w, h, short)
	}
	return m.header() + "\n" + m.session.View()
}

// countingLine is the list's last line while its rows are the usage
// pass's: what they are, and how far counting has come, with a bar; once
// the profile is in, the status when there is one, else "".
func (m Model) countingLine() string {
	if !m.list.pending {
		// A row being read again to open (refs), or why it could not be.
		switch {
		case strings.HasPrefix(m.sh.status, "error"):
			return m.c.st.bad.Render(truncate(m.list.position()+m.sh.status, m.c.width))
		case m.sh.status != "":
			return m.c.st.dim.Render(truncate(m.list.position()+m.sh.status, m.c.width))
		}
		return ""
	}
	label, pct := "reading and counting…", 0.0
	switch {
	case strings.HasPrefix(m.sh.status, "error"):
		return m.c.st.bad.Render(truncate(m.list.position()+m.sh.status, m.c.width))
	case !m.load.loading:
		label, pct = "simulating…", 1
	case m.load.all > 0:
		label = fmt.Sprintf("counting %s/%s", formatInt(int64(m.load.done)), plural(m.load.all, "file"))
		pct = float64(m.load.done) / float64(m.load.all)
	}
	label = m.list.position() + "billed (from usage) · " + label
	bar := m.load.progress
	if w := m.c.width - lipgloss.Width(label) - 1; w >= 12 {
		bar.SetWidth(min(w, 60))
		return m.c.st.dim.Render(label) + " " + bar.ViewAs(pct)
	}
	return m.c.st.dim.Render(truncate(label, m.c.width))
}
