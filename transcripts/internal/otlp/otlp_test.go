package otlp

import (
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// Each AnyValue kind unwraps to the plain JSON value; integers stay as
// written, nested arrays and key-value lists unwrap all the way down.
func TestValue(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`{"stringValue":"hi"}`, `"hi"`},
		{`{"intValue":"9007199254740993"}`, `"9007199254740993"`},
		{`{"intValue":12}`, `12`},
		{`{"doubleValue":0.5}`, `0.5`},
		{`{"boolValue":true}`, `true`},
		{`{"bytesValue":"AAE="}`, `"AAE="`},
		{`{"arrayValue":{"values":[{"stringValue":"a"},{"arrayValue":{"values":[{"intValue":"1"}]}}]}}`, `["a",["1"]]`},
		{`{"kvlistValue":{"values":[{"key":"k","value":{"boolValue":false}},{"key":"n","value":{}}]}}`, `{"k":false,"n":null}`},
		{`{}`, `null`},
	} {
		got, err := Value(json.RawMessage(tt.in))
		if err != nil || string(got) != tt.want {
			t.Errorf("Value(%s) = %s, %v; want %s", tt.in, got, err, tt.want)
		}
	}
	if _, err := Value(json.RawMessage(`{"arrayValue":{"values":["x"]}}`)); err == nil || err.Error() != "not an OTLP value: want an object, found a string" {
		t.Errorf("nested bad value: %v", err)
	}
}

// The encodings give the same span: ids, parent, start and attributes.
func TestReadEncodings(t *testing.T) {
	start := time.Date(2025, 5, 1, 10, 0, 0, 500000000, time.UTC)
	for _, tt := range []struct{ name, data, path string }{
		{"OTLP export", `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"ab","spanId":"01","parentSpanId":"00","startTimeUnixNano":"1746093600500000000","attributes":[{"key":"k","value":{"intValue":"7"}}]}]}]}]}`,
			"$.resourceSpans[0].scopeSpans[0].spans[0]"},
		{"legacy export", `{"resourceSpans":[{"instrumentationLibrarySpans":[{"spans":[{"traceId":"ab","spanId":"01","parentSpanId":"00","startTimeUnixNano":1746093600500000000,"attributes":[{"key":"k","value":{"intValue":"7"}}]}]}]}]}`,
			"$.resourceSpans[0].instrumentationLibrarySpans[0].spans[0]"},
		{"JS SDK dump", `{"traceId":"ab","id":"01","parentId":"00","timestamp":1746093600500000,"attributes":{"k":"7"}}`, "$"},
		{"Python SDK dump", `{"context":{"trace_id":"0xab","span_id":"0x01"},"parent_id":"0x00","start_time":"2025-05-01T10:00:00.5Z","attributes":{"k":"7"}}`, "$"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			spans, err := Read([]byte(tt.data))
			if err != nil || len(spans) != 1 {
				t.Fatalf("%d spans, %v", len(spans), err)
			}
			s := spans[0]
			if s.TraceID != "ab" || s.SpanID != "01" || s.ParentID != "00" || !s.Start.Equal(start) || s.Path != tt.path || s.Line != 1 ||
				strings.Trim(string(s.Attrs["k"]), `"`) != "7" {
				t.Errorf("%+v", s)
			}
		})
	}
}

// A span written at start and at end is one span: later attributes win,
// the earlier start and the parent stay, events add up. Values not spans
// are left out; each top-level value is named by its number and line.
func TestReadMerge(t *testing.T) {
	data := `{"traceId":"t","spanId":"s","startTimeUnixNano":"2000","attributes":{"a":1,"b":1},"events":[{"name":"e1"}]}` + "\n" +
		`{"name":"not a span"}` + "\n\n" +
		`[{"traceId":"t","spanId":"s","parentSpanId":"p","startTimeUnixNano":"3000","attributes":[{"key":"b","value":{"intValue":"2"}}],"events":[{"name":"e2","attributes":[{"key":"x","value":{"stringValue":"y"}}]}]},` +
		`{"traceId":"t","spanId":"u"}]` + "\n"
	spans, err := Read([]byte(data))
	if err != nil || len(spans) != 2 {
		t.Fatalf("%d spans, %v", len(spans), err)
	}
	s, u := spans[0], spans[1]
	if s.ParentID != "p" || s.Start != time.Unix(0, 2000).UTC() || string(s.Attrs["a"]) != "1" || string(s.Attrs["b"]) != `"2"` ||
		len(s.Events) != 2 || s.Events[1].Name != "e2" || string(s.Events[1].Attrs["x"]) != `"y"` || s.Path != "$<value 1>" || s.Line != 1 {
		t.Errorf("merged span %+v", s)
	}
	if u.SpanID != "u" || u.Path != "$<value 3>[1]" || u.Line != 4 || !u.Start.IsZero() {
		t.Errorf("second span %+v", u)
	}
}

// Errors carry the line and path; decoding errors carry the data their
// offsets count in, so the reader can find the bad value's own line.
func TestReadErrors(t *testing.T) {
	for _, tt := range []struct {
		data, path, msg string
		line            int
		data0           string // start of Error.Data; "" when none
	}{
		{`{"resourceSpans":[`, "", "unexpected EOF", 0, `{"resourceSpans"`},
		{"{}\n" + `{"traceId":"t","spanId":"s","attributes":[{"key":"k","value":"v"}]}`, "$<value 2>.attributes[0].value",
			"not an OTLP value: want an object, found a string", 2, ""},
		{`{"traceId":"t","spanId":"s","startTimeUnixNano":"-1"}`, "$.startTimeUnixNano", "negative count -1", 1, ""},
		{`{"traceId":"t","spanId":"s","attributes":5}`, "$.attributes", "json: cannot unmarshal number into Go value of type map[string]json.RawMessage", 1, "5"},
	} {
		_, err := Read([]byte(tt.data))
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: error %v", tt.data, err)
			continue
		}
		msg := e.Err.Error()
		if errors.Is(e.Err, io.ErrUnexpectedEOF) {
			msg = "unexpected EOF"
		}
		if e.Path != tt.path || e.Line != tt.line || msg != tt.msg || !strings.HasPrefix(string(e.Data), tt.data0) || (tt.data0 == "") != (e.Data == nil) {
			t.Errorf("%s: line %d path %q msg %q data %.20s", tt.data, e.Line, e.Path, msg, e.Data)
		}
	}
}
