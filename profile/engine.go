// Package profile is tokenscope's engine: it splits conversations into
// calls, counts every part of every call once (profile/tokenize), prices it
// (profile/price), and simulates cost-cutting strategies on the same counts.
// It has no terminal code.
//
// The ways in: Load reads and counts a path, file by file, into a
// Prepared; Prepare does the same for conversations in memory; Prepared.Run
// simulates strategies on either, again and again (the TUI's knobs). Run is
// Prepare and Prepared.Run in one call, and New a Profile of a read Source.
// A strategy (profile/strategy) is steps, each declared by a StepKind;
// the engine runs them on each conversation through strategy.Sim.
package profile

import (
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tokenscope/tokenscope/profile/fit"
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/profile/strategy"
	"github.com/tokenscope/tokenscope/profile/tokenize"
	"github.com/tokenscope/tokenscope/transcripts"
)

// Call is one simulated call (strategy.Call: the plan a strategy's steps
// shaped, priced).
type Call = strategy.Call

// Parts are the input tokens of one call, by part.
type Parts = strategy.Parts

// PartNames lists the parts in the order they are sent and shown.
var PartNames = []string{"unlogged", "tool_defs", "system", "summary", "history", "rag", "user", "tool_results", "overhead"}

// Totals sum a strategy's calls.
type Totals struct {
	Calls               int
	Input               int64
	Parts               Parts
	Cached              int64
	CacheWrite          int64
	Output              int64
	Reasoning           int64
	SummaryInput        int64
	SummaryOutput       int64
	Cost                price.Money
	PeakInput           int64
	Dropped             int64
	Cleared             int64
	Truncated           int
	Overflow            int
	Unpriced            int
	Routed              int         // calls a route step priced on another model
	Served              int         // calls a response cache answered
	ServedSaved         price.Money // what those calls would have cost
	ReportedCost        price.Money
	ReportedCalls       int
	ReportedInput       int64
	ReportedOutput      int64
	ReportedCachedInput int64
}

// addCall adds call c to t.
func (t *Totals) addCall(c *Call) {
	// Field by field rather than t.add of a one-call Totals: this runs
	// for every call of every simulation, and building and adding a
	// whole Totals cost a tenth of report's CPU. TestAddCallIsAdd keeps
	// the two in step.
	t.Calls++
	in := c.Input.Total()
	t.Input += in
	t.Parts.Add(c.Input)
	t.Cached += c.Cached
	t.CacheWrite += c.CacheWrite
	t.Output += c.Output
	t.Reasoning += c.Reasoning
	t.SummaryInput += c.SummaryInput
	t.SummaryOutput += c.SummaryOutput
	t.Cost = t.Cost.Add(c.Cost)
	t.PeakInput = max(t.PeakInput, in)
	t.Dropped += c.Dropped
	t.Cleared += c.Cleared
	t.Truncated += b2i(c.Truncated)
	t.Overflow += b2i(c.Overflow)
	t.Unpriced += b2i(c.Unpriced)
	t.Routed += b2i(c.Routed)
	if c.Served {
		t.Served++
		t.ServedSaved = t.ServedSaved.Add(c.ServedSaved)
	}
	if r := c.Reported; r != nil {
		t.ReportedCalls++
		t.ReportedCost = t.ReportedCost.Add(c.ReportedCost)
		t.ReportedInput += r.InputTokens
		t.ReportedOutput += r.OutputTokens
		t.ReportedCachedInput += r.CachedInputTokens
	}
}

// b2i is 1 for true, 0 for false.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (t *Totals) add(o Totals) {
	t.Calls += o.Calls
	t.Input += o.Input
	t.Parts.Add(o.Parts)
	t.Cached += o.Cached
	t.CacheWrite += o.CacheWrite
	t.Output += o.Output
	t.Reasoning += o.Reasoning
	t.SummaryInput += o.SummaryInput
	t.SummaryOutput += o.SummaryOutput
	t.Cost = t.Cost.Add(o.Cost)
	t.PeakInput = max(t.PeakInput, o.PeakInput)
	t.Dropped += o.Dropped
	t.Cleared += o.Cleared
	t.Truncated += o.Truncated
	t.Overflow += o.Overflow
	t.Unpriced += o.Unpriced
	t.Routed += o.Routed
	t.Served += o.Served
	t.ServedSaved = t.ServedSaved.Add(o.ServedSaved)
	t.ReportedCost = t.ReportedCost.Add(o.ReportedCost)
	t.ReportedCalls += o.ReportedCalls
	t.ReportedInput += o.ReportedInput
	t.ReportedOutput += o.ReportedOutput
	t.ReportedCachedInput += o.ReportedCachedInput
}

