package transcripts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// FormatAnthropic is an Anthropic Messages request body or conversation
// dump: top-level system, messages of content blocks, tools.
const FormatAnthropic = "anthropic"

func init() {
	Register(Format{
		Name:  FormatAnthropic,
		Doc:   "Anthropic Messages request body or conversation dump, or one Messages response",
		Sniff: sniffAnthropic,
		Read:  readAllWith(readAnthropic),
	})
}

// anthropicEvidence lists paths only a Messages API request has.
var anthropicEvidence = []string{
	"system", "anthropic_version", "tools[].input_schema", "stop_sequences", "top_k", "thinking",
	"messages[].content[].cache_control", "messages[].content[].source",
}

// anthropicBlocks are content block types of the Messages API only.
var anthropicBlocks = []string{"tool_use", "tool_result", "thinking", "redacted_thinking", "document",
	"server_tool_use", "web_search_tool_result", "web_fetch_tool_result", "search_result",
	"mcp_tool_use", "mcp_tool_result", "container_upload", "code_execution_tool_result"}

func sniffAnthropic(s *Shape) int {
	if s.Is("type", "message") && s.Is("role", "assistant") && s.Kind("content") == '[' {
		return 100 // one response
	}
	if s.Is("type", "message_start") && s.Is("message.type", "message") {
		return 100 // a stream's events, one a line
	}
	if s.Kind("messages") != '[' {
		return 0
	}
	for _, p := range anthropicEvidence {
		if s.Has(p) {
			return 80
		}
	}
	for _, t := range anthropicBlocks {
		if s.Is("messages[].content[].type", t) {
			return 80
		}
	}
	return 0
}

type anBlock struct {
	Type      string          `json:"type"`
	Text      string          `json:"text"`
	Thinking  string          `json:"thinking"`
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Input     json.RawMessage `json:"input"`
	ToolUseID string          `json:"tool_use_id"`
	Content   json.RawMessage `json:"content"`
	Data      string          `json:"data"` // redacted_thinking
	Source    json.RawMessage `json:"source"`

	// flat is set by a reader that flattened Content as it decoded the
	// block (Claude Code's): flatText and flatImages are what anText
	// gives for it, and Content is empty.
	flat       bool
	flatText   string
	flatImages int
}

// text flattens the block's content (see anText).
func (b *anBlock) text() (string, int, error) {
	if b.flat {
		return b.flatText, b.flatImages, nil
	}
	return anText(b.Content)
}

type anMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

type anTool struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	InputSchema json.RawMessage `json:"input_schema"`
	Type        string          `json:"type"`
}

type anRequest struct {
	Type     string            `json:"type"` // "message" in a response
	Role     string            `json:"role"` // "assistant" in a response
	Model    string            `json:"model"`
	System   json.RawMessage   `json:"system"`
	Messages []json.RawMessage `json:"messages"`
	Tools    []anTool          `json:"tools"`
}

