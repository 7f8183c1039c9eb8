package pace

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

const resumedDir = "../../transcripts/testdata/claude_code_resumed/"

// The resumed testdata (transcripts/testdata/README): d6e0bada is
// tool_heavy, 4 calls, 226,645,500,000 pico-dollars; 0a7e4c2d resumes it,
// copies its 4 responses stamped 23:05:46.120, then makes one call of
// claude-opus-4-6 ($5 in, $25 out, $0.50 read, $10 1-hour write per MTok)
// at 23:06:05.874: 3 in, 19 out, 27,666 read, 1,425 written for an hour:
// 15 + 475 + 13,833 + 14,250 = 28,573 micro-dollars, what `tokenscope
// usage` bills that session ($0.0286). Counting the copies again would
// bill 255,218,500,000.
const (
	resumedFile   = resumedDir + "0a7e4c2d-5b1f-4c3e-9d8a-6f2b1c0e9a47.jsonl"
	resumedSource = resumedDir + "d6e0bada-1959-4eec-a9d2-0bfade768d8f.jsonl"
	resumedBilled = 28_573_000_000
	sourceBilled  = 226_645_500_000
)

// A resumed session's copied calls are not its own, whether its file is
// read whole or line by line as Claude Code writes it; the burn rate does
// not see them at the resume time either.
func TestSessionResumed(t *testing.T) {
	src, err := os.ReadFile(resumedFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []int{len(src), 1, 997} {
		name := fmt.Sprintf("%d bytes at a time", step)
		if step == 1 {
			name = "line by line"
		}
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), filepath.Base(resumedFile))
			s := NewSession(path)
			p := &Pricer{}
			for i := 0; i < len(src); {
				end := min(i+step, len(src))
				if step == 1 {
					end = i + bytes.IndexByte(src[i:], '\n') + 1
				}
				appendBytes(t, path, src[i:end])
				if _, err := s.Update(p); err != nil {
					t.Fatal(err)
				}
				i = end
			}
			tot := s.Total()
			if tot.Calls != 1 || int64(tot.Cost) != resumedBilled {
				t.Errorf("%d calls billed %d, want 1 call billed %d", tot.Calls, int64(tot.Cost), resumedBilled)
			}
			now := time.Date(2026, 2, 10, 23, 10, 0, 0, time.UTC)
			if b := BurnOf(now, RecentSpan, s.Files()...); b.Calls != 1 || int64(b.Cost) != resumedBilled {
				t.Errorf("burn: %d calls, %d, want 1 call, %d", b.Calls, int64(b.Cost), resumedBilled)
			}
			if len(s.Main.Resume.Held) != 0 || s.Main.Resume.holding() {
				t.Errorf("still holding %d calls", len(s.Main.Resume.Held))
			}
		})
	}
}

func appendBytes(t *testing.T, path string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
}

// A leading summary whose leaf is no message of the file (a title of
// another session) holds its calls back only until a line comes later than
// a resume's copies could: then they count. Hand-checked: three haiku
// calls of 1,000 in and 1,000 out, $0.006 each.
func TestResumeLeafElsewhere(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.jsonl")
	w := newWriter(t, path)
	w.raw(`{"type":"summary","summary":"Another session","leafUuid":"not-in-this-file"}` + "\n")
	base := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	s := NewSession(path)
	p := &Pricer{}
	w.call(base, 1000, 0, 0, 1000)
	w.call(base.Add(10*time.Second), 1000, 0, 0, 1000)
	if _, err := s.Update(p); err != nil {
		t.Fatal(err)
	}
	if got := s.Total().Calls; got != 0 {
		t.Errorf("within the resume's instant: %d calls counted, want them held", got)
	}
	w.call(base.Add(5*time.Minute), 1000, 0, 0, 1000)
	if _, err := s.Update(p); err != nil {
		t.Fatal(err)
	}
	if tot := s.Total(); tot.Calls != 3 || int64(tot.Cost) != 18_000_000_000 {
		t.Errorf("%d calls billed %d, want 3 billed 18000000000", tot.Calls, int64(tot.Cost))
	}
}

// The watch tree over a resumed session and the one it resumes bills each
// response once, as `tokenscope usage` does: per session, today, the
// 5-hour blocks, and the burn rate after the resume (23:16: the last 15
// minutes hold only the new call, not the copies stamped 23:05:46).
func TestTreeResumed(t *testing.T) {
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, "proj"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{resumedFile, resumedSource} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		appendBytes(t, filepath.Join(root, "proj", filepath.Base(f)), data)
	}
	tree := NewTree([]string{root})
	now := time.Date(2026, 2, 10, 23, 16, 0, 0, time.UTC)
	tree.Now = func() time.Time { return now }
	tree.Loc = time.UTC
	if w := tree.Load(); len(w) != 0 {
		t.Fatal(w)
	}
	want := map[string]int64{"0a7e4c2d-5b1f-4c3e-9d8a-6f2b1c0e9a47": resumedBilled, "d6e0bada-1959-4eec-a9d2-0bfade768d8f": sourceBilled}
	for _, l := range tree.Sessions() {
		if got := int64(l.Totals().Cost); got != want[l.ID] {
			t.Errorf("session %s billed %d, want %d", l.ID, got, want[l.ID])
		}
	}
	if got := int64(tree.Today().Cost); got != resumedBilled+sourceBilled {
		t.Errorf("today %d, want %d", got, resumedBilled+sourceBilled)
	}
	var blocks Totals
	for _, b := range tree.Blocks.List {
		blocks.Add(b.Totals)
	}
	if blocks.Calls != 5 || int64(blocks.Cost) != resumedBilled+sourceBilled {
		t.Errorf("blocks hold %d calls billed %d, want 5 billed %d", blocks.Calls, int64(blocks.Cost), resumedBilled+sourceBilled)
	}
	if b := tree.Burn(); b.Calls != 1 || int64(b.Cost) != resumedBilled {
		t.Errorf("burn %d calls %d, want 1 call %d", b.Calls, int64(b.Cost), resumedBilled)
	}
}
