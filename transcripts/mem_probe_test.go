package transcripts

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeHugeLine writes a JSONL file whose line 1 is head, 64 MiB of 'A',
// then tail, followed by the rest lines.
func writeHugeLine(t *testing.T, head, tail string, rest ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(head)
	chunk := strings.Repeat("A", 1<<20)
	for range 64 {
		f.WriteString(chunk)
	}
	f.WriteString(tail + "\n")
	for _, l := range rest {
		f.WriteString(l + "\n")
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// A 64 MiB line is held about twice (its bytes, then its text), not four
// or five times: the line is gathered in chunks and joined once at its
// size, the fast decoder's copy is skipped for big values, and detection
// decides before reading the content.
func TestHugeLineMemory(t *testing.T) {
	path := writeHugeLine(t, `{"type":"message","role":"user","content":"`, `"}`, `{"type":"message","role":"assistant","content":"ok"}`)
	var before, after runtimeMem
	before.read()
	src, err := Open(path, Options{})
	after.read()
	if err != nil {
		t.Fatal(err)
	}
	if c := src.Conversations[0]; c.Calls() != 1 || len(c.Messages[0].Content) != 64<<20 {
		t.Fatalf("%d calls", c.Calls())
	}
	// Chunks 64 + joined line 64 + text 64 = 192 MiB allocated in all.
	if grown := after.total - before.total; grown > 200<<20 {
		t.Errorf("reading allocated %d MiB for a 64 MiB line", grown>>20)
	}
}

// A line that is not JSON fails from its first bytes, without being read
// into memory.
func TestGarbageLineFailsEarly(t *testing.T) {
	path := writeHugeLine(t, `garbage `, ``)
	var before, after runtimeMem
	before.read()
	_, err := Open(path, Options{Format: FormatNative})
	after.read()
	if err == nil || !strings.Contains(err.Error(), `s.jsonl:1: invalid JSON: a line must be a JSON object, this one starts with "garbage AAAAAAAAAAAA…"`) {
		t.Errorf("err = %v", err)
	}
	if grown := after.total - before.total; grown > 4<<20 {
		t.Errorf("reading allocated %d MiB for a 64 MiB garbage line", grown>>20)
	}
	// Detected, it fails the same way at once.
	if _, err := Open(path, Options{}); err == nil || !strings.Contains(err.Error(), `not a JSON or JSONL conversation log (starts with "garbage AAAAAAAAAAAA`) {
		t.Errorf("auto: %v", err)
	}
}
