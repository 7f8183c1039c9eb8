package transcripts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tokenscope/tokenscope/transcripts/internal/jsonerr"
)

// Request/response pairs ({"request": …, "response": …}, a JSON array or
// JSONL) are how proxies, SDK loggers and VCR recorders keep calls. The
// API of each pair is told from the response's structure (a JSON object,
// a JSON array of stream chunks, or the text of a server-sent event
// stream, logged as a string), else from the request's. An optional "url"
// names a Gemini model, which its request body does not.

// pairFormats names the format of a pairs file by its main API.
var pairFormats = map[string]string{
	APIOpenAI: FormatOpenAILog, APIAnthropic: FormatAnthropicLog,
	APIOpenAIResponses: FormatOpenAIResponses, APIGemini: FormatGeminiAPI,
}

// apiNames says what each API's bodies are, for errors.
var apiNames = map[string]string{
	APIOpenAI: "a Chat Completions response (choices)", APIAnthropic: "a Messages response (type message)",
	APIOpenAIResponses: "a Responses API response (object response, output)", APIGemini: "a Gemini response (candidates)",
}

// bodyText returns a logged body as bytes: a JSON string holds the body's
// text (an event stream, or JSON kept as text); anything else is the JSON.
func bodyText(raw json.RawMessage) []byte {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return bytes.TrimSpace([]byte(s))
		}
	}
	return raw
}

// responseAPI tells which API wrote a response body, from its structure
// alone; "" when it cannot tell.
func responseAPI(body []byte) string {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return ""
	}
	if body[0] == '[' {
		var first []json.RawMessage
		if json.Unmarshal(body, &first) == nil && len(first) > 0 && responseAPI(first[0]) == APIGemini {
			return APIGemini // streamGenerateContent without alt=sse: an array of chunks
		}
		return ""
	}
	if body[0] != '{' {
		return sseAPI(body)
	}
	s, err := ShapeOf(bytes.NewReader(body))
	if err != nil || s.Array {
		return ""
	}
	switch {
	case s.Is("type", "message"):
		return APIAnthropic
	case s.Is("object", "response"), s.Kind("output") == '[' && s.Has("usage.input_tokens"):
		return APIOpenAIResponses
	case s.Has("choices"):
		return APIOpenAI
	case s.Has("candidates"), s.Has("usageMetadata"):
		return APIGemini
	}
	return ""
}

// sseAPI tells the API of an event stream from its first data event.
func sseAPI(body []byte) string {
	for line := range bytes.Lines(body) {
		data, ok := bytes.CutPrefix(bytes.TrimSpace(line), []byte("data:"))
		if !ok {
			continue
		}
		var ev struct {
			Type       string          `json:"type"`
			Object     string          `json:"object"`
			Candidates json.RawMessage `json:"candidates"`
			Usage      json.RawMessage `json:"usageMetadata"`
			Choices    json.RawMessage `json:"choices"`
		}
		if json.Unmarshal(bytes.TrimSpace(data), &ev) != nil {
			return ""
		}
		switch {
		case strings.HasPrefix(ev.Type, "message_"):
			return APIAnthropic
		case strings.HasPrefix(ev.Type, "response."):
			return APIOpenAIResponses
		case ev.Object == "chat.completion.chunk", len(ev.Choices) > 0:
			return APIOpenAI
		case len(ev.Candidates) > 0, len(ev.Usage) > 0:
			return APIGemini
		}
		return ""
	}
	return ""
}

// requestAPI tells a request body's API from its keys.
func requestAPI(body []byte) string {
	s, err := ShapeOf(bytes.NewReader(body))
	if err != nil {
		return ""
	}
	switch {
	case s.Kind("contents") == '[':
		return APIGemini
	case s.Has("input") && !s.Has("messages"), s.Has("previous_response_id"), s.Has("instructions") && !s.Has("messages"):
		return APIOpenAIResponses
	case sniffAnthropic(s) > sniffOpenAIChat(s):
		return APIAnthropic
	case s.Has("messages"):
		return APIOpenAI
	}
	return ""
}

// describeBody says in a few words what a body is, for an error that
// names what was found.
func describeBody(body []byte) string {
	body = bytes.TrimSpace(body)
	if api := responseAPI(body); api != "" {
		return apiNames[api]
	}
	if len(body) == 0 {
		return "nothing"
	}
	if body[0] != '{' {
		return fmt.Sprintf("text starting %q", jsonerr.Excerpt(string(body), 24))
	}
	s, err := ShapeOf(bytes.NewReader(body))
	if err != nil {
		return "an object"
	}
	return fmt.Sprintf("an object with keys %s", jsonerr.Excerpt(strings.Join(s.Keys(), ", "), 60))
}

