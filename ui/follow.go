package ui

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/tokenscope/tokenscope/transcripts"
)

// followMsg is a fresh read of a log that grows while it is shown (the
// proxy's, with --tui).
type followMsg struct {
	src *transcripts.Source
	err error
}

// follow re-reads path after every, off the event loop.
func follow(path string, opt transcripts.Options, every time.Duration) tea.Cmd {
	return tea.Tick(every, func(time.Time) tea.Msg {
		src, err := transcripts.Open(path, opt)
		return followMsg{src: src, err: err}
	})
}

// updateFollow takes a fresh read: new conversations and calls appear,
// the page shown stays, and the strategies recompute. Until the log holds
// a call (or while it cannot be read) the screen keeps waiting.
func (m *Model) updateFollow(msg followMsg) tea.Cmd {
	if msg.err != nil || msg.src == nil || len(msg.src.Conversations) == 0 || sameSource(m.list.src, msg.src) {
		return nil
	}
	if m.list.src == nil || m.load.loading {
		m.load.loading = false
		m.setSource(msg.src)
		return m.recompute()
	}
	s := &m.session
	open := ""
	if m.page == pageSession && s.open >= 0 {
		open = m.list.src.Conversations[s.open].ID
	}
	m.list.src = msg.src
	switch {
	case open != "":
		for i, c := range msg.src.Conversations {
			if c.ID == open {
				s.open, s.agents = i, m.list.agentsOf(i)
				s.shown = &transcripts.Source{Path: c.Path, Format: c.Format, Conversations: []*transcripts.Conversation{c}}
			}
		}
	case m.page == pageSession && len(msg.src.Conversations) > 1:
		// A second conversation started: show the list.
		m.page = pageConversations
		s.show(msg.src, -1)
	default:
		s.shown = msg.src
	}
	return m.recompute()
}

// sameSource reports whether b holds what a holds: as many conversations
// with as many messages each (a log only grows).
func sameSource(a, b *transcripts.Source) bool {
	if a == nil || len(a.Conversations) != len(b.Conversations) {
		return false
	}
	for i := range a.Conversations {
		if len(a.Conversations[i].Messages) != len(b.Conversations[i].Messages) {
			return false
		}
	}
	return true
}
