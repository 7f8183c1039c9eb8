package transcripts

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
)

func open(t *testing.T, path string) *Source {
	t.Helper()
	src, err := Open(path, Options{RAG: DefaultRAGRule()})
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	return src
}

func TestDetect(t *testing.T) {
	for file, want := range map[string]string{
		"testdata/openai_chat.json":          FormatOpenAIChat,
		"testdata/openai_messages.json":      FormatOpenAIChat,
		"testdata/openai_log.json":           FormatOpenAILog,
		"testdata/native_two_sessions.jsonl": FormatNative,
		"demo.jsonl":                         FormatNative,
	} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Detect(data)
		if err != nil || got != want {
			t.Errorf("Detect(%s) = %q, %v; want %q", file, got, err, want)
		}
	}
}

func TestOpenAIChat(t *testing.T) {
	src := open(t, "testdata/openai_chat.json")
	if len(src.Conversations) != 1 {
		t.Fatalf("%d conversations", len(src.Conversations))
	}
	c := src.Conversations[0]
	if c.Model != "gpt-4o-2024-08-06" || len(c.Tools) != 1 || c.Tools[0].Name != "search" || len(c.Messages) != 7 || c.Calls() != 3 {
		t.Fatalf("conversation: model %q, %d tools, %d messages, %d calls", c.Model, len(c.Tools), len(c.Messages), c.Calls())
	}
	m := c.Messages
	if m[0].Role != RoleSystem {
		t.Errorf("developer role read as %q", m[0].Role)
	}
	if m[1].Name != "dana" || m[1].Images != 1 || m[1].Content != "What is the rate limit for /v2/orders?" {
		t.Errorf("user parts: %+v", m[1])
	}
	if len(m[2].ToolCalls) != 1 || m[2].ToolCalls[0].Arguments != `{"q":"rate limit orders"}` || m[2].Content != "" {
		t.Errorf("tool call: %+v", m[2])
	}
	if m[3].Role != RoleTool || m[3].ToolCallID != "call_abc" {
		t.Errorf("tool result: %+v", m[3])
	}
	// Tagged context is retrieved context; the question is not.
	if len(m[5].RAGSpans) != 1 || !strings.HasPrefix(m[5].RAGSpans[0], "<context>") || !strings.HasSuffix(m[5].RAGSpans[0], "</context>") {
		t.Errorf("rag spans: %q", m[5].RAGSpans)
	}
	// Invalid JSON arguments are kept as text.
	if m[6].ToolCalls[0].Arguments != "{not json at all" {
		t.Errorf("bad arguments: %q", m[6].ToolCalls[0].Arguments)
	}
}

func TestRAGTool(t *testing.T) {
	src, err := Open("testdata/openai_chat.json", Options{RAG: RAGRule{Tools: []string{"search"}}})
	if err != nil {
		t.Fatal(err)
	}
	m := src.Conversations[0].Messages
	if !m[3].RAG {
		t.Error("result of the search tool is not rag")
	}
	if len(m[5].RAGSpans) != 0 {
		t.Error("no tag rule was given, yet spans were found")
	}
}

func TestOpenAILogThreads(t *testing.T) {
	src := open(t, "testdata/openai_log.json")
	if src.Format != FormatOpenAILog || len(src.Conversations) != 2 {
		t.Fatalf("format %s, %d conversations", src.Format, len(src.Conversations))
	}
	c := src.Conversations[0]
	// Request 2 re-sends request 1 and its reply: 5 messages, 2 calls.
	if len(c.Messages) != 5 || c.Calls() != 2 {
		t.Fatalf("%d messages, %d calls", len(c.Messages), c.Calls())
	}
	u := c.Messages[4].Usage
	want := Usage{InputTokens: 1240, CachedInputTokens: 1152, OutputTokens: 210, ReasoningTokens: 192}
	if u == nil || *u != want {
		t.Errorf("usage = %+v, want %+v", u, want)
	}
	if c.Messages[2].Model != "o4-mini-2025-04-16" || c.Messages[2].Time.Unix() != 1762070400 {
		t.Errorf("reply model/time: %q %v", c.Messages[2].Model, c.Messages[2].Time)
	}
	if src.Conversations[1].Calls() != 1 {
		t.Errorf("unrelated request should start its own conversation")
	}
}

