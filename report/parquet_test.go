package report

import (
	"bytes"
	"encoding/csv"
	"io"
	"strconv"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/tokenscope/tokenscope/profile"
)

// readParquet reads back what the parquet sink wrote.
func readParquet(t *testing.T, b []byte) ([]Row, *parquet.File) {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := parquet.Read[Row](bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	return rows, f
}

// Per strategy, the rows sum to the report's totals to the pico-dollar.
func TestParquetRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name  string
		p     *profile.Profile
		calls int
	}{
		{"demo", demo(t), 41},
		{"2000 calls", syntheticProfile(t, 2000), 2000},
		{"tree", tree(t), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, f := readParquet(t, render(t, tc.p, "parquet", Options{}))
			r := tc.p.Result
			calls := 0
			for _, c := range r.Conversations {
				calls += c.Calls
			}
			if tc.calls > 0 && calls != tc.calls {
				t.Fatalf("profile has %d calls, want %d", calls, tc.calls)
			}
			if len(rows) != calls*len(r.Strategies) {
				t.Fatalf("%d rows, want %d calls × %d strategies", len(rows), calls, len(r.Strategies))
			}
			if got := f.NumRows(); got != int64(len(rows)) {
				t.Errorf("file says %d rows, read %d", got, len(rows))
			}
			type sum struct {
				cost, costDec, input, output, cached int64
				reported                             int64
			}
			sums := map[string]*sum{}
			for _, row := range rows {
				s := sums[row.Strategy]
				if s == nil {
					s = &sum{}
					sums[row.Strategy] = s
				}
				if row.CostPUSD == nil || row.CostUSD == nil {
					t.Fatalf("%s call %d: a priced call's cost is null", row.Strategy, row.Call)
				}
				s.cost += *row.CostPUSD
				s.costDec += *row.CostUSD
				s.input += row.InputTotal
				s.output += row.OutputTokens
				s.cached += row.CachedInputTokens
				if row.ReportedCostPUSD != nil {
					s.reported += *row.ReportedCostPUSD
				}
				parts := row.Unlogged + row.ToolDefs + row.System + row.Summary + row.History + row.RAG + row.User + row.ToolResults + row.Overhead
				if parts != row.InputTotal {
					t.Fatalf("%s call %d: parts sum to %d, input_total %d", row.Strategy, row.Call, parts, row.InputTotal)
				}
				if row.Source == "" || row.Model == "" || row.Conversation == "" {
					t.Fatalf("row without source, model or conversation: %+v", row)
				}
			}
			for i, st := range r.Strategies {
				s := sums[st.Strategy.Spec]
				if s == nil {
					t.Fatalf("no rows for %s", st.Strategy.Spec)
				}
				tt := st.Totals
				if s.cost != int64(tt.Cost) || s.costDec != int64(tt.Cost) {
					t.Errorf("%s: rows cost %d / %d pico-dollars, report %d", st.Strategy.Spec, s.cost, s.costDec, int64(tt.Cost))
				}
				// output_tokens is all billed output, reasoning included.
				if s.input != tt.Input || s.output != tt.BilledOutput() || s.cached != tt.Cached {
					t.Errorf("%s: rows input/output/cached %d/%d/%d, report %d/%d/%d", st.Strategy.Spec,
						s.input, s.output, s.cached, tt.Input, tt.BilledOutput(), tt.Cached)
				}
				if i == 0 && s.reported != int64(tt.ReportedCost) {
					t.Errorf("%s: reported cost %d, report %d", st.Strategy.Spec, s.reported, int64(tt.ReportedCost))
				}
			}
		})
	}
}

// The demo's first call, checked by hand against the JSON report: 1,514
// system + 291 tool_defs + 48 user + 11 overhead = 1,864 input tokens;
// gpt-5 at $1.25 in / $10 out per MTok: 1,864 × 1.25 + (24 + 380) × 10 =
// 2,330 + 4,040 = 6,370 µ$ = 6,370,000,000 pico-dollars. output_tokens is
// all billed output: 24 visible + 380 reasoning = 404.
func TestParquetDemoFirstRow(t *testing.T) {
	rows, f := readParquet(t, render(t, demo(t), "parquet", Options{}))
	r := rows[0]
	if r.Strategy != "full" || r.Call != 1 || r.System != 1514 || r.ToolDefs != 291 || r.User != 48 || r.Overhead != 11 ||
		r.InputTotal != 1864 || r.OutputTokens != 404 || r.ReasoningTokens != 380 || r.CostPUSD == nil || *r.CostPUSD != 6_370_000_000 {
		t.Fatalf("first row %+v", r)
	}
	if r.Time == nil || time.UnixMilli(*r.Time).UTC().Format(time.RFC3339) != "2026-11-02T09:58:36Z" {
		t.Errorf("time %v, want the demo's first reply at 2026-11-02T09:58:36Z", r.Time)
	}
	// The schema is the documented one: csv's header, in order.
	var names []string
	for _, col := range f.Schema().Fields() {
		names = append(names, col.Name())
	}
	if len(names) != len(csvHeader) {
		t.Fatalf("parquet has %d columns, csv %d", len(names), len(csvHeader))
	}
	for i := range names {
		if names[i] != csvHeader[i] {
			t.Errorf("column %d: parquet %q, csv %q", i, names[i], csvHeader[i])
		}
	}
}

// csv carries the same rows as parquet.
func TestCSVMatchesParquet(t *testing.T) {
	p := tree(t)
	rows, _ := readParquet(t, render(t, p, "parquet", Options{}))
	recs, err := csv.NewReader(bytes.NewReader(render(t, p, "csv", Options{}))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(rows)+1 {
		t.Fatalf("%d csv records, %d parquet rows", len(recs), len(rows))
	}
	for i, row := range rows {
		want := row.appendCSV(nil)
		got := recs[i+1]
		for k := range want {
			if got[k] != want[k] {
				t.Fatalf("row %d column %s: csv %q, parquet %q", i, csvHeader[k], got[k], want[k])
			}
		}
		if c, _ := strconv.ParseInt(got[28], 10, 64); row.CostPUSD == nil || c != *row.CostPUSD {
			t.Fatalf("row %d: cost_pusd %d, want %v", i, c, row.CostPUSD)
		}
	}
}

// BenchmarkParquet1M writes a million rows (README "Parquet" quotes it,
// from scripts/bench-parquet.sh).
func BenchmarkParquet1M(b *testing.B) {
	p := syntheticProfile(b, 200)
	var calls []Call
	h := NewHeader(p, Options{})
	_ = h
	for i, st := range p.Result.Strategies {
		cr := &st.Conversations[0]
		for k := range cr.Calls {
			calls = append(calls, Call{Strategy: i, Spec: st.Strategy.Spec, Conv: &p.Result.Conversations[0], Call: &cr.Calls[k]})
		}
	}
	const rows = 1_000_000
	b.ReportAllocs()
	for b.Loop() {
		s := NewParquet(io.Discard)
		if err := s.Begin(h); err != nil {
			b.Fatal(err)
		}
		for i := range rows {
			if err := s.Call(&calls[i%len(calls)]); err != nil {
				b.Fatal(err)
			}
		}
		if err := s.End(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/rows, "ns/row")
}
