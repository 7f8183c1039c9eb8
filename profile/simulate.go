package profile

import (
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/profile/tokenize"
	"github.com/tokenscope/tokenscope/transcripts"
)

// simulate runs strategy s over one prepared conversation. It only adds up
// counts made once in prepare: nothing is tokenized here except, once per
// conversation and tokenizer, when s prices on a model whose tokenizer
// differs.
//
// The steps of s start on the conversation in stage order; then for each
// call the engine builds a plan (every message sent, the call's own
// model), lets the history steps narrow it, lays out what is sent as
// spans, lets the output and price steps act, and prices the result.
func (e *engine) simulate(pc *preparedConv, s *Strategy, ns []stepNote) ConversationResult {
	return e.simulateInto(pc, s, ns, nil)
}

// simulateInto is simulate appending the calls to dst (when rows are
// kept): the result's Calls are dst's new part.
func (e *engine) simulateInto(pc *preparedConv, s *Strategy, ns []stepNote, dst []Call) ConversationResult {
	cr := ConversationResult{ID: pc.info.ID, Path: pc.info.Path}
	rows := e.opt.onCall == nil && !e.noRows
	start := len(dst)
	if rows {
		if dst == nil {
			dst = make([]Call, 0, len(pc.calls))
		}
		cr.Calls = dst[start:start:cap(dst)]
	}
	v := &View{e: e, pc: pc, k: pc.counts[pc.tok], tok: pc.tok}
	v.content = v.k.content
	steps := s.stages()
	states := make([]State, 0, len(steps))
	stageAt := make([]Stage, 0, len(steps))
	for _, st := range steps {
		states = append(states, st.Start(v))
		stageAt = append(stageAt, st.Kind().Stage)
	}
	v.sums()

	p := &Plan{v: v}
	var scratch Call // the call, when the engine keeps no rows
	for i := range pc.calls {
		ci := &pc.calls[i]
		c := Call{Index: i + 1, Conversation: pc.info.ID, Message: ci.msg, Reported: ci.reported,
			ReportedCost: ci.repCost, CountedInput: ci.counted, EstimateError: ci.residual}
		call := &scratch
		if rows {
			cr.Calls = append(cr.Calls, c)
			call = &cr.Calls[len(cr.Calls)-1]
		} else {
			scratch = c
		}
		p.reset(ci, call)

		j := 0
		for ; j < len(states) && stageAt[j] <= StageHistory; j++ {
			states[j].Apply(p)
		}
		p.layout()
		for ; j < len(states) && stageAt[j] <= StageOutput; j++ {
			states[j].Apply(p)
		}
		for ; j < len(states); j++ {
			states[j].Apply(p)
		}
		p.price()
		cr.Totals.addCall(call)
		if e.opt.onCall != nil && ns != nil {
			e.opt.onCall(e.strategy, call)
		}
	}
	for i, st := range states {
		if n, ok := st.(noter); ok && i < len(ns) {
			ns[i].merge(n.stepNote())
		}
	}
	return cr
}

// View is one conversation as a strategy's steps see it: the counts
// of the tokenizer it is priced with, what history carries of each
// message, and prefix sums over that.
type View struct {
	e     *engine
	pc    *preparedConv
	k     *counts
	tok   *tokenize.Tokenizer // k's tokenizer
	model *price.Model        // every call's model when set (the model= step)
	// content is each message as later calls carry it in their history
	// (the cap shortens replies).
	content []int64
	// Prefix sums over non-system messages (content, framing) and over
	// system messages (content + framing, content).
	pc0, pf, ps, psc []int64
	// think sums the thinking shown in assistant messages (nil: none);
	// nextThink[i] is the first message from i that has some.
	think     []int64
	nextThink []int
	// sysScale scales the system prompts of calls that were sent their
	// own (counts.prompts) as content scales the logged one (0: 1).
	sysScale float64
}

