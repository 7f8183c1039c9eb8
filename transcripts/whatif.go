package transcripts

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// A what-if changes what every call of a log sends, so the same calls can be
// re-costed with a new system prompt or tool set. The transforms return new
// conversations and leave the ones read untouched.

// WithSystem returns copies of convs whose system prompt is text: the
// leading system messages are replaced by one system message holding text,
// or one is put first where there was none. An empty text removes the
// system prompt.
func WithSystem(convs []*Conversation, text string) []*Conversation {
	out := make([]*Conversation, len(convs))
	for i, c := range convs {
		cc := c.edit()
		lead := 0
		for lead < len(c.Messages) && c.Messages[lead].Role == RoleSystem {
			lead++
		}
		msgs := make([]Message, 0, len(c.Messages)-lead+1)
		if text != "" {
			msgs = append(msgs, Message{Role: RoleSystem, Content: text})
		}
		cc.Messages = append(msgs, c.Messages[lead:]...)
		cc.editPrompts(func(p *Prompt) {
			p.System = nil
			if text != "" {
				p.System = []string{text}
			}
		})
		out[i] = cc
	}
	return out
}

// WithTools returns copies of convs that offer tools on every call.
func WithTools(convs []*Conversation, tools []Tool) []*Conversation {
	out := make([]*Conversation, len(convs))
	for i, c := range convs {
		cc := c.edit()
		cc.Tools = slices.Clone(tools)
		cc.editPrompts(func(p *Prompt) { p.Tools = cc.Tools })
		out[i] = cc
	}
	return out
}

// WithoutTools returns copies of convs whose tool schemas leave out the
// tools named. Calls of those tools in the history stay: the what-if is
// the schema's weight, not a different conversation. It fails when a name
// is offered by none of convs, which is most often a typo.
func WithoutTools(convs []*Conversation, names []string) ([]*Conversation, error) {
	found := map[string]bool{}
	out := make([]*Conversation, len(convs))
	for i, c := range convs {
		cc := c.edit()
		cc.Tools = nil
		drop := func(tools []Tool) []Tool {
			var kept []Tool
			for _, t := range tools {
				if slices.Contains(names, t.Name) {
					found[t.Name] = true
					continue
				}
				kept = append(kept, t)
			}
			return kept
		}
		cc.Tools = drop(c.Tools)
		cc.editPrompts(func(p *Prompt) { p.Tools = drop(p.Tools) })
		out[i] = cc
	}
	for _, n := range names {
		if !found[n] {
			return nil, fmt.Errorf("--drop-tool %s: no conversation offers a tool of that name", n)
		}
	}
	return out, nil
}

// editPrompts applies edit to what each call of c that changed its system
// prompt or tools was sent (Message.Prompt), on a copy of the messages,
// and says again where that changed: a what-if that makes every call send
// the same leaves no change to break the cache.
func (c *Conversation) editPrompts(edit func(*Prompt)) {
	if !slices.ContainsFunc(c.Messages, func(m Message) bool { return m.Prompt() != nil }) {
		return
	}
	msgs := slices.Clone(c.Messages)
	first := slices.IndexFunc(msgs, func(m Message) bool { return m.Role == RoleAssistant && !m.Replayed })
	if first < 0 {
		first = len(msgs)
	}
	cur := lastRequest{system: systemTexts(msgs[:first]), tools: c.Tools}
	for i := range msgs {
		m := &msgs[i]
		was := m.Prompt()
		if was == nil {
			continue
		}
		p := Prompt{System: slices.Clone(was.System), Tools: was.Tools}
		edit(&p)
		m.PrefixChange = nil
		promptChange(m, cur, p.System, p.Tools)
		if m.PrefixChange != nil {
			cur = lastRequest{system: p.System, tools: p.Tools}
		}
	}
	c.Messages = msgs
}

// ParseTools reads tool schemas as either API writes them: OpenAI's
// [{"type":"function","function":{name, description, parameters}}] (or
// bare functions), Anthropic's [{name, description, input_schema}], or
// either list under a top-level "tools" key.
func ParseTools(data []byte, file string) ([]Tool, error) {
	var raw []json.RawMessage
	trimmed := strings.TrimSpace(string(data))
	if strings.HasPrefix(trimmed, "{") {
		var doc struct {
			Tools []json.RawMessage `json:"tools"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			return nil, jsonError(file, data, 0, "$", err)
		}
		if doc.Tools == nil {
			return nil, &Error{File: file, Path: "$.tools", Msg: "want a list of tool schemas"}
		}
		raw = doc.Tools
	} else if err := json.Unmarshal(data, &raw); err != nil {
		return nil, jsonError(file, data, 0, "$", err)
	}
	tools := make([]Tool, 0, len(raw))
	for i, r := range raw {
		var t struct {
			Type        string          `json:"type"`
			Function    *Tool           `json:"function"`
			Name        string          `json:"name"`
			Description string          `json:"description"`
			Parameters  json.RawMessage `json:"parameters"`
			InputSchema json.RawMessage `json:"input_schema"`
		}
		path := fmt.Sprintf("$.tools[%d]", i)
		if err := json.Unmarshal(r, &t); err != nil {
			return nil, &Error{File: file, Path: path, Msg: "want a tool schema object"}
		}
		tool := Tool{Name: t.Name, Description: t.Description, Parameters: t.Parameters}
		if t.Function != nil {
			tool = *t.Function
			path += ".function"
		}
		if len(tool.Parameters) == 0 && len(t.InputSchema) > 0 {
			tool.Parameters = t.InputSchema
		}
		if tool.Name == "" {
			return nil, &Error{File: file, Path: path + ".name", Msg: "tool has no name"}
		}
		tools = append(tools, tool)
	}
	return tools, nil
}
