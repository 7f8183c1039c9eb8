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
	"github.com/tokenscope/tokenscope/profile/advisor"
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/report/rows"
	"github.com/tokenscope/tokenscope/transcripts"
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

// svgText is a text element of an SVG and where it is.
type svgText struct{ x, y, s string }

// svgTexts parses an SVG document as XML and returns its texts.
func svgTexts(t *testing.T, svg []byte) []string {
	var out []string
	for _, tx := range svgTextsAt(t, svg) {
		out = append(out, tx.s)
	}
	return out
}

func svgTextsAt(t *testing.T, svg []byte) []svgText {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(svg))
	var out []svgText
	var cur *svgText
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
			cur = nil
			if tok.Name.Local == "text" {
				cur = &svgText{}
				for _, a := range tok.Attr {
					switch a.Name.Local {
					case "x":
						cur.x = a.Value
					case "y":
						cur.y = a.Value
					}
				}
			}
		case xml.EndElement:
			cur = nil
		case xml.CharData:
			if cur != nil {
				cur.s = string(tok)
				out = append(out, *cur)
			}
		}
	}
	return out
}

// ticks returns the numeric labels of a chart's axes: the x axis's share
// one y coordinate; the y axis's are right-aligned, each at its own height.
func ticks(texts []svgText) (xs, ys []float64) {
	atY := map[string]int{}
	for _, tx := range texts {
		if _, ok := parseCompact(strings.TrimPrefix(tx.s, "$")); ok {
			atY[tx.y]++
		}
	}
	for _, tx := range texts {
		v, ok := parseCompact(strings.TrimPrefix(tx.s, "$"))
		switch {
		case !ok:
		case atY[tx.y] >= 2:
			xs = append(xs, v)
		default:
			ys = append(ys, v)
		}
	}
	return xs, ys
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
	}{{"demo", demo(t)}, {"tree", tree(t)}, {"2000 calls", syntheticProfile(t, 2000)}} {
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
			// Tick labels: when each call is a bar, the y axis's largest
			// is the first step at or above the peak input (the tallest
			// bar stays inside the plot) and below twice it; the x axis
			// stops at the last call.
			peak := float64(r.Strategies[0].Totals.PeakInput)
			xs, ys := ticks(svgTextsAt(t, input))
			if len(ys) < 2 || len(xs) < 2 {
				t.Fatalf("tick labels x %v y %v", xs, ys)
			}
			t.Logf("x ticks %v, y ticks %v, peak %v", xs, ys, peak)
			top := ys[len(ys)-1]
			if nt, _ := niceTop(peak); top > nt || (calls <= maxBars && (top < peak || top >= 2*peak)) {
				t.Errorf("top y tick %v for a peak input of %v", top, peak)
			}
			for _, x := range xs {
				if x > float64(calls) {
					t.Errorf("x tick %v beyond %d calls", x, calls)
				}
			}
			// The cost axis stops below the costliest total.
			_, cys := ticks(svgTextsAt(t, cost))
			var most float64
			for _, st := range r.Strategies {
				most = max(most, st.Totals.Cost.USD())
			}
			if len(cys) < 2 || cys[len(cys)-1] > most*1.15 {
				t.Errorf("cost ticks %v for a largest total of %v", cys, most)
			}
		})
	}
}

// The demo page: parses, loads nothing, holds the report's numbers, and
// matches its golden file (go test ./report -run HTMLGolden -update).
func TestHTMLGolden(t *testing.T) {
	p := demo(t)
	findings, err := advisor.FindingsOf(p, advisor.FindingsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(findings) == 0 {
		t.Fatal("the demo has no findings to show")
	}
	page := render(t, p, "html", Options{Prices: price.Default(), Findings: findings})
	doc := checkPage(t, page)
	text := string(page)
	for _, want := range []string{"demo:harbor-support", "gpt-5", "exact, o200k_base", "$1.25 input", "table dated",
		"Replay check", "as billed (reported usage, 41 of 41 calls)", "what the app did (cache) simulated $0.2235 vs billed $0.2232", "OpenAI served 100% of the cacheable prefix", "<svg", "Cumulative cost by strategy"} {
		if !strings.Contains(text, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	items := map[string]bool{}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "li" && n.FirstChild != nil {
			items[n.FirstChild.Data] = true
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	for _, f := range findings {
		if !items[f.Text] {
			t.Errorf("findings lack %q", f.Text)
		}
	}
	for _, row := range rows.Strategies(p.Result, rows.Options{}) {
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

// A log of one request with no response (no output, one call) and a
// report asked for without calls still draw.
func TestChartsDegenerate(t *testing.T) {
	src, err := transcripts.Read(strings.NewReader(`{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}`), "one.json", transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := profile.New(src, profile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	input, cost := chartsOf(t, p)
	svgTexts(t, input)
	if texts := strings.Join(svgTexts(t, cost), "\n"); !strings.Contains(texts, "full  "+p.Result.Strategies[0].Totals.Cost.String()) {
		t.Errorf("cost chart of one call lacks its total:\n%s", texts)
	}
	page := render(t, demo(t), "html", Options{NoCalls: true})
	checkPage(t, page)
	if !bytes.Contains(page, []byte("full  $0.5379")) {
		t.Error("--no-calls page lost its cost curves")
	}
}
