package report

import (
	"encoding/json"
	"strings"
	"testing"
)

// On the real Claude Code sessions four first calls read 65,114 cached
// tokens no call of the log wrote (profile: TestUnexplainedReads): the
// table says so under the replay check, the JSON carries it in fidelity.
func TestUnexplainedReadsInReports(t *testing.T) {
	p := profileOf(t, "../transcripts/testdata/real/claude_code/spotter")
	text := string(written(t, p, "table"))
	if want := "  4 calls read 65,114 cached tokens the replay cannot tie to an earlier call of the log: a prefix cached by an earlier run"; !strings.Contains(text, want) {
		t.Errorf("table lacks %q:\n%s", want, text)
	}
	js := written(t, p, "json")
	var doc struct {
		Strategies []struct {
			Totals struct {
				Fidelity struct {
					Unexplained *DocUnexplained `json:"unexplained_reads"`
				} `json:"fidelity"`
			} `json:"totals"`
		} `json:"strategies"`
	}
	if err := json.Unmarshal(js, &doc); err != nil {
		t.Fatal(err)
	}
	if u := doc.Strategies[0].Totals.Fidelity.Unexplained; u == nil || u.Calls != 4 || u.Tokens != 65_114 || !strings.HasPrefix(u.Note, "4 calls read") {
		t.Errorf("unexplained_reads %+v, want 4 calls, 65,114 tokens", u)
	}
}
