package strategy

import (
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts"
)

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

// Add adds q to p, part by part.
func (p *Parts) Add(q Parts) {
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
