package profile

import (
	"time"
)

// CacheStep is cache[:ttl=5m|1h]: the provider's prompt caching. A call
// reads from cache the prefix it shares with the previous call (spans
// compared in order), when that call was within TTL and, for explicit
// caching, long enough to be cached; explicit caching writes the rest.
type CacheStep struct {
	TTL time.Duration
}

var cacheKind = &StepKind{
	Name:  "cache",
	Usage: "cache[:ttl=5m|1h]",
	Doc:   "prompt caching: the prefix shared with the previous call is read from cache (explicit caching writes the rest)",
	Stage: StagePrice,
	Parse: func(args string, hasArgs bool) (Step, error) {
		c := &CacheStep{TTL: 5 * time.Minute}
		if !hasArgs {
			return c, nil
		}
		kv, err := parseArgs(args)
		if err != nil {
			return nil, err
		}
		for _, k := range sortedKeys(kv) {
			v := kv[k]
			if k != "ttl" {
				return nil, badArg(k+"="+v, "unknown cache key %q (allowed: ttl)", k)
			}
			switch v {
			case "5m":
				c.TTL = 5 * time.Minute
			case "1h":
				c.TTL = time.Hour
			default:
				return nil, badArg(k+"="+v, "ttl must be 5m or 1h")
			}
		}
		return c, nil
	},
}

// Kind returns the cache kind.
func (*CacheStep) Kind() *StepKind { return cacheKind }

func (c *CacheStep) String() string {
	if c.TTL == time.Hour {
		return "cache:ttl=1h"
	}
	return "cache"
}

func (c *CacheStep) start(*convView) stepState { return &cacheState{ttl: int64(c.TTL.Seconds())} }

// cacheState remembers what the previous call of the conversation sent.
type cacheState struct {
	ttl   int64 // seconds
	ok    bool
	spans []span
	total int64
	at    int64 // unix seconds, 0 unknown
}

func (st *cacheState) apply(p *callPlan) {
	var at int64
	if !p.ci.at.IsZero() {
		at = p.ci.at.Unix()
	}
	p.writeTTL = st.ttl
	if model := p.model; model != nil && model.Caching.Mode != CachingNone {
		rule := model.Caching
		var shared int64
		if st.ok && (at == 0 || st.at == 0 || at-st.at <= st.ttl) &&
			(rule.Mode != CachingExplicit || st.total >= rule.MinPrefix) {
			shared = min(sharedPrefix(st.spans, p.spans), p.total)
		}
		if shared >= rule.MinPrefix && shared > 0 {
			p.call.Cached = rule.MinPrefix + (shared-rule.MinPrefix)/rule.Granularity*rule.Granularity
		}
		if rule.Mode == CachingExplicit && p.total >= rule.MinPrefix {
			p.call.CacheWrite = p.total - p.call.Cached
		}
	}
	st.ok, st.total, st.at = true, p.total, at
	st.spans = append(st.spans[:0], p.spans...)
}
