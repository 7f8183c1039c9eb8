package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/advisor"
	"github.com/tokenscope/tokenscope/report/rows"
	"github.com/tokenscope/tokenscope/transcripts"
	"github.com/tokenscope/tokenscope/transcripts/synthetic"
)

// demo profiles the embedded demo with the default strategies.
func demo(t testing.TB) *profile.Profile {
	t.Helper()
	p, err := profile.New(transcripts.Demo(transcripts.Options{}), profile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// profileOf profiles the log at path with the default options.
func profileOf(t testing.TB, path string) *profile.Profile {
	t.Helper()
	src, err := transcripts.Open(path, transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := profile.New(src, profile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// written is p written in format.
func written(t testing.TB, p *profile.Profile, format string) []byte {
	t.Helper()
	var b bytes.Buffer
	s, err := NewSink(format, &b)
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(s, p, Options{}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// tree profiles a Claude Code project directory: several conversations.
func tree(t testing.TB) *profile.Profile {
	t.Helper()
	p := profileOf(t, "../transcripts/testdata/claude_code")
	if len(p.Result.Conversations) < 2 {
		t.Fatalf("tree has %d conversations, want several", len(p.Result.Conversations))
	}
	return p
}

// syntheticProfile profiles a generated conversation of n calls.
func syntheticProfile(t testing.TB, n int) *profile.Profile {
	t.Helper()
	src := &transcripts.Source{Path: "synthetic.jsonl", Format: "native",
		Conversations: []*transcripts.Conversation{synthetic.Conversation(n, 7)}}
	p, err := profile.New(src, profile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// render writes p in format to a buffer.
func render(t testing.TB, p *profile.Profile, format string, opt Options) []byte {
	t.Helper()
	var b bytes.Buffer
	s, err := NewSink(format, &b)
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(s, p, opt); err != nil {
		t.Fatalf("%s: %v", format, err)
	}
	return b.Bytes()
}

// The streamed JSON is byte for byte the document profile builds whole.
func TestJSONByteIdentical(t *testing.T) {
	for _, tc := range []struct {
		name    string
		p       *profile.Profile
		perDay  int64
		noCalls bool
	}{
		{"demo", demo(t), 0, false},
		{"demo per-day no-calls", demo(t), 40, true},
		{"tree", tree(t), 0, false},
		{"tree no-calls", tree(t), 0, true},
		{"synthetic", syntheticProfile(t, 300), 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want bytes.Buffer
			if err := DocumentOf(tc.p, tc.perDay, tc.noCalls).WriteJSON(&want); err != nil {
				t.Fatal(err)
			}
			got := render(t, tc.p, "json", Options{PerDay: tc.perDay, NoCalls: tc.noCalls})
			if !bytes.Equal(got, want.Bytes()) {
				i := 0
				for i < min(len(got), want.Len()) && got[i] == want.Bytes()[i] {
					i++
				}
				t.Fatalf("streamed JSON differs at byte %d of %d/%d:\ngot  …%q\nwant …%q", i, len(got), want.Len(),
					got[max(0, i-80):min(len(got), i+40)], want.Bytes()[max(0, i-80):min(want.Len(), i+40)])
			}
		})
	}
}

// The old csv columns keep their names and positions.
func TestCSVColumnsCompatible(t *testing.T) {
	old := []string{"strategy", "conversation", "call", "unlogged", "tool_defs", "system", "summary", "history", "rag",
		"user", "tool_results", "overhead", "input_total", "cached_input_tokens", "cache_write_tokens", "output_tokens",
		"reasoning_tokens", "summary_input_tokens", "summary_output_tokens", "cost_usd", "truncated", "overflow",
		"reported_input_tokens", "reported_output_tokens"}
	for i, name := range old {
		if csvHeader[i] != name {
			t.Errorf("csv column %d is %q, was %q", i, csvHeader[i], name)
		}
	}
	// Parts in the order profile shows them.
	for i, name := range profile.PartNames {
		if csvHeader[3+i] != name {
			t.Errorf("part column %d is %q, want %q", 3+i, csvHeader[3+i], name)
		}
	}
}

// BenchmarkJSON writes a 2,000-call report (7 strategies, 14,000 call
// rows) whole, as profile builds it, and streamed (README quotes both, from
// scripts/bench-exports.sh).
func BenchmarkJSON(b *testing.B) {
	p := syntheticProfile(b, 2000)
	b.Run("whole", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := DocumentOf(p, 0, false).WriteJSON(io.Discard); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("streamed", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := Write(NewJSON(io.Discard), p, Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// The streamed JSON encodes with goccy/go-json (about four times faster
// here); it must write what encoding/json writes, floats and escapes
// included.
func TestJSONEncodersAgree(t *testing.T) {
	std := func(v any) string {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.SetIndent("    ", "  ")
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	s := NewJSON(io.Discard).(*jsonSink)
	fast := func(v any) string {
		b, err := s.encode(v, "    ")
		if err != nil {
			t.Fatal(err)
		}
		return string(b) + "\n"
	}
	for _, f := range []float64{0, 1, 0.53785875, 1e-6, 9.99e-7, 1e-7, 1.5e-12, 123456.789, 1e20, 1e21, 1.7976931348623157e308, 5e-324, -0.0000125, 0.1 + 0.2} {
		rc := DocCall{CostUSD: &f, Conversation: "a<b>&c\u2028d\u2029\"é\t😀\xff\x01bad"}
		if got, want := fast(&rc), std(&rc); got != want {
			t.Errorf("%v:\ngot  %s\nwant %s", f, got, want)
		}
		rs := DocStrategy{Spec: "x", Totals: DocTotals{CostUSD: &f, ReportedCostUSD: &f}}
		if got, want := fast(&rs), std(&rs); got != want {
			t.Errorf("totals %v:\ngot  %s\nwant %s", f, got, want)
		}
	}
}

// --out creates the directories it names: newdir/out/logs.json is written
// although neither directory exists.
func TestOpenCreatesDirs(t *testing.T) {
	out := filepath.Join(t.TempDir(), "newdir", "out", "logs.json")
	s, closeOut, err := Open("json", out, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(s, demo(t), Options{}); err != nil {
		t.Fatal(err)
	}
	if err := closeOut(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep Document
	if err := json.Unmarshal(b, &rep); err != nil || rep.Source.Calls == 0 {
		t.Errorf("%s: %v, %d calls", out, err, rep.Source.Calls)
	}
}

// The table, Markdown and HTML carry the same summary lines under their
// strategy tables: on the demo, billed $0.2232 against the full history's
// $0.5379 ($0.5379 / $0.2232 − 1 = +141.0%) and the replay check.
func TestSummaryLinesEverywhere(t *testing.T) {
	p := demo(t)
	lines := rows.SummaryLines(p.Result)
	want := []string{
		"as billed (reported usage, 41 of 41 calls): $0.2232",
		"as simulated (full): $0.5379 (+141.0% of billed)",
		"reported input 311,167 vs counted 311,167",
		"what the app did (cache) simulated $0.2235 vs billed $0.2232 (+0.1%)",
		"  OpenAI served 100% of the cacheable prefix in this log",
		"    (279,680 of 279,936 tokens)",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("summary lines %q", lines)
	}
	for _, format := range []string{"table", "md", "html"} {
		var b bytes.Buffer
		s, err := NewSink(format, &b)
		if err != nil {
			t.Fatal(err)
		}
		if err := Write(s, p, Options{}); err != nil {
			t.Fatal(err)
		}
		out := strings.ReplaceAll(b.String(), "&#43;", "+")
		for _, l := range want {
			if l = strings.TrimSpace(l); !strings.Contains(out, l) {
				t.Errorf("%s lacks %q", format, l)
			}
		}
	}
}

// Findings still being made (Options.Later) give the document that
// findings made first give, in every format; the JSON sink, whose document
// ends with them, asks for them only after its calls are written, and the
// others before they begin.
func TestLaterFindings(t *testing.T) {
	p := tree(t)
	fs, err := advisor.FindingsOf(p, advisor.FindingsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) == 0 {
		t.Fatal("no findings on the tree: the test shows nothing")
	}
	for _, format := range []string{"json", "table", "md", "csv"} {
		t.Run(format, func(t *testing.T) {
			want := render(t, p, format, Options{Findings: fs})
			var b bytes.Buffer
			s, closeOut, err := Open(format, "", &b)
			if err != nil {
				t.Fatal(err)
			}
			asked := -1 // calls written when Later was called
			later := func() ([]advisor.Finding, error) {
				asked = 0
				if js, ok := s.(*jsonSink); ok {
					asked = js.strategies
				}
				return fs, nil
			}
			if err := Write(s, p, Options{Later: later}); err != nil {
				t.Fatal(err)
			}
			if err := closeOut(); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Errorf("with later findings the %s differs (%d bytes, want %d)", format, b.Len(), len(want))
			}
			if wantAsked := map[bool]int{true: len(p.Result.Strategies), false: 0}[format == "json"]; asked != wantAsked {
				t.Errorf("findings asked for after %d strategies' calls, want %d", asked, wantAsked)
			}
		})
	}
}

// A failure to make the findings is Write's error, and the JSON document
// is not ended.
func TestLaterFindingsFail(t *testing.T) {
	var b bytes.Buffer
	s := NewJSON(&b)
	boom := errors.New("boom")
	err := Write(s, demo(t), Options{Later: func() ([]advisor.Finding, error) { return nil, boom }})
	if !errors.Is(err, boom) {
		t.Fatalf("Write: %v, want boom", err)
	}
}
