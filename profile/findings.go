package profile

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

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
	USD float64 `json:"usd"`
	// MonthlyUSD projects USD at --per-day conversations a day.
	MonthlyUSD *float64 `json:"monthly_usd,omitempty"`
	Text       string   `json:"text"`
	Cost       Money    `json:"-"`
	monthly    string   // MonthlyUSD as shown
}

// FindingsOptions configure Findings.
type FindingsOptions struct {
	Prices *PriceTable
	Model  string // --model, as the profile was run
	PerDay int64
	// Basis is the spec of what the app did; "" picks it from the log
	// (BasisSpec).
	Basis string
}

// BasisSpec is the strategy that mirrors what the app did: "cache" when the
// log reports cache reads or writes (the provider cached, so the bill did),
// else "full".
func BasisSpec(convs []*transcripts.Conversation) string {
	for _, c := range convs {
		for i := range c.Messages {
			if u := c.Messages[i].Usage; u != nil && (u.CachedInputTokens > 0 || u.CacheWriteTokens > 0) {
				return "cache"
			}
		}
	}
	return "full"
}

// AppSpec is the one definition of "what the app did" that the report's
// replay check, the findings and tune share: the strategy the engine
// replays against the bill (res.Fidelity.Spec, see appSpec) when every
// conversation agrees on it, else BasisSpec. res may be nil.
func AppSpec(convs []*transcripts.Conversation, res *Result) string {
	if res != nil && res.Fidelity != nil && res.Fidelity.Spec != "" && !strings.Contains(res.Fidelity.Spec, ", ") {
		return res.Fidelity.Spec
	}
	return BasisSpec(convs)
}

// Findings lists what to change in convs, biggest effect first: cache
// breakers, tool schemas sent but (almost) never called, the marginal price
// of prompt material, and the cheapest strategy of res. Dollar effects are
// exact re-simulations of the basis strategy with the defect removed (or
// the item added), not estimates from averages.
func Findings(convs []*transcripts.Conversation, res *Result, opt FindingsOptions) ([]Finding, error) {
	if opt.Basis == "" {
		opt.Basis = AppSpec(convs, res)
	}
	if opt.Prices == nil {
		opt.Prices = DefaultPrices()
	}
	if AllUnpriced(res) {
		// Every dollar would be $0.00: say why once instead.
		return []Finding{{Kind: FindingUnpriced, Text: fmt.Sprintf("unpriced: %s — pass --model", UnpricedReason(res))}}, nil
	}
	basis, err := ParseStrategy(opt.Basis)
	if err != nil {
		return nil, err
	}
	f := &finder{convs: convs, opt: opt, basis: basis}
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
		if f.base, err = f.cost(convs); err != nil {
			return nil, err
		}
	}
	// The re-simulations are independent: one goroutine each kind.
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
	multi := callingConvs(convs) > 1
	for i := range out {
		if multi && out[i].Conversation != "" {
			// "call 3" alone is ambiguous across conversations.
			out[i].Text = out[i].Conversation + ": " + out[i].Text
		}
		out[i].USD = out[i].Cost.USD()
		if opt.PerDay > 0 && out[i].Cost != 0 {
			// Findings are over the whole log: project their share of
			// one conversation, like the strategies' costs.
			p := Monthly(out[i].Cost, callingConvs(convs), opt.PerDay)
			v := p.USD()
			out[i].MonthlyUSD, out[i].monthly = &v, p.String()
		}
	}
	return out, nil
}

// callingConvs counts the conversations of convs that make a call.
func callingConvs(convs []*transcripts.Conversation) int64 {
	var n int64
	for _, c := range convs {
		if c.Calls() > 0 {
			n++
		}
	}
	return n
}

type finder struct {
	convs []*transcripts.Conversation
	opt   FindingsOptions
	basis *Strategy
	base  Totals
}

// cost runs the basis strategy over convs.
func (f *finder) cost(convs []*transcripts.Conversation) (Totals, error) {
	r, err := Run(convs, Options{Prices: f.opt.Prices, Model: f.opt.Model, Strategies: []*Strategy{f.basis}})
	if err != nil {
		return Totals{}, err
	}
	return r.Strategies[0].Totals, nil
}

