package transcripts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// More formats read.
const (
	// FormatShareGPT is {"conversations":[{"from":…,"value":…}]}: one
	// object, an array of them, or JSONL.
	FormatShareGPT = "sharegpt"
	// FormatOpenAIBatch is OpenAI Batch API JSONL: input lines
	// ({"custom_id","body"}) and output lines ({"custom_id","response"}).
	FormatOpenAIBatch = "openai-batch"
	// FormatLiteLLM is LiteLLM spend-log rows, whose messages and response
	// are JSON-encoded strings: a JSON array or JSONL.
	FormatLiteLLM = "litellm"
)

type shareGPT struct {
	ID            string `json:"id"`
	Model         string `json:"model"`
	System        string `json:"system"`
	Conversations []struct {
		From  string          `json:"from"`
		Value json.RawMessage `json:"value"`
	} `json:"conversations"`
}

// readShareGPT reads one object, an array of objects, or JSONL.
func readShareGPT(data []byte, file string) ([]*Conversation, error) {
	items, err := jsonItems(data, file, isJSONL(bytes.TrimSpace(data)))
	if err != nil {
		return nil, err
	}
	var convs []*Conversation
	for n, it := range items {
		var sg shareGPT
		if err := decodeJSON(it.raw, &sg); err != nil {
			return nil, jsonError(file, it.raw, it.line, it.path, err)
		}
		id := sg.ID
		if id == "" {
			id = fmt.Sprintf("%s#%d", baseID(file), n+1)
		}
		c := &Conversation{ID: id, Path: file, Format: FormatShareGPT, Model: sg.Model}
		if sg.System != "" {
			c.Messages = append(c.Messages, Message{Role: RoleSystem, Content: sg.System})
		}
		for i, turn := range sg.Conversations {
			path := fmt.Sprintf("%s.conversations[%d]", it.path, i)
			text, _, err := oaContent(turn.Value)
			if err != nil {
				return nil, &Error{File: file, Line: it.line, Path: path + ".value", Msg: "value must be a string"}
			}
			m := Message{Content: text}
			switch strings.ToLower(turn.From) {
			case "system":
				m.Role = RoleSystem
			case "human", "user":
				m.Role = RoleUser
			case "gpt", "assistant", "chatgpt", "bing", "bard", "model":
				m.Role = RoleAssistant
			case "function_call":
				m.Role = RoleAssistant
				m.ToolCalls = []ToolCall{{Name: "function_call", Arguments: text}}
				m.Content = ""
			case "tool", "observation", "function", "function_response":
				m.Role = RoleTool
			default:
				return nil, &Error{File: file, Line: it.line, Path: path + ".from", Msg: fmt.Sprintf("unknown speaker %q (want system, human, gpt or tool)", turn.From)}
			}
			c.Messages = append(c.Messages, m)
		}
		if len(c.Messages) == 0 {
			return nil, &Error{File: file, Line: it.line, Path: it.path + ".conversations", Msg: "no turns"}
		}
		convs = append(convs, c)
	}
	if len(convs) == 0 {
		return nil, &Error{File: file, Msg: "no conversations"}
	}
	return convs, nil
}

// isJSONL says whether data holds more than one JSON value, one a line.
func isJSONL(data []byte) bool {
	i := bytes.IndexByte(data, '\n')
	if i < 0 {
		return false
	}
	return json.Valid(bytes.TrimSpace(data[:i])) && len(bytes.TrimSpace(data[i:])) > 0
}

type batchLine struct {
	ID       string          `json:"id"`
	CustomID string          `json:"custom_id"`
	Body     json.RawMessage `json:"body"`
	Response *struct {
		StatusCode int             `json:"status_code"`
		Body       json.RawMessage `json:"body"`
	} `json:"response"`
	Error json.RawMessage `json:"error"`
}

