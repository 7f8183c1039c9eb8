package transcripts

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// walkAll walks path keeping every conversation, with ids made unique as
// Open makes them; it also returns how many assistant messages were marked
// Replayed when work saw them, and the files consume saw, in order.
func walkAll(t *testing.T, path string, opt Options) (src *Source, replayedAtWork int, order []string) {
	t.Helper()
	var convs []*Conversation
	var atWork atomic.Int64
	src, err := Walk(path, opt, func(s *Source) (any, error) {
		n := 0
		for _, c := range s.Conversations {
			for _, m := range c.Messages {
				if m.Replayed {
					n++
				}
			}
		}
		atWork.Add(int64(n))
		return len(s.Conversations), nil
	}, func(s *Source, v any) error {
		if v.(int) != len(s.Conversations) {
			t.Errorf("%s: work's value %v, %d conversations", s.Path, v, len(s.Conversations))
		}
		order = append(order, s.Path)
		convs = append(convs, s.Conversations...)
		return nil
	})
	if err != nil {
		t.Fatalf("Walk(%s): %v", path, err)
	}
	if src.Conversations != nil {
		t.Errorf("Walk returned %d conversations", len(src.Conversations))
	}
	ids := make([]string, len(convs))
	paths := make([]string, len(convs))
	for i, c := range convs {
		ids[i], paths[i] = c.ID, c.Path
	}
	root := path
	if fi, err := os.Stat(path); err == nil && !fi.IsDir() {
		root = ""
	}
	UniqueIDs(ids, paths, root)
	for i, c := range convs {
		c.ID = ids[i]
	}
	src.Conversations = convs
	return src, int(atWork.Load()), order
}

func replayed(src *Source) int {
	n := 0
	for _, c := range src.Conversations {
		for _, m := range c.Messages {
			if m.Replayed {
				n++
			}
		}
	}
	return n
}

// Walking a tree and keeping everything gives what Open gives: the same
// conversations, Replayed marks, ids (after UniqueIDs), format and
// warnings; consume sees the files in Open's order.
func TestWalkLikeOpen(t *testing.T) {
	gen := t.TempDir()
	if _, _, err := WriteClaudeCode(gen, 9, 32<<10, 7); err != nil {
		t.Fatal(err)
	}
	// Two projects holding a session of the same name: ids need paths.
	twins := t.TempDir()
	for _, p := range []string{"a", "b"} {
		os.Mkdir(filepath.Join(twins, p), 0o755)
		copyFile(t, "testdata/claude_code/-home-dev-shop/4b1c2d3e.jsonl", filepath.Join(twins, p, "s.jsonl"))
	}
	for _, tc := range []struct {
		path string
		// Replayed marks in all, and those work sees (a file's own
		// repeats and history copied into branches, not repeats of
		// earlier files).
		replayed, atWork int
	}{
		// The resumed session 5c2d3e4f repeats msg_01C of 4b1c2d3e.
		{"testdata/claude_code", 1, 0},
		{"testdata/claude_code_branches", 1, 1},
		{"testdata/real/claude_code", 0, 0},
		// Every sample and broken file: mixed formats and warnings.
		{"testdata", -1, -1},
		{twins, 4, 0},
		{gen, 0, 0},
		{"testdata/claude_code/-home-dev-shop/5c2d3e4f.jsonl", 0, 0},
	} {
		want, err := Open(tc.path, Options{RAG: DefaultRAGRule()})
		if err != nil {
			t.Fatal(err)
		}
		got, atWork, order := walkAll(t, tc.path, Options{RAG: DefaultRAGRule()})
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: Walk and Open differ", tc.path)
			for i := range min(len(got.Conversations), len(want.Conversations)) {
				if g, w := got.Conversations[i], want.Conversations[i]; !reflect.DeepEqual(g, w) {
					t.Errorf("conversation %d: %s, want %s", i, g.ID, w.ID)
					break
				}
			}
		}
		if tc.replayed >= 0 && (replayed(got) != tc.replayed || atWork != tc.atWork) {
			t.Errorf("%s: %d replayed, %d at work; want %d, %d", tc.path, replayed(got), atWork, tc.replayed, tc.atWork)
		}
		for i := 1; i < len(order); i++ {
			if order[i-1] >= order[i] {
				t.Errorf("%s: consume saw %s after %s", tc.path, order[i], order[i-1])
			}
		}
		if n := len(order); n == 0 || tc.path == gen && n != 9 {
			t.Errorf("%s: consume saw %d files", tc.path, n)
		}
	}
	ids := map[string]bool{}
	for _, c := range open(t, twins).Conversations {
		ids[c.ID] = true
	}
	if !ids["a/s"] || !ids["b/s"] {
		t.Errorf("twins: ids %v", ids)
	}
}

