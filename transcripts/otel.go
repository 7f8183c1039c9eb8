package transcripts

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
)

// FormatOTel is OpenTelemetry spans of LLM calls: OTLP/JSON
// (ExportTraceServiceRequest, as collectors' file exporters write it) or
// SDK span dumps (one span per JSON value, as the console exporters write
// them), with GenAI semantic-convention or OpenInference attributes.
const FormatOTel = "otel"

func init() {
	Register(Format{
		Name:  FormatOTel,
		Doc:   "OpenTelemetry GenAI spans: OTLP/JSON export requests or SDK span dumps",
		Sniff: sniffOTel,
		Read:  readAllWith(readOTel),
	})
}

// sniffOTel: an OTLP export request, or a span on its own (OTLP's
// traceId/spanId, the Python SDK's context.trace_id/span_id, the JS SDK's
// traceId/parentId).
func sniffOTel(s *Shape) int {
	switch {
	case s.Has("resourceSpans"):
		return Certain
	case s.Has("traceId") && (s.Has("spanId") || s.Has("parentSpanId")),
		s.Has("context.trace_id") && s.Has("context.span_id"):
		return 90
	case s.Has("traceId") && s.Has("parentId") && s.Has("attributes"):
		return 80
	}
	return 0
}

// otelSpan is one span, whichever encoding it came in, with its
// attributes as plain JSON values.
type otelSpan struct {
	traceID, spanID, parentID string
	start                     time.Time
	attrs                     map[string]json.RawMessage
	events                    []otelEvent
	path                      string
	line                      int
}

// otelEvent is a span event: older GenAI instrumentations put the messages
// there rather than in attributes.
type otelEvent struct {
	name  string
	attrs map[string]json.RawMessage
}

// otlpSpan is a span of OTLP/JSON, or of a JS SDK dump (id, parentId,
// timestamp in microseconds).
type otlpSpan struct {
	TraceID      string          `json:"traceId"`
	SpanID       string          `json:"spanId"`
	ID           string          `json:"id"`
	ParentSpanID string          `json:"parentSpanId"`
	ParentID     string          `json:"parentId"`
	Start        json.RawMessage `json:"startTimeUnixNano"`
	Timestamp    json.RawMessage `json:"timestamp"`
	Attributes   json.RawMessage `json:"attributes"`
	Events       []struct {
		Name       string          `json:"name"`
		Attributes json.RawMessage `json:"attributes"`
	} `json:"events"`
	// Python SDK's span.to_json().
	Context *struct {
		TraceID string `json:"trace_id"`
		SpanID  string `json:"span_id"`
	} `json:"context"`
	ParentIDPy *string `json:"parent_id"`
	StartTime  string  `json:"start_time"`
}

// otlpKeyValue is an OTLP attribute.
type otlpKeyValue struct {
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
}

