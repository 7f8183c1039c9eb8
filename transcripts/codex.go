package transcripts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	fastjson "github.com/goccy/go-json"
	"github.com/tokenscope/tokenscope/transcripts/internal/jsonerr"
)

// FormatCodex is a Codex CLI rollout
// (~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl, under $CODEX_HOME).
const FormatCodex = "codex"

func init() {
	Register(Format{
		Name:  FormatCodex,
		Doc:   "Codex CLI rollout JSONL ($CODEX_HOME/sessions/YYYY/MM/DD/rollout-*.jsonl)",
		Sniff: sniffCodex,
		Read:  readCodex,
	})
}

// sniffCodex: every rollout line is {timestamp, type, payload} with a type
// of its own.
func sniffCodex(s *Shape) int {
	if !s.Has("payload") {
		if s.Has("id") && s.Has("timestamp") && s.Has("instructions") && !s.Has("type") {
			return 50 // an envelope-less rollout's first line
		}
		return 0
	}
	for t := range codexItemTypes {
		if s.Is("type", t) {
			return Certain
		}
	}
	return 0
}

// agentIndexFile reports whether p is a file an agent CLI keeps beside its
// sessions that is not a session: Codex's history.jsonl and
// session_index.jsonl next to sessions/, Gemini CLI's logs.json (the
// prompts typed) next to chats/. They are skipped in a directory, silently.
func agentIndexFile(p string) bool {
	var beside string
	switch filepath.Base(p) {
	case "history.jsonl", "session_index.jsonl":
		beside = "sessions"
	case "logs.json":
		beside = "chats"
	default:
		return false
	}
	info, err := os.Stat(filepath.Join(filepath.Dir(p), beside))
	return err == nil && info.IsDir()
}

// codexLine is one line of a rollout: {timestamp, type, payload}. Older
// rollouts (Codex CLI 0.34 and before, mid-2025) have no envelope: a first line
// {id, timestamp, instructions}, {"record_type": …} markers, and the
// response items themselves.
type codexLine struct {
	Timestamp  string          `json:"timestamp"`
	Type       string          `json:"type"`
	Payload    json.RawMessage `json:"payload"`
	ID         string          `json:"id"`
	RecordType string          `json:"record_type"`
	raw        []byte
}

func (l *codexLine) UnmarshalJSON(b []byte) error {
	type plain codexLine
	if err := fastjson.Unmarshal(b, (*plain)(l)); err != nil {
		return json.Unmarshal(b, (*plain)(l)) // the standard library's error, for its line and path
	}
	l.raw = b // valid while the line is handled
	return nil
}

// codexLegacyItems are the response item types of envelope-less rollouts.
var codexLegacyItems = map[string]bool{"message": true, "reasoning": true, "function_call": true, "function_call_output": true,
	"custom_tool_call": true, "custom_tool_call_output": true, "local_shell_call": true, "web_search_call": true}

// codexItem is a payload: a response item (message, reasoning, tool call or
// output), an event, the session's metadata or a turn's context. One struct
// holds the fields of all of them; each type uses its own.
type codexItem struct {
	Type    string          `json:"type"`
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
	Summary json.RawMessage `json:"summary"`
	// Tool calls and their outputs.
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
	Input     json.RawMessage `json:"input"`
	Action    json.RawMessage `json:"action"`
	CallID    string          `json:"call_id"`
	Output    json.RawMessage `json:"output"`
	// session_meta, turn_context, compacted.
	ID               string          `json:"id"`
	Model            string          `json:"model"`
	Instructions     json.RawMessage `json:"instructions"`
	BaseInstructions json.RawMessage `json:"base_instructions"`
	Message          string          `json:"message"`
	// event_msg token_count.
	Info *struct {
		Total json.RawMessage `json:"total_token_usage"`
		Last  *codexUsage     `json:"last_token_usage"`
	} `json:"info"`
}

type codexPart struct {
	Type     string          `json:"type"`
	Text     string          `json:"text"`
	ImageURL json.RawMessage `json:"image_url"`
}

