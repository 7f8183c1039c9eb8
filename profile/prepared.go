package profile

import (
	"errors"
	"fmt"
	"sync"

	"github.com/tokenscope/tokenscope/profile/strategy"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/profile/tokenize"
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
	pcs      []*preparedConv
	shape    strategy.Shape
	warnings []string
	// app is the replay check of what each conversation's app did, made
	// by the first Run.
	app     []Fidelity
	appDone bool
	// noRows keeps no per-call rows in results, only totals: EachCall
	// simulates the calls again when they are wanted (Load).
	noRows bool
	// lazy keeps of each conversation its skeleton and what it is as a
	// whole (a stub: stubOf); get prepares it again for each pass (Load:
	// preparing takes milliseconds, holding every prepared conversation
	// took most of the memory of a large log).
	lazy bool
	// last is the previous Run's results by spec.
	last map[string]StrategyResult
}

// Prepare counts and prices convs for Run. opt.Strategies is not used
// (pass the strategies to Run).
func Prepare(convs []*transcripts.Conversation, opt Options) (*Prepared, error) {
	e, err := newEngine(opt)
	if err != nil {
		return nil, err
	}
	// Count every conversation first, in parallel: counting is the costly
	// part, and strategies only add its numbers up.
	return prepareSkeletons(e, e.skeletons(convs)), nil
}

// prepareSkeletons prepares counted skeletons for Run.
func prepareSkeletons(e *engine, sks []*skeleton) *Prepared {
	p := &Prepared{e: e, pcs: make([]*preparedConv, len(sks))}
	// Prepare every conversation before simulating any: caching reuses a
	// prefix across the conversations of a source (sources.go).
	for i, sk := range sks {
		p.pcs[i] = e.prepare(sk)
		p.pcs[i].idx = i
		p.shape.Add(sk.shape)
	}
	p.finish()
	return p
}