// prompt is what call message a sends before its messages: the system
// messages (content; with their framing) and the tool schemas, with their
// cache identities (0: the conversation's own). Most logs send the
// conversation's own on every call: its sums answer.
func (v *View) prompt(a int) (sys, sysFramed, tools int64, sysID, toolsID int) {
	p := v.k.promptAt(a)
	if p == nil {
		return v.psc[a], v.ps[a], v.k.toolDefs, 0, 0
	}
	sys, sysFramed = p.sys, p.sysFramed
	if v.sysScale != 0 {
		sys = scaled(p.sys, v.sysScale)
		sysFramed += sys - p.sys
	}
	return sys, sysFramed, p.toolDefs, int(p.sysID), int(p.toolsID)
}

func (v *View) sums() {
	n := len(v.pc.sk.msgs)
	// One buffer for the four sums, reused by the engine's next
	// conversation: tune simulates thousands of strategy×conversation
	// pairs, and the sums were most of what they allocated.
	buf := v.e.sumsBuf
	if cap(buf) < 4*(n+1) {
		buf = make([]int64, 4*(n+1))
		v.e.sumsBuf = buf
	}
	buf = buf[:4*(n+1)]
	v.pc0, v.pf, v.ps, v.psc = buf[:n+1:n+1], buf[n+1:2*(n+1):2*(n+1)], buf[2*(n+1):3*(n+1):3*(n+1)], buf[3*(n+1):]
	v.pc0[0], v.pf[0], v.ps[0], v.psc[0] = 0, 0, 0, 0
	for i := range n {
		v.pc0[i+1], v.pf[i+1], v.ps[i+1], v.psc[i+1] = v.pc0[i], v.pf[i], v.ps[i], v.psc[i]
		if v.pc.isSystem[i] {
			v.ps[i+1] += v.content[i] + v.k.framing[i]
			v.psc[i+1] += v.content[i]
		} else {
			v.pc0[i+1] += v.content[i]
			v.pf[i+1] += v.k.framing[i]
		}
	}
	v.think = v.k.think
	if v.think != nil {
		v.nextThink = make([]int, n+1)
		v.nextThink[n] = n
		for i := n - 1; i >= 0; i-- {
			v.nextThink[i] = v.nextThink[i+1]
			if v.think[i+1] > v.think[i] {
				v.nextThink[i] = i
			}
		}
	}
}

// sent is the content and framing of the non-system messages [lo, hi).
func (v *View) sent(lo, hi int) int64 {
	return v.pc0[hi] - v.pc0[lo] + v.pf[hi] - v.pf[lo]
}

// Plan is what one call sends and how it is billed, as the steps of a
// strategy shape it.
type Plan struct {
	v     *View
	ci    *callInfo
	call  *Call
	model *price.Model // priced on; nil when unpriced

	// History stage: non-system messages before lo are not sent; a
	// summary, when set, stands in for (some of) them.
	lo      int
	summary synthetic // version 0: none
	// thinkFrom is the first message whose thinking is sent (thinking.go);
	// thinkDefault is where the model's own rule puts it.
	thinkFrom, thinkDefault int
	// side are calls billed beside this one (a summariser).
	side []sideCall

	// edits replace content inside [lo, call) by placeholders, in
	// message order, not overlapping.
	edits []edit

	// Laid out by the engine after the history stage.
	spans []span
	total int64

	// unlogged is the hidden prefix the call sends (steps may scale it
	// before the layout); outputScale scales the reply (1: as logged).
	unlogged    int64
	outputScale float64
	// served says a response cache answered the call: no model cost.
	served bool

	// Price stage.
	batch    bool
	writeTTL int64 // seconds the cache writes live: the 1h rate above 5 minutes
}

// synthetic is a part the strategy adds to what is sent.
type synthetic struct {
	tokens  int64 // content, without framing
	version int   // changes whenever the content does (cache identity)
}

// edit is content of messages [from, to) that the strategy replaced:
// removed tokens out, added placeholder tokens in.
type edit struct {
	from, to       int
	removed, added int64
}

// sideCall is a call billed beside the simulated one.
type sideCall struct {
	model         *price.Model
	input, output int64
}