// codexUsage is Codex's token usage: input includes cached input, output
// includes reasoning (input + output = total).
type codexUsage struct {
	InputTokens           int64 `json:"input_tokens"`
	CachedInputTokens     int64 `json:"cached_input_tokens"`
	OutputTokens          int64 `json:"output_tokens"`
	ReasoningOutputTokens int64 `json:"reasoning_output_tokens"`
	TotalTokens           int64 `json:"total_tokens"`
}

func (u *codexUsage) normalise() *Usage {
	return &Usage{InputTokens: u.InputTokens, CachedInputTokens: u.CachedInputTokens,
		OutputTokens: u.OutputTokens, ReasoningTokens: u.ReasoningOutputTokens}
}

func (u *codexUsage) minus(v *codexUsage) *codexUsage {
	return &codexUsage{u.InputTokens - v.InputTokens, u.CachedInputTokens - v.CachedInputTokens,
		u.OutputTokens - v.OutputTokens, u.ReasoningOutputTokens - v.ReasoningOutputTokens, u.TotalTokens - v.TotalTokens}
}

// codexItemTypes are the line types of a rollout, for detection.
var codexItemTypes = map[string]bool{"session_meta": true, "turn_context": true, "response_item": true,
	"event_msg": true, "compacted": true}

// codexReader builds the conversations of one rollout.
type codexReader struct {
	file    string
	session string
	model   string
	convs   []*Conversation
	conv    *Conversation
	// pending is the index of the assistant message of the call in
	// progress (its items logged, its token_count not yet), or -1.
	pending int
	// lastTotal is the last cumulative usage seen: an event repeating it
	// is the same call logged again.
	lastTotal []byte
	prevTotal *codexUsage
	// early is a call's usage logged before its response items, as
	// rollouts of Codex CLI 0.39 and thereabouts log it; the next
	// assistant item claims it. Unclaimed when the next request starts,
	// it is a call whose reply the rollout did not keep.
	early *earlyUsage
}

// earlyUsage is a token_count waiting for its response items.
type earlyUsage struct {
	usage *Usage
	id    string
}

// readCodex reads one rollout. Text is taken from the response items only:
// the event_msg copies of the same text (user_message, agent_message,
// agent_reasoning) are for the UI. A call is a token_count event whose
// cumulative total changed; its usage is last_token_usage (or the change of
// the total), and it belongs to the assistant items logged since the last
// call. Codex does not log its system prompt's tools, so the input the log
// lacks is unlogged.
func readCodex(r io.Reader, file string) ([]*Conversation, error) {
	cr := &codexReader{file: file, pending: -1}
	cr.branch(nil)
	warnings, err := eachJSONL(r, file, nil, func(cl *codexLine, n int) error {
		return cr.line(cl, n)
	})
	if err != nil {
		return nil, err
	}
	cr.flushEarly()
	var convs []*Conversation
	for i, c := range cr.convs {
		if cr.session != "" {
			c.ID = cr.session
			if i > 0 {
				c.ID = fmt.Sprintf("%s~%d", cr.session, i+1)
			}
		}
		if c.Calls() > 0 || (len(c.Messages) > 0 && len(cr.convs) == 1) {
			convs = append(convs, c)
		}
	}
	if len(convs) == 0 {
		return nil, &Error{File: file, Msg: "no messages in this Codex rollout"}
	}
	convs[0].Warnings = append(convs[0].Warnings, warnings...)
	return convs, nil
}

// branch starts a new conversation; after a compaction its history is the
// summary Codex put in place of what came before.
func (cr *codexReader) branch(first *Message) {
	cr.flushEarly()
	id := baseID(cr.file)
	if len(cr.convs) > 0 {
		id = fmt.Sprintf("%s~%d", id, len(cr.convs)+1)
	}
	c := &Conversation{ID: id, Path: cr.file, Format: FormatCodex, Unlogged: true, Model: cr.model}
	if first != nil {
		c.Messages = append(c.Messages, *first)
	}
	cr.convs = append(cr.convs, c)
	cr.conv = c
	cr.pending = -1
}

