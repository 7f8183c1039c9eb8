package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenscope/tokenscope/transcripts/synthetic"
)

// BenchmarkColdStart guards the start-up of short commands, measured as a
// user sees it: the built binary run as a fresh process (package inits,
// flag set-up, tables loaded on first use), not the command called in
// this process. The binary is built once into a temporary directory.
// docs/performance.md ("Cold start") says what it measured.
func BenchmarkColdStart(b *testing.B) {
	dir := b.TempDir()
	bin := filepath.Join(dir, "tokenscope")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	text := filepath.Join(dir, "short.txt")
	if err := os.WriteFile(text, []byte("Hello, world!\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string // a part of the output that shows the command did its work
	}{
		{"version", []string{"version"}, "tokenscope"},
		{"count", []string{"count", text}, "4 tokens · gpt-4o"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				out, err := exec.Command(bin, tc.args...).Output()
				if err != nil {
					b.Fatalf("%s: %v", strings.Join(tc.args, " "), err)
				}
				if !strings.Contains(string(out), tc.want) {
					b.Fatalf("%s printed %q, want %q in it", strings.Join(tc.args, " "), out, tc.want)
				}
			}
		})
	}
}

// BenchmarkReportDistinct guards the full exact profile with per-call
// JSON rows (`report DIR --format json`) on a generated Claude Code tree
// of non-repeating text (synthetic.Distinct: 40 sessions,
// about 20 MB), the case a piece memo cannot flatter. Counting runs on
// every core file by file, and the rows are simulated on one goroutine
// while written on another; compare CPU time (-benchtime with
// /usr/bin/time, or -cpuprofile) on a loaded machine, not ns/op alone.
func BenchmarkReportDistinct(b *testing.B) {
	dir := b.TempDir()
	synthetic.Distinct = true
	n, _, err := synthetic.WriteClaudeCode(dir, 40, 500<<10, 1)
	synthetic.Distinct = false
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(n)
	for b.Loop() {
		var out countingWriter
		var errOut strings.Builder
		if code := run([]string{"report", dir, "--format", "json"}, &out, &errOut); code != 0 {
			b.Fatalf("report: exit %d: %s", code, errOut.String())
		}
		if out.n == 0 {
			b.Fatal("report wrote nothing")
		}
	}
}

// countingWriter counts what is written and keeps none of it.
type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }
