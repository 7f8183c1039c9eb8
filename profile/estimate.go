package profile

import "github.com/tokenscope/tokenscope/transcripts"

// CallInput counts the input of one call that sends msgs with tools to a
// model tokenized by t: tool schemas, every message with its chat framing,
// and the reply priming, as the engine counts a call with its whole
// history.
func CallInput(msgs []transcripts.Message, tools []transcripts.Tool, t *Tokenizer) int64 {
	c := &transcripts.Conversation{Messages: msgs, Tools: tools}
	sk := newSkeleton(c)
	sk.countRaw(c, t, 1)
	k := sk.counts(t)
	return k.toolDefs + replyPriming + k.sent(len(msgs))
}

// EstimateCost prices a call before it is sent: input tokens at the
// model's list input price (no cache discount assumed) plus maxOutput
// tokens at its output price.
func EstimateCost(p *ModelPrice, input, maxOutput int64) Money {
	r := p.RatesFor(input)
	return r.Input.Cost(input) + r.Output.Cost(maxOutput)
}

// ReportedCost is what reported usage u was billed on model p, with the
// cache reads and writes it reports.
func ReportedCost(p *ModelPrice, u *transcripts.Usage) Money {
	return reportedCost(p, u, false)
}
