package report

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/tokenscope/tokenscope/report/rows"
)

// markdownSink writes the strategy table as Markdown, and with an --out
// directory the two charts as SVG files linked below the table (for PR
// comments, where the files are uploaded beside the text).
type markdownSink struct {
	w     io.Writer
	chart string // directory of the charts, beside the Markdown file; "" for none
	c     *charts
}

func (s *markdownSink) Begin(h *Header) error {
	if s.chart != "" {
		s.c = newCharts(h)
	}
	src := h.Report.Source
	if err := WriteMarkdown(s.w, h.Result, rows.WithWhatIf(src.Path, h.Report.Source.WhatIf), src.Format, h.PerDay); err != nil {
		return err
	}
	return WriteFindings(s.w, h.Report.Findings, true)
}

func (s *markdownSink) Strategy(int) error { return nil }

func (s *markdownSink) Call(c *Call) error {
	if s.c != nil {
		s.c.add(c)
	}
	return nil
}

func (s *markdownSink) End() error {
	if s.c == nil {
		return nil
	}
	files, err := writeCharts(s.c, s.chart+string(filepath.Separator))
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(s.w, "\n![input per call by part](%s)\n\n![cumulative cost by strategy](%s)\n",
		filepath.Base(files[0]), filepath.Base(files[1]))
	return err
}
