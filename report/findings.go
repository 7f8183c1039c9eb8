package report

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/tokenscope/tokenscope/profile/advisor"
	"github.com/tokenscope/tokenscope/report/rows"
)

// WriteFindings writes findings as text lines under a heading, each with
// its monthly projection when there is one. Text from the log is cleaned
// (rows.Clean), and for Markdown its HTML escaped.
func WriteFindings(w io.Writer, fs []advisor.Finding, markdown bool) error {
	if len(fs) == 0 {
		return nil
	}
	head, item := "\nfindings (in dollars over the log):\n", "  %s%s\n"
	text := rows.Clean
	if markdown {
		head, item, text = "\n### Findings\n\n", "- %s%s\n", mdText
	}
	if _, err := io.WriteString(w, head); err != nil {
		return err
	}
	for _, f := range fs {
		month := ""
		if f.MonthlyText != "" {
			month = " (" + f.MonthlyText + " a month)"
		}
		line := fmt.Sprintf(item, text(f.Text), month)
		if !markdown {
			line = wrap(line, 80, "    ")
		}
		if _, err := io.WriteString(w, line); err != nil {
			return err
		}
	}
	return nil
}

// wrap breaks line (ending with a line feed) at spaces so that no line
// passes width columns, continuing with indent; a word longer than a line
// stays whole.
func wrap(line string, width int, indent string) string {
	line = strings.TrimSuffix(line, "\n")
	if utf8.RuneCountInString(line) <= width {
		return line + "\n"
	}
	lead := len(line) - len(strings.TrimLeft(line, " "))
	var b strings.Builder
	cur := line[:lead]
	n := utf8.RuneCountInString(cur)
	first := true
	for _, word := range strings.Fields(line[lead:]) {
		wn := utf8.RuneCountInString(word)
		if !first && n+1+wn > width {
			b.WriteString(cur + "\n")
			cur, n, first = indent+word, utf8.RuneCountInString(indent)+wn, false
			continue
		}
		if !first {
			cur += " "
			n++
		}
		cur += word
		n += wn
		first = false
	}
	b.WriteString(cur + "\n")
	return b.String()
}
