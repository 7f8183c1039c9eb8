package transcripts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// The APIs whose exchanges ParseRequest and ParseResponse read.
const (
	APIOpenAI    = "openai"    // Chat Completions
	APIAnthropic = "anthropic" // Messages
)

// Request is what one API request body says about a call.
type Request struct {
	Model     string
	Tools     []Tool
	Messages  []Message // system prompt first, as Conversation holds them
	MaxTokens int64     // max_tokens (or max_completion_tokens); 0 when unset
	Stream    bool
	// IncludeUsage says an OpenAI streaming request already asks for the
	// final usage chunk (stream_options.include_usage).
	IncludeUsage bool
}

// ParseRequest reads a Chat Completions (api APIOpenAI), Responses
// (APIOpenAIResponses) or Messages (APIAnthropic) request body.
func ParseRequest(api string, body []byte) (*Request, error) {
	const file = "request"
	var common struct {
		MaxTokens           int64 `json:"max_tokens"`
		MaxCompletionTokens int64 `json:"max_completion_tokens"`
		Stream              bool  `json:"stream"`
		StreamOptions       *struct {
			IncludeUsage bool `json:"include_usage"`
		} `json:"stream_options"`
	}
	if err := json.Unmarshal(body, &common); err != nil {
		return nil, fmt.Errorf("request body: %s", jsonMsg(err))
	}
	out := &Request{MaxTokens: max(common.MaxTokens, common.MaxCompletionTokens), Stream: common.Stream,
		IncludeUsage: common.StreamOptions != nil && common.StreamOptions.IncludeUsage}
	switch api {
	case APIOpenAIResponses:
		if err := parseResponsesRequest(body, out); err != nil {
			return nil, err
		}
	case APIGemini:
		if err := parseGeminiRequest(body, out); err != nil {
			return nil, err
		}
	case APIAnthropic:
		var req anRequest
		if err := decodeJSON(body, &req); err != nil {
			return nil, jsonError(file, body, 0, "", err)
		}
		msgs, err := req.requestMessages(file, "$")
		if err != nil {
			return nil, err
		}
		out.Model, out.Tools, out.Messages = req.Model, req.tools(), msgs
	case APIOpenAI:
		var req oaRequest
		if err := decodeJSON(body, &req); err != nil {
			return nil, jsonError(file, body, 0, "", err)
		}
		for i, raw := range req.Messages {
			m, err := parseOAMessage(file, fmt.Sprintf("$.messages[%d]", i), raw)
			if err != nil {
				return nil, err
			}
			out.Messages = append(out.Messages, m)
		}
		out.Model, out.Tools = req.Model, req.tools()
	default:
		return nil, fmt.Errorf("unknown API %q", api)
	}
	return out, nil
}

// ParseResponse reads a response body of api: JSON, or the text of a
// server-sent event stream. The message is the reply, with usage when the
// response reported it.
func ParseResponse(api string, body []byte) (*Message, error) {
	switch api {
	case APIOpenAIResponses:
		return parseResponsesResponse(body)
	case APIGemini:
		return parseGeminiResponse(body)
	case APIAnthropic:
		return parseAnthropicResponse(body)
	case APIOpenAI:
		body = bytes.TrimSpace(body)
		if len(body) > 0 && body[0] == '{' {
			return parseOAResponse("response", "$", body)
		}
		return parseOASSE(body)
	}
	return nil, fmt.Errorf("unknown API %q", api)
}

// parseOASSE reassembles a streamed Chat Completions response: content and
// tool-call deltas of choice 0, and the usage chunk when there is one.
func parseOASSE(body []byte) (*Message, error) {
	m := &Message{Role: RoleAssistant}
	var text strings.Builder
	var calls []ToolCall
	seen := false
	for line := range strings.SplitSeq(string(body), "\n") {
		data, ok := strings.CutPrefix(strings.TrimSpace(line), "data:")
		if !ok {
			continue
		}
		data = strings.TrimSpace(data)
		if data == "[DONE]" {
			seen = true
			continue
		}
		var chunk struct {
			Model   string `json:"model"`
			Choices []struct {
				Index int `json:"index"`
				Delta struct {
					Content   string `json:"content"`
					Refusal   string `json:"refusal"`
					ToolCalls []struct {
						Index    int    `json:"index"`
						ID       string `json:"id"`
						Function struct {
							Name      string `json:"name"`
							Arguments string `json:"arguments"`
						} `json:"function"`
					} `json:"tool_calls"`
				} `json:"delta"`
			} `json:"choices"`
			Usage *oaUsage `json:"usage"`
			Error *struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal([]byte(data), &chunk); err != nil {
			return nil, fmt.Errorf("stream event: %s", jsonMsg(err))
		}
		seen = true
		if chunk.Error != nil {
			return nil, fmt.Errorf("stream error: %s", chunk.Error.Message)
		}
		if chunk.Model != "" {
			m.Model = chunk.Model
		}
		if chunk.Usage != nil {
			m.Usage = chunk.Usage.normalise()
		}
		for _, c := range chunk.Choices {
			if c.Index != 0 {
				continue
			}
			text.WriteString(c.Delta.Content)
			text.WriteString(c.Delta.Refusal)
			for _, tc := range c.Delta.ToolCalls {
				for len(calls) <= tc.Index {
					calls = append(calls, ToolCall{})
				}
				cur := &calls[tc.Index]
				if tc.ID != "" {
					cur.ID = tc.ID
				}
				if tc.Function.Name != "" {
					cur.Name = tc.Function.Name
				}
				cur.Arguments += tc.Function.Arguments
			}
		}
	}
	if !seen {
		return nil, fmt.Errorf("response body is neither JSON nor a server-sent event stream")
	}
	m.Content = text.String()
	m.ToolCalls = calls
	return m, nil
}
