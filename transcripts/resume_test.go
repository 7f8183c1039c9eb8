package transcripts

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// resumedDir holds a real session and the session resuming it, built from
// it as Claude Code writes one (testdata/README): the resumed file's name
// sorts first, so a walk meets the copies before the lines they copy.
const resumedDir = "testdata/claude_code_resumed"

const (
	resumedOld = "d6e0bada-1959-4eec-a9d2-0bfade768d8f"
	resumedNew = "0a7e4c2d-5b1f-4c3e-9d8a-6f2b1c0e9a47"
)

// TestClaudeCodeResumed: the copies a resumed session starts with are
// history, whatever order the files are read in; every call keeps the time
// of its own lines, none takes the resume time the copies were stamped
// with, and no response is counted twice (4 calls of the real session + 1
// new one), in the replay and in the usage view alike.
func TestClaudeCodeResumed(t *testing.T) {
	resumeAt := time.Date(2026, 2, 10, 23, 5, 46, 120e6, time.UTC)
	// The real session's calls, from its lines (the first line of each
	// response), and the new call.
	want := map[string][]string{
		resumedOld: {"22:57:57.941", "22:58:02.04", "22:59:25.207", "22:59:36.157"},
		resumedNew: {"23:06:05.874"},
	}
	src, err := Open(resumedDir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	for _, c := range src.Conversations {
		var got []string
		for _, m := range c.Messages {
			if m.Role == RoleAssistant && !m.Replayed {
				got = append(got, m.Time.Format("15:04:05.999"))
				if m.Time.Equal(resumeAt) {
					t.Errorf("%s: a call at the resume time", c.ID)
				}
			}
		}
		calls += len(got)
		if w := want[c.ID]; len(got) != len(w) || (len(w) > 0 && (got[0] != w[0] || got[len(got)-1] != w[len(w)-1])) {
			t.Errorf("%s: calls at %v, want %v", c.ID, got, w)
		}
	}
	if calls != 5 {
		t.Errorf("%d calls, want 5", calls)
	}

	// The resumed file alone: its copies are still history.
	one, err := Open(filepath.Join(resumedDir, resumedNew+".jsonl"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c := one.Conversations[0]; c.Calls() != 1 || len(c.Messages) < 10 {
		t.Errorf("resumed file alone: %d calls, %d messages; want 1 call after the copied history", c.Calls(), len(c.Messages))
	}
	// It says where the copies' 4 calls are counted.
	if len(one.Warnings) != 1 || !strings.Contains(one.Warnings[0], ": 4 responses copied from the session it resumes are history here") {
		t.Errorf("warnings %q", one.Warnings)
	}

	u, err := ReadUsage(resumedDir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Calls) != 5 {
		t.Errorf("usage: %d calls, want 5", len(u.Calls))
	}
	for _, b := range u.Calls {
		if b.Time.Equal(resumeAt) {
			t.Errorf("usage: call %s at the resume time", b.ResponseID)
		}
	}
}

// TestClaudeCodeTitleIsNoResume: a leading summary whose leaf is the
// file's last message is the session's title, not a resume: no line after
// the leaf, so nothing before it is a copy.
func TestClaudeCodeTitleIsNoResume(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(resumedDir, resumedNew+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	// The resumed file cut after its leaf: the copies and the summary.
	lines := splitLines(b)
	var cut []byte
	for _, l := range lines[:len(lines)-2] {
		cut = append(append(cut, l...), '\n')
	}
	p := filepath.Join(t.TempDir(), resumedNew+".jsonl")
	if err := os.WriteFile(p, cut, 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := Open(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c := src.Conversations[0]; c.Calls() != 4 {
		t.Errorf("%d calls, want the 4 the file holds", c.Calls())
	}
}

func splitLines(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		i := 0
		for i < len(b) && b[i] != '\n' {
			i++
		}
		if i > 0 {
			out = append(out, b[:i])
		}
		if i == len(b) {
			break
		}
		b = b[i+1:]
	}
	return out
}
