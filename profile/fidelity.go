package profile

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tokenscope/tokenscope/profile/price"
)

// AppStrategy is the strategy that mirrors what apps do with a provider's
// prompt caching (SPEC "Fidelity"): replayed on a log with usage, it must
// reproduce what the log was billed. A log can show that its app did
// otherwise (see appSpec).
const AppStrategy = "cache"

// appSpec is the strategy that mirrors what the app did on pc: the
// provider's caching as apps use it, unless the log shows an app that did
// not cache with a provider whose caching is opt-in (no call read or wrote
// cache); at batch prices when the log went through a batch API.
func (pc *preparedConv) appSpec() string {
	explicit, used := false, false
	for _, ci := range pc.Calls {
		if ci.Logged != nil && ci.Logged.Caching.Mode == price.CachingExplicit {
			explicit = true
		}
		if u := ci.Reported; u != nil && (u.CachedInputTokens > 0 || u.CacheWriteTokens > 0) {
			used = true
		}
	}
	var steps []string
	if used || !explicit {
		steps = append(steps, AppStrategy)
	}
	if pc.sk.batch {
		steps = append(steps, "batch")
	}
	if len(steps) == 0 {
		return "full"
	}
	return strings.Join(steps, "+")
}

// Fidelity is the replay check of a conversation or a tree: the cost of
// AppStrategy simulated on the calls whose usage the log reports, against
// what that usage was billed. These are the engine's measures; what they
// mean (the likely cause of a gap, the served-share lines) is said by
// profile/advisor.
type Fidelity struct {
	Spec      string // the strategy replayed: AppStrategy, or what the log shows its app did
	Calls     int    // calls with reported usage, the ones compared
	Simulated price.Money
	Billed    price.Money
	// Served is what of the cacheable prefix a best-effort cache served in
	// the log (served.go): the share the replay read.
	Served served
	// Unexplained are the cache reads the log reports that no call it
	// holds explains (unexplained.go).
	Unexplained Unexplained
	// Parts split both sides by what they pay for.
	Parts FidelityParts
}

// ServedShare is what a best-effort cache served of the cacheable prefix
// in the log, in tokens, and on which provider ("mixed" for several); ok
// is false when the log measured none.
func (f Fidelity) ServedShare() (provider string, read, cacheable int64, ok bool) {
	read, cacheable, ok = f.Served.share()
	return f.Served.provider, read, cacheable, ok
}

// ServedPct is the share ServedLine states, in percent, and whether the
// log measured one.
func (f Fidelity) ServedPct() (int64, bool) {
	num, den, ok := f.Served.share()
	return pct(num, den), ok
}

// FidelityParts split both sides of a replay check by what they pay for,
// indexed by the Fidelity* part constants.
type FidelityParts struct {
	Simulated, Billed             [4]price.Money
	SimulatedTokens, BilledTokens [4]int64
	// BelowMinimum is the billed cache reads shorter than the provider's
	// minimum cacheable prefix: usage no provider bills, which only
	// hand-made logs hold.
	BelowMinimum int64
}

// The parts of FidelityParts, in index order.
const (
	FidelityUncached = iota // uncached input
	FidelityCacheReads
	FidelityCacheWrites
	FidelityOutput
)

// ErrorPct is (simulated − billed) / billed in percent; 0 when nothing was
// billed.
func (f Fidelity) ErrorPct() float64 {
	if f.Billed == 0 {
		return 0
	}
	return 100 * float64(f.Simulated-f.Billed) / float64(f.Billed)
}

// Line is the replay check as shown in reports and the TUI.
func (f Fidelity) Line() string {
	return fmt.Sprintf("what the app did (%s) simulated %s vs billed %s (%+.1f%%)", f.Spec, f.Simulated, f.Billed, f.ErrorPct())
}

func (f *Fidelity) add(o Fidelity) {
	f.Served.add(o.Served)
	f.Unexplained.add(o.Unexplained)
	f.Calls += o.Calls
	f.Simulated += o.Simulated
	f.Billed += o.Billed
	for i := range 4 {
		f.Parts.Simulated[i] += o.Parts.Simulated[i]
		f.Parts.Billed[i] += o.Parts.Billed[i]
		f.Parts.SimulatedTokens[i] += o.Parts.SimulatedTokens[i]
		f.Parts.BilledTokens[i] += o.Parts.BilledTokens[i]
	}
	f.Parts.BelowMinimum += o.Parts.BelowMinimum
}

// AddCall adds one simulated call with reported usage to the check, priced
// part by part at the rates of the model the log was billed on (p).
func (f *Fidelity) AddCall(c *Call, p *price.Model) {
	u := c.Reported
	f.Calls++
	f.Simulated += c.Cost
	f.Billed += c.ReportedCost
	if p == nil {
		return
	}
	f.Unexplained.addCall(c, p)
	r := p.RatesFor(u.InputTokens)
	w1h := min(u.CacheWrite1hTokens, u.CacheWriteTokens)
	bill := [4]int64{max(0, u.InputTokens-u.CachedInputTokens-u.CacheWriteTokens), u.CachedInputTokens, u.CacheWriteTokens, u.OutputTokens}
	in := c.Input.Total()
	sim := [4]int64{in - c.Cached - c.CacheWrite, c.Cached, c.CacheWrite, c.Output + c.Reasoning}
	write := r.CacheWrite5m
	if c.CacheWrite1h {
		write = r.CacheWrite1h
	}
	for i, price := range [4]price.Price{r.Input, r.CachedInput, write, r.Output} {
		f.Parts.Simulated[i] += price.Cost(sim[i])
		f.Parts.SimulatedTokens[i] += sim[i]
		f.Parts.BilledTokens[i] += bill[i]
	}
	f.Parts.Billed[0] += r.Input.Cost(bill[0])
	f.Parts.Billed[1] += r.CachedInput.Cost(bill[1])
	f.Parts.Billed[2] += r.CacheWrite5m.Cost(u.CacheWriteTokens-w1h) + r.CacheWrite1h.Cost(w1h)
	f.Parts.Billed[3] += r.Output.Cost(bill[3])
	if p.Caching.Mode != price.CachingNone && u.CachedInputTokens > 0 && u.CachedInputTokens < p.Caching.MinPrefix {
		f.Parts.BelowMinimum += u.CachedInputTokens
	}
}

// fidelityOf is the replay check of one conversation: cr, the simulation
// of what its app did (spec).
func (e *engine) fidelityOf(cr *ConversationResult, spec string) Fidelity {
	f := Fidelity{Spec: spec}
	for j := range cr.Calls {
		c := &cr.Calls[j]
		if c.Reported == nil || c.Unpriced {
			continue
		}
		p, _ := e.opt.Prices.Lookup(c.Model)
		f.AddCall(c, p)
	}
	return f
}

// fidelity sets the replay checks of res from those of each conversation
// (fidelityOf), in res's order.
func (e *engine) fidelity(res *Result, app []Fidelity) {
	var total Fidelity
	var distinct []string
	for i, f := range app {
		if f.Calls == 0 {
			continue
		}
		total.add(f)
		res.Conversations[i].Fidelity = &f
		if !slices.Contains(distinct, f.Spec) {
			distinct = append(distinct, f.Spec)
		}
	}
	if total.Calls > 0 {
		total.Spec = strings.Join(distinct, ", ")
		res.Fidelity = &total
	}
}
