package profile

import (
	"fmt"
	"sync"

	"github.com/tokenscope/tokenscope/transcripts"
)

// Prepared is conversations counted, priced and split into calls, kept so
// that strategies can be simulated on them again without recounting: a
// knob press in the TUI changes one strategy of several.
//
// Run remembers the results of its last call and reuses them for the
// strategies whose spec is the same, so that only changed strategies are
// simulated again. A Prepared is safe for concurrent use (calls to Run
// are serialized).
type Prepared struct {
	mu       sync.Mutex
	e        *engine
	pcs      []*prepared
	shape    logShape
	warnings []string
	// app and appSpecs are the replay check's simulation of what each
	// conversation's app did, made by the first Run.
	app      []ConversationResult
	appSpecs []string
	appDone  bool
	// last is the previous Run's results by spec.
	last map[string]StrategyResult
}

// Prepare counts and prices convs for Run. opt.Strategies is not used
// (pass the strategies to Run).
func Prepare(convs []*transcripts.Conversation, opt Options) (*Prepared, error) {
	if opt.Prices == nil {
		opt.Prices = DefaultPrices()
	}
	opt.Strategies = nil
	e := &engine{opt: opt, tokenizers: map[string]*Tokenizer{}, warned: map[string]bool{}}
	if opt.Model != "" {
		if _, err := opt.Prices.Find(opt.Model); err != nil {
			return nil, err
		}
	}
	// Count every conversation first, in parallel: counting is the costly
	// part, and strategies only add its numbers up.
	return prepareSkeletons(e, e.skeletons(convs)), nil
}

// prepareSkeletons prepares counted skeletons for Run.
func prepareSkeletons(e *engine, sks []*skeleton) *Prepared {
	p := &Prepared{e: e, pcs: make([]*prepared, len(sks))}
	// Prepare every conversation before simulating any: caching reuses a
	// prefix across the conversations of a source (sources.go).
	for i, sk := range sks {
		p.pcs[i] = e.prepare(sk)
		p.shape.add(sk.shape)
	}
	p.finish()
	return p
}

// finish ends preparing: the sources index and the warnings.
func (p *Prepared) finish() {
	e := p.e
	e.sources = indexSources(p.pcs)
	short := 0
	for _, pc := range p.pcs {
		short += pc.shortOutput
	}
	if short > 0 {
		e.warn("short-output", "%d calls report fewer output tokens than their replies hold (streaming placeholders in the log): their output is priced as reported", short)
	}
	p.warnings = e.warnings
}

// Run simulates strategies on the prepared conversations; the first is
// the basis for savings. The result is the one Run of the package gives.
func (p *Prepared) Run(strategies []*Strategy) (*Result, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e := p.e
	for _, s := range strategies {
		for _, st := range s.Steps {
			if c, ok := st.(interface{ check(*PriceTable) error }); ok {
				if err := c.check(e.opt.Prices); err != nil {
					return nil, fmt.Errorf("strategy %q: %w", s.Spec, err)
				}
			}
		}
	}
	// Step state shared across conversations (a response cache) starts
	// afresh each run: strategies may be passed again.
	e.shared = nil
	res := &Result{Strategies: make([]StrategyResult, len(strategies))}
	keep := e.opt.onCall == nil // only per-call rows are worth keeping
	var todo []int
	for i, s := range strategies {
		if r, ok := p.last[s.Spec]; ok && keep {
			r.Strategy = s
			res.Strategies[i] = r
			continue
		}
		res.Strategies[i].Strategy = s
		todo = append(todo, i)
	}
	notes := make([][]stepNote, len(strategies))
	for _, i := range todo {
		notes[i] = make([]stepNote, len(strategies[i].Steps))
	}
	// The replay check runs what each conversation's app did (appSpec),
	// simulated apart unless it is in the set (and not at all when only
	// totals are wanted: tune). It does not depend on the strategies, so
	// the first run's is kept.
	checkApp := e.opt.Model == "" && keep && !p.appDone
	appParsed := map[string]*Strategy{}
	for _, pc := range p.pcs {
		res.Conversations = append(res.Conversations, pc.info)
		if res.Tokenizer == nil {
			res.Tokenizer, res.Model, res.ModelID = pc.tok, pc.model, pc.modelID
		}
		for _, i := range todo {
			e.strategy = i
			cr := e.simulate(pc, strategies[i], notes[i])
			for j := range cr.Calls {
				cr.Calls[j].EstimateError = pc.calls[j].residual
			}
			res.Strategies[i].Conversations = append(res.Strategies[i].Conversations, cr)
			res.Strategies[i].Totals.add(cr.Totals)
		}
		if checkApp {
			spec := pc.appSpec()
			var cr *ConversationResult
			for _, i := range todo {
				if strategies[i].Spec == spec {
					cr = &res.Strategies[i].Conversations[len(res.Strategies[i].Conversations)-1]
					break
				}
			}
			if cr == nil {
				st := appParsed[spec]
				if st == nil {
					st, _ = ParseStrategy(spec)
					appParsed[spec] = st
				}
				r := e.simulate(pc, st, nil)
				cr = &r
			}
			p.appSpecs = append(p.appSpecs, spec)
			p.app = append(p.app, *cr)
		}
	}
	if checkApp {
		p.appDone = true
	}
	e.fidelity(res, p.app, p.appSpecs)
	res.Warnings = append([]string(nil), p.warnings...)
	for _, i := range todo {
		res.Strategies[i].Note = stepNotes(strategies[i], notes[i], p.shape)
		if t := res.Strategies[i].Totals; t.Cost.Saturated() || t.ReportedCost.Saturated() {
			return nil, fmt.Errorf("%s: the total cost passes %s, the most one run adds up exactly: the log's counts cannot be right", res.Strategies[i].Strategy.Spec, MaxMoney)
		}
		res.Strategies[i].Calls() // flatten now, not on the UI's event loop
	}
	if keep {
		p.last = make(map[string]StrategyResult, len(strategies))
		for _, r := range res.Strategies {
			p.last[r.Strategy.Spec] = r
		}
	}
	return res, nil
}
