// Package report writes a profile in the output formats of `tokenscope
// report`. A driver pushes the report to a Sink one piece at a time, as
// log/slog pushes records to a Handler: first the header (the report
// document without its per-call rows), then each strategy's calls in order.
// Formats are peers behind Sink, so large logs stream to every format
// without building the whole document in memory.
package report

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/advisor"
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts"
)

// Header is what a sink receives first.
type Header struct {
	// Report is the JSON document with every strategy's Calls empty: the
	// calls follow one by one.
	Report *Document
	Result *profile.Result
	Source *transcripts.Source
	// PricesDate and PricesSource say which price table priced the calls.
	PricesDate, PricesSource string
	PerDay                   int64
}

// Call is one call under one strategy.
type Call struct {
	Strategy int    // index into Header.Report.Strategies
	Spec     string // the strategy's spec
	// Conv is the conversation the call belongs to.
	Conv *profile.ConversationInfo
	Call *profile.Call
	Row  DocCall // the call as the JSON report writes it
	// Time is when the response was logged, Start when the request was
	// sent (the last logged time before the response); zero when unknown.
	Time, Start time.Time
	cost        float64 // Row.CostUSD points here
}

// Project is the name of the directory holding the conversation's file
// (for Claude Code, the project), "" when there is none.
func (c *Call) Project() string {
	if c.Conv == nil || c.Conv.Path == "" || c.Conv.Path == "-" {
		return ""
	}
	dir := filepath.Dir(c.Conv.Path)
	if dir == "." || dir == string(filepath.Separator) {
		return ""
	}
	return filepath.Base(dir)
}

// A Sink writes a report in one format. Begin is called once, then
// Strategy(i) before strategy i's calls, each Call in order, and End. The
// Call passed is reused for the next one: a sink copies what it keeps.
type Sink interface {
	Begin(h *Header) error
	Strategy(i int) error
	Call(c *Call) error
	End() error
}

// drawer is a sink that draws charts from the calls: it gets them even
// with NoCalls, which leaves out rows, not pictures.
type drawer interface{ draws() }

func (*htmlSink) draws()     {}
func (*svgSink) draws()      {}
func (*markdownSink) draws() {}

// totalsOnly is a sink that writes no calls: Write does not simulate
// them again for it.
type totalsOnly interface{ totalsOnly() }

func (*tableSink) totalsOnly() {}

// Options select what Write sends.
type Options struct {
	PerDay int64
	// NoCalls sends no calls (totals and conversations only) to the sinks
	// that write rows.
	NoCalls bool
	// Prices is the table the profile was priced with, for its date.
	Prices *price.Table
	// Findings are what to change in the log (advisor.FindingsOf); nil
	// when not computed.
	Findings []advisor.Finding
	// Later, when set, gives the findings still being made (Findings is
	// then not read): Write waits for them where the sink needs them —
	// before Begin, but after the calls for a sink whose document ends
	// with them (JSON), so that the calls are written meanwhile.
	Later func() ([]advisor.Finding, error)
}

// findingsLast is a sink whose document ends with the findings: Write
// gives them to it after the calls when they are still being made.
type findingsLast interface {
	setFindings(fs []advisor.Finding) error
}

// Write pushes p to s.
func Write(s Sink, p *profile.Profile, opt Options) error {
	late, last := s.(findingsLast)
	if opt.Later != nil && !last {
		fs, err := opt.Later()
		if err != nil {
			return err
		}
		opt.Findings, opt.Later = fs, nil
	}
	h := NewHeader(p, opt)
	if err := s.Begin(h); err != nil {
		return err
	}
	if err := writeCalls(s, p, opt); err != nil {
		return err
	}
	if opt.Later != nil {
		fs, err := opt.Later()
		if err != nil {
			return err
		}
		if err := late.setFindings(fs); err != nil {
			return err
		}
	}
	return s.End()
}

