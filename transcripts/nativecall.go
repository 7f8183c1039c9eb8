package transcripts

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"
)

// nativeCall holds the fields of a "call" line: one request and its
// response as a proxy saw them. Calls of many conversations interleave in
// one file, so each names its conversation and carries only the messages
// the conversation did not already have.
type nativeCall struct {
	Conversation string       `json:"conversation,omitempty"`
	API          string       `json:"api,omitempty"`
	Endpoint     string       `json:"endpoint,omitempty"`
	Messages     []nativeLine `json:"messages,omitempty"`
	Reply        *nativeLine  `json:"reply,omitempty"`
	System       []string     `json:"system,omitempty"`
	NoSystem     bool         `json:"no_system,omitempty"`
	NoTools      bool         `json:"no_tools,omitempty"`
	Status       int          `json:"status,omitempty"`
	Refused      string       `json:"refused,omitempty"`
	DurationMS   float64      `json:"duration_ms,omitempty"`
	Redacted     bool         `json:"redacted,omitempty"`
	Error        string       `json:"error,omitempty"`
	CountedInput int64        `json:"counted_input_tokens,omitempty"`
	RequestID    string       `json:"request_id,omitempty"`
	Machine      string       `json:"machine,omitempty"`
	Replica      string       `json:"replica,omitempty"`
}

// CallRecord is one call a proxy forwarded (or refused), as a "call" line
// of the native JSONL.
type CallRecord struct {
	Conversation string    // conversation id; calls with the same id thread into one conversation
	Time         time.Time // when the response ended (or the call was refused)
	API          string    // "openai" or "anthropic"
	Endpoint     string    // the request path, e.g. /v1/chat/completions
	Model        string    // the model the request named
	Tools        []Tool    // tool schemas; written on a conversation's first call and where they changed
	// System is the call's system messages where they changed along the
	// conversation (the first call's are among its Messages); nil
	// elsewhere.
	System []string
	// NoSystem and NoTools say that the call was sent no system message,
	// or no tools, where the calls before it in its conversation were: an
	// empty System or Tools says nothing changed.
	NoSystem, NoTools bool
	Messages          []Message // the messages this call added to the conversation
	Reply             *Message  // the response, with usage and tags; nil when none
	Tags              map[string]string
	Status            int     // HTTP status returned to the client
	Refused           string  // the budget that refused the call; "" when forwarded
	DurationMS        float64 // from the request to the end of the response
	Redacted          bool    // message text was left out (--redact)
	Error             string  // why there is no reply (upstream error, broken stream)
	// CountedInput is the call's input as counted before forwarding
	// (kept when --redact leaves the text out).
	CountedInput int64
	// ID names the call uniquely across machines: readers of several
	// machines' logs count a call whose id they have seen once.
	ID string
	// Machine and Replica name the proxy that recorded the call: the host
	// (or --machine) and the process on it.
	Machine, Replica string
}

// Served reports whether the upstream answered the call with a response:
// only served calls are part of their conversation.
func (r *CallRecord) Served() bool {
	return r.Refused == "" && r.Reply != nil && r.Status >= 200 && r.Status < 300
}

// WriteCall writes a call line.
func (nw *NativeWriter) WriteCall(r *CallRecord) error {
	nl := nativeLine{Type: "call", Model: r.Model, Tools: r.Tools, Tags: r.Tags}
	nl.nativeCall = nativeCall{Conversation: r.Conversation, API: r.API, Endpoint: r.Endpoint, Status: r.Status, System: r.System,
		NoSystem: r.NoSystem, NoTools: r.NoTools, Refused: r.Refused, DurationMS: r.DurationMS, Redacted: r.Redacted, Error: r.Error, CountedInput: r.CountedInput,
		RequestID: r.ID, Machine: r.Machine, Replica: r.Replica}
	if !r.Time.IsZero() {
		nl.Time = &stamp{t: r.Time}
	}
	for _, m := range r.Messages {
		nl.Messages = append(nl.Messages, messageLine(m))
	}
	if r.Reply != nil {
		reply := messageLine(*r.Reply)
		nl.Reply = &reply
	}
	return nw.write(nl)
}

// record checks a call line and converts it to a CallRecord.
func (nl *nativeLine) record(file string, lineNo int) (*CallRecord, error) {
	r := &CallRecord{Conversation: nl.Conversation, API: nl.API, Endpoint: nl.Endpoint, Model: nl.Model, Tools: nl.Tools,
		Tags: nl.Tags, Status: nl.Status, Refused: nl.Refused, DurationMS: nl.DurationMS, Redacted: nl.Redacted, Error: nl.Error,
		CountedInput: nl.CountedInput, ID: nl.RequestID, Machine: nl.Machine, Replica: nl.Replica, System: nl.System,
		NoSystem: nl.NoSystem, NoTools: nl.NoTools}
	if err := nl.Time.check(file, lineNo, "$.ts"); err != nil {
		return nil, err
	}
	if nl.Time != nil {
		r.Time = nl.Time.t
	}
	for i := range nl.Messages {
		m, err := nl.Messages[i].message(file, lineNo, fmt.Sprintf("$.messages[%d]", i))
		if err != nil {
			return nil, err
		}
		r.Messages = append(r.Messages, m)
	}
	if nl.Reply != nil {
		m, err := nl.Reply.message(file, lineNo, "$.reply")
		if err != nil {
			return nil, err
		}
		if m.Role != RoleAssistant {
			return nil, &Error{File: file, Line: lineNo, Path: "$.reply.role", Msg: fmt.Sprintf("reply role is %q, want assistant", m.Role)}
		}
		r.Reply = &m
	}
	return r, nil
}

