package transcripts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	fastjson "github.com/goccy/go-json"
)

// FormatClaudeCode is a Claude Code session log
// (~/.claude/projects/<project>/<session>.jsonl).
const FormatClaudeCode = "claude-code"

// ccSkip are line types that carry no message; they are skipped without a
// warning, and streamed past unread when their type comes first on the
// line (file-history-snapshot lines can be hundreds of MB).
var ccSkip = []string{"file-history-snapshot", "attachment", "permission-mode", "last-prompt",
	"queue-operation", "progress", "system", "summary", "custom-title", "tag"}

var ccSkipPrefixes = func() [][]byte {
	var out [][]byte
	for _, t := range ccSkip {
		if t == "summary" {
			continue // read: a leading one marks a resumed session's copies (ccResume)
		}
		out = append(out, []byte(`{"type":"`+t+`"`))
	}
	return out
}()

func ccSkipHead(head []byte) bool {
	head = bytes.TrimLeft(head, " \t")
	for _, p := range ccSkipPrefixes {
		if bytes.HasPrefix(head, p) {
			return true
		}
	}
	return false
}

func init() {
	Register(Format{
		Name:  FormatClaudeCode,
		Doc:   "Claude Code session JSONL (~/.claude/projects/<project>/<session>.jsonl)",
		Sniff: sniffClaudeCode,
		Read:  readClaudeCode,
	})
}

func sniffClaudeCode(s *Shape) int {
	switch {
	case s.Has("leafUuid"), s.Is("type", "file-history-snapshot"),
		s.Has("sessionId") && (s.Has("parentUuid") || s.Has("uuid")),
		s.Has("uuid") && s.Has("message"):
		return 100
	}
	for _, t := range ccSkip {
		if t != "system" && s.Is("type", t) {
			return 90
		}
	}
	if s.Has("sessionId") {
		return 60 // other tools name sessions too (Gemini CLI)
	}
	return 0
}

// ccHead is what a Claude Code line says besides its message.
type ccHead struct {
	Type        string  `json:"type"`
	UUID        string  `json:"uuid"`
	ParentUUID  *string `json:"parentUuid"`
	IsSidechain bool    `json:"isSidechain"`
	IsMeta      bool    `json:"isMeta"`
	// IsCompactSummary marks the summary /compact puts in place of the
	// history: the calls after it were not sent what came before.
	IsCompactSummary bool   `json:"isCompactSummary"`
	SessionID        string `json:"sessionId"`
	AgentID          string `json:"agentId"`
	Timestamp        stamp  `json:"timestamp"`
	RequestID        string `json:"requestId"`
	// LeafUUID is a summary line's last message (see ccResume).
	LeafUUID string `json:"leafUuid"`
}

// ccMessage is a line's message; C is how its content is decoded.
type ccMessage[C any] struct {
	ID      string   `json:"id"`
	Role    string   `json:"role"`
	Model   string   `json:"model"`
	Content C        `json:"content"`
	Usage   *anUsage `json:"usage"`
}

// ccLine is a line as read: content raw, or already decoded as blocks
// when the line's content was an array (see decodeCCLine).
type ccLine struct {
	ccHead
	Message *ccMessage[json.RawMessage] `json:"message"`
	blocks  []anBlock
	decoded bool // blocks hold the content; Message.Content is empty
}

// ccBlocksLine is a line whose content is an array of blocks.
type ccBlocksLine struct {
	ccHead
	Message *ccMessage[[]anBlock] `json:"message"`
}

// ccDecode decodes Claude Code lines with the file's scanner (a variable
// for the test that compares it with the general paths).
var ccDecode = (*ccScan).decode

// decodeCCLine decodes a line in one pass when its content is an array of
// blocks (tool results, replies: most of a log's bytes), instead of
// copying the content out raw and parsing it again. Any other line
// (string content, or a line that does not decode) takes the two-pass
// path, whose errors name the line and path exactly.
func decodeCCLine(line []byte, cl *ccLine) error {
	var b ccBlocksLine
	if fastjson.Unmarshal(line, &b) == nil {
		cl.ccHead = b.ccHead
		if m := b.Message; m != nil {
			cl.Message = &ccMessage[json.RawMessage]{ID: m.ID, Role: m.Role, Model: m.Model, Usage: m.Usage}
			cl.blocks, cl.decoded = m.Content, true
		}
		return nil
	}
	return decodeJSON(line, cl)
}

