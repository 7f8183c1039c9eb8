package price

import (
	"regexp"
	"strconv"
	"sync"

	"github.com/tokenscope/tokenscope/transcripts"
)

// Thinking in history (PROVIDER-RULES §4, A3, A8): see KeepsAllThinking.

// claudeVersion is compiled on first use, not at start (cold start of
// commands that never bill).
var claudeVersion = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`claude-(opus|sonnet|haiku)-(\d+)-(\d+)`)
})

// KeepsAllThinking reports whether m keeps earlier turns' thinking.
func (m *Model) KeepsAllThinking() bool {
	if m == nil || m.Provider != "anthropic" {
		return false
	}
	v := claudeVersion().FindStringSubmatch(m.ID)
	if v == nil {
		return false
	}
	major, _ := strconv.Atoi(v[2])
	minor, _ := strconv.Atoi(v[3])
	switch v[1] {
	case "opus":
		return major > 4 || (major == 4 && minor >= 5)
	case "sonnet":
		return major > 4 || (major == 4 && minor >= 6)
	}
	return false
}

// Billed prices reported usage u as the provider billed it on model p, with
// the cache reads and writes it reports, at batch rates when batch.
func (p *Model) Billed(u *transcripts.Usage, batch bool) Money {
	r := p.RatesFor(u.InputTokens)
	if batch {
		r = p.Batched(r)
	}
	w1h := min(u.CacheWrite1hTokens, u.CacheWriteTokens)
	w5m := u.CacheWriteTokens - w1h
	uncached := max(0, u.InputTokens-u.CachedInputTokens-u.CacheWriteTokens)
	return r.Input.Cost(uncached).Add(r.CachedInput.Cost(u.CachedInputTokens)).
		Add(r.CacheWrite5m.Cost(w5m)).Add(r.CacheWrite1h.Cost(w1h)).Add(r.Output.Cost(u.OutputTokens))
}

// Estimate prices a call before it is sent: input tokens at the model's
// list input price (no cache discount assumed) plus maxOutput tokens at
// its output price.
func (p *Model) Estimate(input, maxOutput int64) Money {
	r := p.RatesFor(input)
	return r.Input.Cost(input) + r.Output.Cost(maxOutput)
}
