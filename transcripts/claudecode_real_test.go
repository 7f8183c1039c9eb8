package transcripts

import "testing"

// TestClaudeCodeParallelToolResults reads real sessions whose parallel tool
// calls are answered by results each parented on its own tool_use line:
// those are siblings, not rewinds, so each session stays one conversation
// and no tool result is lost from the history of later calls.
func TestClaudeCodeParallelToolResults(t *testing.T) {
	for _, tc := range []struct {
		file         string
		calls, tools int
	}{
		// Counted in the raw file: distinct message id + request id with
		// usage, and tool_result blocks.
		{"258c7280-ae70-4798-800f-63464d01a85d.jsonl", 14, 27},
		{"8463c716-a2ea-4c14-9efa-87158ebd9f20.jsonl", 8, 20},
	} {
		src := open(t, "testdata/real/claude_code/spotter/"+tc.file)
		if len(src.Conversations) != 1 {
			t.Fatalf("%s: %d conversations, want 1", tc.file, len(src.Conversations))
		}
		c := src.Conversations[0]
		tools := 0
		for _, m := range c.Messages {
			if m.Role == RoleTool {
				tools++
			}
		}
		if c.Calls() != tc.calls || tools != tc.tools {
			t.Errorf("%s: %d calls, %d tool results; want %d, %d", tc.file, c.Calls(), tools, tc.calls, tc.tools)
		}
	}
}
