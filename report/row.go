package report

import (
	"strconv"

	"github.com/tokenscope/tokenscope/profile/price"
)

// Row is one call under one strategy: the row of `--format parquet` and
// `--format csv`, and the documented schema of both (README "Parquet").
// The first columns are those csv had before parquet existed, in the same
// order; later columns are appended, never reordered or renamed.
type Row struct {
	Strategy     string `parquet:"strategy,dict"`
	Conversation string `parquet:"conversation,dict"`
	Call         int32  `parquet:"call"` // 1-based within its conversation
	// Input by part, in profile.PartNames order.
	Unlogged            int64  `parquet:"unlogged"`
	ToolDefs            int64  `parquet:"tool_defs"`
	System              int64  `parquet:"system"`
	Summary             int64  `parquet:"summary"`
	History             int64  `parquet:"history"`
	RAG                 int64  `parquet:"rag"`
	User                int64  `parquet:"user"`
	ToolResults         int64  `parquet:"tool_results"`
	Overhead            int64  `parquet:"overhead"`
	InputTotal          int64  `parquet:"input_total"`
	CachedInputTokens   int64  `parquet:"cached_input_tokens"`
	CacheWriteTokens    int64  `parquet:"cache_write_tokens"`
	OutputTokens        int64  `parquet:"output_tokens"`
	ReasoningTokens     int64  `parquet:"reasoning_tokens"`
	SummaryInputTokens  int64  `parquet:"summary_input_tokens"`
	SummaryOutputTokens int64  `parquet:"summary_output_tokens"`
	CostUSD             *int64 `parquet:"cost_usd,optional,decimal(12:18)"` // pico-dollars: DECIMAL(18,12) dollars; null when unpriced
	Truncated           bool   `parquet:"truncated"`
	Overflow            bool   `parquet:"overflow"`
	ReportedInput       *int64 `parquet:"reported_input_tokens,optional"`
	ReportedOutput      *int64 `parquet:"reported_output_tokens,optional"`
	// Columns added with parquet.
	ReportedCachedInput *int64 `parquet:"reported_cached_input_tokens,optional"`
	ReportedCacheWrite  *int64 `parquet:"reported_cache_write_tokens,optional"`
	ReportedReasoning   *int64 `parquet:"reported_reasoning_tokens,optional"`
	ReportedCostPUSD    *int64 `parquet:"reported_cost_pusd,optional"` // what the reported usage was billed
	CostPUSD            *int64 `parquet:"cost_pusd,optional"`          // the same as cost_usd, as an integer
	Unpriced            bool   `parquet:"unpriced"`
	DroppedTokens       int64  `parquet:"dropped_tokens"`
	Source              string `parquet:"source,dict"`  // the conversation's file
	Project             string `parquet:"project,dict"` // the directory holding it
	Time                *int64 `parquet:"time,optional,timestamp(millisecond)"`
	Model               string `parquet:"model,dict"`
	ClearedTokens       int64  `parquet:"cleared_tokens"` // input a context edit took out
	Routed              bool   `parquet:"routed"`         // a route step priced it on another model
	RespcacheHit        bool   `parquet:"respcache_hit"`  // a response cache answered it: no model cost
	Machine             string `parquet:"machine,dict"`   // the machine whose proxy recorded it; "" for other logs
}

// RowOf is the row of c.
func RowOf(c *Call) Row { return rowInto(c, new(nullable)) }

// nullable holds a row's optional values, so that a batch of rows can keep
// them in one array instead of one allocation each.
type nullable [8]int64

