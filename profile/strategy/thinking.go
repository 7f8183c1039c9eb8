package strategy

import "github.com/tokenscope/tokenscope/profile/price"

// Thinking in history (PROVIDER-RULES §4, A3, A8). Anthropic models keep
// the thinking of the assistant turn in progress (the tool loop since the
// last user prompt) in context; Opus 4.5+ and Sonnet 4.6+ also keep the
// thinking of earlier turns (re-billed as input, ⚠ inferred), older models
// and Haiku drop it. Other providers do not re-send reasoning. What the
// log shows of a thinking block (its text) is what is counted; a log with
// usage already holds it in reported input: the counts include it, so the
// hidden prefix fitted against reported input does not.

// ThinkFrom is the first message whose thinking a call to model m carries
// (has: the conversation shows thinking): none (the call itself) for
// providers that drop it, the current exchange's start for Anthropic, the
// start for models that keep every turn's.
func (c *Conv) ThinkFrom(ci *CallInfo, m *price.Model, has bool) int {
	switch {
	case !has || m == nil || m.Provider != "anthropic":
		return ci.Msg
	case m.KeepsAllThinking():
		return 0
	}
	return c.Exchanges[ci.Exchange]
}
