package profile

import (
	"strings"
	"testing"

	"github.com/tokenscope/tokenscope/transcripts"
)

func TestUniqueIDs(t *testing.T) {
	infos := []ConversationInfo{
		{ID: "a", Path: "/r/p1/a.jsonl"},
		{ID: "agent-1", Path: "/r/p1/s1/subagents/agent-1.jsonl"},
		{ID: "agent-1", Path: "/r/p2/s2/subagents/agent-1.jsonl"},
		{ID: "agent-1", Path: "/r/p2/s2/subagents/agent-1.jsonl"},
	}
	got := UniqueIDs(infos, "/r")
	// The one rule (transcripts.UniqueIDs, as Open and Load apply it): the
	// path under the root without extension, then numbered.
	want := []string{"a", "p1/s1/subagents/agent-1", "p2/s2/subagents/agent-1", "p2/s2/subagents/agent-1#2"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("id %d = %q, want %q", i, got[i], want[i])
		}
	}
}

// A log with no model: one "unpriced" line in the report, never $0.00,
// and the warning for every such file.
func TestReportNoModel(t *testing.T) {
	var convs []*transcripts.Conversation
	for _, p := range []string{"a.jsonl", "b.jsonl"} {
		convs = append(convs, &transcripts.Conversation{ID: p, Path: p, Messages: []transcripts.Message{
			{Role: transcripts.RoleUser, Content: "hi"}, {Role: transcripts.RoleAssistant, Content: "hello there"}}})
	}
	res, err := Run(convs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !AllUnpriced(res) || UnpricedReason(res) != "the log names no model" {
		t.Fatalf("all unpriced %v, reason %q", AllUnpriced(res), UnpricedReason(res))
	}
	for i, p := range []string{"a.jsonl: the log names no model", "b.jsonl: the log names no model"} {
		if len(res.Warnings) != 2 || !strings.HasPrefix(res.Warnings[i], p) {
			t.Errorf("no warning %q: %q", p, res.Warnings)
		}
	}
}
