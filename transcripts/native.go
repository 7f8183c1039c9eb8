package transcripts

import (
	"encoding/json"
	"fmt"
	"io"
)

// FormatNative is tokenscope's own JSONL format; see README "The native JSONL".
const FormatNative = "native"

func init() {
	Register(Format{
		Name: FormatNative,
		Doc:  "tokenscope's native JSONL (session, message and call lines)",
		Sniff: func(s *Shape) int {
			// An Anthropic response is also {"type":"message","role":…},
			// but its content is an array of blocks: certain only once a
			// string content is seen.
			// A response has an "id" (first, as the API writes it) before
			// its content; a native message line has none, so it is
			// certain before its content, which can be hundreds of MB.
			switch {
			case s.Is("type", "session"):
				return 100
			case s.Is("type", "call") && (s.Has("conversation") || s.Has("api")):
				return 100
			case !s.Is("type", "message") || !s.Has("role"):
				return 0
			case s.Kind("content") == '"', s.Kind("content") == 0 && !s.Has("id"):
				return 100
			case s.Kind("content") == 0:
				return 95
			}
			return 0
		},
		Read: readNative,
	})
}

// NativeVersion is the version written in session lines.
const NativeVersion = 1

// nativeLine is one line of the native JSONL. Type "session" starts a
// conversation; type "message" adds a message to the current one; type
// "call" is one proxied request with its response, naming its conversation.
type nativeLine struct {
	Type       string            `json:"type,omitempty"`
	Version    int               `json:"version,omitempty"`
	ID         string            `json:"id,omitempty"`
	Model      string            `json:"model,omitempty"`
	Title      string            `json:"title,omitempty"`
	Tools      []Tool            `json:"tools,omitempty"`
	Role       Role              `json:"role,omitempty"`
	Name       string            `json:"name,omitempty"`
	Content    string            `json:"content,omitempty"`
	ToolCalls  []nativeToolCall  `json:"tool_calls,omitempty"`
	ToolCallID string            `json:"tool_call_id,omitempty"`
	RAG        bool              `json:"rag,omitempty"`
	Images     int               `json:"images,omitempty"`
	Time       *stamp            `json:"ts,omitempty"`
	Usage      *Usage            `json:"usage,omitempty"`
	Tags       map[string]string `json:"tags,omitempty"`
	// Fields of a "call" line (see nativecall.go).
	nativeCall
}