// writeCalls sends each strategy's calls to s, as Write does.
func writeCalls(s Sink, p *profile.Profile, opt Options) error {
	r := p.Result
	multi := len(r.Conversations) > 1
	for i := range r.Strategies {
		if err := s.Strategy(i); err != nil {
			return err
		}
		if _, draws := s.(drawer); opt.NoCalls && !draws {
			continue
		}
		if _, skip := s.(totalsOnly); skip {
			continue
		}
		sr := &r.Strategies[i]
		c := Call{Strategy: i, Spec: sr.Strategy.Spec}
		err := r.EachCall(i, func(j int, call *profile.Call) error {
			c.Conv = nil
			if j < len(r.Conversations) {
				c.Conv = &r.Conversations[j]
			}
			c.Call, c.Row = call, docCallInto(call, multi, &c.cost)
			c.Start, c.Time = r.CallTimes(j, call.Message)
			return s.Call(&c)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// NewHeader is the header of p: the report document without calls.
func NewHeader(p *profile.Profile, opt Options) *Header {
	h := &Header{Report: DocumentOf(p, opt.PerDay, true), Result: p.Result, Source: p.Source, PerDay: opt.PerDay}
	h.Report.Findings = opt.Findings
	if opt.Prices != nil {
		h.PricesDate, h.PricesSource = opt.Prices.Date, opt.Prices.Source
	}
	return h
}

// Formats are the output formats, in the order help lists them.
var Formats = []string{"table", "json", "csv", "md", "html", "svg", "parquet", "otlp"}

// Binary reports whether format writes bytes that do not belong on a
// terminal.
func Binary(format string) bool { return format == "parquet" }

// Open returns the sink writing format to out, or to stdout when out is ""
// (svg needs out: a directory or a file prefix for its two files; md with a
// directory writes report.md there with the charts beside it), and the
// function that closes what it opened. Missing parent directories of out
// are created.
func Open(format, out string, stdout io.Writer) (Sink, func() error, error) {
	none := func() error { return nil }
	switch format {
	case "svg":
		if out == "" {
			return nil, nil, fmt.Errorf("--format svg writes two files: give --out DIR or a file prefix")
		}
		return &svgSink{prefix: out}, none, nil
	case "md", "markdown":
		if isDir(out) {
			if err := os.MkdirAll(out, 0o755); err != nil {
				return nil, nil, err
			}
			f, err := os.Create(filepath.Join(out, "report.md"))
			if err != nil {
				return nil, nil, err
			}
			return &markdownSink{w: f, chart: out}, f.Close, nil
		}
	}
	w, closer := stdout, none
	if out != "" {
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return nil, nil, err
		}
		f, err := os.Create(out)
		if err != nil {
			return nil, nil, err
		}
		w, closer = f, f.Close
	}
	s, err := NewSink(format, w)
	if err != nil {
		closer()
		return nil, nil, err
	}
	return s, closer, nil
}

// isDir reports whether out names a directory: an existing one, or a path
// ending with a separator.
func isDir(out string) bool {
	if out == "" {
		return false
	}
	if strings.HasSuffix(out, "/") || strings.HasSuffix(out, string(filepath.Separator)) {
		return true
	}
	info, err := os.Stat(out)
	return err == nil && info.IsDir()
}

// NewSink returns the sink writing format to w (svg, which writes files,
// is made by Open).
func NewSink(format string, w io.Writer) (Sink, error) {
	switch format {
	case "", "table":
		return &tableSink{w: w}, nil
	case "md", "markdown":
		return &markdownSink{w: w}, nil
	case "json":
		return NewJSON(w), nil
	case "csv":
		return NewCSV(w), nil
	case "parquet":
		return NewParquet(w), nil
	case "otlp":
		return NewOTLP(w), nil
	case "html":
		return NewHTML(w), nil
	}
	return nil, fmt.Errorf("unknown output format %q (known: %s)", format, strings.Join(Formats, ", "))
}
