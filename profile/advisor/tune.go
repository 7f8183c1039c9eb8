package advisor

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/profile/strategy"
	"github.com/tokenscope/tokenscope/transcripts"
)

// TuneOptions are the constraints and search space of Tune.
type TuneOptions struct {
	Prices *price.Table
	Model  string // --model, as the profile runs
	// Basis is what the app did, the spec savings are measured against
	// ("" picks it from the log: profile.Counted.AppSpec).
	Basis string
	// Candidates are models to try with model=; nil means the basis
	// model's cheaper siblings (same provider, lower input price).
	Candidates []string
	// KeepModel leaves the model alone.
	KeepModel bool
	// MinContext: every call still sees at least this many tokens of its
	// earlier conversation (or all of it, when it had less).
	MinContext int64
	// MaxDroppedPct bounds the share of earlier conversation not sent.
	MaxDroppedPct float64
	// MaxTruncated bounds the calls whose reply a cap cut.
	MaxTruncated int
	// AllowOverflow admits strategies with calls beyond the context window.
	AllowOverflow bool
	// Specs, when set, are searched instead of the generated space.
	Specs []string
	// keep, when set, filters the generated space.
	keep func(spec string) bool
	// cheapest: only the frontier's first (the cheapest admissible
	// strategy) is wanted, and candidates that cost more may be left out.
	cheapest bool
}

// TuneCandidate is one strategy tried, with what it keeps and costs.
type TuneCandidate struct {
	Spec         string      `json:"spec"`
	CostUSD      float64     `json:"cost_usd"`
	SavingsPct   float64     `json:"savings_pct"` // against the basis
	ContextPct   float64     `json:"context_kept_pct"`
	MinContext   int64       `json:"min_context_tokens"` // the least earlier conversation a call saw, where it had some
	Dropped      int64       `json:"dropped_tokens"`
	Truncated    int         `json:"truncated_calls"`
	Overflow     int         `json:"overflow_calls"`
	Cost         price.Money `json:"-"`
	meets        bool
	contextShort int // calls that saw less than MinContext
}

// TuneResult is the outcome of a search.
type TuneResult struct {
	Basis      TuneCandidate   `json:"basis"`
	Tried      int             `json:"candidates"`
	Admissible int             `json:"admissible"`
	Frontier   []TuneCandidate `json:"frontier"`
}

// ErrUnpriced is the error of a search on a log whose calls all lack a
// price: there is no cost to lower.
var ErrUnpriced = errors.New("unpriced")

// Tune searches strategies for the cheapest under the constraints and
// returns the Pareto frontier of cost against context kept: no strategy
// on it is beaten on both by another admissible one. Counts are made
// once; each candidate only adds them up.
func Tune(convs []*transcripts.Conversation, opt TuneOptions) (*TuneResult, error) {
	if opt.Prices == nil {
		opt.Prices = price.Default()
	}
	log, err := profile.CountedOf(convs, nil, profile.Options{Prices: opt.Prices, Model: opt.Model})
	if err != nil {
		return nil, err
	}
	return tuneLog(log, opt)
}

// tuneLog is Tune on a counted log.
func tuneLog(log *profile.Counted, opt TuneOptions) (*TuneResult, error) {
	if opt.Prices == nil {
		opt.Prices = price.Default()
	}
	if opt.Basis == "" {
		// The replay check's strategy, as the report names it: a run
		// of full alone yields it.
		full, _ := strategy.Parse("full")
		r, err := log.Run([]*strategy.Strategy{full})
		if err != nil {
			return nil, err
		}
		opt.Basis = log.AppSpec(r)
	}
	if opt.MaxDroppedPct == 0 {
		opt.MaxDroppedPct = 100
	}
	basis, err := strategy.Parse(opt.Basis)
	if err != nil {
		return nil, err
	}
	fullCtx, res, ref, err := tuneBasis(log, basis, opt)
	if err != nil {
		return nil, err
	}
	specs := opt.Specs
	if specs == nil {
		specs = TuneSpace(nil, ref, opt)
		if opt.keep != nil {
			specs = slices.DeleteFunc(specs, func(s string) bool { return !opt.keep(s) })
		}
	}
	// One run over every candidate, keeping totals only: the counts are
	// made once, and each call of each candidate is measured as it is
	// simulated.
	strategies := make([]*strategy.Strategy, 0, len(specs))
	for _, s := range specs {
		st, err := strategy.Parse(s)
		if err != nil {
			return nil, err
		}
		strategies = append(strategies, st)
	}
	// Counted before the workers share the skeletons.
	log.CountFor(strategies, nil)
	var cands []TuneCandidate
	if opt.cheapest {
		cands, err = cheapestCandidates(log, strategies, fullCtx, res.Basis.Cost, opt)
	} else {
		cands, err = tuneCandidates(log, strategies, fullCtx, res.Basis.Cost, 0, opt)
	}
	if err != nil {
		return nil, err
	}
	res.Tried = len(cands)
	var ok []TuneCandidate
	for _, c := range cands {
		if c.meets {
			ok = append(ok, c)
		}
	}
	res.Admissible = len(ok)
	res.Frontier = frontier(ok)
	return res, nil
}

