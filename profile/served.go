package profile

import (
	"github.com/tokenscope/tokenscope/profile/price"
)

// Best-effort caches (OpenAI's automatic caching, Gemini's implicit
// caching, DeepSeek's disk cache) serve a prefix when they happen to hold
// it: real logs show reads of 5,504, then 0, 0, 0, 0, then 9,088 on a
// prefix that only grew. The cache step would read all of it. Where the
// log reports usage, it says how much of the cacheable prefix the provider
// actually served; the cache step reads that share of what it could read
// (an expectation over the calls, not a guess per call), unless asked for
// the ideal (cache:served=ideal). Explicit caching (Anthropic's
// cache_control) is not best-effort: it is never scaled.

// served is what a log shows a best-effort cache served: of the prefix
// each call could have read (what the call before it sent, within the
// TTL, floored to the provider's steps, above its minimum), the part its
// reported cache reads cover.
type served struct {
	provider        string // the provider the share was measured on
	read, cacheable int64
}

// share returns the served share as a fraction read/cacheable, or ok false
// when the log measured none.
func (s served) share() (num, den int64, ok bool) {
	if s.cacheable <= 0 {
		return 0, 0, false
	}
	return min(s.read, s.cacheable), s.cacheable, true
}

func (s *served) add(o served) {
	if s.provider == "" {
		s.provider = o.provider
	} else if o.provider != "" && o.provider != s.provider {
		s.provider = "mixed"
	}
	s.read += o.read
	s.cacheable += o.cacheable
}

func pct(num, den int64) int64 {
	if den == 0 {
		return 0
	}
	return (100*num + den/2) / den
}

// measureServed sets pc.served from the calls' reported usage on models
// whose caching is automatic (best-effort).
func (pc *preparedConv) measureServed() {
	pc.served = served{}
	ttl := pc.cacheTTL()
	var prev *callInfo
	for i := range pc.Calls {
		ci := &pc.Calls[i]
		u := ci.Reported
		if u == nil || ci.Logged == nil || ci.Logged.Caching.Mode != price.CachingAutomatic {
			prev = nil
			continue
		}
		if prev != nil && (ci.At.IsZero() || prev.At.IsZero() || ci.At.Unix()-prev.At.Unix() <= ttl) {
			rule := ci.Logged.Caching
			could := min(prev.Reported.InputTokens, u.InputTokens)
			if could >= rule.MinPrefix && rule.MinPrefix > 0 {
				could = rule.MinPrefix + (could-rule.MinPrefix)/rule.Granularity*rule.Granularity
			} else if could < rule.MinPrefix {
				could = 0
			}
			if could > 0 {
				pc.served.provider = ci.Logged.Provider
				pc.served.cacheable += could
				pc.served.read += min(u.CachedInputTokens, could)
			}
		}
		prev = ci
	}
}
