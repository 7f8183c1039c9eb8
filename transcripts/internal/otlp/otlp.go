// Package otlp decodes OpenTelemetry spans written as JSON: OTLP/JSON
// export requests (ExportTraceServiceRequest, as collectors' file
// exporters write them), SDK span dumps (one span per JSON value, as the
// console exporters write them, Python's and JS's), or arrays of either,
// one or many values to a file. Each span comes out with its ids, start
// and attributes as plain JSON values (OTLP's AnyValue unwrapped), and
// with the line and JSON path it came from; what the attributes mean is
// the reader's business. Errors are *Error, carrying that line and path.
package otlp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	fastjson "github.com/goccy/go-json"
	"github.com/tokenscope/tokenscope/transcripts/internal/jsonerr"
	"github.com/tokenscope/tokenscope/transcripts/internal/jsonnum"
)

// Span is one span, whichever encoding it came in.
type Span struct {
	TraceID, SpanID, ParentID string
	Start                     time.Time // zero when not written
	Attrs                     map[string]json.RawMessage
	Events                    []Event
	Path                      string // JSON path of the span's value
	Line                      int    // line of the top-level value holding it
}

// Event is a span event with its attributes as plain JSON values.
type Event struct {
	Name  string
	Attrs map[string]json.RawMessage
}

// Error is a problem with the input at Line and Path. When Data is set,
// Err is a decoding error on Data (encoding/json's, whose offsets count
// from Data's start; io.ErrUnexpectedEOF when the input ended early), and
// Line is the line Data starts at, or 0 when Data is the whole input.
type Error struct {
	Line int
	Path string
	Data []byte
	Err  error
}

func (e *Error) Error() string {
	return fmt.Sprintf("%d: %s: %s", e.Line, e.Path, jsonerr.Message(e.Err))
}

func (e *Error) Unwrap() error { return e.Err }

// span is a span of OTLP/JSON, of a JS SDK dump (id, parentId, timestamp
// in microseconds) or of a Python SDK dump (context, parent_id,
// start_time).
type span struct {
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
	Context *struct {
		TraceID string `json:"trace_id"`
		SpanID  string `json:"span_id"`
	} `json:"context"`
	ParentIDPy *string `json:"parent_id"`
	StartTime  string  `json:"start_time"`
}

// keyValue is an OTLP attribute.
type keyValue struct {
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
}

