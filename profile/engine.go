// Package profile is tokenscope's engine: it splits conversations into
// calls, counts every part of every call once (profile/tokenize), prices it
// (profile/price), and simulates cost-cutting strategies on the same counts.
// It has no terminal code.
//
// The ways in: Load reads and counts a path, file by file, into a
// Prepared; Prepare does the same for conversations in memory; Prepared.Run
// simulates strategies on either, again and again (the TUI's knobs). Run is
// Prepare and Prepared.Run in one call, and New a Profile of a read Source.
// A strategy is steps (step_*.go), each declared by a StepKind.
package profile

import (
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/profile/tokenize"
	"github.com/tokenscope/tokenscope/transcripts"
)

// SummaryInstruction is the instruction a summariser call is sent, counted
// in its input.
const SummaryInstruction = "Summarise the conversation so far for the assistant that will continue it. Keep every fact, decision, open question, file name, identifier and number the user or tools gave; drop pleasantries. Write it as a brief for yourself."

// Parts are the input tokens of one call, by part.
type Parts struct {
	System      int64 `json:"system"`
	ToolDefs    int64 `json:"tool_defs"`
	History     int64 `json:"history"`
	Summary     int64 `json:"summary"`
	RAG         int64 `json:"rag"`
	User        int64 `json:"user"`
	ToolResults int64 `json:"tool_results"`
	Unlogged    int64 `json:"unlogged"`
	Overhead    int64 `json:"overhead"`
}

// Total is the sum of all parts.
func (p Parts) Total() int64 {
	return p.System + p.ToolDefs + p.History + p.Summary + p.RAG + p.User + p.ToolResults + p.Unlogged + p.Overhead
}

// PartNames lists the parts in the order they are sent and shown.
var PartNames = []string{"unlogged", "tool_defs", "system", "summary", "history", "rag", "user", "tool_results", "overhead"}

// Get returns the part named name.
func (p Parts) Get(name string) int64 {
	switch name {
	case "system":
		return p.System
	case "tool_defs":
		return p.ToolDefs
	case "history":
		return p.History
	case "summary":
		return p.Summary
	case "rag":
		return p.RAG
	case "user":
		return p.User
	case "tool_results":
		return p.ToolResults
	case "unlogged":
		return p.Unlogged
	case "overhead":
		return p.Overhead
	}
	return 0
}

func (p *Parts) add(q Parts) {
	p.System += q.System
	p.ToolDefs += q.ToolDefs
	p.History += q.History
	p.Summary += q.Summary
	p.RAG += q.RAG
	p.User += q.User
	p.ToolResults += q.ToolResults
	p.Unlogged += q.Unlogged
	p.Overhead += q.Overhead
}

// Call is one simulated call.
type Call struct {
	Index        int    // 1-based within its conversation
	Conversation string // conversation id
	Message      int    // index of the assistant message (the response) in the conversation
	Model        string // model priced
	Input        Parts
	Cached       int64 // input tokens read from cache
	// CachedFromLog is the part of Cached read only because the log shows
	// it cached (its first call read it): no call the log holds wrote it.
	CachedFromLog int64
	// CachedOwn says the call read the prefix its conversation's previous
	// call sent: a read beyond it is estimation, not a prefix from
	// elsewhere.
	CachedOwn    bool
	CacheWrite   int64 // input tokens written to cache
	CacheWrite1h bool  // the writes were at the 1-hour TTL's price
	Output       int64 // visible output billed
	Reasoning    int64 // reasoning output billed
	// Summariser call made before this call, billed with it.
	SummaryInput, SummaryOutput int64
	Cost                        price.Money
	Truncated                   bool // the cap cut the reply
	Overflow                    bool // input exceeds the model's context window
	Unpriced                    bool // the model is not in the price table
	Routed                      bool // a route step priced it on another model
	// Served says a response cache answered the call: no model cost;
	// ServedSaved is what the call would have cost.
	Served      bool
	ServedSaved price.Money
	Dropped     int64
	// KeptFrom is the first non-system message sent; earlier ones were
	// dropped, or summarised when Summarised is set.
	KeptFrom   int
	Summarised bool
	// Cleared is the input a context edit took out (tool results,
	// thinking), net of its placeholders.
	Cleared  int64
	Reported *transcripts.Usage
	// ReportedCost is what Reported was billed (0 when Reported is nil).
	ReportedCost price.Money
	// CountedInput is the full-history input as counted, to compare with
	// Reported (before the unlogged part is added).
	CountedInput int64
	// EstimateError is reported input − (CountedInput + the conversation's
	// hidden prefix): what the counts miss or overshoot on this call. The
	// hidden prefix is one figure per conversation, so this is where a
	// tokenizer estimate's error shows (0 without usage).
	EstimateError int64
}

