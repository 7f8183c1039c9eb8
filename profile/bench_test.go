package profile

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tokenscope/tokenscope/transcripts"
)

// mixedCorpus is about size bytes of prose, Go, JSON, CJK, Cyrillic and
// emoji text, each piece varied so that nothing repeats exactly.
func mixedCorpus(size int) string {
	var texts map[string]string
	data, _ := os.ReadFile("testdata/parity_texts.json")
	if err := jsonUnmarshal(data, &texts); err != nil {
		panic(err)
	}
	demo := transcripts.Demo(transcripts.Options{}).Conversations[0]
	var pieces []string
	for _, t := range texts {
		pieces = append(pieces, t)
	}
	for _, m := range demo.Messages {
		pieces = append(pieces, m.Content)
	}
	r := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	for b.Len() < size {
		p := pieces[r.IntN(len(pieces))]
		fmt.Fprintf(&b, "%d %s\n", r.IntN(100000), p)
	}
	return b.String()
}

// BenchmarkCount measures raw tokenizing throughput (cache bypassed).
func BenchmarkCount(b *testing.B) {
	corpus := mixedCorpus(1 << 20)
	lines := strings.SplitAfter(corpus, "\n")
	for _, enc := range []string{O200kBase, CL100kBase} {
		b.Run(enc, func(b *testing.B) {
			e := encoders[enc]
			e.load()
			b.SetBytes(int64(len(corpus)))
			b.ResetTimer()
			for range b.N {
				for _, l := range lines {
					_ = e.tk.EncodeOrdinary(l)
				}
			}
		})
	}
}

// GenerateConversation builds a conversation of calls calls, each with a
// user message, a tool round on every third call, and varied text, for
// benchmarks. About 3.5 KB of text per call: 2,000 calls make ≈7 MB.
func generateConversation(calls int, seed uint64) *transcripts.Conversation {
	demo := transcripts.Demo(transcripts.Options{}).Conversations[0]
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
	c := &transcripts.Conversation{ID: fmt.Sprintf("gen-%d", seed), Path: "generated", Format: "native", Model: "gpt-5", Tools: demo.Tools}
	c.Messages = append(c.Messages, demo.Messages[0])
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	for i := range calls {
		at = at.Add(time.Duration(20+r.IntN(200)) * time.Second)
		if i%3 == 1 {
			id := fmt.Sprintf("call_%d", i)
			c.Messages = append(c.Messages,
				transcripts.Message{Role: "assistant", ToolCalls: []transcripts.ToolCall{{ID: id, Name: "read_file", Arguments: `{"path":"` + pick(30) + `"}`}}, Time: at,
					Usage: &transcripts.Usage{OutputTokens: 40, ReasoningTokens: 30}},
				transcripts.Message{Role: "tool", ToolCallID: id, Name: "read_file", Content: pick(5000), Time: at})
			continue
		}
		c.Messages = append(c.Messages,
			transcripts.Message{Role: "user", Content: pick(800), Time: at},
			transcripts.Message{Role: "assistant", Content: pick(1900), Time: at, Usage: &transcripts.Usage{ReasoningTokens: int64(r.IntN(500))}})
	}
	return c
}

func BenchmarkReadNative(b *testing.B) {
	var buf bytes.Buffer
	if err := transcripts.NewNativeWriter(&buf).Write(generateConversation(2000, 1)); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		if _, err := transcripts.Read(bytes.NewReader(data), "bench", transcripts.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSimulate runs the default strategies on counts already made.
func BenchmarkSimulate(b *testing.B) {
	for _, tc := range []struct {
		name string
		conv *transcripts.Conversation
	}{
		{"demo", transcripts.Demo(transcripts.Options{}).Conversations[0]},
		{"2000calls", generateConversation(2000, 2)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			convs := []*transcripts.Conversation{tc.conv}
			if _, err := Run(convs, Options{}); err != nil { // warm the count cache
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				if _, err := Run(convs, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

var largeOut = flag.String("large-out", "", "write a generated 2,000-call conversation (native JSONL) to this file")

// TestWriteLargeConversation writes the generated conversation used to
// time `tokenscope report` (see README, Performance). Skipped without
// -large-out.
func TestWriteLargeConversation(t *testing.T) {
	if *largeOut == "" {
		t.Skip("pass -large-out FILE")
	}
	f, err := os.Create(*largeOut)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := transcripts.NewNativeWriter(f).Write(generateConversation(2000, 3)); err != nil {
		t.Fatal(err)
	}
}

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }
