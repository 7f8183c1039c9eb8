package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts"
)

// agentTree lays out a real session (short.jsonl) with two real subagent
// logs under <session>/subagents/, as Claude Code writes them (the same
// tree as cmd/tokenscope's subagentTree).
func agentTree(t *testing.T) Config {
	t.Helper()
	const real = "../transcripts/testdata/real/claude_code/"
	root := filepath.Join(t.TempDir(), "projects")
	session := filepath.Join(root, "-home-dev-shop", "5e55")
	for from, to := range map[string]string{
		"spotter/short.jsonl": session + ".jsonl",
		"spotter-agents/ae4a77f8-aedd-4bc1-888f-c94edc91af04/subagents/agent-aac57f5.jsonl": session + "/subagents/agent-aac57f5.jsonl",
		"spotter-agents/fa812bfe-b295-4cca-9c2f-fdf01028cb46/subagents/agent-a93ccab.jsonl": session + "/subagents/agent-a93ccab.jsonl",
	} {
		b, err := os.ReadFile(real + from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src, err := transcripts.Open(root, transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return Config{Source: src}
}

// A parent session's row shows its subagents' part apart, and its session
// page lists them with their own calls and bill. Figures are the billed
// usage of transcripts/testdata/README: 144,447,500,000 pico-dollars for
// the session's own call, 86,663,700,000 (aac57f5, 3 calls) and
// 90,143,250,000 (a93ccab, 11 calls) for its agents.
func TestSubagentsRolledUp(t *testing.T) {
	m := startAt(t, agentTree(t), 80, 24)
	if got := m.list.sums[m.list.selected()].ID; got != "5e55" {
		t.Fatalf("first row %q, want the parent 5e55", got)
	}
	s, ok := m.list.agents.byConv[m.list.sums[m.list.selected()].Index]
	if !ok || s.Billed != price.Money(321_254_450_000) || s.AgentsBilled != price.Money(176_806_950_000) || len(s.Agents) != 2 {
		t.Fatalf("rollup %+v, %v", s, ok)
	}
	if out := screen(m); !strings.Contains(out, "5e55 with subagents $0.3213, of which subagents $0.1768, 2 agents") {
		t.Errorf("parent row's footer:\n%s", out)
	}
	// A subagent's own row is no parent: the footer is the usual one.
	if out := screen(press(t, m, "down")); strings.Contains(out, "of which subagents") {
		t.Errorf("subagent row shows a rollup:\n%s", out)
	}
	m = press(t, m, "enter")
	out := screen(m)
	if m.page != pageSession || !strings.Contains(out, "subagents $0.1768 of $0.3213: a93ccab 11 calls $0.0901 · aac57f5 3 calls $0.0867") {
		t.Errorf("session page:\n%s", out)
	}
	if n := strings.Count(out, "\n") + 1; n != 24 {
		t.Errorf("session page is %d lines, want 24", n)
	}
	// A subagent's own session lists none.
	m = press(t, press(t, m, "esc"), "down", "enter")
	if out := screen(m); strings.Contains(out, "subagents $") {
		t.Errorf("subagent's session lists subagents:\n%s", out)
	}
}
