package report

import (
	"encoding/json"
	"io"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/advisor"
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/report/rows"
	"github.com/tokenscope/tokenscope/transcripts"
)

// Document is the stable JSON document of `tokenscope report --format json`
// (SPEC "Report JSON"). Money that could not be priced is null, never 0,
// with "unpriced": true beside it.
type Document struct {
	Source     DocSource     `json:"source"`
	Model      DocModel      `json:"model"`
	Strategies []DocStrategy `json:"strategies"`
	// Findings are what to change in the log, in dollars (kind
	// cache_breaker, dead_tool, marginal or best_strategy).
	Findings []advisor.Finding `json:"findings,omitempty"`
	// Sessions are the Claude Code sessions that ran subagents, with
	// their subagents' part of the bill; left out when nothing could be
	// priced (their figures would be 0 for no price).
	Sessions []advisor.SessionRollup `json:"sessions,omitempty"`
}

// DocSource describes what was read.
type DocSource struct {
	Path   string `json:"path"`
	Format string `json:"format"`
	// WhatIf names the what-ifs applied to the log, as flags ("--tools
	// t.json"); absent when none.
	WhatIf        string `json:"what_if,omitempty"`
	Calls         int    `json:"calls"`
	Conversations int    `json:"conversations,omitempty"`
	// EmptyConversations are the ids of conversations with no call (a
	// session of user messages only): listed apart, never counted in
	// conversations nor averaged in.
	EmptyConversations []string `json:"empty_conversations,omitempty"`
	Warnings           []string `json:"warnings"`
}

// DocModel describes the model priced and how it was counted.
type DocModel struct {
	// ID is the model priced; with several, the most used.
	ID string `json:"id"`
	// Models are the models the calls were priced as, most calls first,
	// when there are more than one.
	Models      []rows.ModelCalls `json:"models,omitempty"`
	Encoding    string            `json:"encoding"`
	Exact       bool              `json:"exact"`
	Calibration float64           `json:"calibration,omitempty"`
	Prices      *DocPrices        `json:"prices_usd_per_mtok"`
	PerDay      int64             `json:"per_day,omitempty"`
	Unpriced    bool              `json:"unpriced,omitempty"`
	// PriceTable is the table that priced the calls and its date.
	PriceTable *price.TableLabel `json:"price_table,omitempty"`
}

// DocPrices are the model's list prices in $/MTok.
type DocPrices struct {
	Input        float64  `json:"input"`
	Output       float64  `json:"output"`
	CachedInput  float64  `json:"cached_input"`
	CacheWrite5m *float64 `json:"cache_write_5m,omitempty"`
	CacheWrite1h *float64 `json:"cache_write_1h,omitempty"`
}

// DocStrategy is one strategy's totals and calls.
type DocStrategy struct {
	Spec string `json:"spec"`
	// Note says why steps of the strategy changed nothing on this log.
	Note          string            `json:"note,omitempty"`
	Totals        DocTotals         `json:"totals"`
	Conversations []DocConversation `json:"conversations,omitempty"`
	Calls         []DocCall         `json:"calls"`
}

// DocTotals sum a strategy. CostUSD and SavingsPct are null, and Unpriced
// true, when none of the calls could be priced; with some priced, CostUSD
// is theirs and UnpricedCalls counts the others.
type DocTotals struct {
	InputTokens         int64    `json:"input_tokens"`
	CachedInputTokens   int64    `json:"cached_input_tokens"`
	CacheWriteTokens    int64    `json:"cache_write_tokens"`
	OutputTokens        int64    `json:"output_tokens"`
	ReasoningTokens     int64    `json:"reasoning_tokens"`
	SummaryInputTokens  int64    `json:"summary_input_tokens"`
	SummaryOutputTokens int64    `json:"summary_output_tokens"`
	CostUSD             *float64 `json:"cost_usd"`
	// SavingsPct is against the first strategy, rounded to one decimal
	// (profile.RoundPct): the figure every output shows as saved.
	SavingsPct      *float64 `json:"savings_pct"`
	PeakInputTokens int64    `json:"peak_input_tokens"`
	DroppedTokens   int64    `json:"dropped_tokens"`
	ClearedTokens   int64    `json:"cleared_tokens,omitempty"`
	TruncatedCalls  int      `json:"truncated_calls"`
	OverflowCalls   int      `json:"overflow_calls"`
	UnpricedCalls   int      `json:"unpriced_calls,omitempty"`
	Unpriced        bool     `json:"unpriced,omitempty"`
	RoutedCalls     int      `json:"routed_calls,omitempty"`
	ServedCalls     int      `json:"respcache_hits,omitempty"`
	ServedSavedUSD  float64  `json:"respcache_saved_usd,omitempty"`
	ReportedCostUSD *float64 `json:"reported_cost_usd,omitempty"`
	MonthlyCostUSD  *float64 `json:"monthly_cost_usd,omitempty"`
	// Fidelity is the replay check, on the first strategy's totals and
	// conversations where the log reports usage.
	Fidelity *DocFidelity `json:"fidelity,omitempty"`
}

