// Package advisor says what to change in a log, measured by the engine
// (package profile): findings (cache breakers, unused tools, marginal
// prices, the best strategy), tune (the cheapest strategies under
// constraints) and cost by tag. Every dollar it gives is an exact
// re-simulation, never an estimate from averages.
package advisor

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/profile/strategy"
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

// Findings lists what to change in convs, biggest effect first: cache
// breakers, tool schemas sent but (almost) never called, the marginal price
// of prompt material, and the cheapest strategy of res. Dollar effects are
// exact re-simulations of the basis strategy with the defect removed (or
// the item added), not estimates from averages.
//
// convs are the conversations res was run on; when res comes from a run
// (Run, Prepared.Run, Load) their counts are taken from it and convs is
// not read.
func Findings(convs []*transcripts.Conversation, res *profile.Result, opt FindingsOptions) ([]Finding, error) {
	if opt.Prices == nil {
		opt.Prices = price.Default()
	}
	log, err := profile.CountedOf(convs, res, profile.Options{Prices: opt.Prices, Model: opt.Model})
	if err != nil {
		return nil, err
	}
	f := &finder{opt: opt, log: log}
	return f.find(res)
}

func (f *finder) find(res *profile.Result) ([]Finding, error) {
	opt := f.opt
	if opt.Basis == "" {
		opt.Basis = f.log.AppSpec(res)
		f.opt.Basis = opt.Basis
	}
	if profile.AllUnpriced(res) {
		// Every dollar would be $0.00: say why once instead.
		return []Finding{{Kind: FindingUnpriced, Text: fmt.Sprintf("unpriced: %s — pass --model", profile.UnpricedReason(res))}}, nil
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
		if f.base, err = f.cost(nil); err != nil {
			if pastMax(err) {
				return nil, nil // nothing can be measured against the basis
			}
			return nil, err
		}
	}
	if f.base.Calls > 0 && f.base.Unpriced >= f.base.Calls {
		// The basis has no price though another strategy of res has one
		// (a model= step): its dollars would all be $0.00, and the
		// best-strategy search, measuring against it, would fail.
		return []Finding{{Kind: FindingUnpriced, Text: fmt.Sprintf("unpriced: %s — pass --model", profile.UnpricedReason(res))}}, nil
	}
	// The re-simulations are independent: one goroutine each kind. What
	// they count is counted first, as they share the skeletons.
	f.log.CountFor([]*strategy.Strategy{f.basis}, siblingsOf(f.log, opt.Prices, opt.Model))
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
	calling := f.log.CallingConversations()
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
			p := profile.Monthly(out[i].Cost, calling, opt.PerDay)
			v := p.USD()
			out[i].MonthlyUSD, out[i].MonthlyText = &v, p.String()
		}
	}
	return out, nil
}

type finder struct {
	log   *profile.Counted
	opt   FindingsOptions
	basis *strategy.Strategy
	base  profile.Totals
}

// pastMax reports whether err is a re-run's total passing price.MaxMoney.
// The log's own run did not (it would have failed first): the edit or the
// strategy of the re-run did, and the finding it measures is left out
// rather than failing them all (a report streaming its calls meanwhile
// could no longer leave stdout empty).
func pastMax(err error) bool { return errors.Is(err, profile.ErrPastMaxMoney) }

// cost runs the basis strategy over the log, edited when edit is not nil.
func (f *finder) cost(edit *profile.Edit) (profile.Totals, error) {
	r, err := f.log.Totals([]*strategy.Strategy{f.basis}, edit, nil)
	if err != nil {
		return profile.Totals{}, err
	}
	return r.Strategies[0].Totals, nil
}

