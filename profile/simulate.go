package profile

import (
	"github.com/tokenscope/tokenscope/transcripts"
)

// simulate runs strategy s over one prepared conversation. It only adds up
// counts made once in prepare: nothing is tokenized here except, once per
// conversation and tokenizer, when s prices on a model whose tokenizer
// differs.
func (e *engine) simulate(pc *prepared, s *Strategy) ConversationResult {
	cr := ConversationResult{ID: pc.conv.ID, Path: pc.conv.Path}
	k := pc.counts[pc.tok]
	var stratModel *ModelPrice
	if s.Model != "" {
		stratModel, _ = e.opt.Prices.Lookup(s.Model)
		if t := e.tokenizer(stratModel); t != pc.tok {
			k = pc.countsFor(t)
		}
	}
	msgs := pc.conv.Messages
	n := len(msgs)

	// Reasoning per assistant message, and the reply each later call
	// carries in its history (the cap shortens it).
	content := k.content
	if s.Cap > 0 {
		content = make([]int64, n)
		copy(content, k.content)
		for _, ci := range pc.calls {
			content[ci.msg] = min(k.content[ci.msg], max(0, s.Cap-ci.reasoning))
		}
	}
	// Prefix sums over non-system messages (content, framing) and over
	// system messages (content + framing).
	pc0 := make([]int64, n+1)
	pf := make([]int64, n+1)
	ps := make([]int64, n+1)
	psc := make([]int64, n+1)
	for i := range n {
		pc0[i+1], pf[i+1], ps[i+1], psc[i+1] = pc0[i], pf[i], ps[i], psc[i]
		if pc.isSystem[i] {
			ps[i+1] += content[i] + k.framing[i]
			psc[i+1] += content[i]
		} else {
			pc0[i+1] += content[i]
			pf[i+1] += k.framing[i]
		}
	}
	// Summary state: messages before boundary are replaced by a summary of
	// sumTokens, version sumVer (0: no summary yet).
	boundary, sumVer := 0, 0
	var sumTokens int64
	summaryModel := func(ci callInfo) *ModelPrice {
		if s.Summary != nil && s.Summary.Model != "" {
			p, _ := e.opt.Prices.Lookup(s.Summary.Model)
			return p
		}
		if stratModel != nil {
			return stratModel
		}
		return ci.model
	}
	instruction := pc.tok.Count(SummaryInstruction)

	// Cache state: what the previous call sent.
	type sent struct {
		ok                    bool
		lo, sumVer, msg       int
		unlogged, sys, rangeT int64
		total                 int64
		at                    int64 // unix seconds, 0 unknown
	}
	var prev sent

	for ci_i, ci := range pc.calls {
		a, p := ci.msg, ci.prev
		call := Call{Index: ci_i + 1, Conversation: pc.conv.ID, Message: a, Reported: ci.reported,
			ReportedCost: ci.repCost, CountedInput: ci.counted}
		model := ci.model
		if stratModel != nil {
			model = stratModel
		}
		if model != nil {
			call.Model = model.ID
		} else {
			call.Model = ci.modelID
		}
		cs := pc.exchanges[ci.exchange]
		lo := 0
		switch {
		case s.WindowTurns != 0:
			keep := max(s.WindowTurns, 0)
			lo = pc.exchanges[max(ci.exchange-keep, 0)]
		case s.WindowTokens > 0:
			lo = cs
			for j := ci.exchange - 1; j >= 0; j-- {
				start := pc.exchanges[j]
				if pc0[cs]-pc0[start]+pf[cs]-pf[start] > s.WindowTokens {
					break
				}
				lo = start
			}
		case s.Summary != nil:
			hist := pc0[p+1] - pc0[boundary]
			if sumVer > 0 {
				hist += sumTokens
			}
			if hist > s.Summary.Trigger {
				nb := pc.exchanges[max(ci.exchange-s.Summary.Keep, 0)]
				if nb > boundary {
					in := instruction + tokensPerMessage + 1 + replyPriming +
						pc0[nb] - pc0[boundary] + pf[nb] - pf[boundary]
					if sumVer > 0 {
						in += sumTokens + tokensPerMessage + 1
					}
					call.SummaryInput, call.SummaryOutput = in, s.Summary.Size
					if sm := summaryModel(ci); sm != nil {
						r := sm.RatesFor(in)
						if s.Batch {
							r = sm.Batched(r)
						}
						call.Cost += r.Input.Cost(in) + r.Output.Cost(s.Summary.Size)
					}
					boundary, sumVer, sumTokens = nb, sumVer+1, s.Summary.Size
				}
			}
			lo = boundary
		}
		lo = min(lo, cs)
		// System messages are sent whatever the window: start the kept
		// range at the first non-system message, so equal ranges compare
		// equal for caching.
		for lo < cs && pc.isSystem[lo] {
			lo++
		}
		call.KeptFrom, call.Summarised = lo, sumVer > 0

		// Input parts.
		var in Parts
		in.Unlogged = ci.unlogged
		in.ToolDefs = k.toolDefs
		in.System = psc[a]
		in.Overhead = ps[a] - psc[a] + replyPriming
		if s.Summary != nil && sumVer > 0 {
			in.Summary = sumTokens
			in.Overhead += tokensPerMessage + 1
		}
		newFrom := max(p+1, lo)
		if p >= lo {
			in.History = pc0[p+1] - pc0[lo]
		}
		in.Overhead += pf[a] - pf[lo]
		for i := newFrom; i < a; i++ {
			if pc.isSystem[i] {
				continue
			}
			c, r := content[i], min(k.rag[i], content[i])
			in.RAG += r
			switch msgs[i].Role {
			case transcripts.RoleTool:
				in.ToolResults += c - r
			case transcripts.RoleUser:
				in.User += c - r
			default:
				in.History += c - r
			}
		}
		call.Input = in
		call.Dropped = pc0[lo]
		total := in.Total()

		// Output, with the cap.
		out, reasoning := k.content[a]+ci.hiddenOutput, ci.reasoning
		if s.Cap > 0 && out+reasoning > s.Cap {
			call.Truncated = true
			reasoning = min(reasoning, s.Cap)
			out = s.Cap - reasoning
		}
		call.Output, call.Reasoning = out, reasoning

		// Prompt caching.
		cur := sent{ok: true, lo: lo, sumVer: sumVer, msg: a, unlogged: in.Unlogged,
			sys: ps[a], total: total}
		cur.rangeT = pc0[a] - pc0[lo] + pf[a] - pf[lo]
		if !ci.at.IsZero() {
			cur.at = ci.at.Unix()
		}
		if s.Cache && model != nil && model.Caching.Mode != CachingNone {
			var shared int64
			if prev.ok && (cur.at == 0 || prev.at == 0 || cur.at-prev.at <= int64(s.CacheTTL.Seconds())) &&
				(model.Caching.Mode != CachingExplicit || prev.total >= model.Caching.MinPrefix) {
				shared = min(prev.unlogged, cur.unlogged)
				if prev.unlogged == cur.unlogged {
					shared += k.toolDefs
					shared += min(prev.sys, cur.sys)
					if prev.sys == cur.sys && prev.sumVer == cur.sumVer {
						if cur.sumVer > 0 {
							shared += sumTokens + tokensPerMessage + 1
						}
						if prev.lo == cur.lo {
							shared += prev.rangeT
						}
					}
				}
			}
			shared = min(shared, total)
			rule := model.Caching
			if shared >= rule.MinPrefix && shared > 0 {
				call.Cached = rule.MinPrefix + (shared-rule.MinPrefix)/rule.Granularity*rule.Granularity
			}
			if rule.Mode == CachingExplicit && total >= rule.MinPrefix {
				call.CacheWrite = total - call.Cached
			}
		}
		prev = cur

		call.Overflow = model != nil && model.ContextWindow > 0 && total > model.ContextWindow
		if model == nil {
			call.Unpriced = true
		} else {
			r := model.RatesFor(total)
			if s.Batch {
				r = model.Batched(r)
			}
			write := r.CacheWrite5m
			if s.CacheTTL > 5*60*1e9 {
				write = r.CacheWrite1h
			}
			call.Cost += r.Input.Cost(total-call.Cached-call.CacheWrite) + r.CachedInput.Cost(call.Cached) +
				write.Cost(call.CacheWrite) + r.Output.Cost(out+reasoning)
		}
		cr.Calls = append(cr.Calls, call)
		cr.Totals.addCall(&cr.Calls[len(cr.Calls)-1])
	}
	return cr
}

func reasoningOf(u *transcripts.Usage) int64 {
	if u == nil {
		return 0
	}
	return u.ReasoningTokens
}
