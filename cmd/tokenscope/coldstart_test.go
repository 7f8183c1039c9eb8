package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tokenscope/tokenscope/profile/tokenize"
	"github.com/tokenscope/tokenscope/transcripts/synthetic"
)

// loadCases are commands run in a fresh process with the BPE tables each
// may load: none for those that bill reported usage or list prices, one
// (o200k_base's fast tables, not the oracle's) for counting a short text.
var loadCases = []struct {
	name   string
	args   []string
	stdin  string // a file whose content is the command's stdin
	want   string // a part of the output that shows the command did its work
	tables []string
}{
	{"version", []string{"version"}, "", "tokenscope", nil},
	{"usage", []string{"usage", ccFixture}, "", "priced by the embedded table", nil},
	{"usage-json", []string{"usage", "monthly", ccFixture, "--format", "json"}, "", `"cost_usd"`, nil},
	{"prices", []string{"prices"}, "", "grok-4", nil},
	{"prices-model", []string{"prices", "claude-sonnet-4-6"}, "", "claude-sonnet-4-6", nil},
	{"statusline", []string{"statusline"}, "statusline.json", "$0.", nil},
	{"count", []string{"count", "short.txt"}, "", "4 tokens · gpt-4o", []string{tokenize.O200kBase}},
}

// Commands that need no tokenizer load no BPE table, and count loads the
// one it needs, once: each case runs in a fresh process (this test binary
// again, calling run as main does), which reports the encodings it loaded,
// how many tables, and the bytes the command allocated.
func TestCommandsLoadTablesLazily(t *testing.T) {
	if args := os.Getenv("TOKENSCOPE_LOADS_ARGS"); args != "" {
		var out, errb bytes.Buffer
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		code := run(strings.Split(args, "\x1f"), &out, &errb)
		runtime.ReadMemStats(&after)
		fmt.Printf("\nCHILD %d %d %d %q %q\n", code, tokenize.TableLoads(), after.TotalAlloc-before.TotalAlloc,
			strings.Join(tokenize.LoadedEncodings(), ","), out.String()+errb.String())
		return
	}
	dir := t.TempDir()
	files := coldStartFiles(t, dir)
	for _, tc := range loadCases {
		t.Run(tc.name, func(t *testing.T) {
			args := withFiles(tc.args, files, dir)
			cmd := exec.Command(os.Args[0], "-test.run=^TestCommandsLoadTablesLazily$", "-test.count=1")
			cmd.Env = append(os.Environ(), "TOKENSCOPE_LOADS_ARGS="+strings.Join(args, "\x1f"), "NO_COLOR=1",
				"XDG_CACHE_HOME="+filepath.Join(dir, "cache"), "HOME="+dir)
			if tc.stdin != "" {
				cmd.Stdin = strings.NewReader(files[tc.stdin])
			}
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			j := bytes.LastIndex(out, []byte("\nCHILD "))
			if j < 0 {
				t.Fatalf("no report from the child:\n%s", out)
			}
			var code, loads, allocated int
			var encs, printed string
			if _, err := fmt.Sscanf(string(out[j+1:]), "CHILD %d %d %d %q %q", &code, &loads, &allocated, &encs, &printed); err != nil {
				t.Fatalf("child report: %v\n%s", err, out[j:])
			}
			if code != 0 || !strings.Contains(printed, tc.want) {
				t.Fatalf("exit %d, printed %q, want %q in it", code, printed, tc.want)
			}
			if want := strings.Join(tc.tables, ","); encs != want || loads != len(tc.tables) {
				t.Errorf("%s loaded %d tables (%q), want %d (%q)", strings.Join(tc.args, " "), loads, encs, len(tc.tables), want)
			}
			// Under 2 MiB, with the package inits' half a megabyte, the heap
			// stays below the runtime's first goal (4 MB): a short command
			// collects no garbage (a collection was 3.5 ms of count's CPU).
			t.Logf("%s allocated %d KiB", strings.Join(tc.args, " "), allocated>>10)
			if allocated > 2<<20 {
				t.Errorf("%s allocated %.1f MiB, want under 2 (no garbage collection at start-up; docs/performance.md, Cold start)", strings.Join(tc.args, " "), float64(allocated)/(1<<20))
			}
		})
	}
}

