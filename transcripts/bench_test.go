package transcripts

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkReadClaudeCode reads a generated 20 MB projects directory.
func BenchmarkReadClaudeCode(b *testing.B) {
	dir := b.TempDir()
	n, responses, err := WriteClaudeCode(dir, 40, 500<<10, 2)
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

// The reported sums of a Claude Code directory equal a plain sum of its
// usage, each response counted once with its last line's figures.
func TestClaudeCodeReportedSums(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := WriteClaudeCode(dir, 6, 64<<10, 3); err != nil {
		t.Fatal(err)
	}
	// Plain sum, independent of the reader: last line per message id +
	// request id.
	type usage struct{ in, out, read, write int64 }
	last := map[string]usage{}
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.jsonl"))
	for _, f := range files {
		data, _ := os.ReadFile(f)
		for _, line := range strings.Split(string(data), "\n") {
			var l struct {
				RequestID string `json:"requestId"`
				Message   struct {
					ID    string `json:"id"`
					Usage *struct {
						In    int64 `json:"input_tokens"`
						Out   int64 `json:"output_tokens"`
						Read  int64 `json:"cache_read_input_tokens"`
						Write int64 `json:"cache_creation_input_tokens"`
					} `json:"usage"`
				} `json:"message"`
			}
			if json.Unmarshal([]byte(line), &l) != nil || l.Message.Usage == nil {
				continue
			}
			u := l.Message.Usage
			last[l.Message.ID+"/"+l.RequestID] = usage{u.In, u.Out, u.Read, u.Write}
		}
	}
	var want usage
	for _, u := range last {
		want.in += u.in + u.read + u.write
		want.out += u.out
		want.read += u.read
		want.write += u.write
	}
	src, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got usage
	calls := 0
	for _, c := range src.Conversations {
		for _, m := range c.Messages {
			if m.Role == RoleAssistant && !m.Replayed && m.Usage != nil {
				calls++
				got.in += m.Usage.InputTokens
				got.out += m.Usage.OutputTokens
				got.read += m.Usage.CachedInputTokens
				got.write += m.Usage.CacheWriteTokens
			}
		}
	}
	if got != want || calls != len(last) {
		t.Errorf("reader: %+v in %d calls, plain sum: %+v in %d responses", got, calls, want, len(last))
	}
}

var ccDir = flag.String("cc-dir", "", "an existing Claude Code projects directory for BenchmarkOpenClaudeCodeDir (default: a generated 20 MB one)")

// ccBenchDir is -cc-dir, or a generated 20 MB projects directory.
func ccBenchDir(b *testing.B) (dir string, bytes int64) {
	b.Helper()
	if *ccDir != "" {
		err := filepath.WalkDir(*ccDir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				if info, err := d.Info(); err == nil {
					bytes += info.Size()
				}
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		return *ccDir, bytes
	}
	dir = b.TempDir()
	n, _, err := WriteClaudeCode(dir, 40, 500<<10, 2)
	if err != nil {
		b.Fatal(err)
	}
	return dir, n
}

// BenchmarkOpenClaudeCodeDir opens a whole Claude Code projects directory
// (-cc-dir, e.g. the 100 MB tree of TestWriteClaudeCodeDir).
func BenchmarkOpenClaudeCodeDir(b *testing.B) {
	dir, n := ccBenchDir(b)
	b.SetBytes(n)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		src, err := Open(dir, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if len(src.Conversations) == 0 {
			b.Fatal("no conversations")
		}
	}
}