// readOTel reads spans and makes each trace a conversation (more than one
// when its calls do not share a history). Only LLM spans with no LLM span
// below them are calls: agent and workflow spans repeat the usage of the
// calls they wrap. A span written twice (at start and at end) is one span,
// its later attributes winning.
func readOTel(data []byte, file string) ([]*Conversation, error) {
	var spans []*otelSpan
	index := map[string]*otelSpan{}
	add := func(s *otelSpan) {
		key := s.traceID + "/" + s.spanID
		if prev := index[key]; prev != nil {
			for k, v := range s.attrs {
				prev.attrs[k] = v
			}
			if prev.start.IsZero() || (!s.start.IsZero() && s.start.Before(prev.start)) {
				prev.start = s.start
			}
			if prev.parentID == "" {
				prev.parentID = s.parentID
			}
			prev.events = append(prev.events, s.events...)
			return
		}
		index[key] = s
		spans = append(spans, s)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	n := 0
	for {
		off := dec.InputOffset()
		var raw json.RawMessage
		if err := dec.Decode(&raw); err == io.EOF {
			break
		} else if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				err = errUnexpectedEnd
			}
			return nil, jsonError(file, data, 0, "", err)
		}
		line := lineAt(data, off+int64(len(data[off:])-len(bytes.TrimLeft(data[off:], " \t\r\n"))))
		path := "$"
		if n > 0 || dec.More() {
			path = fmt.Sprintf("$<value %d>", n+1)
		}
		n++
		if err := otelValue(file, raw, line, path, add); err != nil {
			return nil, err
		}
	}
	// Which spans are calls.
	isCall := map[*otelSpan]bool{}
	for _, s := range spans {
		isCall[s] = s.llm()
	}
	for _, s := range spans {
		if !isCall[s] {
			continue
		}
		for p, hops := index[s.traceID+"/"+s.parentID], 0; p != nil && hops < len(spans); p, hops = index[p.traceID+"/"+p.parentID], hops+1 {
			isCall[p] = false // wraps a call: repeats its usage
		}
	}
	byTrace := map[string][]*otelSpan{}
	var traces []string
	for _, s := range spans {
		if !isCall[s] {
			continue
		}
		if byTrace[s.traceID] == nil {
			traces = append(traces, s.traceID)
		}
		byTrace[s.traceID] = append(byTrace[s.traceID], s)
	}
	var convs []*Conversation
	for _, id := range traces {
		calls := byTrace[id]
		sort.SliceStable(calls, func(i, j int) bool { return calls[i].start.Before(calls[j].start) })
		t := &callThreader{id: id, file: file, format: FormatOTel}
		for _, s := range calls {
			in, rep, err := s.messages()
			if err != nil {
				return nil, &Error{File: file, Line: s.line, Path: s.path, Msg: jsonMsg(err)}
			}
			if rep.Usage, err = s.usage(); err != nil {
				return nil, &Error{File: file, Line: s.line, Path: s.path, Msg: jsonMsg(err)}
			}
			rep.Model = s.str("gen_ai.response.model", "gen_ai.request.model", "llm.model_name")
			rep.Time, rep.ResponseID = s.start, "otel/"+s.traceID+"/"+s.spanID
			t.add(in, rep, s.tools())
		}
		convs = append(convs, t.convs...)
	}
	if len(convs) == 0 {
		return nil, &Error{File: file, Msg: fmt.Sprintf("no LLM call among %d spans (no gen_ai or llm usage, model or messages attributes)", len(spans))}
	}
	return convs, nil
}

