package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/tokenscope/tokenscope/transcripts"
)

func proxyLog(t *testing.T) *transcripts.Source {
	t.Helper()
	src, err := transcripts.Open("../transcripts/testdata/native_proxy_calls.jsonl", transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// A followed log: the screen waits for the first call, then shows the
// conversations as they appear, and a grown conversation recomputes.
func TestFollowGrowingLog(t *testing.T) {
	m := New(Config{Path: "calls.jsonl", Follow: time.Second})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m = next.(Model)
	var cmd tea.Cmd
	if !strings.Contains(m.content(), "waiting for the first call in calls.jsonl") {
		t.Fatalf("screen:\n%s", m.content())
	}
	// The file does not exist yet: still waiting.
	cmd = m.updateFollow(followMsg{err: &transcripts.Error{File: "calls.jsonl", Msg: "no such file"}})
	m = settle(t, m, cmd)
	if !m.load.loading || m.err != nil {
		t.Fatal("a missing log is an error before the first call")
	}
	full := proxyLog(t)
	// First read: one conversation of one call.
	one := &transcripts.Source{Path: "calls.jsonl", Format: transcripts.FormatNative, Conversations: []*transcripts.Conversation{trimmed(full.Conversations[0], 3)}}
	cmd = m.updateFollow(followMsg{src: one})
	m = settle(t, m, cmd)
	if m.load.loading || m.session.calls() != 1 {
		t.Fatalf("after the first call: loading %v, %d calls", m.load.loading, m.session.calls())
	}
	// The conversation grows by a call: recomputed, newest call shown.
	grown := &transcripts.Source{Path: "calls.jsonl", Format: transcripts.FormatNative, Conversations: []*transcripts.Conversation{full.Conversations[0]}}
	cmd = m.updateFollow(followMsg{src: grown})
	m = settle(t, m, cmd)
	if m.session.calls() != 2 || m.session.upto != 2 {
		t.Fatalf("after the second call: %d calls, upto %d", m.session.calls(), m.session.upto)
	}
	// A second conversation starts: the list shows both.
	cmd = m.updateFollow(followMsg{src: full})
	m = settle(t, m, cmd)
	if m.page != pageConversations || len(m.list.src.Conversations) != 2 || !strings.Contains(m.content(), "px-2") {
		t.Fatalf("page %v:\n%s", m.page, m.content())
	}
}

func trimmed(c *transcripts.Conversation, n int) *transcripts.Conversation {
	d := *c
	d.Messages = c.Messages[:n]
	return &d
}
