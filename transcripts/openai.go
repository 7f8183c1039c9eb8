package transcripts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Formats of OpenAI-shaped logs.
const (
	// FormatOpenAIChat is a Chat Completions request body ({"messages":[…]})
	// or a bare array of messages.
	FormatOpenAIChat = "openai-chat"
	// FormatOpenAILog is request/response pairs ({"request":…,"response":…})
	// as a JSON array or JSONL.
	FormatOpenAILog = "openai-log"
)

func init() {
	Register(Format{
		Name:  FormatOpenAIChat,
		Doc:   `OpenAI Chat Completions request body ({"messages":[…]}) or a bare array of messages, or JSONL of them`,
		Sniff: sniffOpenAIChat,
		Read:  readAllWith(readOpenAIChat),
	})
	readLog := readAllWith(func(data []byte, file string) ([]*Conversation, error) {
		trimmed := bytes.TrimSpace(data)
		return readOpenAILog(data, file, len(trimmed) > 0 && trimmed[0] != '[' && isJSONL(trimmed)) // one object pretty-printed is not JSONL
	})
	Register(Format{
		Name: FormatOpenAILog,
		Doc:  `request/response pairs ({"request","response"}) of either API, JSON array or JSONL`,
		Sniff: func(s *Shape) int {
			switch {
			case s.Has("request"):
				return 90
			case s.Kind("choices") == '[' && !s.Has("messages") && !s.Array:
				// A Chat Completions response alone, or a stream's
				// chunks one a line (SDK fixtures, some loggers).
				return 70
			}
			return 0
		},
		Read: readLog,
	})
	// anthropic-log is read by the same reader, which tells the APIs
	// apart per pair; detection says openai-log and the reader renames.
	Register(Format{Name: FormatAnthropicLog, Doc: "request/response pairs of the Anthropic Messages API", Read: readLog})
}

// openAIEvidence lists paths only a Chat Completions request has.
var openAIEvidence = []string{
	"messages[].role=system", "messages[].role=developer", "messages[].role=tool", "messages[].role=function",
	"messages[].tool_calls", "messages[].tool_call_id", "messages[].function_call",
	"messages[].content[].type=image_url", "messages[].content[].type=input_audio", "messages[].content[].type=file",
	"tools[].function", "functions", "response_format", "max_completion_tokens", "frequency_penalty",
	"presence_penalty", "logprobs", "n", "reasoning_effort",
}

func sniffOpenAIChat(s *Shape) int {
	if s.Array && s.Has("role") {
		return 60 // a bare array of messages
	}
	if s.Kind("messages") != '[' {
		return 0
	}
	for _, p := range openAIEvidence {
		if s.Has(p) {
			return 90
		}
	}
	return 50
}

type oaMessage struct {
	Role         string          `json:"role"`
	Name         string          `json:"name"`
	Content      json.RawMessage `json:"content"`
	ToolCalls    []oaToolCall    `json:"tool_calls"`
	ToolCallID   string          `json:"tool_call_id"`
	FunctionCall *oaFunction     `json:"function_call"`
	Refusal      string          `json:"refusal"`
}

type oaToolCall struct {
	ID       string     `json:"id"`
	Type     string     `json:"type"`
	Function oaFunction `json:"function"`
}

type oaFunction struct {
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
}

type oaTool struct {
	Type     string `json:"type"`
	Function Tool   `json:"function"`
}

type oaRequest struct {
	Model     string            `json:"model"`
	Messages  []json.RawMessage `json:"messages"`
	Tools     []oaTool          `json:"tools"`
	Functions []Tool            `json:"functions"`
}

type oaResponse struct {
	ID      string `json:"id"`
	Model   string `json:"model"`
	Created int64  `json:"created"`
	Choices []struct {
		Message json.RawMessage `json:"message"`
	} `json:"choices"`
	Usage *oaUsage `json:"usage"`
}

