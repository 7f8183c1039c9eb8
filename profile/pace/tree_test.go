package pace

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/tokenscope/tokenscope/profile/price"
)

// writer appends Claude Code lines to a session log as Claude Code does:
// a user turn, then an assistant response of claude-haiku-4-5 ($1 in, $5
// out, $0.10 read, $1.25 5-minute write per MTok).
type writer struct {
	t    testing.TB
	path string
	f    *os.File
	n    int
}

func newWriter(t testing.TB, path string) *writer {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return &writer{t: t, path: path, f: f}
}

// call appends one call at time at: in uncached input, read from the
// cache, written to it, out output tokens.
func (w *writer) call(at time.Time, in, read, write, out int) {
	w.n++
	ts := at.UTC().Format(time.RFC3339Nano)
	line := fmt.Sprintf(`{"type":"user","sessionId":"s","uuid":"u%d","timestamp":%q,"message":{"role":"user","content":"step"}}`+"\n"+
		`{"type":"assistant","sessionId":"s","uuid":"a%d","timestamp":%q,"requestId":"req%d","message":{"id":"msg%d","model":"claude-haiku-4-5","role":"assistant",`+
		`"content":[{"type":"text","text":"done"}],"usage":{"input_tokens":%d,"cache_read_input_tokens":%d,"cache_creation_input_tokens":%d,"output_tokens":%d}}}`+"\n",
		w.n, ts, w.n, ts, w.n, w.n, in, read, write, out)
	if _, err := w.f.WriteString(line); err != nil {
		w.t.Fatal(err)
	}
}

// half writes the start of a line without its end.
func (w *writer) raw(s string) {
	if _, err := w.f.WriteString(s); err != nil {
		w.t.Fatal(err)
	}
}

// A timeline worked by hand, on a fake clock. Session A (project p1) makes
// calls at 10:00, 10:05, 10:10 of 1,000 in and 1,000 out each: $0.006 a
// call. Its subagent makes one at 10:12 of 10,000 read and 100 out: $0.0015.
// At 10:14 the last 15 minutes hold A's three calls and the agent's:
// $0.0195, $0.078/h; tokens 6,000 + 10,100 = 16,100 in 15 min, 1,073.3 a
// minute. A new session B appears at 10:14 (one call, 2,000 written:
// $0.0025) and becomes the newest; a half-written line waits.
func TestTreeFollowsAppends(t *testing.T) {
	root := t.TempDir()
	now := time.Date(2026, 3, 2, 10, 14, 0, 0, time.UTC)
	tree := NewTree([]string{root})
	tree.Now = func() time.Time { return now }
	tree.Loc = time.UTC
	a := newWriter(t, filepath.Join(root, "p1", "A.jsonl"))
	base := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	a.call(base, 1000, 0, 0, 1000)
	tree.Load()
	for i := 1; i < 3; i++ {
		a.call(base.Add(time.Duration(5*i)*time.Minute), 1000, 0, 0, 1000)
		tree.Changed(a.path)
	}
	agent := newWriter(t, filepath.Join(root, "p1", "A", "subagents", "agent-x1.jsonl"))
	agent.call(base.Add(12*time.Minute), 0, 10000, 0, 100)
	tree.Changed(agent.path)

	ss := tree.Sessions()
	if len(ss) != 1 || ss[0].Project != "p1" || ss[0].ID != "A" {
		t.Fatalf("sessions %+v", ss)
	}
	tot := ss[0].Totals()
	if tot.Calls != 4 || tot.Cost != price.Money(19_500_000_000) || ss[0].Session.AgentTotals().Cost != price.Money(1_500_000_000) {
		t.Errorf("A: %d calls, %s (agents %s); want 4, $0.0195 ($0.0015)", tot.Calls, tot.Cost, ss[0].Session.AgentTotals().Cost)
	}
	b := tree.Burn()
	if b.PerHour() != price.Money(78_000_000_000) || b.Tokens != 16100 {
		t.Errorf("burn %s/h, %d tokens; want $0.078/h, 16,100", b.PerHour(), b.Tokens)
	}

	bw := newWriter(t, filepath.Join(root, "p2", "B.jsonl"))
	bw.call(now, 0, 0, 2000, 0)
	bw.raw(`{"type":"assistant","timestamp":"2026-03-02T10:14:00Z","requestId":"r9","message":{"id":"m9","model":"claude-haiku-4-5",`)
	tree.Changed(bw.path)
	ss = tree.Sessions()
	if len(ss) != 2 || ss[0].ID != "B" || ss[0].Totals().Cost != price.Money(2_500_000_000) || !tree.Active(ss[0]) {
		t.Fatalf("after B: %+v", ss)
	}
	// Today: $0.0195 + $0.0025; the block 10:00–15:00 holds all.
	if d := tree.Today(); d.Cost != price.Money(22_000_000_000) || d.Calls != 5 {
		t.Errorf("today %s, %d calls", d.Cost, d.Calls)
	}
	cur := tree.Blocks.Current(now)
	if cur == nil || cur.Cost != price.Money(22_000_000_000) || !cur.Start.Equal(base) {
		t.Errorf("block %+v", cur)
	}
	// The half line ends: the call it was is counted once, whole.
	bw.raw(`"role":"assistant","content":[],"usage":{"input_tokens":0,"output_tokens":200}}}` + "\n")
	tree.Changed(bw.path)
	if got := tree.Sessions()[0].Totals(); got.Calls != 2 || got.Cost != price.Money(3_500_000_000) {
		t.Errorf("B after the line ended: %d calls, %s; want 2, $0.0035", got.Calls, got.Cost)
	}
	// Twenty minutes later A is no longer active, and nothing burns.
	now = now.Add(20 * time.Minute)
	if tree.Active(tree.Sessions()[1]) || tree.Burn().Calls != 0 {
		t.Error("still active or burning 20 minutes on")
	}
}