func TestOpenAIUsageConventions(t *testing.T) {
	hit, miss := int64(900), int64(124)
	for name, tc := range map[string]struct {
		in   oaUsage
		want Usage
	}{
		"openai includes cached in prompt": {
			in:   oaUsage{PromptTokens: 2000, CompletionTokens: 300, TotalTokens: 2300},
			want: Usage{InputTokens: 2000, OutputTokens: 300}},
		"deepseek hit/miss": {
			in:   oaUsage{PromptTokens: 1024, CompletionTokens: 10, TotalTokens: 1034, PromptCacheHitTokens: &hit, PromptCacheMissTokens: &miss},
			want: Usage{InputTokens: 1024, CachedInputTokens: 900, OutputTokens: 10}},
	} {
		if got := *tc.in.normalise(); got != tc.want {
			t.Errorf("%s: %+v, want %+v", name, got, tc.want)
		}
	}
	// xAI counts reasoning outside completion_tokens: total shows it.
	x := oaUsage{PromptTokens: 100, CompletionTokens: 20, TotalTokens: 170}
	x.CompletionTokensDetails = &struct {
		ReasoningTokens int64 `json:"reasoning_tokens"`
	}{50}
	if got := x.normalise(); got.OutputTokens != 70 || got.ReasoningTokens != 50 {
		t.Errorf("xai: %+v", got)
	}
}

func TestNative(t *testing.T) {
	src := open(t, "testdata/native_two_sessions.jsonl")
	if len(src.Conversations) != 2 {
		t.Fatalf("%d conversations", len(src.Conversations))
	}
	s1, s2 := src.Conversations[0], src.Conversations[1]
	if s1.ID != "s1" || s1.Model != "gpt-4.1" || len(s1.Tools) != 1 || s1.Calls() != 2 || len(s1.Messages) != 6 {
		t.Fatalf("s1: %+v", s1)
	}
	if !s1.Messages[4].RAG || s1.Messages[3].Name != "lookup" {
		t.Errorf("rag/name lost: %+v", s1.Messages[3:5])
	}
	if u := s1.Messages[5].Usage; u == nil || u.InputTokens != 170 || u.OutputTokens != 11 {
		t.Errorf("usage: %+v", u)
	}
	if s1.Messages[1].Time.IsZero() || s1.Messages[2].ToolCalls[0].Name != "lookup" {
		t.Errorf("time/tool call lost")
	}
	if s2.Model != "claude-haiku-4-5" || s2.Messages[1].Model != "claude-haiku-4-5-20251001" {
		t.Errorf("s2: %+v", s2)
	}
}

// The writer's output reads back to the same conversation.
func TestNativeRoundTrip(t *testing.T) {
	src := Demo(Options{})
	var buf bytes.Buffer
	w := NewNativeWriter(&buf)
	for _, c := range src.Conversations {
		if err := w.Write(c); err != nil {
			t.Fatal(err)
		}
	}
	back, err := Read(&buf, "round-trip", Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, b := src.Conversations[0], back.Conversations[0]
	if len(a.Messages) != len(b.Messages) || a.Model != b.Model || len(a.Tools) != len(b.Tools) {
		t.Fatalf("lost data: %d/%d messages", len(a.Messages), len(b.Messages))
	}
	for i := range a.Messages {
		x, y := a.Messages[i], b.Messages[i]
		if x.Content != y.Content || x.Role != y.Role || x.RAG != y.RAG || !x.Time.Equal(y.Time) || (x.Usage == nil) != (y.Usage == nil) || len(x.ToolCalls) != len(y.ToolCalls) {
			t.Fatalf("message %d differs", i)
		}
		if x.Usage != nil && *x.Usage != *y.Usage {
			t.Fatalf("message %d usage differs", i)
		}
	}
}

func TestDemo(t *testing.T) {
	src := Demo(Options{RAG: DefaultRAGRule()})
	c := src.Conversations[0]
	if n := c.Calls(); n < 38 || n > 45 {
		t.Errorf("demo has %d calls, want about 40", n)
	}
	var rag, tools, usage int
	for _, m := range c.Messages {
		if m.RAG || len(m.RAGSpans) > 0 {
			rag++
		}
		tools += len(m.ToolCalls)
		if m.Usage != nil {
			usage++
		}
	}
	if rag < 4 || tools < 15 || usage != c.Calls() || len(c.Tools) != 4 {
		t.Errorf("demo: %d rag, %d tool calls, %d usages, %d tools", rag, tools, usage, len(c.Tools))
	}
}

// Broken files fail with one line naming the file, the line or JSON path,
// and what is wrong.
func TestBrokenFiles(t *testing.T) {
	for file, want := range map[string]string{
		"native_bad_json.jsonl":   "testdata/broken/native_bad_json.jsonl:3: invalid JSON",
		"native_bad_role.jsonl":   `testdata/broken/native_bad_role.jsonl:2: $.role: unknown role "bot"`,
		"openai_bad_role.json":    `testdata/broken/openai_bad_role.json:3: $.messages[1].role: unknown role "robot"`,
		"openai_bad_content.json": `testdata/broken/openai_bad_content.json:3: $.messages[1].content: content must be a string, null or an array of parts`,
		"openai_syntax.json":      "testdata/broken/openai_syntax.json:4: invalid JSON",
		"not_a_log.txt":           "testdata/broken/not_a_log.txt:1: not a JSON or JSONL conversation log",
		"empty.json":              "testdata/broken/empty.json:1: empty file",
		// Pretty-printed files: the line is the bad value's, not its object's.
		"openai_log_negative.json":     "testdata/broken/openai_log_negative.json:32: $[2].response.usage.prompt_tokens: -5 tokens is negative",
		"gemini_bad_tokens.json":       "testdata/broken/gemini_bad_tokens.json:31: $.messages[1].tokens.input: want a whole number of tokens, found a string",
		"openai_log_bad_messages.json": "testdata/broken/openai_log_bad_messages.json:15: $[1].request.messages: want an array of messages, found a number",
	} {
		_, err := Open(filepath.Join("testdata/broken", file), Options{})
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: err = %v, want *Error", file, err)
			continue
		}
		if !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "\n") || goTypeName.MatchString(err.Error()) {
			t.Errorf("%s:\n got %q\nwant %q…", file, err, want)
		}
	}
}