type oaUsage struct {
	PromptTokens        int64 `json:"prompt_tokens"`
	CompletionTokens    int64 `json:"completion_tokens"`
	TotalTokens         int64 `json:"total_tokens"`
	PromptTokensDetails *struct {
		CachedTokens     int64 `json:"cached_tokens"`
		CacheWriteTokens int64 `json:"cache_write_tokens"`
	} `json:"prompt_tokens_details"`
	CompletionTokensDetails *struct {
		ReasoningTokens int64 `json:"reasoning_tokens"`
	} `json:"completion_tokens_details"`
	// DeepSeek reports its disk cache apart.
	PromptCacheHitTokens  *int64 `json:"prompt_cache_hit_tokens"`
	PromptCacheMissTokens *int64 `json:"prompt_cache_miss_tokens"`
}

// normalise maps OpenAI-style usage to Usage. prompt_tokens already includes
// cached tokens; some providers (xAI) count reasoning outside
// completion_tokens, which shows in total_tokens.
func (u *oaUsage) normalise() *Usage {
	out := &Usage{InputTokens: u.PromptTokens, OutputTokens: u.CompletionTokens}
	if d := u.PromptTokensDetails; d != nil {
		out.CachedInputTokens = d.CachedTokens
		out.CacheWriteTokens = d.CacheWriteTokens
	}
	if u.PromptCacheHitTokens != nil && out.CachedInputTokens == 0 {
		out.CachedInputTokens = *u.PromptCacheHitTokens
		if u.PromptTokens == 0 && u.PromptCacheMissTokens != nil {
			out.InputTokens = *u.PromptCacheHitTokens + *u.PromptCacheMissTokens
		}
	}
	if d := u.CompletionTokensDetails; d != nil {
		out.ReasoningTokens = d.ReasoningTokens
		if d.ReasoningTokens > 0 && u.TotalTokens == u.PromptTokens+u.CompletionTokens+d.ReasoningTokens {
			out.OutputTokens += d.ReasoningTokens
		}
	}
	return out
}

// oaRole is the role of an OpenAI message, of Chat Completions or of the
// Responses API, as the messages of all formats have it ("" when it is
// none of these): a developer message is the system prompt.
func oaRole(role string) Role {
	switch role {
	case "system", "developer":
		return RoleSystem
	case "user":
		return RoleUser
	case "assistant":
		return RoleAssistant
	}
	return ""
}

// parseOAMessage decodes one Chat Completions message at JSON path path.
func parseOAMessage(file, path string, raw json.RawMessage) (Message, error) {
	var om oaMessage
	if err := decodeJSON(raw, &om); err != nil {
		return Message{}, jsonError(file, raw, 0, path, err)
	}
	m := Message{Name: om.Name, ToolCallID: om.ToolCallID, Role: oaRole(om.Role)}
	switch {
	case om.Role == "tool" || om.Role == "function":
		m.Role = RoleTool
	case om.Role == "":
		return Message{}, &Error{File: file, Path: path + ".role", Msg: "message has no role"}
	case m.Role == "":
		return Message{}, &Error{File: file, Path: path + ".role", Msg: fmt.Sprintf("unknown role %q", om.Role)}
	}
	text, images, skipped, err := oaParts(om.Content)
	m.skipped = skipped
	if err != nil {
		return Message{}, &Error{File: file, Path: path + ".content", Msg: jsonMsg(err)}
	}
	if text == "" && om.Refusal != "" {
		text = om.Refusal
	}
	m.Content, m.Images = text, images
	for _, tc := range om.ToolCalls {
		m.ToolCalls = append(m.ToolCalls, ToolCall{ID: tc.ID, Name: tc.Function.Name, Arguments: jsonText(tc.Function.Arguments)})
	}
	if om.FunctionCall != nil {
		m.ToolCalls = append(m.ToolCalls, ToolCall{Name: om.FunctionCall.Name, Arguments: jsonText(om.FunctionCall.Arguments)})
	}
	return m, nil
}

// jsonText is a logged value as text: a JSON string's text, anything else
// as it is (JSON, or text that is not JSON at all: counted, never
// rejected); null is empty. Tool-call arguments are normally a string
// holding JSON, sometimes an object.
func jsonText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if raw[0] == '"' && json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// oaContent flattens message content: a string, null, or an array of parts.
func oaContent(raw json.RawMessage) (string, int, error) {
	text, images, _, err := oaParts(raw)
	return text, images, err
}