// span is a stretch of what a call sends, in order. Two calls share a
// cached prefix as long as their spans have the same kind and id; a span
// of the same kind and id but other length (a range that grew) shares its
// shorter length and ends the match.
type span struct {
	kind   spanKind
	id     int
	tokens int64
}

type spanKind uint8

const (
	spanUnlogged spanKind = iota
	spanToolDefs
	spanSystem
	spanSummary
	spanMessages // id: the first message of the range
	spanEdited   // messages with edits; id: the first message
)

// sharedPrefix is how many leading tokens b sends exactly as a did.
func sharedPrefix(a, b []span) int64 {
	var n int64
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i].kind != b[i].kind || a[i].id != b[i].id {
			break
		}
		n += min(a[i].tokens, b[i].tokens)
		if a[i].tokens != b[i].tokens {
			break
		}
	}
	return n
}

func (p *Plan) reset(ci *callInfo, call *Call) {
	p.ci, p.call = ci, call
	p.model = ci.model
	if p.v.model != nil {
		p.model = p.v.model
	}
	if p.model != nil {
		call.Model = p.model.ID
	} else {
		call.Model = ci.modelID
	}
	p.lo, p.summary, p.side, p.edits = 0, synthetic{}, p.side[:0], p.edits[:0]
	p.thinkFrom = p.v.thinkFrom(ci, p.model)
	p.thinkDefault = p.thinkFrom
	p.spans, p.total = p.spans[:0], 0
	p.batch, p.writeTTL = false, 0
	p.unlogged, p.outputScale, p.served = ci.unlogged, 1, false
}

// keptFrom is the first message the call sends: lo as the history steps
// left it, within the unit before the call, past system messages (they
// are sent whatever the window, so equal ranges compare equal for
// caching).
func (p *Plan) keptFrom() int {
	v := p.v
	cs := v.pc.units[p.ci.unit]
	lo := min(p.lo, cs)
	for lo < cs && v.pc.isSystem[lo] {
		lo++
	}
	return lo
}

// edited sums the edits that apply when history starts at lo: tokens
// removed and placeholder tokens added. Edits before lo lie in history a
// later step dropped; they go with it.
func (p *Plan) edited(lo int) (removed, added int64) {
	for _, e := range p.edits {
		if e.from >= lo {
			removed += e.removed
			added += e.added
		}
	}
	return removed, added
}

// input is what the call sends with the plan as it stands: history steps
// use it for their triggers.
func (p *Plan) input() int64 {
	v, a := p.v, p.ci.msg
	lo := p.keptFrom()
	_, sys, tools, _, _ := v.prompt(a)
	n := p.unlogged + tools + sys + tokenize.ReplyPriming + v.sent(lo, a) + v.thinking(lo, a, p.thinkFrom)
	if p.summary.version > 0 {
		n += p.summary.tokens + tokenize.TokensPerMessage + 1
	}
	removed, added := p.edited(lo)
	return n - removed + added
}