func (cr *codexReader) line(cl *codexLine, n int) error {
	var at time.Time
	if cl.Timestamp != "" {
		t, err := time.Parse(time.RFC3339Nano, cl.Timestamp)
		if err != nil {
			return &Error{File: cr.file, Line: n, Path: "$.timestamp", Msg: fmt.Sprintf("not an RFC 3339 time: %q", jsonerr.Excerpt(cl.Timestamp, 40))}
		}
		at = t
	}
	payload := bytes.TrimSpace(cl.Payload)
	if len(payload) == 0 && cl.RecordType == "" {
		switch {
		case codexLegacyItems[cl.Type]:
			cl.Type, payload = "response_item", cl.raw
		case cl.Type == "" && cl.ID != "" && n == 1:
			cl.Type, payload = "session_meta", cl.raw
		}
	}
	if len(payload) == 0 || string(payload) == "null" {
		return nil
	}
	if !codexItemTypes[cl.Type] {
		return nil // a line type this reader does not know carries no message
	}
	// Each line type has its own payload: decode only the fields it uses.
	var it codexItem
	var err error
	switch cl.Type {
	case "session_meta":
		var p struct {
			ID               string          `json:"id"`
			Instructions     json.RawMessage `json:"instructions"`
			BaseInstructions json.RawMessage `json:"base_instructions"`
		}
		err = decodeJSON(payload, &p)
		it.ID, it.Instructions, it.BaseInstructions = p.ID, p.Instructions, p.BaseInstructions
	case "turn_context":
		var p struct {
			Model string `json:"model"`
		}
		err = decodeJSON(payload, &p)
		it.Model = p.Model
	case "compacted":
		var p struct {
			Message     string            `json:"message"`
			Replacement []json.RawMessage `json:"replacement_history"`
		}
		if err = decodeJSON(payload, &p); err == nil {
			return cr.compacted(p.Message, p.Replacement, at, n)
		}
	case "event_msg":
		var p struct {
			Type string `json:"type"`
		}
		if err = decodeJSON(payload, &p); err == nil && p.Type == "token_count" {
			err = decodeJSON(payload, &it)
		}
	default:
		err = decodeJSON(payload, &it)
	}
	if err != nil {
		return jsonError(cr.file, payload, n, "$.payload", err)
	}
	switch cl.Type {
	case "session_meta":
		if cr.session == "" {
			cr.session = it.ID
		}
		if s := codexInstructions(it.BaseInstructions); s != "" && len(cr.conv.Messages) == 0 {
			cr.conv.Messages = append(cr.conv.Messages, Message{Role: RoleSystem, Content: s, Time: at})
		} else if s := codexInstructions(it.Instructions); s != "" && len(cr.conv.Messages) == 0 {
			cr.conv.Messages = append(cr.conv.Messages, Message{Role: RoleSystem, Content: s, Time: at})
		}
	case "turn_context":
		if it.Model != "" {
			cr.model = it.Model
			if cr.conv.Model == "" {
				cr.conv.Model = it.Model
			}
		}
	case "event_msg":
		if it.Type == "token_count" {
			return cr.tokenCount(&it, n)
		}
	case "response_item":
		return cr.item(&it, at, n)
	}
	return nil
}

// compacted starts the history over: with the items Codex put in place of
// the history (replacement_history, newer versions) or with the summary
// alone. The replies among those items are history, not calls.
func (cr *codexReader) compacted(summary string, items []json.RawMessage, at time.Time, n int) error {
	if len(items) == 0 {
		cr.branch(&Message{Role: RoleUser, Content: summary, Time: at})
		return nil
	}
	cr.branch(nil)
	for i, raw := range items {
		var it codexItem
		if err := decodeJSON(raw, &it); err != nil {
			return jsonError(cr.file, raw, n, fmt.Sprintf("$.payload.replacement_history[%d]", i), err)
		}
		if err := cr.item(&it, at, n); err != nil {
			return err
		}
	}
	for i := range cr.conv.Messages {
		if cr.conv.Messages[i].Role == RoleAssistant {
			cr.conv.Messages[i].Replayed = true
		}
	}
	cr.pending = -1
	return nil
}

