package profile

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// WriteComparison prints two profiles of the same calls side by side — a log
// as it was and with a prompt change, or two logs — with the difference per
// input part of the first strategy and per strategy's cost: the view a
// prompt review needs.
func WriteComparison(w io.Writer, a, b *Profile, labelA, labelB string) error {
	if _, err := fmt.Fprintf(w, "A: %s\nB: %s\n", labelA, labelB); err != nil {
		return err
	}
	if len(a.Result.Strategies) == 0 || len(b.Result.Strategies) == 0 {
		return nil
	}
	sa, sb := a.Result.Strategies[0], b.Result.Strategies[0]
	parts := [][]string{{"input by part (" + sa.Strategy.Spec + ")", "A", "B", "B−A"}}
	for _, name := range PartNames {
		x, y := sa.Totals.Parts.Get(name), sb.Totals.Parts.Get(name)
		if x != 0 || y != 0 {
			parts = append(parts, []string{name, formatTokens(x), formatTokens(y), signedTokens(y - x)})
		}
	}
	outA, outB := sa.Totals.BilledOutput(), sb.Totals.BilledOutput()
	parts = append(parts,
		[]string{"total input", formatTokens(sa.Totals.Input), formatTokens(sb.Totals.Input), signedTokens(sb.Totals.Input - sa.Totals.Input)},
		[]string{"output", formatTokens(outA), formatTokens(outB), signedTokens(outB - outA)})
	costs := [][]string{{"strategy", "A", "B", "B−A", "%"}}
	for _, x := range a.Result.Strategies {
		var y *StrategyResult
		for i := range b.Result.Strategies {
			if b.Result.Strategies[i].Strategy.Spec == x.Strategy.Spec {
				y = &b.Result.Strategies[i]
			}
		}
		if y == nil {
			costs = append(costs, []string{x.Strategy.Spec, x.Totals.Cost.String(), "—", "—", "—"})
			continue
		}
		d := y.Totals.Cost - x.Totals.Cost
		pct := "—"
		if x.Totals.Cost != 0 {
			pct = strings.Replace(fmt.Sprintf("%+.1f%%", 100*float64(d)/float64(x.Totals.Cost)), "-", "−", 1)
		}
		costs = append(costs, []string{x.Strategy.Spec, x.Totals.Cost.String(), y.Totals.Cost.String(), signedMoney(d), pct})
	}
	if err := writeColumns(w, parts); err != nil {
		return err
	}
	return writeColumns(w, costs)
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

func signedMoney(m Money) string {
	switch {
	case m > 0:
		return "+" + m.String()
	case m < 0:
		return "−" + (-m).String()
	}
	return m.String()
}
