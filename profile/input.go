package profile

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts"
)

// Profile reads nothing: it runs convs and wraps the result with what a
// report needs. It is what `report`, `replay` and the demo share.
type Profile struct {
	Source *transcripts.Source
	Result *Result
	// NoCalls leaves the per-call rows out of the JSON report (totals and
	// per-conversation totals stay): large directories make large reports.
	NoCalls bool
	// Findings are what to change in the log (see Findings); nil when not
	// computed.
	Findings []Finding
	// Options are those the profile was run with.
	Options Options
	// WhatIf names the what-ifs applied to the source, as flags ("" when
	// none): reports say it in their header.
	WhatIf string
}

// ParseStrategies parses specs, or SPEC's default set when specs is
// empty (DefaultStrategiesFor picks the set that suits a log).
func ParseStrategies(specs []string) ([]*Strategy, error) {
	if len(specs) == 0 {
		specs = DefaultStrategies
	}
	var out []*Strategy
	for _, s := range specs {
		st, err := ParseStrategy(s)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// New profiles a source.
func New(src *transcripts.Source, opt Options) (*Profile, error) {
	res, err := Run(src.Conversations, opt)
	if err != nil {
		return nil, err
	}
	return &Profile{Source: src, Result: res, Options: opt}, nil
}

// Report returns the JSON document.
func (p *Profile) Report(perDay int64, noCalls bool) *Report {
	rep := NewReport(p.Result, ReportOptions{Path: p.Source.Path, Format: p.Source.Format, WhatIf: p.WhatIf, Warnings: p.Source.Warnings, PerDay: perDay, NoCalls: noCalls})
	rep.Findings = p.Findings
	return rep
}

// FindFindings computes p.Findings (see Findings) with the prices and model
// the profile was run with.
func (p *Profile) FindFindings(opt FindingsOptions) error {
	if opt.Prices == nil {
		opt.Prices, opt.Model = p.Options.Prices, p.Options.Model
	}
	fs, err := Findings(p.Source.Conversations, p.Result, opt)
	if err != nil {
		return err
	}
	p.Findings = fs
	return nil
}

// WriteFindings writes findings as text lines under a heading, each with
// its monthly projection when there is one.
func WriteFindings(w io.Writer, fs []Finding, markdown bool) error {
	if len(fs) == 0 {
		return nil
	}
	head, item := "\nfindings (in dollars over the log):\n", "  %s%s\n"
	if markdown {
		head, item = "\n### Findings\n\n", "- %s%s\n"
	}
	if _, err := io.WriteString(w, head); err != nil {
		return err
	}
	for _, f := range fs {
		month := ""
		if f.monthly != "" {
			month = " (" + f.monthly + " a month)"
		}
		if _, err := fmt.Fprintf(w, item, f.Text, month); err != nil {
			return err
		}
	}
	return nil
}

// WritePrices writes the price table, or the rows of the given models.
func WritePrices(w io.Writer, t *price.Table, models []string) error {
	rows := t.Models
	if len(models) > 0 {
		rows = nil
		for _, m := range models {
			p, err := t.Find(m)
			if err != nil {
				return err
			}
			rows = append(rows, p)
		}
	} else {
		rows = append([]*price.Model(nil), rows...)
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].Provider < rows[j].Provider })
	}
	fmt.Fprintf(w, "prices in USD per million tokens · table dated %s (%s)\n\n", t.Date, t.Source)
	fmt.Fprintf(w, "%-22s %8s %8s %8s %8s %6s %9s %s\n", "model", "input", "output", "cached", "write5m", "batch", "context", "tokens")
	money := func(p price.Price) string { return trimFloat(p.PerMTok()) }
	for _, p := range rows {
		cached, write := "—", "—"
		if p.Caching.Mode != price.CachingNone {
			cached = money(p.CachedInput)
		}
		if p.Caching.Mode == price.CachingExplicit {
			write = money(p.CacheWrite5m)
		}
		batch := "—"
		if p.BatchNum != p.BatchDen {
			batch = fmt.Sprintf("×%s", trimFloat(float64(p.BatchNum)/float64(p.BatchDen)))
		}
		fmt.Fprintf(w, "%-22s %8s %8s %8s %8s %6s %9s %s\n", p.ID, money(p.Input), money(p.Output), cached, write, batch, compactTokens(p.ContextWindow), p.Tokenizer().Name())
	}
	if len(models) > 0 {
		for _, p := range rows {
			fmt.Fprintf(w, "\n%s (%s)\n", p.ID, p.Provider)
			if len(p.Aliases) > 0 {
				fmt.Fprintf(w, "  aliases:      %s\n", strings.Join(p.Aliases, ", "))
			}
			fmt.Fprintf(w, "  caching:      %s", p.Caching.Mode)
			if p.Caching.Mode != price.CachingNone {
				fmt.Fprintf(w, ", min prefix %d, granularity %d; 1h write $%s", p.Caching.MinPrefix, p.Caching.Granularity, money(p.CacheWrite1h))
			}
			fmt.Fprintln(w)
			if lc := p.LongContext; lc != nil {
				fmt.Fprintf(w, "  long context: above %s input: $%s in / $%s out / $%s cached\n", compactTokens(lc.Threshold), money(lc.Input), money(lc.Output), money(lc.CachedInput))
			}
			fmt.Fprintf(w, "  window:       %s in, %s out\n", formatTokens(p.ContextWindow), formatTokens(p.MaxOutput))
			if p.Source != "" {
				fmt.Fprintf(w, "  source:       %s\n", p.Source)
			}
			if p.Note != "" {
				fmt.Fprintf(w, "  note:         %s\n", p.Note)
			}
		}
	}
	return nil
}
