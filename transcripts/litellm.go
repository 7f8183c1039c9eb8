package transcripts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// FormatLiteLLM is LiteLLM spend-log rows, whose messages and response
// are JSON-encoded strings: a JSON array or JSONL.
const FormatLiteLLM = "litellm"

func init() {
	Register(Format{
		Name: FormatLiteLLM,
		Doc:  "LiteLLM spend-log rows (JSON array or JSONL)",
		Sniff: func(s *Shape) int {
			if s.Has("request_id") && (s.Has("call_type") || s.Has("spend") || s.Has("messages")) {
				return 100
			}
			return 0
		},
		Read: readAllWith(readLiteLLM),
	})
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
		if err := checkCounts(file, rw.line, rw.path, namedCount{"prompt_tokens", lr.PromptTokens}, namedCount{"completion_tokens", lr.CompletionTokens}); err != nil {
			return nil, err
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
