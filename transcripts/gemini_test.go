package transcripts

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// Real Gemini CLI sessions in the single-document layout.
func TestGeminiCLISessions(t *testing.T) {
	for _, tt := range []struct {
		file           string
		id             string
		calls, results int
		sum            Usage
	}{
		// 7 gemini messages; python over the raw file: input 67273,
		// cached 43377, output 300, thoughts 377, tool 0. Thoughts bill
		// as output: 300 + 377 = 677. total 67950 = 67273 + 300 + 377:
		// input already holds the cached tokens.
		{"testdata/gemini/session-2025-12-09T19-51-f0a689a6.json", "f0a689a6-b0ac-407f-afcc-4fafa9e14e8a", 7, 5,
			Usage{InputTokens: 67273, CachedInputTokens: 43377, OutputTokens: 677, ReasoningTokens: 377}},
		// 9 gemini messages: input 87418, cached 62117, output 1441,
		// thoughts 2914 (1441 + 2914 = 4355); total 91773 = 87418 + 4355.
		{"testdata/gemini/session-2026-01-16T11-01-file-ops-37b7abef.json", "37b7abef-713d-4522-85f0-8ff15a4e6d17", 9, 14,
			Usage{InputTokens: 87418, CachedInputTokens: 62117, OutputTokens: 4355, ReasoningTokens: 2914}},
	} {
		src := open(t, tt.file)
		calls, sum := reported(src)
		if src.Format != FormatGeminiCLI || len(src.Conversations) != 1 || calls != tt.calls || sum != tt.sum {
			t.Errorf("%s: %s, %d conversations, %d calls, %+v; want %d calls, %+v", tt.file, src.Format, len(src.Conversations), calls, sum, tt.calls, tt.sum)
			continue
		}
		c := src.Conversations[0]
		results := 0
		for _, m := range c.Messages {
			if m.Role == RoleTool {
				results++
			}
		}
		if c.ID != tt.id || !c.Unlogged || results != tt.results {
			t.Errorf("%s: id %q, unlogged %v, %d tool results (want %d)", tt.file, c.ID, c.Unlogged, results, tt.results)
		}
	}
	c := open(t, "testdata/gemini/session-2025-12-09T19-51-f0a689a6.json").Conversations[0]
	a := c.Messages[1]
	if a.Model != "gemini-2.5-flash" || len(a.ToolCalls) != 1 || a.ToolCalls[0].Name != "run_shell_command" ||
		!strings.HasPrefix(a.Reasoning, "Analyzing the Task's Requirements\nI'm currently focused") || c.Messages[2].Role != RoleTool || c.Messages[2].ToolCallID != a.ToolCalls[0].ID {
		t.Errorf("first reply %+v, then %+v", a, c.Messages[2])
	}
}

// geminiJournal writes a session in the JSONL layout as Gemini CLI
// journals it: a header, each message appended, every reply written first
// as it starts (no tokens) and again, under the same id, with its usage,
// $set lines between.
func geminiJournal(t *testing.T, file string) string {
	t.Helper()
	var doc struct {
		SessionID   string                       `json:"sessionId"`
		ProjectHash string                       `json:"projectHash"`
		Messages    []map[string]json.RawMessage `json:"messages"`
	}
	if err := json.Unmarshal(readFile(t, file), &doc); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `{"sessionId":%q,"projectHash":%q,"startTime":"2025-12-09T19:51:29.418Z","kind":"main"}`+"\n", doc.SessionID, doc.ProjectHash)
	for _, m := range doc.Messages {
		if string(m["type"]) == `"gemini"` {
			start := map[string]json.RawMessage{"id": m["id"], "timestamp": m["timestamp"], "type": m["type"], "content": json.RawMessage(`""`)}
			line, _ := json.Marshal(start)
			b.Write(append(line, '\n'))
			b.WriteString(`{"$set":{"lastUpdated":"2025-12-09T19:54:21.715Z"}}` + "\n")
		}
		line, _ := json.Marshal(m)
		b.Write(append(line, '\n'))
	}
	return b.String()
}

