package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/profile/usage"
	"github.com/tokenscope/tokenscope/report/rows"
)

// UsageFormats are the output formats of a usage summary.
var UsageFormats = []string{"table", "json", "csv"}

// WriteUsage writes a usage summary as a table, JSON or CSV. A row none
// of whose calls could be priced shows "unpriced" (null in JSON, an empty
// cell in CSV), never $0.00; a partly priced row's cost is its priced
// calls', marked, with "N of M calls priced" under the table.
func WriteUsage(w io.Writer, s *usage.Summary, format string) error {
	switch format {
	case "table", "":
		return writeUsageTable(w, s)
	case "json":
		return writeUsageJSON(w, s)
	case "csv":
		return writeUsageCSV(w, s)
	}
	return fmt.Errorf("--format %q: want one of %s", format, strings.Join(UsageFormats, ", "))
}

func usageHeading(s *usage.Summary) string {
	switch s.Group {
	case "monthly":
		return "month"
	case "session", "project", "tag", "machine":
		return s.Group
	}
	return "date"
}

// usagePriced reports whether r's cost is a price: some of its calls were
// priced, or the row has no call to price. A row whose calls all logged no
// usage has no price either: nothing was reported to bill (usageNone).
func usagePriced(r *usage.Row) bool { return r.Priced > 0 || (r.Unpriced == 0 && r.Calls == 0) }

// usageNone reports whether none of r's calls logged usage: its cost is
// "no usage", never $0.00.
func usageNone(r *usage.Row) bool { return r.Calls > 0 && r.Priced == 0 && r.Unpriced == 0 }

// noUsage is how a table shows the cost of a row whose calls logged no
// usage.
const noUsage = "no usage"

// usageCost is r's cost as a table shows it: "unpriced" when none of its
// calls could be priced, marked * when some could not.
func usageCost(r *usage.Row) string {
	switch {
	case usageNone(r):
		return noUsage
	case !usagePriced(r):
		return rows.Unpriced
	case r.Unpriced > 0:
		return r.Cost.String() + "*"
	}
	return r.Cost.String()
}

// writeUsageTable writes a table readable at 80 columns: long keys are cut
// on the left (a session's id ends it), token counts are compact, and the
// models used are listed under it. Keys and models from the log are
// cleaned (rows.Clean).
func writeUsageTable(w io.Writer, s *usage.Summary) error {
	var b strings.Builder
	keyW := len(usageHeading(s))
	for _, r := range s.Rows {
		keyW = max(keyW, len([]rune(rows.Clean(r.Key))))
	}
	keyW = min(keyW, 26)
	line := func(key, calls, in, out, write, read, total, cost string) {
		if k := []rune(rows.Clean(key)); len(k) > keyW {
			key = "…" + string(k[len(k)-keyW+1:])
		} else {
			key = string(k)
		}
		fmt.Fprintf(&b, "%-*s %6s %7s %7s %7s %7s %7s %10s\n", keyW, key, calls, in, out, write, read, total, cost)
	}
	line(usageHeading(s), "calls", "input", "output", "c.write", "c.read", "total", "cost")
	row := func(r *usage.Row) {
		line(r.Key, strconv.Itoa(r.Calls), rows.Tokens(r.Input), rows.Tokens(r.Output),
			rows.Tokens(r.CacheWrites), rows.Tokens(r.CacheReads), rows.Tokens(r.Total()), usageCost(r))
	}
	subagents := func(r *usage.Row) {
		cost := r.SubagentCost.String()
		if !usagePriced(r) {
			cost = usageCost(r)
		}
		fmt.Fprintf(&b, "%*s of which subagents %s, %s\n", min(keyW, 4), "", cost, rows.Plural(int64(r.Subagents), "agent"))
	}
	for i := range s.Rows {
		row(&s.Rows[i])
		if r := &s.Rows[i]; r.Subagents > 0 && s.Group == "session" {
			subagents(r)
		}
	}
	b.WriteString("\n")
	row(&s.Totals)
	if t := &s.Totals; t.Subagents > 0 {
		subagents(t)
	}
	if len(s.Totals.Models) > 0 {
		fmt.Fprintf(&b, "\nmodels: %s\n", rows.Clean(strings.Join(s.Totals.Models, ", ")))
	}
	if l := s.Prices.String(); l != "" {
		b.WriteString(rows.Clean(l) + "\n")
	}
	if t := s.Totals; t.Unpriced > 0 && !usagePriced(&t) {
		fmt.Fprintf(&b, "%s: none of %s with usage priced (model not in the price table) — pass --model\n",
			rows.Unpriced, rows.Plural(int64(t.Unpriced), "call"))
	} else if t.Unpriced > 0 {
		fmt.Fprintf(&b, "* %d of %s with usage priced (%d unpriced: model not in the price table); costs are of the priced calls only\n",
			t.Priced, rows.Plural(int64(t.Priced+t.Unpriced), "call"), t.Unpriced)
	}
	if n := s.Totals.Calls - s.Totals.Priced - s.Totals.Unpriced; n > 0 {
		fmt.Fprintf(&b, "%s logged no usage: not billed here (replay the log with `tokenscope report` to count them)\n",
			rows.Plural(int64(n), "call"))
	}
	for _, warn := range s.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", rows.Clean(warn))
	}
	_, err := io.WriteString(w, rows.CleanText(b.String()))
	return err
}

