// Package genai names a model call's OpenTelemetry GenAI attributes
// (semantic conventions for generative AI spans, with the proposed
// gen_ai.usage.cost and tokenscope's own), once for every writer of spans:
// `report --format otlp` and the proxy's --otlp-endpoint export.
package genai

import (
	"slices"

	"github.com/tokenscope/tokenscope/profile/price"
)

// Call is what a span says about one call.
type Call struct {
	Provider      string // gen_ai.provider.name: openai, anthropic, …; "" when not known
	RequestModel  string
	ResponseModel string // "" when not known
	Conversation  string
	// Tokens as billed: Input is all of the input (uncached, cache reads and
	// writes), Output all of the output (reasoning included).
	Input, Output, CacheRead, CacheWrite, Reasoning int64
	Cost                                            price.Money
	Unpriced                                        bool // the model has no price: no cost attributes
	Tags                                            map[string]string
}

// Attr is one attribute; Value is a string, an int64, a float64 or a bool.
type Attr struct {
	Key   string
	Value any
}

// TagPrefix starts the attribute of each cost-centre tag:
// tokenscope.tag.team = search.
const TagPrefix = "tokenscope.tag."

// Attrs are c's attributes, in a fixed order (tags sorted by key).
func Attrs(c Call) []Attr {
	a := []Attr{{"gen_ai.operation.name", "chat"}}
	if c.Provider != "" {
		a = append(a, Attr{"gen_ai.provider.name", c.Provider})
	}
	a = append(a, Attr{"gen_ai.request.model", c.RequestModel})
	if c.ResponseModel != "" {
		a = append(a, Attr{"gen_ai.response.model", c.ResponseModel})
	}
	if c.Conversation != "" {
		a = append(a, Attr{"gen_ai.conversation.id", c.Conversation})
	}
	a = append(a,
		Attr{"gen_ai.usage.input_tokens", c.Input},
		Attr{"gen_ai.usage.output_tokens", c.Output},
		Attr{"gen_ai.usage.cache_read.input_tokens", c.CacheRead},
		Attr{"gen_ai.usage.cache_creation.input_tokens", c.CacheWrite},
		Attr{"gen_ai.usage.reasoning.output_tokens", c.Reasoning},
	)
	if c.Unpriced {
		a = append(a, Attr{"tokenscope.unpriced", true})
	} else {
		// gen_ai.usage.cost is the proposed attribute (USD); the exact
		// figure is the integer pico-dollars.
		a = append(a, Attr{"gen_ai.usage.cost", c.Cost.USD()},
			Attr{"tokenscope.cost_pusd", int64(c.Cost)},
			Attr{"tokenscope.cost_usd", c.Cost.USD()})
	}
	keys := make([]string, 0, len(c.Tags))
	for k := range c.Tags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		a = append(a, Attr{TagPrefix + k, c.Tags[k]})
	}
	return a
}
