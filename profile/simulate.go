package profile

import (
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/profile/strategy"
	"github.com/tokenscope/tokenscope/profile/tokenize"
	"github.com/tokenscope/tokenscope/transcripts"
)

// simulate runs strategy s over one prepared conversation. It only adds up
// counts made once in prepare: nothing is tokenized here except, once per
// conversation and tokenizer, when s prices on a model whose tokenizer
// differs.
//
// The steps of s start on the conversation's view in stage order; then
// for each call the engine makes its row and the strategy's Sim shapes
// and prices it (strategy.Sim.Call), and the engine sums it.
func (e *engine) simulate(pc *preparedConv, s *strategy.Strategy, ns []strategy.Note) ConversationResult {
	return e.simulateInto(pc, s, ns, nil)
}

// simulateInto is simulate appending the calls to dst (when rows are
// kept): the result's Calls are dst's new part.
func (e *engine) simulateInto(pc *preparedConv, s *strategy.Strategy, ns []strategy.Note, dst []Call) ConversationResult {
	cr := ConversationResult{ID: pc.info.ID, Path: pc.info.Path}
	rows := e.opt.onCall == nil && !e.noRows
	start := len(dst)
	if rows {
		if dst == nil {
			dst = make([]Call, 0, len(pc.Calls))
		}
		cr.Calls = dst[start:start:cap(dst)]
	}
	pc.env = convEnv{e: e, pc: pc}
	sim := &e.sim
	sim.Start(s, strategy.NewView(&pc.Conv, &pc.env, pc.counts[pc.Tok].Counts, pc.Tok))

	var scratch Call // the call, when the engine keeps no rows
	for i := range pc.Calls {
		ci := &pc.Calls[i]
		c := Call{Index: i + 1, Conversation: pc.info.ID, Message: ci.Msg, Reported: ci.Reported,
			ReportedCost: ci.RepCost, CountedInput: ci.Counted, EstimateError: ci.Residual}
		call := &scratch
		if rows {
			cr.Calls = append(cr.Calls, c)
			call = &cr.Calls[len(cr.Calls)-1]
		} else {
			scratch = c
		}
		sim.Call(ci, call)
		cr.Totals.addCall(call)
		if e.opt.onCall != nil && ns != nil {
			e.opt.onCall(e.strategy, call)
		}
	}
	sim.Notes(ns)
	return cr
}

// convEnv is what the engine does for the steps simulating one
// conversation (strategy.Env).
type convEnv struct {
	e  *engine
	pc *preparedConv
}

func (v *convEnv) Lookup(id string) *price.Model {
	m, _ := v.e.opt.Prices.Lookup(id)
	return m
}

func (v *convEnv) Tokenizer(m *price.Model) *tokenize.Tokenizer { return v.e.tokenizer(m) }

func (v *convEnv) Counts(t *tokenize.Tokenizer) strategy.Counts { return v.pc.countsFor(t).Counts }

func (v *convEnv) Shared(step strategy.Step, init func() any) any {
	e := v.e
	if x, ok := e.shared[step]; ok {
		return x
	}
	if e.shared == nil {
		e.shared = map[strategy.Step]any{}
	}
	x := init()
	e.shared[step] = x
	return x
}

func (v *convEnv) Warm(at, ttl int64) bool { return v.e.sources.warm(v.pc, at, ttl) }

func (v *convEnv) HistoryWarm(msg int, at, ttl int64) bool {
	return v.e.sources.historyWarm(v.pc, msg, at, ttl)
}

func (v *convEnv) ArgsRaw(enc string, msg, arg int) int32 { return v.pc.sk.argRaw(enc, msg, arg) }

func (v *convEnv) Text() []transcripts.Message {
	if v.pc.sk.conv == nil {
		return nil
	}
	return v.pc.sk.conv.Messages
}

func reasoningOf(u *transcripts.Usage) int64 {
	if u == nil {
		return 0
	}
	return u.ReasoningTokens
}