// stringOrNull is raw's text when it is a JSON string, "" when it is null
// or nothing; ok is false for any other value.
func stringOrNull(raw json.RawMessage) (s string, ok bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", true
	}
	err := json.Unmarshal(raw, &s)
	return s, err == nil
}

// codexInstructions returns instructions logged as a string or as {text}.
func codexInstructions(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if s, ok := stringOrNull(raw); ok {
		return s
	}
	var o struct {
		Text string `json:"text"`
	}
	_ = json.Unmarshal(raw, &o)
	return o.Text
}

// item adds one response item to the conversation.
func (cr *codexReader) item(it *codexItem, at time.Time, n int) error {
	c := cr.conv
	switch it.Type {
	case "message":
		text, images := codexText(codexParts(it.Content))
		m := Message{Content: text, Images: images, Time: at}
		switch it.Role {
		case "user":
			m.Role = RoleUser
		case "developer", "system":
			m.Role = RoleSystem
		case "assistant":
			a := cr.assistant(at)
			a.Content = joinNonEmpty(a.Content, text)
			a.Images += images
			return nil
		default:
			return &Error{File: cr.file, Line: n, Path: "$.payload.role", Msg: fmt.Sprintf("unknown role %q (want user, developer or assistant)", it.Role)}
		}
		cr.flushEarly()
		c = cr.conv
		c.Messages = append(c.Messages, m)
	case "reasoning":
		var parts []string
		for _, p := range append(codexParts(it.Summary), codexParts(it.Content)...) {
			if p.Text != "" {
				parts = append(parts, p.Text)
			}
		}
		a := cr.assistant(at)
		a.Reasoning = joinNonEmpty(a.Reasoning, strings.Join(parts, "\n"))
	case "function_call", "custom_tool_call", "local_shell_call", "web_search_call":
		args := jsonText(it.Arguments)
		if it.Type == "custom_tool_call" {
			args = jsonText(it.Input)
		}
		name := it.Name
		if it.Type == "local_shell_call" || it.Type == "web_search_call" {
			name = strings.TrimSuffix(it.Type, "_call")
			args = string(it.Action)
		}
		a := cr.assistant(at)
		a.ToolCalls = append(a.ToolCalls, ToolCall{ID: it.CallID, Name: name, Arguments: args})
	case "function_call_output", "custom_tool_call_output", "local_shell_call_output":
		cr.flushEarly()
		c = cr.conv
		c.Messages = append(c.Messages, Message{Role: RoleTool, ToolCallID: it.CallID, Content: codexOutput(it.Output), Time: at})
	}
	return nil
}

// assistant returns the assistant message of the call in progress,
// starting one when the last message is not it.
func (cr *codexReader) assistant(at time.Time) *Message {
	c := cr.conv
	if cr.pending >= 0 && cr.pending == len(c.Messages)-1 {
		return &c.Messages[cr.pending]
	}
	c.Messages = append(c.Messages, Message{Role: RoleAssistant, Time: at, Model: cr.model})
	cr.pending = len(c.Messages) - 1
	if e := cr.early; e != nil {
		// Usage logged before the items: it is this reply's. The call
		// stays open for the rest of its items.
		c.Messages[cr.pending].Usage, c.Messages[cr.pending].ResponseID = e.usage, e.id
		cr.early = nil
	}
	return &c.Messages[cr.pending]
}

// flushEarly ends a call whose usage was logged and whose items never
// came: a call whose reply the rollout did not keep (an aborted turn).
func (cr *codexReader) flushEarly() {
	e := cr.early
	if e == nil {
		return
	}
	cr.early = nil
	c := cr.conv
	c.Messages = append(c.Messages, Message{Role: RoleAssistant, Model: cr.model, NoReply: true, Usage: e.usage, ResponseID: e.id})
	cr.pending = -1
}

