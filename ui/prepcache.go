package ui

import (
	"slices"
	"sync"

	"github.com/tokenscope/tokenscope/profile/strategy"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts"
)

// prepCache keeps the engine's prepared conversations (counts, calls)
// between recomputes, so that a knob press re-simulates only the
// strategy it changed (profile.Prepared) instead of preparing the whole
// tree again. It is shared by the copies of the Model and used off the
// event loop; a nil *prepCache keeps nothing.
type prepCache struct {
	mu sync.Mutex
	// The key: the conversations (each by pointer and message count,
	// since a live conversation grows), the prices and the --model.
	convs  []*transcripts.Conversation
	sizes  []int
	prices *price.Table
	model  string
	p      *profile.Prepared
	// streamed marks p as counted while read (seed): it holds counts of
	// the encodings in encs only, and no text.
	streamed bool
	encs     map[string]bool
	text     bool // the stream kept the text (a response cache asked for it)
}

// prepared returns convs prepared for prices and model, reusing the last
// one when they are the same and it can run strategies exactly.
func (c *prepCache) prepared(convs []*transcripts.Conversation, prices *price.Table, model string, strategies []*strategy.Strategy) (*profile.Prepared, error) {
	if c == nil {
		return profile.Prepare(convs, profile.Options{Prices: prices, Model: model})
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	sizes := make([]int, len(convs))
	for i, conv := range convs {
		sizes[i] = len(conv.Messages)
	}
	if c.p != nil && c.prices == prices && c.model == model && slices.Equal(c.convs, convs) && slices.Equal(c.sizes, sizes) &&
		(!c.streamed || c.covers(strategies)) {
		return c.p, nil
	}
	p, err := profile.Prepare(convs, profile.Options{Prices: prices, Model: model})
	if err != nil {
		return nil, err
	}
	c.convs, c.sizes, c.prices, c.model, c.p = slices.Clone(convs), sizes, prices, model, p
	c.streamed, c.encs = false, nil
	return p, nil
}

// seed keeps p, convs counted while read by profile.Load for
// strategies (load), as convs prepared for prices and model: the list's
// knobs then re-simulate without counting again. A stream keeps the
// counts of the encodings it was asked for, so strategies that price on
// another one prepare anew (prepared). convs is nil when the text was not
// kept (convRef); models are each conversation's own model, as logged.
func (c *prepCache) seed(convs []*transcripts.Conversation, models []string, prices *price.Table, model string, p *profile.Prepared, strategies []*strategy.Strategy) {
	if c == nil || p == nil {
		return
	}
	encs := map[string]bool{}
	text := false
	for _, s := range strategies {
		n := s.Needs()
		for _, id := range n.Models {
			if mp, ok := prices.Lookup(id); ok {
				encs[mp.Encoding] = true
			}
		}
		text = text || n.Text
	}
	// Every conversation is counted in its own model's encoding: one
	// shared by all is counted for all. A conversation with no model or
	// an unknown one is left out of that (counted as an estimate).
	shared := ""
	for i, logged := range models {
		id := model
		if id == "" {
			id = logged
		}
		mp, ok := prices.Lookup(id)
		if !ok || (i > 0 && mp.Encoding != shared) {
			shared = ""
			break
		}
		shared = mp.Encoding
	}
	if shared != "" {
		encs[shared] = true
	}
	sizes := make([]int, len(convs))
	for i, conv := range convs {
		sizes[i] = len(conv.Messages)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.convs, c.sizes, c.prices, c.model, c.p = slices.Clone(convs), sizes, prices, model, p
	c.streamed, c.encs, c.text = true, encs, text
}

// textless returns the prepared conversations seeded without their text
// when they run strategies exactly for prices and model, else nil: the
// caller reads the text again (computeRefs).
func (c *prepCache) textless(prices *price.Table, model string, strategies []*strategy.Strategy) *profile.Prepared {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.p == nil || !c.streamed || c.convs != nil || c.prices != prices || c.model != model || !c.covers(strategies) {
		return nil
	}
	return c.p
}

// covers reports whether a seeded stream runs strategies as a fresh
// preparation would: each model they price on in a counted encoding, and
// no response cache unless the stream kept the text.
func (c *prepCache) covers(strategies []*strategy.Strategy) bool {
	for _, s := range strategies {
		n := s.Needs()
		for _, id := range n.Models {
			if mp, ok := c.prices.Lookup(id); !ok || !c.encs[mp.Encoding] {
				return false
			}
		}
		if n.Text && !c.text {
			return false
		}
	}
	return true
}
