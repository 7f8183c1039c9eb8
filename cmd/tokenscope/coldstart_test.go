package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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