// BilledOutput is the sum of the calls' BilledOutput.
func (t Totals) BilledOutput() int64 { return t.Output + t.Reasoning }

// CacheHitPct is cached input as a percentage of input.
func (t Totals) CacheHitPct() float64 {
	if t.Input == 0 {
		return 0
	}
	return 100 * float64(t.Cached) / float64(t.Input)
}

// SavingsPct is how much cheaper t is than base, in percent.
func (t Totals) SavingsPct(base Totals) float64 {
	if base.Cost == 0 {
		return 0
	}
	return 100 * float64(base.Cost-t.Cost) / float64(base.Cost)
}

// ConversationResult is one strategy's result on one conversation.
type ConversationResult struct {
	ID     string
	Path   string
	Calls  []Call
	Totals Totals
}

// StrategyResult is one strategy over every conversation.
type StrategyResult struct {
	Strategy *strategy.Strategy
	// Note says in one line why steps of the strategy changed nothing on
	// this log ("" when every step acted).
	Note          string
	Conversations []ConversationResult
	Totals        Totals
	all           []Call // Calls, flattened once
}

// Calls returns every call of every conversation in order. The slice is
// shared: do not modify it. A run lays each strategy's calls out in one
// array, the conversations' Calls being its parts, so this costs nothing.
func (s *StrategyResult) Calls() []Call {
	if s.all == nil && len(s.Conversations) > 0 {
		if len(s.Conversations) == 1 {
			return s.Conversations[0].Calls
		}
		n := 0
		for _, c := range s.Conversations {
			n += len(c.Calls)
		}
		// One allocation of the final size: growing by append copied the
		// calls of a large directory several times over.
		s.all = make([]Call, 0, n)
		for _, c := range s.Conversations {
			s.all = append(s.all, c.Calls...)
		}
	}
	return s.all
}

// ConversationInfo describes a conversation as counted.
type ConversationInfo struct {
	ID, Path, Model string
	Machine         string // the machine whose proxy recorded it; "" for other logs
	Calls           int
	Tokenizer       string
	Exact           bool
	// Calibration is the reported/counted ratio applied to an estimated
	// tokenizer's counts (1 when none was applied).
	Calibration float64
	// HiddenPrefix is the tokens every call was sent that the log does not
	// hold (the unlogged part), fitted once for the conversation.
	HiddenPrefix int64
	// Fidelity is the replay check of AppStrategy against the bill; nil
	// when the log reports no usage or --model prices another model.
	Fidelity *Fidelity
}

// Result is a profile of one or more conversations under several strategies.
type Result struct {
	Model         *price.Model // the main model priced (nil when unknown)
	ModelID       string
	Tokenizer     *tokenize.Tokenizer
	Conversations []ConversationInfo
	Strategies    []StrategyResult
	Warnings      []string
	// Fidelity is the replay check over every conversation (see
	// ConversationInfo.Fidelity); nil when there is nothing to check.
	Fidelity *Fidelity
	// Prices names the price table the calls were priced with and its date.
	Prices price.TableLabel
	// prep is what the result was simulated on (EachCall).
	prep *Prepared
	// sources is the source index a totals-only run used (runTotals).
	sources *sourceIndex
}

// Options configure Run.
type Options struct {
	Prices *price.Table
	// Model overrides the model of the logs ("" keeps the logged one).
	Model string
	// Strategies to simulate; the first is the basis for savings.
	Strategies []*strategy.Strategy
	// AssumeOutput is the output, in tokens, of a call whose response the
	// log does not hold (a request logged alone); 0 when not set.
	AssumeOutput int64

	// onCall, when set, sees every simulated call (strategy index, call)
	// and the engine keeps no per-call rows, only totals: tune searches
	// thousands of strategies.
	onCall func(strategy int, c *Call)
	// cut, when set, stops simulating a strategy once it says so
	// (Counted.TotalsCut), marking it in over.
	cut func(strategy int, t *Totals) bool
	over []bool
}