// rowInto is the row of c, its optional values pointing into n.
func rowInto(c *Call, n *nullable) Row {
	call := c.Call
	p := call.Input
	r := Row{Strategy: c.Spec, Conversation: call.Conversation, Call: int32(call.Index),
		Unlogged: p.Unlogged, ToolDefs: p.ToolDefs, System: p.System, Summary: p.Summary, History: p.History,
		RAG: p.RAG, User: p.User, ToolResults: p.ToolResults, Overhead: p.Overhead, InputTotal: p.Total(),
		CachedInputTokens: call.Cached, CacheWriteTokens: call.CacheWrite, OutputTokens: call.BilledOutput(),
		ReasoningTokens: call.Reasoning, SummaryInputTokens: call.SummaryInput, SummaryOutputTokens: call.SummaryOutput,
		Truncated: call.Truncated, Overflow: call.Overflow,
		Unpriced: call.Unpriced, DroppedTokens: call.Dropped, Project: c.Project(), Model: call.Model,
		ClearedTokens: call.Cleared, Routed: call.Routed, RespcacheHit: call.Served}
	if c.Conv != nil {
		r.Source, r.Machine = c.Conv.Path, c.Conv.Machine
	}
	if !call.Unpriced {
		// An unpriced call's cost is null, never 0: the unpriced column
		// says why.
		n[7] = int64(call.Cost)
		r.CostUSD, r.CostPUSD = &n[7], &n[7]
	}
	if u := call.Reported; u != nil {
		n[0], n[1], n[2], n[3], n[4] = u.InputTokens, u.OutputTokens, u.CachedInputTokens, u.CacheWriteTokens, u.ReasoningTokens
		r.ReportedInput, r.ReportedOutput = &n[0], &n[1]
		r.ReportedCachedInput, r.ReportedCacheWrite = &n[2], &n[3]
		r.ReportedReasoning = &n[4]
		if !call.Unpriced {
			n[5] = int64(call.ReportedCost)
			r.ReportedCostPUSD = &n[5]
		}
	}
	if !c.Time.IsZero() {
		n[6] = c.Time.UnixMilli()
		r.Time = &n[6]
	}
	return r
}

// csvHeader names the columns of a Row, as parquet does.
var csvHeader = []string{"strategy", "conversation", "call", "unlogged", "tool_defs", "system", "summary", "history",
	"rag", "user", "tool_results", "overhead", "input_total", "cached_input_tokens", "cache_write_tokens",
	"output_tokens", "reasoning_tokens", "summary_input_tokens", "summary_output_tokens", "cost_usd", "truncated",
	"overflow", "reported_input_tokens", "reported_output_tokens", "reported_cached_input_tokens",
	"reported_cache_write_tokens", "reported_reasoning_tokens", "reported_cost_pusd", "cost_pusd", "unpriced",
	"dropped_tokens", "source", "project", "time", "model", "cleared_tokens", "routed", "respcache_hit",
	"machine"}

// appendCSV appends r's cells in csvHeader order: empty for null (an
// unpriced call's costs), dollars with twelve decimals, times in RFC 3339
// UTC; text from the log neutralised (csvCell).
func (r *Row) appendCSV(out []string) []string {
	i64 := func(n int64) string { return strconv.FormatInt(n, 10) }
	opt := func(n *int64) string {
		if n == nil {
			return ""
		}
		return i64(*n)
	}
	usd := ""
	if r.CostUSD != nil {
		usd = price.Money(*r.CostUSD).Decimal()
	}
	out = append(out, csvCell(r.Strategy), csvCell(r.Conversation), strconv.Itoa(int(r.Call)), i64(r.Unlogged), i64(r.ToolDefs),
		i64(r.System), i64(r.Summary), i64(r.History), i64(r.RAG), i64(r.User), i64(r.ToolResults), i64(r.Overhead),
		i64(r.InputTotal), i64(r.CachedInputTokens), i64(r.CacheWriteTokens), i64(r.OutputTokens),
		i64(r.ReasoningTokens), i64(r.SummaryInputTokens), i64(r.SummaryOutputTokens),
		usd, strconv.FormatBool(r.Truncated), strconv.FormatBool(r.Overflow),
		opt(r.ReportedInput), opt(r.ReportedOutput), opt(r.ReportedCachedInput), opt(r.ReportedCacheWrite),
		opt(r.ReportedReasoning), opt(r.ReportedCostPUSD), opt(r.CostPUSD), strconv.FormatBool(r.Unpriced),
		i64(r.DroppedTokens), csvCell(r.Source), csvCell(r.Project), "", csvCell(r.Model), i64(r.ClearedTokens), strconv.FormatBool(r.Routed),
		strconv.FormatBool(r.RespcacheHit), csvCell(r.Machine))
	if r.Time != nil {
		out[len(out)-6] = timeOf(*r.Time)
	}
	return out
}