// describeStream says what a response logged as text holds: its first
// server-sent event's keys, or the text's start.
func describeStream(body []byte) string {
	for line := range bytes.Lines(body) {
		data, ok := bytes.CutPrefix(bytes.TrimSpace(line), []byte("data:"))
		if !ok {
			continue
		}
		data = bytes.TrimSpace(data)
		if len(data) > 0 && data[0] == '{' && !json.Valid(data) {
			// A stream cut mid-event: its keys say nothing of what is wrong.
			return fmt.Sprintf("an event stream cut short: its first event's data is not whole JSON (%d bytes, ending %q)",
				len(data), jsonerr.ExcerptEnd(string(data), 16))
		}
		if s, err := ShapeOf(bytes.NewReader(data)); err == nil && len(data) > 0 && data[0] == '{' {
			return fmt.Sprintf("an event stream whose first event has keys %s", jsonerr.Excerpt(strings.Join(s.Keys(), ", "), 60))
		}
		return fmt.Sprintf("an event stream whose first data is %q", jsonerr.Excerpt(string(data), 24))
	}
	return fmt.Sprintf("text starting %q", jsonerr.Excerpt(string(body), 24))
}

// pairCall is one pair read: the request's messages, the reply, and what
// links it to other calls.
type pairCall struct {
	api    string
	model  string
	tools  []Tool
	msgs   []Message
	reply  *Message
	respID string // a Responses API response's id
	prevID string // the previous_response_id it continues
	// cached names an explicit Gemini cache the request used: part of
	// its prompt is not in the log.
	cached string
}

// alsoRead decodes what a pair needs of a request body beyond the request
// (what links it to other calls): a body that does not fit leaves it zero,
// the request's own parser having said what is wrong.
func alsoRead[T any](body []byte) T {
	var v T
	_ = json.Unmarshal(body, &v)
	return v
}

// readPair reads one logged pair.
func readPair(file string, e jsonItem) (*pairCall, error) {
	var ex struct {
		Request  json.RawMessage `json:"request"`
		Response json.RawMessage `json:"response"`
		URL      string          `json:"url"`
	}
	if err := decodeJSON(e.raw, &ex); err != nil {
		return nil, jsonError(file, e.raw, e.line, e.path, err)
	}
	if len(ex.Request) == 0 {
		return nil, &Error{File: file, Line: e.line, Path: e.path + ".request", Msg: "missing request"}
	}
	reqBody, respBody := bodyText(unwrapBody(ex.Request)), bodyText(unwrapBody(ex.Response))
	if bytes.Equal(respBody, []byte("null")) {
		respBody = nil
	}
	api := responseAPI(respBody)
	if api == "" {
		if len(respBody) > 0 && (respBody[0] == '{' || respBody[0] == '[') {
			// A response of no known API: say what it is, and what was wanted.
			return nil, &Error{File: file, Line: e.line, Path: e.path + ".response",
				Msg: fmt.Sprintf("found %s; want a Chat Completions (choices), Responses (output), Messages (type message) or Gemini (candidates) response", describeBody(respBody))}
		}
		if len(respBody) > 0 {
			// Text that is no stream of a known API: reading it as Chat
			// Completions would find no reply and say nothing.
			return nil, &Error{File: file, Line: e.line, Path: e.path + ".response",
				Msg: fmt.Sprintf("found %s; want the event stream of Chat Completions (chat.completion.chunk), Responses (response.*), Messages (message_start) or Gemini (candidates)", describeStream(respBody))}
		}
		if api = requestAPI(reqBody); api == "" {
			api = APIOpenAI
		}
	}
	pc := &pairCall{api: api}
	reqPath, respPath := e.path+".request", e.path+".response"
	var req Request
	var err error
	switch api {
	case APIOpenAIResponses:
		err = parseResponsesRequest(reqBody, &req)
		pc.prevID = alsoRead[struct {
			Prev string `json:"previous_response_id"`
		}](reqBody).Prev
	case APIGemini:
		err = parseGeminiRequest(reqBody, &req)
		pc.cached = alsoRead[struct {
			Cached string `json:"cachedContent"`
		}](reqBody).Cached
		if req.Model == "" {
			req.Model = gmModelFromURL(ex.URL)
		}
	default:
		var r *Request
		if r, err = ParseRequest(api, reqBody); err == nil {
			req = *r
		}
	}
	if err != nil {
		if _, ok := err.(*Error); !ok {
			err = &Error{Msg: strings.TrimPrefix(err.Error(), "request body: ")}
		}
		return nil, placed(err, file, e.line, reqPath, reqPath)
	}
	for i := range req.Tools {
		// As sent: a pretty-printed log's indentation is not the schema's.
		req.Tools[i].Parameters = compactJSON(req.Tools[i].Parameters)
	}
	pc.model, pc.tools, pc.msgs = req.Model, req.Tools, req.Messages
	if len(respBody) > 0 {
		m, err := ParseResponse(api, respBody)
		if err != nil {
			return nil, placed(err, file, e.line, respPath, respPath)
		}
		pc.reply = m
		if api == APIOpenAIResponses {
			pc.respID = strings.TrimPrefix(m.ResponseID, "openai/")
		}
	}
	return pc, nil
}