// Run counts, prices and simulates convs under every strategy: Prepare
// then Run.
func Run(convs []*transcripts.Conversation, opt Options) (*Result, error) {
	if len(opt.Strategies) == 0 {
		for _, s := range strategy.DefaultsFor(convs) {
			st, _ := strategy.Parse(s)
			opt.Strategies = append(opt.Strategies, st)
		}
	}
	p, err := Prepare(convs, opt)
	if err != nil {
		return nil, err
	}
	return p.Run(opt.Strategies)
}

type engine struct {
	opt      Options
	strategy int  // index of the strategy being simulated
	noRows   bool // keep totals, not calls (Prepared.noRows)
	// sim simulates a strategy on a conversation, keeping its arrays
	// for the next.
	sim strategy.Sim
	// spare is a prepared conversation done with (recycle); cntBuf and
	// repBuf are prepare's scratch.
	spare          *preparedConv
	cntBuf, repBuf []int64
	// shared holds a step's state across the conversations of a run (a
	// response cache), keyed by the step.
	shared     map[strategy.Step]any
	tokenizers map[string]*tokenize.Tokenizer
	tokMu      sync.Mutex // tokenizers is shared by Load's counting goroutines
	counted    map[*transcripts.Conversation]*counts
	warned     map[string]bool
	warnings   []string
	sources    *sourceIndex
}

func (e *engine) warn(key, format string, a ...any) {
	if e.warned[key] {
		return
	}
	e.warned[key] = true
	e.warnings = append(e.warnings, fmt.Sprintf(format, a...))
}

func (e *engine) tokenizer(p *price.Model) *tokenize.Tokenizer {
	e.tokMu.Lock()
	defer e.tokMu.Unlock()
	key := p.Encoding + fmt.Sprint(p.TokenFactor, p.Exact, p.ImageTokens)
	if t, ok := e.tokenizers[key]; ok {
		return t
	}
	t := p.Tokenizer()
	e.tokenizers[key] = t
	return t
}

// callInfo is what a call is, whatever the strategy.
type callInfo = strategy.CallInfo

// preparedConv is one conversation counted, priced and split into calls
// (prepare); a Prepared holds them for a log.
type preparedConv struct {
	// Conv is what the strategies' steps read (calls, exchanges, units,
	// tool uses, roles, tokenizer, model, the log's cache facts).
	strategy.Conv
	sk      *skeleton
	idx     int // index of the conversation in its run
	info    ConversationInfo
	modelID string
	counts  map[*tokenize.Tokenizer]*counts
	// hidden is the conversation's hidden prefix: tokens every call was
	// sent that the log does not hold (0 without usage).
	hidden int64
	// served is what of the cacheable prefix a best-effort cache served,
	// as the log's usage shows (served.go).
	served served
	// source keys the conversations that share that prefix; histBase
	// keys their histories (history.go).
	source   string
	histBase uint64
	// shortOutput counts calls whose reported output is a placeholder.
	shortOutput int
	// kbuf are counts whose arrays a recycled prepared reuses.
	kbuf [2]*counts
	// env is what the engine does for the steps simulating it.
	env convEnv
}

// recycle gives pc's arrays to the next prepare: a run that prepares each
// conversation, simulates it and drops it (runTotals, a lazy Prepared)
// allocated most of its memory there.
func (e *engine) recycle(pc *preparedConv) { e.spare = pc }

