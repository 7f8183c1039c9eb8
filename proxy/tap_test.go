package proxy

import (
	"encoding/json"
	"testing"
)

func TestWithIncludeUsage(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"model":"m","stream":true}`, `{"stream_options":{"include_usage":true},"model":"m","stream":true}`},
		{` {"stream":true}`, ` {"stream_options":{"include_usage":true},"stream":true}`},
		{`{"stream":true,"stream_options":null}`, `{"stream":true,"stream_options":{"include_usage":true}}`},
		{`{"stream":true,"stream_options":{"include_obfuscation":false}}`, `{"stream":true,"stream_options":{"include_obfuscation":false,"include_usage":true}}`},
		{`{"stream":true,"stream_options":{"include_usage":false}}`, `{"stream":true,"stream_options":{"include_usage":true}}`},
	} {
		got, err := withIncludeUsage([]byte(tc.in))
		if err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		// Merged bodies are re-encoded (key order may change): compare as JSON.
		var a, b any
		if json.Unmarshal(got, &a) != nil || json.Unmarshal([]byte(tc.want), &b) != nil {
			t.Fatalf("%s: not JSON: %s", tc.in, got)
		}
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if string(ja) != string(jb) {
			t.Errorf("%s:\n got %s\nwant %s", tc.in, got, tc.want)
		}
	}
	// Without stream_options the body is unchanged but for the insertion.
	if got, _ := withIncludeUsage([]byte(`{"b":1, "a" : 2}`)); string(got) != `{"stream_options":{"include_usage":true},"b":1, "a" : 2}` {
		t.Errorf("got %s", got)
	}
	if _, err := withIncludeUsage([]byte(`[1]`)); err == nil {
		t.Error("a non-object body accepted")
	}
}

func TestFilterEvent(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}],\"usage\":null}\n\n", "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n"},
		{"data: {\"usage\":null,\"choices\":[]}\n\n", "data: {\"choices\":[]}\n\n"},
		{"data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3}}\n\n", ""},
		// Text that mentions usage inside a string is left alone.
		{"data: {\"choices\":[{\"delta\":{\"content\":\"\\\"usage\\\":null\"}}]}\n\n", "data: {\"choices\":[{\"delta\":{\"content\":\"\\\"usage\\\":null\"}}]}\n\n"},
		{"data: [DONE]\n\n", "data: [DONE]\n\n"},
	} {
		if got := string(filterEvent([]byte(tc.in))); got != tc.want {
			t.Errorf("%q:\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

func TestEventEnd(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
	}{
		{"data: x\n\ndata: y", 9},
		{"data: x\r\n\r\ndata: y", 11},
		{"data: x\n", -1},
	} {
		if got := eventEnd([]byte(tc.in)); got != tc.want {
			t.Errorf("%q: %d, want %d", tc.in, got, tc.want)
		}
	}
}
