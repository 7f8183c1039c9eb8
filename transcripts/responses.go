package transcripts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// APIOpenAIResponses is OpenAI's Responses API (/v1/responses).
const APIOpenAIResponses = "openai-responses"

// rsItem is one item of a Responses API input or output: a message (with
// or without "type":"message"), a function call, a function call's
// output; other item types (reasoning, web search calls) are skipped.
type rsItem struct {
	Type      string          `json:"type"`
	Role      string          `json:"role"`
	Content   json.RawMessage `json:"content"`
	CallID    string          `json:"call_id"`
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
	Output    json.RawMessage `json:"output"`
	// Summary is a reasoning item's visible summary.
	Summary []struct {
		Text string `json:"text"`
	} `json:"summary"`
}

type rsUsage struct {
	InputTokens        int64 `json:"input_tokens"`
	InputTokensDetails *struct {
		CachedTokens int64 `json:"cached_tokens"`
		// CacheWriteTokens: what explicit caching
		// (prompt_cache_options mode explicit) wrote, inside input_tokens.
		CacheWriteTokens int64 `json:"cache_write_tokens"`
	} `json:"input_tokens_details"`
	OutputTokens        int64 `json:"output_tokens"`
	OutputTokensDetails *struct {
		ReasoningTokens int64 `json:"reasoning_tokens"`
	} `json:"output_tokens_details"`
}

func (u *rsUsage) counts() []namedCount {
	out := []namedCount{{"input_tokens", u.InputTokens}, {"output_tokens", u.OutputTokens}}
	if d := u.InputTokensDetails; d != nil {
		out = append(out, namedCount{"input_tokens_details.cached_tokens", d.CachedTokens},
			namedCount{"input_tokens_details.cache_write_tokens", d.CacheWriteTokens})
	}
	if d := u.OutputTokensDetails; d != nil {
		out = append(out, namedCount{"output_tokens_details.reasoning_tokens", d.ReasoningTokens})
	}
	return out
}

// normalise maps Responses usage to Usage: input_tokens already holds
// cached tokens, output_tokens reasoning tokens.
func (u *rsUsage) normalise() *Usage {
	out := &Usage{InputTokens: u.InputTokens, OutputTokens: u.OutputTokens}
	if d := u.InputTokensDetails; d != nil {
		out.CachedInputTokens = d.CachedTokens
		out.CacheWriteTokens = d.CacheWriteTokens
	}
	if d := u.OutputTokensDetails; d != nil {
		out.ReasoningTokens = d.ReasoningTokens
	}
	return out
}

// parseResponsesRequest reads a Responses API request body: instructions
// become the system message, input (a string or items) the messages.
func parseResponsesRequest(body []byte, out *Request) error {
	const file = "request"
	var req struct {
		Model           string          `json:"model"`
		Instructions    string          `json:"instructions"`
		Input           json.RawMessage `json:"input"`
		MaxOutputTokens int64           `json:"max_output_tokens"`
		Tools           []struct {
			Type        string          `json:"type"`
			Name        string          `json:"name"`
			Description string          `json:"description"`
			Parameters  json.RawMessage `json:"parameters"`
		} `json:"tools"`
	}
	if err := decodeJSON(body, &req); err != nil {
		return jsonError(file, body, 0, "", err)
	}
	out.Model, out.MaxTokens = req.Model, max(out.MaxTokens, req.MaxOutputTokens)
	for _, t := range req.Tools {
		if t.Name != "" {
			out.Tools = append(out.Tools, Tool{Name: t.Name, Description: t.Description, Parameters: t.Parameters})
		}
	}
	if req.Instructions != "" {
		out.Messages = append(out.Messages, Message{Role: RoleSystem, Content: req.Instructions})
	}
	in := bytes.TrimSpace(req.Input)
	if len(in) > 0 && in[0] == '"' {
		var s string
		if err := json.Unmarshal(in, &s); err != nil {
			return &Error{File: file, Path: "$.input", Msg: jsonMsg(err)}
		}
		out.Messages = append(out.Messages, Message{Role: RoleUser, Content: s})
		return nil
	}
	var items []rsItem
	if len(in) > 0 && string(in) != "null" {
		if err := decodeJSON(in, &items); err != nil {
			return &Error{File: file, Path: "$.input", Msg: "input must be a string or an array of items"}
		}
	}
	msgs, err := rsMessages(items, "$.input")
	out.Messages = append(out.Messages, msgs...)
	return err
}