// prepare makes conversation c ready to simulate: it prices it on its
// model (--model, else the logged one), splits it into exchanges and
// calls, fits the log's hidden prefix and calibration against reported
// usage, and works out each call's billed reasoning and output, reported
// cost and estimation error. Strategies then only add up what it holds.
// It reuses the arrays of the last recycled conversation.
func (e *engine) prepare(c *skeleton) *preparedConv {
	pc := e.spare
	e.spare = nil
	if pc == nil {
		pc = &preparedConv{counts: map[*tokenize.Tokenizer]*counts{}}
	}
	*pc = preparedConv{sk: c, counts: pc.counts, kbuf: pc.kbuf, Conv: strategy.Conv{Calls: pc.Calls[:0], Exchanges: pc.Exchanges[:0],
		Units: pc.Units[:0], Uses: pc.Uses[:0], Roles: pc.Roles, Changes: c.changes}}
	clear(pc.counts)
	pc.modelID, pc.Model = e.primaryModel(c)
	if pc.Model == nil && pc.modelID != "" {
		e.warn("model:"+pc.modelID, "model %q is not in the price table: its calls are unpriced (nearest: %s)", pc.modelID, strings.Join(e.opt.Prices.Nearest(pc.modelID, 3), ", "))
	} else if pc.Model == nil {
		e.warn("nomodel:"+c.path, "%s: the log names no model: calls are unpriced; pass --model", c.path)
	}
	pc.Tok = e.primaryTokenizer(pc.modelID, pc.Model)
	pc.kbuf[0] = c.countsInto(pc.kbuf[0], pc.Tok)
	pc.counts[pc.Tok] = pc.kbuf[0]
	e.splitCalls(pc, c)
	loggedTok := e.loggedModels(pc, c)
	fit := e.fitLog(pc, c, loggedTok)
	pc.hidden = fit.hidden
	e.billCalls(pc, c, fit)
	pc.findUnits()
	pc.sharedPrefix(fit.base)
	pc.cacheBreaks()
	pc.measureServed()
	pc.ServedBy = pc.served.provider
	pc.ServedNum, pc.ServedDen, _ = pc.served.share()
	pc.info = ConversationInfo{ID: c.id, Path: c.path, Machine: c.machine, Model: pc.modelID, Calls: len(pc.Calls),
		Tokenizer: pc.Tok.Name(), Exact: pc.Tok.Exact, Calibration: fit.scale, HiddenPrefix: fit.hidden}
	if pc.Model != nil && !pc.Tok.Exact && fit.scale != 1 {
		pc.info.Tokenizer = fmt.Sprintf("%s calibrated ×%.3f", pc.Tok.Name(), fit.scale)
	}
	return pc
}

// splitCalls splits c into exchanges (a user message after a reply starts
// one; consecutive user messages stay in one) and calls (one per
// assistant message not replayed from another file), each priced on its
// logged model where the log names one and --model is not given.
func (e *engine) splitCalls(pc *preparedConv, c *skeleton) {
	pc.Roles = resized(pc.Roles, len(c.msgs))
	// One array for the calls, sized once: growing it by appends
	// allocated several times its size on long conversations.
	pc.Calls = slices.Grow(pc.Calls[:0], c.calls())
	prev, lastUser := -1, -1
	var lastTime time.Time
	for i := range c.msgs {
		m := &c.msgs[i]
		pc.Roles[i] = strategy.Role(m.role)
		if m.is(codeUser) && (len(pc.Exchanges) == 0 || lastUser < prev || lastUser == -1) {
			pc.Exchanges = append(pc.Exchanges, i)
		}
		if m.is(codeUser) {
			lastUser = i
		}
		if m.is(codeAssistant) && m.replayed() {
			prev = i // history only: its call is counted in another file
		}
		if m.is(codeAssistant) && !m.replayed() {
			ci := callInfo{Msg: i, Prev: prev, Exchange: max(len(pc.Exchanges)-1, 0), Reported: usable(m.usage), At: lastTime,
				ToolOnly: m.flags&flagToolOnly != 0}
			if ci.At.IsZero() {
				ci.At = m.time()
			}
			ci.ModelID = pc.modelID
			ci.Model = pc.Model
			if mm := c.msgModel(i); e.opt.Model == "" && mm != "" && !strings.EqualFold(mm, pc.modelID) {
				if p, ok := e.opt.Prices.Lookup(mm); ok {
					ci.Model, ci.ModelID = p, mm
				} else {
					e.warn("model:"+mm, "model %q is not in the price table: its calls are unpriced (nearest: %s)", mm, strings.Join(e.opt.Prices.Nearest(mm, 3), ", "))
					ci.Model, ci.ModelID = nil, mm
				}
			}
			pc.Calls = append(pc.Calls, ci)
			prev = i
		}
		if m.at != 0 {
			lastTime = m.time()
		}
	}
	if len(pc.Exchanges) == 0 || pc.Exchanges[0] != 0 {
		pc.Exchanges = append([]int{0}, pc.Exchanges...)
	}
	// Recompute each call's exchange against the final list.
	for i := range pc.Calls {
		a := pc.Calls[i].Msg
		pc.Calls[i].Exchange = sort.SearchInts(pc.Exchanges, a+1) - 1
	}
}

