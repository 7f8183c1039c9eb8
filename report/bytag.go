package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/advisor"
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/report/rows"
)

// WriteTagTable writes the by-tag rows as a table: calls, reported tokens,
// what was billed, and each strategy's simulated cost; a cell none of
// whose calls could be priced says "unpriced". Tags come from clients and
// are cleaned (rows.Clean).
func WriteTagTable(w io.Writer, r *profile.Result, tags []advisor.TagRow) error {
	var out strings.Builder
	tw := tabwriter.NewWriter(&out, 0, 0, 2, ' ', tabwriter.AlignRight)
	tagW := len("total")
	for _, row := range tags {
		tagW = max(tagW, len([]rune(rows.Clean(row.Tag))))
	}
	left := func(s string) string { s = rows.Clean(s); return s + strings.Repeat(" ", tagW-len([]rune(s))) + "\t" }
	head := []string{left("tag"), "calls", "input", "output", "billed"}
	for _, s := range r.Strategies {
		head = append(head, rows.Clean(s.Strategy.Spec))
	}
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	total := advisor.TagRow{Tag: "total", Cost: make([]price.Money, len(r.Strategies)), Unpriced: make([]int, len(r.Strategies))}
	money := func(m price.Money, unpriced, calls int) string {
		if calls > 0 && unpriced >= calls {
			return rows.Unpriced
		}
		return m.String()
	}
	line := func(row advisor.TagRow) {
		first := 0
		if len(row.Unpriced) > 0 {
			first = row.Unpriced[0]
		}
		cells := []string{left(row.Tag), fmt.Sprint(row.Calls), rows.Tokens(row.ReportedInput), rows.Tokens(row.ReportedOutput),
			money(row.Reported, first, row.Calls)}
		for i, c := range row.Cost {
			n := 0
			if i < len(row.Unpriced) {
				n = row.Unpriced[i]
			}
			cells = append(cells, money(c, n, row.Calls))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	for _, row := range tags {
		line(row)
		total.Calls += row.Calls
		total.ReportedInput += row.ReportedInput
		total.ReportedOutput += row.ReportedOutput
		total.Reported = total.Reported.Add(row.Reported)
		for i, c := range row.Cost {
			total.Cost[i] = total.Cost[i].Add(c)
			if i < len(row.Unpriced) {
				total.Unpriced[i] += row.Unpriced[i]
			}
		}
	}
	if len(tags) > 1 {
		line(total)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := io.WriteString(w, out.String())
	return err
}