// rsMessages converts items to messages; consecutive function calls join
// the assistant message before them.
func rsMessages(items []rsItem, path string) ([]Message, error) {
	var out []Message
	for i, it := range items {
		switch {
		case it.Type == "function_call":
			tc := ToolCall{ID: it.CallID, Name: it.Name, Arguments: jsonText(it.Arguments)}
			if n := len(out); n > 0 && out[n-1].Role == RoleAssistant {
				out[n-1].ToolCalls = append(out[n-1].ToolCalls, tc)
			} else {
				out = append(out, Message{Role: RoleAssistant, ToolCalls: []ToolCall{tc}})
			}
		case it.Type == "function_call_output":
			text, _, err := oaContent(it.Output)
			if err != nil {
				text = string(it.Output)
			}
			out = append(out, Message{Role: RoleTool, ToolCallID: it.CallID, Content: text})
		case it.Type == "message" || (it.Type == "" && it.Role != ""):
			m := Message{Role: oaRole(it.Role)}
			if m.Role == "" {
				return out, &Error{File: "request", Path: fmt.Sprintf("%s[%d].role", path, i), Msg: fmt.Sprintf("unknown role %q", it.Role)}
			}
			text, images, err := oaContent(it.Content)
			if err != nil {
				return out, &Error{File: "request", Path: fmt.Sprintf("%s[%d].content", path, i), Msg: jsonMsg(err)}
			}
			m.Content, m.Images = text, images
			out = append(out, m)
		}
	}
	return out, nil
}

// rsResponse is a Responses API response object.
type rsResponse struct {
	ID        string   `json:"id"`
	CreatedAt int64    `json:"created_at"`
	Model     string   `json:"model"`
	Output    []rsItem `json:"output"`
	Usage     *rsUsage `json:"usage"`
}

// parseResponsesResponse reads a Responses API response: the JSON object,
// or an event stream whose response.completed (or .incomplete, .failed)
// event carries the whole response.
func parseResponsesResponse(body []byte) (*Message, error) {
	body = bytes.TrimSpace(body)
	var resp rsResponse
	if len(body) > 0 && body[0] == '{' {
		if err := json.Unmarshal(body, &resp); err != nil {
			return nil, err
		}
	} else {
		found := false
		for line := range strings.SplitSeq(string(body), "\n") {
			data, ok := strings.CutPrefix(strings.TrimSpace(line), "data:")
			if !ok {
				continue
			}
			var ev struct {
				Type     string          `json:"type"`
				Response json.RawMessage `json:"response"`
			}
			if err := json.Unmarshal([]byte(strings.TrimSpace(data)), &ev); err != nil {
				return nil, fmt.Errorf("stream event: %s", jsonMsg(err))
			}
			switch ev.Type {
			case "response.completed", "response.incomplete", "response.failed":
				if err := json.Unmarshal(ev.Response, &resp); err != nil {
					return nil, fmt.Errorf("%s: %s", ev.Type, jsonMsg(err))
				}
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("stream has no response.completed event")
		}
	}
	// Output messages are the assistant's (their role is implied).
	for i := range resp.Output {
		if resp.Output[i].Type == "message" && resp.Output[i].Role == "" {
			resp.Output[i].Role = "assistant"
		}
	}
	msgs, err := rsMessages(resp.Output, "$.output")
	if err != nil {
		return nil, err
	}
	m := Message{Role: RoleAssistant}
	for _, it := range resp.Output {
		if it.Type == "reasoning" {
			for _, p := range it.Summary {
				m.Reasoning = joinNonEmpty(m.Reasoning, p.Text)
			}
		}
	}
	for _, o := range msgs {
		if o.Role != RoleAssistant {
			continue
		}
		if o.Content != "" {
			if m.Content != "" {
				m.Content += "\n"
			}
			m.Content += o.Content
		}
		m.ToolCalls = append(m.ToolCalls, o.ToolCalls...)
	}
	m.Model, m.Time = resp.Model, unixTime(resp.CreatedAt)
	if resp.ID != "" {
		m.ResponseID = "openai/" + resp.ID
	}
	if resp.Usage != nil {
		if err := checkCounts("", 0, "$.usage", resp.Usage.counts()...); err != nil {
			return nil, err
		}
		m.Usage = resp.Usage.normalise()
	}
	return &m, nil
}
