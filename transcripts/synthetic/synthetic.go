// Package synthetic generates logs for benchmarks, load tests and the
// performance figures in docs: conversations cut from the demo's texts,
// Claude Code projects directories, and text whose passages do not repeat
// (DistinctText). The same seed gives the same output.
package synthetic

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tokenscope/tokenscope/transcripts"
)

// Twins are two identical conversations of one call each, a.jsonl and
// b.jsonl, priced as model ("" names none): the smallest tree, for tests of
// what is summed or projected per conversation.
func Twins(model string) []*transcripts.Conversation {
	var convs []*transcripts.Conversation
	for _, p := range []string{"a.jsonl", "b.jsonl"} {
		convs = append(convs, &transcripts.Conversation{ID: p, Path: p, Model: model, Messages: []transcripts.Message{
			{Role: transcripts.RoleUser, Content: "hi"}, {Role: transcripts.RoleAssistant, Content: "hello there"}}})
	}
	return convs
}

// Conversation builds a conversation of calls calls for benchmarks and
// load tests: a user message and reply on two calls of three, a tool round on
// the third, with text cut from the demo and numbered so nothing repeats.
// About 3.5 KB of text per call: 2,000 calls make ≈7 MB.
func Conversation(calls int, seed uint64) *transcripts.Conversation {
	demo := transcripts.Demo(transcripts.Options{}).Conversations[0]
	r := rand.New(rand.NewPCG(seed, 5))
	pick := textPicker(seed, 7)
	c := &transcripts.Conversation{ID: fmt.Sprintf("gen-%d", seed), Path: "generated", Format: "native", Model: "gpt-5", Tools: demo.Tools}
	c.Messages = append(c.Messages, demo.Messages[0])
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	for i := range calls {
		at = at.Add(time.Duration(20+r.IntN(200)) * time.Second)
		if i%3 == 1 {
			id := fmt.Sprintf("call_%d", i)
			c.Messages = append(c.Messages,
				transcripts.Message{Role: "assistant", ToolCalls: []transcripts.ToolCall{{ID: id, Name: "read_file", Arguments: `{"path":"` + pick(30) + `"}`}}, Time: at,
					Usage: &transcripts.Usage{OutputTokens: 40, ReasoningTokens: 30}},
				transcripts.Message{Role: "tool", ToolCallID: id, Name: "read_file", Content: pick(5000), Time: at})
			continue
		}
		c.Messages = append(c.Messages,
			transcripts.Message{Role: "user", Content: pick(800), Time: at},
			transcripts.Message{Role: "assistant", Content: pick(1900), Time: at, Usage: &transcripts.Usage{ReasoningTokens: int64(r.IntN(500))}})
	}
	return c
}

