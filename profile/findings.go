package profile

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tokenscope/tokenscope/profile/strategy"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/profile/tokenize"
	"github.com/tokenscope/tokenscope/transcripts"
)

// The kinds of finding.
const (
	FindingCacheBreaker = "cache_breaker"
	FindingDeadTool     = "dead_tool"
	FindingMarginal     = "marginal"
	FindingBestStrategy = "best_strategy"
	// FindingUnpriced is the one finding of a log whose calls are all
	// unpriced: no dollar figure can be given.
	FindingUnpriced = "unpriced"
)

// Finding is one thing to change in a log, with what it costs over the log.
type Finding struct {
	Kind         string `json:"kind"`
	Conversation string `json:"conversation,omitempty"`
	Call         int    `json:"call,omitempty"` // 1-based within its conversation
	Tool         string `json:"tool,omitempty"`
	Spec         string `json:"spec,omitempty"` // best_strategy: the spec to paste
	// USD is the effect over the log: what the defect costs, what the
	// marginal item costs, or what the strategy saves.
	// Null for the unpriced finding: money not known is never 0.
	USD *float64 `json:"usd"`
	// MonthlyUSD projects USD at --per-day conversations a day.
	MonthlyUSD *float64    `json:"monthly_usd,omitempty"`
	Text       string      `json:"text"`
	Cost       price.Money `json:"-"`
	// MonthlyText is MonthlyUSD as shown.
	MonthlyText string `json:"-"`
}

// FindingsOptions configure Findings.
type FindingsOptions struct {
	Prices *price.Table
	Model  string // --model, as the profile was run
	PerDay int64
	// Basis is the spec of what the app did; "" picks it from the log
	// (basisSpecOf).
	Basis string
}

// basisSpecOf is the strategy that mirrors what the app did: "cache" when
// the log reports cache reads or writes (the provider cached, so the bill
// did), else "full".
func basisSpecOf(sks []*skeleton) string {
	for _, sk := range sks {
		if sk.cacheUsage {
			return "cache"
		}
	}
	return "full"
}

// appSpecOf is the one definition of "what the app did" that the report's
// replay check, the findings and tune share: the strategy the engine
// replays against the bill (res.Fidelity.Spec, see appSpec) when every
// conversation agrees on it, else basisSpecOf. res may be nil.
func appSpecOf(sks []*skeleton, res *Result) string {
	if res != nil && res.Fidelity != nil && res.Fidelity.Spec != "" && !strings.Contains(res.Fidelity.Spec, ", ") {
		return res.Fidelity.Spec
	}
	return basisSpecOf(sks)
}

// Findings lists what to change in convs, biggest effect first: cache
// breakers, tool schemas sent but (almost) never called, the marginal price
// of prompt material, and the cheapest strategy of res. Dollar effects are
// exact re-simulations of the basis strategy with the defect removed (or
// the item added), not estimates from averages.
//
// convs are the conversations res was run on; when res comes from a run
// (Run, Prepared.Run, Load) their counts are taken from it and convs is
// not read.
func Findings(convs []*transcripts.Conversation, res *Result, opt FindingsOptions) ([]Finding, error) {
	if opt.Prices == nil {
		opt.Prices = price.Default()
	}
	prep := (*Prepared)(nil)
	if res != nil && res.prep != nil && len(res.prep.pcs) == len(res.Conversations) {
		prep = res.prep
	} else {
		p, err := Prepare(convs, Options{Prices: opt.Prices, Model: opt.Model})
		if err != nil {
			return nil, err
		}
		prep = p
	}
	pcs := prep.pcs
	f := &finder{opt: opt, ix: prep.e.sources}
	for _, pc := range pcs {
		f.sks = append(f.sks, pc.sk)
		fit := pc.sk.fit
		if fit == nil {
			fit = &skeletonFit{hidden: pc.hidden, scale: pc.info.Calibration}
		}
		f.fits = append(f.fits, fit)
	}
	return f.find(res)
}

