// Package transcripts reads logged LLM conversations into one model: a
// conversation is an ordered list of messages, and every assistant message is
// the response of one call to the model. It knows nothing of tokens or prices.
// Its subpackages follow logs as they are written (follow) and generate logs
// for benchmarks and tests (synthetic).
package transcripts

import (
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"
)

// Role is who wrote a message.
type Role string

// The roles a message can have.
const (
	RoleSystem    Role = "system"
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
	RoleTool      Role = "tool"
)

// Message is one message of a conversation as it was sent to or produced by
// the model.
type Message struct {
	Role    Role
	Name    string // optional participant or tool name
	Content string // the text, with content blocks joined by newlines
	// ToolCalls are the tool invocations an assistant message made.
	ToolCalls []ToolCall
	// ToolCallID links a tool message to the call it answers.
	ToolCallID string
	// RAG marks the whole message as retrieved context.
	RAG bool
	// RAGSpans are the parts of Content that are retrieved context (for
	// example the text of a <context>…</context> tag, tags included).
	RAGSpans []string
	// Images is the number of images attached to the message.
	Images int
	// Reasoning is the visible thinking text of an assistant message
	// (Anthropic thinking blocks); billed reasoning can be longer.
	Reasoning string
	// Time is when the message was logged; zero when unknown.
	Time time.Time
	// Model is the model that produced an assistant message, if logged.
	Model string
	// Usage is the usage the provider reported for the call whose response
	// this assistant message is; nil when the log has none.
	Usage *Usage
	// ResponseID identifies the provider's response (Claude Code: message
	// id + request id), so that a response logged twice is counted once.
	ResponseID string
	// Tags are the cost-centre tags of the call whose response this
	// assistant message is (the proxy's X-Tokenscope-Tag); nil when none.
	Tags map[string]string
	// NoReply marks an assistant message standing for a response the log
	// does not hold (a request logged alone): the call was made, its
	// output is unknown.
	NoReply bool
	// skipped are the types of content parts the reader could not count
	// (audio, unknown blocks), for one warning per conversation.
	skipped []string
	// Replayed marks an assistant message whose call is counted elsewhere
	// (a resumed session repeating an earlier one): it is history here,
	// not a call.
	Replayed bool
	// PrefixChange is set on an assistant message whose request re-sent
	// the history differently from the call before it (nil: it did not,
	// or the log cannot tell).
	PrefixChange *PrefixChange
}

// Prompt is what a call sends before its messages: the system prompt and
// the tool schemas. Readers that keep each request whole (request/response
// pairs, LiteLLM, Langfuse, OTel, the proxy's log) keep it on the reply of
// the call where it differs from the call before (PrefixChange.Prompt); it
// holds for the calls after it until the next change. The calls before
// the first change were sent the conversation's own: its system messages
// and Tools.
type Prompt struct {
	// System are the request's system messages, in order (nil: none).
	System []string
	Tools  []Tool
}

// ToolCall is one tool invocation inside an assistant message.
type ToolCall struct {
	ID        string
	Name      string
	Arguments string // as logged: JSON text, or any text when the model produced invalid JSON
}

// Usage is reported token usage normalised to one convention whatever the
// provider: InputTokens is all input (uncached + cache reads + cache writes),
// OutputTokens includes ReasoningTokens.
type Usage struct {
	InputTokens        int64 `json:"input_tokens"`
	CachedInputTokens  int64 `json:"cached_input_tokens"`
	CacheWriteTokens   int64 `json:"cache_write_tokens"`
	CacheWrite1hTokens int64 `json:"cache_write_1h_tokens,omitempty"` // the part of CacheWriteTokens written with a 1-hour TTL
	OutputTokens       int64 `json:"output_tokens"`
	ReasoningTokens    int64 `json:"reasoning_tokens"`
}

// Tool is a tool (function) schema offered to the model on every call.
type Tool struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"` // JSON Schema object
}

// Conversation is one thread of messages with its own history.
type Conversation struct {
	ID     string
	Path   string
	Format string
	Model  string // the model named by the log for the whole conversation, if any
	Tools  []Tool
	// Messages in the order they were sent.
	Messages []Message
	// Unlogged says the log is known to omit content the model was sent
	// (system prompt, tool schemas): the gap between reported and counted
	// input is then expected and not a tokenizer error.
	Unlogged bool
	// Batch says the calls went through a batch API, billed at its price.
	Batch bool
	// Machine is the machine whose proxy recorded the conversation; "" for
	// other logs.
	Machine string
	// Warnings are problems that did not stop the read.
	Warnings []string
	// Unedited is the conversation as read when this one is a what-if edit
	// of it (a new system prompt, other tools): reported usage describes
	// the unedited calls, so what the log does not hold is measured there.
	Unedited *Conversation
}

// edit returns a shallow copy of c to change, remembering what was read.
func (c *Conversation) edit() *Conversation {
	cc := *c
	if cc.Unedited == nil {
		cc.Unedited = c
	}
	return &cc
}

// Calls returns the number of calls in c: one per assistant message.
func (c *Conversation) Calls() int {
	n := 0
	for i := range c.Messages {
		if c.Messages[i].Role == RoleAssistant && !c.Messages[i].Replayed {
			n++
		}
	}
	return n
}

// validRole reports whether r is one of the roles above.
func validRole(r Role) bool {
	switch r {
	case RoleSystem, RoleUser, RoleAssistant, RoleTool:
		return true
	}
	return false
}

// PrefixChange says how a call's request differed, in what comes before its
// new messages, from the request before it in the same thread: a system
// prompt that carries the time, tool schemas reordered or edited, an earlier
// message rewritten. Each breaks the provider's prompt cache from that point
// on. Readers that keep every request whole (request/response logs) set it.
type PrefixChange struct {
	// Part is "tools", "system" or "message".
	Part string
	// Message is the index in Conversation.Messages of the first message
	// that differs ("system" and "message").
	Message int
	// Was and Now are short excerpts around the first difference.
	Was, Now string
	// Prompt is what this call and the next were sent ("tools" and
	// "system"; nil when the reader did not keep it).
	Prompt *Prompt
}

// Prompt is the system prompt and tools call m (an assistant message) and
// the calls after it were sent, where they changed at m; nil elsewhere. It
// lives in PrefixChange so that a message costs nothing more for it.
func (m *Message) Prompt() *Prompt {
	if m.PrefixChange == nil {
		return nil
	}
	return m.PrefixChange.Prompt
}

// Describe says what changed in a few words, with the excerpts.
func (p *PrefixChange) Describe() string {
	what := map[string]string{"tools": "tool schemas changed", "system": "system prompt changed", "message": "an earlier message was rewritten"}[p.Part]
	if p.Was == "" && p.Now == "" {
		return what
	}
	return fmt.Sprintf("%s (%q → %q)", what, p.Was, p.Now)
}

// DiffExcerpt returns short excerpts of a and b around their first
// difference, so a change shows as `…12:04:01…` → `…12:05:13…`.
func DiffExcerpt(a, b string) (string, string) {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	if i == len(a) && i == len(b) {
		return "", ""
	}
	// Back up to a rune start and keep a little context.
	lo := max(0, i-12)
	for lo > 0 && !utf8.RuneStart(a[lo]) {
		lo--
	}
	cut := func(s string) string {
		hi := min(len(s), i+16)
		for hi < len(s) && !utf8.RuneStart(s[hi]) {
			hi++
		}
		out := s[lo:hi]
		if lo > 0 {
			out = "…" + out
		}
		if hi < len(s) {
			out += "…"
		}
		return out
	}
	return cut(a), cut(b)
}
