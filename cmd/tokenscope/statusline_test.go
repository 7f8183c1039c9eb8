package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tokenscope/tokenscope/profile/tokenize"
)

const realCC = "../../transcripts/testdata/real/claude_code/"

// statusRun runs the command as Claude Code does: input on stdin.
func statusRun(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	root := newRoot(&out)
	root.SetArgs(append([]string{"statusline"}, args...))
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(&out)
	root.SetErr(&errb)
	if err := root.Execute(); err != nil {
		return 2, out.String(), err.Error()
	}
	return 0, out.String(), errb.String()
}

func statusJSON(t *testing.T, v map[string]any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// copyFile copies a testdata log to dst, making its directories.
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// The billed cost of real sessions, against the figures worked out from
// their raw usage in transcripts/testdata/README (pico-dollars):
// subagent.jsonl 519,593,000,000 → $0.5196; 258c7280 918,278,000,000 →
// $0.9183; short + its two subagents 144,447,500,000 + 86,663,700,000 +
// 90,143,250,000 = 321,254,450,000 → $0.3213, of which 176,806,950,000
// → $0.1768 the subagents'. What caching saved (every read and write
// priced as uncached input, less billed), worked the same way in python:
// subagent.jsonl $1.793577; short and its agents −$0.0173575 +
// $0.0649293 + $0.28475775 = $0.33232955.
func TestStatuslineBilledCost(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	dir := t.TempDir()
	session := filepath.Join(dir, "projects", "-home-dev-shop", "5e55")
	copyFile(t, realCC+"spotter/short.jsonl", session+".jsonl")
	copyFile(t, realCC+"spotter-agents/ae4a77f8-aedd-4bc1-888f-c94edc91af04/subagents/agent-aac57f5.jsonl", session+"/subagents/agent-aac57f5.jsonl")
	copyFile(t, realCC+"spotter-agents/fa812bfe-b295-4cca-9c2f-fdf01028cb46/subagents/agent-a93ccab.jsonl", session+"/subagents/agent-a93ccab.jsonl")
	for _, tc := range []struct {
		name, transcript, want string
	}{
		{"one session", realCC + "spotter/subagent.jsonl", "$0.5196 (caching saved $1.79) · "},
		{"cut session", realCC + "spotter/258c7280-ae70-4798-800f-63464d01a85d.jsonl", "$0.9183 (caching saved "},
		{"with subagents", session + ".jsonl", "$0.3213 (caching saved $0.3323) · of which subagents $0.1768, 2 agents · cache "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := statusJSON(t, map[string]any{"session_id": "s-" + tc.name, "transcript_path": tc.transcript})
			code, out, errs := statusRun(t, in, "--state-dir", filepath.Join(dir, "state"))
			if code != 0 || errs != "" {
				t.Fatalf("exit %d, stderr %q", code, errs)
			}
			if !strings.HasPrefix(out, tc.want) {
				t.Errorf("line %q, want it to start %q", out, tc.want)
			}
			// A second run reads nothing new and says the same.
			if _, again, _ := statusRun(t, in, "--state-dir", filepath.Join(dir, "state")); again != out {
				t.Errorf("second run %q, first %q", again, out)
			}
		})
	}
}

// A resumed session (transcripts/testdata/claude_code_resumed) bills only
// its own call, as `tokenscope usage` bills it ($0.0286): claude-opus-4-6,
// 3 in ($5/MTok), 19 out ($25), 27,666 read ($0.50), 1,425 written for an
// hour ($10): 15 + 475 + 13,833 + 14,250 = 28,573 micro-dollars; caching
// saved (3 + 1,425 + 27,666) × $5 + 475 − 28,573 = 117,372 micro-dollars.
// The 4 responses it copies from the session it resumes ($0.2266 there)
// are not counted again, whether the file is read whole or line by line
// as Claude Code writes it, the state kept between runs.
func TestStatuslineResumed(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	const resumed = "../../transcripts/testdata/claude_code_resumed/0a7e4c2d-5b1f-4c3e-9d8a-6f2b1c0e9a47.jsonl"
	const want = "$0.0286 (caching saved $0.1174) · "
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	whole := statusJSON(t, map[string]any{"session_id": "whole", "transcript_path": resumed})
	if _, out, _ := statusRun(t, whole, "--state-dir", state); !strings.HasPrefix(out, want) {
		t.Errorf("whole: %q, want it to start %q", out, want)
	}
	src, err := os.ReadFile(resumed)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "p", "0a7e4c2d.jsonl")
	copyFile(t, realCC+"spotter/short.jsonl", path) // make the dirs
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	in := statusJSON(t, map[string]any{"session_id": "lines", "transcript_path": path})
	var out string
	for _, line := range bytes.SplitAfter(src, []byte("\n")) {
		if _, err := f.Write(line); err != nil {
			t.Fatal(err)
		}
		_, out, _ = statusRun(t, in, "--state-dir", state)
		if strings.HasPrefix(out, "$0.2") {
			t.Fatalf("after %q…: %q counts the copies", line[:min(len(line), 40)], out)
		}
	}
	if !strings.HasPrefix(out, want) {
		t.Errorf("line by line: %q, want it to start %q", out, want)
	}
}

