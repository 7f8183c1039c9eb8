package transcripts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Trace exports (OpenTelemetry spans, Langfuse observations) keep each
// call's messages in whatever shape the instrumentation wrote: OpenTelemetry
// GenAI messages ({role, parts}), Chat Completions messages, Responses API
// items, LangChain messages, or plain text. genaiMessages reads them all.

// genaiMsg is one message or item of any of those shapes.
type genaiMsg struct {
	Role       string          `json:"role"`
	Type       string          `json:"type"`
	Name       string          `json:"name"`
	Content    json.RawMessage `json:"content"`
	Parts      []genaiPart     `json:"parts"`
	ToolCalls  []oaToolCall    `json:"tool_calls"`
	ToolCallID string          `json:"tool_call_id"`
	Kwargs     *struct {
		ToolCalls []oaToolCall `json:"tool_calls"`
	} `json:"additional_kwargs"`
	// Responses API items.
	CallID    string          `json:"call_id"`
	Arguments json.RawMessage `json:"arguments"`
	Output    json.RawMessage `json:"output"`
}

// genaiPart is a part of an OpenTelemetry GenAI message.
type genaiPart struct {
	Type      string          `json:"type"`
	Content   json.RawMessage `json:"content"`
	Text      string          `json:"text"`
	ID        json.RawMessage `json:"id"`
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
	Response  json.RawMessage `json:"response"`
	Result    json.RawMessage `json:"result"`
}

// genaiMessages reads logged messages; text alone is one message of role
// def.
func genaiMessages(raw json.RawMessage, def Role) ([]Message, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		if t := strings.TrimSpace(s); len(t) > 0 && (t[0] == '[' || t[0] == '{') && json.Valid([]byte(t)) {
			return genaiMessages(json.RawMessage(t), def) // JSON kept as a string
		}
		return []Message{{Role: def, Content: s}}, nil
	case '[':
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, err
		}
		var out []Message
		for i, it := range items {
			ms, err := genaiMessages(it, def)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out = append(out, ms...)
		}
		return out, nil
	case '{':
		var wrap struct {
			Messages json.RawMessage `json:"messages"`
			Object   string          `json:"object"`
			Output   json.RawMessage `json:"output"`
			Choices  []struct {
				Message json.RawMessage `json:"message"`
			} `json:"choices"`
		}
		if err := json.Unmarshal(raw, &wrap); err != nil {
			return nil, err
		}
		switch {
		case len(wrap.Messages) > 0:
			return genaiMessages(wrap.Messages, def)
		case wrap.Object == "response":
			return genaiMessages(wrap.Output, RoleAssistant)
		case len(wrap.Choices) > 0:
			var out []Message
			for _, c := range wrap.Choices {
				ms, err := genaiMessages(c.Message, RoleAssistant)
				if err != nil {
					return nil, err
				}
				out = append(out, ms...)
			}
			return out, nil
		}
		var gm genaiMsg
		if err := json.Unmarshal(raw, &gm); err != nil {
			return nil, err
		}
		if gm.Role == "" && gm.Type == "" && gm.Parts == nil {
			return []Message{{Role: def, Content: string(raw)}}, nil // some object: its JSON is what was sent
		}
		return gm.messages(def)
	}
	return []Message{{Role: def, Content: string(raw)}}, nil
}