// tuneBasis runs full and the basis on log: the full history every call
// would see, per call, is the yardstick for what a strategy keeps (taken
// call by call as full is simulated), and the basis is measured against
// it (each conversation's calls under full come before its calls under
// the basis). It returns that yardstick, the result with its basis set,
// and the run (whose first strategy is full).
func tuneBasis(log *profile.Counted, basis *strategy.Strategy, opt TuneOptions) ([]int64, *TuneResult, *profile.Result, error) {
	full, _ := strategy.Parse("full")
	// Counted before runs share the skeletons.
	log.CountFor([]*strategy.Strategy{basis}, nil)
	var fullCtx []int64
	var basisTally contextTally
	ref, err := log.Totals([]*strategy.Strategy{full, basis}, nil, func(i int, c *profile.Call) {
		if i == 0 {
			fullCtx = append(fullCtx, earlierContext(c))
		} else {
			basisTally.add(c, fullCtx, opt.MinContext)
		}
	})
	if err != nil {
		return nil, nil, nil, err
	}
	if profile.AllUnpriced(ref) {
		return nil, nil, nil, fmt.Errorf("%w: %s — pass --model", ErrUnpriced, profile.UnpricedReason(ref))
	}
	res := &TuneResult{Basis: candidate(&ref.Strategies[1], &basisTally, ref.Strategies[1].Totals.Cost, opt)}
	return fullCtx, res, ref, nil
}

