package profile

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/tokenscope/tokenscope/profile/price"
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
// nothing.
type ComparisonStrategy struct {
	Spec    string   `json:"spec"`
	AUSD    float64  `json:"a_usd"`
	BUSD    *float64 `json:"b_usd,omitempty"`
	DiffUSD *float64 `json:"diff_usd,omitempty"`
	DiffPct *float64 `json:"diff_pct,omitempty"`
	a, b    price.Money
	inB     bool
	pct     float64 // DiffPct unrounded, for the text
}

// Compare builds the comparison of a and b.
func Compare(a, b *Profile, labelA, labelB string) *Comparison {
	c := &Comparison{A: labelA, B: labelB, Parts: []ComparisonPart{}, Strategies: []ComparisonStrategy{}}
	if len(a.Result.Strategies) == 0 || len(b.Result.Strategies) == 0 {
		return c
	}
	sa, sb := a.Result.Strategies[0], b.Result.Strategies[0]
	c.PartsStrategy = sa.Strategy.Spec
	part := func(name string, x, y int64) {
		c.Parts = append(c.Parts, ComparisonPart{Name: name, A: x, B: y, Diff: y - x})
	}
	for _, name := range PartNames {
		if x, y := sa.Totals.Parts.Get(name), sb.Totals.Parts.Get(name); x != 0 || y != 0 {
			part(name, x, y)
		}
	}
	part("total input", sa.Totals.Input, sb.Totals.Input)
	part("output", sa.Totals.BilledOutput(), sb.Totals.BilledOutput())
	for _, x := range a.Result.Strategies {
		cs := ComparisonStrategy{Spec: x.Strategy.Spec, AUSD: x.Totals.Cost.USD(), a: x.Totals.Cost}
		for i := range b.Result.Strategies {
			if y := b.Result.Strategies[i]; y.Strategy.Spec == x.Strategy.Spec {
				cs.b, cs.inB = y.Totals.Cost, true
				bu, d := y.Totals.Cost.USD(), (y.Totals.Cost - x.Totals.Cost).USD()
				cs.BUSD, cs.DiffUSD = &bu, &d
				if x.Totals.Cost != 0 {
					cs.pct = 100 * float64(y.Totals.Cost-x.Totals.Cost) / float64(x.Totals.Cost)
					pct := round2(cs.pct)
					cs.DiffPct = &pct
				}
			}
		}
		c.Strategies = append(c.Strategies, cs)
	}
	return c
}

// WriteComparison prints two profiles of the same calls side by side — a log
// as it was and with a prompt change, or two logs — with the difference per
// input part of the first strategy and per strategy's cost: the view a
// prompt review needs.
func WriteComparison(w io.Writer, a, b *Profile, labelA, labelB string) error {
	return Compare(a, b, labelA, labelB).Write(w, "table")
}

// ComparisonFormats are the formats a comparison is written in.
var ComparisonFormats = []string{"table", "json", "md"}

// Write writes c as a table, JSON or Markdown.
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
	head := "A: %s\nB: %s\n"
	if md {
		head = "- **A**: %s\n- **B**: %s\n"
	}
	if _, err := fmt.Fprintf(w, head, c.A, c.B); err != nil {
		return err
	}
	if c.PartsStrategy == "" {
		return nil
	}
	parts := [][]string{{"input by part (" + c.PartsStrategy + ")", "A", "B", "B−A"}}
	for _, p := range c.Parts {
		parts = append(parts, []string{p.Name, formatTokens(p.A), formatTokens(p.B), signedTokens(p.Diff)})
	}
	costs := [][]string{{"strategy", "A", "B", "B−A", "%"}}
	for _, s := range c.Strategies {
		if !s.inB {
			costs = append(costs, []string{s.Spec, s.a.String(), "—", "—", "—"})
			continue
		}
		pct := "—"
		if s.DiffPct != nil {
			pct = strings.Replace(fmt.Sprintf("%+.1f%%", s.pct), "-", "−", 1)
		}
		costs = append(costs, []string{s.Spec, s.a.String(), s.b.String(), signedMoney(s.b - s.a), pct})
	}
	write := writeColumns
	if md {
		write = writeMarkdownTable
	}
	if err := write(w, parts); err != nil {
		return err
	}
	return write(w, costs)
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
		return "+" + formatTokens(n)
	case n < 0:
		return "−" + formatTokens(-n)
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
