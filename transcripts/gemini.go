package transcripts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tokenscope/tokenscope/transcripts/internal/jsonerr"
)

// FormatGeminiCLI is a Gemini CLI session
// (~/.gemini/tmp/<project hash>/chats/session-*.json, or the newer .jsonl
// journal of the same records).
const FormatGeminiCLI = "gemini-cli"

func init() {
	Register(Format{
		Name:  FormatGeminiCLI,
		Doc:   "Gemini CLI session (~/.gemini/tmp/<hash>/chats/session-*.json or .jsonl)",
		Sniff: sniffGeminiCLI,
		Read:  readAllWith(readGeminiCLI),
	})
}

// sniffGeminiCLI: a session (or its journal's header) names its project
// by hash; logs.json lists prompts by messageId.
func sniffGeminiCLI(s *Shape) int {
	switch {
	case !s.Has("sessionId"):
		return 0
	case s.Has("projectHash"):
		return Certain
	case s.Has("messageId"), s.Has("messages") && s.Has("startTime"):
		return 90
	}
	return 0
}

// geminiRecord is a session header, one message, or a journal operation
// ($set merges fields into the session, $rewindTo cuts the history back).
type geminiRecord struct {
	SessionID   string            `json:"sessionId"`
	ProjectHash string            `json:"projectHash"`
	Messages    []json.RawMessage `json:"messages"`
	Set         json.RawMessage   `json:"$set"`
	RewindTo    *string           `json:"$rewindTo"`
	ID          string            `json:"id"`
}

// geminiMessage is one recorded message. A "gemini" message is the reply
// of one API call, with the tool calls it made and their results.
type geminiMessage struct {
	ID        string          `json:"id"`
	Timestamp string          `json:"timestamp"`
	Type      string          `json:"type"`
	Content   json.RawMessage `json:"content"`
	Thoughts  []struct {
		Subject     string `json:"subject"`
		Description string `json:"description"`
	} `json:"thoughts"`
	Tokens    *geminiTokens `json:"tokens"`
	Model     string        `json:"model"`
	ToolCalls []struct {
		ID     string          `json:"id"`
		Name   string          `json:"name"`
		Args   json.RawMessage `json:"args"`
		Result json.RawMessage `json:"result"`
	} `json:"toolCalls"`
}

// geminiTokens is the usageMetadata Gemini CLI keeps per reply: input is
// promptTokenCount (cached included), output candidatesTokenCount, thoughts
// and tool (toolUsePromptTokenCount) apart; total is their sum.
type geminiTokens struct {
	Input    int64 `json:"input"`
	Output   int64 `json:"output"`
	Cached   int64 `json:"cached"`
	Thoughts int64 `json:"thoughts"`
	Tool     int64 `json:"tool"`
	Total    int64 `json:"total"`
}

// normalise: thoughts bill as output, tool-use prompt tokens as input.
func (t *geminiTokens) normalise() *Usage {
	return &Usage{InputTokens: t.Input + t.Tool, CachedInputTokens: t.Cached,
		OutputTokens: t.Output + t.Thoughts, ReasoningTokens: t.Thoughts}
}

// geminiEntry is a message record as last written, with where it was.
type geminiEntry struct {
	raw  json.RawMessage
	line int
	path string
}

