package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/transcripts"
)

// On the real Claude Code sessions four first calls read 65,114 cached
// tokens no call of the log wrote (profile: TestUnexplainedReads): the
// table says so under the replay check, the JSON carries it in fidelity.
func TestUnexplainedReadsInReports(t *testing.T) {
	src, err := transcripts.Open("../transcripts/testdata/real/claude_code/spotter", transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := profile.New(src, profile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	s, err := NewSink("table", &b)
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(s, p, Options{}); err != nil {
		t.Fatal(err)
	}
	if want := "  4 calls read 65,114 cached tokens the replay cannot tie to an earlier call of the log: a prefix cached by an earlier run"; !strings.Contains(b.String(), want) {
		t.Errorf("table lacks %q:\n%s", want, b.String())
	}
	b.Reset()
	if s, err = NewSink("json", &b); err != nil {
		t.Fatal(err)
	}
	if err := Write(s, p, Options{}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Strategies []struct {
			Totals struct {
				Fidelity struct {
					Unexplained *DocUnexplained `json:"unexplained_reads"`
				} `json:"fidelity"`
			} `json:"totals"`
		} `json:"strategies"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if u := doc.Strategies[0].Totals.Fidelity.Unexplained; u == nil || u.Calls != 4 || u.Tokens != 65_114 || !strings.HasPrefix(u.Note, "4 calls read") {
		t.Errorf("unexplained_reads %+v, want 4 calls, 65,114 tokens", u)
	}
}
