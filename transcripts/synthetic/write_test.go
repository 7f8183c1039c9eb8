package synthetic

import (
	"flag"
	"os"
	"testing"
)

var (
	ccOut   = flag.String("cc-out", "", "write a synthetic ~100 MB Claude Code projects directory here (TestWriteClaudeCodeDir)")
	ccScale = flag.Int("cc-scale", 1, "with -cc-out, write N times as many sessions (~N×100 MB), all distinct")
	ccText  = flag.String("cc-text", "demo", "with -cc-out, the text the sessions are cut from: demo (passages of the demo, numbered) or distinct (DistinctText)")
	textOut = flag.String("distinct-out", "", "write 10 MiB of DistinctText (seed 1) to this file (TestWriteDistinctText)")
)

// TestWriteDistinctText writes the distinct corpus the counting benchmark
// script uses. Skipped without -distinct-out.
func TestWriteDistinctText(t *testing.T) {
	if *textOut == "" {
		t.Skip("pass -distinct-out FILE")
	}
	if err := os.WriteFile(*textOut, []byte(DistinctText(1, 10<<20)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestWriteClaudeCodeDir writes the directory the performance figures in
// docs/performance.md use. Skipped without -cc-out.
func TestWriteClaudeCodeDir(t *testing.T) {
	if *ccOut == "" {
		t.Skip("pass -cc-out DIR")
	}
	Distinct = *ccText == "distinct"
	defer func() { Distinct = false }()
	n, responses, err := WriteClaudeCode(*ccOut, 200*max(*ccScale, 1), 500<<10, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %d MB, %d responses", n>>20, responses)
}
