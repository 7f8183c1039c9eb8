package report

import (
	"io"

	"github.com/tokenscope/tokenscope/report/rows"
)

// tableSink writes the plain table of `--format table`: totals only.
type tableSink struct{ w io.Writer }

func (s *tableSink) Begin(h *Header) error {
	var warnings []string
	if h.Source != nil {
		warnings = h.Source.Warnings
	}
	src := h.Report.Source
	if err := WriteTable(s.w, h.Result, rows.WithWhatIf(src.Path, h.Report.Source.WhatIf), src.Format, h.PerDay, warnings); err != nil {
		return err
	}
	return WriteFindings(s.w, h.Report.Findings, false)
}

func (s *tableSink) Strategy(int) error { return nil }
func (s *tableSink) Call(*Call) error   { return nil }
func (s *tableSink) End() error         { return nil }
