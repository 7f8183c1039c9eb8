package follow

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A line appended, a new session file and a file in a new directory are
// reported within a second by notification (polling set to a minute), and
// by polling alone when the change was made before the watch began on it.
func TestNotify(t *testing.T) {
	root := t.TempDir()
	old := filepath.Join(root, "p", "old.jsonl")
	if err := os.MkdirAll(filepath.Dir(old), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(old, []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := Notify(ctx, []string{root}, time.Minute)
	time.Sleep(100 * time.Millisecond) // the first walk adds the watches
	expect := func(want string) {
		t.Helper()
		deadline := time.After(time.Second)
		for {
			select {
			case p := <-ch:
				if p == want {
					return
				}
			case <-deadline:
				t.Fatalf("%s not reported within a second", want)
			}
		}
	}
	f, err := os.OpenFile(old, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("{}\n")
	f.Close()
	expect(old)
	fresh := filepath.Join(root, "p", "new.jsonl")
	os.WriteFile(fresh, []byte("{}\n"), 0o644)
	expect(fresh)
	agent := filepath.Join(root, "p", "new", "subagents", "agent-1.jsonl")
	os.MkdirAll(filepath.Dir(agent), 0o755)
	os.WriteFile(agent, []byte("{}\n"), 0o644)
	expect(agent)
	os.WriteFile(filepath.Join(root, "p", "notes.txt"), []byte("x"), 0o644) // not a log: never reported
}

// With polling only (a root that appears later), a file is reported at the
// next poll.
func TestNotifyPollsMissingRoot(t *testing.T) {
	root := filepath.Join(t.TempDir(), "later")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := Notify(ctx, []string{root}, 50*time.Millisecond)
	file := filepath.Join(root, "s.jsonl")
	time.Sleep(200 * time.Millisecond) // after the first walk, which reports nothing
	os.MkdirAll(root, 0o755)
	os.WriteFile(file, []byte("{}\n"), 0o644)
	select {
	case p := <-ch:
		if p != file {
			t.Errorf("reported %s", p)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("not reported by polling")
	}
}