// layout fixes what the call sends once the history steps have acted:
// its parts by kind, its spans, and its output before the output steps.
func (p *Plan) layout() {
	v, ci, call := p.v, p.ci, p.call
	msgs := v.pc.sk.msgs
	a, prev := ci.msg, ci.prev
	lo := p.keptFrom()
	p.lo = lo
	call.KeptFrom, call.Summarised = lo, p.summary.version > 0

	var in Parts
	sys, sysFramed, tools, sysID, toolsID := v.prompt(a)
	in.Unlogged = p.unlogged
	in.ToolDefs = tools
	in.System = sys
	in.Overhead = sysFramed - sys + tokenize.ReplyPriming
	if p.summary.version > 0 {
		in.Summary = p.summary.tokens
		in.Overhead += tokenize.TokensPerMessage + 1
	}
	newFrom := max(prev+1, lo)
	if prev >= lo {
		in.History = v.pc0[prev+1] - v.pc0[lo]
	}
	in.Overhead += v.pf[a] - v.pf[lo]
	for i := newFrom; i < a; i++ {
		if v.pc.isSystem[i] {
			continue
		}
		c, r := v.content[i], min(v.k.rag[i], v.content[i])
		in.RAG += r
		switch msgs[i].role {
		case codeTool:
			in.ToolResults += c - r
		case codeUser:
			in.User += c - r
		default:
			in.History += c - r
		}
	}
	// Edits (cleared tool results) lie in history the model has seen: the
	// placeholders stand where the content was. Thinking carried is
	// history too.
	removed, added := p.edited(lo)
	think := v.thinking(lo, a, p.thinkFrom)
	in.History += added - removed + think
	call.Cleared = removed - added + v.thinking(lo, a, p.thinkDefault) - think
	call.Input = in
	call.Dropped = v.pc0[lo]
	p.total = in.Total()

	p.spans = append(p.spans,
		span{kind: spanUnlogged, tokens: in.Unlogged},
		span{kind: spanToolDefs, id: toolsID, tokens: in.ToolDefs},
		span{kind: spanSystem, id: sysID, tokens: sysFramed})
	if p.summary.version > 0 {
		p.spans = append(p.spans, span{kind: spanSummary, id: p.summary.version, tokens: p.summary.tokens + tokenize.TokensPerMessage + 1})
	}
	// Messages from lo, split at edits and where carried thinking starts:
	// a call that edits or clears more shares the prefix up to there.
	// The split is at the first message from thinkFrom that has
	// thinking: the same point for every call of an exchange, and where
	// content changes when earlier thinking is dropped.
	tf := -1
	if v.think != nil {
		if m := v.nextThink[min(p.thinkFrom, a)]; m > lo && m < a {
			tf = m
		}
	}
	from, first := lo, true
	plain := func(to int) {
		for from < to || first {
			end := to
			if tf > from && tf < to {
				end = tf
			}
			p.spans = append(p.spans, span{kind: spanMessages, id: from, tokens: v.sent(from, end) + v.thinking(from, end, p.thinkFrom)})
			from, first = end, false
		}
	}
	for _, e := range p.edits {
		if e.from < lo {
			continue
		}
		if e.from > from || first {
			plain(e.from)
		}
		p.spans = append(p.spans, span{kind: spanEdited, id: e.from,
			tokens: v.sent(e.from, e.to) - e.removed + e.added + v.thinking(e.from, e.to, p.thinkFrom)})
		from, first = e.to, false
	}
	if from < a || first {
		plain(a)
	}

	call.Output, call.Reasoning = max(0, v.k.content[a]+ci.hiddenOutput), ci.reasoning
	if p.outputScale != 1 {
		call.Output = scaled(call.Output, p.outputScale)
	}
}

// price bills the call and the calls beside it.
func (p *Plan) price() {
	call := p.call
	for _, sc := range p.side {
		if sc.model == nil {
			continue
		}
		r := sc.model.RatesFor(sc.input)
		if p.batch {
			r = sc.model.Batched(r)
		}
		call.Cost = call.Cost.Add(r.Input.Cost(sc.input)).Add(r.Output.Cost(sc.output))
	}
	if p.served {
		// Answered by a response cache: what the model would have cost
		// is the saving.
		saved := call.Cost
		defer func() { call.ServedSaved, call.Cost = call.Cost-saved, saved }()
	}
	model, total := p.model, p.total
	call.Overflow = model != nil && model.ContextWindow > 0 && total > model.ContextWindow
	if model == nil {
		call.Unpriced = true
		return
	}
	r := model.RatesFor(total)
	if p.batch {
		r = model.Batched(r)
	}
	write := r.CacheWrite5m
	if p.writeTTL > 5*60 {
		write = r.CacheWrite1h
	}
	call.Cost = call.Cost.Add(r.Input.Cost(total - call.Cached - call.CacheWrite)).Add(r.CachedInput.Cost(call.Cached)).
		Add(write.Cost(call.CacheWrite)).Add(r.Output.Cost(call.Output + call.Reasoning))
}

func reasoningOf(u *transcripts.Usage) int64 {
	if u == nil {
		return 0
	}
	return u.ReasoningTokens
}
