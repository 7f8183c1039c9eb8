package report

import (
	"bytes"
	"encoding/xml"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/tokenscope/tokenscope/profile"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// checkPage parses an HTML page and fails on anything that would reach the
// network: URLs in src or href, link elements, @import or url() in styles.
func checkPage(t *testing.T, page []byte) *html.Node {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if n.Data == "link" || n.Data == "iframe" || n.Data == "img" {
				t.Errorf("page has a <%s>", n.Data)
			}
			for _, a := range n.Attr {
				v := strings.ToLower(a.Val)
				switch a.Key {
				case "src", "href", "xlink:href", "action", "srcset":
					t.Errorf("<%s %s=%q>: the page must not load anything", n.Data, a.Key, a.Val)
				case "style":
					if strings.Contains(v, "url(") || strings.Contains(v, "@import") {
						t.Errorf("<%s style=%q> loads a resource", n.Data, a.Val)
					}
				}
			}
		}
		if n.Type == html.TextNode && n.Parent != nil && (n.Parent.Data == "style" || n.Parent.Data == "script") {
			for _, bad := range []string{"@import", "url(", "http://", "https://", "fetch(", "XMLHttpRequest"} {
				if strings.Contains(n.Data, bad) {
					t.Errorf("<%s> holds %q", n.Parent.Data, bad)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return doc
}

// svgTexts parses an SVG document as XML and returns its text elements.
func svgTexts(t *testing.T, svg []byte) []string {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(svg))
	var out []string
	inText := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			inText = tok.Name.Local == "text"
		case xml.EndElement:
			inText = false
		case xml.CharData:
			if inText {
				out = append(out, string(tok))
			}
		}
	}
	return out
}

// parseCompact reads 12k, 1.5M, 600 back.
func parseCompact(s string) (float64, bool) {
	mul := 1.0
	switch {
	case strings.HasSuffix(s, "k"):
		mul, s = 1e3, strings.TrimSuffix(s, "k")
	case strings.HasSuffix(s, "M"):
		mul, s = 1e6, strings.TrimSuffix(s, "M")
	}
	v, err := strconv.ParseFloat(s, 64)
	return v * mul, err == nil
}

// chartsOf renders p's two charts.
func chartsOf(t *testing.T, p *profile.Profile) (input, cost []byte) {
	t.Helper()
	c := &chartSink{}
	if err := Write(c, p, Options{}); err != nil {
		t.Fatal(err)
	}
	input, err := c.c.InputSVG()
	if err != nil {
		t.Fatal(err)
	}
	cost, err = c.c.CostSVG()
	if err != nil {
		t.Fatal(err)
	}
	return input, cost
}

// chartSink collects the charts' data, as the html and svg sinks do.
type chartSink struct{ c *charts }

func (s *chartSink) Begin(h *Header) error { s.c = newCharts(h); return nil }
func (s *chartSink) Strategy(int) error    { return nil }
func (s *chartSink) Call(c *Call) error    { s.c.add(c); return nil }
func (s *chartSink) End() error            { return nil }

// The charts' numbers are the report's: every curve ends labelled with its
// strategy's total, and the input axis is scaled to the peak input.
func TestChartsMatchReport(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    *profile.Profile
	}{{"demo", demo(t)}, {"tree", tree(t)}, {"2000 calls", synthetic(t, 2000)}} {
		t.Run(tc.name, func(t *testing.T) {
			input, cost := chartsOf(t, tc.p)
			r := tc.p.Result
			costTexts := strings.Join(svgTexts(t, cost), "\n")
			for _, st := range r.Strategies {
				want := shorten(st.Strategy.Spec, 26) + "  " + st.Totals.Cost.String()
				if !strings.Contains(costTexts, want) {
					t.Errorf("cost chart lacks the label %q", want)
				}
			}
			calls := 0
			for _, c := range r.Conversations {
				calls += c.Calls
			}
			// Tick labels: the y axis's largest is at most the peak input
			// and above half of it (the axis spans the data); the x axis
			// stops at the last call.
			peak := float64(r.Strategies[0].Totals.PeakInput)
			if calls > maxBars {
				peak = 0 // bars are means: the peak is not drawn
			}
			var ys, xs []float64
			texts := svgTexts(t, input)
			for _, s := range texts {
				if v, ok := parseCompact(s); ok {
					if strings.ContainsAny(s, "kM") || v > float64(calls) {
						ys = append(ys, v)
					} else {
						xs = append(xs, v)
					}
				}
			}
			if len(ys) == 0 {
				t.Fatalf("no y tick labels in %q", texts)
			}
			top := ys[len(ys)-1]
			if peak > 0 && (top > peak || top <= peak/2) {
				t.Errorf("top y tick %v for a peak input of %v", top, peak)
			}
			for _, x := range xs {
				if x > float64(calls) {
					t.Errorf("x tick %v beyond %d calls", x, calls)
				}
			}
		})
	}
}

// The demo page: parses, loads nothing, holds the report's numbers, and
// matches its golden file (go test ./report -run HTMLGolden -update).
func TestHTMLGolden(t *testing.T) {
	p := demo(t)
	page := render(t, p, "html", Options{Prices: profile.DefaultPrices()})
	checkPage(t, page)
	text := string(page)
	for _, want := range []string{"demo:harbor-support", "gpt-5", "exact, o200k_base", "$1.25 input", "table dated",
		"Replay check", "as billed (reported usage, 41 of 41 calls)", "what the app did (cache) simulated $0.2232 vs billed $0.2232", "<svg", "Cumulative cost by strategy"} {
		if !strings.Contains(text, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, row := range profile.Rows(p.Result, 0) {
		if !strings.Contains(text, "<td>"+row.Cost+"</td>") {
			t.Errorf("strategy table lacks %s's cost %s", row.Spec, row.Cost)
		}
	}
	golden := filepath.Join("testdata", "demo.html")
	if *update {
		if err := os.WriteFile(golden, page, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(page, want) {
		t.Errorf("demo page differs from %s (run with -update after checking it)", golden)
	}
}

// A directory's page lists its conversations, sortable, costliest first.
func TestHTMLConversations(t *testing.T) {
	p := tree(t)
	page := render(t, p, "html", Options{})
	checkPage(t, page)
	text := string(page)
	if !strings.Contains(text, `<table class="sortable">`) || !strings.Contains(text, "<script>") {
		t.Fatal("no sortable conversations table")
	}
	// Every conversation is a row.
	for _, c := range p.Result.Conversations {
		if !strings.Contains(text, `title="`+c.Path+`">`+c.ID+`</td>`) {
			t.Errorf("no row for %s", c.ID)
		}
	}
}