// DocFidelity is the replay check: what the app did (the cache
// strategy) simulated on the calls with reported usage, against what they
// were billed.
type DocFidelity struct {
	Strategy     string  `json:"strategy"`
	Calls        int     `json:"calls"`
	SimulatedUSD float64 `json:"simulated_usd"`
	BilledUSD    float64 `json:"billed_usd"`
	ErrorPct     float64 `json:"error_pct"`
	Cause        string  `json:"cause,omitempty"`
	// ServedPct is the share of the cacheable prefix a best-effort cache
	// (OpenAI, Gemini implicit) served in the log, which the cache
	// strategy reads unless served=ideal; absent when not measured.
	ServedPct *int64 `json:"served_pct,omitempty"`
	// UnexplainedReads are the cache reads the log reports that no call
	// it holds explains (a prefix cached by an earlier run); absent when
	// none.
	UnexplainedReads *DocUnexplained `json:"unexplained_reads,omitempty"`
}

// DocUnexplained counts the calls whose reported cache reads exceed what
// the replay reads from calls the log holds, and the excess in tokens.
type DocUnexplained struct {
	Calls  int    `json:"calls"`
	Tokens int64  `json:"tokens"`
	Note   string `json:"note"`
}

func docFidelity(f *profile.Fidelity, t profile.Totals) *DocFidelity {
	if f == nil || unpriced(t) {
		return nil // a check of $0 against $0 would be a number for no price
	}
	d := &DocFidelity{Strategy: f.Spec, Calls: f.Calls, SimulatedUSD: f.Simulated.USD(), BilledUSD: f.Billed.USD(),
		ErrorPct: profile.RoundPct(f.ErrorPct()), Cause: advisor.Cause(*f)}
	if p, ok := f.ServedPct(); ok {
		d.ServedPct = &p
	}
	if u := f.Unexplained; u.Calls > 0 {
		d.UnexplainedReads = &DocUnexplained{Calls: u.Calls, Tokens: u.Tokens, Note: advisor.UnexplainedLine(*f)}
	}
	return d
}

// DocConversation is one conversation's totals under a strategy.
type DocConversation struct {
	ID     string    `json:"id"`
	Path   string    `json:"path"`
	Calls  int       `json:"calls"`
	Totals DocTotals `json:"totals"`
	// HiddenPrefixTokens is the conversation's unlogged prefix, fitted once
	// from its reported usage.
	HiddenPrefixTokens int64 `json:"hidden_prefix_tokens,omitempty"`
}

// DocCall is one call. CostUSD is null, and Unpriced true, when its model
// has no price.
type DocCall struct {
	Index             int                `json:"index"`
	Conversation      string             `json:"conversation,omitempty"`
	Input             DocInput           `json:"input"`
	CachedInputTokens int64              `json:"cached_input_tokens"`
	CacheWriteTokens  int64              `json:"cache_write_tokens"`
	OutputTokens      int64              `json:"output_tokens"`
	ReasoningTokens   int64              `json:"reasoning_tokens"`
	Reported          *transcripts.Usage `json:"reported"`
	// EstimateErrorTokens is reported input − (counted + hidden prefix):
	// the counts' error on this call, where the log has usage.
	EstimateErrorTokens *int64   `json:"estimate_error_tokens,omitempty"`
	CostUSD             *float64 `json:"cost_usd"`
	Truncated           bool     `json:"truncated,omitempty"`
	Overflow            bool     `json:"overflow,omitempty"`
	Unpriced            bool     `json:"unpriced,omitempty"`
}