func (f *finder) find(res *Result) ([]Finding, error) {
	opt := f.opt
	if opt.Basis == "" {
		opt.Basis = appSpecOf(f.sks, res)
		f.opt.Basis = opt.Basis
	}
	if AllUnpriced(res) {
		// Every dollar would be $0.00: say why once instead.
		return []Finding{{Kind: FindingUnpriced, Text: fmt.Sprintf("unpriced: %s — pass --model", UnpricedReason(res))}}, nil
	}
	basis, err := strategy.Parse(opt.Basis)
	if err != nil {
		return nil, err
	}
	f.basis = basis
	// The basis as the profile ran it, when it is among its strategies.
	found := false
	if res != nil {
		for _, s := range res.Strategies {
			if s.Strategy.String() == basis.String() {
				f.base, found = s.Totals, true
				break
			}
		}
	}
	if !found {
		if f.base, err = f.cost(f.asRead); err != nil {
			return nil, err
		}
	}
	// The re-simulations are independent: one goroutine each kind. What
	// they count is counted first, as they share the skeletons.
	ensureEncodings(f.sks, []*strategy.Strategy{f.basis}, Options{Prices: opt.Prices, Model: opt.Model}, true)
	var (
		dead, marg       []Finding
		best             *Finding
		errDead, errMarg error
		errBest          error
		wg               sync.WaitGroup
	)
	wg.Go(func() { dead, errDead = f.deadTools() })
	wg.Go(func() { marg, errMarg = f.marginals() })
	wg.Go(func() { best, errBest = f.bestStrategy() })
	wg.Wait()
	if err := errors.Join(errDead, errMarg, errBest); err != nil {
		return nil, err
	}
	var out []Finding
	out = append(out, f.cacheBreakers(res)...)
	out = append(out, dead...)
	// Defects first, by what they cost; then the cheapest strategy; then
	// the marginal prices, which are facts rather than defects.
	sort.SliceStable(out, func(i, j int) bool { return out[i].Cost > out[j].Cost })
	if best != nil {
		out = append(out, *best)
	} else if b, ok := bestStrategy(res); ok {
		out = append(out, b)
	}
	out = append(out, marg...)
	calling := f.callingConvs()
	multi := calling > 1
	for i := range out {
		if multi && out[i].Conversation != "" {
			// "call 3" alone is ambiguous across conversations.
			out[i].Text = out[i].Conversation + ": " + out[i].Text
		}
		usd := out[i].Cost.USD()
		out[i].USD = &usd
		if opt.PerDay > 0 && out[i].Cost != 0 {
			// Findings are over the whole log: project their share of
			// one conversation, like the strategies' costs.
			p := Monthly(out[i].Cost, calling, opt.PerDay)
			v := p.USD()
			out[i].MonthlyUSD, out[i].MonthlyText = &v, p.String()
		}
	}
	return out, nil
}

// callingConvs counts the conversations that make a call.
func (f *finder) callingConvs() int64 {
	var n int64
	for _, sk := range f.sks {
		if sk.calls() > 0 {
			n++
		}
	}
	return n
}

type finder struct {
	sks   []*skeleton
	ix    *sourceIndex   // the sources of the log as read
	fits  []*skeletonFit // each skeleton's hidden prefix and calibration, kept by edits
	opt   FindingsOptions
	basis *strategy.Strategy
	base  Totals
}

// cost runs the basis strategy over the conversations skel returns, one
// at a time.
func (f *finder) cost(skel func(j int) *skeleton) (Totals, error) {
	r, err := runTotals(len(f.sks), skel, f.ix, Options{Prices: f.opt.Prices, Model: f.opt.Model, Strategies: []*strategy.Strategy{f.basis}})
	if err != nil {
		return Totals{}, err
	}
	return r.Strategies[0].Totals, nil
}

// asRead returns the skeletons as read, for cost.
func (f *finder) asRead(j int) *skeleton { return f.sks[j] }