// deadTools finds tool schemas sent on every call but called on fewer than
// one call in twenty. The effect is the basis re-run without the schema.
func (f *finder) deadTools() ([]Finding, error) {
	type tally struct {
		sentOn, used int
		first        transcripts.Tool
	}
	tools := map[string]*tally{}
	var names []string
	for _, c := range f.convs {
		calls := c.Calls()
		for _, t := range c.Tools {
			tt := tools[t.Name]
			if tt == nil {
				tt = &tally{first: t}
				tools[t.Name] = tt
				names = append(names, t.Name)
			}
			tt.sentOn += calls
		}
		for i := range c.Messages {
			for _, tc := range c.Messages[i].ToolCalls {
				if tt := tools[tc.Name]; tt != nil {
					tt.used++
				}
			}
		}
	}
	var out []Finding
	for _, name := range names {
		tt := tools[name]
		if tt.sentOn == 0 || tt.used*20 >= tt.sentOn {
			continue
		}
		without, err := transcripts.WithoutTools(f.convs, []string{name})
		if err != nil {
			return nil, err
		}
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
				name, formatTokens(perCall), Plural(int64(tt.sentOn), "call"), used, saved)})
	}
	return out, nil
}

// pad is text of n tokens in the embedded encodings ("x x x …").
func pad(n int) string {
	return strings.TrimSpace(strings.Repeat("x ", n))
}

