package transcripts

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// promptPairs writes three request/response pairs of one chat in api's
// shape: the system prompt gains the time at call 2, a second tool is
// offered from call 3.
func promptPairs(api string) string {
	systems := []string{"Be brief.", "Be brief. It is 12:04.", "Be brief. It is 12:04."}
	tools := [][]string{{"lookup"}, {"lookup"}, {"lookup", "clock"}}
	var b strings.Builder
	var hist []map[string]any
	for call := range 3 {
		user, reply := fmt.Sprintf("question %d", call+1), fmt.Sprintf("answer %d", call+1)
		var req, resp map[string]any
		switch api {
		case APIOpenAI:
			hist = append(hist, map[string]any{"role": "user", "content": user})
			var ts []any
			for _, n := range tools[call] {
				ts = append(ts, map[string]any{"type": "function", "function": map[string]any{"name": n, "description": "Tool " + n}})
			}
			req = map[string]any{"model": "gpt-4o", "messages": append([]map[string]any{{"role": "system", "content": systems[call]}}, hist...), "tools": ts}
			resp = map[string]any{"model": "gpt-4o", "choices": []any{map[string]any{"message": map[string]any{"role": "assistant", "content": reply}}}}
			hist = append(hist, map[string]any{"role": "assistant", "content": reply})
		case APIAnthropic:
			hist = append(hist, map[string]any{"role": "user", "content": user})
			var ts []any
			for _, n := range tools[call] {
				ts = append(ts, map[string]any{"name": n, "description": "Tool " + n, "input_schema": map[string]any{"type": "object"}})
			}
			req = map[string]any{"model": "claude-sonnet-4-5", "max_tokens": 10, "system": systems[call], "messages": slices.Clone(hist), "tools": ts}
			resp = map[string]any{"type": "message", "role": "assistant", "model": "claude-sonnet-4-5", "content": []any{map[string]any{"type": "text", "text": reply}}}
			hist = append(hist, map[string]any{"role": "assistant", "content": reply})
		case APIOpenAIResponses:
			hist = append(hist, map[string]any{"role": "user", "content": user})
			var ts []any
			for _, n := range tools[call] {
				ts = append(ts, map[string]any{"type": "function", "name": n, "description": "Tool " + n, "parameters": map[string]any{"type": "object"}})
			}
			req = map[string]any{"model": "gpt-5", "instructions": systems[call], "input": slices.Clone(hist), "tools": ts}
			resp = map[string]any{"id": fmt.Sprintf("resp_%d", call), "object": "response", "model": "gpt-5",
				"output": []any{map[string]any{"type": "message", "role": "assistant", "content": []any{map[string]any{"type": "output_text", "text": reply}}}}}
			hist = append(hist, map[string]any{"role": "assistant", "content": reply})
		case APIGemini:
			hist = append(hist, map[string]any{"role": "user", "parts": []any{map[string]any{"text": user}}})
			var fs []any
			for _, n := range tools[call] {
				fs = append(fs, map[string]any{"name": n, "description": "Tool " + n})
			}
			req = map[string]any{"model": "gemini-2.5-flash", "contents": slices.Clone(hist), "systemInstruction": map[string]any{"parts": []any{map[string]any{"text": systems[call]}}},
				"tools": []any{map[string]any{"functionDeclarations": fs}}}
			resp = map[string]any{"modelVersion": "gemini-2.5-flash", "candidates": []any{map[string]any{"content": map[string]any{"role": "model", "parts": []any{map[string]any{"text": reply}}}}}}
			hist = append(hist, map[string]any{"role": "model", "parts": []any{map[string]any{"text": reply}}})
		}
		line, _ := json.Marshal(map[string]any{"request": req, "response": resp})
		b.Write(append(line, '\n'))
	}
	return b.String()
}

// Readers that keep each request whole say, on the reply of the call where
// the system prompt or the tool list changed, what that call was sent; the
// conversation keeps what the first call was sent.
func TestPromptChangesByAPI(t *testing.T) {
	for _, api := range []string{APIOpenAI, APIAnthropic, APIOpenAIResponses, APIGemini} {
		src, err := Read(strings.NewReader(promptPairs(api)), "log.jsonl", Options{})
		if err != nil {
			t.Fatalf("%s: %v", api, err)
		}
		if len(src.Conversations) != 1 || src.Conversations[0].Calls() != 3 || len(src.Warnings) != 0 {
			t.Fatalf("%s: %d conversations, warnings %q", api, len(src.Conversations), src.Warnings)
		}
		c := src.Conversations[0]
		if sys := systemTexts(c.Messages); !slices.Equal(sys, []string{"Be brief."}) || len(c.Tools) != 1 {
			t.Errorf("%s: conversation sends %q and %d tools", api, sys, len(c.Tools))
		}
		var replies []*Message
		for i := range c.Messages {
			if c.Messages[i].Role == RoleAssistant {
				replies = append(replies, &c.Messages[i])
			}
		}
		if p := replies[0].Prompt(); p != nil {
			t.Errorf("%s: call 1 prompt %+v", api, p)
		}
		if p, ch := replies[1].Prompt(), replies[1].PrefixChange; p == nil || !slices.Equal(p.System, []string{"Be brief. It is 12:04."}) || len(p.Tools) != 1 ||
			ch == nil || ch.Part != "system" || ch.Now != "Be brief. It is 12:04." {
			t.Errorf("%s: call 2 prompt %+v, change %+v", api, p, ch)
		}
		if p, ch := replies[2].Prompt(), replies[2].PrefixChange; p == nil || !slices.Equal(p.System, []string{"Be brief. It is 12:04."}) || len(p.Tools) != 2 || p.Tools[1].Name != "clock" ||
			ch == nil || ch.Part != "tools" || ch.Describe() != `tool schemas changed ("1 tool" → "2 tools")` {
			t.Errorf("%s: call 3 prompt %+v, change %+v", api, p, ch)
		}
	}
}

// Langfuse and OTel spans log tools on some calls only: a call logged
// without them sends the thread's, and a changed system prompt is that
// call's.
func TestCallThreaderPrompts(t *testing.T) {
	tools := []Tool{{Name: "lookup"}}
	th := &callThreader{id: "trace", file: "f"}
	var input []Message
	for call, sys := range []string{"Be brief.", "Be brief.", "Be terse.", "Be terse."} {
		input = append(input, Message{Role: RoleUser, Content: fmt.Sprintf("q%d", call)})
		var ts []Tool
		if call == 0 {
			ts = tools
		}
		th.add(append([]Message{{Role: RoleSystem, Content: sys}}, input...), Message{Role: RoleAssistant, Content: fmt.Sprintf("a%d", call)}, ts)
		input = append(input, Message{Role: RoleAssistant, Content: fmt.Sprintf("a%d", call)})
	}
	if len(th.convs) != 1 || th.convs[0].Calls() != 4 {
		t.Fatalf("%d conversations", len(th.convs))
	}
	var got []string
	for _, m := range th.convs[0].Messages {
		if m.Role == RoleAssistant {
			s := "-"
			if m.Prompt() != nil {
				s = fmt.Sprintf("%s/%d", strings.Join(m.Prompt().System, ""), len(m.Prompt().Tools))
			}
			got = append(got, s)
		}
	}
	if want := []string{"-", "-", "Be terse./1", "-"}; !slices.Equal(got, want) {
		t.Errorf("prompts %q, want %q", got, want)
	}
}
