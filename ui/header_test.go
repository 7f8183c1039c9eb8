package ui

import (
	"strings"
	"testing"

	"github.com/tokenscope/tokenscope/transcripts"
)

const realClaudeTree = "../transcripts/testdata/real/claude_code"

// Opening a conversation does not count the tree's warning again: the
// real Claude Code tree has 25 calls with streaming placeholders, one of
// them in 258c7280, whose own "1 call…" warning is the same problem.
func TestWarningsDedupe(t *testing.T) {
	src, err := transcripts.Open(realClaudeTree, transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := startAt(t, Config{Source: src}, 120, 30)
	if out := screen(m); !strings.Contains(out, "! 1 warning ") {
		t.Fatalf("list header:\n%s", out)
	}
	m = press(t, m, "enter")
	if m.page != pageSession || m.list.sums[m.session.open].ID != "258c7280-ae70-4798-800f-63464d01a85d" {
		t.Fatalf("opened page %d", m.page)
	}
	ws := m.warnings()
	if len(ws) != 1 || !strings.HasPrefix(ws[0], "25 calls report fewer output tokens") {
		t.Errorf("warnings %q", ws)
	}
	if out := screen(m); !strings.Contains(out, "! 1 warning ") || strings.Contains(out, "warnings") {
		t.Errorf("session header:\n%s", out)
	}
}

func TestWarningKey(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{"25 calls report fewer output tokens", "1 call report fewer output tokens", true},
		{"1,204 calls report fewer output tokens", "1 calls report fewer output tokens", true},
		{"2 calls report fewer output tokens", "2 calls report odd usage", false},
		{"a.jsonl: the log names no model", "b.jsonl: the log names no model", false},
	} {
		if got := warningKey(tc.a) == warningKey(tc.b); got != tc.same {
			t.Errorf("%q and %q: same %v, want %v", tc.a, tc.b, got, tc.same)
		}
	}
}

func TestPlural(t *testing.T) {
	for _, tc := range []struct {
		n    int
		noun string
		want string
	}{
		{0, "call", "0 calls"},
		{1, "call", "1 call"},
		{2, "model", "2 models"},
		{1204, "call", "1,204 calls"},
		{1, "more line", "1 more line"},
	} {
		if got := plural(tc.n, tc.noun); got != tc.want {
			t.Errorf("plural(%d, %q) = %q, want %q", tc.n, tc.noun, got, tc.want)
		}
	}
}

// TestUnexplainedReadsNote: the warnings page ends with the replay's note
// on the cache reads no call of the log wrote (four first calls of the
// real sessions: profile TestUnexplainedReads), not counted as a warning.
func TestUnexplainedReadsNote(t *testing.T) {
	src, err := transcripts.Open(realClaudeTree, transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := startAt(t, Config{Source: src}, 120, 30)
	if out := screen(m); !strings.Contains(out, "! 1 warning ") {
		t.Fatalf("list header:\n%s", out)
	}
	for _, tc := range []struct {
		keys []string
		want string
	}{
		{[]string{"!"}, "• 4 calls read 65,114 cached tokens the replay cannot tie to an earlier call of the log"},
		// 258c7280, the costliest: its first call's read.
		{[]string{"enter", "!"}, "• 1 call reads 17,842 cached tokens the replay cannot tie to an earlier call of the log"},
	} {
		m := press(t, m, tc.keys...)
		out := screen(m)
		for _, want := range []string{"1 warning", "1 note", tc.want} {
			if !strings.Contains(out, want) {
				t.Errorf("%v: warnings page lacks %q:\n%s", tc.keys, want, out)
			}
		}
	}
}