// readGeminiCLI reads one session, either layout. In the journal a message
// written again with the same id replaces the earlier record (a reply is
// written when it starts and again when its usage arrives); $set of
// messages replaces them all; $rewindTo forks the session at a message:
// the calls made before it still count, the conversation after it is
// sent the history before it.
func readGeminiCLI(data []byte, file string) ([]*Conversation, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var first []struct {
			MessageID json.RawMessage `json:"messageId"`
		}
		if json.Unmarshal(trimmed, &first) == nil && len(first) > 0 && first[0].MessageID != nil {
			return nil, &Error{File: file, Msg: "a Gemini CLI prompt log (logs.json): it holds the user's prompts only; the sessions are in chats/"}
		}
	}
	jsonl := isJSONL(trimmed)
	items, err := jsonItems(data, file, jsonl)
	if err != nil {
		return nil, err
	}
	session := ""
	var branches [][]geminiEntry
	var cur []geminiEntry
	byID := map[string]int{}
	// fork starts the history over with entries; what was before stays as
	// a branch, its calls made.
	fork := func(entries []geminiEntry) {
		if len(cur) > 0 {
			branches = append(branches, cur)
		}
		cur, byID = entries, map[string]int{}
		for i, e := range cur {
			if id := geminiID(e.raw); id != "" {
				byID[id] = i
			}
		}
	}
	replace := func(raws []json.RawMessage, line int, path string) {
		var entries []geminiEntry
		for i, raw := range raws {
			entries = append(entries, geminiEntry{raw, line, fmt.Sprintf("%s.messages[%d]", path, i)})
		}
		fork(entries)
	}
	for _, it := range items {
		var rec geminiRecord
		if err := decodeJSON(it.raw, &rec); err != nil {
			return nil, jsonError(file, it.raw, it.line, it.path, err)
		}
		if session == "" {
			session = rec.SessionID
		}
		switch {
		case rec.Messages != nil:
			replace(rec.Messages, it.line, it.path)
		case len(rec.Set) > 0:
			var set struct {
				Messages []json.RawMessage `json:"messages"`
			}
			if err := decodeJSON(rec.Set, &set); err != nil {
				return nil, jsonError(file, rec.Set, it.line, it.path+".$set", err)
			}
			if set.Messages != nil {
				replace(set.Messages, it.line, it.path+".$set")
			}
		case rec.RewindTo != nil:
			at, ok := byID[*rec.RewindTo]
			if !ok {
				return nil, &Error{File: file, Line: it.line, Path: it.path + ".$rewindTo", Msg: fmt.Sprintf("no message %q to rewind to", jsonerr.Excerpt(*rec.RewindTo, 40))}
			}
			fork(append([]geminiEntry(nil), cur[:at]...))
		case rec.SessionID != "" && rec.ID == "":
			// the journal's header
		default:
			e := geminiEntry{it.raw, it.line, it.path}
			if i, ok := byID[rec.ID]; ok && rec.ID != "" {
				cur[i] = e // written again: the last record wins
				continue
			}
			if rec.ID != "" {
				byID[rec.ID] = len(cur)
			}
			cur = append(cur, e)
		}
	}
	branches = append(branches, cur)
	if session == "" {
		session = baseID(file)
	}
	var convs []*Conversation
	seenReply := map[string]bool{}
	for bi, entries := range branches {
		id := session
		if len(branches) > 1 {
			id = fmt.Sprintf("%s~%d", session, bi+1)
		}
		c := &Conversation{ID: id, Path: file, Format: FormatGeminiCLI, Unlogged: true}
		for _, e := range entries {
			ms, err := geminiMessages(file, e)
			if err != nil {
				return nil, err
			}
			for _, m := range ms {
				if m.Role == RoleAssistant && m.ResponseID != "" {
					m.ResponseID = "gemini/" + session + "/" + m.ResponseID
					// A fork repeats the replies before it: history there, not calls.
					m.Replayed = seenReply[m.ResponseID]
					seenReply[m.ResponseID] = true
				}
				if m.Role == RoleAssistant && c.Model == "" {
					c.Model = m.Model
				}
				c.Messages = append(c.Messages, m)
			}
		}
		if c.Calls() > 0 || (len(c.Messages) > 0 && len(branches) == 1) {
			convs = append(convs, c)
		}
	}
	if len(convs) == 0 {
		return nil, &Error{File: file, Msg: "no user or gemini messages in this Gemini CLI session"}
	}
	return convs, nil
}

// geminiID is the id of a message record.
func geminiID(raw json.RawMessage) string {
	var m struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(raw, &m)
	return m.ID
}

