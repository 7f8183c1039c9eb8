// Package usage is the fast usage pass: the usage each response of a log
// reported, summed by day, month, session, project or tag and priced as
// billed. It tokenizes nothing (tokenscope usage, the TUI's first list).
package usage

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts"
)

// Groups are the ways `tokenscope usage` groups calls.
var Groups = []string{"daily", "monthly", "session", "project", "tag", "machine"}

// Options control a usage summary.
type Options struct {
	Group string // one of Groups; "" is daily
	// Since and Until bound the calls' local dates, inclusive
	// (YYYY-MM-DD or YYYYMMDD; "" is unbounded).
	Since, Until string
	Prices       *price.Table
	// Model prices every call as this model ("" prices each call as the
	// model the log names).
	Model string
	// Location is the time zone days and months are taken in (nil: local).
	Location *time.Location
}

// Row is the reported usage and billed cost of one group of calls.
type Row struct {
	Key    string   `json:"key"` // the day, month, session or project
	Models []string `json:"models"`
	Calls  int      `json:"calls"`
	// Input is input tokens neither read from nor written to the cache.
	Input        int64       `json:"input_tokens"`
	Output       int64       `json:"output_tokens"`
	CacheReads   int64       `json:"cache_read_tokens"`
	CacheWrites  int64       `json:"cache_write_tokens"`
	CacheWrite1h int64       `json:"cache_write_1h_tokens"` // the part of CacheWrites with a 1-hour TTL
	Cost         price.Money `json:"-"`
	// Unpriced counts calls with usage whose model is not in the price
	// table: their tokens are in the row, not their cost.
	Unpriced int `json:"unpriced_calls,omitempty"`
	// Priced counts calls with usage that were priced: Cost is theirs.
	Priced int `json:"priced_calls"`
	// SubagentCost and Subagents are the part of the row Claude Code's
	// subagents made (their own logs and sidechains), included above, and
	// how many subagents made it.
	SubagentCost price.Money `json:"-"`
	Subagents    int         `json:"subagents,omitempty"`
	agents       map[string]bool
}

// Total is all the tokens of the row.
func (r *Row) Total() int64 { return r.Input + r.Output + r.CacheReads + r.CacheWrites }

func (r *Row) add(o *Row) {
	for _, m := range o.Models {
		if !slices.Contains(r.Models, m) {
			r.Models = append(r.Models, m)
		}
	}
	r.Calls += o.Calls
	r.Input += o.Input
	r.Output += o.Output
	r.CacheReads += o.CacheReads
	r.CacheWrites += o.CacheWrites
	r.CacheWrite1h += o.CacheWrite1h
	r.Cost = r.Cost.Add(o.Cost)
	r.Unpriced += o.Unpriced
	r.Priced += o.Priced
	r.SubagentCost = r.SubagentCost.Add(o.SubagentCost)
	r.Subagents += o.Subagents
}

// Summary is reported usage and billed cost grouped by day, month,
// session or project, with totals.
type Summary struct {
	Group    string
	Rows     []Row
	Totals   Row
	Warnings []string
	// Prices names the table that priced the rows and its date.
	Prices price.TableLabel
}

// ParseDate reads YYYY-MM-DD or YYYYMMDD as YYYY-MM-DD.
func ParseDate(s string) (string, error) {
	for _, layout := range []string{"2006-01-02", "20060102"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format("2006-01-02"), nil
		}
	}
	return "", fmt.Errorf("date %q: want YYYY-MM-DD or YYYYMMDD", s)
}