// readPairs reads request/response pairs of any API, from a JSON array
// (data starting with '[') or JSONL, and threads them into conversations:
// a request that starts with the messages of a conversation so far
// continues it, as does a Responses request naming a previous response;
// any other starts a new one.
func readPairs(data []byte, file string, jsonl bool) ([]*Conversation, error) {
	entries, err := jsonItems(data, file, jsonl)
	if err != nil {
		return nil, err
	}
	b := &threader{file: file, format: FormatOpenAILog}
	byAPI := map[string]int{}
	// history is the context each Responses API response ends: what a
	// request naming it as previous_response_id is sent before its input.
	history := map[string][]Message{}
	for _, e := range entries {
		pc, err := readPair(file, e)
		if err != nil {
			return nil, err
		}
		byAPI[pc.api]++
		msgs := pc.msgs
		if pc.prevID != "" {
			prev, ok := history[pc.prevID]
			if !ok {
				return nil, &Error{File: file, Line: e.line, Path: e.path + ".request.previous_response_id",
					Msg: fmt.Sprintf("continues response %q, which is not in this file: its context cannot be counted", jsonerr.Excerpt(pc.prevID, 40))}
			}
			msgs = chainInput(prev, pc.msgs)
		}
		c := b.add(pc.model, pc.tools, msgs, pc.reply)
		if pc.cached != "" && !c.Unlogged {
			c.Unlogged = true
			c.Warnings = append(c.Warnings, fmt.Sprintf("%s: %s: a request uses the explicit cache %s, whose content is not in the log: counted from the reported usage", file, c.ID, jsonerr.Excerpt(pc.cached, 60)))
		}
		if pc.respID != "" {
			history[pc.respID] = append(append([]Message(nil), msgs...), c.Messages[len(c.Messages)-1])
		}
	}
	if len(b.convs) == 0 {
		return nil, &Error{File: file, Msg: "no request/response pairs"}
	}
	top, n := APIOpenAI, 0
	for _, api := range []string{APIOpenAI, APIAnthropic, APIOpenAIResponses, APIGemini} {
		if byAPI[api] > n {
			top, n = api, byAPI[api]
		}
	}
	for _, c := range b.convs {
		c.Format = pairFormats[top]
	}
	return b.convs, nil
}

// chainInput is the context of a Responses request that continues an
// earlier response: that response's context and output, then the new
// input. Instructions are not carried over: the new request's (if any)
// come first.
func chainInput(prev, input []Message) []Message {
	var out []Message
	for _, m := range input {
		if m.Role == RoleSystem {
			out = append(out, m)
		}
	}
	for _, m := range prev {
		if m.Role != RoleSystem {
			m.Usage, m.NoReply = nil, false
			out = append(out, m)
		}
	}
	for _, m := range input {
		if m.Role != RoleSystem {
			out = append(out, m)
		}
	}
	return out
}

