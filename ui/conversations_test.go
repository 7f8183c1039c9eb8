package ui

import (
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/tokenscope/tokenscope/transcripts"
)

const claudeTree = "../transcripts/testdata/claude_code"

func treeConfig(t *testing.T) Config {
	t.Helper()
	src, err := transcripts.Open(claudeTree, transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return Config{Source: src}
}

func startAt(t *testing.T, cfg Config, w, h int) Model {
	t.Helper()
	m := New(cfg)
	next, _ := m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return settle(t, next.(Model), m.Init())
}

func screen(m Model) string { return ansi.Strip(m.View().Content) }

func TestConversationsOpenAndBack(t *testing.T) {
	m := startAt(t, treeConfig(t), 80, 24)
	if m.page != pageConversations || m.all == nil {
		t.Fatalf("a tree opens on page %d", m.page)
	}
	t.Log("\n" + screen(m))
}

func TestConversationsOpen(t *testing.T) {
	m := startAt(t, treeConfig(t), 80, 24)
	// Sorted by cost, the costliest first: 4b1c2d3e, 3 calls.
	first := m.list.sums[m.list.selected()]
	if first.ID != "4b1c2d3e" || first.Calls != 3 {
		t.Fatalf("first row %s with %d calls", first.ID, first.Calls)
	}
	m = press(t, m, "enter")
	if m.page != pageSession || m.calls() != 3 || len(m.res.Conversations) != 1 {
		t.Fatalf("enter: page %d, %d calls", m.page, m.calls())
	}
	// The session shows that conversation only: its cost is the row's.
	if got := m.res.Strategies[0].Totals.Cost; got != first.Costs[0] {
		t.Errorf("session full cost %s, row %s", got, first.Costs[0])
	}
	t.Log("\n" + screen(m))
	m = press(t, m, "esc")
	if m.page != pageConversations || m.list.sums[m.list.selected()].ID != "4b1c2d3e" {
		t.Fatalf("esc: page %d", m.page)
	}
}