// loggedModels sets the model each call of pc was billed on (reported
// usage is in its tokens and at its prices, whatever --model says) and
// returns the tokenizer of the log's model.
func (e *engine) loggedModels(pc *preparedConv, c *skeleton) *tokenize.Tokenizer {
	loggedID := c.model
	if loggedID == "" {
		loggedID = c.mostUsedModel()
	}
	loggedModel, _ := e.opt.Prices.Lookup(loggedID)
	loggedTok := pc.Tok
	if e.opt.Model != "" {
		loggedTok = e.primaryTokenizer(loggedID, loggedModel)
	}
	for i := range pc.Calls {
		ci := &pc.Calls[i]
		ci.Logged = loggedModel
		m := c.msgModel(ci.Msg)
		if m != "" {
			if p, ok := e.opt.Prices.Lookup(m); ok {
				ci.Logged = p
			}
		}
		if ci.Logged == nil && e.opt.Model != "" && pc.Model != nil && ci.Reported != nil {
			// A logged model with no price: --model prices its bill too,
			// so that billed and simulated are priced alike.
			if m == "" {
				m = loggedID
			}
			ci.Logged = pc.Model
			if m == "" {
				e.warn("billed-as:", "calls that name no model are billed as %s (--model)", pc.Model.ID)
			} else {
				e.warn("billed-as:"+m, "model %q has no price: its calls are billed as %s (--model)", m, pc.Model.ID)
			}
		}
	}
	return loggedTok
}

// logFit is what prepare fits of a conversation against reported usage.
type logFit struct {
	scale  float64 // calibration of an estimated tokenizer (1: none)
	hidden int64   // the hidden prefix: tokens every call was sent that the log does not hold
	usage  bool    // some call reports input
	// base are the counts calls are priced with, loggedBase those of the
	// log's model (the same unless --model changes the encoding).
	base, loggedBase *counts
}

// fitLog fits reported ≈ a × counted + b over the calls of pc with usage
// (profile/fit): a calibrates an estimated tokenizer, b is the hidden prefix,
// one figure for the conversation; what is left per call is estimation
// error. A what-if edit keeps the fit of the log as read, and the fit of
// an unedited skeleton is made once per tokenizer pair.
func (e *engine) fitLog(pc *preparedConv, c *skeleton, loggedTok *tokenize.Tokenizer) logFit {
	base := pc.countsFor(pc.Tok)
	loggedBase := base
	if loggedTok != pc.Tok {
		loggedBase = pc.countsFor(loggedTok)
	}
	cnt, rep := e.cntBuf[:0], e.repBuf[:0]
	e.cntBuf, e.repBuf = nil, nil // taken: a nested prepare (an edit's original) makes its own
	defer func() { e.cntBuf, e.repBuf = cnt[:0], rep[:0] }()
	for _, ci := range pc.Calls {
		if ci.Reported != nil && ci.Reported.InputTokens > 0 {
			rep = append(rep, ci.Reported.InputTokens)
			cnt = append(cnt, pc.fullInput(loggedBase, ci, ci.Logged))
		}
	}
	// A what-if edit keeps the calibration and the hidden prefix of the
	// log as read: usage describes the unedited calls, and an edit changes
	// what is counted, not what was hidden.
	var unedited *skeletonFit
	if c.fit != nil {
		unedited = c.fit
	} else if c.conv != nil && c.conv.Unedited != nil {
		u := newSkeleton(c.conv.Unedited)
		u.conv = c.conv.Unedited
		up := e.prepare(u)
		unedited = &skeletonFit{hidden: up.hidden, scale: up.info.Calibration}
	}
	// The fit of an unedited skeleton is made once per tokenizer pair:
	// findings and tune prepare the same conversations again.
	key := fmt.Sprint(e.opt.Model, "\x00", pc.Tok.Name(), "\x00", loggedTok.Name())
	known := unedited
	if known == nil {
		known = c.fitFor(key)
	}
	scale := 1.0
	switch {
	case known != nil:
		scale = known.scale
	case !pc.Tok.Exact && loggedTok == pc.Tok && len(rep) > 0:
		scale = calibration(cnt, rep, c.unlogged)
	}
	if scale != 1 {
		pc.kbuf[1] = base.scaleInto(pc.kbuf[1], scale)
		pc.counts[pc.Tok] = pc.kbuf[1]
		base = pc.counts[pc.Tok]
		if loggedTok == pc.Tok {
			loggedBase = base
			for i, j := 0, 0; known == nil && i < len(pc.Calls); i++ {
				if ci := pc.Calls[i]; ci.Reported != nil && ci.Reported.InputTokens > 0 {
					cnt[j] = pc.fullInput(base, ci, ci.Logged)
					j++
				}
			}
		}
	}
	var hidden int64
	if known != nil {
		hidden = known.hidden
	} else {
		// The prefix is measured in the logged model's tokens, then
		// converted when both estimate from one encoding.
		hidden = fit.HiddenPrefixOf(cnt, rep, false).Prefix
		if loggedTok != pc.Tok && loggedTok.Encoding == pc.Tok.Encoding && loggedTok.Factor > 0 {
			hidden = int64(float64(hidden)*pc.Tok.Factor/loggedTok.Factor + 0.5)
		}
		c.keepFit(key, &skeletonFit{hidden: hidden, scale: scale})
	}
	return logFit{scale: scale, hidden: hidden, usage: len(rep) > 0, base: base, loggedBase: loggedBase}
}