// WriteClaudeCode writes a Claude Code projects directory under
// dir for benchmarks: sessions session files of about sessionBytes each,
// spread over a few projects, with user and assistant lines, tool_use and
// tool_result rounds, responses split over several lines sharing
// message.id + requestId (about 20% of assistant lines are such repeats),
// summary, progress and file-history-snapshot lines. It returns the bytes
// written and the number of distinct API responses.
func WriteClaudeCode(dir string, sessions, sessionBytes int, seed uint64) (total int64, responses int, err error) {
	r := rand.New(rand.NewPCG(seed, 11))
	pick := textPicker(seed, 13)
	jsonStr := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	at := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	for s := range sessions {
		project := filepath.Join(dir, fmt.Sprintf("-home-dev-project-%d", s%7))
		if err := os.MkdirAll(project, 0o755); err != nil {
			return total, responses, err
		}
		session := fmt.Sprintf("%08x-0000-4000-8000-%012x", seed, s)
		f, err := os.Create(filepath.Join(project, session+".jsonl"))
		if err != nil {
			return total, responses, err
		}
		w := bufio.NewWriterSize(f, 1<<20)
		written := 0
		line := func(format string, a ...any) {
			n, _ := fmt.Fprintf(w, format+"\n", a...)
			written += n
		}
		line(`{"type":"summary","summary":%s,"leafUuid":"leaf-%d"}`, jsonStr(pick(40)), s)
		parent := "null"
		cacheRead := int64(12000)
		for turn := 0; written < sessionBytes; turn++ {
			at = at.Add(time.Duration(5+r.IntN(60)) * time.Second)
			uid := fmt.Sprintf("u-%d-%d", s, turn)
			base := func(uuid, typ string) string {
				return fmt.Sprintf(`"parentUuid":%s,"isSidechain":false,"userType":"external","cwd":"/home/dev/project","sessionId":"%s","version":"2.1.3","gitBranch":"main","type":"%s","uuid":"%s","timestamp":"%s"`,
					parent, session, typ, uuid, at.Format(time.RFC3339Nano))
			}
			if turn%5 == 0 {
				line(`{"type":"file-history-snapshot","messageId":"%s","snapshot":{"messageId":"%s","trackedFileBackups":{"src/app.ts":{"backupFileName":%s}},"timestamp":"%s"},"isSnapshotUpdate":false}`,
					uid, uid, jsonStr(pick(3000)), at.Format(time.RFC3339))
			}
			line(`{%s,"message":{"role":"user","content":%s}}`, base(uid, "user"), jsonStr(pick(300)))
			parent = `"` + uid + `"`
			for step := 0; step < 1+r.IntN(3); step++ {
				responses++
				msgID := fmt.Sprintf("msg_%d_%d_%d", s, turn, step)
				req := fmt.Sprintf("req_%d_%d_%d", s, turn, step)
				cacheRead += int64(400 + r.IntN(2000))
				// One response's lines share its usage but for output_tokens,
				// a placeholder on all but the last line.
				input, write := 3+r.IntN(10), 200+r.IntN(1500)
				usage := func(out int) string {
					return fmt.Sprintf(`{"input_tokens":%d,"cache_creation_input_tokens":%d,"cache_read_input_tokens":%d,"cache_creation":{"ephemeral_5m_input_tokens":%d,"ephemeral_1h_input_tokens":%d},"output_tokens":%d,"service_tier":"standard"}`,
						input, write, cacheRead, write-200, 200, out)
				}
				aid := fmt.Sprintf("a-%d-%d-%d", s, turn, step)
				msg := func(content string, out int) string {
					return fmt.Sprintf(`{"id":"%s","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[%s],"stop_reason":null,"stop_sequence":null,"usage":%s}`, msgID, content, usage(out))
				}
				// A response split over lines: text first (placeholder usage),
				// then the tool call; each line's parent is the line before.
				line(`{%s,"requestId":"%s","message":%s}`, base(aid+"a", "assistant"), req, msg(`{"type":"text","text":`+jsonStr(pick(500))+`}`, 3))
				parent = `"` + aid + `a"`
				tool := fmt.Sprintf("toolu_%d_%d_%d", s, turn, step)
				line(`{%s,"requestId":"%s","message":%s}`, base(aid+"b", "assistant"), req, msg(`{"type":"tool_use","id":"`+tool+`","name":"Read","input":{"file_path":`+jsonStr("/src/"+pick(20))+`}}`, 100+r.IntN(400)))
				parent = `"` + aid + `b"`
				line(`{"type":"progress","data":{"type":"hook_progress","hookName":"PostToolUse"},"parentUuid":%s,"uuid":"p-%s","timestamp":"%s","sessionId":"%s"}`, parent, aid, at.Format(time.RFC3339), session)
				parent = `"p-` + aid + `"`
				line(`{%s,"message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"%s","content":%s}]},"toolUseResult":{"type":"text"}}`, base("t"+aid, "user"), tool, jsonStr(pick(2500)))
				parent = `"t` + aid + `"`
			}
		}
		if err := w.Flush(); err != nil {
			return total, responses, err
		}
		if err := f.Close(); err != nil {
			return total, responses, err
		}
		total += int64(written)
	}
	return total, responses, nil
}

// textPicker returns a function giving about n bytes of text: slices of
// the demo's texts, numbered so that no two are alike.
func textPicker(seed, stream uint64) func(n int) string {
	if Distinct {
		return distinctPicker(seed, stream)
	}
	var texts []string
	for _, m := range transcripts.Demo(transcripts.Options{}).Conversations[0].Messages {
		if len(m.Content) > 200 {
			texts = append(texts, m.Content)
		}
	}
	r := rand.New(rand.NewPCG(seed, stream))
	return func(n int) string {
		var b strings.Builder
		for b.Len() < n {
			t := texts[r.IntN(len(texts))]
			if rest := n - b.Len(); len(t) > rest {
				start := r.IntN(len(t) - rest + 1)
				t = t[start : start+rest]
			}
			fmt.Fprintf(&b, "[%d] %s\n", r.IntN(1_000_000), t)
		}
		return b.String()
	}
}

// Distinct makes Conversation and WriteClaudeCode take their text from
// DistinctText rather than cut it from the demo's messages, for benchmarks
// on text whose passages do not repeat.
var Distinct bool

// distinctPicker hands out consecutive slices of one endless DistinctText
// stream, so no two picks share a passage.
func distinctPicker(seed, stream uint64) func(n int) string {
	g := newTextGen(seed ^ stream<<32)
	var buf strings.Builder
	return func(n int) string {
		for buf.Len() < n {
			g.block(&buf)
		}
		s := buf.String()
		out := s[:n]
		for n < len(s) && !utf8.RuneStart(s[n]) { // whole runes only
			n++
		}
		out = s[:n]
		rest := s[n:]
		buf.Reset()
		buf.WriteString(rest)
		return out
	}
}