// deadTools finds tool schemas called on fewer than one in twenty of the
// calls that sent them (each call's own tool list: a tool added partway
// is sent from there on). The effect is the basis re-run without the
// schema; the tokens shown are a call's share of what those calls sent.
func (f *finder) deadTools() ([]Finding, error) {
	var out []Finding
	for _, tt := range f.log.ToolUse() {
		if tt.SentOn == 0 || tt.Used*20 >= tt.SentOn {
			continue
		}
		t, err := f.cost(profile.WithoutTool(tt.Name))
		if pastMax(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		saved := f.base.Cost - t.Cost
		perCall := (f.base.Input - t.Input) / int64(tt.SentOn)
		used := "never called"
		switch {
		case tt.Used == 1:
			used = "called once"
		case tt.Used > 1:
			used = fmt.Sprintf("called %d times", tt.Used)
		}
		out = append(out, Finding{Kind: FindingDeadTool, Tool: tt.Name, Cost: saved,
			Text: fmt.Sprintf("unused tool %q: %s tokens on %s, %s: %s",
				tt.Name, profile.FormatTokens(perCall), strategy.Plural(tt.SentOn, "call"), used, saved)})
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
	add := func(edit *profile.Edit, what string, per int64) error {
		t, err := f.cost(edit)
		if pastMax(err) {
			return nil
		}
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
			what = fmt.Sprintf("%s (%s tokens a call)", what, profile.FormatTokens(dIn))
		}
		if what == "" {
			// The log has no tool: say the one added is made up.
			what = fmt.Sprintf("one more tool schema (a %s-token lookup tool)", profile.FormatTokens(dIn))
		}
		out = append(out, Finding{Kind: FindingMarginal, Cost: d, Text: fmt.Sprintf("%s: %s", what, d)})
		return nil
	}
	// 100 tokens of system prompt, measured on 1,000 so that caching's
	// granularity does not round the answer: appended to the first system
	// message, or sent as one.
	if err := add(f.log.WithSystemPadding(), "100 tokens of system prompt", 100); err != nil {
		return nil, err
	}
	// One more tool like the log's median one (by schema tokens); a small
	// lookup tool when the log has none.
	all := f.log.ToolSchemas(f.tokenizer())
	var tool profile.ToolSchema
	toolWhat := "" // a made-up lookup tool (add says so)
	if len(all) > 0 {
		slices.SortStableFunc(all, func(a, b profile.ToolSchema) int { return int(a.Tokens - b.Tokens) })
		tool = all[len(all)/2]
		toolWhat = "one more tool schema"
	} else {
		tool = f.log.CountTool(transcripts.Tool{Name: "lookup", Description: "Look up a fact in the knowledge base",
			Parameters: []byte(`{"type":"object","properties":{"query":{"type":"string","description":"what to look up"}}}`)})
	}
	if err := add(profile.WithTool(tool), toolWhat, 0); err != nil {
		return nil, err
	}
	// One more exchange of history: a user message and a reply that every
	// call re-sends, of 200 tokens each.
	ex := f.log.CountText(tokenize.Pad(200))
	if err := add(profile.WithExchange(ex, ex), "one more exchange of history", 0); err != nil {
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
	opt := TuneOptions{Prices: f.opt.Prices, Model: f.opt.Model, Basis: f.basis.Spec, MaxDroppedPct: 100 - bestKeptPct, cheapest: true,
		keep: func(spec string) bool {
			return !strings.Contains(spec, "window:") && !strings.Contains(spec, "summary:")
		}}
	r, err := tuneLog(f.log, opt)
	if pastMax(err) {
		return nil, nil
	}
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
			profile.RoundPct(100*float64(saved)/float64(r.Basis.Cost)), r.Basis.Spec)}, nil
}

// bestStrategy is the cheapest strategy of res with no overflowing call,
// against the first.
func bestStrategy(res *profile.Result) (Finding, bool) {
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
			profile.RoundPct(s.Totals.SavingsPct(first)), res.Strategies[0].Strategy.Spec)}, true
}

// cacheBreakers lists calls whose request changed the prefix the previous
// call sent although the conversation only grew (transcripts.PrefixChange,
// seen by readers that keep each request whole), and calls whose reported
// cache reads fell while the input grew within the cache's lifetime. The
// effect is the prefix the break re-sent at the write (or input) price
// instead of the cached one.
func (f *finder) cacheBreakers(res *profile.Result) []Finding {
	if res == nil || len(res.Strategies) == 0 {
		return nil
	}
	var out []breaker
	// One pass over the calls in order (a report may be writing them at
	// the same time: one pass waits for its pass once), each call against
	// the one before it in its conversation.
	var prev profile.Call
	prevConv := -1
	res.EachCall(0, func(j int, cur *profile.Call) error {
		if j != prevConv {
			prev, prevConv = *cur, j
			return nil
		}
		if b, ok := f.breaker(res, j, &prev, cur); ok {
			out = append(out, b)
		}
		prev = *cur
		return nil
	})
	return mergeBreakers(out)
}