// BilledOutput is the call's output_tokens as every report shows it: all
// output billed, visible and hidden, reasoning included (as providers
// report output_tokens); Reasoning is the part of it that is reasoning.
func (c *Call) BilledOutput() int64 { return c.Output + c.Reasoning }

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
	t.Parts.add(c.Input)
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
	t.Parts.add(o.Parts)
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
	Strategy *Strategy
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
	Strategies []*Strategy
	// AssumeOutput is the output, in tokens, of a call whose response the
	// log does not hold (a request logged alone); 0 when not set.
	AssumeOutput int64

	// onCall, when set, sees every simulated call (strategy index, call)
	// and the engine keeps no per-call rows, only totals: tune searches
	// thousands of strategies.
	onCall func(strategy int, c *Call)
}

// Run counts, prices and simulates convs under every strategy: Prepare
// then Run.
func Run(convs []*transcripts.Conversation, opt Options) (*Result, error) {
	if len(opt.Strategies) == 0 {
		for _, s := range DefaultStrategiesFor(convs) {
			st, _ := ParseStrategy(s)
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
	// sumsBuf holds a conversation's prefix sums while it is simulated
	// (View.sums); a view does not outlive its simulate.
	sumsBuf []int64
	// spare is a prepared conversation done with (recycle); cntBuf and
	// repBuf are prepare's scratch.
	spare          *preparedConv
	cntBuf, repBuf []int64
	// shared holds a step's state across the conversations of a run (a
	// response cache), keyed by the step.
	shared     map[Step]any
	tokenizers map[string]*tokenize.Tokenizer
	tokMu      sync.Mutex // tokenizers is shared by Load's counting goroutines
	counted    map[*transcripts.Conversation]*counts
	warned     map[string]bool
	warnings   []string
	sources    *sourceIndex
}

// share keeps v as step's state across conversations.
func (e *engine) share(step Step, v any) {
	if e.shared == nil {
		e.shared = map[Step]any{}
	}
	e.shared[step] = v
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
type callInfo struct {
	msg       int          // index of the assistant message
	prev      int          // index of the previous assistant message, -1 if none
	exchange  int          // index into exchanges of the exchange the call belongs to
	unit      int          // index into units of the unit holding the message before the call
	model     *price.Model // priced on (--model, else the logged one)
	modelID   string
	logged    *price.Model // billed on, for reported cost
	at        time.Time    // when the request was sent, zero when unknown
	reported  *transcripts.Usage
	reasoning int64 // billed reasoning tokens of the reply
	// hiddenOutput is reported output beyond the visible reply and the
	// reasoning, billed with the output (negative when the log reports
	// less than the reply holds).
	hiddenOutput int64
	unlogged     int64 // the conversation's hidden prefix
	// residual is reported input − (counted + hidden prefix): estimation
	// error of this call, 0 without usage.
	residual int64
	// breakAt is where the log shows the app's cached prefix broke on this
	// call (its cache read, in tokens), -1 when it did not.
	breakAt int64
	counted int64 // full input as counted
	repCost price.Money
}

// preparedConv is one conversation counted, priced and split into calls
// (prepare); a Prepared holds them for a log.
type preparedConv struct {
	sk        *skeleton
	idx       int // index of the conversation in its run
	info      ConversationInfo
	tok       *tokenize.Tokenizer
	model     *price.Model
	modelID   string
	counts    map[*tokenize.Tokenizer]*counts
	calls     []callInfo
	exchanges []int // message index where each exchange starts
	units     []int // message index where each unit starts (see findUnits)
	uses      []toolUse
	isSystem  []bool
	// hidden is the conversation's hidden prefix: tokens every call was
	// sent that the log does not hold (0 without usage).
	hidden int64
	// logTTL is the cache TTL the log's writes show, in seconds: 3600
	// when most reported writes were 1-hour ones, 300 when they were
	// 5-minute ones, 0 when the log reports no writes.
	logTTL int64
	// shared is the leading part of every call's input that other
	// conversations of the same source send too (a system prompt and tool
	// schemas), and warm says the log's first call found it cached.
	shared int64
	warm   bool
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
	*pc = preparedConv{sk: c, counts: pc.counts, calls: pc.calls[:0], exchanges: pc.exchanges[:0], units: pc.units[:0],
		uses: pc.uses[:0], isSystem: pc.isSystem, kbuf: pc.kbuf}
	clear(pc.counts)
	pc.modelID, pc.model = e.primaryModel(c)
	if pc.model == nil && pc.modelID != "" {
		e.warn("model:"+pc.modelID, "model %q is not in the price table: its calls are unpriced (nearest: %s)", pc.modelID, strings.Join(e.opt.Prices.Nearest(pc.modelID, 3), ", "))
	} else if pc.model == nil {
		e.warn("nomodel:"+c.path, "%s: the log names no model: calls are unpriced; pass --model", c.path)
	}
	pc.tok = e.primaryTokenizer(pc.modelID, pc.model)
	pc.kbuf[0] = c.countsInto(pc.kbuf[0], pc.tok)
	pc.counts[pc.tok] = pc.kbuf[0]
	e.splitCalls(pc, c)
	loggedTok := e.loggedModels(pc, c)
	fit := e.fitLog(pc, c, loggedTok)
	pc.hidden = fit.hidden
	e.billCalls(pc, c, fit)
	pc.findUnits()
	pc.sharedPrefix(fit.base)
	pc.cacheBreaks()
	pc.measureServed()
	pc.info = ConversationInfo{ID: c.id, Path: c.path, Machine: c.machine, Model: pc.modelID, Calls: len(pc.calls),
		Tokenizer: pc.tok.Name(), Exact: pc.tok.Exact, Calibration: fit.scale, HiddenPrefix: fit.hidden}
	if pc.model != nil && !pc.tok.Exact && fit.scale != 1 {
		pc.info.Tokenizer = fmt.Sprintf("%s calibrated ×%.3f", pc.tok.Name(), fit.scale)
	}
	return pc
}

// splitCalls splits c into exchanges (a user message after a reply starts
// one; consecutive user messages stay in one) and calls (one per
// assistant message not replayed from another file), each priced on its
// logged model where the log names one and --model is not given.
func (e *engine) splitCalls(pc *preparedConv, c *skeleton) {
	pc.isSystem = resized(pc.isSystem, len(c.msgs))
	prev, lastUser := -1, -1
	var lastTime time.Time
	for i := range c.msgs {
		m := &c.msgs[i]
		pc.isSystem[i] = m.is(codeSystem)
		if m.is(codeUser) && (len(pc.exchanges) == 0 || lastUser < prev || lastUser == -1) {
			pc.exchanges = append(pc.exchanges, i)
		}
		if m.is(codeUser) {
			lastUser = i
		}
		if m.is(codeAssistant) && m.replayed() {
			prev = i // history only: its call is counted in another file
		}
		if m.is(codeAssistant) && !m.replayed() {
			ci := callInfo{msg: i, prev: prev, exchange: max(len(pc.exchanges)-1, 0), reported: usable(m.usage), at: lastTime}
			if ci.at.IsZero() {
				ci.at = m.time()
			}
			ci.modelID = pc.modelID
			ci.model = pc.model
			if mm := c.msgModel(i); e.opt.Model == "" && mm != "" && !strings.EqualFold(mm, pc.modelID) {
				if p, ok := e.opt.Prices.Lookup(mm); ok {
					ci.model, ci.modelID = p, mm
				} else {
					e.warn("model:"+mm, "model %q is not in the price table: its calls are unpriced (nearest: %s)", mm, strings.Join(e.opt.Prices.Nearest(mm, 3), ", "))
					ci.model, ci.modelID = nil, mm
				}
			}
			pc.calls = append(pc.calls, ci)
			prev = i
		}
		if m.at != 0 {
			lastTime = m.time()
		}
	}
	if len(pc.exchanges) == 0 || pc.exchanges[0] != 0 {
		pc.exchanges = append([]int{0}, pc.exchanges...)
	}
	// Recompute each call's exchange against the final list.
	for i := range pc.calls {
		a := pc.calls[i].msg
		pc.calls[i].exchange = sort.SearchInts(pc.exchanges, a+1) - 1
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
	loggedTok := pc.tok
	if e.opt.Model != "" {
		loggedTok = e.primaryTokenizer(loggedID, loggedModel)
	}
	for i := range pc.calls {
		ci := &pc.calls[i]
		ci.logged = loggedModel
		m := c.msgModel(ci.msg)
		if m != "" {
			if p, ok := e.opt.Prices.Lookup(m); ok {
				ci.logged = p
			}
		}
		if ci.logged == nil && e.opt.Model != "" && pc.model != nil && ci.reported != nil {
			// A logged model with no price: --model prices its bill too,
			// so that billed and simulated are priced alike.
			if m == "" {
				m = loggedID
			}
			ci.logged = pc.model
			if m == "" {
				e.warn("billed-as:", "calls that name no model are billed as %s (--model)", pc.model.ID)
			} else {
				e.warn("billed-as:"+m, "model %q has no price: its calls are billed as %s (--model)", m, pc.model.ID)
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
// (fit.go): a calibrates an estimated tokenizer, b is the hidden prefix,
// one figure for the conversation; what is left per call is estimation
// error. A what-if edit keeps the fit of the log as read, and the fit of
// an unedited skeleton is made once per tokenizer pair.
func (e *engine) fitLog(pc *preparedConv, c *skeleton, loggedTok *tokenize.Tokenizer) logFit {
	base := pc.countsFor(pc.tok)
	loggedBase := base
	if loggedTok != pc.tok {
		loggedBase = pc.countsFor(loggedTok)
	}
	cnt, rep := e.cntBuf[:0], e.repBuf[:0]
	e.cntBuf, e.repBuf = nil, nil // taken: a nested prepare (an edit's original) makes its own
	defer func() { e.cntBuf, e.repBuf = cnt[:0], rep[:0] }()
	for _, ci := range pc.calls {
		if ci.reported != nil && ci.reported.InputTokens > 0 {
			rep = append(rep, ci.reported.InputTokens)
			cnt = append(cnt, pc.fullInput(loggedBase, ci, ci.logged))
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
	key := fmt.Sprint(e.opt.Model, "\x00", pc.tok.Name(), "\x00", loggedTok.Name())
	known := unedited
	if known == nil {
		known = c.fitFor(key)
	}
	scale := 1.0
	switch {
	case known != nil:
		scale = known.scale
	case !pc.tok.Exact && loggedTok == pc.tok && len(rep) > 0:
		scale = calibration(cnt, rep, c.unlogged)
	}
	if scale != 1 {
		pc.kbuf[1] = base.scaleInto(pc.kbuf[1], scale)
		pc.counts[pc.tok] = pc.kbuf[1]
		base = pc.counts[pc.tok]
		if loggedTok == pc.tok {
			loggedBase = base
			for i, j := 0, 0; known == nil && i < len(pc.calls); i++ {
				if ci := pc.calls[i]; ci.reported != nil && ci.reported.InputTokens > 0 {
					cnt[j] = pc.fullInput(base, ci, ci.logged)
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
		hidden = fitHiddenPrefix(cnt, rep, false).Prefix
		if loggedTok != pc.tok && loggedTok.Encoding == pc.tok.Encoding && loggedTok.Factor > 0 {
			hidden = int64(float64(hidden)*pc.tok.Factor/loggedTok.Factor + 0.5)
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
		return fitHiddenPrefix(cnt, rep, true).Ratio
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
	thinking, _ := c.rawFor(pc.tok.Encoding)
	for i := range pc.calls {
		ci := &pc.calls[i]
		ci.reasoning = reasoningOf(ci.reported)
		if raw, has := reasoningRaw(thinking, ci.msg); has && ci.reasoning == 0 {
			// Thinking shown in the log: billed thinking is what the
			// reported output has beyond the visible reply (Anthropic bills
			// the full thinking, not the summary shown), or, with no usage,
			// the visible thinking itself.
			if ci.reported != nil {
				ci.reasoning = max(0, ci.reported.OutputTokens-base.content[ci.msg])
			} else {
				ci.reasoning = pc.tok.ScaleRaw(raw)
			}
		}
		if ci.reported != nil && ci.reported.OutputTokens > 0 {
			// Reported output is the truth where the log has it: beyond the
			// reply it is output the log does not show (compaction steps,
			// tool-use preambles); below it, the usage line is a streaming
			// placeholder (Claude Code logs some), and the call is priced
			// as reported so that simulated and billed stay on one basis.
			ci.hiddenOutput = ci.reported.OutputTokens - ci.reasoning - base.content[ci.msg]
			if 2*ci.reported.OutputTokens < base.content[ci.msg] {
				short++ // not tokenizer error: a placeholder
			}
		}
		if c.msgs[ci.msg].flags&flagNoReply != 0 && ci.reported == nil {
			ci.hiddenOutput = e.opt.AssumeOutput // the response is not in the log
		}
		ci.counted = pc.fullInput(base, *ci, ci.logged)
		if fit.usage {
			ci.unlogged = fit.hidden
		}
		if ci.reported != nil {
			if ci.reported.InputTokens > 0 {
				ci.residual = ci.reported.InputTokens - pc.fullInput(fit.loggedBase, *ci, ci.logged) - fit.hidden
			}
			if ci.logged != nil {
				ci.repCost = ci.logged.Billed(ci.reported, c.batch)
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
	return k.toolDefs + tokenize.ReplyPriming + k.sent(ci.msg) + k.thinking(0, ci.msg, pc.thinkFrom(&ci, m, k.think != nil))
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
