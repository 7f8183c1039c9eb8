package ui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/tokenscope/tokenscope/profile/strategy"
)

// The menus over the page shown (the model picker, the strategy menu, the
// advisor panes, the levers): the root routes keys to the one open and
// applies what it chose to the shared state.

// updateOverlay routes a key to the open menu and applies what it chose.
func (m Model) updateOverlay(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	var cmd tea.Cmd
	switch m.overlay {
	case overlayFindings, overlayTune:
		m.adv, cmd = m.adv.Update(msg)
		if spec, ok := m.adv.take(); ok {
			m.overlay = overlayNone
			return m, tea.Batch(cmd, m.addSpec(spec))
		}
		if m.adv.shut {
			m.overlay = overlayNone
		}
		if m.adv.status != "" {
			m.sh.status = m.adv.status
		}
	case overlayLevers:
		cmd = m.updateLevers(msg)
	case overlayModel:
		var done bool
		var chosen string
		m.picker, done, chosen = m.picker.update(msg)
		if done {
			m.overlay = overlayNone
			if chosen != "" && chosen != m.currentModel() {
				m.sh.model = chosen
				m.sh.status = "model → " + chosen
				cmd = m.recompute()
			}
		}
	case overlayStrategies:
		var done bool
		m.menu, done = m.menu.update(msg)
		if done {
			m.overlay = overlayNone
			if specs := m.menu.specs(); len(specs) > 0 && strings.Join(specs, "|") != strings.Join(m.sh.specs, "|") {
				m.sh.specs = specs
				m.session.sel = 0
				m.sh.status = fmt.Sprintf("%d strategies", len(specs))
				cmd = m.recompute()
			}
		}
	}
	m.session.redraw()
	return m, cmd
}

// updateLevers hands a key to the lever overlay, which works on the
// selected strategy, and recomputes what it changed.
func (m *Model) updateLevers(msg tea.KeyPressMsg) tea.Cmd {
	sel := m.session.sel
	if sel >= len(m.sh.specs) {
		m.overlay = overlayNone
		return nil
	}
	var changed bool
	m.lev, changed = m.lev.update(msg, sel, m.sh.specs[sel])
	if m.lev.shut {
		m.overlay = overlayNone
	}
	if m.lev.status != "" {
		m.sh.status = m.lev.status
	}
	if !changed {
		return nil
	}
	m.sh.specs = append([]string(nil), m.sh.specs...)
	m.sh.specs[sel] = m.lev.spec
	return m.recompute()
}

// addSpec puts spec in the strategy table (once), selects it and
// recomputes.
func (m *Model) addSpec(spec string) tea.Cmd {
	if s, err := strategy.Parse(spec); err == nil {
		spec = s.String()
	}
	for i, s := range m.sh.specs {
		if s == spec {
			m.session.sel = i
			m.sh.status = spec + " is row " + fmt.Sprint(i+1)
			return nil
		}
	}
	m.sh.specs = append(m.sh.specs, spec)
	// Selected when its numbers arrive: the result shown has no row yet.
	m.session.selNext = len(m.sh.specs)
	m.sh.status = "added " + spec
	return m.recompute()
}

// askFindings starts the findings of what the page shows.
func (m *Model) askFindings() tea.Cmd {
	if m.page == pageConversations {
		// A list kept as refs has no text: the findings reuse its counts.
		if m.list.all == nil || (len(m.list.src.Conversations) == 0 && m.list.refs == nil) {
			return nil
		}
		return m.adv.askFindings(m.list.src.Conversations, m.list.all, "all conversations", m.c.cfg.Prices, m.sh.model)
	}
	s := m.session
	if s.res == nil || s.shown == nil || len(s.shown.Conversations) == 0 {
		return nil
	}
	scope := "this conversation"
	if s.open < 0 && len(s.shown.Conversations) > 1 {
		scope = "all conversations"
	}
	return m.adv.askFindings(s.shown.Conversations, s.res, scope, m.c.cfg.Prices, m.sh.model)
}

// askTune starts a tune search of the conversation shown.
func (m *Model) askTune() tea.Cmd {
	if m.session.shown == nil || len(m.session.shown.Conversations) == 0 {
		return nil
	}
	return m.adv.askTune(m.session.shown.Conversations, m.c.cfg.Prices, m.sh.model)
}
