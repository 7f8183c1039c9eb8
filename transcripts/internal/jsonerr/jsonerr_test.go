package jsonerr

import (
	"encoding/json"
	"errors"
	"testing"
)

// The path PathAt gives for a decoder's type error, and the offset
// ValueOffset finds for that path, name the bad value: checked on a
// pretty-printed document where the value sits lines below its object.
func TestPathAndOffset(t *testing.T) {
	doc := []byte("{\"messages\": [\n  {\"role\": \"user\"},\n  {\"role\": \"assistant\",\n   \"usage\": {\"prompt_tokens\": \"12\"}}\n]}")
	var v struct {
		Messages []struct {
			Role  string `json:"role"`
			Usage struct {
				PromptTokens int `json:"prompt_tokens"`
			} `json:"usage"`
		} `json:"messages"`
	}
	var typ *json.UnmarshalTypeError
	if err := json.Unmarshal(doc, &v); !errors.As(err, &typ) {
		t.Fatalf("want a type error, got %v", err)
	}
	path := PathAt(doc, typ.Offset)
	if path != "$.messages[1].usage.prompt_tokens" {
		t.Errorf("PathAt = %q", path)
	}
	if got := Want(typ.Type, path) + " / " + Found(typ.Value); got != "a whole number of tokens / a string" {
		t.Errorf("words: %q", got)
	}
	for _, tc := range []struct {
		path  string
		at    string // the text at the offset found
		whole bool
	}{
		{"$.messages[1].usage.prompt_tokens", `"12"`, true},
		{"$.messages[1]", `{"role": "assistant"`, true},
		{"$.messages[5]", "[\n  {", false}, // no such element: the array holding it
		{"$.messages[1].role.x", `"assistant"`, false},
	} {
		off, whole, found := ValueOffset(doc, tc.path)
		if !found || whole != tc.whole || string(doc[off:off+int64(len(tc.at))]) != tc.at {
			t.Errorf("ValueOffset(%s) = %d (%q…), whole %v, found %v", tc.path, off, doc[off:min(off+12, int64(len(doc)))], whole, found)
		}
	}
}
