package transcripts

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/tokenscope/tokenscope/transcripts/internal/jsonnum"
	"github.com/tokenscope/tokenscope/transcripts/internal/otlp"
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

// otelSpan is a decoded span, with what its attributes mean.
type otelSpan otlp.Span

// readOTel reads spans and makes each trace a conversation (more than one
// when its calls do not share a history). Only LLM spans with no LLM span
// below them are calls: agent and workflow spans repeat the usage of the
// calls they wrap. A span written twice (at start and at end) is one span,
// its later attributes winning.
func readOTel(data []byte, file string) ([]*Conversation, error) {
	decoded, err := otlp.Read(data)
	if err != nil {
		return nil, otelError(file, err)
	}
	spans := make([]*otelSpan, len(decoded))
	index := map[string]*otelSpan{}
	for i, d := range decoded {
		spans[i] = (*otelSpan)(d)
		index[d.TraceID+"/"+d.SpanID] = spans[i]
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
		for p, hops := index[s.TraceID+"/"+s.ParentID], 0; p != nil && hops < len(spans); p, hops = index[p.TraceID+"/"+p.ParentID], hops+1 {
			isCall[p] = false // wraps a call: repeats its usage
		}
	}
	byTrace := map[string][]*otelSpan{}
	var traces []string
	for _, s := range spans {
		if !isCall[s] {
			continue
		}
		if byTrace[s.TraceID] == nil {
			traces = append(traces, s.TraceID)
		}
		byTrace[s.TraceID] = append(byTrace[s.TraceID], s)
	}
	var convs []*Conversation
	for _, id := range traces {
		calls := byTrace[id]
		sort.SliceStable(calls, func(i, j int) bool { return calls[i].Start.Before(calls[j].Start) })
		t := &callThreader{id: id, file: file, format: FormatOTel}
		for _, s := range calls {
			in, rep, err := s.messages()
			if err != nil {
				return nil, &Error{File: file, Line: s.Line, Path: s.Path, Msg: jsonMsg(err)}
			}
			if rep.Usage, err = s.usage(); err != nil {
				return nil, &Error{File: file, Line: s.Line, Path: s.Path, Msg: jsonMsg(err)}
			}
			rep.Model = s.str("gen_ai.response.model", "gen_ai.request.model", "llm.model_name")
			rep.Time, rep.ResponseID = s.Start, "otel/"+s.TraceID+"/"+s.SpanID
			t.add(in, rep, s.tools())
		}
		convs = append(convs, t.convs...)
	}
	if len(convs) == 0 {
		return nil, &Error{File: file, Msg: fmt.Sprintf("no LLM call among %d spans (no gen_ai or llm usage, model or messages attributes)", len(spans))}
	}
	return convs, nil
}

// otelError words otlp's errors as the readers' do: decoding errors
// located by jsonError, the others at the span's line and path.
func otelError(file string, err error) error {
	var e *otlp.Error
	if !errors.As(err, &e) {
		return err
	}
	if e.Data == nil {
		return &Error{File: file, Line: e.Line, Path: e.Path, Msg: jsonMsg(e.Err)}
	}
	if errors.Is(e.Err, io.ErrUnexpectedEOF) {
		return jsonError(file, e.Data, e.Line, e.Path, errUnexpectedEnd)
	}
	return jsonError(file, e.Data, e.Line, e.Path, e.Err)
}

// str returns the first of keys present, as text.
func (s *otelSpan) str(keys ...string) string {
	for _, k := range keys {
		if v, ok := s.Attrs[k]; ok {
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
		if v, ok := s.Attrs[k]; ok {
			n, ok, err := jsonnum.Count(v)
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
	for _, ev := range s.Events {
		if ev.Name == "gen_ai.content.prompt" || ev.Name == "gen_ai.choice" {
			return true
		}
	}
	for _, k := range append(append([]string{"gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.prompt.0.role", "gen_ai.completion.0.role",
		"llm.input_messages.0.message.role", "llm.output_messages.0.message.role"}, otelInputKeys...), otelOutputKeys...) {
		if _, ok := s.Attrs[k]; ok {
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
		if v, ok := s.Attrs[k]; ok {
			if ts := genaiTools(v); len(ts) > 0 {
				return ts
			}
		}
	}
	var out []Tool
	for i := 0; ; i++ {
		v, ok := s.Attrs[fmt.Sprintf("llm.tools.%d.tool.json_schema", i)]
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
	if v, ok := s.Attrs["gen_ai.system_instructions"]; ok {
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
		if v, ok := s.Attrs[side.json]; ok {
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
	for i, ev := range s.Events {
		var ms []Message
		var to *[]Message
		switch ev.Name {
		case "gen_ai.content.prompt":
			ms, err = genaiMessages(ev.Attrs["gen_ai.prompt"], RoleUser)
			to = &in
		case "gen_ai.content.completion":
			ms, err = genaiMessages(ev.Attrs["gen_ai.completion"], RoleAssistant)
			to = &out
		case "gen_ai.system.message", "gen_ai.user.message", "gen_ai.assistant.message", "gen_ai.tool.message":
			role := strings.TrimSuffix(strings.TrimPrefix(ev.Name, "gen_ai."), ".message")
			content := ev.Attrs["content"]
			if len(content) == 0 {
				content = json.RawMessage(`""`)
			}
			msg := map[string]json.RawMessage{"role": json.RawMessage(strconv.Quote(role)), "content": content}
			if tc, ok := ev.Attrs["tool_calls"]; ok {
				msg["tool_calls"] = stringOrJSON(tc)
			}
			if id, ok := ev.Attrs["id"]; ok && role == "tool" {
				msg["tool_call_id"] = id
			}
			raw, _ := json.Marshal(msg)
			ms, err = genaiMessages(raw, RoleUser)
			to = &in
		case "gen_ai.choice":
			ms, err = genaiMessages(stringOrJSON(ev.Attrs["message"]), RoleAssistant)
			to = &out
		default:
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("event %d (%s): %s", i, ev.Name, jsonMsg(err))
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
	for k, v := range s.Attrs {
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