// tokenCount closes the call in progress when the cumulative total moved.
func (cr *codexReader) tokenCount(it *codexItem, n int) error {
	if it.Info == nil {
		return nil // rate limits only
	}
	total := bytes.TrimSpace(it.Info.Total)
	var usage *codexUsage
	var tot *codexUsage
	if len(total) > 0 && string(total) != "null" {
		if bytes.Equal(total, cr.lastTotal) {
			return nil // the same call logged again
		}
		tot = &codexUsage{}
		if err := decodeJSON(total, tot); err != nil {
			return jsonError(cr.file, total, n, "$.payload.info.total_token_usage", err)
		}
		// A session's totals may exceed one call's bound, not int64.
		for _, v := range []int64{tot.InputTokens, tot.CachedInputTokens, tot.OutputTokens, tot.ReasoningOutputTokens} {
			if v < 0 || v > 1<<50 {
				return &Error{File: cr.file, Line: n, Path: "$.payload.info.total_token_usage", Msg: fmt.Sprintf("a cumulative count of %d tokens cannot be", v)}
			}
		}
		cr.lastTotal = bytes.Clone(total)
		usage = it.Info.Last
		if usage == nil {
			prev := cr.prevTotal
			if prev == nil {
				prev = &codexUsage{}
			}
			usage = tot.minus(prev)
			if usage.InputTokens < 0 || usage.OutputTokens < 0 || usage.CachedInputTokens < 0 || usage.ReasoningOutputTokens < 0 {
				usage = tot // the total restarted (a resumed session): count from zero
			}
		}
		cr.prevTotal = tot
	} else {
		usage = it.Info.Last
	}
	if usage == nil {
		return nil
	}
	if err := checkCounts(cr.file, n, "$.payload.info.last_token_usage", namedCount{"input_tokens", usage.InputTokens},
		namedCount{"cached_input_tokens", usage.CachedInputTokens}, namedCount{"output_tokens", usage.OutputTokens},
		namedCount{"reasoning_output_tokens", usage.ReasoningOutputTokens}); err != nil {
		return err
	}
	id := ""
	if tot != nil && cr.session != "" {
		// The cumulative total names the call: the same rollout read
		// twice (a copy in another directory) counts it once.
		id = fmt.Sprintf("codex/%s/%d/%d/%d", cr.session, tot.InputTokens, tot.CachedInputTokens, tot.OutputTokens)
	}
	c := cr.conv
	i := cr.pending
	if i < 0 || c.Messages[i].Usage != nil {
		// No reply open, or the open one already has usage logged before
		// it: this usage is the next call's, whose items follow (or, if
		// none do, a call whose reply the rollout did not keep).
		cr.flushEarly()
		cr.early = &earlyUsage{usage: usage.normalise(), id: id}
		cr.pending = -1
		return nil
	}
	m := &c.Messages[i]
	m.Usage, m.ResponseID = usage.normalise(), id
	cr.pending = -1
	return nil
}

// codexText joins the text parts of a message and counts its images.
func codexText(parts []codexPart) (string, int) {
	var texts []string
	images := 0
	for _, p := range parts {
		switch p.Type {
		case "input_image":
			images++
		default:
			if p.Text != "" {
				texts = append(texts, p.Text)
			}
		}
	}
	return strings.Join(texts, "\n"), images
}

// codexParts reads content parts, or text logged in their place.
func codexParts(raw json.RawMessage) []codexPart {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var parts []codexPart
	if json.Unmarshal(raw, &parts) == nil {
		return parts
	}
	return []codexPart{{Type: "text", Text: jsonText(raw)}}
}

// codexOutput is a tool output: a string, a list of content items, or an
// object (kept as its JSON text).
func codexOutput(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if s, ok := stringOrNull(raw); ok {
		return s
	}
	var parts []codexPart
	if json.Unmarshal(raw, &parts) == nil {
		text, _ := codexText(parts)
		return text
	}
	return string(raw)
}
