package report

import (
	"fmt"
	"io"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/report/rows"
)

// WriteFindings writes findings as text lines under a heading, each with
// its monthly projection when there is one. Text from the log is cleaned
// (rows.Clean), and for Markdown its HTML escaped.
func WriteFindings(w io.Writer, fs []profile.Finding, markdown bool) error {
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
		if _, err := fmt.Fprintf(w, item, text(f.Text), month); err != nil {
			return err
		}
	}
	return nil
}
