package profile

import (
	"sort"
	"strconv"
	"strings"
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
	// prompts are the system prompts and tool schemas of calls that were
	// sent other ones than the conversation's (skeleton.prompts), in
	// message order; nil when none.
	prompts []promptCount
}

// promptCount is what the calls from message msg on send before their
// messages: the system messages (content, and with framing) and the tool
// schemas, with their cache identities (promptSkel).
type promptCount struct {
	msg                      int
	sys, sysFramed, toolDefs int64
	sysID, toolsID           int32
}

// promptAt is the prompt call message a was sent, nil when it was sent
// the conversation's own.
func (k *counts) promptAt(a int) *promptCount {
	if k.prompts == nil || a < k.prompts[0].msg {
		return nil
	}
	j := sort.Search(len(k.prompts), func(j int) bool { return k.prompts[j].msg > a }) - 1
	return &k.prompts[j]
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
	s.prompts = nil
	if k.prompts != nil {
		s.prompts = make([]promptCount, len(k.prompts))
		for j, p := range k.prompts {
			sys := int64(float64(p.sys)*f + 0.5)
			p.sysFramed += sys - p.sys
			p.sys = sys
			p.toolDefs = int64(float64(p.toolDefs)*f + 0.5)
			s.prompts[j] = p
		}
	}
	if k.think != nil {
		s.think = resized(think, len(k.think))
		for i := 1; i < len(k.think); i++ {
			s.think[i] = s.think[i-1] + int64(float64(k.think[i]-k.think[i-1])*f+0.5)
		}
	}
	return s
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

// formatTokens renders n with thousands separators.
func formatTokens(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
