package profile

import (
	"github.com/tokenscope/tokenscope/profile/strategy"
)

// counts are the token counts of one conversation in one tokenizer
// (what the steps read: strategy.Counts), with the prefix sums the engine
// makes of them.
type counts struct {
	strategy.Counts
	prefix []int64 // sums of content and framing; see sent
}

// sent is the content and framing of messages [0, n), from prefix sums
// made on first use: every call's full input is one subtraction, not a
// walk over the history.
func (k *counts) sent(n int) int64 {
	if len(k.prefix) != len(k.Content)+1 {
		k.prefix = resized(k.prefix, len(k.Content)+1)
		for i := range k.Content {
			k.prefix[i+1] = k.prefix[i] + k.Content[i] + k.Framing[i]
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
	think := s.Think // nil think means none shown: keep the array apart
	*s = counts{Counts: strategy.Counts{Content: resized(s.Content, len(k.Content)), RAG: resized(s.RAG, len(k.RAG)), Framing: k.Framing, Scale: f},
		prefix: s.prefix[:0]}
	for i := range k.Content {
		s.Content[i] = int64(float64(k.Content[i])*f + 0.5)
		s.RAG[i] = min(int64(float64(k.RAG[i])*f+0.5), s.Content[i])
	}
	s.ToolDefs = int64(float64(k.ToolDefs)*f + 0.5)
	if k.Prompts != nil {
		s.Prompts = make([]strategy.Prompt, len(k.Prompts))
		for j, p := range k.Prompts {
			sys := int64(float64(p.System)*f + 0.5)
			p.SystemFramed += sys - p.System
			p.System = sys
			p.ToolDefs = int64(float64(p.ToolDefs)*f + 0.5)
			s.Prompts[j] = p
		}
	}
	if k.Think != nil {
		s.Think = resized(think, len(k.Think))
		for i := 1; i < len(k.Think); i++ {
			s.Think[i] = s.Think[i-1] + int64(float64(k.Think[i]-k.Think[i-1])*f+0.5)
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
func formatTokens(n int64) string { return strategy.FormatTokens(n) }
