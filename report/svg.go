package report

import (
	"fmt"
	"os"
	"path/filepath"
)

// svgSink writes the two charts alone, for slides: PREFIX-input.svg and
// PREFIX-cost.svg, or input.svg and cost.svg in a directory.
type svgSink struct {
	prefix string
	c      *charts
	// Files are the paths written, input chart first.
	Files []string
}

func (s *svgSink) Begin(h *Header) error { s.c = newCharts(h); return nil }
func (s *svgSink) Strategy(int) error    { return nil }
func (s *svgSink) Call(c *Call) error    { s.c.add(c); return nil }

func (s *svgSink) End() error {
	files, err := writeCharts(s.c, s.prefix)
	s.Files = files
	return err
}

// chartPaths are where the charts go for --out out: inside out when it is a
// directory (or ends with a separator), else beside it with out as prefix.
func chartPaths(out string) (input, cost string) {
	if isDir(out) {
		return filepath.Join(out, "input.svg"), filepath.Join(out, "cost.svg")
	}
	return out + "-input.svg", out + "-cost.svg"
}

func writeCharts(c *charts, out string) ([]string, error) {
	in, cost := chartPaths(out)
	if err := os.MkdirAll(filepath.Dir(in), 0o755); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		path string
		draw func() ([]byte, error)
	}{{in, c.InputSVG}, {cost, c.CostSVG}} {
		b, err := f.draw()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.path, err)
		}
		if err := os.WriteFile(f.path, b, 0o644); err != nil {
			return nil, err
		}
	}
	return []string{in, cost}, nil
}