// Usage sums the reported usage of src's calls by opt.Group and prices it
// at list price as billed (cache reads, 5-minute and 1-hour writes), as
// the report's "as billed" line does. It tokenizes nothing.
func Summarize(src *transcripts.UsageSource, opt Options) (*Summary, error) {
	group := opt.Group
	if group == "" {
		group = "daily"
	}
	if !slices.Contains(Groups, group) {
		return nil, fmt.Errorf("usage: unknown grouping %q (want %s)", group, strings.Join(Groups, ", "))
	}
	var since, until string
	var err error
	if opt.Since != "" {
		if since, err = ParseDate(opt.Since); err != nil {
			return nil, fmt.Errorf("--since: %w", err)
		}
	}
	if opt.Until != "" {
		if until, err = ParseDate(opt.Until); err != nil {
			return nil, fmt.Errorf("--until: %w", err)
		}
	}
	prices := opt.Prices
	if prices == nil {
		prices = price.Default()
	}
	var fixed *price.Model
	if opt.Model != "" {
		if fixed, err = prices.Find(opt.Model); err != nil {
			return nil, err
		}
	}
	loc := opt.Location
	if loc == nil {
		loc = time.Local
	}
	sum := &Summary{Group: group, Warnings: src.Warnings, Prices: prices.Label()}
	rows := map[string]*Row{}
	looked := map[string]*price.Model{} // model id → its row (nil: unpriced), looked up once
	for i := range src.Calls {
		c := &src.Calls[i]
		day := ""
		if !c.Time.IsZero() {
			day = c.Time.In(loc).Format("2006-01-02")
		}
		if (since != "" || until != "") && (day == "" || (since != "" && day < since) || (until != "" && day > until)) {
			continue
		}
		key := usageKey(group, day, c)
		row := rows[key]
		if row == nil {
			row = &Row{Key: key}
			rows[key] = row
		}
		row.Calls++
		if c.Agent != "" {
			if row.agents == nil {
				row.agents = map[string]bool{}
			}
			if !row.agents[c.Session+"/"+c.Agent] {
				row.agents[c.Session+"/"+c.Agent] = true
				row.Subagents++
			}
		}
		if c.Model != "" && !slices.Contains(row.Models, c.Model) {
			row.Models = append(row.Models, c.Model)
		}
		u := c.Usage
		if u == nil {
			continue
		}
		row.Input += max(0, u.InputTokens-u.CachedInputTokens-u.CacheWriteTokens)
		row.Output += u.OutputTokens
		row.CacheReads += u.CachedInputTokens
		row.CacheWrites += u.CacheWriteTokens
		row.CacheWrite1h += min(u.CacheWrite1hTokens, u.CacheWriteTokens)
		p := fixed
		if p == nil {
			var seen bool
			if p, seen = looked[c.Model]; !seen {
				p, _ = prices.Lookup(c.Model)
				looked[c.Model] = p
				switch {
				case p == nil && c.Model == "":
					sum.Warnings = append(sum.Warnings, "calls whose log names no model are unpriced; pass --model")
				case p == nil:
					sum.Warnings = append(sum.Warnings, fmt.Sprintf("model %q is not in the price table: its calls are unpriced", c.Model))
				}
			}
		}
		if p == nil {
			row.Unpriced++
			continue
		}
		row.Priced++
		cost := p.Billed(u, c.Batch)
		row.Cost = row.Cost.Add(cost)
		if c.Agent != "" {
			row.SubagentCost = row.SubagentCost.Add(cost)
		}
	}
	for _, r := range rows {
		slices.Sort(r.Models)
		sum.Rows = append(sum.Rows, *r)
		sum.Totals.add(r)
	}
	if sum.Totals.Cost.Saturated() {
		// As the report refuses it: a wrapped or clipped sum is no figure.
		return nil, fmt.Errorf("usage: the total cost passes %s, the most one run adds up exactly: the log's counts cannot be right", price.MaxMoney)
	}
	slices.SortFunc(sum.Rows, func(a, b Row) int { return strings.Compare(a.Key, b.Key) })
	slices.Sort(sum.Totals.Models)
	sum.Totals.Key = "total"
	return sum, nil
}

// usageKey is the row of grouping group that call c, on day, falls in.
func usageKey(group, day string, c *transcripts.Billed) string {
	var key string
	switch group {
	case "daily":
		key = day
	case "monthly":
		key = day[:min(len(day), 7)]
	case "session":
		key = c.Project + "/" + c.Session
	case "project":
		key = c.Project
	case "tag":
		key = transcripts.TagString(c.Tags) // the proxy's cost centres; "untagged" without
	case "machine":
		key = c.Machine // the proxy's machine; "unknown" for other logs
	}
	if key == "" {
		return "unknown"
	}
	return key
}
