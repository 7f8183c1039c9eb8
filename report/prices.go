package report

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/report/rows"
)

// WritePrices writes the price table, or the rows of the given models.
// Text from a price file (--prices) is cleaned (rows.Clean).
func WritePrices(out io.Writer, t *price.Table, models []string) error {
	var w strings.Builder
	if err := writePrices(&w, t, models); err != nil {
		return err
	}
	_, err := io.WriteString(out, rows.CleanText(w.String()))
	return err
}

func writePrices(w *strings.Builder, t *price.Table, models []string) error {
	list := t.Models
	if len(models) > 0 {
		list = nil
		for _, m := range models {
			p, err := t.Find(m)
			if err != nil {
				return err
			}
			list = append(list, p)
		}
	} else {
		list = append([]*price.Model(nil), list...)
		sort.SliceStable(list, func(i, j int) bool { return list[i].Provider < list[j].Provider })
	}
	fmt.Fprintf(w, "prices in USD per million tokens · table dated %s (%s)\n\n", t.Date, t.Source)
	fmt.Fprintf(w, "%-22s %8s %8s %8s %8s %6s %9s %s\n", "model", "input", "output", "cached", "write5m", "batch", "context", "tokens")
	money := func(p price.Price) string { return rows.Float(p.PerMTok()) }
	for _, p := range list {
		cached, write := "—", "—"
		if p.Caching.Mode != price.CachingNone {
			cached = money(p.CachedInput)
		}
		if p.Caching.Mode == price.CachingExplicit {
			write = money(p.CacheWrite5m)
		}
		batch := "—"
		if p.BatchNum != p.BatchDen {
			batch = fmt.Sprintf("×%s", rows.Float(float64(p.BatchNum)/float64(p.BatchDen)))
		}
		fmt.Fprintf(w, "%-22s %8s %8s %8s %8s %6s %9s %s\n", p.ID, money(p.Input), money(p.Output), cached, write, batch, rows.Tokens(p.ContextWindow), p.Tokenizer().Name())
	}
	if len(models) > 0 {
		for _, p := range list {
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
				fmt.Fprintf(w, "  long context: above %s input: $%s in / $%s out / $%s cached\n", rows.Tokens(lc.Threshold), money(lc.Input), money(lc.Output), money(lc.CachedInput))
			}
			fmt.Fprintf(w, "  window:       %s in, %s out\n", rows.Int(p.ContextWindow), rows.Int(p.MaxOutput))
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