// finish ends preparing: the sources index and the warnings.
func (p *Prepared) finish() {
	e := p.e
	if p.lazy {
		e.sources.sort()
	} else {
		e.sources = indexSources(p.pcs)
	}
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
func (p *Prepared) Run(strategies []*strategy.Strategy) (*Result, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e := p.e
	if err := checkStrategies(strategies, e.opt.Prices); err != nil {
		return nil, err
	}
	// Step state shared across conversations (a response cache) starts
	// afresh each run: strategies may be passed again.
	e.shared = nil
	res := &Result{Strategies: make([]StrategyResult, len(strategies)), prep: p, Prices: e.opt.Prices.Label()}
	keep := e.opt.onCall == nil // only per-call rows are worth keeping
	e.noRows = p.noRows
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
	notes := make([][]strategy.Note, len(strategies))
	for _, i := range todo {
		notes[i] = make([]strategy.Note, len(strategies[i].Steps))
	}
	// The replay check runs what each conversation's app did (appSpec),
	// simulated apart unless it is in the set (and not at all when only
	// totals are wanted: tune). It does not depend on the strategies, so
	// the first run's is kept.
	checkApp := e.opt.Model == "" && keep && !p.appDone
	appParsed := map[string]*strategy.Strategy{}
	// Each strategy's calls go in one array, sized once: the
	// conversations' Calls are its parts, and StrategyResult.Calls is the
	// array itself, not a copy.
	rows := make([][]Call, len(strategies))
	if keep && !p.noRows {
		n := 0
		for _, pc := range p.pcs {
			n += len(pc.Calls)
		}
		for _, i := range todo {
			rows[i] = make([]Call, 0, n)
		}
	}
	for j := range p.pcs {
		pc := p.get(j)
		res.Conversations = append(res.Conversations, pc.info)
		if res.Tokenizer == nil {
			res.Tokenizer, res.Model, res.ModelID = pc.Tok, pc.Model, pc.modelID
		}
		for _, i := range todo {
			e.strategy = i
			cr := e.simulateInto(pc, strategies[i], notes[i], rows[i])
			rows[i] = rows[i][:len(rows[i])+len(cr.Calls)]
			if keep {
				// Totals-only runs (tune's thousands of candidates) keep
				// no per-conversation results.
				res.Strategies[i].Conversations = append(res.Strategies[i].Conversations, cr)
			}
			res.Strategies[i].Totals.add(cr.Totals)
		}
		if checkApp {
			spec := pc.appSpec()
			var cr *ConversationResult
			for _, i := range todo {
				if strategies[i].Spec == spec && !e.noRows {
					cr = &res.Strategies[i].Conversations[len(res.Strategies[i].Conversations)-1]
					break
				}
			}
			if cr == nil {
				st := appParsed[spec]
				if st == nil {
					st, _ = strategy.Parse(spec)
					appParsed[spec] = st
				}
				noRows := e.noRows
				e.noRows = false // the check reads the calls
				r := e.simulate(pc, st, nil)
				e.noRows = noRows
				cr = &r
			}
			f := e.fidelityOf(cr, spec)
			f.Served = pc.served
			p.app = append(p.app, f)
		}
		if p.lazy {
			e.recycle(pc)
		}
	}
	if checkApp {
		p.appDone = true
	}
	e.fidelity(res, p.app)
	res.Warnings = append([]string(nil), p.warnings...)
	for _, i := range todo {
		res.Strategies[i].Note = strategies[i].Notes(notes[i], p.shape)
		if t := res.Strategies[i].Totals; t.Cost.Saturated() || t.ReportedCost.Saturated() {
			return nil, fmt.Errorf("%s: the total cost passes %s, the most one run adds up exactly: %w", res.Strategies[i].Strategy.Spec, price.MaxMoney, ErrPastMaxMoney)
		}
		if rows[i] != nil {
			res.Strategies[i].all = rows[i] // the calls in order, laid out as simulated
		}
	}
	if keep {
		p.last = make(map[string]StrategyResult, len(strategies))
		for _, r := range res.Strategies {
			p.last[r.Strategy.Spec] = r
		}
	}
	return res, nil
}

// runSkeletons prepares sks afresh under opt and simulates opt.Strategies:
// Run without counting again.
func runSkeletons(sks []*skeleton, opt Options) (*Result, error) {
	e, err := newEngine(opt)
	if err != nil {
		return nil, err
	}
	return prepareSkeletons(e, sks).Run(opt.Strategies)
}

// ensureEncodings counts, where the text is kept, the encodings that
// strategies and opt price calls on, and those of models (the models tune
// may try), so that runs sharing sks in parallel only read them.
func ensureEncodings(sks []*skeleton, strategies []*strategy.Strategy, opt Options, models []string) {
	if opt.Prices == nil {
		opt.Prices = price.Default()
	}
	toks := map[string]*tokenize.Tokenizer{}
	add := func(id string) {
		if p, ok := opt.Prices.Lookup(id); ok {
			if _, ok := toks[p.Encoding]; !ok {
				toks[p.Encoding] = p.Tokenizer()
			}
		}
	}
	if opt.Model != "" {
		add(opt.Model)
	}
	for _, s := range strategies {
		for _, id := range s.Needs().Models {
			add(id)
		}
	}
	for _, id := range models {
		add(id)
	}
	for _, sk := range sks {
		if sk.conv == nil {
			continue
		}
		for _, t := range toks {
			sk.countRaw(sk.conv, t, 1)
		}
	}
}

// newEngine returns an engine for opt (opt.Strategies is not used).
func newEngine(opt Options) (*engine, error) {
	if opt.Prices == nil {
		opt.Prices = price.Default()
	}
	opt.Strategies = nil
	e := &engine{opt: opt, tokenizers: map[string]*tokenize.Tokenizer{}, warned: map[string]bool{}}
	if opt.Model != "" {
		if _, err := opt.Prices.Find(opt.Model); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// EachCall calls fn with every call of strategy i of r in order, with the
// index of its conversation in r.Conversations: the calls kept, or, when
// the run kept totals only (Load), the strategy simulated again. The
// Call passed is reused: copy what you keep.
func (r *Result) EachCall(i int, fn func(conv int, c *Call) error) error {
	sr := &r.Strategies[i]
	if r.prep == nil || !r.prep.noRows {
		for j := range sr.Conversations {
			for k := range sr.Conversations[j].Calls {
				if err := fn(j, &sr.Conversations[j].Calls[k]); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return r.prep.each(sr.Strategy, -1, fn)
}

// ConversationCalls returns strategy i's calls on conversation j: those
// kept, or simulated again.
func (r *Result) ConversationCalls(i, j int) []Call {
	sr := &r.Strategies[i]
	if r.prep == nil || !r.prep.noRows {
		return sr.Conversations[j].Calls
	}
	var out []Call
	r.prep.each(sr.Strategy, j, func(_ int, c *Call) error {
		out = append(out, *c)
		return nil
	})
	return out
}

// eachAhead is how many conversations' calls the simulation of each may
// hold ready ahead of fn: enough to keep both goroutines busy, few enough
// that memory stays that of a handful of conversations.
const eachAhead = 2

// each simulates s on conversation only (-1: every one, in order) and
// calls fn with each call, keeping none. The simulation runs on its own
// goroutine a few conversations ahead of fn (a report's writer), so the
// two use two cores; fn still sees the calls in order, on this goroutine.
func (p *Prepared) each(s *strategy.Strategy, only int, fn func(conv int, c *Call) error) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	e := p.e
	onCall, shared := e.opt.onCall, e.shared
	defer func() { e.opt.onCall, e.shared = onCall, shared }()
	e.shared = nil
	type batch struct {
		conv  int
		calls []Call
	}
	out := make(chan batch, eachAhead)
	stop := make(chan struct{})
	var cur []Call
	e.opt.onCall = func(_ int, c *Call) { cur = append(cur, *c) }
	go func() {
		defer close(out)
		notes := make([]strategy.Note, len(s.Steps))
		for j := range p.pcs {
			if only >= 0 && j != only {
				continue
			}
			pc := p.get(j)
			cur = make([]Call, 0, len(pc.Calls))
			e.simulate(pc, s, notes)
			if p.lazy {
				e.recycle(pc)
			}
			select {
			case out <- batch{j, cur}:
			case <-stop:
				return
			}
		}
	}()
	// Ranging to the end waits for the simulation to stop before the
	// engine is restored and unlocked, also after fn fails.
	var err error
	for b := range out {
		for k := range b.calls {
			if err != nil {
				break
			}
			if err = fn(b.conv, &b.calls[k]); err != nil {
				close(stop)
			}
		}
	}
	return err
}

// checkStrategies checks what strategies need of the price table: the
// models they name (Needs.Priced).
func checkStrategies(strategies []*strategy.Strategy, prices *price.Table) error {
	for _, s := range strategies {
		for _, st := range s.Steps {
			if k := st.Kind(); k.Needs != nil {
				for _, id := range k.Needs(st).Priced {
					if _, err := prices.Find(id); err != nil {
						return fmt.Errorf("strategy %q: %w", s.Spec, err)
					}
				}
			}
		}
	}
	return nil
}

// ErrPastMaxMoney is wrapped by the error of a run whose total passes
// price.MaxMoney: a what-if re-run (the findings') can tell it apart.
var ErrPastMaxMoney = errors.New("the log's counts cannot be right")

// runTotals simulates opt.Strategies over n conversations one at a time,
// keeping totals only: each (skel(j)) is prepared, simulated and dropped,
// so that a re-run (a finding's edit, tune's candidates) takes the memory
// of one conversation, not of the log. ix is the source index of the log
// as read (an edit keeps sources and call times); nil builds one in a
// first pass.
func runTotals(n int, skel func(j int) *skeleton, ix *sourceIndex, opt Options) (*Result, error) {
	e, err := newEngine(opt)
	if err != nil {
		return nil, err
	}
	e.opt.onCall = opt.onCall
	strategies := opt.Strategies
	if err := checkStrategies(strategies, e.opt.Prices); err != nil {
		return nil, err
	}
	if ix == nil {
		pcs := make([]*preparedConv, n)
		for j := range n {
			pcs[j] = e.prepare(skel(j))
			pcs[j].idx = j
		}
		ix = indexSources(pcs)
	}
	e.sources = ix
	e.noRows = true
	res := &Result{Strategies: make([]StrategyResult, len(strategies)), sources: ix, Prices: e.opt.Prices.Label()}
	notes := make([][]strategy.Note, len(strategies))
	for i, s := range strategies {
		res.Strategies[i].Strategy = s
		notes[i] = make([]strategy.Note, len(s.Steps))
	}
	over, live := opt.over, len(strategies)
	for j := range n {
		if live == 0 {
			break // every strategy was cut off
		}
		pc := e.prepare(skel(j))
		pc.idx = j
		res.Conversations = append(res.Conversations, pc.info)
		if res.Tokenizer == nil {
			res.Tokenizer, res.Model, res.ModelID = pc.Tok, pc.Model, pc.modelID
		}
		for i, s := range strategies {
			if over != nil && over[i] {
				continue
			}
			e.strategy = i
			cr := e.simulate(pc, s, notes[i])
			t := &res.Strategies[i].Totals
			t.add(cr.Totals)
			if opt.cut != nil && opt.cut(i, t) {
				over[i] = true
				live--
			}
		}
		e.recycle(pc)
	}
	for i := range strategies {
		if t := res.Strategies[i].Totals; t.Cost.Saturated() || t.ReportedCost.Saturated() {
			return nil, fmt.Errorf("%s: the total cost passes %s, the most one run adds up exactly: %w", strategies[i].Spec, price.MaxMoney, ErrPastMaxMoney)
		}
	}
	return res, nil
}

// get returns conversation j prepared: kept, or prepared again (lazy).
func (p *Prepared) get(j int) *preparedConv {
	if !p.lazy {
		return p.pcs[j]
	}
	pc := p.e.prepare(p.pcs[j].sk)
	pc.idx = j
	pc.info.ID = p.pcs[j].info.ID
	return pc
}

// stubOf is what a lazy Prepared keeps of pc.
func stubOf(pc *preparedConv) *preparedConv {
	return &preparedConv{sk: pc.sk, idx: pc.idx, info: pc.info, hidden: pc.hidden, shortOutput: pc.shortOutput}
}