// usageJSON is a row in JSON, with its cost exact as a decimal string and
// as a number; both null, and Unpriced true, when none of its calls could
// be priced.
type usageJSON struct {
	usage.Row
	TotalTokens int64    `json:"total_tokens"`
	CostUSD     *float64 `json:"cost_usd"`
	Cost        *string  `json:"cost_usd_exact"`
	// SubagentCost is the subagents' part of Cost, exact ("" when none or
	// unpriced).
	SubagentCost string `json:"subagent_cost_usd_exact,omitempty"`
	NonePriced   bool   `json:"unpriced,omitempty"`
	// NoUsage counts the row's calls that logged no usage: neither priced
	// nor unpriced, and not in the cost (null when none of its calls did).
	NoUsage int `json:"no_usage_calls,omitempty"`
}

func toUsageJSON(r usage.Row) usageJSON {
	if r.Models == nil {
		r.Models = []string{}
	}
	j := usageJSON{Row: r, TotalTokens: r.Total(), NoUsage: r.Calls - r.Priced - r.Unpriced}
	if usagePriced(&r) {
		usd, exact := r.Cost.USD(), r.Cost.Decimal()
		j.CostUSD, j.Cost = &usd, &exact
		if r.Subagents > 0 {
			j.SubagentCost = r.SubagentCost.Decimal()
		}
	} else if !usageNone(&r) {
		j.NonePriced = true
	}
	return j
}

func writeUsageJSON(w io.Writer, s *usage.Summary) error {
	doc := struct {
		Group    string      `json:"group"`
		Rows     []usageJSON `json:"rows"`
		Totals   usageJSON   `json:"totals"`
		Warnings []string    `json:"warnings"`
		// PriceTable names the table that priced the rows and its date.
		PriceTable *price.TableLabel `json:"price_table,omitempty"`
	}{Group: s.Group, Rows: []usageJSON{}, Totals: toUsageJSON(s.Totals), Warnings: s.Warnings}
	if s.Prices.Name != "" {
		doc.PriceTable = &s.Prices
	}
	for _, r := range s.Rows {
		doc.Rows = append(doc.Rows, toUsageJSON(r))
	}
	if doc.Warnings == nil {
		doc.Warnings = []string{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// writeUsageCSV writes one line per row and the totals; cost_usd is empty
// when none of a row's calls could be priced (unpriced_calls says how many
// were not), and cells from the log are neutralised (csvCell).
func writeUsageCSV(w io.Writer, s *usage.Summary) error {
	cw := csv.NewWriter(w)
	i64 := func(n int64) string { return strconv.FormatInt(n, 10) }
	_ = cw.Write([]string{usageHeading(s), "models", "calls", "input_tokens", "output_tokens", "cache_write_tokens",
		"cache_write_1h_tokens", "cache_read_tokens", "total_tokens", "cost_usd", "unpriced_calls"})
	for _, r := range append(slices.Clone(s.Rows), s.Totals) {
		cost := ""
		if usagePriced(&r) {
			cost = r.Cost.Decimal()
		}
		_ = cw.Write([]string{csvCell(r.Key), csvCell(strings.Join(r.Models, " ")), strconv.Itoa(r.Calls), i64(r.Input), i64(r.Output),
			i64(r.CacheWrites), i64(r.CacheWrite1h), i64(r.CacheReads), i64(r.Total()), cost, strconv.Itoa(r.Unpriced)})
	}
	cw.Flush()
	return cw.Error()
}
