package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/tokenscope/tokenscope/report/rows"
)

//go:embed page.html
var pageHTML string

// pageTemplate is parsed on first use, not at start: every command links
// this package, and only html writes a page.
var pageTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("page").Funcs(template.FuncMap{"breakable": breakable}).Parse(pageHTML))
})

// breakable is a strategy spec that a narrow column may wrap after its
// separators (, + : =) and nowhere else: never in the middle of a word.
func breakable(spec string) template.HTML {
	var b strings.Builder
	for _, r := range spec {
		b.WriteString(template.HTMLEscapeString(string(r)))
		if strings.ContainsRune(",+:=", r) {
			b.WriteString("<wbr>")
		}
	}
	return template.HTML(b.String())
}

// htmlSink writes the design-review page: one self-contained HTML file
// (no network: charts inline as SVG, no external fonts or scripts).
type htmlSink struct {
	w io.Writer
	h *Header
	c *charts
}

// NewHTML returns the sink of `--format html`.
func NewHTML(w io.Writer) Sink { return &htmlSink{w: w} }

func (s *htmlSink) Begin(h *Header) error { s.h, s.c = h, newCharts(h); return nil }
func (s *htmlSink) Strategy(int) error    { return nil }
func (s *htmlSink) Call(c *Call) error    { s.c.add(c); return nil }

type pageRow struct {
	rows.Strategy
	Best bool
}

type pageCell struct {
	Text string
	V    string // sort key
}

type pageConversation struct {
	ID, Path string
	Calls    int
	Costs    []pageCell
}

type pageFinding struct{ Text, USD string }

type page struct {
	Source                 DocSource
	Model                  DocModel
	Counts, Prices, Replay string
	// SourceLine and ModelLine are the first two lines of the text
	// report's header (ModelLine only when the log has several models).
	SourceLine, ModelLine string
	PricesDate            string
	PricesSource          string
	InputSVG, CostSVG     template.HTML
	First                 string
	Rows                  []pageRow
	PerDay                int64
	PerDayHead            string
	Findings              []pageFinding
	Specs                 []string
	Conversations         []pageConversation
	Sortable              bool
	Warnings              []string
	Version               string
}

// Version is written at the foot of the HTML page ("" leaves it out).
var Version string

func (s *htmlSink) End() error {
	h, r := s.h, s.h.Result
	pg := page{Source: h.Report.Source, Model: h.Report.Model, PricesDate: h.PricesDate, PricesSource: h.PricesSource,
		PerDay: h.PerDay, Warnings: h.Report.Source.Warnings, Version: Version}
	pg.PerDayHead = rows.PerDayHead(h.PerDay)
	head := strings.SplitN(rows.Header(r, rows.WithWhatIf(h.Report.Source.Path, h.Report.Source.WhatIf), h.Report.Source.Format), "\n", 2)
	pg.SourceLine = head[0]
	if len(h.Report.Model.Models) > 1 && len(head) > 1 {
		pg.ModelLine, _, _ = strings.Cut(head[1], " · ")
	}
	factor := 1.0
	if r.Tokenizer != nil {
		factor = r.Tokenizer.Factor
	}
	pg.Counts = countsLine(h.Report.Model, factor)
	if pr := h.Report.Model.Prices; pr != nil {
		pg.Prices = fmt.Sprintf("$%s input, $%s output, $%s cached input", num(pr.Input), num(pr.Output), num(pr.CachedInput))
		if pr.CacheWrite5m != nil {
			pg.Prices += fmt.Sprintf(", $%s cache write (5 min)", num(*pr.CacheWrite5m))
		}
		if pr.CacheWrite1h != nil {
			pg.Prices += fmt.Sprintf(", $%s (1 h)", num(*pr.CacheWrite1h))
		}
		pg.Prices += " per million tokens"
	}
	if len(r.Strategies) > 0 {
		pg.First = r.Strategies[0].Strategy.Spec
		// The lines the table and Markdown show under theirs.
		var parts []string
		for _, l := range rows.SummaryLines(r) {
			parts = append(parts, strings.TrimSpace(l))
		}
		pg.Replay = strings.Join(parts, "; ")
	}
	best := -1
	for i, st := range r.Strategies {
		if best < 0 || st.Totals.Cost < r.Strategies[best].Totals.Cost {
			best = i
		}
	}
	for i, row := range rows.Strategies(r, rows.Options{PerDay: h.PerDay}) {
		if row.Why != "" {
			row.Notes = strings.TrimPrefix(row.Notes+"; "+row.Why, "; ")
		}
		pg.Rows = append(pg.Rows, pageRow{Strategy: row, Best: i == best && i > 0 && row.Priced})
	}
	pg.Findings = findingsOf(h.Report)
	if h.Report.Source.Conversations > 0 {
		pg.Conversations, pg.Specs = conversationsOf(h.Report), s.c.specs
		pg.Sortable = true
	}
	in, err := s.c.InputSVG()
	if err != nil {
		return err
	}
	cost, err := s.c.CostSVG()
	if err != nil {
		return err
	}
	pg.InputSVG, pg.CostSVG = inlineSVG(in), inlineSVG(cost)
	var b bytes.Buffer
	if err := pageTemplate().Execute(&b, &pg); err != nil {
		return err
	}
	// html/template escapes markup but passes control characters; text
	// from a log (a model id, a finding) must not carry an escape into the
	// page either, so the page is cleaned whole, as the table is.
	_, err = io.WriteString(s.w, rows.CleanText(b.String()))
	return err
}

