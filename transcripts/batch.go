package transcripts

import (
	"encoding/json"
	"fmt"
	"io"
)

// FormatOpenAIBatch is OpenAI Batch API JSONL: input lines
// ({"custom_id","body"}) and output lines ({"custom_id","response"}).
const FormatOpenAIBatch = "openai-batch"

func init() {
	Register(Format{
		Name: FormatOpenAIBatch,
		Doc:  "OpenAI Batch API input or output JSONL",
		Sniff: func(s *Shape) int {
			if s.Has("custom_id") {
				return 100
			}
			return 0
		},
		Read: readOpenAIBatch,
	})
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
