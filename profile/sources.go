package profile

import (
	"fmt"
	"hash/maphash"
	"path/filepath"
	"slices"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/profile/strategy"
)

// Conversations of one source (a Claude Code project, a directory of logs
// of one app, on one model, with the same system messages and tools as
// far as the log holds them) send the same leading prefix, its system prompt and tool
// schemas, and a provider's cache serves it to whichever conversation
// comes next within the TTL. The cache step reads it from there: a
// conversation's first call, or a call after its own cache expired, finds
// the source's prefix warm when another conversation of the source made a
// call within the TTL before it, or when the log shows it warm (its first
// call reported reading at least that much from cache: the app's earlier
// sessions, not in the log, had written it).

// sharedPrefix sets what of pc's prefix its source shares and under which
// key: what every call sends before the first message (hidden prefix,
// tool schemas, system messages), or, where the log's first call reports a
// cache read below that, the read — the part the provider found cached,
// which for Claude Code is its tools and system prompt (~18k tokens) while
// the rest of the hidden prefix (reminders in the first message) is new.
func (pc *preparedConv) sharedPrefix(k *counts) {
	if len(pc.Calls) == 0 {
		return
	}
	first := pc.Calls[0]
	prefix := pc.hidden + k.ToolDefs
	for i := 0; i < first.Msg; i++ {
		if pc.Roles[i] == strategy.System {
			prefix += k.Content[i] + k.Framing[i]
		}
	}
	if p := k.PromptAt(first.Msg); p != nil {
		prefix = pc.hidden + p.ToolDefs + p.SystemFramed
	}
	pc.Shared = prefix
	if u := first.Reported; u != nil {
		ttl := int64(0)
		var w, w1h int64
		for _, ci := range pc.Calls {
			if ci.Reported != nil {
				w += ci.Reported.CacheWriteTokens
				w1h += min(ci.Reported.CacheWrite1hTokens, ci.Reported.CacheWriteTokens)
			}
		}
		pc.WritesBilled = w > 0 && first.Logged != nil && first.Logged.Caching.Mode == price.CachingAutomatic
		switch {
		case pc.WritesBilled:
			// OpenAI's explicit caching: prompt_cache_options.ttl takes
			// only "30m" (PROVIDER-RULES §1 O1, O3).
			ttl = 30 * 60
		case w > 0 && 2*w1h >= w:
			ttl = 3600
		case w > 0:
			ttl = 300
		}
		pc.LogTTL = ttl
		if u.CachedInputTokens > 0 {
			pc.Shared = min(prefix, u.CachedInputTokens)
			pc.Warm = true
		}
	}
	dir := filepath.Dir(pc.sk.path)
	if filepath.Base(dir) == "subagents" {
		dir = filepath.Dir(filepath.Dir(dir))
	}
	// What the log holds of the prefix must be the same text, not only
	// the same length (skeleton.prefixHash).
	pc.source = fmt.Sprintf("%s\x00%s\x00%d\x00%x", dir, pc.modelID, pc.Shared, pc.sk.prefixHash)
	var h maphash.Hash
	h.SetSeed(histSeed)
	h.WriteString(dir)
	h.WriteByte(0)
	h.WriteString(pc.modelID)
	pc.histBase = h.Sum64()
}

// sourceIndex lists, per source key, when its conversations made calls.
// Conversations are known by their index in the run, so that a re-run of
// edited conversations (a finding) uses the index of the log as read: an
// edit applied to every conversation keeps their sources and call times.
type sourceIndex struct {
	calls map[string][]sourceCall // sorted by time
	keys  []string                // by conversation index
	// sent lists, per history key (history.go), the calls that sent
	// that history, sorted by time.
	sent map[uint64][]sourceCall
	// untimed lists, per history key of one file, the conversations
	// whose untimed calls sent that history, in order.
	untimed map[uint64][]int
}

type sourceCall struct {
	at   int64 // unix seconds
	conv int   // index of the conversation
}

func indexSources(pcs []*preparedConv) *sourceIndex {
	ix := newSourceIndex()
	for _, pc := range pcs {
		ix.add(pc)
	}
	ix.sort()
	return ix
}

func newSourceIndex() *sourceIndex { return &sourceIndex{calls: map[string][]sourceCall{}} }

// add indexes pc, the conversation of index pc.idx, the next in order.
func (ix *sourceIndex) add(pc *preparedConv) {
	ix.keys = append(ix.keys, pc.source)
	ix.addSent(pc)
	if pc.Shared == 0 {
		return
	}
	for _, ci := range pc.Calls {
		if !ci.At.IsZero() {
			ix.calls[pc.source] = append(ix.calls[pc.source], sourceCall{ci.At.Unix(), pc.idx})
		}
	}
}

// sort orders each source's calls by time, once every conversation is in.
func (ix *sourceIndex) sort() {
	for _, cs := range ix.calls {
		slices.SortStableFunc(cs, func(a, b sourceCall) int { return int(a.at - b.at) })
	}
	for _, cs := range ix.sent {
		slices.SortStableFunc(cs, func(a, b sourceCall) int { return int(a.at - b.at) })
	}
}

// warm reports whether another conversation of pc's source made a call in
// the ttl seconds up to at (inclusive), so that the source's prefix is
// still cached.
func (ix *sourceIndex) warm(pc *preparedConv, at, ttl int64) bool {
	if ix == nil || at == 0 || pc.Shared == 0 || pc.idx >= len(ix.keys) {
		return false
	}
	cs := ix.calls[ix.keys[pc.idx]]
	i, _ := slices.BinarySearchFunc(cs, at+1, func(c sourceCall, t int64) int { return int(c.at - t) })
	for i--; i >= 0 && cs[i].at >= at-ttl; i-- {
		if cs[i].conv != pc.idx {
			return true
		}
	}
	return false
}

// cacheBreaks marks the calls on which the log shows the app's cached
// prefix broke: within the TTL of the previous call, the call read less
// than 90% of what that call was sent (apps read all of it but the few
// tokens after their last breakpoint). Something before the end of the
// prefix changed that the log does not hold (Claude Code reloads its MCP
// tool schemas on /mcp; an app edits its system prompt), so every cached
// strategy must rewrite from there too. Expiry is not a break: the cache
// step models it. Only explicit caching says this much: automatic caching
// (OpenAI) is best-effort and reads in steps, so a short read is normal.
func (pc *preparedConv) cacheBreaks() {
	ttl := pc.cacheTTL()
	var prev *callInfo
	for i := range pc.Calls {
		ci := &pc.Calls[i]
		ci.BreakAt = -1
		u := ci.Reported
		if u == nil {
			continue
		}
		explicit := ci.Logged != nil && ci.Logged.Caching.Mode == price.CachingExplicit
		if explicit && prev != nil && !ci.At.IsZero() && !prev.At.IsZero() && ci.At.Unix()-prev.At.Unix() <= ttl &&
			10*u.CachedInputTokens < 9*prev.Reported.InputTokens && (u.CachedInputTokens > 0 || u.CacheWriteTokens > 0) {
			ci.BreakAt = u.CachedInputTokens
		}
		prev = ci
	}
}

// cacheTTL is the cache TTL the log shows, in seconds, or the default
// 5 minutes when it shows none.
func (pc *preparedConv) cacheTTL() int64 {
	if pc.LogTTL == 0 {
		return 300
	}
	return pc.LogTTL
}
