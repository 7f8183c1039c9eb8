package profile

import (
	"github.com/tokenscope/tokenscope/profile/price"
)

// A log can report cache reads that no call it holds explains: a first
// call that finds its prefix cached by an earlier identical request (an
// earlier run, a session not in the log), a read after the conversation's
// own cache expired with no other conversation of its source in the TTL.
// The cache step reads what the log shows warm at a conversation's first
// call (sources.go), so the replay still matches the bill; the check says
// how much of the bill rests on such reads rather than hiding it.

// Unexplained sums the calls whose reported cache reads exceed, by at
// least unexplainedMin tokens and a tenth of the read, what the replay
// reads from calls the log holds (the source's prefix, another
// conversation's history): Tokens is the excess. A call that read its own
// conversation's prefix is explained; the rest of its read differs by
// estimation (one hidden prefix per conversation), not by a prefix from
// elsewhere.
type Unexplained struct {
	Calls  int
	Tokens int64
}

// unexplainedMin is the smallest excess counted: below it a read differs
// from the replay's by estimation (the hidden prefix is one figure per
// conversation) or by a provider's steps, not by a prefix from elsewhere.
const unexplainedMin = 1024

func (u *Unexplained) add(o Unexplained) {
	u.Calls += o.Calls
	u.Tokens += o.Tokens
}

// addCall adds c, simulated with the log's usage on model p, when its
// reported reads exceed what the replay explains. A best-effort cache
// (automatic) reads by chance: the replay reads an expected share, so
// only a read where the replay could read nothing counts.
func (u *Unexplained) addCall(c *Call, p *price.Model) {
	r := c.Reported
	if r == nil || p.Caching.Mode == price.CachingNone || r.CachedInputTokens <= 0 || c.CachedOwn {
		return
	}
	explained := max(0, c.Cached-c.CachedFromLog)
	if p.Caching.Mode != price.CachingExplicit && explained > 0 {
		return
	}
	d := r.CachedInputTokens - explained
	if d >= unexplainedMin && 10*d >= r.CachedInputTokens {
		u.Calls++
		u.Tokens += d
	}
}
