package strategy

import (
	"strings"
	"time"

	"github.com/tokenscope/tokenscope/profile/price"
)

// CacheStep is cache[:ttl=5m|1h]: the provider's prompt caching as apps
// use it. Explicit caching (Anthropic) puts the breakpoint at the end of
// what the call sends: the call reads the longest prefix still cached (what
// the previous call sent, spans compared in order, within the TTL) and
// writes the rest, so a growing conversation writes only its new tail.
// Automatic caching (OpenAI) reads the shared prefix floored to the
// provider's granularity, above its minimum, and writes nothing. Across
// conversations of one source the shared system prompt and tools are read
// when another conversation used them within the TTL (sources.go).
type CacheStep struct {
	// TTL of the cache; 0 follows the log (1 hour when most of its
	// reported writes were 1-hour ones) on the logged model, else 5
	// minutes.
	TTL time.Duration
	// Ideal reads all a best-effort cache could serve, not the share the
	// log shows it served (served.go).
	Ideal bool
}

var cacheKind = &StepKind{
	Name:  "cache",
	Usage: "cache[:ttl=5m|1h,served=log|ideal]",
	Doc:   "prompt caching as apps use it: the prefix cached by the previous call (or by the source's other conversations) is read, the new tail written; TTL as the log shows unless given; a best-effort cache (OpenAI, Gemini implicit) serves the share the log shows it served unless served=ideal",
	Stage: StagePrice,
	Order: 80,
	Parse: func(args string, hasArgs bool) (Step, error) {
		c := &CacheStep{}
		if !hasArgs {
			return c, nil
		}
		err := eachArg(args, "cache", []string{"served", "ttl"}, func(k, v string) error {
			if k == "served" {
				switch v {
				case "log":
				case "ideal":
					c.Ideal = true
				default:
					return badArg(k+"="+v, "served must be log or ideal")
				}
				return nil
			}
			switch v {
			case "5m":
				c.TTL = 5 * time.Minute
			case "1h":
				c.TTL = time.Hour
			default:
				return badArg(k+"="+v, "ttl must be 5m or 1h")
			}
			return nil
		})
		return c, err
	},
}

// Kind returns the cache kind.
func (*CacheStep) Kind() *StepKind { return cacheKind }

func (c *CacheStep) String() string {
	var args []string
	switch c.TTL {
	case time.Hour:
		args = append(args, "ttl=1h")
	case 5 * time.Minute:
		args = append(args, "ttl=5m")
	}
	if c.Ideal {
		args = append(args, "served=ideal")
	}
	if len(args) == 0 {
		return "cache"
	}
	return "cache:" + strings.Join(args, ",")
}

func (c *CacheStep) Start(v *View) State {
	ttl := int64(c.TTL.Seconds())
	if ttl == 0 && (v.Model == nil || v.Model == v.Conv.Model) {
		// The log's TTL is its app's choice with its provider; priced on
		// another model (model=), the default holds.
		ttl = v.Conv.LogTTL
	}
	if ttl == 0 {
		ttl = 300
	}
	return &cacheState{ttl: ttl, conv: v.Conv, env: v.Env, ideal: c.Ideal}
}

// cacheState remembers, per model the conversation's calls were priced
// on, what the last call sent to it: a provider's cache is per model, so a
// call routed elsewhere neither reads nor keeps warm the other's prefix.
type cacheState struct {
	ideal bool  // read all a best-effort cache could serve
	ttl   int64 // seconds
	conv  *Conv
	env   Env
	last  []cacheEntry
}

// cacheEntry is what the last call sent to one model.
type cacheEntry struct {
	model *price.Model
	spans []Span
	total int64
	at    int64 // unix seconds, 0 unknown
}

func (st *cacheState) entry(m *price.Model) *cacheEntry {
	for i := range st.last {
		if st.last[i].model == m {
			return &st.last[i]
		}
	}
	return nil
}