// otelValue reads one top-level JSON value: an export request, a span, or
// an array of either.
func otelValue(file string, raw json.RawMessage, line int, path string, add func(*otelSpan)) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '[' {
		var list []json.RawMessage
		if err := decodeJSON(raw, &list); err != nil {
			return jsonError(file, raw, line, path, err)
		}
		for i, it := range list {
			if err := otelValue(file, it, line, fmt.Sprintf("%s[%d]", path, i), add); err != nil {
				return err
			}
		}
		return nil
	}
	var req struct {
		ResourceSpans []struct {
			ScopeSpans []struct {
				Spans []json.RawMessage `json:"spans"`
			} `json:"scopeSpans"`
			Legacy []struct {
				Spans []json.RawMessage `json:"spans"`
			} `json:"instrumentationLibrarySpans"`
		} `json:"resourceSpans"`
	}
	if err := decodeJSON(raw, &req); err != nil {
		return jsonError(file, raw, line, path, err)
	}
	// span reads one span and adds it, unless it is no span at all.
	span := func(raw json.RawMessage, path string) error {
		s, err := otelParseSpan(file, raw, line, path)
		if err == nil && s != nil {
			add(s)
		}
		return err
	}
	if req.ResourceSpans == nil {
		return span(raw, path)
	}
	for i, rs := range req.ResourceSpans {
		scopes, key := rs.ScopeSpans, "scopeSpans"
		if len(scopes) == 0 {
			scopes, key = rs.Legacy, "instrumentationLibrarySpans"
		}
		for j, ss := range scopes {
			for k, sp := range ss.Spans {
				if err := span(sp, fmt.Sprintf("%s.resourceSpans[%d].%s[%d].spans[%d]", path, i, key, j, k)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// otelParseSpan reads one span in any of the encodings; nil when the value
// is not a span.
func otelParseSpan(file string, raw json.RawMessage, line int, path string) (*otelSpan, error) {
	var sp otlpSpan
	if err := decodeJSON(raw, &sp); err != nil {
		return nil, jsonError(file, raw, line, path, err)
	}
	s := &otelSpan{traceID: sp.TraceID, spanID: sp.SpanID, parentID: sp.ParentSpanID, path: path, line: line, attrs: map[string]json.RawMessage{}}
	if s.spanID == "" {
		s.spanID = sp.ID
	}
	if s.parentID == "" {
		s.parentID = sp.ParentID
	}
	if sp.Context != nil {
		// The Python SDK writes ids as 0x-prefixed hex; OTLP as bare hex.
		s.traceID, s.spanID = strings.TrimPrefix(sp.Context.TraceID, "0x"), strings.TrimPrefix(sp.Context.SpanID, "0x")
		if sp.ParentIDPy != nil {
			s.parentID = strings.TrimPrefix(*sp.ParentIDPy, "0x")
		}
	}
	if s.traceID == "" && s.spanID == "" {
		return nil, nil
	}
	switch {
	case len(sp.Start) > 0:
		ns, ok, err := tokenCount(sp.Start)
		if err != nil {
			return nil, &Error{File: file, Line: line, Path: path + ".startTimeUnixNano", Msg: jsonMsg(err)}
		}
		if ok && ns > 0 {
			s.start = time.Unix(0, ns).UTC()
		}
	case len(sp.Timestamp) > 0:
		us, ok, err := tokenCount(sp.Timestamp)
		if err != nil {
			return nil, &Error{File: file, Line: line, Path: path + ".timestamp", Msg: jsonMsg(err)}
		}
		if ok && us > 0 {
			s.start = time.UnixMicro(us).UTC()
		}
	case sp.StartTime != "":
		t, err := time.Parse(time.RFC3339Nano, sp.StartTime)
		if err != nil {
			return nil, &Error{File: file, Line: line, Path: path + ".start_time", Msg: fmt.Sprintf("not an RFC 3339 time: %q", truncate(sp.StartTime, 40))}
		}
		s.start = t
	}
	var err error
	if s.attrs, err = otelAttributes(file, line, path+".attributes", sp.Attributes); err != nil {
		return nil, err
	}
	for i, ev := range sp.Events {
		attrs, err := otelAttributes(file, line, fmt.Sprintf("%s.events[%d].attributes", path, i), ev.Attributes)
		if err != nil {
			return nil, err
		}
		s.events = append(s.events, otelEvent{ev.Name, attrs})
	}
	return s, nil
}

// otelAttributes reads attributes as OTLP writes them (a list of key and
// AnyValue) or as SDK dumps do (an object).
func otelAttributes(file string, line int, path string, raw json.RawMessage) (map[string]json.RawMessage, error) {
	attrs := map[string]json.RawMessage{}
	a := bytes.TrimSpace(raw)
	switch {
	case len(a) == 0 || string(a) == "null":
	case a[0] == '[':
		var kvs []otlpKeyValue
		if err := decodeJSON(a, &kvs); err != nil {
			return nil, jsonError(file, a, line, path, err)
		}
		for i, kv := range kvs {
			v, err := otlpValue(kv.Value)
			if err != nil {
				return nil, &Error{File: file, Line: line, Path: fmt.Sprintf("%s[%d].value", path, i), Msg: jsonMsg(err)}
			}
			attrs[kv.Key] = v
		}
	default:
		if err := decodeJSON(a, &attrs); err != nil {
			return nil, jsonError(file, a, line, path, err)
		}
	}
	return attrs, nil
}

// otlpValue turns an OTLP AnyValue into a plain JSON value. Integers stay
// as written (OTLP/JSON writes them as strings).
func otlpValue(raw json.RawMessage) (json.RawMessage, error) {
	var v struct {
		String *json.RawMessage `json:"stringValue"`
		Int    *json.RawMessage `json:"intValue"`
		Double *json.RawMessage `json:"doubleValue"`
		Bool   *json.RawMessage `json:"boolValue"`
		Array  *struct {
			Values []json.RawMessage `json:"values"`
		} `json:"arrayValue"`
		KV *struct {
			Values []otlpKeyValue `json:"values"`
		} `json:"kvlistValue"`
		Bytes *json.RawMessage `json:"bytesValue"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("not an OTLP value: %s", jsonMsg(err))
	}
	switch {
	case v.String != nil:
		return *v.String, nil
	case v.Int != nil:
		return *v.Int, nil
	case v.Double != nil:
		return *v.Double, nil
	case v.Bool != nil:
		return *v.Bool, nil
	case v.Bytes != nil:
		return *v.Bytes, nil
	case v.Array != nil:
		var out []json.RawMessage
		for _, e := range v.Array.Values {
			x, err := otlpValue(e)
			if err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		return json.Marshal(out)
	case v.KV != nil:
		out := map[string]json.RawMessage{}
		for _, kv := range v.KV.Values {
			x, err := otlpValue(kv.Value)
			if err != nil {
				return nil, err
			}
			out[kv.Key] = x
		}
		return json.Marshal(out)
	}
	return json.RawMessage("null"), nil
}

// str returns the first of keys present, as text.
func (s *otelSpan) str(keys ...string) string {
	for _, k := range keys {
		if v, ok := s.attrs[k]; ok {
			if t := jsonText(v); t != "" {
				return t
			}
		}
	}
	return ""
}

// count returns the first of keys present as a token count.
func (s *otelSpan) count(keys ...string) (int64, bool, error) {
	for _, k := range keys {
		if v, ok := s.attrs[k]; ok {
			n, ok, err := tokenCount(v)
			if err == nil && n > MaxTokens {
				err = fmt.Errorf("%d tokens is more than any call can have (%d)", n, int64(MaxTokens))
			}
			if err != nil {
				return 0, false, fmt.Errorf("attribute %s: %s", k, jsonMsg(err))
			}
			if ok {
				return n, true, nil
			}
		}
	}
	return 0, false, nil
}

var (
	otelInputKeys  = []string{"gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.token_count.prompt", "llm.usage.prompt_tokens"}
	otelOutputKeys = []string{"gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens", "llm.token_count.completion", "llm.usage.completion_tokens"}
	// Operations and span kinds that wrap calls rather than make one.
	otelNotCalls = map[string]bool{"invoke_agent": true, "create_agent": true, "execute_tool": true, "invoke_workflow": true,
		"embeddings": true, "AGENT": true, "CHAIN": true, "TOOL": true, "RETRIEVER": true, "EMBEDDING": true, "RERANKER": true, "GUARDRAIL": true, "EVALUATOR": true}
)

// llm reports whether a span describes an LLM call (it may still wrap
// another, checked by the caller).
func (s *otelSpan) llm() bool {
	op, kind := s.str("gen_ai.operation.name"), strings.ToUpper(s.str("openinference.span.kind"))
	if otelNotCalls[op] || otelNotCalls[kind] {
		return false
	}
	if kind == "LLM" {
		return true
	}
	switch op {
	case "chat", "text_completion", "generate_content", "completion", "responses":
		return true
	}
	for _, ev := range s.events {
		if ev.name == "gen_ai.content.prompt" || ev.name == "gen_ai.choice" {
			return true
		}
	}
	for _, k := range append(append([]string{"gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.prompt.0.role", "gen_ai.completion.0.role",
		"llm.input_messages.0.message.role", "llm.output_messages.0.message.role"}, otelInputKeys...), otelOutputKeys...) {
		if _, ok := s.attrs[k]; ok {
			return true
		}
	}
	return false
}

// usage is the span's reported usage. GenAI conventions count cached
// input inside input tokens and reasoning inside output; where cache
// reads exceed input, the instrumentation counted them apart (Anthropic's
// way) and they are added.
func (s *otelSpan) usage() (*Usage, error) {
	in, okIn, err := s.count(otelInputKeys...)
	if err != nil {
		return nil, err
	}
	out, okOut, err := s.count(otelOutputKeys...)
	if err != nil {
		return nil, err
	}
	cached, _, err := s.count("gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens", "llm.token_count.prompt_details.cache_read")
	if err != nil {
		return nil, err
	}
	written, _, err := s.count("gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_creation_input_tokens", "llm.token_count.prompt_details.cache_write")
	if err != nil {
		return nil, err
	}
	reasoning, _, err := s.count("gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.reasoning_tokens", "llm.token_count.completion_details.reasoning")
	if err != nil {
		return nil, err
	}
	if !okIn && !okOut {
		return nil, nil
	}
	u := &Usage{InputTokens: in, CachedInputTokens: cached, CacheWriteTokens: written, OutputTokens: out, ReasoningTokens: reasoning}
	if cached+written > in {
		u.InputTokens = in + cached + written
	}
	if reasoning > out {
		u.OutputTokens = out + reasoning
	}
	return u, nil
}

// tools returns the tool schemas the call was offered, where the span
// logged them: gen_ai.tool.definitions, OpenInference's
// llm.tools.N.tool.json_schema, pydantic-ai's model_request_parameters.
func (s *otelSpan) tools() []Tool {
	for _, k := range []string{"gen_ai.tool.definitions", "model_request_parameters"} {
		if v, ok := s.attrs[k]; ok {
			if ts := genaiTools(v); len(ts) > 0 {
				return ts
			}
		}
	}
	var out []Tool
	for i := 0; ; i++ {
		v, ok := s.attrs[fmt.Sprintf("llm.tools.%d.tool.json_schema", i)]
		if !ok {
			return out
		}
		out = append(out, genaiTools(v)...)
	}
}

// messages returns what the call was sent and its reply, from whichever
// attributes the instrumentation wrote.
func (s *otelSpan) messages() ([]Message, Message, error) {
	var in, out []Message
	if v, ok := s.attrs["gen_ai.system_instructions"]; ok {
		ms, err := genaiMessages(v, RoleSystem)
		if err != nil {
			return nil, Message{}, fmt.Errorf("attribute gen_ai.system_instructions: %s", jsonMsg(err))
		}
		sys := Message{Role: RoleSystem}
		for _, m := range ms {
			sys.Content = joinNonEmpty(sys.Content, m.Content)
		}
		in = append(in, sys)
	}
	for _, side := range []struct {
		to            *[]Message
		def           Role
		json, semconv string
		openinference string
	}{
		{&in, RoleUser, "gen_ai.input.messages", "gen_ai.prompt.", "llm.input_messages."},
		{&out, RoleAssistant, "gen_ai.output.messages", "gen_ai.completion.", "llm.output_messages."},
	} {
		if v, ok := s.attrs[side.json]; ok {
			ms, err := genaiMessages(v, side.def)
			if err != nil {
				return nil, Message{}, fmt.Errorf("attribute %s: %s", side.json, jsonMsg(err))
			}
			*side.to = append(*side.to, ms...)
			continue
		}
		for _, prefix := range []string{side.semconv, side.openinference} {
			ms, err := s.indexed(prefix, side.def)
			if err != nil {
				return nil, Message{}, err
			}
			if len(ms) > 0 {
				*side.to = append(*side.to, ms...)
				break
			}
		}
	}
	if len(in) == 0 || len(out) == 0 {
		evIn, evOut, err := s.eventMessages()
		if err != nil {
			return nil, Message{}, err
		}
		if len(in) == 0 {
			in = evIn
		}
		if len(out) == 0 {
			out = evOut
		}
	}
	r := reply(out)
	r.NoReply = len(out) == 0 // content capture off: the reply is not in the span
	return in, r, nil
}

// eventMessages reads messages from span events: gen_ai.content.prompt and
// gen_ai.content.completion (their gen_ai.prompt and gen_ai.completion
// attributes hold the messages as JSON), or one event per message
// (gen_ai.system.message, gen_ai.user.message, gen_ai.assistant.message,
// gen_ai.tool.message with content, tool_calls, id; gen_ai.choice with
// message).
func (s *otelSpan) eventMessages() (in, out []Message, err error) {
	for i, ev := range s.events {
		var ms []Message
		var to *[]Message
		switch ev.name {
		case "gen_ai.content.prompt":
			ms, err = genaiMessages(ev.attrs["gen_ai.prompt"], RoleUser)
			to = &in
		case "gen_ai.content.completion":
			ms, err = genaiMessages(ev.attrs["gen_ai.completion"], RoleAssistant)
			to = &out
		case "gen_ai.system.message", "gen_ai.user.message", "gen_ai.assistant.message", "gen_ai.tool.message":
			role := strings.TrimSuffix(strings.TrimPrefix(ev.name, "gen_ai."), ".message")
			content := ev.attrs["content"]
			if len(content) == 0 {
				content = json.RawMessage(`""`)
			}
			msg := map[string]json.RawMessage{"role": json.RawMessage(strconv.Quote(role)), "content": content}
			if tc, ok := ev.attrs["tool_calls"]; ok {
				msg["tool_calls"] = stringOrJSON(tc)
			}
			if id, ok := ev.attrs["id"]; ok && role == "tool" {
				msg["tool_call_id"] = id
			}
			raw, _ := json.Marshal(msg)
			ms, err = genaiMessages(raw, RoleUser)
			to = &in
		case "gen_ai.choice":
			ms, err = genaiMessages(stringOrJSON(ev.attrs["message"]), RoleAssistant)
			to = &out
		default:
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("event %d (%s): %s", i, ev.name, jsonMsg(err))
		}
		*to = append(*to, ms...)
	}
	return in, out, nil
}

// indexed reads messages flattened into attributes: prefix.N.role,
// prefix.N.content (older GenAI conventions), or OpenInference's
// prefix.N.message.role, .message.content, .message.contents.M…,
// .message.tool_calls.M.tool_call.function.name….
func (s *otelSpan) indexed(prefix string, def Role) ([]Message, error) {
	type toolCall struct{ id, name, args string }
	type msg struct {
		fields   map[string]string
		contents map[int]string
		calls    map[int]*toolCall
	}
	byN := map[int]*msg{}
	for k, v := range s.attrs {
		rest, ok := strings.CutPrefix(k, prefix)
		if !ok {
			continue
		}
		num, sub, ok := strings.Cut(rest, ".")
		n, err := strconv.Atoi(num)
		if !ok || err != nil || n < 0 || n > 1<<20 {
			continue
		}
		m := byN[n]
		if m == nil {
			m = &msg{fields: map[string]string{}, contents: map[int]string{}, calls: map[int]*toolCall{}}
			byN[n] = m
		}
		sub = strings.TrimPrefix(sub, "message.")
		val := jsonText(v)
		switch {
		case strings.HasPrefix(sub, "contents."):
			num, field, _ := strings.Cut(strings.TrimPrefix(sub, "contents."), ".")
			if j, err := strconv.Atoi(num); err == nil && strings.HasSuffix(field, "text") {
				m.contents[j] = val
			}
		case strings.HasPrefix(sub, "tool_calls."):
			num, field, _ := strings.Cut(strings.TrimPrefix(sub, "tool_calls."), ".")
			j, err := strconv.Atoi(num)
			if err != nil {
				continue
			}
			tc := m.calls[j]
			if tc == nil {
				tc = &toolCall{}
				m.calls[j] = tc
			}
			field = strings.TrimPrefix(field, "tool_call.")
			switch field {
			case "id":
				tc.id = val
			case "name", "function.name":
				tc.name = val
			case "arguments", "function.arguments":
				tc.args = val
			}
		default:
			m.fields[sub] = val
		}
	}
	ns := make([]int, 0, len(byN))
	for n := range byN {
		ns = append(ns, n)
	}
	sort.Ints(ns)
	var out []Message
	for _, n := range ns {
		m := byN[n]
		gm := genaiMsg{Role: m.fields["role"], Name: m.fields["name"], ToolCallID: m.fields["tool_call_id"]}
		text := m.fields["content"]
		js := make([]int, 0, len(m.contents))
		for j := range m.contents {
			js = append(js, j)
		}
		sort.Ints(js)
		for _, j := range js {
			text = joinNonEmpty(text, m.contents[j])
		}
		gm.Content, _ = json.Marshal(text)
		cs := make([]int, 0, len(m.calls))
		for j := range m.calls {
			cs = append(cs, j)
		}
		sort.Ints(cs)
		for _, j := range cs {
			tc := m.calls[j]
			var call oaToolCall
			call.ID, call.Function.Name = tc.id, tc.name
			call.Function.Arguments, _ = json.Marshal(tc.args)
			gm.ToolCalls = append(gm.ToolCalls, call)
		}
		ms, err := gm.messages(def)
		if err != nil {
			return nil, fmt.Errorf("attribute %s%d.role: %s", prefix, n, jsonMsg(err))
		}
		out = append(out, ms...)
	}
	return out, nil
}
