package ui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
)

// infoMode is which page of text is open over the others.
type infoMode int

const (
	infoNone infoMode = iota
	infoHelp
	infoWarnings
)

// infoPage is the help or the warnings, a page of its own over the page
// shown: esc, q, ? and ! close it; the warnings scroll. The root draws
// the help (it knows the keys of the page under it) and hands this page
// the warnings' lines, wrapped to the screen.
type infoPage struct {
	mode   infoMode
	scroll int // first line of the warnings shown
	lines  []string
	st     styles
	width  int
	height int
}

func (p infoPage) open() bool { return p.mode != infoNone }

// show opens the page on mode, from its top.
func (p infoPage) show(mode infoMode) infoPage {
	p.mode, p.scroll = mode, 0
	return p
}

// SetSize gives the page the whole screen.
func (p *infoPage) SetSize(w, h int) { p.width, p.height = w, h }

// rows is how many lines of warnings the page shows at once.
func (p infoPage) rows() int { return max(1, p.height-4) }

// Update handles a key.
func (p infoPage) Update(msg tea.Msg) (infoPage, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return p, nil
	}
	switch k.String() {
	case "esc", "q", "?", "!":
		p.mode, p.scroll = infoNone, 0
	case "ctrl+c":
		return p, tea.Quit
	case "down", "j":
		p.scroll++
	case "up", "k":
		p.scroll--
	case "pgdown", "space":
		p.scroll += p.rows()
	case "pgup":
		p.scroll -= p.rows()
	case "home", "g":
		p.scroll = 0
	case "end", "G":
		p.scroll = len(p.lines)
	}
	p.scroll = max(0, min(p.scroll, len(p.lines)-p.rows()))
	return p, nil
}

// View is the warnings in view, from scroll, fitted to the screen under
// the header, and the footer: how to close the page, and where it stands
// when the warnings do not all fit.
func (p infoPage) View() string {
	rows := p.rows()
	from := max(0, min(p.scroll, len(p.lines)-rows))
	to := min(len(p.lines), from+rows)
	foot := "! or esc closes"
	if len(p.lines) > rows {
		foot = fmt.Sprintf("lines %d–%d of %d · ↑↓ pgup/pgdn scroll · %s", from+1, to, len(p.lines), foot)
	}
	return "\n" + fit(strings.Join(p.lines[from:to], "\n"), p.width, rows) + "\n" + p.st.dim.Render(truncate(foot, p.width))
}
