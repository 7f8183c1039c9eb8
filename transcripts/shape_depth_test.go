package transcripts

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// deepJSON is n levels of open (each level's opening text) closed by close.
func deepJSON(open, close string, n int) []byte {
	return []byte(strings.Repeat(open, n) + "1" + strings.Repeat(close, n))
}

// allocated returns the bytes fn allocates.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestDeepNestingRefused (issue 23 item 9): 100k levels of arrays or of
// objects, as a file, as the first line of JSONL, and as a file of a
// directory, are refused with the nesting limit named, allocating a few MB
// at most (paths were built per level: ~10 GB before).
func TestDeepNestingRefused(t *testing.T) {
	const levels = 100_000
	cases := []struct {
		name string
		data []byte
	}{
		{"arrays", deepJSON("[", "]", levels)},
		{"objects", deepJSON(`{"a":`, "}", levels)},
		{"mixed", deepJSON(`{"messages":[`, "]}", levels/2)},
		{"jsonl first line", append(deepJSON("[", "]", levels), "\n{\"messages\":[]}\n"...)},
		{"keys then arrays", []byte(`{"messages":[{"content":` + string(deepJSON("[", "]", levels)) + `}]}`)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			n := allocated(func() { _, err = Read(bytes.NewReader(c.data), "deep.json", Options{}) })
			var e *Error
			if !errors.As(err, &e) || !strings.Contains(e.Msg, "nested deeper than 10000 levels") || e.File != "deep.json" {
				t.Fatalf("err = %v, want the nesting limit named", err)
			}
			if n > 16<<20 {
				t.Errorf("allocated %d MB refusing %d KB", n>>20, len(c.data)>>10)
			}
		})
	}
}

// TestDeepNestingAtLimit: nesting just under the limit is walked (and
// detected as what it is); at the limit it is refused.
func TestDeepNestingAtLimit(t *testing.T) {
	ok := []byte(`{"messages":[{"role":"user","content":"hi"}],"x":` + string(deepJSON("[", "]", maxNesting-2)) + `}`)
	s, err := ShapeOf(bytes.NewReader(ok))
	if err != nil || s.Err != nil || !s.Is("messages[].role", "user") {
		t.Fatalf("under the limit: %v %+v", err, s)
	}
	bad := []byte(`{"x":` + string(deepJSON("[", "]", maxNesting)) + `}`)
	if s, _ := ShapeOf(bytes.NewReader(bad)); !errors.Is(s.Err, ErrTooDeep) {
		t.Fatalf("at the limit: %v", s.Err)
	}
}

// TestDeepNestingInWalk: a deep file in a directory is a warning naming
// it; the other files are read.
func TestDeepNestingInWalk(t *testing.T) {
	dir := t.TempDir()
	good, _ := os.ReadFile("testdata/openai_chat.json")
	os.WriteFile(filepath.Join(dir, "a.json"), good, 0o644)
	os.WriteFile(filepath.Join(dir, "deep.json"), deepJSON("[", "]", 100_000), 0o644)
	var src *Source
	var err error
	n := allocated(func() { src, err = Open(dir, Options{}) })
	if err != nil {
		t.Fatal(err)
	}
	if len(src.Conversations) != 1 || !strings.Contains(strings.Join(src.Warnings, "\n"), "deep.json:1: JSON nested deeper than 10000 levels") {
		t.Fatalf("conversations %d, warnings %q", len(src.Conversations), src.Warnings)
	}
	if n > 32<<20 {
		t.Errorf("allocated %d MB", n>>20)
	}
}

// TestDeepNestingForced: a format forced by name decodes with a limit of
// its own; the error is a located one, not a crash.
func TestDeepNestingForced(t *testing.T) {
	for _, f := range Formats() {
		_, err := Read(bytes.NewReader(deepJSON(`{"messages":[`, "]}", 50_000)), "deep.json", Options{Format: f})
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: err = %v", f, err)
		}
	}
}
