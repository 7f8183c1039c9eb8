package profile

import (
	"sync"
	"sync/atomic"

	"github.com/tokenscope/tokenscope/profile/strategy"
	"github.com/tokenscope/tokenscope/profile/tokenize"
	"github.com/tokenscope/tokenscope/transcripts"
)

// The reference the skeleton's derived counts are checked against
// (TestSkeletonCountsMatchText, FuzzSkeletonCounts): each message counted
// from its text, as the engine did before it kept raw counts.

// countConversation counts every message of c once with t, on up to
// workers goroutines.
func countConversation(c *transcripts.Conversation, t *tokenize.Tokenizer, workers int) *counts {
	n := len(c.Messages)
	k := &counts{Counts: strategy.Counts{Content: make([]int64, n), RAG: make([]int64, n), Framing: make([]int64, n), Scale: 1}}
	if workers < 2 || n < 64 {
		k.countRange(c, t, 0, n)
	} else {
		var wg sync.WaitGroup
		var next atomic.Int64
		const chunk = 16
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					lo := int(next.Add(chunk)) - chunk
					if lo >= n {
						return
					}
					k.countRange(c, t, lo, min(lo+chunk, n))
				}
			}()
		}
		wg.Wait()
	}
	k.ToolDefs = tokenize.ToolDefTokens(c.Tools, t)
	k.Think = thinkingSums(c, t)
	return k
}

// countRange counts messages [lo, hi) into k.
func (k *counts) countRange(c *transcripts.Conversation, t *tokenize.Tokenizer, lo, hi int) {
	for i := lo; i < hi; i++ {
		m := &c.Messages[i]
		content := t.Count(m.Content)
		for _, tc := range m.ToolCalls {
			content += t.Count(tc.Name) + t.Count(tc.Arguments)
		}
		content += int64(m.Images) * t.PerImage()
		k.Content[i] = content
		switch {
		case m.RAG:
			k.RAG[i] = content
		case len(m.RAGSpans) > 0:
			var r int64
			for _, s := range m.RAGSpans {
				r += t.Count(s)
			}
			k.RAG[i] = min(r, content)
		}
		f := int64(tokenize.TokensPerMessage) + t.Count(string(m.Role))
		if m.Name != "" && m.Role != transcripts.RoleTool {
			f += tokenize.TokensPerName + t.Count(m.Name)
		}
		k.Framing[i] = f
	}
}

// thinkingSums counts the thinking text of each assistant message with t
// and sums it; nil when the conversation shows none.
func thinkingSums(c *transcripts.Conversation, t *tokenize.Tokenizer) []int64 {
	var pt []int64
	for i := range c.Messages {
		if c.Messages[i].Role == transcripts.RoleAssistant && c.Messages[i].Reasoning != "" {
			pt = make([]int64, len(c.Messages)+1)
			break
		}
	}
	if pt == nil {
		return nil
	}
	for i := range c.Messages {
		pt[i+1] = pt[i]
		if m := &c.Messages[i]; m.Role == transcripts.RoleAssistant && m.Reasoning != "" {
			pt[i+1] += t.Count(m.Reasoning)
		}
	}
	return pt
}