// oaParts is oaContent also returning the types of the parts that could
// not be counted (input_audio, file, types it does not know without text).
func oaParts(raw json.RawMessage) (string, int, []string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", 0, nil, nil
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", 0, nil, err
		}
		return s, 0, nil, nil
	case '[':
		var parts []struct {
			Type  string `json:"type"`
			Text  string `json:"text"`
			Input string `json:"input_text"`
		}
		if err := json.Unmarshal(raw, &parts); err != nil {
			return "", 0, nil, fmt.Errorf("content parts: %s", jsonMsg(err))
		}
		var b strings.Builder
		images := 0
		var skipped []string
		for _, p := range parts {
			switch p.Type {
			case "image_url", "input_image", "image":
				images++
				continue
			case "text", "input_text", "output_text", "refusal", "":
			default:
				if p.Text == "" {
					skipped = append(skipped, p.Type)
				}
			}
			if p.Text == "" {
				continue
			}
			if b.Len() > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(p.Text)
		}
		return b.String(), images, skipped, nil
	}
	return "", 0, nil, fmt.Errorf("content must be a string, null or an array of parts")
}

// readOpenAIChat reads {"messages":[…]} or a bare message array, or JSONL
// of them (a fine-tuning or eval set), one conversation a line.
func readOpenAIChat(data []byte, file string) ([]*Conversation, error) {
	if !isJSONL(bytes.TrimSpace(data)) {
		return readOpenAIChatDoc(data, file)
	}
	var convs []*Conversation
	for i, line := range bytes.Split(data, []byte{'\n'}) {
		if line = bytes.TrimSpace(line); len(line) == 0 {
			continue
		}
		cs, err := readOpenAIChatDoc(line, file)
		if err != nil {
			if e, ok := err.(*Error); ok {
				e.Line = i + 1 // a JSONL line is one line: the error is on it
			}
			return nil, err
		}
		convs = append(convs, cs...)
	}
	return convs, nil
}

// readOpenAIChatDoc reads one {"messages":[…]} or bare message array.
func readOpenAIChatDoc(data []byte, file string) ([]*Conversation, error) {
	data = bytes.TrimSpace(data)
	var req oaRequest
	base := "$.messages"
	if len(data) > 0 && data[0] == '[' {
		if err := decodeJSON(data, &req.Messages); err != nil {
			return nil, jsonError(file, data, 0, "", err)
		}
		base = "$"
	} else if err := decodeJSON(data, &req); err != nil {
		return nil, jsonError(file, data, 0, "", err)
	}
	c := &Conversation{ID: baseID(file), Path: file, Format: FormatOpenAIChat, Model: req.Model}
	c.Tools = req.tools()
	for i, raw := range req.Messages {
		m, err := parseOAMessage(file, fmt.Sprintf("%s[%d]", base, i), raw)
		if err != nil {
			if pe, ok := err.(*Error); ok {
				// RawMessage keeps the file's bytes: find them to name the line.
				if at := bytes.Index(data, raw); at >= 0 {
					pe.Line = lineAt(data, int64(at)) + max(pe.Line-1, 0)
				}
			}
			return nil, err
		}
		c.Messages = append(c.Messages, m)
	}
	if len(c.Messages) == 0 {
		return nil, &Error{File: file, Path: base, Msg: "no messages"}
	}
	awaitReply(c)
	return []*Conversation{c}, nil
}

func (r *oaRequest) tools() []Tool {
	var out []Tool
	for _, t := range r.Tools {
		out = append(out, t.Function)
	}
	return append(out, r.Functions...)
}

// oaExchange is one logged request with its response.
type oaExchange struct {
	Request  json.RawMessage `json:"request"`
	Response json.RawMessage `json:"response"`
}

// FormatAnthropicLog is request/response pairs of the Messages API, as
// SDKs and proxies record them.
const FormatAnthropicLog = "anthropic-log"

// unwrapBody returns an HTTP recording's body ({"body": …} with the body
// an object or a string), or raw itself when it is not a recording.
func unwrapBody(raw json.RawMessage) []byte {
	raw = bytes.TrimSpace(raw)
	var rec struct {
		Body json.RawMessage `json:"body"`
	}
	if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &rec) != nil || len(rec.Body) == 0 {
		return raw
	}
	body := bytes.TrimSpace(rec.Body)
	if len(body) > 0 && body[0] == '"' {
		var s string
		if json.Unmarshal(body, &s) == nil {
			return []byte(s)
		}
	}
	return body
}

