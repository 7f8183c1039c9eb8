package transcripts

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// usageSums adds up the calls and reported usage of calls.
func usageSums(calls []Billed) (n int, in, out, read, write int64) {
	for _, c := range calls {
		n++
		if u := c.Usage; u != nil {
			in += u.InputTokens
			out += u.OutputTokens
			read += u.CachedInputTokens
			write += u.CacheWriteTokens
		}
	}
	return
}

// readerSums is usageSums over what Open read.
func readerSums(src *Source) (n int, in, out, read, write int64) {
	var calls []Billed
	for _, c := range src.Conversations {
		for _, m := range c.Messages {
			if m.Role == RoleAssistant && !m.Replayed {
				calls = append(calls, Billed{Usage: m.Usage})
			}
		}
	}
	return usageSums(calls)
}

// ReadUsage finds the calls and usage Open finds, on the fixtures (one
// response logged in two files, one split over three lines, a
// <synthetic> message, a subagent file, rewinds) and other formats.
func TestReadUsageMatchesOpen(t *testing.T) {
	for _, path := range []string{"testdata/claude_code", "testdata/claude_code_branches", "testdata/real/claude_code", "testdata/anthropic_http.json",
		"testdata/openai_batch_output.jsonl", "testdata/litellm_spend_logs.json", "testdata/native_two_sessions.jsonl"} {
		src, err := Open(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		us, err := ReadUsage(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		n1, a1, b1, c1, d1 := readerSums(src)
		n2, a2, b2, c2, d2 := usageSums(us.Calls)
		if n1 != n2 || a1 != a2 || b1 != b2 || c1 != c2 || d1 != d2 || n1 == 0 {
			t.Errorf("%s: Open %d calls %d/%d/%d/%d, ReadUsage %d calls %d/%d/%d/%d", path, n1, a1, b1, c1, d1, n2, a2, b2, c2, d2)
		}
	}
	us, _ := ReadUsage("testdata/claude_code", Options{})
	if n := len(us.Calls); n != 6 || us.Calls[0].Project != "-home-dev-shop" || us.Calls[0].Session != "4b1c2d3e" ||
		us.Calls[0].Usage.OutputTokens != 172 {
		t.Errorf("%d calls, first %+v", n, us.Calls[0])
	}
}

// FuzzReadUsage: the usage reader never panics, fails only with *Error,
// and where it and the full reader both read a Claude Code file, they find
// the same calls and usage.
func FuzzReadUsage(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		file := filepath.Join(t.TempDir(), "s.jsonl")
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		us, err := ReadUsage(file, Options{Format: FormatClaudeCode})
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		src, err := Open(file, Options{Format: FormatClaudeCode})
		if err != nil {
			return // content the usage view does not read can be wrong
		}
		n1, a1, b1, c1, d1 := readerSums(src)
		n2, a2, b2, c2, d2 := usageSums(us.Calls)
		if n1 != n2 || a1 != a2 || b1 != b2 || c1 != c2 || d1 != d2 {
			t.Errorf("Open %d calls %d/%d/%d/%d, ReadUsage %d calls %d/%d/%d/%d", n1, a1, b1, c1, d1, n2, a2, b2, c2, d2)
		}
	})
}

// plainString reads what json.Unmarshal reads, or declines.
func TestPlainString(t *testing.T) {
	for _, in := range []string{`"2026-11-02T10:00:04.000Z"`, `""`, `"a\"b"`, `"a\\b"`, `"\u00e9"`, `"é"`, "\"a\tb\"", `"x`, `x"`, `"`, `null`, `12`} {
		got, ok := plainString([]byte(in))
		var want string
		err := json.Unmarshal([]byte(in), &want)
		if ok && (err != nil || got != want) {
			t.Errorf("%s: %q, json.Unmarshal %q (%v)", in, got, want, err)
		}
		if plain := in == `"2026-11-02T10:00:04.000Z"` || in == `""`; ok != plain {
			t.Errorf("%s: plain %v", in, ok)
		}
	}
}