// messages turns one item into messages: tool responses inside a user
// message become tool messages of their own.
func (gm *genaiMsg) messages(def Role) ([]Message, error) {
	switch gm.Type {
	case "function_call", "custom_tool_call":
		return []Message{{Role: RoleAssistant, ToolCalls: []ToolCall{{ID: gm.CallID, Name: gm.Name, Arguments: jsonText(gm.Arguments)}}}}, nil
	case "function_call_output", "custom_tool_call_output":
		return []Message{{Role: RoleTool, ToolCallID: gm.CallID, Content: jsonText(gm.Output)}}, nil
	case "reasoning":
		return []Message{{Role: RoleAssistant, Reasoning: jsonText(gm.Content)}}, nil
	}
	m := Message{Name: gm.Name, ToolCallID: gm.ToolCallID}
	switch strings.ToLower(gm.Role) {
	case "system", "developer":
		m.Role = RoleSystem
	case "user", "human":
		m.Role = RoleUser
	case "assistant", "model", "ai":
		m.Role = RoleAssistant
	case "tool", "function", "tool_result":
		m.Role = RoleTool
	case "":
		m.Role = def
	default:
		return nil, fmt.Errorf("unknown role %q", gm.Role)
	}
	text, images, err := oaContent(gm.Content)
	if err != nil {
		text, images = jsonText(gm.Content), 0 // an object: its JSON
	}
	m.Content, m.Images = text, images
	for _, tc := range gm.ToolCalls {
		m.ToolCalls = append(m.ToolCalls, ToolCall{ID: tc.ID, Name: tc.Function.Name, Arguments: jsonText(tc.Function.Arguments)})
	}
	if gm.Kwargs != nil {
		for _, tc := range gm.Kwargs.ToolCalls {
			m.ToolCalls = append(m.ToolCalls, ToolCall{ID: tc.ID, Name: tc.Function.Name, Arguments: jsonText(tc.Function.Arguments)})
		}
	}
	var texts []string
	var results []Message
	for _, p := range gm.Parts {
		switch p.Type {
		case "text", "":
			if s := jsonText(p.Content); s != "" {
				texts = append(texts, s)
			} else if p.Text != "" {
				texts = append(texts, p.Text)
			}
		case "reasoning", "thinking":
			m.Reasoning = joinNonEmpty(m.Reasoning, jsonText(p.Content))
		case "tool_call":
			m.ToolCalls = append(m.ToolCalls, ToolCall{ID: genaiID(p.ID), Name: p.Name, Arguments: jsonText(p.Arguments)})
		case "tool_call_response":
			out := p.Response
			if len(out) == 0 {
				out = p.Result
			}
			results = append(results, Message{Role: RoleTool, Name: p.Name, ToolCallID: genaiID(p.ID), Content: jsonText(out)})
		case "image", "blob", "uri", "file":
			m.Images++
		default:
			texts = append(texts, jsonText(p.Content))
		}
	}
	m.Content = joinNonEmpty(m.Content, strings.Join(texts, "\n"))
	if len(results) > 0 && (m.Role == RoleUser || m.Role == RoleTool) {
		if m.Content == "" && m.Images == 0 {
			return results, nil
		}
		return append([]Message{m}, results...), nil
	}
	return []Message{m}, nil
}

// genaiID is a tool call id: a string, or a list of ids (joined).
func genaiID(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var ss []string
	if json.Unmarshal(raw, &ss) == nil {
		return strings.Join(ss, "/")
	}
	return ""
}

// genaiTools reads tool schemas logged beside a call: a list of
// Chat Completions tools ({type, function}) or plain {name, description,
// parameters} (input_schema, parameters_json_schema, inputSchema), a
// single one, an object holding them under tools (or pydantic-ai's
// function_tools and output_tools), or any of these as a JSON string.
// What is not a schema is left out: tools that cannot be read count as
// unlogged input.
func genaiTools(raw json.RawMessage) []Tool {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil
		}
		if t := strings.TrimSpace(s); len(t) > 0 && (t[0] == '[' || t[0] == '{') {
			return genaiTools(json.RawMessage(t))
		}
	case '[':
		var list []json.RawMessage
		if json.Unmarshal(raw, &list) != nil {
			return nil
		}
		var out []Tool
		for _, it := range list {
			out = append(out, genaiTools(it)...)
		}
		return out
	case '{':
		var t struct {
			Name          string          `json:"name"`
			Description   *string         `json:"description"`
			Parameters    json.RawMessage `json:"parameters"`
			InputSchema   json.RawMessage `json:"input_schema"`
			InputSchemaJS json.RawMessage `json:"inputSchema"`
			PydanticAI    json.RawMessage `json:"parameters_json_schema"`
			Function      json.RawMessage `json:"function"`
			Tools         json.RawMessage `json:"tools"`
			FunctionTools json.RawMessage `json:"function_tools"`
			OutputTools   json.RawMessage `json:"output_tools"`
		}
		if json.Unmarshal(raw, &t) != nil {
			return nil
		}
		switch {
		case len(t.Function) > 0:
			return genaiTools(t.Function)
		case t.Name != "":
			tool := Tool{Name: t.Name}
			if t.Description != nil {
				tool.Description = *t.Description
			}
			for _, p := range []json.RawMessage{t.Parameters, t.InputSchema, t.InputSchemaJS, t.PydanticAI} {
				if p = bytes.TrimSpace(p); len(p) > 0 && string(p) != "null" {
					// As sent: an export's indentation is not the schema's.
					var b bytes.Buffer
					if json.Compact(&b, p) == nil {
						p = b.Bytes()
					}
					tool.Parameters = p
					break
				}
			}
			return []Tool{tool}
		case len(t.Tools) > 0:
			return genaiTools(t.Tools)
		}
		return append(genaiTools(t.FunctionTools), genaiTools(t.OutputTools)...)
	}
	return nil
}

