package advisor

import (
	"sort"

	"github.com/tokenscope/tokenscope/profile"
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
	// Unpriced counts, per strategy, the calls whose model has no price:
	// not in Cost nor, under the first, in Reported.
	Unpriced []int
}

// ByMachine is the key of ByTag that groups calls by the machine whose
// proxy recorded them ("machine=unknown" for other logs).
const ByMachine = "@machine"

// ByTag groups the calls of r by their tags. With key "" a group is a
// whole tag set; with a key ("team") it is that tag's value, and calls
// without it are "team=untagged". convs are the conversations r was run
// on, in the same order. Rows are sorted by tag.
func ByTag(r *profile.Result, convs []*transcripts.Conversation, key string) []TagRow {
	rows := map[string]*TagRow{}
	group := func(tags map[string]string, conv *transcripts.Conversation) string {
		if key == ByMachine {
			if conv.Machine == "" {
				return "machine=unknown"
			}
			return "machine=" + conv.Machine
		}
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
				g := group(tags, convs[ci])
				row := rows[g]
				if row == nil {
					row = &TagRow{Tag: g, Cost: make([]price.Money, len(r.Strategies)), Unpriced: make([]int, len(r.Strategies))}
					rows[g] = row
				}
				row.Cost[si] = row.Cost[si].Add(c.Cost)
				if c.Unpriced {
					row.Unpriced[si]++
				}
				if si == 0 {
					row.Calls++
					row.Reported = row.Reported.Add(c.ReportedCost)
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