// content is the blocks of the line's message: decoded with the line, or
// decoded now from its raw content.
func (cl *ccLine) content(file string, n int) ([]anBlock, error) {
	if cl.decoded {
		return cl.blocks, nil
	}
	var blocks []anBlock
	content := bytes.TrimSpace(cl.Message.Content)
	if len(content) > 0 && content[0] == '"' {
		var s string
		if err := decodeJSON(content, &s); err != nil {
			return nil, &Error{File: file, Line: n, Path: "$.message.content", Msg: jsonMsg(err)}
		}
		blocks = []anBlock{{Type: "text", Text: s}}
	} else if len(content) > 0 && string(content) != "null" {
		if err := decodeJSON(content, &blocks); err != nil {
			return nil, &Error{File: file, Line: n, Path: "$.message.content", Msg: "content must be a string or an array of blocks"}
		}
	}
	return blocks, nil
}

// ccThread is one conversation being built: the main thread of a session
// or one sidechain (subagent) thread.
type ccThread struct {
	id    string
	convs []*Conversation // its branches; conv, the last, is being written
	conv  *Conversation
	reply map[string]int   // message id + request id → index of its message in conv
	at    map[string]ccPos // line uuid → the message it went into
}

// ccPos is where a line's message is.
type ccPos struct {
	conv  *Conversation
	index int
}

// branch starts a new conversation in the thread whose history is the
// first n messages of from (nil: none). Claude Code writes a rewind as
// lines whose parent is an earlier message, and /compact as a new root:
// the calls after it were sent that history, not the whole file. Copied
// replies are history only; their calls are counted where they were made.
func (t *ccThread) branch(from *Conversation, n int) {
	c := &Conversation{ID: fmt.Sprintf("%s~%d", t.id, len(t.convs)+1), Path: t.conv.Path, Format: FormatClaudeCode, Unlogged: true, Model: t.conv.Model}
	if from != nil {
		c.Messages = append([]Message(nil), from.Messages[:n]...)
		for i := range c.Messages {
			if c.Messages[i].Role == RoleAssistant {
				c.Messages[i].Replayed = true
			}
		}
	}
	t.convs = append(t.convs, c)
	t.conv = c
	t.reply = map[string]int{}
}

// place records that line uuid went into the last message of conv.
func (t *ccThread) place(uuid string) {
	if uuid != "" && len(t.conv.Messages) > 0 {
		t.at[uuid] = ccPos{t.conv, len(t.conv.Messages) - 1}
	}
}

// readClaudeCode reads one session file. Each assistant line with usage is
// part of a call; the lines of one response share message.id + requestId
// and are merged, with the usage of the last line (earlier lines carry a
// streaming placeholder for output_tokens). Sidechain lines form threads of
// their own, rooted where they leave the main thread.
func readClaudeCode(r io.Reader, file string) ([]*Conversation, error) {
	return readClaudeCodeWith(r, file, ccDecode)
}

