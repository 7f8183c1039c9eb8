package transcripts

import (
	"bytes"
	"cmp"
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
		Doc:  "LiteLLM spend-log rows or standard_logging_payload objects (one object, a JSON array or JSONL)",
		Sniff: func(s *Shape) int {
			switch {
			case s.Has("request_id") && (s.Has("call_type") || s.Has("spend") || s.Has("messages")):
				return Certain
			case s.Has("standard_logging_payload"):
				return Certain // a callback's kwargs, holding the payload
			case s.Has("response_cost") && s.Has("call_type"):
				return Certain // a StandardLoggingPayload
			}
			return 0
		},
		Read: readAllWith(readLiteLLM),
	})
}

// litellmRow is one LiteLLM spend-log row.
type litellmRow struct {
	RequestID        string          `json:"request_id"`
	ID               string          `json:"id"` // a StandardLoggingPayload's
	Payload          json.RawMessage `json:"standard_logging_payload"`
	Model            string          `json:"model"`
	Messages         json.RawMessage `json:"messages"`
	Response         json.RawMessage `json:"response"`
	PromptTokens     int64           `json:"prompt_tokens"`
	CompletionTokens int64           `json:"completion_tokens"`
	StartTime        json.RawMessage `json:"startTime"`
}

// litellmTime reads LiteLLM's startTime: RFC 3339, Python's
// "2025-01-24 09:20:46.847371" (UTC), or Unix seconds.
func litellmTime(raw json.RawMessage) time.Time {
	var f float64
	if json.Unmarshal(raw, &f) == nil && f > 0 {
		return time.Unix(int64(f), int64((f-float64(int64(f)))*1e9)).UTC()
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
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
	// One object pretty-printed is not JSONL: only lines that are values each.
	rows, err := jsonItems(data, file, len(trimmed) > 0 && trimmed[0] != '[' && isJSONL(trimmed))
	if err != nil {
		return nil, err
	}
	b := &threader{file: file, format: FormatLiteLLM}
	for _, rw := range rows {
		var lr litellmRow
		if err := decodeJSON(rw.raw, &lr); err != nil {
			return nil, jsonError(file, rw.raw, rw.line, rw.path, err)
		}
		if p := bytes.TrimSpace(lr.Payload); len(p) > 0 && p[0] == '{' {
			// A callback's kwargs: the payload is the row.
			rw.path += ".standard_logging_payload"
			lr = litellmRow{}
			if err := decodeJSON(p, &lr); err != nil {
				return nil, jsonError(file, p, rw.line, rw.path, err)
			}
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
			// LiteLLM logs the response in the shape of the API called
			// (chat completions mostly, responses for /responses).
			api := responseAPI(resp)
			var m *Message
			var err error
			if api == "" || api == APIOpenAI {
				m, err = parseOAResponse(file, rw.path+".response", resp)
			} else if m, err = ParseResponse(api, resp); err != nil {
				err = placed(err, file, rw.line, rw.path+".response", rw.path+".response")
			}
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
		if id := cmp.Or(lr.RequestID, lr.ID); id != "" && reply.ResponseID == "" {
			reply.ResponseID = "litellm/" + id // a row logged twice is one call
		}
		if t := litellmTime(lr.StartTime); !t.IsZero() && reply.Time.IsZero() {
			reply.Time = t
		}
		b.add(lr.Model, nil, msgs, reply)
	}
	if len(b.convs) == 0 {
		return nil, &Error{File: file, Msg: "no spend-log rows"}
	}
	return b.convs, nil
}
