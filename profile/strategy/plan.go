package strategy

import (
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/profile/tokenize"
)

// SummaryInstruction is the instruction a summariser call is sent, counted
// in its input.
const SummaryInstruction = "Summarise the conversation so far for the assistant that will continue it. Keep every fact, decision, open question, file name, identifier and number the user or tools gave; drop pleasantries. Write it as a brief for yourself."

// Plan is what one call sends and how it is billed, as the steps of a
// strategy shape it. The engine starts it as the call was logged (every
// message sent, the call's own model); history steps narrow it, the
// engine lays out what is sent (Spans, Total, the call's parts and
// output), then output and price steps act on that, and the engine prices
// the result.
type Plan struct {
	View  *View
	Info  *CallInfo
	Call  *Call        // the call's row: steps set what they change of it
	Model *price.Model // priced on; nil when unpriced

	// History stage: non-system messages before Lo are not sent; a
	// summary, when its version is not 0, stands in for (some of) them.
	Lo      int
	Summary Synthetic
	// ThinkFrom is the first message whose thinking is sent (see
	// Conv.ThinkFrom); thinkDefault is where the model's own rule puts
	// it.
	ThinkFrom    int
	thinkDefault int
	// side are calls billed beside this one (a summariser: AddSide).
	side []sideCall
	// edits replace content inside [Lo, call) by placeholders, in
	// message order, not overlapping (AddEdit).
	edits []edit

	// Laid out by the engine after the history stage.
	Spans []Span
	Total int64

	// Unlogged is the hidden prefix the call sends (steps of the counts
	// stage may scale it before the layout); OutputScale scales the reply
	// (1: as logged).
	Unlogged    int64
	OutputScale float64
	// Served says a response cache answered the call: no model cost.
	Served bool

	// Price stage.
	Batch    bool
	WriteTTL int64 // seconds the cache writes live: the 1h rate from 1 hour
}

// Synthetic is a part the strategy adds to what is sent (a summary).
type Synthetic struct {
	Tokens  int64 // content, without framing
	Version int   // changes whenever the content does (cache identity); 0: none
}

// edit is content of messages [from, to) that the strategy replaced:
// removed tokens out, added placeholder tokens in.
type edit struct {
	from, to       int
	removed, added int64
}

// AddEdit replaces the content of messages [from, to) in what the call
// sends: removed tokens out, placeholder tokens added in. Edits come in
// message order and do not overlap.
func (p *Plan) AddEdit(from, to int, removed, added int64) {
	p.edits = append(p.edits, edit{from: from, to: to, removed: removed, added: added})
}

// sideCall is a call billed beside the simulated one.
type sideCall struct {
	model         *price.Model
	input, output int64
}

// AddSide bills a call on model m (nil: unpriced) beside this one (a
// summariser), at the same batch discount.
func (p *Plan) AddSide(m *price.Model, input, output int64) {
	p.side = append(p.side, sideCall{model: m, input: input, output: output})
}

// Span is a stretch of what a call sends, in order. Two calls share a
// cached prefix as long as their spans have the same kind and id; a span
// of the same kind and id but other length (a range that grew) shares its
// shorter length and ends the match.
type Span struct {
	Kind   SpanKind
	ID     int
	Tokens int64
}

// SpanKind is what a span holds.
type SpanKind uint8

// The kinds of span, in the order a call sends them.
const (
	SpanUnlogged SpanKind = iota
	SpanToolDefs
	SpanSystem
	SpanSummary
	SpanMessages // ID: the first message of the range
	SpanEdited   // messages with edits; ID: the first message
)

// SharedPrefix is how many leading tokens b sends exactly as a did.
func SharedPrefix(a, b []Span) int64 {
	var n int64
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i].Kind != b[i].Kind || a[i].ID != b[i].ID {
			break
		}
		n += min(a[i].Tokens, b[i].Tokens)
		if a[i].Tokens != b[i].Tokens {
			break
		}
	}
	return n
}

func (p *Plan) reset(ci *CallInfo, call *Call) {
	p.Info, p.Call = ci, call
	p.Model = ci.Model
	if p.View.Model != nil {
		p.Model = p.View.Model
	}
	if p.Model != nil {
		call.Model = p.Model.ID
	} else {
		call.Model = ci.ModelID
	}
	p.Lo, p.Summary, p.side, p.edits = 0, Synthetic{}, p.side[:0], p.edits[:0]
	p.ThinkFrom = p.View.Conv.ThinkFrom(ci, p.Model, p.View.Counts.Think != nil)
	p.thinkDefault = p.ThinkFrom
	p.Spans, p.Total = p.Spans[:0], 0
	p.Batch, p.WriteTTL = false, 0
	p.Unlogged, p.OutputScale, p.Served = ci.Unlogged, 1, false
}

