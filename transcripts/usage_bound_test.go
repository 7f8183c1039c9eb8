package transcripts

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ccTestLine is one Claude Code log line; text, when set, is a user line's
// tool result of that text.
func ccTestLine(t *testing.T, typ, uuid, msgID, text string, input int64) []byte {
	t.Helper()
	line := map[string]any{"type": typ, "uuid": uuid, "sessionId": "s1", "timestamp": "2026-01-02T03:04:05Z", "requestId": "req_" + msgID}
	if typ == "user" {
		line["message"] = map[string]any{"role": "user", "content": []any{map[string]any{"type": "tool_result", "tool_use_id": "t1", "content": text}}}
	} else {
		line["message"] = map[string]any{"id": msgID, "role": "assistant", "model": "claude-sonnet-4-5",
			"content": []any{map[string]any{"type": "text", "text": "ok"}},
			"usage":   map[string]any{"input_tokens": input, "output_tokens": 7}}
	}
	b, err := json.Marshal(line)
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// TestUsageLongLineBounded (issue 23 item 13): the usage pass reads a
// Claude Code log with a 24 MB line (a tool result) in memory bounded by
// the line's structure, not its size: long strings are cut as the line
// streams past (usage, ids and model are short). It cost three times the
// line before (every chunk kept, then joined).
func TestUsageLongLineBounded(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s1.jsonl")
	big := strings.Repeat("the quick brown fox \\ \" é ", 1<<20) // ~27 MB, escapes and UTF-8
	var data []byte
	data = append(data, ccTestLine(t, "assistant", "u1", "msg_1", "", 100)...)
	data = append(data, ccTestLine(t, "user", "u2", "", big, 0)...)
	data = append(data, ccTestLine(t, "assistant", "u3", "msg_2", "", 200)...)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var src *UsageSource
	var err error
	n := allocated(func() { src, err = ReadUsage(path, Options{}) })
	if err != nil {
		t.Fatal(err)
	}
	if len(src.Calls) != 2 || src.Calls[0].Usage.InputTokens != 100 || src.Calls[1].Usage.InputTokens != 200 {
		t.Fatalf("calls %+v", src.Calls)
	}
	if n > 8<<20 {
		t.Errorf("allocated %d MB reading a %d MB file", n>>20, len(data)>>20)
	}
}

// TestGzipInDirectory: a .jsonl.gz log in a directory is read (rotated
// logs are kept gzipped), by Open and by the usage pass; other compressed
// files are skipped with a warning naming them, never silently.
func TestGzipInDirectory(t *testing.T) {
	dir := t.TempDir()
	plain, _ := os.ReadFile("testdata/pairs/responses_stream.jsonl")
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write(plain)
	w.Close()
	os.WriteFile(filepath.Join(dir, "calls.jsonl.gz"), gz.Bytes(), 0o644)
	os.WriteFile(filepath.Join(dir, "old.jsonl.zst"), []byte{0x28, 0xb5, 0x2f, 0xfd}, 0o644)
	src, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(src.Conversations) != 1 || src.Conversations[0].Calls() != 2 || src.Conversations[0].ID != "calls#1" {
		t.Fatalf("%d conversations", len(src.Conversations))
	}
	if w := strings.Join(src.Warnings, "\n"); !strings.Contains(w, "old.jsonl.zst: skipped: a zstd-compressed file") {
		t.Errorf("warnings %q", src.Warnings)
	}
	us, err := ReadUsage(dir, Options{})
	if err != nil || len(us.Calls) != 2 || us.Calls[1].Usage.InputTokens != 278 {
		t.Fatalf("usage %v %+v", err, us)
	}
	// A corrupt .gz is an error naming it.
	os.WriteFile(filepath.Join(dir, "bad.json.gz"), []byte("not gzip"), 0o644)
	if _, err := Open(filepath.Join(dir, "bad.json.gz"), Options{}); err == nil || !strings.Contains(err.Error(), "bad.json.gz: gzip:") {
		t.Errorf("err = %v", err)
	}
}

// TestUsageLongNativeLine: the same bound on tokenscope's own JSONL (what
// the proxy and live write), whose usage is read through the full reader:
// a 24 MB message reaches it with its text cut.
func TestUsageLongNativeLine(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "proxy.jsonl")
	big, _ := json.Marshal(strings.Repeat("a pasted file é \\ ", 3<<20/2))
	data := []byte(`{"type":"session","version":1,"id":"s1","model":"gpt-4o"}` + "\n" +
		`{"type":"message","role":"user","content":` + string(big) + `}` + "\n" +
		`{"type":"message","role":"assistant","content":"ok","usage":{"input_tokens":6000000,"output_tokens":2}}` + "\n" +
		`{"type":"message","role":"user","content":"more"}` + "\n" +
		`{"type":"message","role":"assistant","content":"ok","usage":{"input_tokens":6000010,"output_tokens":3}}` + "\n")
	os.WriteFile(path, data, 0o644)
	var src *UsageSource
	var err error
	n := allocated(func() { src, err = ReadUsage(path, Options{}) })
	if err != nil {
		t.Fatal(err)
	}
	if len(src.Calls) != 2 || src.Calls[1].Usage.InputTokens != 6000010 || src.Calls[0].Session != "s1" {
		t.Fatalf("calls %+v", src.Calls)
	}
	if n > 8<<20 {
		t.Errorf("allocated %d MB reading a %d MB file", n>>20, len(data)>>20)
	}
}
