package rows

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/advisor"
)

// Header is the description of what was profiled: the source, its calls
// and conversations, then the model (or models) priced, the tokenizer and
// the prices. path may carry the what-ifs applied (see WithWhatIf). Text
// from the log is cleaned (see Clean).
func Header(r *profile.Result, path, format string) string {
	calls, empty := 0, 0
	for _, c := range r.Conversations {
		calls += c.Calls
		if c.Calls == 0 {
			empty++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s, %s", Clean(path), Clean(format), Plural(int64(calls), "call"))
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
	fmt.Fprintf(&b, "\n%s · %s", Clean(model), Clean(tok))
	switch {
	case len(models) > 1:
		b.WriteString(" · prices per model in `tokenscope prices`")
	case r.Model != nil:
		fmt.Fprintf(&b, " · $%s in / $%s out / $%s cached per MTok", Float(r.Model.Input.PerMTok()), Float(r.Model.Output.PerMTok()), Float(r.Model.CachedInput.PerMTok()))
	default:
		b.WriteString(" · " + Unpriced)
	}
	if l := r.Prices.String(); l != "" {
		b.WriteString("\n" + Clean(l))
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

// SummaryLines are the lines every report format shows under its strategy
// table: why calls are unpriced, what the log was billed against what the
// first strategy simulates, and the replay check. A line that details the
// one before it starts with two spaces.
func SummaryLines(r *profile.Result) []string {
	var out []string
	if u := UnpricedLine(r); u != "" {
		out = append(out, u)
	}
	out = append(out, BilledLines(r)...)
	return append(out, RollupLines(r)...)
}

// RollupLines are the report's lines for Claude Code sessions that ran
// subagents (advisor.Rollups), at most five, the costliest first; without a
// price, the agents alone.
func RollupLines(r *profile.Result) []string {
	rs := advisor.Rollups(r)
	none := profile.AllUnpriced(r)
	var out []string
	for i, s := range rs {
		if i == 5 {
			out = append(out, fmt.Sprintf("  … and %d more sessions with subagents", len(rs)-5))
			break
		}
		agents := Plural(int64(len(s.Agents)), "agent")
		if none {
			out = append(out, fmt.Sprintf("session %s: %s, %s", Clean(s.Session), agents, Unpriced))
			continue
		}
		out = append(out, fmt.Sprintf("session %s: %s billed, of which subagents %s, %s", Clean(s.Session), s.Billed, s.AgentsBilled, agents))
	}
	return out
}

// UnpricedLine says why calls are unpriced, once ("" when none are).
func UnpricedLine(r *profile.Result) string {
	if profile.AllUnpriced(r) {
		return fmt.Sprintf("%s: %s — pass --model", Unpriced, Clean(profile.UnpricedReason(r)))
	}
	if n := profile.SameUnpriced(r); n > 0 {
		// The same calls are unpriced under every strategy: say it once.
		all := r.Strategies[0].Totals.Calls
		return fmt.Sprintf("%d of %s priced (%d unpriced: their model has no price; see the warnings) — costs are of the priced calls only",
			all-n, Plural(int64(all), "call"), n)
	}
	return ""
}

// BilledLines are the bill against the simulation and the replay check.
func BilledLines(r *profile.Result) []string {
	if len(r.Strategies) == 0 {
		return nil
	}
	var out []string
	t := r.Strategies[0].Totals
	spec := Clean(r.Strategies[0].Strategy.Spec)
	if t.ReportedCalls > 0 {
		billed, simulated := t.ReportedCost.String(), t.Cost.String()
		if t.Unpriced >= t.Calls {
			billed, simulated = Unpriced, Unpriced
		} else if t.Unpriced > 0 {
			billed += fmt.Sprintf(" (%d of %d calls priced)", t.Calls-t.Unpriced, t.Calls)
		}
		out = append(out, fmt.Sprintf("as billed (reported usage, %d of %s): %s", t.ReportedCalls, Plural(int64(t.Calls), "call"), billed),
			fmt.Sprintf("as simulated (%s): %s", spec, simulated))
		if t.ReportedCost > 0 && t.Unpriced < t.Calls {
			out[len(out)-1] += fmt.Sprintf(" (%+.1f%% of billed)", profile.RoundPct(100*float64(t.Cost-t.ReportedCost)/float64(t.ReportedCost)))
		}
		l := fmt.Sprintf("reported input %s vs counted %s", Int(t.ReportedInput), Int(t.Input-t.Parts.Unlogged))
		if t.Parts.Unlogged > 0 {
			l += fmt.Sprintf(" (unlogged %s)", Int(t.Parts.Unlogged))
		}
		out = append(out, l)
	}
	if f := fidelityLines(r, "", "  "); f != "" && t.Unpriced < t.Calls {
		out = append(out, strings.Split(strings.TrimSuffix(f, "\n"), "\n")...)
	}
	return out
}

// beyond says a conversation's replay check of two calls or more misses
// by more than the tolerance (it has a cause).
func beyond(f *profile.Fidelity) bool {
	return f != nil && f.Calls >= 2 && advisor.Cause(*f) != ""
}

// fidelityLines is the replay check for the text formats: the tree's line,
// its likely cause, and the conversations beyond the tolerance; the first
// line starts with first, the others with sub.
func fidelityLines(r *profile.Result, first, sub string) string {
	f := r.Fidelity
	if f == nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s%s\n", first, Clean(f.Line()))
	if cause := advisor.Cause(*f); cause != "" {
		fmt.Fprintf(&b, "%slikely cause: %s\n", sub, Clean(cause))
	}
	if s := advisor.ServedLine(*f); s != "" {
		fmt.Fprintf(&b, "%s%s\n%s  %s\n", sub, s, sub, advisor.ServedDetail(*f))
	}
	if s := advisor.UnexplainedLine(*f); s != "" {
		fmt.Fprintf(&b, "%s%s\n", sub, s)
	}
	if len(r.Conversations) > 1 {
		off := 0
		for _, c := range r.Conversations {
			if beyond(c.Fidelity) {
				off++
			}
		}
		if off > 0 {
			fmt.Fprintf(&b, "%s%d of %d conversations beyond ±%d%%:", sub, off, len(r.Conversations), advisor.FidelityTolerancePct)
			n := 0
			for _, c := range r.Conversations {
				if beyond(c.Fidelity) && n < 3 {
					fmt.Fprintf(&b, " %s %+.1f%%", Clean(c.ID), c.Fidelity.ErrorPct())
					n++
				}
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}
