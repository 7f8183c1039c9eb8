package transcripts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// FormatShareGPT is {"conversations":[{"from":…,"value":…}]}: one
// object, an array of them, or JSONL.
const FormatShareGPT = "sharegpt"

func init() {
	Register(Format{
		Name: FormatShareGPT,
		Doc:  `ShareGPT / LLaMA-Factory: {"conversations":[{"from","value"}]}, object, array or JSONL`,
		Sniff: func(s *Shape) int {
			if s.Kind("conversations") == '[' {
				return 100
			}
			return 0
		},
		Read: readAllWith(readShareGPT),
	})
}

type shareGPT struct {
	ID     string `json:"id"`
	Model  string `json:"model"`
	System string `json:"system"`
	// Tools (LLaMA-Factory) is a JSON string holding a list of function
	// schemas offered on every call.
	Tools         json.RawMessage `json:"tools"`
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
		if c.Tools, err = shareGPTTools(sg.Tools); err != nil {
			return nil, &Error{File: file, Line: it.line, Path: it.path + ".tools", Msg: err.Error()}
		}
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
				m.ToolCalls = []ToolCall{shareGPTCall(text)}
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

// isJSONL says whether data holds more than one JSON value, one a line:
// its first line is a whole value and more follows, or, when the first
// line is broken, another line also starts an object at its first byte
// (pretty-printed JSON indents all but its first line) and data is not
// one JSON value. Then a bad first line is reported as line 1.
func isJSONL(data []byte) bool {
	i := bytes.IndexByte(data, '\n')
	if i < 0 {
		return false
	}
	if json.Valid(bytes.TrimSpace(data[:i])) {
		return len(bytes.TrimSpace(data[i:])) > 0
	}
	return len(data) > 0 && data[0] == '{' && bytes.Contains(data[i:], []byte("\n{")) && !json.Valid(data)
}

// shareGPTTools reads LLaMA-Factory's tools: a JSON list of function
// schemas, usually stored as a JSON string; OpenAI's {"type":"function",
// "function":{…}} wrapping is read too.
func shareGPTTools(raw json.RawMessage) ([]Tool, error) {
	data := stringOrJSON(raw)
	if len(data) == 0 || string(data) == "null" || string(data) == "" {
		return nil, nil
	}
	var list []struct {
		Tool
		Function *Tool `json:"function"`
	}
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, fmt.Errorf("tools must be a JSON list of function schemas (%s)", jsonMsg(err))
	}
	var tools []Tool
	for i, t := range list {
		if t.Function != nil {
			t.Tool = *t.Function
		}
		if t.Name == "" {
			return nil, fmt.Errorf("tool %d has no name", i)
		}
		tools = append(tools, t.Tool)
	}
	return tools, nil
}

// shareGPTCall reads a function_call turn: {"name":…,"arguments":…} as
// LLaMA-Factory writes it, or any other text kept whole.
func shareGPTCall(text string) ToolCall {
	var fc struct {
		Name      string          `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
	}
	if json.Unmarshal([]byte(text), &fc) == nil && fc.Name != "" {
		return ToolCall{Name: fc.Name, Arguments: jsonText(fc.Arguments)}
	}
	return ToolCall{Name: "function_call", Arguments: text}
}