// readOpenAILog reads request/response pairs of any API the project
// knows (see readPairs): openai-log names the convention, whatever the API;
// a file of Chat Completions responses or stream chunks alone is read as
// such (readAPIBody).
func readOpenAILog(data []byte, file string, jsonl bool) ([]*Conversation, error) {
	items, err := jsonItems(data, file, jsonl)
	if err == nil && len(items) > 0 && !hasKey(items[0].raw, "request") && responseAPI(items[0].raw) == APIOpenAI {
		return readAPIBody(data, file, APIOpenAI)
	}
	return readPairs(data, file, jsonl)
}

// parseOAResponse reads a Chat Completions response body.
func parseOAResponse(file, path string, body []byte) (*Message, error) {
	var resp oaResponse
	if err := decodeJSON(body, &resp); err != nil {
		return nil, jsonError(file, body, 0, path, err)
	}
	if len(resp.Choices) == 0 {
		return nil, &Error{File: file, Path: path + ".choices", Msg: fmt.Sprintf("response has no choices: found %s, want a Chat Completions response", describeBody(body))}
	}
	m, err := parseOAMessage(file, path+".choices[0].message", resp.Choices[0].Message)
	if err != nil {
		return nil, err
	}
	m.Role = RoleAssistant
	m.Model = resp.Model
	if resp.Created > 0 {
		m.Time = time.Unix(resp.Created, 0).UTC()
	}
	if resp.Usage != nil {
		if err := checkCounts(file, 0, path+".usage", resp.Usage.counts()...); err != nil {
			return nil, err
		}
		m.Usage = resp.Usage.normalise()
	}
	return &m, nil
}

// threader joins logged requests, each of which re-sends the history, into
// conversations without repeating that history. One request/response pair
// is exactly one call, always: threading only links histories. A request
// whose history extends a conversation continues it; the assistant
// messages of a history are calls only where their own pair was logged, so
// a history no known thread explains adds no calls. System prompts and
// tool lists may change along a thread (a prompt carrying the time does):
// the reply of the call where they change carries what it was sent
// and what changed (Message.PrefixChange, its Prompt).
type threader struct {
	file, format string
	convs        []*Conversation
	// last is each thread's previous request (its system messages and
	// tools), to say where the next one changed the prefix.
	last map[*Conversation]lastRequest
}

type lastRequest struct {
	system []string
	tools  []Tool
}

// systemTexts is the system messages of a request, in order.
func systemTexts(msgs []Message) []string {
	var b []string
	for _, m := range msgs {
		if m.Role == RoleSystem {
			b = append(b, m.Content)
		}
	}
	return b
}

func (t *threader) add(model string, tools []Tool, msgs []Message, reply *Message) *Conversation {
	cur, n := longestExtended(t.convs, msgs)
	fresh := cur == nil
	if fresh {
		cur = &Conversation{ID: fmt.Sprintf("%s#%d", baseID(t.file), len(t.convs)+1), Path: t.file, Format: t.format, Model: model, Tools: tools}
		t.convs = append(t.convs, cur)
	}
	for _, m := range msgs[n:] {
		if m.Role == RoleSystem && !fresh {
			continue // the thread's system prompt: the reply's Prompt where it changed
		}
		if m.Role == RoleAssistant {
			m.Replayed = true // history: its call is not in this log
		}
		cur.Messages = append(cur.Messages, m)
	}
	if reply == nil {
		reply = &Message{Role: RoleAssistant, NoReply: true}
		cur.Warnings = append(cur.Warnings, noReplyWarning(t.file, cur.ID))
	}
	sys := systemTexts(msgs)
	if prev, ok := t.last[cur]; ok {
		promptChange(reply, prev, sys, tools)
	}
	if t.last == nil {
		t.last = map[*Conversation]lastRequest{}
	}
	t.last[cur] = lastRequest{system: sys, tools: tools}
	cur.Messages = append(cur.Messages, *reply)
	return cur
}

