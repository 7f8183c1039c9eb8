package pace

import (
	"os"
	"path/filepath"
	"testing"
)

// The billed figures of the real sessions, from transcripts/testdata/README
// (worked from the raw usage with python, independently of this code).
func TestSessionBillsRealLogs(t *testing.T) {
	const dir = "../../transcripts/testdata/real/claude_code/"
	for _, tc := range []struct {
		file string
		want int64 // pico-dollars
	}{
		{dir + "spotter/short.jsonl", 144_447_500_000},
		{dir + "spotter/subagent.jsonl", 519_593_000_000},
		{dir + "spotter/tool_heavy.jsonl", 226_645_500_000},
		{dir + "spotter/258c7280-ae70-4798-800f-63464d01a85d.jsonl", 918_278_000_000},
		{dir + "spotter-agents/ae4a77f8-aedd-4bc1-888f-c94edc91af04/subagents/agent-aac57f5.jsonl", 86_663_700_000},
		{dir + "spotter-agents/fa812bfe-b295-4cca-9c2f-fdf01028cb46/subagents/agent-a93ccab.jsonl", 90_143_250_000},
	} {
		s := NewSession(tc.file)
		if _, err := s.Update(&Pricer{}); err != nil {
			t.Fatal(err)
		}
		if got := s.Total().Cost; int64(got) != tc.want {
			t.Errorf("%s: billed %d, want %d", tc.file, int64(got), tc.want)
		}
		if s.Skipped != 0 {
			t.Errorf("%s: skipped %d lines: %s", tc.file, s.Skipped, s.Problem)
		}
	}
}

// A session read while it is written, in pieces that cut lines anywhere,
// bills what it bills read whole; each update reads only the new bytes.
func TestSessionIncremental(t *testing.T) {
	src, err := os.ReadFile("../../transcripts/testdata/real/claude_code/spotter/tool_heavy.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "s.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := NewSession(path)
	p := &Pricer{}
	for i := 0; i < len(src); i += 997 {
		if _, err := f.Write(src[i:min(i+997, len(src))]); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Update(p); err != nil {
			t.Fatal(err)
		}
		if s.Main.Tail.Offset > int64(i+997) {
			t.Fatalf("offset %d past the bytes written", s.Main.Tail.Offset)
		}
	}
	if got := int64(s.Total().Cost); got != 226_645_500_000 {
		t.Errorf("billed %d, want 226645500000", got)
	}
	// A truncated file is read again from its start.
	if err := os.WriteFile(path, src[:0], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(p); err != nil {
		t.Fatal(err)
	}
	if s.Total().Calls != 0 || s.Main.Tail.Offset != 0 {
		t.Errorf("after truncation: %d calls, offset %d", s.Total().Calls, s.Main.Tail.Offset)
	}
}