// DocInput is a call's input by part, with its total.
type DocInput struct {
	profile.Parts
	Total int64 `json:"total"`
}

// DocOptions add to a report what is not in the Result.
type DocOptions struct {
	Path, Format string
	WhatIf       string // the what-ifs applied, as flags
	Warnings     []string
	PerDay       int64 // project monthly cost at this many conversations a day
	NoCalls      bool  // leave per-call rows out
	Findings     []advisor.Finding
}

// DocumentOf is the JSON document of p: perDay projects monthly cost,
// noCalls leaves the per-call rows out.
func DocumentOf(p *profile.Profile, perDay int64, noCalls bool) *Document {
	return NewDocument(p.Result, DocOptions{Path: p.Source.Path, Format: p.Source.Format, WhatIf: p.WhatIf,
		Warnings: p.Source.Warnings, PerDay: perDay, NoCalls: noCalls})
}

// NewDocument builds the JSON document of r.
func NewDocument(r *profile.Result, opt DocOptions) *Document {
	doc := &Document{Source: DocSource{Path: opt.Path, Format: opt.Format, WhatIf: opt.WhatIf,
		Warnings: append(append([]string{}, opt.Warnings...), r.Warnings...)}, Findings: opt.Findings}
	multi := len(r.Conversations) > 1
	ids := profile.UniqueIDs(r.Conversations, opt.Path) // a subagent id can repeat across sessions
	for _, c := range r.Conversations {
		doc.Source.Calls += c.Calls
		if c.Calls == 0 {
			doc.Source.EmptyConversations = append(doc.Source.EmptyConversations, c.ID)
		}
	}
	if multi {
		doc.Source.Conversations = len(r.Conversations) - len(doc.Source.EmptyConversations)
	}
	doc.Model = docModel(r, opt.PerDay)
	var base profile.Totals
	for i, s := range r.Strategies {
		if i == 0 {
			base = s.Totals
		}
		rs := DocStrategy{Spec: s.Strategy.Spec, Note: s.Note, Totals: docTotals(s.Totals, base, i == 0, opt.PerDay, profile.CallingConversations(r)), Calls: []DocCall{}}
		if i == 0 {
			rs.Totals.Fidelity = docFidelity(r.Fidelity, s.Totals)
		}
		if multi {
			for j, c := range s.Conversations {
				var cbase profile.Totals
				if len(r.Strategies) > 0 {
					cbase = r.Strategies[0].Conversations[j].Totals
				}
				rc := DocConversation{ID: ids[j], Path: c.Path, Calls: c.Totals.Calls,
					Totals: docTotals(c.Totals, cbase, i == 0, 0, 1)}
				if j < len(r.Conversations) {
					rc.HiddenPrefixTokens = r.Conversations[j].HiddenPrefix
					if i == 0 {
						rc.Totals.Fidelity = docFidelity(r.Conversations[j].Fidelity, c.Totals)
					}
				}
				rs.Conversations = append(rs.Conversations, rc)
			}
		}
		if !opt.NoCalls {
			// One array of costs per strategy, not an allocation a call.
			costs := make([]float64, s.Totals.Calls)
			r.EachCall(i, func(_ int, c *profile.Call) error {
				k := len(rs.Calls)
				if k >= len(costs) {
					costs = append(costs, 0)[:k+1]
				}
				rs.Calls = append(rs.Calls, docCallInto(c, multi, &costs[k]))
				return nil
			})
		}
		doc.Strategies = append(doc.Strategies, rs)
	}
	if !profile.AllUnpriced(r) {
		doc.Sessions = advisor.Rollups(r)
	}
	return doc
}