// promptChange marks reply where its request's system messages sys or
// tools differ from the previous request of its thread: a breaker of the
// provider's prompt cache, with what this call and the next were sent
// (PrefixChange and its Prompt).
func promptChange(reply *Message, prev lastRequest, sys []string, tools []Tool) {
	sameTools := sameTools(prev.tools, tools)
	sameSys := slices.Equal(prev.system, sys)
	if sameTools && sameSys {
		return
	}
	prompt := &Prompt{System: sys, Tools: tools}
	if !sameTools {
		reply.PrefixChange = &PrefixChange{Part: "tools", Prompt: prompt}
		if len(prev.tools) != len(tools) {
			reply.PrefixChange.Was, reply.PrefixChange.Now = toolCount(len(prev.tools)), toolCount(len(tools))
		} else {
			for i := range tools {
				if prev.tools[i].Name != tools[i].Name {
					reply.PrefixChange.Was, reply.PrefixChange.Now = prev.tools[i].Name, tools[i].Name
					break
				}
			}
		}
		return
	}
	reply.PrefixChange = &PrefixChange{Part: "system", Prompt: prompt}
	reply.PrefixChange.Was, reply.PrefixChange.Now = DiffExcerpt(strings.Join(prev.system, "\n"), strings.Join(sys, "\n"))
}

// toolCount is "1 tool", "3 tools".
func toolCount(n int) string {
	if n == 1 {
		return "1 tool"
	}
	return fmt.Sprintf("%d tools", n)
}

// noReplyWarning says that a request without a logged response was
// counted as one call with no output.
func noReplyWarning(file, id string) string {
	return fmt.Sprintf("%s: %s: a request has no logged response: counted as one call, output 0 or --assume-output N", file, id)
}

// longestExtended returns the longest of convs that input, a request's
// messages, continues (see extends), and how many of input's messages it
// already holds; nil when input continues none of them.
func longestExtended(convs []*Conversation, input []Message) (cur *Conversation, n int) {
	best := -1
	for _, c := range convs {
		if k, ok := extends(c.Messages, input); ok && len(c.Messages) > best {
			cur, n, best = c, k, len(c.Messages)
		}
	}
	return cur, n
}

// extends reports whether next, a request's messages, continues the
// conversation have, and how many of next's messages have already holds.
// System messages are left out of the comparison; a reply that was not
// logged matches whatever assistant message next has in its place.
func extends(have, next []Message) (int, bool) {
	j := 0
	skipSystem := func() {
		for j < len(next) && next[j].Role == RoleSystem {
			j++
		}
	}
	for i := range have {
		a := &have[i]
		if a.Role == RoleSystem {
			continue
		}
		skipSystem()
		if a.NoReply {
			// The reply was not logged; the next request's history may
			// hold it. After the last message it is added as history.
			if j < len(next) && next[j].Role == RoleAssistant && i < len(have)-1 {
				j++
			}
			continue
		}
		if j >= len(next) || !sameMessage(a, &next[j]) {
			return 0, false
		}
		j++
	}
	skipSystem()
	return j, true
}

// sameMessage compares what makes a message the same message.
func sameMessage(a, b *Message) bool {
	if a.Role != b.Role || a.Content != b.Content || len(a.ToolCalls) != len(b.ToolCalls) || a.ToolCallID != b.ToolCallID {
		return false
	}
	for j := range a.ToolCalls {
		if a.ToolCalls[j].Name != b.ToolCalls[j].Name {
			return false
		}
	}
	return true
}

func sameTools(a, b []Tool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].Description != b[i].Description || !bytes.Equal(a[i].Parameters, b[i].Parameters) {
			return false
		}
	}
	return true
}

// awaitReply makes a request body that ends before its reply one more
// call: the request is the call a user wants priced. Its output is not
// known (0, or --assume-output), which a warning says.
func awaitReply(c *Conversation) {
	if n := len(c.Messages); n > 0 && c.Messages[n-1].Role != RoleAssistant {
		c.Messages = append(c.Messages, Message{Role: RoleAssistant, NoReply: true})
		c.Warnings = append(c.Warnings, noReplyWarning(c.Path, c.ID))
	}
}