// anUsage is Anthropic's usage: input_tokens excludes cache reads and
// writes, which are reported apart.
type anUsage struct {
	InputTokens              *int64 `json:"input_tokens"`
	OutputTokens             *int64 `json:"output_tokens"`
	CacheCreationInputTokens *int64 `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     *int64 `json:"cache_read_input_tokens"`
	CacheCreation            *struct {
		Ephemeral5m int64 `json:"ephemeral_5m_input_tokens"`
		Ephemeral1h int64 `json:"ephemeral_1h_input_tokens"`
	} `json:"cache_creation"`
	// Iterations list the steps of a request with context management;
	// compaction steps are billed outside the headline numbers.
	Iterations []struct {
		Type                     string `json:"type"`
		InputTokens              int64  `json:"input_tokens"`
		OutputTokens             int64  `json:"output_tokens"`
		CacheCreationInputTokens int64  `json:"cache_creation_input_tokens"`
		CacheReadInputTokens     int64  `json:"cache_read_input_tokens"`
	} `json:"iterations"`
}

func val(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// merge overlays the fields present in later (a message_delta's usage)
// on u (message_start's): the final event can differ in every field.
func (u *anUsage) merge(later *anUsage) {
	if later == nil {
		return
	}
	overlay(&u.InputTokens, later.InputTokens)
	overlay(&u.OutputTokens, later.OutputTokens)
	overlay(&u.CacheCreationInputTokens, later.CacheCreationInputTokens)
	overlay(&u.CacheReadInputTokens, later.CacheReadInputTokens)
	overlay(&u.CacheCreation, later.CacheCreation)
	if later.Iterations != nil {
		u.Iterations = later.Iterations
	}
}

// overlay sets *dst to v when v is present.
func overlay[T any](dst **T, v *T) {
	if v != nil {
		*dst = v
	}
}

// normalise maps Anthropic usage to Usage: input is uncached + reads +
// writes; compaction iterations are added to what the call billed.
func (u *anUsage) normalise() *Usage {
	out := &Usage{
		InputTokens:       val(u.InputTokens) + val(u.CacheCreationInputTokens) + val(u.CacheReadInputTokens),
		CachedInputTokens: val(u.CacheReadInputTokens),
		CacheWriteTokens:  val(u.CacheCreationInputTokens),
		OutputTokens:      val(u.OutputTokens),
	}
	if c := u.CacheCreation; c != nil {
		out.CacheWrite1hTokens = c.Ephemeral1h
		if w := c.Ephemeral5m + c.Ephemeral1h; w > out.CacheWriteTokens {
			out.CacheWriteTokens = w
			out.InputTokens = val(u.InputTokens) + w + val(u.CacheReadInputTokens)
		}
	}
	for _, it := range u.Iterations {
		if it.Type == "message" || it.Type == "" {
			continue
		}
		out.InputTokens += it.InputTokens + it.CacheCreationInputTokens + it.CacheReadInputTokens
		out.CachedInputTokens += it.CacheReadInputTokens
		out.CacheWriteTokens += it.CacheCreationInputTokens
		out.OutputTokens += it.OutputTokens
	}
	return out
}

// anSystem flattens the system prompt: a string or text blocks.
func anSystem(raw json.RawMessage) (string, error) {
	text, _, err := anText(raw)
	return text, err
}

// anText flattens content that is a string or blocks of text.
func anText(raw json.RawMessage) (string, int, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", 0, nil
	}
	if raw[0] == '"' {
		var s string
		err := decodeJSON(raw, &s)
		return s, 0, err
	}
	var blocks []anBlock
	if err := decodeJSON(raw, &blocks); err != nil {
		return "", 0, fmt.Errorf("content must be a string or an array of blocks")
	}
	var parts []string
	images := 0
	for _, b := range blocks {
		switch b.Type {
		case "text":
			parts = append(parts, b.Text)
		case "image", "document":
			images++
		}
	}
	return strings.Join(parts, "\n"), images, nil
}

// anMessages converts one Anthropic message into messages of the model:
// tool_result blocks become tool messages (placed first, as the API wants
// them), the rest one user or assistant message.
func anMessages(file, path string, raw json.RawMessage) ([]Message, error) {
	var am anMessage
	if err := decodeJSON(raw, &am); err != nil {
		return nil, jsonError(file, raw, 0, path, err)
	}
	var role Role
	switch am.Role {
	case "user":
		role = RoleUser
	case "assistant":
		role = RoleAssistant
	case "system":
		// The Messages API takes system messages inside the conversation
		// too (claude-opus-4-8 answered such requests in pydantic-ai's
		// recordings): an instruction sent where it stands, not the prompt.
		role = RoleSystem
	case "":
		return nil, &Error{File: file, Path: path + ".role", Msg: "message has no role"}
	default:
		return nil, &Error{File: file, Path: path + ".role", Msg: fmt.Sprintf("unknown role %q (want user, assistant or system)", am.Role)}
	}
	c := bytes.TrimSpace(am.Content)
	if len(c) > 0 && c[0] == '"' {
		var s string
		if err := decodeJSON(c, &s); err != nil {
			return nil, &Error{File: file, Path: path + ".content", Msg: jsonMsg(err)}
		}
		return []Message{{Role: role, Content: s}}, nil
	}
	var blocks []anBlock
	if len(c) > 0 && string(c) != "null" {
		if err := decodeJSON(c, &blocks); err != nil {
			return nil, &Error{File: file, Path: path + ".content", Msg: "content must be a string or an array of blocks"}
		}
	}
	return blocksToMessages(role, blocks), nil
}

func blocksToMessages(role Role, blocks []anBlock) []Message {
	return appendBlockMessages(nil, role, blocks)
}

// appendBlockMessages appends the messages of blocksToMessages to out.
func appendBlockMessages(out []Message, role Role, blocks []anBlock) []Message {
	main := Message{Role: role}
	var textBuf, thinkingBuf [2]string // most messages have one of each at most
	text, thinking := textBuf[:0], thinkingBuf[:0]
	n := len(out)
	for i := range blocks {
		b := &blocks[i]
		switch b.Type {
		case "text":
			text = append(text, b.Text)
		case "image", "document":
			main.Images++
		case "thinking":
			thinking = append(thinking, b.Thinking)
		case "redacted_thinking":
			thinking = append(thinking, b.Data)
		case "tool_use", "server_tool_use":
			args := strings.TrimSpace(string(b.Input))
			if args == "" {
				args = "{}"
			}
			main.ToolCalls = append(main.ToolCalls, ToolCall{ID: b.ID, Name: b.Name, Arguments: args})
		case "tool_result", "web_search_tool_result":
			content, images, err := b.text()
			if err != nil {
				content = string(b.Content) // keep what was sent, as text
			}
			out = append(out, Message{Role: RoleTool, ToolCallID: b.ToolUseID, Content: content, Images: images})
		default:
			// A block this reader does not know: count what it can see
			// (text, a tool call, a result's content), say what it cannot.
			content, images, err := b.text()
			switch {
			case b.Text != "":
				text = append(text, b.Text)
			case b.Name != "" && len(b.Input) > 0:
				main.ToolCalls = append(main.ToolCalls, ToolCall{ID: b.ID, Name: b.Name, Arguments: strings.TrimSpace(string(b.Input))})
			case b.ToolUseID != "":
				if err != nil {
					content = string(b.Content)
				}
				out = append(out, Message{Role: RoleTool, ToolCallID: b.ToolUseID, Content: content, Images: images})
			case err == nil && (content != "" || images > 0):
				text = append(text, content)
				main.Images += images
			default:
				main.skipped = append(main.skipped, b.Type)
			}
		}
	}
	main.Content = strings.Join(text, "\n")
	main.Reasoning = strings.Join(thinking, "\n")
	if role == RoleAssistant || main.Content != "" || main.Images > 0 || len(out) == n {
		out = append(out, main)
	}
	return out
}

func (r *anRequest) tools() []Tool {
	var out []Tool
	for _, t := range r.Tools {
		out = append(out, Tool{Name: t.Name, Description: t.Description, Parameters: t.InputSchema})
	}
	return out
}

// requestMessages converts a request body's system and messages.
func (r *anRequest) requestMessages(file, base string) ([]Message, error) {
	var msgs []Message
	sys, err := anSystem(r.System)
	if err != nil {
		return nil, &Error{File: file, Path: base + ".system", Msg: "system must be a string or text blocks"}
	}
	if sys != "" {
		msgs = append(msgs, Message{Role: RoleSystem, Content: sys})
	}
	for i, raw := range r.Messages {
		ms, err := anMessages(file, fmt.Sprintf("%s.messages[%d]", base, i), raw)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, ms...)
	}
	return msgs, nil
}

// readAnthropic reads a Messages request body, a conversation dump, or a
// response alone: one call whose output and reported usage are known and
// whose input is not in the file (unlogged).
func readAnthropic(data []byte, file string) ([]*Conversation, error) {
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' && isJSONL(t) && eventType(t[:bytes.IndexByte(t, '\n')]) == "message_start" {
		return readEventLines(data, file, APIAnthropic)
	}
	var req anRequest
	if err := decodeJSON(data, &req); err != nil {
		return nil, jsonError(file, data, 0, "", err)
	}
	if req.Type == "message" && req.Role == "assistant" {
		m, err := parseAnthropicResponse(data)
		if err != nil {
			return nil, placed(err, file, 1, "$", "$.content")
		}
		return []*Conversation{{ID: baseID(file), Path: file, Format: FormatAnthropic, Model: m.Model, Unlogged: true, Messages: []Message{*m}}}, nil
	}
	msgs, err := req.requestMessages(file, "$")
	if err != nil {
		if pe, ok := err.(*Error); ok && pe.Line == 0 {
			pe.Line = lineOfPath(data, req.Messages, pe.Path)
		}
		return nil, err
	}
	if len(msgs) == 0 {
		return nil, &Error{File: file, Path: "$.messages", Msg: "no messages"}
	}
	c := &Conversation{ID: baseID(file), Path: file, Format: FormatAnthropic, Model: req.Model, Tools: req.tools(), Messages: msgs}
	awaitReply(c)
	return []*Conversation{c}, nil
}

// lineOfPath finds the line of the message a $.messages[i] path names.
func lineOfPath(data []byte, raws []json.RawMessage, path string) int {
	var i int
	if _, err := fmt.Sscanf(path, "$.messages[%d]", &i); err != nil || i < 0 || i >= len(raws) {
		return 0
	}
	if at := bytes.Index(data, raws[i]); at >= 0 {
		return lineAt(data, int64(at))
	}
	return 0
}

// anResponse is a Messages API response.
type anResponse struct {
	ID      string          `json:"id"`
	Type    string          `json:"type"`
	Model   string          `json:"model"`
	Content json.RawMessage `json:"content"`
	Usage   *anUsage        `json:"usage"`
}

// parseAnthropicResponse reads a response body: JSON, or the SSE text of a
// streamed response, whose usage is message_start's overlaid with the
// final message_delta's.
func parseAnthropicResponse(body []byte) (*Message, error) {
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '{' {
		var resp anResponse
		if err := json.Unmarshal(body, &resp); err != nil {
			return nil, err
		}
		var blocks []anBlock
		if len(resp.Content) > 0 {
			if err := json.Unmarshal(resp.Content, &blocks); err != nil {
				return nil, fmt.Errorf("content: %s", jsonMsg(err))
			}
		}
		ms := blocksToMessages(RoleAssistant, blocks)
		m := ms[len(ms)-1]
		m.Model = resp.Model
		if resp.Usage != nil {
			if err := checkCounts("", 0, "$.usage", resp.Usage.counts()...); err != nil {
				return nil, err
			}
			m.Usage = resp.Usage.normalise()
		}
		return &m, nil
	}
	return parseAnthropicSSE(body)
}

func parseAnthropicSSE(body []byte) (*Message, error) {
	var usage anUsage
	var model string
	type building struct {
		block anBlock
		input strings.Builder
	}
	var blocks []*building
	seen := false
	for _, line := range strings.Split(string(body), "\n") {
		line = strings.TrimSpace(line)
		data, ok := strings.CutPrefix(line, "data:")
		if !ok {
			continue
		}
		var ev struct {
			Type    string `json:"type"`
			Index   int    `json:"index"`
			Message *struct {
				Model string   `json:"model"`
				Usage *anUsage `json:"usage"`
			} `json:"message"`
			ContentBlock *anBlock `json:"content_block"`
			Delta        *struct {
				Type        string `json:"type"`
				Text        string `json:"text"`
				Thinking    string `json:"thinking"`
				PartialJSON string `json:"partial_json"`
			} `json:"delta"`
			Usage *anUsage `json:"usage"`
		}
		if err := json.Unmarshal([]byte(strings.TrimSpace(data)), &ev); err != nil {
			return nil, fmt.Errorf("stream event: %s", jsonMsg(err))
		}
		seen = true
		switch ev.Type {
		case "message_start":
			if ev.Message != nil {
				model = ev.Message.Model
				if ev.Message.Usage != nil {
					usage = *ev.Message.Usage
				}
			}
		case "content_block_start":
			if ev.ContentBlock != nil {
				for len(blocks) <= ev.Index {
					blocks = append(blocks, &building{})
				}
				blocks[ev.Index].block = *ev.ContentBlock
			}
		case "content_block_delta":
			if ev.Delta != nil && ev.Index < len(blocks) {
				b := blocks[ev.Index]
				b.block.Text += ev.Delta.Text
				b.block.Thinking += ev.Delta.Thinking
				b.input.WriteString(ev.Delta.PartialJSON)
			}
		case "message_delta":
			usage.merge(ev.Usage)
		}
	}
	if !seen {
		return nil, fmt.Errorf("response body is neither JSON nor a server-sent event stream")
	}
	var final []anBlock
	for _, b := range blocks {
		if b.input.Len() > 0 {
			b.block.Input = json.RawMessage(b.input.String())
		}
		final = append(final, b.block)
	}
	ms := blocksToMessages(RoleAssistant, final)
	m := ms[len(ms)-1]
	m.Model = model
	if err := checkCounts("", 0, "$.usage", usage.counts()...); err != nil {
		return nil, err
	}
	m.Usage = usage.normalise()
	return &m, nil
}