func (st *cacheState) Apply(p *Plan) {
	if p.Served {
		// Answered by a response cache: nothing reached the provider, so
		// nothing was read, written or kept warm.
		return
	}
	var at int64
	if !p.Info.At.IsZero() {
		at = p.Info.At.Unix()
	}
	p.WriteTTL = st.ttl
	prev := st.entry(p.Model)
	if model := p.Model; model != nil && model.Caching.Mode != price.CachingNone {
		rule := st.rule(model)
		var shared int64
		own := prev != nil && (at == 0 || prev.at == 0 || at-prev.at <= st.ttl) &&
			(rule.Mode != price.CachingExplicit || prev.total >= rule.MinPrefix)
		if own {
			shared = min(SharedPrefix(prev.spans, p.Spans), p.Total)
		}
		// The source's prefix: kept warm by another conversation within
		// the TTL, or warm in the log at its first call — on the model the
		// conversation is priced on, not one a call was routed to. Warm
		// only as the log shows, no call of the log wrote it (fromLog).
		var fromLog int64
		if src := st.conv.Shared; src > shared && !p.Call.Routed {
			n := min(src, leading(p.Spans), p.Total)
			if st.env.Warm(at, st.ttl) {
				shared = n
			} else if len(st.last) == 0 && st.conv.Warm {
				shared, fromLog = n, n-shared
			}
		}
		// The history another conversation of the source sent within
		// the TTL (a resumed session's copied turns, a re-run).
		if !p.Call.Routed {
			if n := st.historyRead(p, at, shared-fromLog); n > shared-fromLog {
				fromLog = max(0, shared-n)
				shared = max(shared, min(n, p.Total))
			}
		}
		if b := p.Info.BreakAt; b >= 0 {
			shared = min(shared, b) // the log shows the app's prefix changed there
		}
		if b := prefixChange(p); b >= 0 {
			shared = min(shared, b) // the request shows its prefix changed there
		}
		if shared >= rule.MinPrefix && shared > 0 {
			p.Call.Cached = rule.MinPrefix + (shared-rule.MinPrefix)/rule.Granularity*rule.Granularity
			p.Call.Cached = st.servedShare(p.Call.Cached, model, rule)
			p.Call.CachedFromLog = min(fromLog, p.Call.Cached)
			p.Call.CachedOwn = own && prev.total > 0
		}
		if rule.Mode == price.CachingExplicit && p.Total >= rule.MinPrefix {
			p.Call.CacheWrite = p.Total - p.Call.Cached
			p.Call.CacheWrite1h = p.Call.CacheWrite > 0 && st.ttl >= 3600
		}
	}
	if prev == nil {
		st.last = append(st.last, cacheEntry{model: p.Model})
		prev = &st.last[len(st.last)-1]
	}
	prev.total, prev.at = p.Total, at
	prev.spans = append(prev.spans[:0], p.Spans...)
}

// rule is how model caches for this conversation: its provider's rule,
// but explicit where the log shows the app asked for explicit caching on
// the logged model (Conv.WritesBilled): the breakpoint at the end, the rest
// written at the model's write rate, and no 128-token steps (PROVIDER-RULES
// §1 O1, O3, GPT-5.6+ ⚠). Another model (model=) caches as its provider does.
func (st *cacheState) rule(model *price.Model) price.CachingRule {
	rule := model.Caching
	if st.conv.WritesBilled && model == st.conv.Model && rule.Mode == price.CachingAutomatic {
		rule.Mode, rule.Granularity = price.CachingExplicit, 1
	}
	return rule
}

// prefixChange is where the call's request, as the log holds it, stopped
// sending what the call before it sent (transcripts.PrefixChange): tool
// schemas changed break the prefix from the start, a system prompt changed
// after the tool schemas; -1 when nothing changed.
func prefixChange(p *Plan) int64 {
	ch := p.View.Conv.Changes[int32(p.Info.Msg)]
	if ch == nil {
		return -1
	}
	switch ch.Part {
	case "tools":
		return 0
	case "system":
		var n int64
		for _, s := range p.Spans {
			if s.Kind != SpanUnlogged && s.Kind != SpanToolDefs {
				break
			}
			n += s.Tokens
		}
		return n
	}
	return -1
}

// leading is the tokens of the spans every call sends before its messages
// (hidden prefix, tool schemas, system): the most a source can share.
func leading(spans []Span) int64 {
	var n int64
	for _, s := range spans {
		if s.Kind != SpanUnlogged && s.Kind != SpanToolDefs && s.Kind != SpanSystem {
			break
		}
		n += s.Tokens
	}
	return n
}

// servedShare scales what the cache step reads on a best-effort cache by
// the share the log shows its provider served (none when the log measured
// nothing for that provider, or the step asks for the ideal).
func (st *cacheState) servedShare(cached int64, model *price.Model, rule price.CachingRule) int64 {
	c := st.conv
	if st.ideal || model == nil || rule.Mode != price.CachingAutomatic || model.Provider != c.ServedBy || c.ServedDen <= 0 {
		return cached
	}
	return cached * c.ServedNum / c.ServedDen
}

// historyRead is how many leading tokens of what the call of p sends
// another conversation of its source sent within the TTL before at
// (Env.HistoryWarm): the longest history before one of the conversation's
// assistant messages, up to the call's own, that such a call sent, with
// what comes before the messages. It reads only a plan that sends the
// history as the log holds it (no window, summary or edit); 0 when no
// such call was made, or it would not read more than have.
func (st *cacheState) historyRead(p *Plan, at, have int64) int64 {
	v := p.View
	if p.Summary.Version > 0 || len(p.edits) > 0 {
		return 0
	}
	for i := 0; i < p.Lo; i++ {
		// Lo skips the leading system messages, which are sent whatever
		// the window: only a dropped message changes the history.
		if v.Conv.Roles[i] != System {
			return 0
		}
	}
	lead := leading(p.Spans)
	for k := min(p.Info.Msg, len(v.Conv.Roles)-1); k >= 0; k-- {
		if v.Conv.Roles[k] != Assistant {
			continue
		}
		n := lead + v.Sent(0, k) + v.Thinking(0, k, p.ThinkFrom)
		if n <= have {
			return 0
		}
		if st.env.HistoryWarm(k, at, st.ttl) {
			return n
		}
	}
	return 0
}

func init() { Register(cacheKind) }
