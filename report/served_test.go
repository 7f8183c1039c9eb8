package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// On the real Codex rollout OpenAI served 90% of the cacheable prefix
// (profile: TestServedShare): the table states it under the replay check,
// with its tokens and what raises it; the JSON carries served_pct, and the
// header names the price table and its date.
func TestServedLineInReports(t *testing.T) {
	p := profileOf(t, "../transcripts/testdata/codex")
	var b bytes.Buffer
	s, err := NewSink("table", &b)
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(s, p, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\npriced by the embedded table dated 2026-12-07\n",
		"  OpenAI served 90% of the cacheable prefix in this log\n",
		"    (19,840 of 22,016 tokens; a byte-identical prefix and a stable prompt_cache_key raise it)\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	if s, err = NewSink("json", &b); err != nil {
		t.Fatal(err)
	}
	if err := Write(s, p, Options{}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Model struct {
			PriceTable struct{ Name, Date string } `json:"price_table"`
		} `json:"model"`
		Strategies []struct {
			Totals struct {
				Fidelity struct {
					ServedPct *int64 `json:"served_pct"`
				} `json:"fidelity"`
			} `json:"totals"`
		} `json:"strategies"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if sp := doc.Strategies[0].Totals.Fidelity.ServedPct; sp == nil || *sp != 90 {
		t.Errorf("served_pct %v, want 90", sp)
	}
	if pt := doc.Model.PriceTable; pt.Name != "embedded" || pt.Date != "2026-12-07" {
		t.Errorf("price_table %+v", pt)
	}
}