func TestGeminiCLIJournal(t *testing.T) {
	const file = "testdata/gemini/session-2025-12-09T19-51-f0a689a6.json"
	journal := geminiJournal(t, file)
	src, err := readString(t, "", journal)
	if err != nil {
		t.Fatal(err)
	}
	// The same calls and sums as the document it was written from: the
	// records written without tokens were replaced, not added.
	calls, sum := reported(src)
	if want := (Usage{InputTokens: 67273, CachedInputTokens: 43377, OutputTokens: 677, ReasoningTokens: 377}); src.Format != FormatGeminiCLI || calls != 7 || sum != want {
		t.Errorf("%s: %d calls, %+v; want 7, %+v", src.Format, calls, sum, want)
	}
	// Rewinding to the second prompt forks: the 7 calls stay, the new
	// branch was sent the 8 messages before that prompt (the first
	// prompt, 4 replies, 3 tool results: history there), then a new
	// prompt and one more call: 10 messages.
	var second string
	for _, l := range strings.Split(journal, "\n") {
		if strings.Contains(l, `"cd to myapp and run python hoge.py"`) {
			var m struct{ ID string }
			json.Unmarshal([]byte(l), &m)
			second = m.ID
		}
	}
	journal += `{"$rewindTo":"` + second + `"}` + "\n" +
		`{"id":"u9","timestamp":"2025-12-09T19:55:00Z","type":"user","content":[{"text":"run it with python3"}]}` + "\n" +
		`{"id":"g9","timestamp":"2025-12-09T19:55:03Z","type":"gemini","content":"2","model":"gemini-2.5-flash","tokens":{"input":6600,"output":1,"cached":5800,"thoughts":10,"tool":0,"total":6611}}` + "\n"
	src, err = readString(t, "", journal)
	if err != nil {
		t.Fatal(err)
	}
	calls, sum = reported(src)
	if len(src.Conversations) != 2 || calls != 8 || sum.InputTokens != 67273+6600 || sum.OutputTokens != 677+11 {
		t.Errorf("%d conversations, %d calls, %+v", len(src.Conversations), calls, sum)
	}
	if fork := src.Conversations[1]; len(fork.Messages) != 10 || fork.Calls() != 1 || !fork.Messages[1].Replayed {
		t.Errorf("fork: %d messages, %d calls", len(fork.Messages), fork.Calls())
	}
}

func TestGeminiCLIBadInput(t *testing.T) {
	head := `{"sessionId":"s","projectHash":"p","startTime":"2025-12-09T19:51:29.418Z"}` + "\n"
	for _, tt := range []struct{ lines, want string }{
		{head + `{"id":"g","type":"gemini","content":"x","tokens":{"input":-4,"output":1}}` + "\n", "test:2: $.tokens.input: -4 tokens is negative"},
		{head + `{"id":"g","type":"gemini","content":"x","tokens":{"input":4,"thoughts":2000000000,"output":1}}` + "\n", "test:2: $.tokens.thoughts: 2000000000 tokens is more than any call can have (1000000000)"},
		{head + `{"$rewindTo":"nowhere"}` + "\n", `test:2: $.$rewindTo: no message "nowhere" to rewind to`},
		{head + `{"id":"u","type":"user","timestamp":"noon","content":"x"}` + "\n", `test:2: $.timestamp: not an RFC 3339 time: "noon"`},
	} {
		_, err := readString(t, FormatGeminiCLI, tt.lines)
		if err == nil || err.Error() != tt.want {
			t.Errorf("error %v, want %q", err, tt.want)
		}
	}
	// ~/.gemini/tmp/<hash>/logs.json lists the prompts typed, not a session.
	logs := `[{"sessionId":"5b959dae","messageId":0,"type":"user","message":"hi","timestamp":"2025-12-01T21:45:34.356Z"}]`
	if _, err := readString(t, "", logs); err == nil || !strings.Contains(err.Error(), "a Gemini CLI prompt log (logs.json)") {
		t.Errorf("logs.json: %v", err)
	}
}