// calibration is the factor an estimated tokenizer's counts cnt are
// scaled by to match reported input rep.
func calibration(cnt, rep []int64, unlogged bool) float64 {
	if unlogged {
		// Content is known to be missing: the ratio is the slope, so that
		// the missing prefix does not pass for tokenizer error.
		return fit.HiddenPrefixOf(cnt, rep, true).Ratio
	}
	// Everything was logged: the ratio of sums, unless far from 1 (then
	// it is content the log does not hold: compaction steps, hidden
	// prompts).
	var rs, cs int64
	for i := range rep {
		rs, cs = rs+rep[i], cs+cnt[i]
	}
	if r := float64(rs) / float64(max(cs, 1)); cs > 0 && r >= 0.67 && r <= 1.5 {
		return r
	}
	return 1
}

// billCalls works out what each call of pc was billed beyond its counted
// input: reasoning, output the log does not show, the hidden prefix, the
// residual against reported input, and the reported cost.
func (e *engine) billCalls(pc *preparedConv, c *skeleton, fit logFit) {
	base := fit.base
	short := 0
	thinking, _ := c.rawFor(pc.Tok.Encoding)
	for i := range pc.Calls {
		ci := &pc.Calls[i]
		ci.Reasoning = reasoningOf(ci.Reported)
		if raw, has := reasoningRaw(thinking, ci.Msg); has && ci.Reasoning == 0 {
			// Thinking shown in the log: billed thinking is what the
			// reported output has beyond the visible reply (Anthropic bills
			// the full thinking, not the summary shown), or, with no usage,
			// the visible thinking itself.
			if ci.Reported != nil {
				ci.Reasoning = max(0, ci.Reported.OutputTokens-base.Content[ci.Msg])
			} else {
				ci.Reasoning = pc.Tok.ScaleRaw(raw)
			}
		}
		if ci.Reported != nil && ci.Reported.OutputTokens > 0 {
			// Reported output is the truth where the log has it: beyond the
			// reply it is output the log does not show (compaction steps,
			// tool-use preambles); below it, the usage line is a streaming
			// placeholder (Claude Code logs some), and the call is priced
			// as reported so that simulated and billed stay on one basis.
			ci.HiddenOutput = ci.Reported.OutputTokens - ci.Reasoning - base.Content[ci.Msg]
			if 2*ci.Reported.OutputTokens < base.Content[ci.Msg] {
				short++ // not tokenizer error: a placeholder
			}
		}
		if c.msgs[ci.Msg].flags&flagNoReply != 0 && ci.Reported == nil {
			ci.HiddenOutput = e.opt.AssumeOutput // the response is not in the log
		}
		ci.Counted = pc.fullInput(base, *ci, ci.Logged)
		if fit.usage {
			ci.Unlogged = fit.hidden
		}
		if ci.Reported != nil {
			if ci.Reported.InputTokens > 0 {
				ci.Residual = ci.Reported.InputTokens - pc.fullInput(fit.loggedBase, *ci, ci.Logged) - fit.hidden
			}
			if ci.Logged != nil {
				ci.RepCost = ci.Logged.Billed(ci.Reported, c.batch)
			}
		}
	}
	pc.shortOutput = short
}