// Read returns the spans of data in the order first seen. A span written
// twice (at start and at end) is one span: its later attributes win, the
// earlier start stays, its events add up.
func Read(data []byte) ([]*Span, error) {
	var spans []*Span
	index := map[string]*Span{}
	add := func(s *Span) {
		key := s.TraceID + "/" + s.SpanID
		if prev := index[key]; prev != nil {
			for k, v := range s.Attrs {
				prev.Attrs[k] = v
			}
			if prev.Start.IsZero() || (!s.Start.IsZero() && s.Start.Before(prev.Start)) {
				prev.Start = s.Start
			}
			if prev.ParentID == "" {
				prev.ParentID = s.ParentID
			}
			prev.Events = append(prev.Events, s.Events...)
			return
		}
		index[key] = s
		spans = append(spans, s)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	for n := 0; ; n++ {
		off := dec.InputOffset()
		var raw json.RawMessage
		if err := dec.Decode(&raw); err == io.EOF {
			break
		} else if err != nil {
			return nil, &Error{Data: data, Err: err}
		}
		line := bytes.Count(data[:off+int64(len(data[off:])-len(bytes.TrimLeft(data[off:], " \t\r\n")))], []byte{'\n'}) + 1
		path := "$"
		if n > 0 || dec.More() {
			path = fmt.Sprintf("$<value %d>", n+1)
		}
		if err := value(raw, line, path, add); err != nil {
			return nil, err
		}
	}
	return spans, nil
}

// value reads one JSON value: an export request, a span, or an array of
// either.
func value(raw json.RawMessage, line int, path string, add func(*Span)) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '[' {
		var list []json.RawMessage
		if err := decode(raw, &list); err != nil {
			return &Error{Line: line, Path: path, Data: raw, Err: err}
		}
		for i, it := range list {
			if err := value(it, line, fmt.Sprintf("%s[%d]", path, i), add); err != nil {
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
	if err := decode(raw, &req); err != nil {
		return &Error{Line: line, Path: path, Data: raw, Err: err}
	}
	// one reads one span and adds it, unless it is no span at all.
	one := func(raw json.RawMessage, path string) error {
		s, err := parseSpan(raw, line, path)
		if err == nil && s != nil {
			add(s)
		}
		return err
	}
	if req.ResourceSpans == nil {
		return one(raw, path)
	}
	for i, rs := range req.ResourceSpans {
		scopes, key := rs.ScopeSpans, "scopeSpans"
		if len(scopes) == 0 {
			scopes, key = rs.Legacy, "instrumentationLibrarySpans"
		}
		for j, ss := range scopes {
			for k, sp := range ss.Spans {
				if err := one(sp, fmt.Sprintf("%s.resourceSpans[%d].%s[%d].spans[%d]", path, i, key, j, k)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// parseSpan reads one span in any of the encodings; nil when the value is
// not a span.
func parseSpan(raw json.RawMessage, line int, path string) (*Span, error) {
	var sp span
	if err := decode(raw, &sp); err != nil {
		return nil, &Error{Line: line, Path: path, Data: raw, Err: err}
	}
	s := &Span{TraceID: sp.TraceID, SpanID: sp.SpanID, ParentID: sp.ParentSpanID, Path: path, Line: line}
	if s.SpanID == "" {
		s.SpanID = sp.ID
	}
	if s.ParentID == "" {
		s.ParentID = sp.ParentID
	}
	if sp.Context != nil {
		// The Python SDK writes ids as 0x-prefixed hex; OTLP as bare hex.
		s.TraceID, s.SpanID = strings.TrimPrefix(sp.Context.TraceID, "0x"), strings.TrimPrefix(sp.Context.SpanID, "0x")
		if sp.ParentIDPy != nil {
			s.ParentID = strings.TrimPrefix(*sp.ParentIDPy, "0x")
		}
	}
	if s.TraceID == "" && s.SpanID == "" {
		return nil, nil
	}
	var err error
	if s.Start, err = start(&sp); err != nil {
		e := err.(*Error)
		e.Line, e.Path = line, path+e.Path
		return nil, e
	}
	if s.Attrs, err = attributes(line, path+".attributes", sp.Attributes); err != nil {
		return nil, err
	}
	for i, ev := range sp.Events {
		attrs, err := attributes(line, fmt.Sprintf("%s.events[%d].attributes", path, i), ev.Attributes)
		if err != nil {
			return nil, err
		}
		s.Events = append(s.Events, Event{ev.Name, attrs})
	}
	return s, nil
}

// start is when sp started, from whichever field its encoding has; an
// *Error whose Path is the field's, relative to the span.
func start(sp *span) (time.Time, error) {
	switch {
	case len(sp.Start) > 0:
		ns, ok, err := jsonnum.Count(sp.Start)
		if err != nil {
			return time.Time{}, &Error{Path: ".startTimeUnixNano", Err: err}
		}
		if ok && ns > 0 {
			return time.Unix(0, ns).UTC(), nil
		}
	case len(sp.Timestamp) > 0:
		us, ok, err := jsonnum.Count(sp.Timestamp)
		if err != nil {
			return time.Time{}, &Error{Path: ".timestamp", Err: err}
		}
		if ok && us > 0 {
			return time.UnixMicro(us).UTC(), nil
		}
	case sp.StartTime != "":
		t, err := time.Parse(time.RFC3339Nano, sp.StartTime)
		if err != nil {
			return time.Time{}, &Error{Path: ".start_time", Err: fmt.Errorf("not an RFC 3339 time: %q", jsonerr.Excerpt(sp.StartTime, 40))}
		}
		return t, nil
	}
	return time.Time{}, nil
}

// attributes reads attributes as OTLP writes them (a list of key and
// AnyValue) or as SDK dumps do (an object).
func attributes(line int, path string, raw json.RawMessage) (map[string]json.RawMessage, error) {
	attrs := map[string]json.RawMessage{}
	a := bytes.TrimSpace(raw)
	switch {
	case len(a) == 0 || string(a) == "null":
	case a[0] == '[':
		var kvs []keyValue
		if err := decode(a, &kvs); err != nil {
			return nil, &Error{Line: line, Path: path, Data: a, Err: err}
		}
		for i, kv := range kvs {
			v, err := Value(kv.Value)
			if err != nil {
				return nil, &Error{Line: line, Path: fmt.Sprintf("%s[%d].value", path, i), Err: err}
			}
			attrs[kv.Key] = v
		}
	default:
		if err := decode(a, &attrs); err != nil {
			return nil, &Error{Line: line, Path: path, Data: a, Err: err}
		}
	}
	return attrs, nil
}

// Value turns an OTLP AnyValue into a plain JSON value. Integers stay as
// written (OTLP/JSON writes them as strings); an empty AnyValue is null.
func Value(raw json.RawMessage) (json.RawMessage, error) {
	var v struct {
		String *json.RawMessage `json:"stringValue"`
		Int    *json.RawMessage `json:"intValue"`
		Double *json.RawMessage `json:"doubleValue"`
		Bool   *json.RawMessage `json:"boolValue"`
		Array  *struct {
			Values []json.RawMessage `json:"values"`
		} `json:"arrayValue"`
		KV *struct {
			Values []keyValue `json:"values"`
		} `json:"kvlistValue"`
		Bytes *json.RawMessage `json:"bytesValue"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("not an OTLP value: %s", jsonerr.Message(err))
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
			x, err := Value(e)
			if err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		return json.Marshal(out)
	case v.KV != nil:
		out := map[string]json.RawMessage{}
		for _, kv := range v.KV.Values {
			x, err := Value(kv.Value)
			if err != nil {
				return nil, err
			}
			out[kv.Key] = x
		}
		return json.Marshal(out)
	}
	return json.RawMessage("null"), nil
}

// decode unmarshals data into v with the fast decoder, and again with
// encoding/json when that fails, so that errors and their offsets are
// the standard library's; an input ending early is io.ErrUnexpectedEOF.
// Values over 8 MB skip the fast decoder, which would copy them whole.
func decode(data []byte, v any) error {
	if len(data) <= 8<<20 && fastjson.Unmarshal(data, v) == nil {
		return nil
	}
	err := json.Unmarshal(data, v)
	if err != nil && err.Error() == "unexpected end of JSON input" {
		return io.ErrUnexpectedEOF
	}
	return err
}