// UniqueIDs qualifies shared ids with their file's path under the root,
// then numbers what is still shared.
func TestUniqueIDs(t *testing.T) {
	ids := []string{"s", "s", "x", "s~2", "s~2", "q", "q"}
	paths := []string{"/r/a/s.jsonl", "/r/b/s.jsonl", "/r/a/x.jsonl", "/r/a/s.jsonl", "/r/b/s.jsonl", "/r/a/t.json", "/r/a/t.json"}
	UniqueIDs(ids, paths, "/r")
	want := []string{"a/s", "b/s", "x", "a/s~2", "b/s~2", "a/t:q", "a/t:q#2"}
	if !reflect.DeepEqual(ids, want) {
		t.Errorf("ids %q, want %q", ids, want)
	}
	ids = []string{"s", "s"}
	UniqueIDs(ids, []string{"a.jsonl", "a.jsonl"}, "")
	if ids[0] != "s" || ids[1] != "s#2" {
		t.Errorf("one file: %q", ids)
	}
}

// A file that cannot be read is a warning in its place; given by name, it
// is Walk's error. A directory with nothing to read fails as Open does.
func TestWalkBadFile(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, "testdata/claude_code/-home-dev-shop/4b1c2d3e.jsonl", filepath.Join(dir, "a.jsonl"))
	copyFile(t, "testdata/broken/native_bad_role.jsonl", filepath.Join(dir, "b.jsonl"))
	copyFile(t, "testdata/claude_code/-home-dev-shop/5c2d3e4f.jsonl", filepath.Join(dir, "c.jsonl"))
	var seen []string
	src, err := Walk(dir, Options{}, nil, func(s *Source, _ any) error {
		seen = append(seen, filepath.Base(s.Path))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	_, openErr := Open(filepath.Join(dir, "b.jsonl"), Options{})
	if openErr == nil {
		t.Fatal("b.jsonl reads")
	}
	if strings.Join(seen, " ") != "a.jsonl c.jsonl" || len(src.Warnings) != 1 || src.Warnings[0] != openErr.Error() || src.Format != FormatClaudeCode {
		t.Errorf("consumed %q, warnings %q, format %s", seen, src.Warnings, src.Format)
	}
	if _, err := Walk[any](filepath.Join(dir, "b.jsonl"), Options{}, nil, nil); err == nil || err.Error() != openErr.Error() {
		t.Errorf("the bad file by name: %v", err)
	}
	empty := t.TempDir()
	for _, d := range []string{empty, filepath.Join(empty, "nope")} {
		_, want := Open(d, Options{})
		if _, err := Walk[any](d, Options{}, nil, nil); want == nil || err == nil || err.Error() != want.Error() {
			t.Errorf("%s: %v, want %v", d, err, want)
		}
	}
	os.Remove(filepath.Join(dir, "a.jsonl"))
	os.Remove(filepath.Join(dir, "c.jsonl"))
	_, want := Open(dir, Options{})
	if _, err := Walk[any](dir, Options{}, nil, nil); want == nil || err == nil || err.Error() != want.Error() || !strings.Contains(err.Error(), "no file could be read") {
		t.Errorf("all bad: %v, want %v", err, want)
	}
}

// An error from work or consume ends the walk: it is returned, consume
// has seen just the files before it, and files are no longer handed out.
func TestWalkStopsOnError(t *testing.T) {
	dir := t.TempDir()
	const files = 40
	if _, _, err := WriteClaudeCode(dir, files, 4<<10, 3); err != nil {
		t.Fatal(err)
	}
	all, err := filepath.Glob(filepath.Join(dir, "*", "*.jsonl"))
	if err != nil || len(all) != files {
		t.Fatalf("%d files: %v", len(all), err)
	}
	const failing = "00000003-0000-4000-8000-000000000003.jsonl" // first of project 3
	at := slices.IndexFunc(all, func(p string) bool { return filepath.Base(p) == failing })
	if at < 10 {
		t.Fatalf("%s is file %d", failing, at)
	}
	boom := errors.New("boom")
	for _, failWork := range []bool{true, false} {
		var worked atomic.Int64
		var consumed []string
		_, err := Walk(dir, Options{}, func(s *Source) (any, error) {
			worked.Add(1)
			if failWork && filepath.Base(s.Path) == failing {
				return nil, boom
			}
			return nil, nil
		}, func(s *Source, _ any) error {
			consumed = append(consumed, s.Path)
			if !failWork && len(consumed) == at+1 {
				return boom
			}
			return nil
		})
		if err != boom {
			t.Errorf("work fails %v: err %v", failWork, err)
		}
		want := all[:at]
		if !failWork {
			want = all[:at+1]
		}
		if !slices.Equal(consumed, want) {
			t.Errorf("work fails %v: consumed %d files, want the %d before the error", failWork, len(consumed), len(want))
		}
		if n := worked.Load(); n >= files {
			t.Errorf("work fails %v: all %d files were read", failWork, n)
		}
	}
}

// Progress counts the files of a directory as they are read.
func TestWalkProgress(t *testing.T) {
	var calls, last atomic.Int64
	_, err := Walk[any]("testdata/real/claude_code", Options{Progress: func(done, total int) {
		calls.Add(1)
		if done == total {
			last.Store(int64(total))
		}
	}}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 7 || last.Load() != 7 {
		t.Errorf("%d progress calls, last total %d; want 7 files", calls.Load(), last.Load())
	}
}

// While consume holds a file, no more than a few files are read ahead of
// it. (A slow consumer: the readers have every chance to run ahead.)
func TestWalkReadsAheadAFew(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := WriteClaudeCode(dir, 30, 4<<10, 4); err != nil {
		t.Fatal(err)
	}
	var worked atomic.Int64
	limit := runtime.GOMAXPROCS(0) * 2 // a few per core
	first := true
	_, err := Walk(dir, Options{}, func(*Source) (any, error) {
		worked.Add(1)
		return nil, nil
	}, func(*Source, any) error {
		if first {
			first = false
			time.Sleep(100 * time.Millisecond) // not a timing assertion: a chance to overrun
			if n := worked.Load(); n > int64(limit) {
				t.Errorf("%d files read while consume held the first; limit %d", n, limit)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if worked.Load() != 30 {
		t.Errorf("%d files worked on", worked.Load())
	}
}

// liveHeap walks a generated tree of n session files, keeping nothing,
// and returns the most heap live after a collection in consume, and the
// heap Open's result for the same tree holds.
func liveHeap(t *testing.T, n int) (walking, opened uint64, fileBytes int64) {
	t.Helper()
	dir := t.TempDir()
	fileBytes, _, err := WriteClaudeCode(dir, n, 256<<10, 9)
	if err != nil {
		t.Fatal(err)
	}
	live := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	base := live()
	_, err = Walk(dir, Options{}, nil, func(*Source, any) error {
		l := live()
		walking = max(walking, l-min(l, base))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	base = live()
	src, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	l := live()
	opened = l - min(l, base)
	runtime.KeepAlive(src)
	return walking, opened, fileBytes
}

// Walk's live heap does not grow with the number of files: 64 files of
// 256 KB need no more than 8 do (within noise of a few files), and a
// fraction of what Open's result holds.
func TestWalkHeapFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 18 MB")
	}
	small, _, _ := liveHeap(t, 8)
	big, opened, size := liveHeap(t, 64)
	perFile := uint64(size / 64)
	t.Logf("live heap walking 8 files: %d KB, 64 files: %d KB; Open's result of 64: %d KB (a file: %d KB on disk)",
		small>>10, big>>10, opened>>10, perFile>>10)
	if big > small+8*perFile {
		t.Errorf("live heap walking grew from %d KB (8 files) to %d KB (64 files)", small>>10, big>>10)
	}
	if big > opened/2 {
		t.Errorf("live heap walking %d KB, Open's result %d KB", big>>10, opened>>10)
	}
}