func TestTruncatedLastLine(t *testing.T) {
	src := open(t, "testdata/broken/native_truncated.jsonl")
	if len(src.Conversations[0].Messages) != 1 || len(src.Warnings) != 1 || !strings.Contains(src.Warnings[0], ":3: last line is incomplete") {
		t.Errorf("messages %d, warnings %q", len(src.Conversations[0].Messages), src.Warnings)
	}
	src = open(t, "testdata/broken/native_ok_nonl.jsonl")
	if len(src.Conversations[0].Messages) != 1 || len(src.Warnings) != 0 {
		t.Errorf("a complete last line without newline: %d messages, %q", len(src.Conversations[0].Messages), src.Warnings)
	}
}

func TestDirectory(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, "testdata/openai_chat.json", filepath.Join(dir, "a.json"))
	copyFile(t, "testdata/native_two_sessions.jsonl", filepath.Join(dir, "b.jsonl"))
	copyFile(t, "testdata/broken/native_bad_role.jsonl", filepath.Join(dir, "c.jsonl"))
	src, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(src.Conversations) != 3 || src.Format != "mixed" || len(src.Warnings) != 1 || !strings.Contains(src.Warnings[0], "c.jsonl:2") {
		t.Errorf("%d conversations, format %s, warnings %q", len(src.Conversations), src.Format, src.Warnings)
	}
	bad := t.TempDir()
	copyFile(t, "testdata/broken/native_bad_role.jsonl", filepath.Join(bad, "c.jsonl"))
	if _, err := Open(bad, Options{}); err == nil || !strings.Contains(err.Error(), "no file could be read") {
		t.Errorf("all-bad directory: %v", err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestForcedFormat(t *testing.T) {
	_, err := Open("testdata/openai_chat.json", Options{Format: FormatNative})
	if err == nil {
		t.Fatal("reading a chat as native JSONL succeeded")
	}
	if _, err := Open("testdata/openai_chat.json", Options{Format: "nope"}); err == nil || !strings.Contains(err.Error(), `unknown format "nope"`) {
		t.Errorf("unknown format: %v", err)
	}
}

// Decoding a Claude Code line's content with the line gives what decoding
// it raw and again gives, on the fixtures and on a generated directory.
func TestClaudeCodeOnePass(t *testing.T) {
	gen := t.TempDir()
	if _, _, err := WriteClaudeCode(gen, 3, 32<<10, 5); err != nil {
		t.Fatal(err)
	}
	twoPass := func(_ *ccScan, line []byte, cl *ccLine) error { return decodeJSON(line, cl) }
	for _, path := range []string{"testdata/claude_code", "testdata/claude_code_branches", "testdata/real/claude_code", gen} {
		one, err := Open(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		ccDecode = twoPass
		two, err := Open(path, Options{})
		ccDecode = (*ccScan).decode
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(one, two) {
			t.Errorf("%s: one pass and two passes differ", path)
		}
		if calls := one.Conversations[0].Calls(); calls == 0 {
			t.Errorf("%s: no calls", path)
		}
	}
}

// A link to a directory named *.json and a FIFO named *.jsonl are skipped
// with a warning: no recursion, no blocking.
func TestOpenDirSkipsLinksAndFIFOs(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile("testdata/native_two_sessions.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a.jsonl"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(".", filepath.Join(dir, "x.json")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "f.jsonl"), 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(src.Conversations) != 2 || len(src.Warnings) != 2 ||
		!strings.Contains(src.Warnings[0], "f.jsonl: skipped: not a regular file (a named pipe)") ||
		!strings.Contains(src.Warnings[1], "x.json: skipped: not a regular file (a directory)") {
		t.Errorf("%d conversations, warnings %q", len(src.Conversations), src.Warnings)
	}
}

// Conversation ids are unique in a directory: two projects holding a
// session file of the same name are told apart by path.
func TestOpenDirUniqueIDs(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile("testdata/openai_chat.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{"a", "b"} {
		os.Mkdir(filepath.Join(dir, sub), 0o755)
		if err := os.WriteFile(filepath.Join(dir, sub, "s.json"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(src.Conversations) != 2 || src.Conversations[0].ID != "a/s" || src.Conversations[1].ID != "b/s" {
		t.Errorf("ids %q, %q", src.Conversations[0].ID, src.Conversations[1].ID)
	}
}

// A named pipe given by name is refused at once: opening it would block
// until some writer came.
func TestOpenRefusesFIFO(t *testing.T) {
	p := filepath.Join(t.TempDir(), "pipe.jsonl")
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Open(p, Options{})
	if want := p + ": is a named pipe: pass it as - on stdin"; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
}

// goTypeName matches what a decoder error shows and a user should not see.
var goTypeName = regexp.MustCompile(`Go (struct field|value) |json\.RawMessage|\[\]json|found JSON |expected u?int`)

// Every JSONL reader treats a last line cut short the same way: the line
// is skipped with a warning naming it, and what came before is read as if
// the line had never been written. A bad line in the middle is an error
// naming that line.
func TestTruncatedLastLineEveryFormat(t *testing.T) {
	chat := `{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]}
{"messages":[{"role":"user","content":"and again"},{"role":"assistant","content":"yes"}]}
{"messages":[{"role":"user","content":"a third one, long enough to cut"},{"role":"assistant","content":"ok"}]}
`
	for _, tc := range []struct {
		name, format string
		data         []byte
	}{
		{"openai-chat", FormatOpenAIChat, []byte(chat)},
		{"openai-log", FormatOpenAILog, readFile(t, "testdata/openai_log_changing_system.jsonl")},
		{"sharegpt", FormatShareGPT, readFile(t, "testdata/sharegpt.jsonl")},
		{"batch", FormatOpenAIBatch, readFile(t, "testdata/openai_batch_input.jsonl")},
		{"native", FormatNative, readFile(t, "testdata/native_two_sessions.jsonl")},
	} {
		data := bytes.TrimRight(tc.data, "\n")
		lines := bytes.Count(data, []byte{'\n'}) + 1
		whole := data[:bytes.LastIndexByte(data, '\n')+1] // without the last line
		want, err := Read(bytes.NewReader(whole), "x.jsonl", Options{})
		if err != nil {
			t.Fatalf("%s without its last line: %v", tc.name, err)
		}
		got, err := Read(bytes.NewReader(data[:len(data)-20]), "x.jsonl", Options{})
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		warn := fmt.Sprintf("x.jsonl:%d: last line is incomplete and was skipped", lines)
		if got.Format != tc.format || !slices.Contains(got.Warnings, warn) || len(got.Warnings) != len(want.Warnings)+1 {
			t.Errorf("%s: format %s, warnings %q, want %q added to %q", tc.name, got.Format, got.Warnings, warn, want.Warnings)
		}
		if g, w := messages(got), messages(want); g != w || g == 0 {
			t.Errorf("%s: %d messages read, want %d", tc.name, g, w)
		}
	}
	// A bad line in the middle is not a cut last line.
	bad := strings.Replace(chat, `"hello"}]}`, `"hello"}]`, 1)
	_, err := Read(strings.NewReader(bad), "x.jsonl", Options{})
	if want := "x.jsonl:1: invalid JSON"; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("bad first line: %v, want %q…", err, want)
	}
	bad = strings.Replace(chat, `"yes"}]}`, `"yes"}`, 1)
	_, err = Read(strings.NewReader(bad), "x.jsonl", Options{})
	if want := "x.jsonl:2: invalid JSON"; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("bad middle line: %v, want %q…", err, want)
	}
}

func messages(src *Source) int {
	n := 0
	for _, c := range src.Conversations {
		n += len(c.Messages)
	}
	return n
}