// readClaudeCodeWith is readClaudeCode decoding lines with decode.
func readClaudeCodeWith(r io.Reader, file string, decode func(*ccScan, []byte, *ccLine) error) ([]*Conversation, error) {
	threads := map[string]*ccThread{}
	var order []string
	threadOf := map[string]string{} // uuid → thread key
	session := ""
	sc := &ccScan{}
	var scratch []Message // a line's messages, copied out
	var resume ccResume
	var copies ccCopies
	warnings, err := eachJSONLWith(r, file, ccSkipHead, func(line []byte, cl *ccLine) error { return decode(sc, line, cl) }, func(cl *ccLine, n int) error {
		if cl.Type == "summary" {
			resume.summary(cl.LeafUUID)
			return nil
		}
		if cl.Type != "user" && cl.Type != "assistant" {
			return nil
		}
		if cl.Message == nil {
			return nil
		}
		if err := cl.Timestamp.check(file, n, "$.timestamp"); err != nil {
			return err
		}
		if resume.line(cl.UUID) {
			defer func() { copies = copiesOf(threads) }()
		}
		if session == "" {
			session = cl.SessionID
		}
		key := ccThreadKey(cl, threadOf)
		if cl.UUID != "" {
			threadOf[cl.UUID] = key
		}
		t := threads[key]
		if t == nil {
			t = newCCThread(file, key)
			threads[key] = t
			order = append(order, key)
		}
		// A line whose parent is not the last message written forks the
		// thread (a rewind); a new root after messages restarts it (/compact).
		rkey := ""
		if cl.Type == "assistant" {
			rkey = cl.Message.ID + "/" + cl.RequestID
		}
		if cl.Type == "user" || cl.Message.Model != "<synthetic>" {
			merging := false
			if cl.Type == "assistant" {
				_, merging = t.reply[rkey]
			}
			switch {
			case merging:
			case (cl.IsCompactSummary || cl.ParentUUID == nil) && len(t.conv.Messages) > 0 && key == "main":
				t.branch(nil, 0)
			case cl.ParentUUID != nil:
				if pos, ok := t.at[*cl.ParentUUID]; ok && (pos.conv != t.conv || pos.index != len(t.conv.Messages)-1) &&
					!(cl.Type == "user" && pos.conv == t.conv && onlyToolResultsAfter(t.conv, pos.index)) {
					t.branch(pos.conv, pos.index+1)
				}
			}
		}
		c := t.conv
		blocks, err := cl.content(file, n)
		if err != nil {
			return err
		}
		if cl.Type == "user" {
			from := len(c.Messages)
			c.Messages = appendBlockMessages(c.Messages, RoleUser, blocks)
			for i := from; i < len(c.Messages); i++ {
				c.Messages[i].Time = cl.Timestamp.t
			}
			t.place(cl.UUID)
			return nil
		}
		if cl.Message.Model == "<synthetic>" {
			return nil // written by Claude Code itself, not a model call
		}
		scratch = appendBlockMessages(scratch[:0], RoleAssistant, blocks)
		m := scratch[len(scratch)-1]
		m.Time, m.Model = cl.Timestamp.t, cl.Message.Model
		if cl.Message.Usage != nil {
			if err := cl.Message.Usage.check(file, n, "$.message.usage"); err != nil {
				return err
			}
			m.Usage = cl.Message.Usage.normalise()
		}
		if c.Model == "" {
			c.Model = m.Model
		}
		if i, ok := t.reply[rkey]; ok && cl.Message.ID != "" {
			// Another line of the same response: merge it.
			mergeLine(&c.Messages[i], &m)
			if cl.UUID != "" {
				t.at[cl.UUID] = ccPos{c, i}
			}
			return nil
		}
		if cl.Message.ID != "" {
			m.ResponseID = rkey
		}
		t.reply[rkey] = len(c.Messages)
		c.Messages = append(c.Messages, m)
		t.place(cl.UUID)
		return nil
	}, false)
	if err != nil {
		return nil, err
	}
	if resume.after {
		// Every response up to the leaf was copied from the resumed
		// session: history here, its call counted where it was made.
		if w := copiedWarning(file, copies.mark()); w != "" {
			warnings = append(warnings, w)
		}
	}
	return ccConversations(threads, order, file, warnings)
}

// ccConversations are the conversations of a file's threads, in order:
// those that make calls, and a thread's only one even without.
func ccConversations(threads map[string]*ccThread, order []string, file string, warnings []string) ([]*Conversation, error) {
	var convs []*Conversation
	for _, k := range order {
		for _, c := range threads[k].convs {
			if c.Calls() > 0 || (len(c.Messages) > 0 && len(threads[k].convs) == 1) {
				convs = append(convs, c)
			}
		}
	}
	if len(convs) == 0 {
		return nil, &Error{File: file, Msg: "no user or assistant messages in this Claude Code log"}
	}
	convs[0].Warnings = append(convs[0].Warnings, warnings...)
	return convs, nil
}

// ccThreadKey is the thread a line belongs to: the main one, or the
// sidechain its parent is in (threadOf: uuid → thread key), or a new
// sidechain (named after its agent when the line says).
func ccThreadKey(cl *ccLine, threadOf map[string]string) string {
	if !cl.IsSidechain {
		return "main"
	}
	if cl.ParentUUID != nil {
		if k, ok := threadOf[*cl.ParentUUID]; ok && k != "main" {
			return k
		}
	}
	if cl.AgentID != "" {
		return "agent:" + cl.AgentID
	}
	return "sidechain:" + cl.UUID
}

