package transcripts

import "testing"

// Inputs whose errors name the file, line and JSON path of the bad value;
// the messages were recorded before the OTLP decoding moved to
// internal/otlp and must not change.
var otelErrorInputs = []string{
	// Cut short.
	`{"resourceSpans":[{"scopeSpans":[{"spans":[`,
	// Invalid JSON in the second JSON line.
	`{"traceId":"t","spanId":"a"}` + "\n" + `{"traceId":"t",}`,
	// A type error deep in an attribute list, in a pretty-printed export.
	"{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[\n {\"traceId\":\"t\",\"spanId\":\"s\",\n  \"attributes\":[{\"key\":\"a\",\"value\":{\"stringValue\":\"x\"}},{\"key\":7}]}]}]}]}",
	// An AnyValue that is no object.
	`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"t","spanId":"s","attributes":[{"key":"a","value":[1]}]}]}]}]}`,
	// Bad start times in each encoding.
	`[{"traceId":"t","spanId":"s","startTimeUnixNano":"soon"}]`,
	`{"traceId":"t","id":"s","parentId":"p","attributes":{},"timestamp":-3}`,
	`{"context":{"trace_id":"0x1","span_id":"0x2"},"start_time":"yesterday at noon, more or less, in some time zone"}`,
	// Event attributes of the wrong type.
	`{"traceId":"t","spanId":"s","events":[{"name":"e","attributes":"x"}]}`,
	// A span that is not an object, inside an array in the third value.
	`{"traceId":"t","spanId":"a"}` + "\n" + `{"traceId":"t","spanId":"b"}` + "\n" + `[{"traceId":"t","spanId":"c"}, 5]`,
}

func TestOTelErrorPlaces(t *testing.T) {
	want := []string{
		"test:1: invalid JSON: unexpected end of input",
		// The bad line never reaches the reader: one span is read.
		"test: no LLM call among 1 spans (no gen_ai or llm usage, model or messages attributes)",
		"test:3: $.resourceSpans[0].scopeSpans[0].spans[0].attributes[1].key: want a string, found a number",
		"test:1: $.resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value: not an OTLP value: want an object, found an array",
		"test:1: $[0].startTimeUnixNano: not a number: soon",
		"test:1: $.timestamp: negative count -3",
		`test:1: $.start_time: not an RFC 3339 time: "yesterday at noon, more or less, in some…"`,
		"test:1: $.events[0].attributes: want an object, found a string",
		"test:3: $<value 3>[1]: want an object, found a number",
	}
	for i, data := range otelErrorInputs {
		_, err := readString(t, FormatOTel, data)
		if err == nil || i >= len(want) || err.Error() != want[i] {
			t.Errorf("%d: error %v\nwant     %q", i, err, want[min(i, len(want)-1)])
		}
	}
}
