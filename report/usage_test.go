package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tokenscope/tokenscope/profile/usage"
)

// A row whose calls logged no usage has nothing to bill: its cost is "no
// usage" in the table, empty in CSV and null in JSON, never $0.00; a row
// with some priced calls shows their cost.
func TestUsageRowWithoutUsage(t *testing.T) {
	none := usage.Row{Key: "2026-12-01", Models: []string{"gpt-5"}, Calls: 2}
	some := usage.Row{Key: "2026-12-02", Models: []string{"gpt-5"}, Calls: 3, Priced: 1, Input: 1000, Cost: 1_250_000_000}
	total := usage.Row{Key: "total", Models: []string{"gpt-5"}, Calls: 5, Priced: 1, Input: 1000, Cost: 1_250_000_000}
	s := &usage.Summary{Group: "daily", Rows: []usage.Row{none, some}, Totals: total}

	var table bytes.Buffer
	if err := WriteUsage(&table, s, "table"); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(table.String(), "\n")
	if !strings.HasSuffix(lines[1], "no usage") || strings.Contains(lines[1], "$") {
		t.Errorf("row without usage: %q", lines[1])
	}
	if !strings.HasSuffix(lines[2], "$0.00125") {
		t.Errorf("row with a priced call: %q", lines[2])
	}
	if !strings.Contains(table.String(), "4 calls logged no usage") {
		t.Errorf("no footer for the calls without usage:\n%s", table.String())
	}

	var js bytes.Buffer
	if err := WriteUsage(&js, s, "json"); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Rows []struct {
			Cost     *float64 `json:"cost_usd"`
			Unpriced bool     `json:"unpriced"`
			NoUsage  int      `json:"no_usage_calls"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if r := doc.Rows[0]; r.Cost != nil || r.Unpriced || r.NoUsage != 2 {
		t.Errorf("JSON row without usage: cost %v, unpriced %v, no usage %d", r.Cost, r.Unpriced, r.NoUsage)
	}
	if r := doc.Rows[1]; r.Cost == nil || *r.Cost != 0.00125 || r.NoUsage != 2 {
		t.Errorf("JSON row with a priced call: %+v", r)
	}

	var csv bytes.Buffer
	if err := WriteUsage(&csv, s, "csv"); err != nil {
		t.Fatal(err)
	}
	if row := strings.Split(csv.String(), "\n")[1]; !strings.HasSuffix(row, ",,0") {
		t.Errorf("CSV row without usage has a cost: %q", row)
	}
}