// newCCThread starts thread key of session file: its conversation is
// named after the file, a subagent's after its session too, a sidechain's
// after its agent.
func newCCThread(file, key string) *ccThread {
	id := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	dir := filepath.Dir(file)
	switch {
	case filepath.Base(dir) == "subagents":
		// <session>/subagents/agent-<id>.jsonl: name it after its session.
		id = filepath.Base(filepath.Dir(dir)) + "/" + id
	case key != "main":
		id += "/" + strings.TrimPrefix(strings.TrimPrefix(key, "agent:"), "sidechain:")
	}
	c := &Conversation{ID: id, Path: file, Format: FormatClaudeCode, Unlogged: true}
	return &ccThread{id: id, convs: []*Conversation{c}, conv: c, reply: map[string]int{}, at: map[string]ccPos{}}
}

// mergeLine merges m, another line of the response prev, into prev: the
// last line's usage is the response's.
func mergeLine(prev, m *Message) {
	prev.Content = joinNonEmpty(prev.Content, m.Content)
	prev.Reasoning = joinNonEmpty(prev.Reasoning, m.Reasoning)
	prev.ToolCalls = append(prev.ToolCalls, m.ToolCalls...)
	prev.Images += m.Images
	prev.skipped = append(prev.skipped, m.skipped...)
	if m.Usage != nil {
		prev.Usage = m.Usage
	}
}

func joinNonEmpty(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "\n" + b
}

// onlyToolResultsAfter reports whether every message of c after index i is
// a tool result. Claude Code parents each result of parallel tool calls on
// its own tool_use line, so the second result's parent is not the last
// message written: that is a sibling, not a rewind.
func onlyToolResultsAfter(c *Conversation, i int) bool {
	for _, m := range c.Messages[i+1:] {
		if m.Role != RoleTool {
			return false
		}
	}
	return true
}

// ccResume finds the lines a resumed session copied from the session it
// resumes. Claude Code's --resume and --continue (1.0.x) start a new
// session file with a summary line whose leafUuid is the last message of
// the resumed session, then a copy of that session's lines (same uuid,
// message id and request id; the sessionId rewritten, the timestamp that
// of the resume), then the new turns (Lewik/gromozeka
// docs/session-management.md; slopus/happy-cli CLAUDE.md "Session Forking";
// ccusage pull 1765). The copies' calls were made, and billed, in the
// resumed session: here they are history only, and their times, those of
// the resume, are no call's. A leading summary whose leaf is this file's
// last message is a title, not a resume: only lines after the leaf make
// the lines up to it copies.
type ccResume struct {
	leaves map[string]bool // leafUuid of the summaries before the first message
	seen   bool            // a user or assistant line was read
	leaf   bool            // the last copied line was read
	after  bool            // and a message line after it
}

// summary notes a summary line's leaf, when it leads the file.
func (r *ccResume) summary(leaf string) {
	if r.seen || leaf == "" {
		return
	}
	if r.leaves == nil {
		r.leaves = map[string]bool{}
	}
	r.leaves[leaf] = true
}

// line notes a message line; it reports whether the line is the last one
// copied from the resumed session (a leading summary names it).
func (r *ccResume) line(uuid string) bool {
	r.seen = true
	if r.leaf {
		r.after = true
		return false
	}
	if len(r.leaves) == 0 || !r.leaves[uuid] {
		return false
	}
	r.leaf = true
	return true
}

// copiedWarning says that n responses of a resumed session's file were
// copied from the session it resumes; "" when none.
func copiedWarning(file string, n int) string {
	switch {
	case n == 1:
		return fmt.Sprintf("%s: 1 response copied from the session it resumes is history here: its call is counted in that session's log, when it is read too", file)
	case n > 1:
		return fmt.Sprintf("%s: %d responses copied from the session it resumes are history here: their calls are counted in that session's log, when it is read too", file, n)
	}
	return ""
}

// ccCopies are the messages of each conversation when the last copied
// line was read.
type ccCopies map[*Conversation]int

func copiesOf(threads map[string]*ccThread) ccCopies {
	out := ccCopies{}
	for _, t := range threads {
		for _, c := range t.convs {
			out[c] = len(c.Messages)
		}
	}
	return out
}

// mark marks the copied responses as replayed and returns how many were
// calls.
func (cp ccCopies) mark() int {
	calls := 0
	for c, n := range cp {
		for i := range c.Messages[:n] {
			if m := &c.Messages[i]; m.Role == RoleAssistant {
				if !m.Replayed {
					calls++
				}
				m.Replayed = true
			}
		}
	}
	return calls
}