// countsLine says how tokens were counted: an estimate names its
// encoding and the factor its counts were scaled by, as the TUI does.
func countsLine(m DocModel, factor float64) string {
	if m.Exact {
		return "exact, " + m.Encoding
	}
	s := "≈ estimated from " + m.Encoding
	if factor != 0 && factor != 1 {
		s += fmt.Sprintf(" ×%.2f", factor)
	}
	if m.Calibration != 0 {
		s += fmt.Sprintf(", calibrated ×%.3f against reported usage", m.Calibration)
	}
	return s
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// inlineSVG is an SVG document as an element of the page: without its XML
// prolog.
func inlineSVG(b []byte) template.HTML {
	if i := bytes.Index(b, []byte("<svg")); i >= 0 {
		b = b[i:]
	}
	return template.HTML(b)
}

// conversationsOf lists each conversation's cost under every strategy,
// costliest first under the first strategy.
func conversationsOf(rep *Document) []pageConversation {
	if len(rep.Strategies) == 0 {
		return nil
	}
	var out []pageConversation
	for j, c := range rep.Strategies[0].Conversations {
		pc := pageConversation{ID: c.ID, Path: c.Path, Calls: c.Calls}
		for _, s := range rep.Strategies {
			if j >= len(s.Conversations) {
				continue
			}
			usd := s.Conversations[j].Totals.CostUSD
			if usd == nil {
				// Sorts below every price.
				pc.Costs = append(pc.Costs, pageCell{Text: rows.Unpriced, V: "-1"})
				continue
			}
			pc.Costs = append(pc.Costs, pageCell{Text: "$" + strconv.FormatFloat(*usd, 'f', 4, 64), V: num(*usd)})
		}
		out = append(out, pc)
	}
	sort.SliceStable(out, func(a, b int) bool {
		x, _ := strconv.ParseFloat(out[a].Costs[0].V, 64)
		y, _ := strconv.ParseFloat(out[b].Costs[0].V, 64)
		return x > y
	})
	return out
}

// findingsOf lists the report's findings (their text carries their
// dollars), with the monthly projection when --per-day asked for one.
func findingsOf(rep *Document) []pageFinding {
	var out []pageFinding
	for _, f := range rep.Findings {
		pf := pageFinding{Text: strings.TrimSpace(f.Text)}
		if f.MonthlyText != "" {
			pf.USD = f.MonthlyText + " a month" // as the table shows it
		}
		out = append(out, pf)
	}
	return out
}