// marginals prices 100 more tokens of system prompt, one more tool, and
// one more exchange of history over the log, each as a re-run of the basis.
func (f *finder) marginals() ([]Finding, error) {
	if f.base.Calls == 0 {
		return nil, nil
	}
	var out []Finding
	add := func(convs []*transcripts.Conversation, what string, per int64) error {
		t, err := f.cost(convs)
		if err != nil {
			return err
		}
		d := t.Cost - f.base.Cost
		dIn := (t.Input - f.base.Input) / int64(f.base.Calls)
		if per > 0 && dIn > 0 {
			// Report per `per` tokens sent, whatever the tokenizer made of
			// the padding.
			d = Money(int64(d) * per / dIn)
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
	// 100 tokens of system prompt, measured on 1,000 so that caching's
	// granularity does not round the answer.
	withSys := make([]*transcripts.Conversation, len(f.convs))
	for i, c := range f.convs {
		cc := transcripts.Edit(c)
		cc.Messages = slices.Clone(c.Messages)
		if len(cc.Messages) > 0 && cc.Messages[0].Role == transcripts.RoleSystem {
			cc.Messages[0].Content += "\n" + pad(1000)
		} else {
			cc.Messages = slices.Insert(cc.Messages, 0, transcripts.Message{Role: transcripts.RoleSystem, Content: pad(1000)})
		}
		withSys[i] = cc
	}
	if err := add(withSys, "100 tokens of system prompt", 100); err != nil {
		return nil, err
	}
	// One more tool like the log's median one (by schema tokens); a small
	// lookup tool when the log has none.
	tool := transcripts.Tool{Name: "lookup", Description: "Look up a fact in the knowledge base",
		Parameters: []byte(`{"type":"object","properties":{"query":{"type":"string","description":"what to look up"}}}`)}
	type sized struct {
		t transcripts.Tool
		n int64
	}
	var all []sized
	tok := f.tokenizer()
	for _, c := range f.convs {
		for _, t := range c.Tools {
			all = append(all, sized{t, ToolDefTokens([]transcripts.Tool{t}, tok)})
		}
	}
	toolWhat := "" // a made-up lookup tool (add says so)
	if len(all) > 0 {
		slices.SortStableFunc(all, func(a, b sized) int { return int(a.n - b.n) })
		tool = all[len(all)/2].t
		toolWhat = "one more tool schema"
	}
	withTool := make([]*transcripts.Conversation, len(f.convs))
	for i, c := range f.convs {
		cc := transcripts.Edit(c)
		cc.Tools = append(slices.Clone(c.Tools), tool)
		withTool[i] = cc
	}
	if err := add(withTool, toolWhat, 0); err != nil {
		return nil, err
	}
	// One more exchange of history: a user message and a reply that every
	// call re-sends, of 200 tokens each.
	withEx := make([]*transcripts.Conversation, len(f.convs))
	for i, c := range f.convs {
		cc := transcripts.Edit(c)
		at := 0
		for at < len(c.Messages) && c.Messages[at].Role == transcripts.RoleSystem {
			at++
		}
		cc.Messages = slices.Insert(slices.Clone(c.Messages), at,
			transcripts.Message{Role: transcripts.RoleUser, Content: pad(200)},
			transcripts.Message{Role: transcripts.RoleAssistant, Content: pad(200), Replayed: true})
		withEx[i] = cc
	}
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
	opt := TuneOptions{Prices: f.opt.Prices, Model: f.opt.Model, Basis: f.basis.Spec, MaxDroppedPct: 100 - bestKeptPct}
	full, _ := ParseStrategy("full")
	ref, err := Run(f.convs, Options{Prices: f.opt.Prices, Model: f.opt.Model, Strategies: []*Strategy{full}})
	if err != nil {
		return nil, err
	}
	for _, spec := range TuneSpace(f.convs, ref, opt) {
		if !strings.Contains(spec, "window:") && !strings.Contains(spec, "summary:") {
			opt.Specs = append(opt.Specs, spec)
		}
	}
	r, err := Tune(f.convs, opt)
	if err != nil || len(r.Frontier) == 0 {
		return nil, err
	}
	b := r.Frontier[0]
	saved := r.Basis.Cost - b.Cost
	if saved <= 0 || b.Spec == f.basis.Spec {
		return nil, nil
	}
	return &Finding{Kind: FindingBestStrategy, Spec: b.Spec, Cost: saved,
		Text: fmt.Sprintf("best (%d%%+ context kept): %s saves %s (%.1f%%)", bestKeptPct, b.Spec, saved,
			100*float64(saved)/float64(r.Basis.Cost))}, nil
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
			s.Totals.SavingsPct(first), res.Strategies[0].Strategy.Spec)}, true
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
	for _, cr := range res.Strategies[0].Conversations {
		conv := f.conv(cr.ID, cr.Path)
		for i := 1; i < len(cr.Calls); i++ {
			prev, cur := &cr.Calls[i-1], &cr.Calls[i]
			model, ok := f.opt.Prices.Lookup(cur.Model)
			if !ok || model.Caching.Mode == CachingNone {
				continue
			}
			r := model.RatesFor(cur.Input.Total())
			miss := r.Input
			if model.Caching.Mode == CachingExplicit {
				miss = r.CacheWrite5m
			}
			var change *transcripts.PrefixChange
			if conv != nil && cur.Message < len(conv.Messages) {
				change = conv.Messages[cur.Message].PrefixChange
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
					keep += prev.Input.System + messagesBefore(conv, model.Tokenizer(), change.Message)
				}
				lost = max(0, prev.Input.Total()-keep)
				what = change.Describe()
				if i := strings.Index(what, " ("); i >= 0 {
					what, detail = what[:i], what[i:]
				}
			case prev.Reported != nil && cur.Reported != nil && cur.Reported.InputTokens >= prev.Reported.InputTokens &&
				prev.Reported.CachedInputTokens+prev.Reported.CacheWriteTokens > cur.Reported.CachedInputTokens+model.Caching.MinPrefix &&
				withinTTL(conv, prev.Message, cur.Message):
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
func withinTTL(c *transcripts.Conversation, a, b int) bool {
	if c == nil || a >= len(c.Messages) || b >= len(c.Messages) {
		return true
	}
	ta, tb := c.Messages[a].Time, c.Messages[b].Time
	if ta.IsZero() || tb.IsZero() {
		return true
	}
	return tb.Sub(ta).Minutes() < 5
}

// tokenizer is the tokenizer of the log's main model (o200k when unknown).
func (f *finder) tokenizer() *Tokenizer {
	id := f.opt.Model
	for _, c := range f.convs {
		if id == "" {
			id = c.Model
		}
		if id == "" {
			id = mostUsedModel(c)
		}
	}
	if p, ok := f.opt.Prices.Lookup(id); ok {
		return p.Tokenizer()
	}
	t, _ := NewTokenizer(O200kBase, 1, false)
	return t
}

func (f *finder) conv(id, path string) *transcripts.Conversation {
	for _, c := range f.convs {
		if c.ID == id && c.Path == path {
			return c
		}
	}
	return nil
}

// messagesBefore counts the non-system messages of c before index n, with
// their framing: the unchanged part of a history rewritten at n.
func messagesBefore(c *transcripts.Conversation, t *Tokenizer, n int) int64 {
	var sum int64
	for i := 0; i < n && i < len(c.Messages); i++ {
		m := &c.Messages[i]
		if m.Role == transcripts.RoleSystem {
			continue
		}
		sum += t.Count(m.Content) + tokensPerMessage + t.Count(string(m.Role))
		for _, tc := range m.ToolCalls {
			sum += t.Count(tc.Name) + t.Count(tc.Arguments)
		}
	}
	return sum
}
