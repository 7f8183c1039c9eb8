package ui

import (
	"slices"
	"sync"

	"github.com/tokenscope/tokenscope/profile"
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
	prices *profile.PriceTable
	model  string
	p      *profile.Prepared
}

// prepared returns convs prepared for prices and model, reusing the last
// one when they are the same.
func (c *prepCache) prepared(convs []*transcripts.Conversation, prices *profile.PriceTable, model string) (*profile.Prepared, error) {
	if c == nil {
		return profile.Prepare(convs, profile.Options{Prices: prices, Model: model})
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	sizes := make([]int, len(convs))
	for i, conv := range convs {
		sizes[i] = len(conv.Messages)
	}
	if c.p != nil && c.prices == prices && c.model == model && slices.Equal(c.convs, convs) && slices.Equal(c.sizes, sizes) {
		return c.p, nil
	}
	p, err := profile.Prepare(convs, profile.Options{Prices: prices, Model: model})
	if err != nil {
		return nil, err
	}
	c.convs, c.sizes, c.prices, c.model, c.p = slices.Clone(convs), sizes, prices, model, p
	return p, nil
}
