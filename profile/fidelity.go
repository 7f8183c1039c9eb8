package profile

import (
	"fmt"
	"math"
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

// FidelityTolerancePct is the gap beyond which a replay check names its
// likely cause.
const FidelityTolerancePct = 10

// Fidelity is the replay check of a conversation or a tree: the cost of
// AppStrategy simulated on the calls whose usage the log reports, against
// what that usage was billed.
type Fidelity struct {
	Spec      string // the strategy replayed: AppStrategy, or what the log shows its app did
	Calls     int    // calls with reported usage, the ones compared
	Simulated price.Money
	Billed    price.Money
	// Cause names, in one line, the part of the bill the simulation misses
	// most when the gap passes FidelityTolerancePct ("" otherwise).
	Cause string
	// Served is what of the cacheable prefix a best-effort cache served in
	// the log (served.go): the share the replay read.
	Served served
	parts  fidelityParts
}

// ServedLine says how much of the cacheable prefix a best-effort cache
// served in the log, and what raises it; "" when the log measured none.
func (f Fidelity) ServedLine() string { return f.Served.Line() }

// ServedDetail is ServedLine's token counts and, below 95%, what raises
// the share.
func (f Fidelity) ServedDetail() string { return f.Served.Detail() }

// ServedShort is ServedLine in a few words ("OpenAI served 43%"), for a
// status line; "" when the log measured none.
func (f Fidelity) ServedShort() string {
	p, ok := f.ServedPct()
	if !ok {
		return ""
	}
	return fmt.Sprintf("%s served %d%%", providerName(f.Served.provider), p)
}

// ServedPct is the share ServedLine states, in percent, and whether the
// log measured one.
func (f Fidelity) ServedPct() (int64, bool) {
	num, den, ok := f.Served.share()
	return pct(num, den), ok
}

// fidelityParts split both sides by what they pay for, to name a cause.
type fidelityParts struct {
	sim, bill [4]price.Money // uncached input, cache reads, cache writes, output
	simTok    [4]int64
	billTok   [4]int64
	// belowMin is the billed cache reads shorter than the provider's
	// minimum cacheable prefix: usage no provider bills, which only
	// hand-made logs hold.
	belowMin int64
}

var fidelityPartNames = [4]string{"uncached input", "cache reads", "cache writes", "output"}

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
	f.Calls += o.Calls
	f.Simulated += o.Simulated
	f.Billed += o.Billed
	for i := range 4 {
		f.parts.sim[i] += o.parts.sim[i]
		f.parts.bill[i] += o.parts.bill[i]
		f.parts.simTok[i] += o.parts.simTok[i]
		f.parts.billTok[i] += o.parts.billTok[i]
	}
	f.parts.belowMin += o.parts.belowMin
}

// addCall adds one simulated call with reported usage, priced part by part
// at the rates of the model the log was billed on (p).
func (f *Fidelity) addCall(c *Call, p *price.Model) {
	u := c.Reported
	f.Calls++
	f.Simulated += c.Cost
	f.Billed += c.ReportedCost
	if p == nil {
		return
	}
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
		f.parts.sim[i] += price.Cost(sim[i])
		f.parts.simTok[i] += sim[i]
		f.parts.billTok[i] += bill[i]
	}
	f.parts.bill[0] += r.Input.Cost(bill[0])
	f.parts.bill[1] += r.CachedInput.Cost(bill[1])
	f.parts.bill[2] += r.CacheWrite5m.Cost(u.CacheWriteTokens-w1h) + r.CacheWrite1h.Cost(w1h)
	f.parts.bill[3] += r.Output.Cost(bill[3])
	if p.Caching.Mode != price.CachingNone && u.CachedInputTokens > 0 && u.CachedInputTokens < p.Caching.MinPrefix {
		f.parts.belowMin += u.CachedInputTokens
	}
}

// explain sets Cause when the gap passes the tolerance. When the two sides
// do not send the same input (beyond the tolerance), caching cannot explain
// the gap: the log's usage does not match its messages. When the bill reads
// cache below the provider's minimum prefix, the usage is not a provider's.
// Otherwise it names the part whose simulated cost is furthest from its
// billed cost, with what that usually means.
func (f *Fidelity) explain() {
	f.Cause = ""
	if math.Abs(f.ErrorPct()) <= FidelityTolerancePct {
		return
	}
	var simIn, billIn int64
	for i := range 3 {
		simIn += f.parts.simTok[i]
		billIn += f.parts.billTok[i]
	}
	if d := simIn - billIn; billIn > 0 && 100*max(d, -d) > FidelityTolerancePct*billIn {
		why := "the log bills input its messages do not show (requests the app made without logging them, or content the log leaves out)"
		if d > 0 {
			why = "the log reports fewer input tokens than its messages count: its usage does not match them (written by hand, or the request trimmed before sending)"
		}
		f.Cause = fmt.Sprintf("input: simulated %s tokens, billed %s — %s", formatTokens(simIn), formatTokens(billIn), why)
		return
	}
	worst := 0
	for i := range 4 {
		if absMoney(f.parts.sim[i]-f.parts.bill[i]) > absMoney(f.parts.sim[worst]-f.parts.bill[worst]) {
			worst = i
		}
	}
	// The simulation sends uncached, or fails to read, what the log says
	// was read below the minimum: the log is at fault, not the model.
	if f.parts.belowMin > 0 && worst <= 1 && f.parts.simTok[1] < f.parts.billTok[1] {
		f.Cause = fmt.Sprintf("cache reads: simulated %s tokens, billed %s — the log reports %s tokens read from cache below the provider's minimum cacheable prefix, which no provider bills (a hand-made log)",
			formatTokens(f.parts.simTok[1]), formatTokens(f.parts.billTok[1]), formatTokens(f.parts.belowMin))
		return
	}
	why := [4]string{ // the simulation pays more than the bill
		"the app cached input the simulation sends uncached (another breakpoint, or a prefix below the minimum)",
		"the app's cache was cold where the simulation read it (expired, or the prefix changed)",
		"the simulation rewrote a prefix the app kept cached (a longer TTL, or a prefix shared with other sessions)",
		"the log reports less output than its replies hold (streaming placeholders)",
	}[worst]
	if f.parts.sim[worst] < f.parts.bill[worst] {
		why = [4]string{
			"the app sent input uncached that the simulation reads from cache",
			"the app read more from cache than simulated (a prefix shared with other sessions)",
			"the app rewrote more of its prefix than simulated (a changed system prompt, compaction, expiry)",
			"the log bills output its replies do not show (thinking or tool-use preambles)",
		}[worst]
	}
	f.Cause = fmt.Sprintf("%s: simulated %s tokens, billed %s — %s", fidelityPartNames[worst],
		formatTokens(f.parts.simTok[worst]), formatTokens(f.parts.billTok[worst]), why)
}

func absMoney(m price.Money) price.Money {
	if m < 0 {
		return -m
	}
	return m
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
		f.addCall(c, p)
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
		f.explain()
		res.Conversations[i].Fidelity = &f
		if !slices.Contains(distinct, f.Spec) {
			distinct = append(distinct, f.Spec)
		}
	}
	if total.Calls > 0 {
		total.Spec = strings.Join(distinct, ", ")
		total.explain()
		res.Fidelity = &total
	}
}