// addCall threads a call line into its conversation, creating it (and
// returning it) on its first call. Calls that were refused or not answered
// are kept in the file for the record but are not part of a conversation:
// the messages they carried come again with the next call.
func addCall(nl *nativeLine, file string, lineNo int, byID map[string]*Conversation) (*Conversation, error) {
	r, err := nl.record(file, lineNo)
	if err != nil {
		return nil, err
	}
	if !r.Served() {
		return nil, nil
	}
	if r.Conversation == "" {
		return nil, &Error{File: file, Line: lineNo, Path: "$.conversation", Msg: "call has no conversation id"}
	}
	c, ok := byID[r.Conversation]
	var created *Conversation
	if !ok {
		c = &Conversation{ID: r.Conversation, Path: file, Format: FormatNative, Model: r.Model, Tools: r.Tools, Machine: r.Machine}
		byID[r.Conversation] = c
		created = c
	}
	reply := *r.Reply
	if (len(r.Tools) > 0 || len(r.System) > 0 || r.NoSystem || r.NoTools) && created == nil {
		// The proxy writes the tools and the system messages again where
		// they changed (or says they went): this call and the next were
		// sent these.
		sys, prev := c.prompt()
		nowSys, nowTools := sys, prev
		if len(r.System) > 0 || r.NoSystem {
			nowSys = r.System
		}
		if len(r.Tools) > 0 || r.NoTools {
			nowTools = r.Tools
		}
		promptChange(&reply, lastRequest{system: sys, tools: prev}, nowSys, nowTools)
	}
	c.Unlogged = c.Unlogged || r.Redacted
	c.Messages = append(c.Messages, r.Messages...)
	if reply.Model == "" {
		reply.Model = r.Model
	}
	if reply.Tags == nil {
		reply.Tags = r.Tags
	}
	if reply.Time.IsZero() {
		reply.Time = r.Time
	}
	if r.ID != "" {
		// The same call read from two machines' folders (a log copied or
		// synced) is counted once.
		reply.ResponseID = "proxy/" + r.ID
	}
	c.Messages = append(c.Messages, reply)
	return created, nil
}

// prompt is what c's next call sends before its messages as far as the
// log has said: the system messages before its first call and its tools,
// or the last ones a call changed them to.
func (c *Conversation) prompt() ([]string, []Tool) {
	tools := c.Tools
	for i := len(c.Messages) - 1; i >= 0; i-- {
		if p := c.Messages[i].Prompt(); p != nil {
			return p.System, p.Tools
		}
	}
	first := slices.IndexFunc(c.Messages, func(m Message) bool { return m.Role == RoleAssistant && !m.Replayed })
	if first < 0 {
		first = len(c.Messages)
	}
	return systemTexts(c.Messages[:first]), tools
}

// ReadCalls hands every call line of native JSONL r to fn, in file order;
// other lines are skipped. A line cut short (the writer was killed mid-line)
// is skipped with a warning.
func ReadCalls(r io.Reader, file string, fn func(*CallRecord) error) (warnings []string, err error) {
	skip := func(head []byte) bool { return !strings.HasPrefix(string(head[:min(len(head), 16)]), `{"type":"call"`) }
	return eachJSONL(r, file, skip, func(nl *nativeLine, lineNo int) error {
		if nl.Type != "call" {
			return nil
		}
		r, err := nl.record(file, lineNo)
		if err != nil {
			return err
		}
		return fn(r)
	})
}

// TagString is tags in one canonical text, keys sorted:
// "endpoint=/ask,team=search"; "untagged" when there are none.
func TagString(tags map[string]string) string {
	if len(tags) == 0 {
		return "untagged"
	}
	keys := sort.StringSlice(make([]string, 0, len(tags)))
	for k := range maps.Keys(tags) {
		keys = append(keys, k)
	}
	keys.Sort()
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k)
		if v := tags[k]; v != "" {
			b.WriteByte('=')
			b.WriteString(v)
		}
	}
	return b.String()
}

// ParseTags reads "team=search,endpoint=/ask" (the X-Tokenscope-Tag header):
// comma-separated key=value pairs, spaces around them ignored; a bare word
// is a key with an empty value.
func ParseTags(s string) (map[string]string, error) {
	var out map[string]string
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if k == "" {
			return nil, fmt.Errorf("tag %q has no name", part)
		}
		if out == nil {
			out = map[string]string{}
		}
		out[k] = v
	}
	return out, nil
}