// tuneCandidates measures every strategy on log, the strategies dealt
// to one run per core. A strategy that can no longer meet the
// constraints is measured no further (it stays, as one that does not
// meet them); with a bound (cheapest-only searches), neither is one that
// costs more than it, and those are left out of the result.
func tuneCandidates(log *profile.Counted, strategies []*strategy.Strategy, fullCtx []int64, basis, bound price.Money, opt TuneOptions) ([]TuneCandidate, error) {
	acc := make([]contextTally, len(strategies))
	cands := make([]TuneCandidate, len(strategies))
	dear := make([]bool, len(strategies))
	var allCtx int64
	for _, n := range fullCtx {
		allCtx += n
	}
	workers := min(runtime.GOMAXPROCS(0), max(1, len(strategies)/16))
	errs := make([]error, workers)
	var refund atomic.Bool // a call cost less than nothing
	var wg sync.WaitGroup
	for w := range workers {
		// Dealt in turn, not in blocks: the strategies of an expensive
		// model are cut off early, and blocks would leave one core the
		// cheap ones.
		var mine []*strategy.Strategy
		for i := w; i < len(strategies); i += workers {
			mine = append(mine, strategies[i])
		}
		at := func(i int) int { return w + i*workers }
		wg.Go(func() {
			onCall := func(i int, c *profile.Call) {
				acc[at(i)].add(c, fullCtx, opt.MinContext)
				if c.Cost < 0 {
					refund.Store(true)
				}
			}
			cut := func(i int, t *profile.Totals) bool {
				dear[at(i)] = bound > 0 && t.Cost > bound
				return dear[at(i)] || opt.hopeless(t, &acc[at(i)], allCtx)
			}
			r, over, err := log.TotalsCut(mine, cut, onCall)
			if err != nil {
				errs[w] = err
				return
			}
			for i := range r.Strategies {
				cands[at(i)] = candidate(&r.Strategies[i], &acc[at(i)], basis, opt)
				cands[at(i)].meets = cands[at(i)].meets && !over[i]
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if bound > 0 && refund.Load() {
		// Readers refuse negative usage, so no call should cost less
		// than nothing; if one did, costs do not only grow and the
		// bound proves nothing: measure again without it.
		return tuneCandidates(log, strategies, fullCtx, basis, 0, opt)
	}
	out := cands[:0]
	for i, c := range cands {
		if !dear[i] {
			out = append(out, c)
		}
	}
	return out, nil
}

// hopeless reports whether a candidate, with totals t and tally ct so far
// of a run whose full history adds up to allCtx, cannot meet opt's
// constraints whatever its other calls do: each of them only grows, and
// the context it kept can at most keep all of what is left.
func (opt TuneOptions) hopeless(t *profile.Totals, ct *contextTally, allCtx int64) bool {
	return ct.short > 0 || t.Truncated > opt.MaxTruncated || (!opt.AllowOverflow && t.Overflow > 0) || t.Unpriced > 0 ||
		100-keptPct(allCtx-(ct.all-ct.kept), allCtx) > opt.MaxDroppedPct
}

// cheapestCandidates measures what a search for the cheapest admissible
// strategy needs, as tuneCandidates would, in two runs: first the
// strategies that keep the whole history (their cost bounds the search),
// then the others, each cut off once it costs more than the cheapest
// admissible one of the first run. Only candidates cut off are missing,
// and each costs more than a candidate kept: the frontier's first is the
// same: costs only grow call by call.
func cheapestCandidates(log *profile.Counted, strategies []*strategy.Strategy, fullCtx []int64, basis price.Money, opt TuneOptions) ([]TuneCandidate, error) {
	var whole, rest []*strategy.Strategy
	for _, st := range strategies {
		if keepsHistory(st) {
			whole = append(whole, st)
		} else {
			rest = append(rest, st)
		}
	}
	first, err := tuneCandidates(log, whole, fullCtx, basis, 0, opt)
	if err != nil {
		return nil, err
	}
	var bound price.Money
	for _, c := range first {
		if c.meets && (bound == 0 || c.Cost < bound) {
			bound = c.Cost
		}
	}
	more, err := tuneCandidates(log, rest, fullCtx, basis, bound, opt)
	if err != nil {
		return nil, err
	}
	// In the order of strategies, as the full search has them: the
	// frontier keeps that order among candidates equal in all it sorts by.
	order := make(map[string]int, len(strategies))
	for i, st := range strategies {
		order[st.Spec] = i
	}
	out := append(first, more...)
	slices.SortStableFunc(out, func(a, b TuneCandidate) int { return order[a.Spec] - order[b.Spec] })
	return out, nil
}

// keepsHistory reports whether s has no step that changes the history
// sent (none of the kinds tune searches a range of).
func keepsHistory(s *strategy.Strategy) bool {
	for _, st := range s.Steps {
		if st.Kind().Tune != nil {
			return false
		}
	}
	return true
}

// earlierContext is what a call sends of the conversation before its new
// messages: history, or the summary that stands for it.
func earlierContext(c *profile.Call) int64 { return c.Input.History + c.Input.Summary }

// contextTally measures, call by call, how much of the earlier
// conversation a strategy sends against the full history.
type contextTally struct {
	n          int   // calls seen, in Run's order: conversation by conversation
	kept, all  int64 // earlier conversation sent, and what full sends
	minContext int64 // the least a call saw where it had some; -1 none yet
	short      int   // calls that saw less than the minimum asked
	started    bool
}

func (t *contextTally) add(c *profile.Call, fullCtx []int64, minContext int64) {
	if !t.started {
		t.minContext, t.started = -1, true
	}
	i := t.n
	t.n++
	if i >= len(fullCtx) {
		return
	}
	have, want := earlierContext(c), fullCtx[i]
	t.kept += min(have, want)
	t.all += want
	if want > 0 && (t.minContext < 0 || have < t.minContext) {
		t.minContext = have
	}
	if have < min(minContext, want) {
		t.short++
	}
}

func candidate(s *profile.StrategyResult, ct *contextTally, basis price.Money, opt TuneOptions) TuneCandidate {
	t := s.Totals
	c := TuneCandidate{Spec: s.Strategy.Spec, Cost: t.Cost, CostUSD: t.Cost.USD(), Dropped: t.Dropped,
		Truncated: t.Truncated, Overflow: t.Overflow, MinContext: max(ct.minContext, 0), contextShort: ct.short}
	if basis != 0 {
		c.SavingsPct = profile.RoundPct(100 * float64(basis-t.Cost) / float64(basis))
	}
	c.ContextPct = keptPct(ct.kept, ct.all)
	c.meets = c.contextShort == 0 && 100-c.ContextPct <= opt.MaxDroppedPct && c.Truncated <= opt.MaxTruncated &&
		(opt.AllowOverflow || c.Overflow == 0) && t.Unpriced == 0
	return c
}

// keptPct is the share of all that kept is, in percent to two decimals
// (100 when all is 0).
func keptPct(kept, all int64) float64 {
	if all == 0 {
		return 100
	}
	return math.Round(10000*float64(kept)/float64(all)) / 100
}

// frontier keeps the candidates no other beats on both cost and context
// kept, cheapest first; among equals, the shorter spec.
func frontier(cs []TuneCandidate) []TuneCandidate {
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].Cost != cs[j].Cost {
			return cs[i].Cost < cs[j].Cost
		}
		if cs[i].ContextPct != cs[j].ContextPct {
			return cs[i].ContextPct > cs[j].ContextPct
		}
		return len(cs[i].Spec) < len(cs[j].Spec)
	})
	var out []TuneCandidate
	best := -1.0
	for _, c := range cs {
		// Cheapest first: a candidate is on the frontier when it keeps
		// more context than every cheaper one.
		if c.ContextPct > best {
			out = append(out, c)
			best = c.ContextPct
		}
	}
	return out
}

// tuneOrder is the kinds tune searches, in the order it tries them: the
// registry's (window, summary, then the others).
func tuneOrder() []*strategy.StepKind {
	var out []*strategy.StepKind
	for _, k := range strategy.Kinds() {
		if k.Tune != nil {
			out = append(out, k)
		}
	}
	return out
}

// siblingsOf are the models tune may try on log: the cheaper siblings of
// each conversation's model (of model, when set), for counting them
// before the runs start.
func siblingsOf(log *profile.Counted, prices *price.Table, model string) []string {
	var out []string
	for _, id := range log.Models() {
		if model != "" {
			id = model
		}
		if p, ok := prices.Lookup(id); ok {
			for _, m := range candidateModels(p, TuneOptions{Prices: prices}) {
				out = append(out, m.ID)
			}
		}
	}
	return out
}

// TuneSpace generates the strategies Tune tries on a log (convs is not
// read: ref, a run of full on it, says what it needs): each context
// step (none, window by turns and by tokens, summary, and clear and
// compact where registered) crossed with caching (none, 5m, 1h where the
// model caches) and the candidate models.
func TuneSpace(convs []*transcripts.Conversation, ref *profile.Result, opt TuneOptions) []string {
	if opt.Prices == nil {
		opt.Prices = price.Default()
	}
	var peak int64
	if len(ref.Strategies) > 0 {
		peak = ref.Strategies[0].Totals.PeakInput
	}
	// Each history step's range, as its kind declares it.
	contexts := []string{""}
	for _, k := range tuneOrder() {
		contexts = append(contexts, k.Tune(peak)...)
	}
	var models []*price.Model
	if ref.Model != nil {
		models = append(models, nil) // the logged model
		if !opt.KeepModel {
			models = append(models, candidateModels(ref.Model, opt)...)
		}
	} else {
		models = []*price.Model{nil}
	}
	var out []string
	for _, m := range models {
		priced := ref.Model
		if m != nil {
			priced = m
		}
		caches := []string{""}
		if priced != nil && priced.Caching.Mode != price.CachingNone {
			caches = append(caches, "cache")
			if priced.Caching.Mode == price.CachingExplicit {
				caches = append(caches, "cache:ttl=1h")
			}
		}
		for _, ctx := range contexts {
			for _, c := range caches {
				var steps []string
				if ctx != "" {
					steps = append(steps, ctx)
				}
				if c != "" {
					steps = append(steps, c)
				}
				if m != nil {
					steps = append(steps, "model="+m.ID)
				}
				if len(steps) == 0 {
					steps = []string{"full"}
				}
				out = append(out, strings.Join(steps, "+"))
			}
		}
	}
	return out
}

// candidateModels are the models tried with model=: the ones named, or
// the basis model's cheaper siblings from the same provider.
func candidateModels(basis *price.Model, opt TuneOptions) []*price.Model {
	var out []*price.Model
	if opt.Candidates != nil {
		for _, id := range opt.Candidates {
			if p, ok := opt.Prices.Lookup(id); ok && p != basis {
				out = append(out, p)
			}
		}
		return out
	}
	return opt.Prices.CheaperSiblings(basis)
}