// edited returns the skeletons changed by edit, for cost: each is copied
// and changed when the run comes to it, keeping the hidden prefix and
// calibration of the log as read.
func (f *finder) edited(edit func(sk *skeleton)) func(j int) *skeleton {
	return func(j int) *skeleton {
		c := f.sks[j].clone()
		c.fit = f.fits[j]
		edit(c)
		return c
	}
}

// deadTools finds tool schemas sent on every call but called on fewer than
// one call in twenty. The effect is the basis re-run without the schema.
func (f *finder) deadTools() ([]Finding, error) {
	type tally struct {
		sentOn, used int
	}
	tools := map[string]*tally{}
	var names []string
	for _, sk := range f.sks {
		calls := sk.calls()
		for _, t := range sk.tools {
			tt := tools[t.name]
			if tt == nil {
				tt = &tally{}
				tools[t.name] = tt
				names = append(names, t.name)
			}
			tt.sentOn += calls
		}
	}
	for _, sk := range f.sks {
		for name, n := range sk.toolCalls {
			if tt := tools[name]; tt != nil {
				tt.used += n
			}
		}
	}
	var out []Finding
	for _, name := range names {
		tt := tools[name]
		if tt.sentOn == 0 || tt.used*20 >= tt.sentOn {
			continue
		}
		without := f.edited(func(sk *skeleton) {
			sk.tools = slices.DeleteFunc(sk.tools, func(t toolSkel) bool { return t.name == name })
		})
		t, err := f.cost(without)
		if err != nil {
			return nil, err
		}
		saved := f.base.Cost - t.Cost
		perCall := (f.base.Input - t.Input) / int64(max(f.base.Calls, 1))
		used := "never called"
		switch {
		case tt.used == 1:
			used = "called once"
		case tt.used > 1:
			used = fmt.Sprintf("called %d times", tt.used)
		}
		out = append(out, Finding{Kind: FindingDeadTool, Tool: name, Cost: saved,
			Text: fmt.Sprintf("unused tool %q: %s tokens on %s, %s: %s",
				name, formatTokens(perCall), strategy.Plural(tt.sentOn, "call"), used, saved)})
	}
	return out, nil
}

