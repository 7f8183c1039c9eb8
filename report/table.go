package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/report/rows"
)

// WriteTable writes the report as a plain table readable at 80 columns.
// Text from the log reaches it cleaned (rows.Clean).
func WriteTable(w io.Writer, r *profile.Result, path, format string, perDay int64, warnings []string) error {
	var b strings.Builder
	b.WriteString(rows.Header(r, path, format))
	b.WriteString("\n\n")
	table := rows.Strategies(r, rows.Options{PerDay: perDay})
	specW := len("strategy")
	for _, row := range table {
		specW = max(specW, len([]rune(row.Spec)))
	}
	specW = min(specW, 30)
	line := func(spec, in, hit, out, cost, saved, rest string) {
		if len([]rune(spec)) > specW {
			spec = string([]rune(spec)[:specW-1]) + "…"
		}
		fmt.Fprintf(&b, "%-*s %8s %6s %8s %11s %7s", specW, spec, in, hit, out, cost, saved)
		if rest != "" {
			b.WriteString("  " + rest)
		}
		b.WriteString("\n")
	}
	monthHead := ""
	if perDay > 0 {
		monthHead = rows.PerDayHead(perDay)
	}
	line("strategy", "input", "cached", "output", "cost", "saved", monthHead)
	for _, row := range table {
		line(row.Spec, row.Input, row.CacheHit, row.Output, row.Cost, row.Saved, row.Monthly)
	}
	b.WriteString("\n")
	if u := rows.UnpricedLine(r); u != "" {
		b.WriteString("  " + u + "\n")
	}
	for _, row := range table {
		if row.Notes != "" {
			fmt.Fprintf(&b, "  %s: %s\n", row.Spec, row.Notes)
		}
		for _, why := range row.Whys {
			if strings.HasPrefix(why, row.Spec+" changed nothing: ") {
				fmt.Fprintf(&b, "  %s\n", why)
			} else {
				fmt.Fprintf(&b, "  %s: %s\n", row.Spec, why)
			}
		}
	}
	if len(r.Strategies) > 0 {
		writeParts(&b, r)
	}
	for _, w := range append(append([]string{}, warnings...), r.Warnings...) {
		fmt.Fprintf(&b, "warning: %s\n", rows.Clean(w))
	}
	_, err := io.WriteString(w, rows.CleanText(b.String()))
	return err
}

// writeParts writes the bill and where the first strategy's input goes.
func writeParts(b *strings.Builder, r *profile.Result) {
	t := r.Strategies[0].Totals
	if t.ReportedCalls > 0 {
		b.WriteString("\n")
	}
	for _, l := range rows.BilledLines(r) {
		b.WriteString(l + "\n")
	}
	for _, l := range rows.RollupLines(r) {
		b.WriteString(l + "\n")
	}
	p := t.Parts
	line := fmt.Sprintf("\nwhere %s's input goes:", rows.Clean(r.Strategies[0].Strategy.Spec))
	for _, name := range profile.PartNames {
		if v := p.Get(name); v > 0 && t.Input > 0 {
			item := fmt.Sprintf(" %s %.1f%%", name, 100*float64(v)/float64(t.Input))
			if len(line)+len(item) > 80 {
				b.WriteString(line + "\n")
				line = " "
			}
			line += item
		}
	}
	b.WriteString(line + "\n")
}

// WriteMarkdown writes the strategy table as Markdown. Text from the log
// is cleaned and its HTML escaped (see mdText), so a model or tool named
// `<img onerror=…>` renders as text.
func WriteMarkdown(w io.Writer, r *profile.Result, path, format string, perDay int64) error {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s**\n\n", mdText(strings.ReplaceAll(rows.Header(r, path, format), "\n", " · ")))
	head := "| strategy | input | cached | output | cost | saved | notes |"
	sep := "|---|---:|---:|---:|---:|---:|---|"
	if perDay > 0 {
		head += " " + rows.PerDayHead(perDay) + " |"
		sep += "---:|"
	}
	b.WriteString(head + "\n" + sep + "\n")
	for _, row := range rows.Strategies(r, rows.Options{PerDay: perDay}) {
		notes := row.Notes
		if row.Why != "" {
			notes = strings.TrimPrefix(notes+"; "+row.Why, "; ")
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |", mdCode(row.Spec), row.Input, row.CacheHit, row.Output, row.Cost, row.Saved, mdText(notes))
		if perDay > 0 {
			fmt.Fprintf(&b, " %s |", row.Monthly)
		}
		b.WriteString("\n")
	}
	if lines := rows.SummaryLines(r); len(lines) > 0 {
		b.WriteString("\n")
		for _, l := range lines {
			if sub, ok := strings.CutPrefix(l, "  "); ok {
				b.WriteString("  - " + mdText(sub) + "\n")
			} else {
				b.WriteString("- " + mdText(l) + "\n")
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdText is text from a log made inert in Markdown: cleaned to one line,
// HTML's & < > escaped (Markdown renders raw HTML), and the characters
// that make links, images, code and emphasis or end a table cell escaped
// with a backslash (rendered invisible).
func mdText(s string) string {
	return mdEscaper.Replace(rows.Clean(s))
}

var mdEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "|", `\|`, `\`, `\\`, "`", "\\`",
	"[", `\[`, "]", `\]`, "*", `\*`, "_", `\_`)

// mdCode is s as inline code: backticks inside cannot close it early, as
// the fence is longer than any run of them in s.
func mdCode(s string) string {
	s = strings.ReplaceAll(rows.Clean(s), "|", `\|`)
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}