// reply merges the messages a call returned into its one reply.
func reply(ms []Message) Message {
	r := Message{Role: RoleAssistant}
	for _, m := range ms {
		r.Content = joinNonEmpty(r.Content, m.Content)
		r.Reasoning = joinNonEmpty(r.Reasoning, m.Reasoning)
		r.ToolCalls = append(r.ToolCalls, m.ToolCalls...)
		r.Images += m.Images
	}
	return r
}

// callThreader joins calls logged with their whole input into
// conversations. Each call is exactly one call: its reply. A call whose
// input extends a conversation continues it; any other starts one, and
// the replies in its history are history only (their calls are counted
// where they were made, or were not logged). Where the system messages or
// the tools logged change along a thread, the reply says so (Prompt,
// PrefixChange); a call logged without tools is taken to send the
// thread's (spans often carry them on some calls only).
type callThreader struct {
	id, file, format string
	convs            []*Conversation
	last             map[*Conversation]lastRequest
}

func (t *callThreader) add(input []Message, r Message, tools []Tool) {
	input = joinItems(input)
	cur, n := longestExtended(t.convs, input)
	fresh := cur == nil
	if fresh {
		id := t.id
		if len(t.convs) > 0 {
			id = fmt.Sprintf("%s#%d", t.id, len(t.convs)+1)
		}
		cur = &Conversation{ID: id, Path: t.file, Format: t.format, Unlogged: true, Model: r.Model, Tools: tools}
		t.convs = append(t.convs, cur)
	}
	if cur.Tools == nil {
		cur.Tools = tools // the first call that logged them
	}
	for _, m := range input[n:] {
		if m.Role == RoleSystem && !fresh {
			continue // the thread's system prompt: the reply's Prompt where it changed
		}
		if m.Role == RoleAssistant {
			m.Replayed = true
		}
		cur.Messages = append(cur.Messages, m)
	}
	sys := systemTexts(input)
	prev, ok := t.last[cur]
	if prev.tools == nil {
		prev.tools = cur.Tools // the calls before logged none: they count with these
	}
	if len(tools) == 0 {
		tools = prev.tools
	}
	if ok {
		promptChange(&r, prev, sys, tools)
	}
	if t.last == nil {
		t.last = map[*Conversation]lastRequest{}
	}
	t.last[cur] = lastRequest{system: sys, tools: tools}
	cur.Messages = append(cur.Messages, r)
	if cur.Model == "" {
		cur.Model = r.Model
	}
}

// joinItems merges Responses API items that log one reply as several: an
// assistant message followed by function_call items is one message.
func joinItems(ms []Message) []Message {
	var out []Message
	for _, m := range ms {
		if n := len(out); n > 0 && m.Role == RoleAssistant && out[n-1].Role == RoleAssistant && m.Content == "" && len(m.ToolCalls) > 0 {
			out[n-1].ToolCalls = append(out[n-1].ToolCalls, m.ToolCalls...)
			continue
		}
		out = append(out, m)
	}
	return out
}