// marginals prices 100 more tokens of system prompt, one more tool, and
// one more exchange of history over the log, each as a re-run of the basis.
func (f *finder) marginals() ([]Finding, error) {
	if f.base.Calls == 0 {
		return nil, nil
	}
	var out []Finding
	add := func(sks func(j int) *skeleton, what string, per int64) error {
		t, err := f.cost(sks)
		if err != nil {
			return err
		}
		d := t.Cost - f.base.Cost
		dIn := (t.Input - f.base.Input) / int64(f.base.Calls)
		if per > 0 && dIn > 0 {
			// Report per `per` tokens sent, whatever the tokenizer made of
			// the padding.
			d = price.Money(int64(d) * per / dIn)
		}
		if per == 0 && what != "" {
			what = fmt.Sprintf("%s (%s tokens a call)", what, formatTokens(dIn))
		}
		if what == "" {
			// The log has no tool: say the one added is made up.
			what = fmt.Sprintf("one more tool schema (a %s-token lookup tool)", formatTokens(dIn))
		}
		out = append(out, Finding{Kind: FindingMarginal, Cost: d, Text: fmt.Sprintf("%s: %s", what, d)})
		return nil
	}
	// The padding's counts in every encoding the log was counted in.
	encs := map[string]*tokenize.Tokenizer{}
	for _, sk := range f.sks {
		rawMu.RLock()
		var have []string
		for enc := range sk.raw {
			have = append(have, enc)
		}
		rawMu.RUnlock()
		for _, enc := range have {
			if _, ok := encs[enc]; !ok {
				t, _ := tokenize.NewTokenizer(enc, 1, false)
				encs[enc] = t
			}
		}
	}
	counted := func(text string) map[string]int32 {
		m := map[string]int32{}
		for enc, rt := range encs {
			m[enc] = rt.CountRaw(text)
		}
		return m
	}
	// 100 tokens of system prompt, measured on 1,000 so that caching's
	// granularity does not round the answer: appended to the first system
	// message, or sent as one.
	alone := counted(tokenize.Pad(1000))
	withSys := f.edited(func(sk *skeleton) {
		if len(sk.msgs) > 0 && sk.msgs[0].is(codeSystem) {
			sk.padSystem()
		} else {
			sk.insert(0, []skelMsg{{role: codeSystem}}, []map[string]int32{alone})
		}
	})
	if err := add(withSys, "100 tokens of system prompt", 100); err != nil {
		return nil, err
	}
	// One more tool like the log's median one (by schema tokens); a small
	// lookup tool when the log has none.
	type sized struct {
		t toolSkel
		n int64
	}
	var all []sized
	tok := f.tokenizer()
	for _, sk := range f.sks {
		for _, t := range sk.tools {
			if tr := t.rawFor(tok.Encoding); tr != nil {
				all = append(all, sized{t, tr.Tokens(tok) + tokenize.ToolDefsEnd})
			}
		}
	}
	var tool toolSkel
	toolWhat := "" // a made-up lookup tool (add says so)
	if len(all) > 0 {
		slices.SortStableFunc(all, func(a, b sized) int { return int(a.n - b.n) })
		tool = all[len(all)/2].t
		toolWhat = "one more tool schema"
	} else {
		lookup := transcripts.Tool{Name: "lookup", Description: "Look up a fact in the knowledge base",
			Parameters: []byte(`{"type":"object","properties":{"query":{"type":"string","description":"what to look up"}}}`)}
		tool = toolSkel{name: lookup.Name, raw: map[string]*tokenize.ToolRaw{}}
		for enc, rt := range encs {
			tool.raw[enc] = tokenize.ToolRawOf(lookup, rt)
		}
	}
	withTool := f.edited(func(sk *skeleton) { sk.tools = append(sk.tools, tool) })
	if err := add(withTool, toolWhat, 0); err != nil {
		return nil, err
	}
	// One more exchange of history: a user message and a reply that every
	// call re-sends, of 200 tokens each.
	ex := counted(tokenize.Pad(200))
	withEx := f.edited(func(sk *skeleton) {
		at := 0
		for at < len(sk.msgs) && sk.msgs[at].is(codeSystem) {
			at++
		}
		sk.insert(at, []skelMsg{{role: codeUser}, {role: codeAssistant, flags: flagReplayed}}, []map[string]int32{ex, ex})
	})
	if err := add(withEx, "one more exchange of history", 0); err != nil {
		return nil, err
	}
	return out, nil
}

// bestKeptPct is the context the best-strategy finding must keep: it
// recommends what keeps nearly everything the app sent (tune shows the
// rest of the frontier).
const bestKeptPct = 90

// bestStrategy searches caching, cache lifetimes, context clearing,
// compaction and cheaper models (no windows or summaries: they drop
// context) for the cheapest strategy that keeps at least bestKeptPct of the
// context, with no overflow and no cut replies; nil when none beats the
// basis.
func (f *finder) bestStrategy() (*Finding, error) {
	opt := TuneOptions{Prices: f.opt.Prices, Model: f.opt.Model, Basis: f.basis.Spec, MaxDroppedPct: 100 - bestKeptPct,
		keep: func(spec string) bool {
			return !strings.Contains(spec, "window:") && !strings.Contains(spec, "summary:")
		}}
	r, err := tuneSkeletons(f.sks, f.ix, opt)
	if err != nil || len(r.Frontier) == 0 {
		return nil, err
	}
	b := r.Frontier[0]
	saved := r.Basis.Cost - b.Cost
	if saved <= 0 || b.Spec == f.basis.Spec {
		return nil, nil
	}
	return &Finding{Kind: FindingBestStrategy, Spec: b.Spec, Cost: saved,
		Text: fmt.Sprintf("best (%d%%+ context kept): %s saves %s (%.1f%%) against what the app did (%s)", bestKeptPct, b.Spec, saved,
			RoundPct(100*float64(saved)/float64(r.Basis.Cost)), r.Basis.Spec)}, nil
}