// docModel describes the model of r.
func docModel(r *profile.Result, perDay int64) DocModel {
	m := DocModel{ID: r.ModelID, Exact: r.Tokenizer != nil && r.Tokenizer.Exact, PerDay: perDay}
	if r.Tokenizer != nil {
		m.Encoding = r.Tokenizer.Encoding
	}
	if len(r.Conversations) > 0 && r.Conversations[0].Calibration != 1 {
		m.Calibration = r.Conversations[0].Calibration
	}
	if r.Prices.Name != "" {
		l := r.Prices
		m.PriceTable = &l
	}
	if p := r.Model; p != nil {
		m.ID = p.ID
		m.Prices = &DocPrices{Input: p.Input.PerMTok(), Output: p.Output.PerMTok(), CachedInput: p.CachedInput.PerMTok()}
		if p.Caching.Mode == price.CachingExplicit {
			w5, w1 := p.CacheWrite5m.PerMTok(), p.CacheWrite1h.PerMTok()
			m.Prices.CacheWrite5m, m.Prices.CacheWrite1h = &w5, &w1
		}
	} else {
		m.Unpriced = true
	}
	if ms := rows.ModelsOf(r); len(ms) > 1 {
		m.Models = ms
		if m.ID != ms[0].ID {
			// The prices are the first conversation's model's: with the
			// most used named instead, leave them out (`tokenscope
			// prices` lists each).
			m.ID, m.Prices = ms[0].ID, nil
		}
	}
	return m
}

// NewDocCall is the JSON row of call; multi names its conversation.
// Streaming writers build rows one at a time with it.
func NewDocCall(call *profile.Call, multi bool) DocCall {
	return docCallInto(call, multi, new(float64))
}

// docCallInto is NewDocCall with the cost stored in *cost: a streaming
// writer reuses one for every call instead of allocating one each.
func docCallInto(call *profile.Call, multi bool, cost *float64) DocCall {
	rc := DocCall{Index: call.Index, Input: DocInput{Parts: call.Input, Total: call.Input.Total()},
		CachedInputTokens: call.Cached, CacheWriteTokens: call.CacheWrite, OutputTokens: call.BilledOutput(),
		ReasoningTokens: call.Reasoning, Reported: call.Reported,
		Truncated: call.Truncated, Overflow: call.Overflow, Unpriced: call.Unpriced}
	if !call.Unpriced {
		*cost = call.Cost.USD()
		rc.CostUSD = cost
	}
	if multi {
		rc.Conversation = call.Conversation
	}
	if call.Reported != nil {
		e := call.EstimateError
		rc.EstimateErrorTokens = &e
	}
	return rc
}

// unpriced reports whether none of t's calls could be priced.
func unpriced(t profile.Totals) bool { return t.Calls > 0 && t.Unpriced >= t.Calls }

func docTotals(t, base profile.Totals, first bool, perDay, convs int64) DocTotals {
	rt := DocTotals{InputTokens: t.Input, CachedInputTokens: t.Cached, CacheWriteTokens: t.CacheWrite,
		OutputTokens: t.BilledOutput(), ReasoningTokens: t.Reasoning, SummaryInputTokens: t.SummaryInput,
		SummaryOutputTokens: t.SummaryOutput, PeakInputTokens: t.PeakInput, DroppedTokens: t.Dropped,
		ClearedTokens: t.Cleared, TruncatedCalls: t.Truncated, OverflowCalls: t.Overflow, UnpricedCalls: t.Unpriced,
		RoutedCalls: t.Routed, ServedCalls: t.Served, ServedSavedUSD: t.ServedSaved.USD()}
	if unpriced(t) {
		rt.Unpriced = true
		return rt
	}
	cost := t.Cost.USD()
	rt.CostUSD = &cost
	saved := 0.0
	if pct, ok := rows.SavedPct(t.Cost, base.Cost); ok && !unpriced(base) {
		saved = pct
	}
	rt.SavingsPct = &saved
	if first && t.ReportedCalls > 0 {
		v := t.ReportedCost.USD()
		rt.ReportedCostUSD = &v
	}
	if perDay > 0 && t.Calls > 0 {
		v := profile.Monthly(t.Cost, convs, perDay).USD()
		rt.MonthlyCostUSD = &v
	}
	return rt
}

// WriteJSON writes the document as indented JSON.
func (doc *Document) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}