func (pc *preparedConv) countsFor(t *tokenize.Tokenizer) *counts {
	if k, ok := pc.counts[t]; ok {
		return k
	}
	k := pc.sk.counts(t)
	pc.counts[t] = k
	return k
}

// primaryModel resolves the model a conversation is priced and counted
// with: --model, else the log's.
func (e *engine) primaryModel(c *skeleton) (string, *price.Model) {
	id := e.opt.Model
	if id == "" {
		id = c.model
	}
	if id == "" {
		id = c.mostUsedModel()
	}
	p, _ := e.opt.Prices.Lookup(id)
	return id, p
}

func (e *engine) primaryTokenizer(id string, p *price.Model) *tokenize.Tokenizer {
	if p != nil {
		return e.tokenizer(p)
	}
	if enc, ok := tokenize.OpenAIEncoding(id); ok {
		t, _ := tokenize.NewTokenizer(enc, 1, true)
		return e.tokenizerFor(t)
	}
	t, _ := tokenize.NewTokenizer(tokenize.O200kBase, 1, false)
	return e.tokenizerFor(t)
}

// tokenizerFor returns the engine's tokenizer equal to t, so that counts
// are keyed by one pointer per tokenizer.
func (e *engine) tokenizerFor(t *tokenize.Tokenizer) *tokenize.Tokenizer {
	e.tokMu.Lock()
	defer e.tokMu.Unlock()
	key := t.Encoding + fmt.Sprint(t.Factor, t.Exact, t.ImageTokens)
	if have, ok := e.tokenizers[key]; ok {
		return have
	}
	e.tokenizers[key] = t
	return t
}

// skeletons builds the skeletons of convs, keeping their text, and counts
// them with their primary tokenizers on every core: one conversation per
// worker when there are many, a conversation's messages split across
// workers when there is one.
func (e *engine) skeletons(convs []*transcripts.Conversation) []*skeleton {
	sks := make([]*skeleton, len(convs))
	toks := make([]*tokenize.Tokenizer, len(convs))
	for i, c := range convs {
		sks[i] = newSkeleton(c)
		sks[i].conv = c
		toks[i] = e.primaryTokenizer(e.primaryModel(sks[i]))
	}
	workers := runtime.GOMAXPROCS(0)
	if len(convs) == 1 {
		sks[0].countRaw(convs[0], toks[0], workers)
		return sks
	}
	var wg sync.WaitGroup
	var next atomic.Int64
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(convs) {
					return
				}
				sks[i].countRaw(convs[i], toks[i], 1)
			}
		})
	}
	wg.Wait()
	return sks
}

// fullInput is a call's input with the whole history, as counted, with
// the thinking model m carries in history (thinking.go).
func (pc *preparedConv) fullInput(k *counts, ci callInfo, m *price.Model) int64 {
	n := k.ToolDefs + tokenize.ReplyPriming + k.sent(ci.Msg) + k.Thinking(0, ci.Msg, pc.ThinkFrom(&ci, m, k.Think != nil))
	if p := k.PromptAt(ci.Msg); p != nil {
		// The call was sent its own system prompt and tools in place of
		// the conversation's.
		n += p.ToolDefs - k.ToolDefs + p.SystemFramed
		for i := 0; i < ci.Msg; i++ {
			if pc.Roles[i] == strategy.System {
				n -= k.Content[i] + k.Framing[i]
			}
		}
	}
	return n
}

func mostUsedModel(c *transcripts.Conversation) string { // the text's; skeleton.mostUsedModel is the same
	n := map[string]int{}
	best := ""
	for _, m := range c.Messages {
		if m.Model == "" {
			continue
		}
		n[m.Model]++
		if n[m.Model] > n[best] {
			best = m.Model
		}
	}
	return best
}

// usable is u, or nil when every count in it is zero: a log that writes
// zeros where it has no usage has none, and a bill of nothing next to an
// unlogged prefix of thousands would mislead.
func usable(u *transcripts.Usage) *transcripts.Usage {
	if u == nil || *u == (transcripts.Usage{}) {
		return nil
	}
	return u
}
