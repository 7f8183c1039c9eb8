// Package rows is the strategy table every output draws: the text table,
// Markdown, the HTML page, the JSON document's savings and the TUI. Each
// figure is computed here once, with one rounding and one baseline, so that
// no two screens disagree. It imports only profile: the TUI can use it
// without pulling in charts or Parquet.
package rows

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/tokenscope/tokenscope/profile/strategy"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/price"
)

// Unpriced is what every text output shows in place of money it could not
// price: never $0.00.
const Unpriced = "unpriced"

// None is a cell with nothing to show.
const None = "—"

// Base is the saved cell of the baseline's own row: the strategy every
// other row's saving is measured against.
const Base = "base"

// Strategy is one line of the strategy table.
type Strategy struct {
	// Spec is the strategy's spec, sanitised for a terminal.
	Spec string
	// Totals are the strategy's totals (over the calls played so far with
	// Options.Replay).
	Totals profile.Totals
	// Input, CacheHit, Output, Cost, Saved, Dropped, Notes and Monthly are
	// the cells as shown. Cost is Unpriced when nothing could be priced.
	Input, CacheHit, Output, Cost, Saved, Dropped, Notes, Monthly string
	// Truncated and Overflow are the counts of cut replies and calls over
	// the context window, None when zero.
	Truncated, Overflow string
	// SavedPct is the saving against the baseline (the first strategy),
	// rounded once to one decimal: positive when cheaper, negative when
	// dearer. Zero, with Priced false, when there is no saving to show.
	SavedPct float64
	// Priced reports whether the cost is a price (some call priced).
	Priced bool
	// Why says why steps of the strategy changed nothing ("" when all
	// acted): Whys joined with "; ".
	Why string
	// Whys name each step that changed nothing and why ("window:turns=8
	// changed nothing: …").
	Whys []string
}

// Options select the table.
type Options struct {
	// PerDay adds the monthly projection at this many conversations a day.
	PerDay int64
	// Replay limits each strategy to the calls a replay has played so far:
	// its first Played calls (none when Played is 0). Without it, all.
	Replay bool
	Played int
}

// SavedPct is how much cheaper cost is than base in percent, rounded to one
// decimal (profile.RoundPct): the one rounding of every "saved" figure. ok is false when base
// is zero (nothing to save against).
func SavedPct(cost, base price.Money) (pct float64, ok bool) {
	if base == 0 {
		return 0, false
	}
	return profile.RoundPct(100 * float64(base-cost) / float64(base)), true
}

// Saved shows a saving in percent, one decimal: "58.5%" when cheaper,
// signed when not ("-12.3%" dearer, "+0.0%" the same), as report has
// always written it.
func Saved(pct float64) string {
	if pct > 0 {
		return fmt.Sprintf("%.1f%%", pct)
	}
	return fmt.Sprintf("%+.1f%%", pct)
}

// Strategies returns the strategy table of r: one row per strategy, saved
// against the first.
func Strategies(r *profile.Result, opt Options) []Strategy {
	if r == nil {
		return nil
	}
	exact := r.Tokenizer != nil && r.Tokenizer.Exact
	none := profile.AllUnpriced(r)
	same := profile.SameUnpriced(r)
	var out []Strategy
	var base profile.Totals
	for i := range r.Strategies {
		s := &r.Strategies[i]
		t := s.Totals
		if opt.Replay {
			t = s.TotalsUpto(opt.Played)
		}
		if i == 0 {
			base = t
		}
		row := Strategy{Spec: Clean(s.Strategy.Spec), Totals: t, Input: tokenCell(t.Input, exact),
			Output: tokenCell(t.BilledOutput(), exact), Cost: t.Cost.String(), CacheHit: None, Saved: None,
			Dropped: None, Truncated: count(t.Truncated), Overflow: count(t.Overflow),
			Whys: stepWhys(s.Strategy, s.Note), Priced: !none && t.Unpriced < t.Calls}
		for j := range row.Whys {
			row.Whys[j] = Clean(row.Whys[j])
		}
		row.Why = strings.Join(row.Whys, "; ")
		if t.Cached > 0 && t.Input > 0 {
			row.CacheHit = fmt.Sprintf("%.0f%%", t.CacheHitPct())
		}
		if t.Dropped > 0 {
			row.Dropped = tokenCell(t.Dropped, exact)
		}
		if none || t.Calls > 0 && t.Unpriced == t.Calls {
			// One line under the table says why; never $0.00.
			row.Cost, row.Priced = Unpriced, false
			out = append(out, row)
			continue
		}
		if pct, ok := SavedPct(t.Cost, base.Cost); ok && i > 0 {
			row.SavedPct, row.Saved = pct, Saved(pct)
		} else if i == 0 && len(r.Strategies) > 1 {
			row.Saved = Base
		}
		row.Notes = notes(t, exact, same == 0)
		if opt.PerDay > 0 {
			row.Monthly = profile.Monthly(t.Cost, profile.CallingConversations(r), opt.PerDay).String()
		}
		out = append(out, row)
	}
	return out
}

// notes are what a row adds beside its numbers.
func notes(t profile.Totals, exact, unpriced bool) string {
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
	if t.Unpriced > 0 && unpriced {
		notes = append(notes, fmt.Sprintf("%d of %d calls priced", t.Calls-t.Unpriced, t.Calls))
	}
	if t.Routed > 0 {
		notes = append(notes, fmt.Sprintf("%d routed", t.Routed))
	}
	if t.Served > 0 {
		notes = append(notes, fmt.Sprintf("%d answered from the response cache, saving %s", t.Served, t.ServedSaved))
	}
	return strings.Join(notes, ", ")
}

func count(n int) string {
	if n == 0 {
		return None
	}
	return strconv.Itoa(n)
}

// stepWhys splits a strategy's note ("window: …; cap: …", each part led by
// a step kind's name) into one line per step, named by the step's own spec
// rather than its kind: in window:turns=8+cache only the window changed
// nothing. A reason's own "; " stays in its part, as what follows it does
// not start with a kind of the strategy.
func stepWhys(s *strategy.Strategy, note string) []string {
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

// PerDayHead is the heading of the monthly column.
func PerDayHead(perDay int64) string {
	return fmt.Sprintf("per month at %s a day", Plural(perDay, "conversation"))
}

// Plural is "1 call", "2 calls": n and the noun, with an s unless n is 1.
func Plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return Int(n) + " " + noun + "s"
}

// Int renders n with thousands separators.
func Int(n int64) string { return profile.FormatTokens(n) }

// Tokens renders 1234567 as 1.23M and 45678 as 45.7k.
func Tokens(n int64) string {
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
	return Int(n)
}

// tokenCell shows a token count, marked ≈ when counts are estimates.
func tokenCell(n int64, exact bool) string {
	s := Tokens(n)
	if !exact {
		s = "≈" + s
	}
	return s
}

// Float renders f with as few digits as it needs.
func Float(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// ModelCalls is one model of a log and the calls priced as it.
type ModelCalls struct {
	ID    string `json:"id"`
	Calls int    `json:"calls"`
}

// ModelsOf lists the models r's first strategy priced its calls as, most
// calls first (ties in order of first use); calls with no model are left
// out.
func ModelsOf(r *profile.Result) []ModelCalls {
	if r == nil || len(r.Strategies) == 0 {
		return nil
	}
	var out []ModelCalls
	idx := map[string]int{}
	r.EachCall(0, func(_ int, c *profile.Call) error {
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