// KeptFrom is the first message the call sends: Lo as the history steps
// left it, within the unit before the call, past system messages (they
// are sent whatever the window, so equal ranges compare equal for
// caching).
func (p *Plan) KeptFrom() int {
	v := p.View
	cs := v.Conv.Units[p.Info.Unit]
	lo := min(p.Lo, cs)
	for lo < cs && v.Conv.Roles[lo] == System {
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

// Input is what the call sends with the plan as it stands: history steps
// use it for their triggers.
func (p *Plan) Input() int64 {
	v, a := p.View, p.Info.Msg
	lo := p.KeptFrom()
	_, sys, tools, _, _ := v.Prompt(a)
	n := p.Unlogged + tools + sys + tokenize.ReplyPriming + v.Sent(lo, a) + v.Thinking(lo, a, p.ThinkFrom)
	if p.Summary.Version > 0 {
		n += p.Summary.Tokens + tokenize.TokensPerMessage + 1
	}
	removed, added := p.edited(lo)
	return n - removed + added
}

// layout fixes what the call sends once the history steps have acted:
// its parts by kind, its spans, and its output before the output steps.
func (p *Plan) layout() {
	v, ci, call := p.View, p.Info, p.Call
	a, prev := ci.Msg, ci.Prev
	lo := p.KeptFrom()
	p.Lo = lo
	call.KeptFrom, call.Summarised = lo, p.Summary.Version > 0

	var in Parts
	sys, sysFramed, tools, _, _ := v.Prompt(a)
	in.Unlogged = p.Unlogged
	in.ToolDefs = tools
	in.System = sys
	in.Overhead = sysFramed - sys + tokenize.ReplyPriming
	if p.Summary.Version > 0 {
		in.Summary = p.Summary.Tokens
		in.Overhead += tokenize.TokensPerMessage + 1
	}
	newFrom := max(prev+1, lo)
	if prev >= lo {
		in.History = v.pc0[prev+1] - v.pc0[lo]
	}
	in.Overhead += v.pf[a] - v.pf[lo]
	roles, rag := v.Conv.Roles, v.Counts.RAG
	for i := newFrom; i < a; i++ {
		if roles[i] == System {
			continue
		}
		c, r := v.Content[i], min(rag[i], v.Content[i])
		in.RAG += r
		switch roles[i] {
		case Tool:
			in.ToolResults += c - r
		case User:
			in.User += c - r
		default:
			in.History += c - r
		}
	}
	// Edits (cleared tool results) lie in history the model has seen: the
	// placeholders stand where the content was. Thinking carried is
	// history too.
	removed, added := p.edited(lo)
	think := v.Thinking(lo, a, p.ThinkFrom)
	in.History += added - removed + think
	call.Cleared = removed - added + v.Thinking(lo, a, p.thinkDefault) - think
	call.Input = in
	call.Dropped = v.pc0[lo]
	p.Total = in.Total()
	p.layoutSpans(in)

	call.Output, call.Reasoning = max(0, v.Counts.Content[a]+ci.HiddenOutput), ci.Reasoning
	if p.OutputScale != 1 {
		call.Output = scaled(call.Output, p.OutputScale)
	}
}

// layoutSpans lays out what the call sends as spans: the parts every call
// sends, the summary, then messages from Lo, split at edits and where
// carried thinking starts, so that a call that edits or clears more
// shares the prefix up to there.
func (p *Plan) layoutSpans(in Parts) {
	v, a, lo := p.View, p.Info.Msg, p.Lo
	// A call sent another system prompt or other tools than the call
	// before (the log shows it) shares the prefix up to there.
	_, sysFramed, _, sysID, toolsID := v.Prompt(a)
	p.Spans = append(p.Spans,
		Span{Kind: SpanUnlogged, Tokens: in.Unlogged},
		Span{Kind: SpanToolDefs, ID: toolsID, Tokens: in.ToolDefs},
		Span{Kind: SpanSystem, ID: sysID, Tokens: sysFramed})
	if p.Summary.Version > 0 {
		p.Spans = append(p.Spans, Span{Kind: SpanSummary, ID: p.Summary.Version, Tokens: p.Summary.Tokens + tokenize.TokensPerMessage + 1})
	}
	// The split is at the first message from ThinkFrom that has
	// thinking: the same point for every call of an exchange, and where
	// content changes when earlier thinking is dropped.
	tf := -1
	if v.nextThink != nil {
		if m := v.nextThink[min(p.ThinkFrom, a)]; m > lo && m < a {
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
			p.Spans = append(p.Spans, Span{Kind: SpanMessages, ID: from, Tokens: v.Sent(from, end) + v.Thinking(from, end, p.ThinkFrom)})
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
		p.Spans = append(p.Spans, Span{Kind: SpanEdited, ID: e.from,
			Tokens: v.Sent(e.from, e.to) - e.removed + e.added + v.Thinking(e.from, e.to, p.ThinkFrom)})
		from, first = e.to, false
	}
	if from < a || first {
		plain(a)
	}
}

// price bills the call and the calls beside it.
func (p *Plan) price() {
	call := p.Call
	for _, sc := range p.side {
		if sc.model == nil {
			continue
		}
		r := sc.model.RatesFor(sc.input)
		if p.Batch {
			r = sc.model.Batched(r)
		}
		call.Cost = call.Cost.Add(r.Input.Cost(sc.input)).Add(r.Output.Cost(sc.output))
	}
	if p.Served {
		// Answered by a response cache: what the model would have cost
		// is the saving.
		saved := call.Cost
		defer func() { call.ServedSaved, call.Cost = call.Cost-saved, saved }()
	}
	model, total := p.Model, p.Total
	call.Overflow = model != nil && model.ContextWindow > 0 && total > model.ContextWindow
	if model == nil {
		call.Unpriced = true
		return
	}
	r := model.RatesFor(total)
	if p.Batch {
		r = model.Batched(r)
	}
	write := r.CacheWrite5m
	if p.WriteTTL >= 60*60 {
		// Anthropic's 1-hour writes; OpenAI's 30-minute explicit writes
		// have one rate, the 5-minute row's.
		write = r.CacheWrite1h
	}
	call.Cost = call.Cost.Add(r.Input.Cost(total - call.Cached - call.CacheWrite)).Add(r.CachedInput.Cost(call.Cached)).
		Add(write.Cost(call.CacheWrite)).Add(r.Output.Cost(call.Output + call.Reasoning))
}

// scaled is n×f rounded half up, in tokens.
func scaled(n int64, f float64) int64 { return int64(float64(n)*f + 0.5) }

// Sim is a strategy at work on one conversation: the engine starts it on
// each conversation and calls Call for each of its calls, in order. A Sim
// keeps its arrays from one conversation to the next.
type Sim struct {
	states []State
	stages []Stage
	plan   Plan
	sums   []int64
}

// Start begins s on the conversation v views: its steps start in stage
// order (a step may change the view for later ones), then the view's sums
// are made.
func (sim *Sim) Start(s *Strategy, v *View) {
	steps := s.Stages()
	sim.states, sim.stages = sim.states[:0], sim.stages[:0]
	for _, st := range steps {
		sim.states = append(sim.states, st.Start(v))
		sim.stages = append(sim.stages, st.Kind().Stage)
	}
	sim.sums = v.sums(sim.sums)
	pl := &sim.plan
	sim.plan = Plan{View: v, side: pl.side[:0], edits: pl.edits[:0], Spans: pl.Spans[:0]}
}

// Call shapes and prices one call: ci is what the engine knows of it,
// call its row, holding the call's place and what the log reports.
func (sim *Sim) Call(ci *CallInfo, call *Call) {
	p, states := &sim.plan, sim.states
	p.reset(ci, call)
	j := 0
	for ; j < len(states) && sim.stages[j] <= StageHistory; j++ {
		states[j].Apply(p)
	}
	p.layout()
	for ; j < len(states); j++ {
		states[j].Apply(p)
	}
	p.price()
}

// Notes adds what each step noted on this conversation to ns, one note a
// step in stage order.
func (sim *Sim) Notes(ns []Note) {
	for i, st := range sim.states {
		if n, ok := st.(Noter); ok && i < len(ns) {
			ns[i].merge(n.Note())
		}
	}
}