// geminiMessages turns one message record into messages: a user message,
// or a reply followed by the results of its tool calls. Info, warning and
// error records are the CLI's own notices, not model traffic.
func geminiMessages(file string, e geminiEntry) ([]Message, error) {
	var gm geminiMessage
	if err := decodeJSON(e.raw, &gm); err != nil {
		return nil, jsonError(file, e.raw, e.line, e.path, err)
	}
	var at time.Time
	if gm.Timestamp != "" {
		t, err := time.Parse(time.RFC3339Nano, gm.Timestamp)
		if err != nil {
			return nil, &Error{File: file, Line: e.line, Path: e.path + ".timestamp", Msg: fmt.Sprintf("not an RFC 3339 time: %q", jsonerr.Excerpt(gm.Timestamp, 40))}
		}
		at = t
	}
	text, images, err := geminiContent(gm.Content)
	if err != nil {
		return nil, &Error{File: file, Line: e.line, Path: e.path + ".content", Msg: jsonMsg(err)}
	}
	switch gm.Type {
	case "user":
		return []Message{{Role: RoleUser, Content: text, Images: images, Time: at}}, nil
	case "gemini", "model":
	default:
		return nil, nil
	}
	m := Message{Role: RoleAssistant, Content: text, Images: images, Time: at, Model: gm.Model, ResponseID: gm.ID}
	var thoughts []string
	for _, t := range gm.Thoughts {
		thoughts = append(thoughts, joinNonEmpty(t.Subject, t.Description))
	}
	m.Reasoning = strings.Join(thoughts, "\n")
	if gm.Tokens != nil {
		t := gm.Tokens
		if err := checkCounts(file, e.line, e.path+".tokens", namedCount{"input", t.Input}, namedCount{"output", t.Output},
			namedCount{"cached", t.Cached}, namedCount{"thoughts", t.Thoughts}, namedCount{"tool", t.Tool}); err != nil {
			return nil, err
		}
		m.Usage = t.normalise() // cached above input is odd, not impossible: warned after reading
	}
	out := []Message{m}
	for _, tc := range gm.ToolCalls {
		out[0].ToolCalls = append(out[0].ToolCalls, ToolCall{ID: tc.ID, Name: tc.Name, Arguments: jsonText(tc.Args)})
		if r := bytes.TrimSpace(tc.Result); len(r) > 0 && string(r) != "null" {
			out = append(out, Message{Role: RoleTool, Name: tc.Name, ToolCallID: tc.ID, Content: geminiResult(r), Time: at})
		}
	}
	return out, nil
}

// geminiPart is one part of Gemini content.
type geminiPart struct {
	Text             string          `json:"text"`
	InlineData       json.RawMessage `json:"inlineData"`
	FileData         json.RawMessage `json:"fileData"`
	FunctionResponse *struct {
		Name     string          `json:"name"`
		Response json.RawMessage `json:"response"`
	} `json:"functionResponse"`
}

// geminiContent reads content logged as a string, one part, or a list of
// parts.
func geminiContent(raw json.RawMessage) (string, int, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", 0, nil
	}
	var parts []geminiPart
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", 0, err
		}
		return s, 0, nil
	case '{':
		var p geminiPart
		if err := json.Unmarshal(raw, &p); err != nil {
			return "", 0, fmt.Errorf("content must be a string or parts")
		}
		parts = []geminiPart{p}
	default:
		if err := json.Unmarshal(raw, &parts); err != nil {
			return "", 0, fmt.Errorf("content must be a string or parts")
		}
	}
	var texts []string
	images := 0
	for _, p := range parts {
		switch {
		case p.Text != "":
			texts = append(texts, p.Text)
		case len(p.InlineData) > 0 || len(p.FileData) > 0:
			images++
		case p.FunctionResponse != nil:
			texts = append(texts, string(p.FunctionResponse.Response))
		}
	}
	return strings.Join(texts, "\n"), images, nil
}

// geminiResult is the text a tool result sent back: the functionResponse
// parts' output (or response JSON), and any other text parts.
func geminiResult(raw json.RawMessage) string {
	var parts []geminiPart
	if json.Unmarshal(raw, &parts) != nil {
		return string(raw)
	}
	var texts []string
	for _, p := range parts {
		switch {
		case p.FunctionResponse != nil:
			var resp struct {
				Output json.RawMessage `json:"output"`
			}
			if json.Unmarshal(p.FunctionResponse.Response, &resp) == nil && len(resp.Output) > 0 {
				var s string
				if json.Unmarshal(resp.Output, &s) == nil {
					texts = append(texts, s)
					continue
				}
			}
			texts = append(texts, string(p.FunctionResponse.Response))
		case p.Text != "":
			texts = append(texts, p.Text)
		}
	}
	return strings.Join(texts, "\n")
}