// bestStrategy is the cheapest strategy of res with no overflowing call,
// against the first.
func bestStrategy(res *Result) (Finding, bool) {
	if res == nil || len(res.Strategies) < 2 {
		return Finding{}, false
	}
	first := res.Strategies[0].Totals
	best := -1
	for i, s := range res.Strategies {
		if i == 0 || s.Totals.Overflow > first.Overflow || s.Totals.Unpriced > 0 {
			continue
		}
		if best < 0 || s.Totals.Cost < res.Strategies[best].Totals.Cost {
			best = i
		}
	}
	if best < 0 || res.Strategies[best].Totals.Cost >= first.Cost {
		return Finding{}, false
	}
	s := res.Strategies[best]
	saved := first.Cost - s.Totals.Cost
	return Finding{Kind: FindingBestStrategy, Spec: s.Strategy.Spec, Cost: saved,
		Text: fmt.Sprintf("cheapest: %s saves %s (%.1f%%) against %s", s.Strategy.Spec, saved,
			RoundPct(s.Totals.SavingsPct(first)), res.Strategies[0].Strategy.Spec)}, true
}

// cacheBreakers lists calls whose request changed the prefix the previous
// call sent although the conversation only grew (transcripts.PrefixChange,
// seen by readers that keep each request whole), and calls whose reported
// cache reads fell while the input grew within the cache's lifetime. The
// effect is the prefix the break re-sent at the write (or input) price
// instead of the cached one.
func (f *finder) cacheBreakers(res *Result) []Finding {
	if res == nil || len(res.Strategies) == 0 {
		return nil
	}
	var out []breaker
	for j := range res.Strategies[0].Conversations {
		cr := &res.Strategies[0].Conversations[j]
		var sk *skeleton
		if j < len(f.sks) {
			sk = f.sks[j]
		}
		calls := res.conversationCalls(0, j)
		for i := 1; i < len(calls); i++ {
			prev, cur := &calls[i-1], &calls[i]
			model, ok := f.opt.Prices.Lookup(cur.Model)
			if !ok || model.Caching.Mode == price.CachingNone {
				continue
			}
			r := model.RatesFor(cur.Input.Total())
			miss := r.Input
			if model.Caching.Mode == price.CachingExplicit {
				miss = r.CacheWrite5m
			}
			var change *transcripts.PrefixChange
			if sk != nil && cur.Message < len(sk.msgs) {
				change = sk.changes[int32(cur.Message)]
			}
			var lost int64
			var what, detail string
			switch {
			case change != nil:
				// What the previous call sent beyond the unchanged part.
				keep := prev.Input.Unlogged
				if change.Part != "tools" {
					keep += prev.Input.ToolDefs
				}
				if change.Part == "message" {
					keep += prev.Input.System + messagesBefore(sk, model.Tokenizer(), change.Message)
				}
				lost = max(0, prev.Input.Total()-keep)
				what = change.Describe()
				if i := strings.Index(what, " ("); i >= 0 {
					what, detail = what[:i], what[i:]
				}
			case prev.Reported != nil && cur.Reported != nil && cur.Reported.InputTokens >= prev.Reported.InputTokens &&
				prev.Reported.CachedInputTokens+prev.Reported.CacheWriteTokens > cur.Reported.CachedInputTokens+model.Caching.MinPrefix &&
				withinTTL(sk, prev.Message, cur.Message):
				lost = prev.Reported.CachedInputTokens + prev.Reported.CacheWriteTokens - cur.Reported.CachedInputTokens
				what = "reported cache reads fell while the input grew"
				detail = fmt.Sprintf(" (%s → %s)", formatTokens(prev.Reported.CachedInputTokens+prev.Reported.CacheWriteTokens), formatTokens(cur.Reported.CachedInputTokens))
			default:
				continue
			}
			if lost <= 0 || prev.Input.Total() < model.Caching.MinPrefix {
				continue // below the minimum nothing was cached to break
			}
			cost := miss.Cost(lost) - r.CachedInput.Cost(lost)
			out = append(out, breaker{cause: what, detail: detail, lost: lost,
				f: Finding{Kind: FindingCacheBreaker, Conversation: cr.ID, Call: cur.Index, Cost: cost,
					Text: fmt.Sprintf("call %d: %s%s: %s tokens re-sent uncached: %s", cur.Index, what, detail, formatTokens(lost), cost)}})
		}
	}
	return mergeBreakers(out)
}