// breaker is the cache break between prev and cur, consecutive calls of
// conversation j, if there is one.
func (f *finder) breaker(res *profile.Result, j int, prev, cur *profile.Call) (breaker, bool) {
	model, ok := f.opt.Prices.Lookup(cur.Model)
	if !ok || model.Caching.Mode == price.CachingNone {
		return breaker{}, false
	}
	r := model.RatesFor(cur.Input.Total())
	miss := r.Input
	if model.Caching.Mode == price.CachingExplicit {
		miss = r.CacheWrite5m
	}
	change := f.log.PrefixChange(j, cur.Message)
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
			keep += prev.Input.System + f.log.HistoryTokens(j, model.Tokenizer(), change.Message)
		}
		lost = max(0, prev.Input.Total()-keep)
		what = change.Describe()
		if i := strings.Index(what, " ("); i >= 0 {
			what, detail = what[:i], what[i:]
		}
	case prev.Reported != nil && cur.Reported != nil && cur.Reported.InputTokens >= prev.Reported.InputTokens &&
		prev.Reported.CachedInputTokens+prev.Reported.CacheWriteTokens > cur.Reported.CachedInputTokens+model.Caching.MinPrefix &&
		withinTTL(f.log.MessageTime(j, prev.Message), f.log.MessageTime(j, cur.Message)):
		lost = prev.Reported.CachedInputTokens + prev.Reported.CacheWriteTokens - cur.Reported.CachedInputTokens
		what = "reported cache reads fell while the input grew"
		detail = fmt.Sprintf(" (%s → %s)", profile.FormatTokens(prev.Reported.CachedInputTokens+prev.Reported.CacheWriteTokens), profile.FormatTokens(cur.Reported.CachedInputTokens))
	default:
		return breaker{}, false
	}
	if lost <= 0 || prev.Input.Total() < model.Caching.MinPrefix {
		return breaker{}, false // below the minimum nothing was cached to break
	}
	cost := miss.Cost(lost) - r.CachedInput.Cost(lost)
	return breaker{cause: what, detail: detail, lost: lost,
		f: Finding{Kind: FindingCacheBreaker, Conversation: res.Strategies[0].Conversations[j].ID, Call: cur.Index, Cost: cost,
			Text: fmt.Sprintf("call %d: %s%s: %s tokens re-sent uncached: %s", cur.Index, what, detail, profile.FormatTokens(lost), cost)}}, true
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
			first[j].cause, n[j], out[j].Call, first[j].detail, profile.FormatTokens(lost[j]), out[j].Cost)
	}
	return out
}

// breaker is one call's cache break before merging.
type breaker struct {
	f             Finding
	cause, detail string // "system prompt changed", ` ("…01" → "…02")`
	lost          int64
}

// withinTTL says whether two messages logged at a and b are less than
// five minutes apart (or their times are unknown): a cache that expired
// is not broken.
func withinTTL(a, b time.Time) bool {
	if a.IsZero() || b.IsZero() {
		return true
	}
	return b.Sub(a).Minutes() < 5
}

// tokenizer is the tokenizer of the log's main model (o200k when unknown).
func (f *finder) tokenizer() *tokenize.Tokenizer {
	id := f.opt.Model
	for _, m := range f.log.Models() {
		if id == "" {
			id = m
		}
	}
	if p, ok := f.opt.Prices.Lookup(id); ok {
		return p.Tokenizer()
	}
	t, _ := tokenize.NewTokenizer(tokenize.O200kBase, 1, false)
	return t
}

// FindingsOf is Findings of a profile, with the prices and model it was
// run with unless opt names others.
func FindingsOf(p *profile.Profile, opt FindingsOptions) ([]Finding, error) {
	if opt.Prices == nil {
		opt.Prices, opt.Model = p.Options.Prices, p.Options.Model
	}
	return Findings(p.Source.Conversations, p.Result, opt)
}
