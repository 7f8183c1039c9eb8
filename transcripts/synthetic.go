package transcripts

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// Synthetic builds a conversation of calls calls for benchmarks and load
// tests: a user message and reply on two calls of three, a tool round on
// the third, with text cut from the demo and numbered so nothing repeats.
// About 3.5 KB of text per call: 2,000 calls make ≈7 MB.
func Synthetic(calls int, seed uint64) *Conversation {
	demo := Demo(Options{}).Conversations[0]
	var texts []string
	for _, m := range demo.Messages {
		if len(m.Content) > 200 {
			texts = append(texts, m.Content)
		}
	}
	r := rand.New(rand.NewPCG(seed, 7))
	// pick returns about n bytes: slices of demo texts, numbered so that
	// no two are alike.
	pick := func(n int) string {
		var b strings.Builder
		for b.Len() < n {
			t := texts[r.IntN(len(texts))]
			if rest := n - b.Len(); len(t) > rest {
				start := r.IntN(len(t) - rest + 1)
				t = t[start : start+rest]
			}
			fmt.Fprintf(&b, "[%d] %s\n", r.IntN(1_000_000), t)
		}
		return b.String()
	}
	c := &Conversation{ID: fmt.Sprintf("gen-%d", seed), Path: "generated", Format: "native", Model: "gpt-5", Tools: demo.Tools}
	c.Messages = append(c.Messages, demo.Messages[0])
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	for i := range calls {
		at = at.Add(time.Duration(20+r.IntN(200)) * time.Second)
		if i%3 == 1 {
			id := fmt.Sprintf("call_%d", i)
			c.Messages = append(c.Messages,
				Message{Role: "assistant", ToolCalls: []ToolCall{{ID: id, Name: "read_file", Arguments: `{"path":"` + pick(30) + `"}`}}, Time: at,
					Usage: &Usage{OutputTokens: 40, ReasoningTokens: 30}},
				Message{Role: "tool", ToolCallID: id, Name: "read_file", Content: pick(5000), Time: at})
			continue
		}
		c.Messages = append(c.Messages,
			Message{Role: "user", Content: pick(800), Time: at},
			Message{Role: "assistant", Content: pick(1900), Time: at, Usage: &Usage{ReasoningTokens: int64(r.IntN(500))}})
	}
	return c
}
