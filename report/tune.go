package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/tokenscope/tokenscope/profile/advisor"
	"github.com/tokenscope/tokenscope/report/rows"
)

// WriteTune prints a search's frontier as a table of specs ready to paste
// into --strategy. "saved" is against what the app did (the basis), named
// in the first line.
func WriteTune(w io.Writer, r *advisor.TuneResult) error {
	var b strings.Builder
	fmt.Fprintf(&b, "what the app did (%s): %s — saved is against it\n", r.Basis.Spec, r.Basis.Cost)
	meet := "meet"
	if r.Admissible == 1 {
		meet = "meets"
	}
	tried := rows.Plural(int64(r.Tried), "strategy")
	if r.Tried != 1 {
		tried = strings.TrimSuffix(tried, "ys") + "ies"
	}
	fmt.Fprintf(&b, "%s tried, %d %s the constraints; the frontier of cost against context kept:\n", tried, r.Admissible, meet)
	table := [][]string{{"spec", "cost", "saved", "context", "dropped", "truncated"}}
	for _, c := range r.Frontier {
		table = append(table, []string{c.Spec, c.Cost.String(), rows.Saved(c.SavingsPct),
			fmt.Sprintf("%.1f%%", c.ContextPct), rows.Tokens(c.Dropped), fmt.Sprint(c.Truncated)})
	}
	if err := writeColumns(&b, table); err != nil {
		return err
	}
	_, err := io.WriteString(w, rows.CleanText(b.String()))
	return err
}