type nativeToolCall struct {
	ID        string `json:"id,omitempty"`
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

// readNative reads native JSONL from r. A last line cut short (a file still
// being written) is dropped with a warning instead of failing the read.
func readNative(r io.Reader, file string) ([]*Conversation, error) {
	var convs []*Conversation
	var cur *Conversation
	byID := map[string]*Conversation{}
	warnings, err := eachJSONL(r, file, nil, func(nl *nativeLine, lineNo int) error {
		switch nl.Type {
		case "call":
			c, err := addCall(nl, file, lineNo, byID)
			if c != nil {
				convs = append(convs, c)
			}
			return err
		case "session":
			if nl.Version > NativeVersion {
				return &Error{File: file, Line: lineNo, Path: "$.version", Msg: fmt.Sprintf("version %d is newer than this tokenscope reads (%d)", nl.Version, NativeVersion)}
			}
			for i, t := range nl.Tools {
				if t.Name == "" {
					return &Error{File: file, Line: lineNo, Path: fmt.Sprintf("$.tools[%d].name", i), Msg: "tool has no name"}
				}
			}
			cur = &Conversation{ID: nl.ID, Path: file, Format: FormatNative, Model: nl.Model, Tools: nl.Tools}
			if cur.ID == "" {
				cur.ID = fmt.Sprintf("session-%d", len(convs)+1)
			}
			convs = append(convs, cur)
		case "message":
			if cur == nil {
				cur = &Conversation{ID: "session-1", Path: file, Format: FormatNative}
				convs = append(convs, cur)
			}
			m, err := nl.message(file, lineNo, "$")
			if err != nil {
				return err
			}
			cur.Messages = append(cur.Messages, m)
		case "":
			return &Error{File: file, Line: lineNo, Path: "$.type", Msg: "missing line type (want session, message or call)"}
		default:
			return &Error{File: file, Line: lineNo, Path: "$.type", Msg: fmt.Sprintf("unknown line type %q (want session, message or call)", nl.Type)}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(convs) == 0 {
		return nil, &Error{File: file, Msg: "no conversation in file"}
	}
	convs[len(convs)-1].Warnings = append(convs[len(convs)-1].Warnings, warnings...)
	return convs, nil
}

// NativeWriter writes conversations as native JSONL, one line per call to
// WriteSession or WriteMessage, flushed at once so that a crash loses at most
// the line being written.
type NativeWriter struct {
	w   io.Writer
	enc *json.Encoder
}

// NewNativeWriter returns a writer of native JSONL to w.
func NewNativeWriter(w io.Writer) *NativeWriter {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return &NativeWriter{w: w, enc: enc}
}

// WriteSession starts a conversation.
func (nw *NativeWriter) WriteSession(c *Conversation) error {
	return nw.write(nativeLine{Type: "session", Version: NativeVersion, ID: c.ID, Model: c.Model, Tools: c.Tools})
}

// WriteMessage appends a message to the current conversation.
func (nw *NativeWriter) WriteMessage(m Message) error {
	nl := messageLine(m)
	nl.Type = "message"
	return nw.write(nl)
}

// messageLine is m as a native line, without its type.
func messageLine(m Message) nativeLine {
	nl := nativeLine{Role: m.Role, Name: m.Name, Content: m.Content,
		ToolCallID: m.ToolCallID, RAG: m.RAG, Images: m.Images, Usage: m.Usage, Model: m.Model, Tags: m.Tags}
	if !m.Time.IsZero() {
		nl.Time = &stamp{t: m.Time}
	}
	for _, tc := range m.ToolCalls {
		nl.ToolCalls = append(nl.ToolCalls, nativeToolCall(tc))
	}
	return nl
}

// message checks a message line (or a message inside a call line, at JSON
// path path) and returns the Message it holds.
func (nl *nativeLine) message(file string, lineNo int, path string) (Message, error) {
	at := func(field string) string {
		if path == "$" {
			return "$." + field
		}
		return path + "." + field
	}
	if !validRole(nl.Role) {
		return Message{}, &Error{File: file, Line: lineNo, Path: at("role"), Msg: fmt.Sprintf("unknown role %q (want system, user, assistant or tool)", nl.Role)}
	}
	if nl.Usage != nil && nl.Role != RoleAssistant {
		return Message{}, &Error{File: file, Line: lineNo, Path: at("usage"), Msg: "usage belongs on assistant messages only"}
	}
	if u := nl.Usage; u != nil {
		err := checkCounts(file, lineNo, at("usage"), namedCount{"input_tokens", u.InputTokens}, namedCount{"cached_input_tokens", u.CachedInputTokens},
			namedCount{"cache_write_tokens", u.CacheWriteTokens}, namedCount{"cache_write_1h_tokens", u.CacheWrite1hTokens},
			namedCount{"output_tokens", u.OutputTokens}, namedCount{"reasoning_tokens", u.ReasoningTokens})
		if err != nil {
			return Message{}, err
		}
	}
	if nl.Images < 0 || nl.Images > MaxImages {
		return Message{}, &Error{File: file, Line: lineNo, Path: at("images"), Msg: fmt.Sprintf("%d images (want 0 to %d)", nl.Images, MaxImages)}
	}
	if err := nl.Time.check(file, lineNo, at("ts")); err != nil {
		return Message{}, err
	}
	m := Message{Role: nl.Role, Name: nl.Name, Content: nl.Content, ToolCallID: nl.ToolCallID,
		RAG: nl.RAG, Images: nl.Images, Usage: nl.Usage, Model: nl.Model, Tags: nl.Tags}
	if nl.Time != nil {
		m.Time = nl.Time.t
	}
	for _, tc := range nl.ToolCalls {
		m.ToolCalls = append(m.ToolCalls, ToolCall(tc))
	}
	return m, nil
}

// Write writes a whole conversation.
func (nw *NativeWriter) Write(c *Conversation) error {
	if err := nw.WriteSession(c); err != nil {
		return err
	}
	for _, m := range c.Messages {
		if err := nw.WriteMessage(m); err != nil {
			return err
		}
	}
	return nil
}

func (nw *NativeWriter) write(v any) error {
	if err := nw.enc.Encode(v); err != nil {
		return err
	}
	if f, ok := nw.w.(interface{ Sync() error }); ok {
		return f.Sync()
	}
	if f, ok := nw.w.(interface{ Flush() error }); ok {
		return f.Flush()
	}
	return nil
}
