package report

import (
	"encoding/csv"
	"io"
	"time"

	"github.com/tokenscope/tokenscope/report/rows"
)

// csvSink writes one row per strategy and call, with the columns of Row.
type csvSink struct {
	w    *csv.Writer
	cell []string
}

// NewCSV returns the sink of `--format csv`.
func NewCSV(w io.Writer) Sink { return &csvSink{w: csv.NewWriter(w)} }

func (s *csvSink) Begin(*Header) error { return s.w.Write(csvHeader) }

func (s *csvSink) Strategy(int) error { return nil }

func (s *csvSink) Call(c *Call) error {
	r := RowOf(c)
	s.cell = r.appendCSV(s.cell[:0])
	return s.w.Write(s.cell)
}

func (s *csvSink) End() error {
	s.w.Flush()
	return s.w.Error()
}

func timeOf(ms int64) string { return time.UnixMilli(ms).UTC().Format(time.RFC3339Nano) }

// csvCell neutralises text from a log for a spreadsheet: control
// characters cleaned (rows.Clean), and a cell a spreadsheet would read as a
// formula — starting with = + - @, or a tab or carriage return before
// cleaning — prefixed with ' (OWASP's advice for CSV injection).
func csvCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + rows.Clean(s)
	}
	return rows.Clean(s)
}