// What caching saved on subagent.jsonl, worked by hand from its usage:
// the line's figure is uncached-equivalent cost less billed cost.
func TestStatuslineIncremental(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	dir := t.TempDir()
	src, err := os.ReadFile(realCC + "spotter/tool_heavy.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(src, []byte("\n"))
	half := len(lines) / 2
	path := filepath.Join(dir, "p", "s.jsonl")
	copyFile(t, realCC+"spotter/short.jsonl", path) // make the dirs
	if err := os.WriteFile(path, bytes.Join(lines[:half], nil), 0o644); err != nil {
		t.Fatal(err)
	}
	in := statusJSON(t, map[string]any{"session_id": "inc", "transcript_path": path})
	state := filepath.Join(dir, "state")
	_, first, _ := statusRun(t, in, "--state-dir", state, "--fields", "cost")
	// The rest arrives, the last line without its newline first.
	rest := bytes.Join(lines[half:], nil)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(rest[:len(rest)-1]); err != nil {
		t.Fatal(err)
	}
	_, _, _ = statusRun(t, in, "--state-dir", state, "--fields", "cost")
	if _, err := f.Write(rest[len(rest)-1:]); err != nil {
		t.Fatal(err)
	}
	_, last, _ := statusRun(t, in, "--state-dir", state, "--fields", "cost")
	if first == last || !strings.HasPrefix(last, "$0.2266 ") {
		t.Errorf("after the rest was appended: %q (first half %q), want $0.2266 (226,645,500,000 pico-dollars)", last, first)
	}
	var st statusState
	data, err := os.ReadFile(filepath.Join(state, "inc.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	if st.Session.Main.Tail.Offset != int64(len(src)) {
		t.Errorf("state offset %d, want the file's %d bytes", st.Session.Main.Tail.Offset, len(src))
	}
	// A run with nothing new to read leaves the state file alone.
	info, err := os.Stat(filepath.Join(state, "inc.json"))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	statusRun(t, in, "--state-dir", state, "--fields", "cost")
	if again, err := os.Stat(filepath.Join(state, "inc.json")); err != nil || !again.ModTime().Equal(info.ModTime()) {
		t.Errorf("state rewritten with nothing new: %v", err)
	}
}

// Every field is optional, and input that is not the JSON expected gives
// a short line, exit 0, nothing on stderr.
func TestStatuslineMissingFieldsAndBadInput(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	state := t.TempDir()
	resets := time.Now().Add(2*time.Hour + 30*time.Second).Unix()
	for _, tc := range []struct {
		name, in, want string
		args           []string
	}{
		{"empty", "", "tokenscope: no session data\n", nil},
		{"blank", " \n", "tokenscope: no session data\n", nil},
		{"not json", "{bad", "tokenscope: unreadable session data\n", nil},
		{"wrong type", `{"session_id": 7}`, "tokenscope: unreadable session data\n", nil},
		{"array", `[1,2]`, "tokenscope: unreadable session data\n", nil},
		{"null", `null`, "tokenscope: no usage yet\n", nil},
		{"no fields", `{}`, "tokenscope: no usage yet\n", nil},
		{"context only", `{"context_window":{"used_percentage":31.7}}`, "ctx 31%\n", nil},
		{"estimate only", `{"cost":{"total_cost_usd":1.234}}`, "~$1.23 (Claude Code's estimate)\n", nil},
		{"five hours", fmt.Sprintf(`{"rate_limits":{"five_hour":{"used_percentage":42,"resets_at":%d}}}`, resets),
			"5h 42% ↻2h00m\n", nil},
		{"model field", `{"model":{"display_name":"Opus\u001b[31m 4.6"}}`, "Opus?[31m 4.6\n", []string{"--fields", "model"}},
		{"no transcript yet", `{"session_id":"x","transcript_path":"/nonexistent/x.jsonl"}`,
			"tokenscope: no usage yet\n", nil},
		{"no transcript yet, estimate", `{"session_id":"x","transcript_path":"/nonexistent/x.jsonl","cost":{"total_cost_usd":0}}`,
			"~$0.00 (Claude Code's estimate)\n", nil},
		{"transcript a directory", `{"session_id":"y","transcript_path":"."}`,
			"tokenscope: cannot read the transcript\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := statusRun(t, tc.in, append([]string{"--state-dir", state}, tc.args...)...)
			if code != 0 || errs != "" || out != tc.want {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 0, %q", code, out, errs, tc.want)
			}
		})
	}
	if code, _, errs := statusRun(t, "{}", "--fields", "cost,nope"); code != 2 || !strings.Contains(errs, `"nope" is not a field`) {
		t.Errorf("unknown field: exit %d, %q", code, errs)
	}
}

// Burn rate and the /compact finding on a hand-made timeline: three calls
// of claude-opus-4-6 within the last 15 minutes (reads $0.50/MTok).
//
//	call 1: 10,000 written, 10 in, 100 out        context 10,010
//	call 2: 10,000 read, 20,000 written, 10 in    context 30,010
//	call 3: 30,000 read, 20,000 written, 10 in    context 50,010
//
// Billed: writes 50,000 × $6.25/M = $0.3125; reads 40,000 × $0.50/M =
// $0.02; input 30 × $5/M = $0.00015; output 300 × $25/M = $0.0075;
// total $0.34015 over 15 min = $1.3606/h. The context beyond the first
// call is 40,000 tokens, read 3 times in 15 min: 40,000 × $0.50/M × 12 =
// $0.24/h.
func TestStatuslineBurnAndFinding(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var b strings.Builder
	for i, u := range []struct{ read, write int }{{0, 10000}, {10000, 20000}, {30000, 20000}} {
		at := now.Add(time.Duration(-10+4*i) * time.Minute).Format(time.RFC3339)
		fmt.Fprintf(&b, `{"type":"user","timestamp":%q,"message":{"role":"user","content":"go"}}`+"\n", at)
		fmt.Fprintf(&b, `{"type":"assistant","timestamp":%q,"requestId":"r%d","message":{"id":"m%d","model":"claude-opus-4-6","role":"assistant","content":[{"type":"text","text":"ok"}],"usage":{"input_tokens":10,"cache_read_input_tokens":%d,"cache_creation_input_tokens":%d,"output_tokens":100}}}`+"\n", at, i, i, u.read, u.write)
	}
	path := filepath.Join(dir, "s.jsonl")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	in := statusJSON(t, map[string]any{"transcript_path": path})
	opt := statusOptions{stateDir: dir, now: func() time.Time { return now }, fields: []string{"cost", "burn", "finding"}}
	got := statusline(strings.NewReader(in), opt)
	// Saved: uncached, the 90,030 input tokens would cost $0.45015; billed,
	// the input side cost $0.33265: caching saved $0.1175.
	want := "$0.3402 (caching saved $0.1175) · $1.36/h · compact: −$0.2400/h"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	// Twenty minutes on, nothing is in the window: no burn, no finding.
	opt.now = func() time.Time { return now.Add(20 * time.Minute) }
	if got := statusline(strings.NewReader(in), opt); got != "$0.3402 (caching saved $0.1175)" {
		t.Errorf("later: %q", got)
	}
}

// The statusline loads no BPE table: run in a fresh process (this test
// binary again), it must leave the tokenizer's encodings unloaded and
// allocate a few MB at most (loading o200k_base alone allocates tens).
func TestStatuslineLoadsNoTokenizer(t *testing.T) {
	if os.Getenv("TOKENSCOPE_STATUSLINE_CHILD") != "" {
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		in := statusJSON(t, map[string]any{"transcript_path": realCC + "spotter/subagent.jsonl"})
		line := statusline(strings.NewReader(in), statusOptions{stateDir: t.TempDir(), now: time.Now})
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		fmt.Printf("\nCHILD %d %q %q\n", after.TotalAlloc-before.TotalAlloc, strings.Join(tokenize.LoadedEncodings(), ","), line)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestStatuslineLoadsNoTokenizer$", "-test.count=1")
	cmd.Env = append(os.Environ(), "TOKENSCOPE_STATUSLINE_CHILD=1", "NO_COLOR=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	i := bytes.Index(out, []byte("CHILD "))
	if i < 0 {
		t.Fatalf("no report from the child:\n%s", out)
	}
	f := strings.SplitN(strings.SplitN(string(out[i+6:]), "\n", 2)[0], " ", 3)
	alloc, _ := strconv.ParseInt(f[0], 10, 64)
	if f[1] != `""` {
		t.Errorf("statusline loaded encodings %s", f[1])
	}
	if alloc > 6<<20 {
		t.Errorf("statusline allocated %d bytes", alloc)
	}
	if !strings.HasPrefix(f[2], `"$0.5196`) {
		t.Errorf("child printed %s", f[2])
	}
	t.Logf("allocated %d bytes: %s", alloc, f[2])
}
