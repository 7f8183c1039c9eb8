package report

import (
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
	text := string(written(t, p, "table"))
	for _, want := range []string{"\npriced by the embedded table dated 2026-12-07\n",
		"  OpenAI served 90% of the cacheable prefix in this log\n",
		"    (19,840 of 22,016 tokens; a byte-identical prefix and a stable prompt_cache_key raise it)\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("table lacks %q:\n%s", want, text)
		}
	}
	js := written(t, p, "json")
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
	if err := json.Unmarshal(js, &doc); err != nil {
		t.Fatal(err)
	}
	if sp := doc.Strategies[0].Totals.Fidelity.ServedPct; sp == nil || *sp != 90 {
		t.Errorf("served_pct %v, want 90", sp)
	}
	if pt := doc.Model.PriceTable; pt.Name != "embedded" || pt.Date != "2026-12-07" {
		t.Errorf("price_table %+v", pt)
	}
}