// BenchmarkColdStart guards the start-up of short commands, measured as a
// user sees it: the built binary run as a fresh process (package inits,
// flag set-up, tables loaded on first use), not the command called in
// this process. The binary is built once into a temporary directory, as
// scripts/release.sh builds it (-trimpath, -ldflags "-s -w"); the commands
// are loadCases: version, usage, prices, statusline and count of a short
// text. docs/performance.md ("Cold start") says what it measured.
func BenchmarkColdStart(b *testing.B) {
	dir := b.TempDir()
	bin := releaseBinary(b, dir)
	files := coldStartFiles(b, dir)
	for _, tc := range loadCases {
		args := withFiles(tc.args, files, dir)
		b.Run(tc.name, func(b *testing.B) {
			// CPU time and page faults of the process, beside wall time:
			// on a loaded machine the wall time is mostly waiting for a CPU.
			var cpu time.Duration
			var faults int64
			for b.Loop() {
				cmd := exec.Command(bin, args...)
				cmd.Env = append(os.Environ(), "NO_COLOR=1", "XDG_CACHE_HOME="+filepath.Join(dir, "cache"))
				if tc.stdin != "" {
					cmd.Stdin = strings.NewReader(files[tc.stdin])
				}
				out, err := cmd.Output()
				if err != nil {
					b.Fatalf("%s: %v", strings.Join(args, " "), err)
				}
				if !strings.Contains(string(out), tc.want) {
					b.Fatalf("%s printed %q, want %q in it", strings.Join(args, " "), out, tc.want)
				}
				cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
				if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
					faults += ru.Minflt + ru.Majflt
				}
			}
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(faults)/float64(b.N), "faults/op")
		})
	}
}

// coldStartFiles writes the inputs loadCases name into dir: a Claude Code
// status line's JSON and a short text.
func coldStartFiles(tb testing.TB, dir string) map[string]string {
	tb.Helper()
	in, err := json.Marshal(map[string]any{"transcript_path": realCC + "spotter/short.jsonl", "session_id": "s1"})
	if err != nil {
		tb.Fatal(err)
	}
	files := map[string]string{"statusline.json": string(in), "short.txt": "Hello, world!\n"}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return files
}

// withFiles is args with the names of files made paths in dir (test data
// paths stay relative to the package directory, where the process runs).
func withFiles(args []string, files map[string]string, dir string) []string {
	var out []string
	for _, a := range args {
		if _, ok := files[a]; ok {
			a = filepath.Join(dir, a)
		}
		out = append(out, a)
	}
	return out
}

// BenchmarkReportDistinct guards the full exact profile with per-call
// JSON rows (`report DIR --format json`) on a generated Claude Code tree
// of non-repeating text (synthetic.Distinct: 40 sessions, about 20 MB),
// the case a piece memo cannot flatter. Each iteration is a fresh process
// of the binary built as the release is: in one process the second
// report would find every text in the count cache the first one filled.
// It reports the process's CPU time beside the wall time: on a loaded
// machine compare cpu-ms/op.
func BenchmarkReportDistinct(b *testing.B) {
	dir := b.TempDir()
	tree := filepath.Join(dir, "projects")
	synthetic.Distinct = true
	n, _, err := synthetic.WriteClaudeCode(tree, 40, 500<<10, 1)
	synthetic.Distinct = false
	if err != nil {
		b.Fatal(err)
	}
	bin := releaseBinary(b, dir)
	b.SetBytes(n)
	var cpu time.Duration
	for b.Loop() {
		var out countingWriter
		var errOut strings.Builder
		cmd := exec.Command(bin, "report", tree, "--format", "json")
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Run(); err != nil {
			b.Fatalf("report: %v: %s", err, errOut.String())
		}
		if out.n == 0 {
			b.Fatal("report wrote nothing")
		}
		cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// releaseBinary builds tokenscope into dir as scripts/release.sh does.
func releaseBinary(b *testing.B, dir string) string {
	bin := filepath.Join(dir, "tokenscope")
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// countingWriter counts what is written and keeps none of it.
type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }
