package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/report/rows"
)

// Comparison is `report --compare` as a document (--format json): two
// profiles of the same calls, the input of their first strategy by part
// and each strategy's cost, with B − A.
type Comparison struct {
	A string `json:"a"` // label of the first profile
	B string `json:"b"`
	// PartsStrategy is the strategy whose input Parts split.
	PartsStrategy string               `json:"parts_strategy"`
	Parts         []ComparisonPart     `json:"parts"`
	Strategies    []ComparisonStrategy `json:"strategies"`
	// Priced says, for a side only some of whose calls could be priced,
	// how many were ("A: 2 of 3 calls priced"): its costs are of those.
	Priced []string `json:"priced,omitempty"`
}

// ComparisonPart is one input part (or "total input", "output") in
// tokens.
type ComparisonPart struct {
	Name string `json:"name"`
	A    int64  `json:"a"`
	B    int64  `json:"b"`
	Diff int64  `json:"diff"`
}

// ComparisonStrategy is one strategy's cost in A and B; B, Diff and
// DiffPct are absent when B lacks the strategy, DiffPct when A cost
// nothing. A cost none of whose calls could be priced is null, with
// AUnpriced or BUnpriced true, and the differences are then absent.
type ComparisonStrategy struct {
	Spec      string   `json:"spec"`
	AUSD      *float64 `json:"a_usd"`
	BUSD      *float64 `json:"b_usd,omitempty"`
	DiffUSD   *float64 `json:"diff_usd,omitempty"`
	DiffPct   *float64 `json:"diff_pct,omitempty"`
	AUnpriced bool     `json:"a_unpriced,omitempty"`
	BUnpriced bool     `json:"b_unpriced,omitempty"`
	a, b      price.Money
	inB       bool
}

// Compare builds the comparison of a and b.
func Compare(a, b *profile.Profile, labelA, labelB string) *Comparison {
	c := &Comparison{A: labelA, B: labelB, Parts: []ComparisonPart{}, Strategies: []ComparisonStrategy{}}
	if len(a.Result.Strategies) == 0 || len(b.Result.Strategies) == 0 {
		return c
	}
	sa, sb := a.Result.Strategies[0], b.Result.Strategies[0]
	for _, side := range []struct {
		name string
		t    profile.Totals
	}{{"A", sa.Totals}, {"B", sb.Totals}} {
		if side.t.Unpriced > 0 && side.t.Unpriced < side.t.Calls {
			c.Priced = append(c.Priced, fmt.Sprintf("%s: %d of %d calls priced (costs are of the priced calls only)",
				side.name, side.t.Calls-side.t.Unpriced, side.t.Calls))
		}
	}
	c.PartsStrategy = sa.Strategy.Spec
	part := func(name string, x, y int64) {
		c.Parts = append(c.Parts, ComparisonPart{Name: name, A: x, B: y, Diff: y - x})
	}
	for _, name := range profile.PartNames {
		if x, y := sa.Totals.Parts.Get(name), sb.Totals.Parts.Get(name); x != 0 || y != 0 {
			part(name, x, y)
		}
	}
	part("total input", sa.Totals.Input, sb.Totals.Input)
	part("output", sa.Totals.BilledOutput(), sb.Totals.BilledOutput())
	for _, x := range a.Result.Strategies {
		cs := ComparisonStrategy{Spec: x.Strategy.Spec, a: x.Totals.Cost, AUnpriced: unpriced(x.Totals)}
		if !cs.AUnpriced {
			au := x.Totals.Cost.USD()
			cs.AUSD = &au
		}
		for i := range b.Result.Strategies {
			if y := b.Result.Strategies[i]; y.Strategy.Spec == x.Strategy.Spec {
				cs.b, cs.inB, cs.BUnpriced = y.Totals.Cost, true, unpriced(y.Totals)
				if cs.BUnpriced {
					continue
				}
				bu := y.Totals.Cost.USD()
				cs.BUSD = &bu
				if cs.AUnpriced {
					continue
				}
				d := (y.Totals.Cost - x.Totals.Cost).USD()
				cs.DiffUSD = &d
				if x.Totals.Cost != 0 {
					// The same rounding as every percentage shown.
					pct := profile.RoundPct(100 * float64(y.Totals.Cost-x.Totals.Cost) / float64(x.Totals.Cost))
					cs.DiffPct = &pct
				}
			}
		}
		c.Strategies = append(c.Strategies, cs)
	}
	return c
}

// ComparisonFormats are the formats a comparison is written in.
var ComparisonFormats = []string{"table", "json", "md"}

// Write writes c as a table, JSON or Markdown. Labels and specs are
// cleaned (rows.Clean), and for Markdown their HTML escaped.
func (c *Comparison) Write(w io.Writer, format string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(c)
	case "", "table", "md", "markdown":
	default:
		return fmt.Errorf("--compare --format %q: want one of %s", format, strings.Join(ComparisonFormats, ", "))
	}
	md := format == "md" || format == "markdown"
	head, text := "A: %s\nB: %s\n", rows.Clean
	if md {
		head, text = "- **A**: %s\n- **B**: %s\n", mdText
	}
	if _, err := fmt.Fprintf(w, head, text(c.A), text(c.B)); err != nil {
		return err
	}
	if c.PartsStrategy == "" {
		return nil
	}
	parts := [][]string{{"input by part (" + text(c.PartsStrategy) + ")", "A", "B", "B−A"}}
	for _, p := range c.Parts {
		parts = append(parts, []string{p.Name, rows.Int(p.A), rows.Int(p.B), signedTokens(p.Diff)})
	}
	costs := [][]string{{"strategy", "A", "B", "B−A", "%"}}
	for _, s := range c.Strategies {
		a, b, diff, pct := s.a.String(), rows.None, rows.None, rows.None
		if s.AUnpriced {
			a = rows.Unpriced
		}
		if s.inB {
			b = s.b.String()
			if s.BUnpriced {
				b = rows.Unpriced
			}
		}
		if s.DiffUSD != nil {
			diff = signedMoney(s.b - s.a)
		}
		if s.DiffPct != nil {
			pct = strings.Replace(fmt.Sprintf("%+.1f%%", *s.DiffPct), "-", "−", 1)
		}
		costs = append(costs, []string{text(s.Spec), a, b, diff, pct})
	}
	write := writeColumns
	if md {
		write = writeMarkdownTable
	}
	if err := write(w, parts); err != nil {
		return err
	}
	if err := write(w, costs); err != nil {
		return err
	}
	for _, p := range c.Priced {
		if _, err := fmt.Fprintf(w, "\n%s", p); err != nil {
			return err
		}
	}
	if len(c.Priced) > 0 {
		_, err := io.WriteString(w, "\n")
		return err
	}
	return nil
}

// writeMarkdownTable writes rows as a Markdown table after a blank line,
// the first row its heading, the other columns right aligned.
func writeMarkdownTable(w io.Writer, rows [][]string) error {
	var b strings.Builder
	b.WriteByte('\n')
	for i, r := range rows {
		b.WriteString("| " + strings.Join(r, " | ") + " |\n")
		if i == 0 {
			b.WriteString("|---" + strings.Repeat("|---:", len(r)-1) + "|\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeColumns writes rows after a blank line: the first column left
// aligned, the others right aligned, each as wide as its widest cell.
func writeColumns(w io.Writer, rows [][]string) error {
	var width []int
	for _, r := range rows {
		for i, c := range r {
			if i >= len(width) {
				width = append(width, 0)
			}
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	b.WriteByte('\n')
	for _, r := range rows {
		for i, c := range r {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			if i == 0 {
				b.WriteString(c + pad)
			} else {
				b.WriteString("  " + pad + c)
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func signedTokens(n int64) string {
	switch {
	case n > 0:
		return "+" + rows.Int(n)
	case n < 0:
		return "−" + rows.Int(-n)
	}
	return "0"
}

func signedMoney(m price.Money) string {
	switch {
	case m > 0:
		return "+" + m.String()
	case m < 0:
		return "−" + (-m).String()
	}
	return m.String()
}
