package profile

import (
	"encoding/json"

	"github.com/tokenscope/tokenscope/transcripts"
)

// ImageTokens is the default estimate for one image: a 1024×1024 image at
// high detail on gpt-4o (85 base + 4 tiles × 170). Logs do not keep image
// sizes, so it cannot be exact; price rows set their provider's figure
// (image_tokens in prices.yaml).
const ImageTokens = 765

// Chat framing per OpenAI's cookbook (How_to_count_tokens_with_tiktoken):
// every message costs 3 tokens plus its role, a name costs 1 more plus its
// text, and every reply is primed with 3.
const (
	tokensPerMessage = 3
	tokensPerName    = 1
	replyPriming     = 3
)

// counts are the token counts of one conversation in one tokenizer. Each
// message is counted once here; strategies only add these numbers up.
type counts struct {
	content  []int64 // per message: text, tool calls and images
	rag      []int64 // per message: the part of content that is retrieved context
	framing  []int64 // per message: chat-format overhead
	toolDefs int64
	scale    float64 // calibration applied (1 when none)
	// think sums the thinking text shown in assistant messages: think[i]
	// is messages [0, i); nil when the conversation shows none.
	think  []int64
	prefix []int64 // sums of content and framing; see sent
}

// sent is the content and framing of messages [0, n), from prefix sums
// made on first use: every call's full input is one subtraction, not a
// walk over the history.
func (k *counts) sent(n int) int64 {
	if len(k.prefix) != len(k.content)+1 {
		k.prefix = resized(k.prefix, len(k.content)+1)
		for i := range k.content {
			k.prefix[i+1] = k.prefix[i] + k.content[i] + k.framing[i]
		}
	}
	return k.prefix[n]
}

// scaleInto multiplies content counts by f (calibration of an estimated
// tokenizer against reported usage), into s's arrays (nil: new ones).
func (k *counts) scaleInto(s *counts, f float64) *counts {
	if s == nil {
		s = &counts{}
	}
	think := s.think // nil think means none shown: keep the array apart
	*s = counts{content: resized(s.content, len(k.content)), rag: resized(s.rag, len(k.rag)), framing: k.framing, scale: f,
		prefix: s.prefix[:0]}
	for i := range k.content {
		s.content[i] = int64(float64(k.content[i])*f + 0.5)
		s.rag[i] = min(int64(float64(k.rag[i])*f+0.5), s.content[i])
	}
	s.toolDefs = int64(float64(k.toolDefs)*f + 0.5)
	if k.think != nil {
		s.think = resized(think, len(k.think))
		for i := 1; i < len(k.think); i++ {
			s.think[i] = s.think[i-1] + int64(float64(k.think[i]-k.think[i-1])*f+0.5)
		}
	}
	return s
}

// ToolDefTokens counts tool (function) schemas the way OpenAI's cookbook
// does: per function 7 tokens (10 on cl100k models) plus "name:description";
// with properties 3 more, and per property 3 plus "name:type:description";
// an enum −3 once, then 3 plus the value per value; 12 after all functions.
// It is an approximation of how the API renders schemas, documented as such.
func ToolDefTokens(tools []transcripts.Tool, t *Tokenizer) int64 {
	if len(tools) == 0 {
		return 0
	}
	var n int64
	for _, tool := range tools {
		tr := toolRawOf(tool, rawTokenizer{t})
		n += tr.fixed
		for _, p := range tr.pieces {
			n += t.scaleRaw(p)
		}
	}
	return n + 12
}

func jsonText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// resized returns s with length n, zeroed, reusing its array when it is
// long enough.
func resized[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	s = s[:n]
	clear(s)
	return s
}
