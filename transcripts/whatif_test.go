package transcripts

import (
	"strings"
	"testing"
)

func TestParseTools(t *testing.T) {
	for _, tc := range []struct{ name, doc string }{
		{"openai", `[{"type":"function","function":{"name":"get_weather","description":"Weather","parameters":{"type":"object"}}}]`},
		{"anthropic", `[{"name":"get_weather","description":"Weather","input_schema":{"type":"object"}}]`},
		{"under tools", `{"tools":[{"name":"get_weather","description":"Weather","input_schema":{"type":"object"}}]}`},
	} {
		tools, err := ParseTools([]byte(tc.doc), "tools.json")
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(tools) != 1 || tools[0].Name != "get_weather" || tools[0].Description != "Weather" || string(tools[0].Parameters) != `{"type":"object"}` {
			t.Errorf("%s: %+v", tc.name, tools)
		}
	}
	for _, tc := range []struct{ doc, want string }{
		{`[{"description":"x"}]`, "tools.json: $.tools[0].name: tool has no name"},
		{`[{"type":"function","function":{"description":"x"}}]`, "tools.json: $.tools[0].function.name: tool has no name"},
		{`{"functions":[]}`, "tools.json: $.tools: want a list of tool schemas"},
		{`[1]`, "tools.json: $.tools[0]: want a tool schema object"},
	} {
		_, err := ParseTools([]byte(tc.doc), "tools.json")
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: error %v, want %s", tc.doc, err, tc.want)
		}
	}
}

func TestWhatIfEdits(t *testing.T) {
	c := &Conversation{ID: "c", Tools: []Tool{{Name: "a"}, {Name: "b"}}, Messages: []Message{
		{Role: RoleSystem, Content: "old 1"}, {Role: RoleSystem, Content: "old 2"},
		{Role: RoleUser, Content: "hi"}, {Role: RoleAssistant, Content: "hello"}}}
	sys := WithSystem([]*Conversation{c}, "new")[0]
	if len(sys.Messages) != 3 || sys.Messages[0].Content != "new" || sys.Messages[1].Content != "hi" {
		t.Errorf("WithSystem: %+v", sys.Messages)
	}
	if sys.Unedited != c || len(c.Messages) != 4 || c.Messages[0].Content != "old 1" {
		t.Errorf("the conversation read must stay as read and be remembered")
	}
	none := WithSystem([]*Conversation{sys}, "")[0]
	if len(none.Messages) != 2 || none.Unedited != c {
		t.Errorf("removing the system prompt: %+v (unedited %p, want %p)", none.Messages, none.Unedited, c)
	}
	dropped, err := WithoutTools([]*Conversation{c}, []string{"a"})
	if err != nil || len(dropped[0].Tools) != 1 || dropped[0].Tools[0].Name != "b" || len(c.Tools) != 2 {
		t.Errorf("WithoutTools: %+v, %v", dropped[0].Tools, err)
	}
	if _, err := WithoutTools([]*Conversation{c}, []string{"nope"}); err == nil || !strings.Contains(err.Error(), "--drop-tool nope") {
		t.Errorf("unknown tool: %v", err)
	}
}

func TestDiffExcerpt(t *testing.T) {
	a, b := DiffExcerpt("You are a bot. The time is 12:04:01 UTC on a Monday.", "You are a bot. The time is 12:05:13 UTC on a Monday.")
	// 12 bytes before the first difference ("4" against "5"), 16 from it.
	if a != "…time is 12:04:01 UTC on a Mo…" || b != "…time is 12:05:13 UTC on a Mo…" {
		t.Errorf("got %q, %q", a, b)
	}
	if a, b := DiffExcerpt("same", "same"); a != "" || b != "" {
		t.Errorf("equal texts: %q %q", a, b)
	}
}
