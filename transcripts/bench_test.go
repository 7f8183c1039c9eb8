package transcripts

import (
	"flag"
	"testing"
)

var ccOut = flag.String("cc-out", "", "write a synthetic ~100 MB Claude Code projects directory here (TestWriteClaudeCodeDir)")

// TestWriteClaudeCodeDir writes the directory README's performance figures
// use. Skipped without -cc-out.
func TestWriteClaudeCodeDir(t *testing.T) {
	if *ccOut == "" {
		t.Skip("pass -cc-out DIR")
	}
	n, responses, err := WriteSyntheticClaudeCode(*ccOut, 200, 500<<10, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %d MB, %d responses", n>>20, responses)
}

// BenchmarkReadClaudeCode reads a generated 20 MB projects directory.
func BenchmarkReadClaudeCode(b *testing.B) {
	dir := b.TempDir()
	n, responses, err := WriteSyntheticClaudeCode(dir, 40, 500<<10, 2)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(n)
	b.ResetTimer()
	for range b.N {
		src, err := Open(dir, Options{})
		if err != nil {
			b.Fatal(err)
		}
		calls := 0
		for _, c := range src.Conversations {
			calls += c.Calls()
		}
		if calls != responses {
			b.Fatalf("%d calls, %d responses written", calls, responses)
		}
	}
}