// mergeBreakers folds the breakers of one conversation with the same
// cause into one finding (a timestamp in the system prompt breaks every
// call): the first call, how many, and what they cost together.
func mergeBreakers(in []breaker) []Finding {
	var out []Finding
	idx := map[string]int{}
	var n []int
	var lost []int64
	var first []breaker
	for _, b := range in {
		key := b.f.Conversation + "\x00" + b.cause
		if j, ok := idx[key]; ok {
			out[j].Cost += b.f.Cost
			n[j]++
			lost[j] += b.lost
			continue
		}
		idx[key] = len(out)
		out = append(out, b.f)
		n, lost, first = append(n, 1), append(lost, b.lost), append(first, b)
	}
	for j := range out {
		if n[j] == 1 {
			continue
		}
		out[j].Text = fmt.Sprintf("%s on %d calls from call %d%s: %s tokens re-sent uncached: %s",
			first[j].cause, n[j], out[j].Call, first[j].detail, formatTokens(lost[j]), out[j].Cost)
	}
	return out
}

// breaker is one call's cache break before merging.
type breaker struct {
	f             Finding
	cause, detail string // "system prompt changed", ` ("…01" → "…02")`
	lost          int64
}

// withinTTL says whether two messages are less than five minutes apart (or
// their times are unknown): a cache that expired is not broken.
func withinTTL(sk *skeleton, a, b int) bool {
	if sk == nil || a >= len(sk.msgs) || b >= len(sk.msgs) {
		return true
	}
	ta, tb := sk.msgs[a].at, sk.msgs[b].at
	if ta == 0 || tb == 0 {
		return true
	}
	return time.Duration(tb-ta).Minutes() < 5
}

// tokenizer is the tokenizer of the log's main model (o200k when unknown).
func (f *finder) tokenizer() *tokenize.Tokenizer {
	id := f.opt.Model
	for _, sk := range f.sks {
		if id == "" {
			id = sk.model
		}
		if id == "" {
			id = sk.mostUsedModel()
		}
	}
	if p, ok := f.opt.Prices.Lookup(id); ok {
		return p.Tokenizer()
	}
	t, _ := tokenize.NewTokenizer(tokenize.O200kBase, 1, false)
	return t
}

// messagesBefore counts the non-system messages of sk before index n, with
// their framing: the unchanged part of a history rewritten at n.
func messagesBefore(sk *skeleton, t *tokenize.Tokenizer, n int) int64 {
	r, _ := sk.rawFor(t.Encoding)
	if r == nil {
		return 0
	}
	var sum int64
	for i := 0; i < n && i < len(sk.msgs); i++ {
		m := &sk.msgs[i]
		if m.is(codeSystem) {
			continue
		}
		sum += t.ScaleRaw(r.Content[i]) + tokenize.TokensPerMessage + t.Count(string(roleCodes[m.role]))
		for _, p := range r.Calls[r.CallOff[i]:r.CallOff[i+1]] {
			sum += t.ScaleRaw(p)
		}
	}
	return sum
}
