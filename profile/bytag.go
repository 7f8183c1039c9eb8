package profile

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts"
)

// TagRow is the calls of one cost centre (the proxy's X-Tokenscope-Tag).
type TagRow struct {
	Tag            string // canonical tags, "untagged" for calls without
	Calls          int
	ReportedInput  int64
	ReportedOutput int64
	Reported       price.Money   // what the calls' reported usage was billed
	Cost           []price.Money // per strategy of the result, as simulated
}

// ByTag groups the calls of r by their tags. With key "" a group is a
// whole tag set; with a key ("team") it is that tag's value, and calls
// without it are "team=untagged". convs are the conversations r was run
// on, in the same order. Rows are sorted by tag.
func ByTag(r *Result, convs []*transcripts.Conversation, key string) []TagRow {
	rows := map[string]*TagRow{}
	group := func(tags map[string]string) string {
		if key == "" {
			return transcripts.TagString(tags)
		}
		v, ok := tags[key]
		if !ok {
			v = "untagged"
		}
		return key + "=" + v
	}
	for si, s := range r.Strategies {
		for ci, cr := range s.Conversations {
			if ci >= len(convs) {
				break
			}
			msgs := convs[ci].Messages
			for i := range cr.Calls {
				c := &cr.Calls[i]
				var tags map[string]string
				if c.Message >= 0 && c.Message < len(msgs) {
					tags = msgs[c.Message].Tags
				}
				g := group(tags)
				row := rows[g]
				if row == nil {
					row = &TagRow{Tag: g, Cost: make([]price.Money, len(r.Strategies))}
					rows[g] = row
				}
				row.Cost[si] += c.Cost
				if si == 0 {
					row.Calls++
					row.Reported += c.ReportedCost
					if c.Reported != nil {
						row.ReportedInput += c.Reported.InputTokens
						row.ReportedOutput += c.Reported.OutputTokens
					}
				}
			}
		}
	}
	out := make([]TagRow, 0, len(rows))
	for _, row := range rows {
		out = append(out, *row)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Tag < out[j].Tag })
	return out
}

// WriteTagTable writes rows as a table: calls, reported tokens, what was
// billed, and each strategy's simulated cost.
func WriteTagTable(w io.Writer, r *Result, rows []TagRow) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	tagW := len("total")
	for _, row := range rows {
		tagW = max(tagW, len([]rune(row.Tag)))
	}
	left := func(s string) string { return s + strings.Repeat(" ", tagW-len([]rune(s))) + "\t" }
	head := []string{left("tag"), "calls", "input", "output", "billed"}
	for _, s := range r.Strategies {
		head = append(head, s.Strategy.Spec)
	}
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	var total TagRow
	total.Tag, total.Cost = "total", make([]price.Money, len(r.Strategies))
	line := func(row TagRow) {
		cells := []string{left(row.Tag), fmt.Sprint(row.Calls), compactTokens(row.ReportedInput), compactTokens(row.ReportedOutput), row.Reported.String()}
		for _, c := range row.Cost {
			cells = append(cells, c.String())
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	for _, row := range rows {
		line(row)
		total.Calls += row.Calls
		total.ReportedInput += row.ReportedInput
		total.ReportedOutput += row.ReportedOutput
		total.Reported += row.Reported
		for i, c := range row.Cost {
			total.Cost[i] += c
		}
	}
	if len(rows) > 1 {
		line(total)
	}
	return tw.Flush()
}