// readAPIBody reads a file of one API's bodies: request/response pairs,
// a request body (one call awaiting its reply), or a response alone (one
// call whose input is not in the file); JSONL holds one of these a line.
func readAPIBody(data []byte, file, api string) ([]*Conversation, error) {
	trimmed := bytes.TrimSpace(data)
	jsonl := isJSONL(trimmed)
	items, err := jsonItems(data, file, jsonl)
	if err != nil {
		return nil, err
	}
	if len(items) > 0 && hasKey(items[0].raw, "request") {
		return readPairs(data, file, jsonl)
	}
	if len(items) > 0 && (streamStart[api] != "" && eventType(items[0].raw) == streamStart[api] ||
		api == APIOpenAI && isChatChunk(items[0].raw)) {
		return readEventLines(data, file, api)
	}
	var convs []*Conversation
	for i, it := range items {
		id := baseID(file)
		if len(items) > 1 {
			id = fmt.Sprintf("%s#%d", id, i+1)
		}
		c := &Conversation{ID: id, Path: file, Format: pairFormats[api]}
		if responseAPI(it.raw) == api {
			m, err := ParseResponse(api, it.raw)
			if err != nil {
				return nil, placed(err, file, it.line, it.path, it.path)
			}
			c.Model, c.Unlogged, c.Messages = m.Model, true, []Message{*m}
		} else {
			var req *Request
			switch api {
			case APIGemini:
				req = &Request{}
				err = parseGeminiRequest(it.raw, req)
			default:
				req, err = ParseRequest(api, it.raw)
			}
			if err != nil {
				if _, ok := err.(*Error); !ok {
					err = &Error{Msg: strings.TrimPrefix(err.Error(), "request body: ")}
				}
				return nil, placed(err, file, it.line, it.path, it.path)
			}
			if len(req.Messages) == 0 {
				return nil, &Error{File: file, Line: it.line, Path: it.path, Msg: fmt.Sprintf("no input: found %s", describeBody(it.raw))}
			}
			c.Model, c.Tools, c.Messages = req.Model, req.Tools, req.Messages
			awaitReply(c)
		}
		convs = append(convs, c)
	}
	if len(convs) == 0 {
		return nil, &Error{File: file, Msg: "no request or response"}
	}
	return convs, nil
}

// hasKey reports whether raw is an object with key at its top level.
func hasKey(raw []byte, key string) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return false
	}
	_, ok := m[key]
	return ok
}

// unixTime is a Unix time in seconds, zero for 0.
func unixTime(sec int64) time.Time {
	if sec <= 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0).UTC()
}

// streamStart is the first event of a streamed response, by API: a file of
// such events, one JSON object a line (a stream's data lines as SDK
// fixtures and some loggers keep them, without "data:"), holds one call
// per start event.
var streamStart = map[string]string{APIOpenAIResponses: "response.created", APIAnthropic: "message_start"}

// isChatChunk reports whether raw is a Chat Completions stream chunk: its
// object says so, or (Azure's content-filter chunk) it has no object and
// no choice carries a whole message.
func isChatChunk(raw []byte) bool {
	var ch struct {
		Object  string `json:"object"`
		Choices []struct {
			Message json.RawMessage `json:"message"`
		} `json:"choices"`
	}
	if json.Unmarshal(raw, &ch) != nil {
		return false
	}
	if ch.Object != "" {
		return ch.Object == "chat.completion.chunk"
	}
	for _, c := range ch.Choices {
		if len(c.Message) > 0 {
			return false
		}
	}
	return true
}

// chunkID is the "id" of a JSON object, or "".
func chunkID(raw []byte) string {
	var ev struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(raw, &ev)
	return ev.ID
}

// eventType is the "type" of a JSON object, or "".
func eventType(raw []byte) string {
	var ev struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(raw, &ev)
	return ev.Type
}

// readEventLines reads a file of stream events of api: each stream, from
// its start event to the next, is one call whose input is not in the file.
func readEventLines(data []byte, file, api string) ([]*Conversation, error) {
	items, err := jsonItems(data, file, isJSONL(bytes.TrimSpace(data)))
	if err != nil {
		return nil, err
	}
	var convs []*Conversation
	var sse bytes.Buffer
	first := 0
	flush := func(end int) error {
		if sse.Len() == 0 {
			return nil
		}
		m, err := ParseResponse(api, sse.Bytes())
		if err != nil {
			return placed(err, file, items[first].line, items[first].path, items[first].path)
		}
		id := baseID(file)
		if len(convs) > 0 || end < len(items) {
			id = fmt.Sprintf("%s#%d", id, len(convs)+1)
		}
		convs = append(convs, &Conversation{ID: id, Path: file, Format: pairFormats[api], Model: m.Model, Unlogged: true, Messages: []Message{*m}})
		sse.Reset()
		return nil
	}
	lastID := ""
	for i, it := range items {
		// Chat Completions chunks have no start event: a stream is the
		// chunks of one id (Azure's first chunk has none).
		newChat := false
		if api == APIOpenAI {
			id := chunkID(it.raw)
			newChat = id != "" && lastID != "" && id != lastID
			if id != "" {
				lastID = id
			}
		}
		if (newChat || streamStart[api] != "" && eventType(it.raw) == streamStart[api]) && i > 0 {
			if err := flush(i); err != nil {
				return nil, err
			}
			first = i
		}
		sse.WriteString("data: ")
		sse.Write(it.raw)
		sse.WriteString("\n\n")
	}
	if err := flush(len(items)); err != nil {
		return nil, err
	}
	if len(convs) == 0 {
		return nil, &Error{File: file, Msg: "no stream events"}
	}
	for _, c := range convs {
		c.Format = pairFormats[api]
	}
	return convs, nil
}
