package profile

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts"
)

// Report is the stable JSON document of `tokenscope report --format json`
// (SPEC "Report JSON").
type Report struct {
	Source     ReportSource     `json:"source"`
	Model      ReportModel      `json:"model"`
	Strategies []ReportStrategy `json:"strategies"`
	// Findings are what to change in the log, in dollars (kind
	// cache_breaker, dead_tool, marginal or best_strategy).
	Findings []Finding `json:"findings,omitempty"`
	// Sessions are the Claude Code sessions that ran subagents, with
	// their subagents' part of the bill.
	Sessions []SessionRollup `json:"sessions,omitempty"`
}

// ReportSource describes what was read.
type ReportSource struct {
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

// ReportModel describes the model priced and how it was counted.
type ReportModel struct {
	// ID is the model priced; with several, the most used.
	ID string `json:"id"`
	// Models are the models the calls were priced as, most calls first,
	// when there are more than one.
	Models      []ModelCalls       `json:"models,omitempty"`
	Encoding    string             `json:"encoding"`
	Exact       bool               `json:"exact"`
	Calibration float64            `json:"calibration,omitempty"`
	Prices      *ReportModelPrices `json:"prices_usd_per_mtok"`
	PerDay      int64              `json:"per_day,omitempty"`
	Unpriced    bool               `json:"unpriced,omitempty"`
}

// ReportModelPrices are the model's list prices in $/MTok.
type ReportModelPrices struct {
	Input        float64  `json:"input"`
	Output       float64  `json:"output"`
	CachedInput  float64  `json:"cached_input"`
	CacheWrite5m *float64 `json:"cache_write_5m,omitempty"`
	CacheWrite1h *float64 `json:"cache_write_1h,omitempty"`
}

// ReportStrategy is one strategy's totals and calls.
type ReportStrategy struct {
	Spec string `json:"spec"`
	// Note says why steps of the strategy changed nothing on this log.
	Note          string               `json:"note,omitempty"`
	Totals        ReportTotals         `json:"totals"`
	Conversations []ReportConversation `json:"conversations,omitempty"`
	Calls         []ReportCall         `json:"calls"`
}

// ReportTotals sum a strategy.
type ReportTotals struct {
	InputTokens         int64    `json:"input_tokens"`
	CachedInputTokens   int64    `json:"cached_input_tokens"`
	CacheWriteTokens    int64    `json:"cache_write_tokens"`
	OutputTokens        int64    `json:"output_tokens"`
	ReasoningTokens     int64    `json:"reasoning_tokens"`
	SummaryInputTokens  int64    `json:"summary_input_tokens"`
	SummaryOutputTokens int64    `json:"summary_output_tokens"`
	CostUSD             float64  `json:"cost_usd"`
	SavingsPct          float64  `json:"savings_pct"`
	PeakInputTokens     int64    `json:"peak_input_tokens"`
	DroppedTokens       int64    `json:"dropped_tokens"`
	ClearedTokens       int64    `json:"cleared_tokens,omitempty"`
	TruncatedCalls      int      `json:"truncated_calls"`
	OverflowCalls       int      `json:"overflow_calls"`
	UnpricedCalls       int      `json:"unpriced_calls,omitempty"`
	RoutedCalls         int      `json:"routed_calls,omitempty"`
	ServedCalls         int      `json:"respcache_hits,omitempty"`
	ServedSavedUSD      float64  `json:"respcache_saved_usd,omitempty"`
	ReportedCostUSD     *float64 `json:"reported_cost_usd,omitempty"`
	MonthlyCostUSD      *float64 `json:"monthly_cost_usd,omitempty"`
	// Fidelity is the replay check, on the first strategy's totals and
	// conversations where the log reports usage.
	Fidelity *ReportFidelity `json:"fidelity,omitempty"`
}

// ReportFidelity is the replay check: what the app did (the cache
// strategy) simulated on the calls with reported usage, against what they
// were billed.
type ReportFidelity struct {
	Strategy     string  `json:"strategy"`
	Calls        int     `json:"calls"`
	SimulatedUSD float64 `json:"simulated_usd"`
	BilledUSD    float64 `json:"billed_usd"`
	ErrorPct     float64 `json:"error_pct"`
	Cause        string  `json:"cause,omitempty"`
}

func reportFidelity(f *Fidelity) *ReportFidelity {
	if f == nil {
		return nil
	}
	return &ReportFidelity{Strategy: f.Spec, Calls: f.Calls, SimulatedUSD: f.Simulated.USD(), BilledUSD: f.Billed.USD(),
		ErrorPct: round2(f.ErrorPct()), Cause: f.Cause}
}

// ReportConversation is one conversation's totals under a strategy.
type ReportConversation struct {
	ID     string       `json:"id"`
	Path   string       `json:"path"`
	Calls  int          `json:"calls"`
	Totals ReportTotals `json:"totals"`
	// HiddenPrefixTokens is the conversation's unlogged prefix, fitted once
	// from its reported usage.
	HiddenPrefixTokens int64 `json:"hidden_prefix_tokens,omitempty"`
}

// ReportCall is one call.
type ReportCall struct {
	Index             int                `json:"index"`
	Conversation      string             `json:"conversation,omitempty"`
	Input             ReportInput        `json:"input"`
	CachedInputTokens int64              `json:"cached_input_tokens"`
	CacheWriteTokens  int64              `json:"cache_write_tokens"`
	OutputTokens      int64              `json:"output_tokens"`
	ReasoningTokens   int64              `json:"reasoning_tokens"`
	Reported          *transcripts.Usage `json:"reported"`
	// EstimateErrorTokens is reported input − (counted + hidden prefix):
	// the counts' error on this call, where the log has usage.
	EstimateErrorTokens *int64  `json:"estimate_error_tokens,omitempty"`
	CostUSD             float64 `json:"cost_usd"`
	Truncated           bool    `json:"truncated,omitempty"`
	Overflow            bool    `json:"overflow,omitempty"`
	Unpriced            bool    `json:"unpriced,omitempty"`
}

// ReportInput is a call's input by part, with its total.
type ReportInput struct {
	Parts
	Total int64 `json:"total"`
}

// ReportOptions add to a report what is not in the Result.
type ReportOptions struct {
	Path, Format string
	WhatIf       string // the what-ifs applied, as flags
	Warnings     []string
	PerDay       int64 // project monthly cost at this many conversations a day
	NoCalls      bool  // leave per-call rows out
}

// NewReport builds the JSON document of r.
func NewReport(r *Result, opt ReportOptions) *Report {
	rep := &Report{Source: ReportSource{Path: opt.Path, Format: opt.Format, WhatIf: opt.WhatIf, Warnings: append(append([]string{}, opt.Warnings...), r.Warnings...)}}
	if rep.Source.Warnings == nil {
		rep.Source.Warnings = []string{}
	}
	multi := len(r.Conversations) > 1
	ids := UniqueIDs(r.Conversations, opt.Path) // a subagent id can repeat across sessions
	for _, c := range r.Conversations {
		rep.Source.Calls += c.Calls
		if c.Calls == 0 {
			rep.Source.EmptyConversations = append(rep.Source.EmptyConversations, c.ID)
		}
	}
	if multi {
		rep.Source.Conversations = len(r.Conversations) - len(rep.Source.EmptyConversations)
	}
	rep.Model = ReportModel{ID: r.ModelID, Exact: r.Tokenizer != nil && r.Tokenizer.Exact, PerDay: opt.PerDay}
	if r.Tokenizer != nil {
		rep.Model.Encoding = r.Tokenizer.Encoding
	}
	if len(r.Conversations) > 0 && r.Conversations[0].Calibration != 1 {
		rep.Model.Calibration = r.Conversations[0].Calibration
	}
	if m := r.Model; m != nil {
		rep.Model.ID = m.ID
		rep.Model.Prices = &ReportModelPrices{Input: m.Input.PerMTok(), Output: m.Output.PerMTok(), CachedInput: m.CachedInput.PerMTok()}
		if m.Caching.Mode == price.CachingExplicit {
			w5, w1 := m.CacheWrite5m.PerMTok(), m.CacheWrite1h.PerMTok()
			rep.Model.Prices.CacheWrite5m, rep.Model.Prices.CacheWrite1h = &w5, &w1
		}
	} else {
		rep.Model.Unpriced = true
	}
	if ms := ModelsOf(r); len(ms) > 1 {
		rep.Model.Models = ms
		if rep.Model.ID != ms[0].ID {
			// The prices are the first conversation's model's: with the
			// most used named instead, leave them out (`tokenscope
			// prices` lists each).
			rep.Model.ID, rep.Model.Prices = ms[0].ID, nil
		}
	}
	var base Totals
	for i, s := range r.Strategies {
		if i == 0 {
			base = s.Totals
		}
		rs := ReportStrategy{Spec: s.Strategy.Spec, Note: s.Note, Totals: reportTotals(s.Totals, base, i == 0, opt.PerDay, CallingConversations(r)), Calls: []ReportCall{}}
		if i == 0 {
			rs.Totals.Fidelity = reportFidelity(r.Fidelity)
		}
		if multi {
			for j, c := range s.Conversations {
				var cbase Totals
				if len(r.Strategies) > 0 {
					cbase = r.Strategies[0].Conversations[j].Totals
				}
				rc := ReportConversation{ID: ids[j], Path: c.Path, Calls: c.Totals.Calls,
					Totals: reportTotals(c.Totals, cbase, i == 0, 0, 1)}
				if j < len(r.Conversations) {
					rc.HiddenPrefixTokens = r.Conversations[j].HiddenPrefix
					if i == 0 {
						rc.Totals.Fidelity = reportFidelity(r.Conversations[j].Fidelity)
					}
				}
				rs.Conversations = append(rs.Conversations, rc)
			}
		}
		if !opt.NoCalls {
			r.EachCall(i, func(_ int, c *Call) error {
				rs.Calls = append(rs.Calls, NewReportCall(c, multi))
				return nil
			})
		}
		rep.Strategies = append(rep.Strategies, rs)
	}
	rep.Sessions = Rollups(r)
	return rep
}

// NewReportCall is the JSON row of call; multi names its conversation.
// Streaming writers build rows one at a time with it.
func NewReportCall(call *Call, multi bool) ReportCall {
	rc := ReportCall{Index: call.Index, Input: ReportInput{Parts: call.Input, Total: call.Input.Total()},
		CachedInputTokens: call.Cached, CacheWriteTokens: call.CacheWrite, OutputTokens: call.BilledOutput(),
		ReasoningTokens: call.Reasoning, Reported: call.Reported, CostUSD: call.Cost.USD(),
		Truncated: call.Truncated, Overflow: call.Overflow, Unpriced: call.Unpriced}
	if multi {
		rc.Conversation = call.Conversation
	}
	if call.Reported != nil {
		e := call.EstimateError
		rc.EstimateErrorTokens = &e
	}
	return rc
}

func reportTotals(t, base Totals, first bool, perDay, convs int64) ReportTotals {
	rt := ReportTotals{InputTokens: t.Input, CachedInputTokens: t.Cached, CacheWriteTokens: t.CacheWrite,
		OutputTokens: t.BilledOutput(), ReasoningTokens: t.Reasoning, SummaryInputTokens: t.SummaryInput,
		SummaryOutputTokens: t.SummaryOutput, CostUSD: t.Cost.USD(), SavingsPct: round2(t.SavingsPct(base)),
		PeakInputTokens: t.PeakInput, DroppedTokens: t.Dropped, ClearedTokens: t.Cleared, TruncatedCalls: t.Truncated,
		OverflowCalls: t.Overflow, UnpricedCalls: t.Unpriced, RoutedCalls: t.Routed, ServedCalls: t.Served,
		ServedSavedUSD: t.ServedSaved.USD()}
	if first && t.ReportedCalls > 0 {
		v := t.ReportedCost.USD()
		rt.ReportedCostUSD = &v
	}
	if perDay > 0 && t.Calls > 0 {
		v := Monthly(t.Cost, convs, perDay).USD()
		rt.MonthlyCostUSD = &v
	}
	return rt
}

// CallingConversations counts r's conversations that made a call: the unit
// --per-day projects.
func CallingConversations(r *Result) int64 {
	var n int64
	for _, c := range r.Conversations {
		if c.Calls > 0 {
			n++
		}
	}
	return n
}

// Monthly projects cost, a total over convs conversations, per month at
// perDay such conversations a day: cost ÷ convs × perDay × 30, exact to the
// pico-dollar (SPEC: "--per-day N projects each strategy's cost per month
// at N such conversations a day").
func Monthly(cost price.Money, convs, perDay int64) price.Projection {
	p := price.Project(cost, perDay)
	if convs > 1 {
		p = p.Div(convs)
	}
	return p
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

// WriteJSON writes the report as indented JSON.
func (rep *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(rep)
}

// Header is the description of what was profiled: the source, its calls
// and conversations, then the model (or models) priced, the tokenizer and
// the prices. path may carry the what-ifs applied (see WithWhatIf).
func Header(r *Result, path, format string) string {
	calls, empty := 0, 0
	for _, c := range r.Conversations {
		calls += c.Calls
		if c.Calls == 0 {
			empty++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s, %s", path, format, Plural(int64(calls), "call"))
	if len(r.Conversations) > 1 {
		fmt.Fprintf(&b, " in %s", Plural(int64(len(r.Conversations)-empty), "conversation"))
	}
	if empty > 0 {
		fmt.Fprintf(&b, "; %d empty, not counted", empty)
	}
	b.WriteString(")")
	model := r.ModelID
	if r.Model != nil {
		model = r.Model.ID
	}
	if model == "" {
		model = "no model"
	}
	models := ModelsOf(r)
	if len(models) > 1 {
		var list []string
		for i, m := range models {
			n := strconv.Itoa(m.Calls)
			if i == 0 {
				n = Plural(int64(m.Calls), "call")
			}
			list = append(list, fmt.Sprintf("%s (%s)", m.ID, n))
		}
		model = fmt.Sprintf("%d models: %s", len(models), strings.Join(list, ", "))
	}
	tok := ""
	if len(r.Conversations) > 0 {
		tok = r.Conversations[0].Tokenizer
	}
	fmt.Fprintf(&b, "\n%s · %s", model, tok)
	switch {
	case len(models) > 1:
		b.WriteString(" · prices per model in `tokenscope prices`")
	case r.Model != nil:
		fmt.Fprintf(&b, " · $%s in / $%s out / $%s cached per MTok", trimFloat(r.Model.Input.PerMTok()), trimFloat(r.Model.Output.PerMTok()), trimFloat(r.Model.CachedInput.PerMTok()))
	}
	return b.String()
}

// WithWhatIf is path as report headers name it: with the what-ifs applied
// to it ("chat.jsonl with --tools t.json"), when there are any.
func WithWhatIf(path, whatIf string) string {
	if whatIf == "" {
		return path
	}
	return path + " with " + whatIf
}

// ModelCalls is one model of a log and the calls priced as it.
type ModelCalls struct {
	ID    string `json:"id"`
	Calls int    `json:"calls"`
}

// ModelsOf lists the models r's first strategy priced its calls as, most
// calls first (ties in order of first use); calls with no model are left
// out.
func ModelsOf(r *Result) []ModelCalls {
	if r == nil || len(r.Strategies) == 0 {
		return nil
	}
	var out []ModelCalls
	idx := map[string]int{}
	r.EachCall(0, func(_ int, c *Call) error {
		id := c.Model
		if id == "" {
			return nil
		}
		j, ok := idx[id]
		if !ok {
			j = len(out)
			idx[id] = j
			out = append(out, ModelCalls{ID: id})
		}
		out[j].Calls++
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Calls > out[j].Calls })
	return out
}

func trimFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// tokenCell shows a token count, marked ≈ when counts are estimates.
func tokenCell(n int64, exact bool) string {
	s := compactTokens(n)
	if !exact {
		s = "≈" + s
	}
	return s
}

// compactTokens renders 1234567 as 1.23M and 45678 as 45.7k.
func compactTokens(n int64) string {
	switch {
	case n >= 1_000_000_000:
		return fmt.Sprintf("%.2fB", float64(n)/1e9)
	case n >= 10_000_000:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 1_000_000:
		return fmt.Sprintf("%.2fM", float64(n)/1e6)
	case n >= 100_000:
		return fmt.Sprintf("%.0fk", float64(n)/1e3)
	case n >= 10_000:
		return fmt.Sprintf("%.1fk", float64(n)/1e3)
	}
	return formatTokens(n)
}

// StrategyRow is one line of the strategy table, shared by the text
// formats and the TUI.
type StrategyRow struct {
	Spec, Input, CacheHit, Output, Cost, Saved, Notes, Monthly string
	// Why says why steps of the strategy changed nothing ("" when all
	// acted): Whys joined with "; ".
	Why string
	// Whys name each step that changed nothing and why ("window:turns=8
	// changed nothing: …").
	Whys []string
}

// stepWhys splits a strategy's note ("window: …; cap: …", each part led by
// a step kind's name) into one line per step, named by the step's own spec
// rather than its kind: in window:turns=8+cache only the window changed
// nothing. A reason's own "; " stays in its part, as what follows it does
// not start with a kind of the strategy.
func stepWhys(s *Strategy, note string) []string {
	if note == "" {
		return nil
	}
	steps := map[string]string{}
	for _, st := range s.Steps {
		if _, ok := steps[st.Kind().Name]; !ok {
			steps[st.Kind().Name] = st.String()
		}
	}
	var out []string
	for _, part := range strings.Split(note, "; ") {
		kind, why, ok := strings.Cut(part, ": ")
		spec, known := steps[kind]
		if !ok || !known {
			if len(out) > 0 {
				out[len(out)-1] += "; " + part
				continue
			}
			out = append(out, part)
			continue
		}
		out = append(out, spec+" changed nothing: "+why)
	}
	return out
}

// Rows returns the strategy table of r.
func Rows(r *Result, perDay int64) []StrategyRow {
	exact := r.Tokenizer != nil && r.Tokenizer.Exact
	var rows []StrategyRow
	var base Totals
	none := AllUnpriced(r)
	for i, s := range r.Strategies {
		t := s.Totals
		if i == 0 {
			base = t
		}
		row := StrategyRow{Spec: s.Strategy.Spec, Input: tokenCell(t.Input, exact), Output: tokenCell(t.BilledOutput(), exact),
			Cost: t.Cost.String(), CacheHit: "—", Saved: "—", Whys: stepWhys(s.Strategy, s.Note)}
		row.Why = strings.Join(row.Whys, "; ")
		if none {
			// One line under the table says why; never $0.00.
			row.Cost = "unpriced"
			if t.Cached > 0 {
				row.CacheHit = fmt.Sprintf("%.0f%%", t.CacheHitPct())
			}
			rows = append(rows, row)
			continue
		}
		if t.Cached > 0 {
			row.CacheHit = fmt.Sprintf("%.0f%%", t.CacheHitPct())
		}
		if i > 0 {
			row.Saved = fmt.Sprintf("%+.1f%%", t.SavingsPct(base))
			if t.SavingsPct(base) > 0 {
				row.Saved = fmt.Sprintf("%.1f%%", t.SavingsPct(base))
			}
		}
		var notes []string
		if t.Dropped > 0 {
			notes = append(notes, "dropped "+tokenCell(t.Dropped, exact))
		}
		if t.Cleared > 0 {
			notes = append(notes, "cleared "+tokenCell(t.Cleared, exact))
		}
		if t.SummaryInput > 0 {
			notes = append(notes, "summaries "+tokenCell(t.SummaryInput+t.SummaryOutput, exact))
		}
		if t.Truncated > 0 {
			notes = append(notes, fmt.Sprintf("%d truncated", t.Truncated))
		}
		if t.Overflow > 0 {
			notes = append(notes, fmt.Sprintf("%d overflow", t.Overflow))
		}
		if t.Unpriced > 0 && sameUnpriced(r) == 0 {
			notes = append(notes, fmt.Sprintf("%d unpriced", t.Unpriced))
		}
		if t.Routed > 0 {
			notes = append(notes, fmt.Sprintf("%d routed", t.Routed))
		}
		if t.Served > 0 {
			notes = append(notes, fmt.Sprintf("%d answered from the response cache, saving %s", t.Served, t.ServedSaved))
		}
		row.Notes = strings.Join(notes, ", ")
		if perDay > 0 {
			row.Monthly = Monthly(t.Cost, CallingConversations(r), perDay).String()
		}
		rows = append(rows, row)
	}
	return rows
}

// PerDayHead is the heading of the monthly column.
func PerDayHead(perDay int64) string {
	return fmt.Sprintf("per month at %s a day", Plural(perDay, "conversation"))
}

// Plural is "1 call", "2 calls": n and the noun, with an s unless n is 1.
func Plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return formatTokens(n) + " " + noun + "s"
}

// WriteTable writes the report as a plain table readable at 80 columns.
func WriteTable(w io.Writer, r *Result, path, format string, perDay int64, warnings []string) error {
	var b strings.Builder
	b.WriteString(Header(r, path, format))
	b.WriteString("\n\n")
	rows := Rows(r, perDay)
	specW := len("strategy")
	for _, row := range rows {
		specW = max(specW, len([]rune(row.Spec)))
	}
	specW = min(specW, 30)
	line := func(spec, in, hit, out, cost, saved, rest string) {
		if len([]rune(spec)) > specW {
			spec = string([]rune(spec)[:specW-1]) + "…"
		}
		fmt.Fprintf(&b, "%-*s %8s %6s %8s %11s %7s", specW, spec, in, hit, out, cost, saved)
		if rest != "" {
			b.WriteString("  " + rest)
		}
		b.WriteString("\n")
	}
	monthHead := ""
	if perDay > 0 {
		monthHead = PerDayHead(perDay)
	}
	line("strategy", "input", "cached", "output", "cost", "saved", monthHead)
	for _, row := range rows {
		line(row.Spec, row.Input, row.CacheHit, row.Output, row.Cost, row.Saved, row.Monthly)
	}
	b.WriteString("\n")
	if u := unpricedLine(r); u != "" {
		b.WriteString("  " + u + "\n")
	}
	for _, row := range rows {
		if row.Notes != "" {
			fmt.Fprintf(&b, "  %s: %s\n", row.Spec, row.Notes)
		}
		for _, why := range row.Whys {
			if strings.HasPrefix(why, row.Spec+" changed nothing: ") {
				fmt.Fprintf(&b, "  %s\n", why)
			} else {
				fmt.Fprintf(&b, "  %s: %s\n", row.Spec, why)
			}
		}
	}
	if len(r.Strategies) > 0 {
		t := r.Strategies[0].Totals
		if t.ReportedCalls > 0 {
			b.WriteString("\n")
		}
		for _, l := range billedLines(r) {
			b.WriteString(l + "\n")
		}
		for _, l := range rollupLines(r) {
			b.WriteString(l + "\n")
		}
		p := t.Parts
		line := fmt.Sprintf("\nwhere %s's input goes:", r.Strategies[0].Strategy.Spec)
		for _, name := range PartNames {
			if v := p.Get(name); v > 0 && t.Input > 0 {
				item := fmt.Sprintf(" %s %.1f%%", name, 100*float64(v)/float64(t.Input))
				if len(line)+len(item) > 80 {
					b.WriteString(line + "\n")
					line = " "
				}
				line += item
			}
		}
		b.WriteString(line + "\n")
	}
	for _, w := range append(append([]string{}, warnings...), r.Warnings...) {
		fmt.Fprintf(&b, "warning: %s\n", w)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteMarkdown writes the strategy table as Markdown.
func WriteMarkdown(w io.Writer, r *Result, path, format string, perDay int64) error {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s**\n\n", strings.ReplaceAll(Header(r, path, format), "\n", " · "))
	head := "| strategy | input | cached | output | cost | saved | notes |"
	sep := "|---|---:|---:|---:|---:|---:|---|"
	if perDay > 0 {
		head += " " + PerDayHead(perDay) + " |"
		sep += "---:|"
	}
	b.WriteString(head + "\n" + sep + "\n")
	for _, row := range Rows(r, perDay) {
		notes := row.Notes
		if row.Why != "" {
			notes = strings.TrimPrefix(notes+"; "+row.Why, "; ")
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s | %s |", row.Spec, row.Input, row.CacheHit, row.Output, row.Cost, row.Saved, notes)
		if perDay > 0 {
			fmt.Fprintf(&b, " %s |", row.Monthly)
		}
		b.WriteString("\n")
	}
	if lines := SummaryLines(r); len(lines) > 0 {
		b.WriteString("\n")
		for _, l := range lines {
			if sub, ok := strings.CutPrefix(l, "  "); ok {
				b.WriteString("  - " + sub + "\n")
			} else {
				b.WriteString("- " + l + "\n")
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// SummaryLines are the lines every report format shows under its strategy
// table: why calls are unpriced, what the log was billed against what the
// first strategy simulates, and the replay check. A line that details the
// one before it starts with two spaces.
func SummaryLines(r *Result) []string {
	var out []string
	if u := unpricedLine(r); u != "" {
		out = append(out, u)
	}
	out = append(out, billedLines(r)...)
	return append(out, rollupLines(r)...)
}

// unpricedLine says why calls are unpriced, once ("" when none are).
func unpricedLine(r *Result) string {
	if AllUnpriced(r) {
		return fmt.Sprintf("unpriced: %s — pass --model", UnpricedReason(r))
	}
	if n := sameUnpriced(r); n > 0 {
		// The same calls are unpriced under every strategy: say it once.
		return fmt.Sprintf("unpriced: %d of %s (their model has no price; see the warnings) — not in the costs", n, Plural(int64(r.Strategies[0].Totals.Calls), "call"))
	}
	return ""
}

// billedLines are the bill against the simulation and the replay check.
func billedLines(r *Result) []string {
	if len(r.Strategies) == 0 {
		return nil
	}
	var out []string
	t := r.Strategies[0].Totals
	if t.ReportedCalls > 0 {
		out = append(out, fmt.Sprintf("as billed (reported usage, %d of %s): %s", t.ReportedCalls, Plural(int64(t.Calls), "call"), t.ReportedCost),
			fmt.Sprintf("as simulated (%s): %s", r.Strategies[0].Strategy.Spec, t.Cost))
		if t.ReportedCost > 0 {
			out[len(out)-1] += fmt.Sprintf(" (%+.1f%% of billed)", 100*float64(t.Cost-t.ReportedCost)/float64(t.ReportedCost))
		}
		l := fmt.Sprintf("reported input %s vs counted %s", formatTokens(t.ReportedInput), formatTokens(t.Input-t.Parts.Unlogged))
		if t.Parts.Unlogged > 0 {
			l += fmt.Sprintf(" (unlogged %s)", formatTokens(t.Parts.Unlogged))
		}
		out = append(out, l)
	}
	if f := fidelityLines(r, "", "  "); f != "" {
		out = append(out, strings.Split(strings.TrimSuffix(f, "\n"), "\n")...)
	}
	return out
}

// fidelityLines is the replay check for the text formats: the tree's line,
// its likely cause, and the conversations beyond the tolerance; the first
// line starts with first, the others with sub.
func fidelityLines(r *Result, first, sub string) string {
	f := r.Fidelity
	if f == nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s%s\n", first, f.Line())
	if f.Cause != "" {
		fmt.Fprintf(&b, "%slikely cause: %s\n", sub, f.Cause)
	}
	if len(r.Conversations) > 1 {
		off := 0
		for _, c := range r.Conversations {
			if c.Fidelity != nil && c.Fidelity.Calls >= 2 && c.Fidelity.Cause != "" {
				off++
			}
		}
		if off > 0 {
			fmt.Fprintf(&b, "%s%d of %d conversations beyond ±%d%%:", sub, off, len(r.Conversations), FidelityTolerancePct)
			n := 0
			for _, c := range r.Conversations {
				if c.Fidelity != nil && c.Fidelity.Calls >= 2 && c.Fidelity.Cause != "" && n < 3 {
					fmt.Fprintf(&b, " %s %+.1f%%", c.ID, c.Fidelity.ErrorPct())
					n++
				}
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}
