package profile

import "github.com/tokenscope/tokenscope/transcripts"

// CallInput counts the input of one call that sends msgs with tools to a
// model tokenized by t: tool schemas, every message with its chat framing,
// and the reply priming, as the engine counts a call with its whole
// history.
func CallInput(msgs []transcripts.Message, tools []transcripts.Tool, t *Tokenizer) int64 {
	c := &transcripts.Conversation{Messages: msgs}
	k := &counts{content: make([]int64, len(msgs)), rag: make([]int64, len(msgs)), framing: make([]int64, len(msgs)), scale: 1}
	k.countRange(c, t, 0, len(msgs))
	return ToolDefTokens(tools, t) + replyPriming + k.sent(len(msgs))
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
