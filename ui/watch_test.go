package ui

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/tokenscope/tokenscope/profile/pace"
)

// ccWriter appends Claude Code calls of claude-haiku-4-5 to a log.
type ccWriter struct {
	t    *testing.T
	path string
	n    int
}

func (w *ccWriter) call(at time.Time, read, out int) {
	w.t.Helper()
	if err := os.MkdirAll(filepath.Dir(w.path), 0o755); err != nil {
		w.t.Fatal(err)
	}
	f, err := os.OpenFile(w.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		w.t.Fatal(err)
	}
	defer f.Close()
	w.n++
	ts := at.UTC().Format(time.RFC3339)
	fmt.Fprintf(f, `{"type":"user","sessionId":"s","uuid":"u%d","timestamp":%q,"message":{"role":"user","content":"go"}}`+"\n", w.n, ts)
	fmt.Fprintf(f, `{"type":"assistant","sessionId":"s","uuid":"a%d","timestamp":%q,"requestId":"r%d","message":{"id":"m%d","model":"claude-haiku-4-5","role":"assistant","content":[],"usage":{"input_tokens":10,"cache_read_input_tokens":%d,"cache_creation_input_tokens":1000,"output_tokens":%d}}}`+"\n",
		w.n, ts, w.n, w.n, read, out)
}

// fakeClock is a clock the test moves while the follower reads it.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// The watch page on a fake clock with a writer appending: an appended call
// changes the row, a new session adds one, the session screen follows the
// newest call until the user moves back, and stays put as calls arrive.
// The page is driven as the program drives it: each snapshot the follower
// sends goes through Update.
func TestWatchPageFollows(t *testing.T) {
	root := t.TempDir()
	base := time.Date(2026, 3, 2, 10, 0, 0, 0, time.Local)
	clock := &fakeClock{t: base}
	a := &ccWriter{t: t, path: filepath.Join(root, "shop", "aaaa.jsonl")}
	a.call(base, 0, 100) // 10 in, 1,000 written, 100 out of haiku-4-5: $0.00176
	tree := pace.NewTree([]string{root})
	tree.Now = clock.now
	changes := make(chan string, 8)
	var m tea.Model = NewWatch(WatchConfig{Tree: tree, Changes: changes, Refresh: 10 * time.Millisecond})
	m, _ = m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	next := m.Init()
	screen := func() string { return ansi.Strip(m.(WatchModel).content()) }
	until := func(want string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for !strings.Contains(screen(), want) {
			if time.Now().After(deadline) {
				t.Fatalf("no %q on the screen:\n%s", want, screen())
			}
			m, next = m.Update(next())
		}
	}
	key := func(k tea.KeyPressMsg) { m, _ = m.Update(k) }
	until("shop/aaaa")
	until("$0.00176")
	// A minute later a call of 10 in, 5,000 read, 1,000 written, 200 out:
	// $0.00001 + $0.0005 + $0.00125 + $0.001 = $0.00276; $0.00452 in all.
	clock.set(base.Add(time.Minute))
	a.call(base.Add(time.Minute), 5000, 200)
	changes <- a.path
	until("$0.00452")
	// A new session adds a row and, newest, comes first.
	b := &ccWriter{t: t, path: filepath.Join(root, "shop", "bbbb.jsonl")}
	clock.set(base.Add(2 * time.Minute))
	b.call(base.Add(2*time.Minute), 0, 100)
	changes <- b.path
	until("2 sessions · 2 active")
	if rows := strings.Split(screen(), "\n"); !strings.Contains(rows[6], "shop/bbbb") {
		t.Errorf("bbbb is not the first row:\n%s", screen())
	}
	// Until the user moves it, the cursor rides the newest session; open
	// bbbb: calls appended are followed.
	key(tea.KeyPressMsg{Code: 'g', Text: "g"})
	key(tea.KeyPressMsg{Code: tea.KeyEnter})
	until("following the newest")
	for i := 3; i <= 5; i++ {
		clock.set(base.Add(time.Duration(i) * time.Minute))
		b.call(base.Add(time.Duration(i)*time.Minute), 1000*i, 100)
		changes <- b.path
	}
	until("4 calls · ")
	until("10:05:00")
	key(tea.KeyPressMsg{Code: 'k', Text: "k"})
	until("1 newer below")
	clock.set(base.Add(6 * time.Minute))
	b.call(base.Add(6*time.Minute), 6000, 100)
	changes <- b.path
	until("5 calls · ")
	until("2 newer below") // the user's place held while a call arrived
	if strings.Contains(screen(), "10:06:00") {
		t.Errorf("the screen moved to the new call:\n%s", screen())
	}
	key(tea.KeyPressMsg{Code: 'f', Text: "f"})
	until("10:06:00")
	for i, line := range strings.Split(screen(), "\n") {
		if w := ansi.StringWidth(line); w > 80 {
			t.Errorf("line %d is %d wide: %q", i, w, line)
		}
	}
	key(tea.KeyPressMsg{Code: tea.KeyEscape})
	until("↑↓ move · enter open")
	m.(WatchModel).cancel()
}

// The page runs as a program at 80×24 without colour, shows the sessions
// and quits on q.
func TestWatchProgram(t *testing.T) {
	tree := pace.NewTree([]string{"../transcripts/testdata/real/claude_code/spotter"})
	tm := teatest.NewTestModel(t, NewWatch(WatchConfig{Tree: tree}),
		teatest.WithInitialTermSize(80, 24), teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("spotter/tool_heavy")) },
		teatest.WithDuration(5*time.Second))
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

// The list's text for pipes: every session, plain.
func TestWatchText(t *testing.T) {
	tree := pace.NewTree([]string{"../transcripts/testdata/real/claude_code/spotter"})
	tree.Load()
	out := WatchText(tree, nil, 100)
	for _, want := range []string{"5 sessions · 0 active", "spotter/258c7280-ae70-4798-800f-63464d01a85d", "$0.9183", "$0.5196"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Error("escape sequences in the text")
	}
}

// The watch page over a resumed session and the one it resumes
// (transcripts/testdata/claude_code_resumed) bills each response once, as
// `tokenscope usage` does: the resumed session its own call, $0.0286
// (28,573 micro-dollars), the other its 4, $0.2266; today $0.2552. At
// 23:16 the last 15 minutes hold only the new call (23:06:05), not the 4
// copies stamped with the resume time (23:05:46): 28,573 × 4 = 114,292
// micro-dollars an hour, $0.1143/h.
func TestWatchTextResumed(t *testing.T) {
	tree := pace.NewTree([]string{"../transcripts/testdata/claude_code_resumed"})
	tree.Now = func() time.Time { return time.Date(2026, 2, 10, 23, 16, 0, 0, time.UTC) }
	tree.Loc = time.UTC
	tree.Load()
	out := WatchText(tree, nil, 100)
	for _, want := range []string{"burn $0.1143/h", "today $0.2552", "$0.0286", "$0.2266"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
}