// An hour of simulated time, a call every 5 seconds into one session with
// a subagent: the memory held stays flat (what is kept grows with
// sessions, days and blocks, not calls).
func TestTreeMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("appends 1,440 calls")
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	tree, step := simulated(t)
	for i := 0; i < 120; i++ { // ten minutes, to fill the 15-minute windows' steady state
		step(i)
	}
	for i := 120; i < 240; i++ {
		step(i)
	}
	after20 := heap()
	for i := 240; i < 720; i++ { // to the hour
		step(i)
	}
	after60 := heap()
	if after60 > after20+256<<10 {
		t.Errorf("heap grew from %d to %d bytes between minute 20 and 60", after20, after60)
	}
	if n := len(tree.Sessions()[0].Session.Main.Recent); n > 200 {
		t.Errorf("%d recent calls kept; the last 15 minutes hold 180", n)
	}
}

// simulated returns a tree on a fresh session and a step that appends call
// i (5 s apart) and reads it, the fake clock at the call.
func simulated(t testing.TB) (*Tree, func(i int)) {
	root := t.TempDir()
	base := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	now := base
	tree := NewTree([]string{root})
	tree.Now = func() time.Time { return now }
	w := newWriter(t, filepath.Join(root, "p", "S.jsonl"))
	ag := newWriter(t, filepath.Join(root, "p", "S", "subagents", "agent-a.jsonl"))
	return tree, func(i int) {
		now = base.Add(time.Duration(i) * 5 * time.Second)
		if i%10 == 9 {
			ag.call(now, 10, 20000, 500, 50)
			tree.Changed(ag.path)
			return
		}
		w.call(now, 10, 30000+i*10, 500, 80)
		tree.Changed(w.path)
	}
}

// BenchmarkTreeHourOfAppends appends an hour of simulated calls (one every
// 5 s) and reports the heap held at the end.
func BenchmarkTreeHourOfAppends(b *testing.B) {
	for b.Loop() {
		tree, step := simulated(b)
		for i := 0; i < 720; i++ {
			step(i)
		}
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		b.ReportMetric(float64(m.HeapAlloc), "heap-bytes")
		_ = tree
	}
}

// A Codex log is read again whole when it changes: its calls count once in
// today's spend and the blocks however often it changes. The real rollout
// (transcripts/testdata/codex) makes 7 calls.
func TestTreeRereadsOtherFormats(t *testing.T) {
	root := t.TempDir()
	src, err := os.ReadFile("../../transcripts/testdata/codex/sessions/2025/12/09/rollout-2025-12-09T19-55-16-019b04ae-b1c6-7c72-a134-a4c2de66058c.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(root, "rollout.jsonl")
	if err := os.WriteFile(path, src, 0o644); err != nil {
		t.Fatal(err)
	}
	tree := NewTree([]string{root})
	tree.Load()
	ss := tree.Sessions()
	if len(ss) != 1 || ss[0].Whole == nil || ss[0].Totals().Calls != 7 {
		t.Fatalf("sessions %+v", ss)
	}
	day := ss[0].Changed
	tree.Now = func() time.Time { return day }
	once := tree.Today()
	for range 3 {
		tree.Changed(path)
	}
	if again := tree.Today(); again != once || once.Calls != 7 {
		t.Errorf("today after re-reads %+v, first %+v", again, once)
	}
	var blocks Totals
	for _, b := range tree.Blocks.List {
		blocks.Add(b.Totals)
	}
	if blocks.Calls != 7 || blocks.Cost != once.Cost {
		t.Errorf("blocks hold %d calls, %s", blocks.Calls, blocks.Cost)
	}
}