// readOpenAIBatch reads Batch API input or output JSONL (Azure's output
// lacks the top-level id). Each line is one call: an input line brings its
// messages and no reply; an output line brings the reply and its usage
// (the input, not in the file, is then unlogged). Input and output lines
// with the same custom_id, in one file, are joined.
func readOpenAIBatch(r io.Reader, file string) ([]*Conversation, error) {
	byID := map[string]*Conversation{}
	var convs []*Conversation
	warnings, err := eachJSONL(r, file, nil, func(bl *batchLine, n int) error {
		if bl.CustomID == "" {
			return &Error{File: file, Line: n, Path: "$.custom_id", Msg: "batch line has no custom_id"}
		}
		c := byID[bl.CustomID]
		if c == nil {
			c = &Conversation{ID: bl.CustomID, Path: file, Format: FormatOpenAIBatch, Batch: true}
			byID[bl.CustomID] = c
			convs = append(convs, c)
		}
		if len(bl.Body) > 0 {
			var req oaRequest
			if err := decodeJSON(bl.Body, &req); err != nil {
				return jsonError(file, bl.Body, n, "$.body", err)
			}
			c.Model, c.Tools = req.Model, req.tools()
			var msgs []Message
			for i, raw := range req.Messages {
				m, err := parseOAMessage(file, fmt.Sprintf("$.body.messages[%d]", i), raw)
				if err != nil {
					if pe, ok := err.(*Error); ok {
						pe.Line = n
					}
					return err
				}
				msgs = append(msgs, m)
			}
			c.Messages = append(msgs, c.Messages...) // an output line may have come first
		}
		if bl.Response != nil && len(bl.Response.Body) > 0 {
			m, err := parseOAResponse(file, "$.response.body", bl.Response.Body)
			if err != nil {
				if pe, ok := err.(*Error); ok {
					pe.Line = n
				}
				return err
			}
			c.Messages = append(c.Messages, *m)
			if c.Model == "" {
				c.Model = m.Model
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, c := range convs {
		// An input line alone is a call whose reply is not in the file.
		if len(c.Messages) > 0 && c.Messages[len(c.Messages)-1].Role != RoleAssistant {
			c.Messages = append(c.Messages, Message{Role: RoleAssistant})
		}
	}
	if len(convs) == 0 {
		return nil, &Error{File: file, Msg: "no batch lines"}
	}
	convs[0].Warnings = append(convs[0].Warnings, warnings...)
	return convs, nil
}

// litellmRow is one LiteLLM spend-log row.
type litellmRow struct {
	RequestID        string          `json:"request_id"`
	Model            string          `json:"model"`
	Messages         json.RawMessage `json:"messages"`
	Response         json.RawMessage `json:"response"`
	PromptTokens     int64           `json:"prompt_tokens"`
	CompletionTokens int64           `json:"completion_tokens"`
	StartTime        string          `json:"startTime"`
}

// stringOrJSON returns JSON that may have been stored as a JSON string.
func stringOrJSON(raw json.RawMessage) []byte {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return []byte(s)
		}
	}
	return raw
}

// readLiteLLM reads spend-log rows and threads them like request logs.
func readLiteLLM(data []byte, file string) ([]*Conversation, error) {
	trimmed := bytes.TrimSpace(data)
	rows, err := jsonItems(data, file, len(trimmed) == 0 || trimmed[0] != '[')
	if err != nil {
		return nil, err
	}
	b := &threader{file: file, format: FormatLiteLLM}
	for _, rw := range rows {
		var lr litellmRow
		if err := decodeJSON(rw.raw, &lr); err != nil {
			return nil, jsonError(file, rw.raw, rw.line, rw.path, err)
		}
		msgsJSON := stringOrJSON(lr.Messages)
		var raws []json.RawMessage
		if len(msgsJSON) > 0 && string(msgsJSON) != "null" {
			// Some rows keep the whole request ({"messages": […]}).
			var wrapped struct {
				Messages []json.RawMessage `json:"messages"`
			}
			if json.Unmarshal(msgsJSON, &raws) != nil {
				if err := json.Unmarshal(msgsJSON, &wrapped); err != nil {
					return nil, &Error{File: file, Line: rw.line, Path: rw.path + ".messages", Msg: "messages is not a JSON array of messages"}
				}
				raws = wrapped.Messages
			}
		}
		var msgs []Message
		for i, raw := range raws {
			m, err := parseOAMessage(file, fmt.Sprintf("%s.messages[%d]", rw.path, i), raw)
			if err != nil {
				if pe, ok := err.(*Error); ok {
					pe.Line = rw.line
				}
				return nil, err
			}
			msgs = append(msgs, m)
		}
		var reply *Message
		if resp := stringOrJSON(lr.Response); len(resp) > 0 && string(resp) != "null" && string(resp) != "{}" {
			m, err := parseOAResponse(file, rw.path+".response", resp)
			if err != nil {
				if pe, ok := err.(*Error); ok {
					pe.Line = rw.line
				}
				return nil, err
			}
			reply = m
		} else {
			reply = &Message{Role: RoleAssistant}
		}
		if reply.Usage == nil && (lr.PromptTokens > 0 || lr.CompletionTokens > 0) {
			reply.Usage = &Usage{InputTokens: lr.PromptTokens, OutputTokens: lr.CompletionTokens}
		}
		if reply.Model == "" {
			reply.Model = lr.Model
		}
		if t, err := time.Parse(time.RFC3339Nano, lr.StartTime); err == nil && reply.Time.IsZero() {
			reply.Time = t
		}
		b.add(lr.Model, nil, msgs, reply)
	}
	if len(b.convs) == 0 {
		return nil, &Error{File: file, Msg: "no spend-log rows"}
	}
	return b.convs, nil
}

// jsonItem is one object of a JSON array or one JSONL line, with where it
// stands for error messages.
type jsonItem struct {
	raw  json.RawMessage
	line int    // its line, 0 when unknown
	path string // its JSON path
}

// jsonItems splits data into objects: JSONL lines when jsonl is set, the
// elements of a JSON array, or a single object.
func jsonItems(data []byte, file string, jsonl bool) ([]jsonItem, error) {
	trimmed := bytes.TrimSpace(data)
	var items []jsonItem
	switch {
	case jsonl:
		for i, line := range bytes.Split(data, []byte{'\n'}) {
			if line = bytes.TrimSpace(line); len(line) > 0 {
				items = append(items, jsonItem{raw: line, line: i + 1, path: "$"})
			}
		}
	case len(trimmed) > 0 && trimmed[0] == '[':
		var raws []json.RawMessage
		if err := decodeJSON(trimmed, &raws); err != nil {
			return nil, jsonError(file, data, 0, "", err)
		}
		for i, r := range raws {
			it := jsonItem{raw: r, path: fmt.Sprintf("$[%d]", i)}
			if at := bytes.Index(data, r); at >= 0 {
				it.line = lineAt(data, int64(at))
			}
			items = append(items, it)
		}
	default:
		items = append(items, jsonItem{raw: trimmed, line: 1, path: "$"})
	}
	return items, nil
}
