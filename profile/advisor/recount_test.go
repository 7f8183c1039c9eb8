package advisor

import (
	"testing"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts"
)

// TestRecountWhileFinding runs, on one prepared log, a strategy priced on
// a model of another encoding (its counts made from the kept text) while
// the findings of an earlier run read the same counts, as the TUI does
// when a knob is pressed while the advisor works: go test -race checks
// them, and the results must be those of the same work done in turn.
func TestRecountWhileFinding(t *testing.T) {
	src, err := transcripts.Open("../../transcripts/testdata/real/claude_code", transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	base, _ := profile.ParseStrategies([]string{"full", "cache"})
	other, _ := profile.ParseStrategies([]string{"full", "model=gpt-4+cache"})
	inTurn := func() ([]Finding, price.Money) {
		p, err := profile.Prepare(src.Conversations, profile.Options{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := p.Run(base)
		if err != nil {
			t.Fatal(err)
		}
		fs, err := Findings(nil, res, FindingsOptions{})
		if err != nil {
			t.Fatal(err)
		}
		r2, err := p.Run(other)
		if err != nil {
			t.Fatal(err)
		}
		return fs, r2.Strategies[1].Totals.Cost
	}
	wantFs, wantCost := inTurn()
	p, err := profile.Prepare(src.Conversations, profile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Run(base)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan []Finding)
	go func() {
		fs, err := Findings(nil, res, FindingsOptions{})
		if err != nil {
			t.Error(err)
		}
		done <- fs
	}()
	r2, err := p.Run(other)
	if err != nil {
		t.Fatal(err)
	}
	fs := <-done
	if got := r2.Strategies[1].Totals.Cost; got != wantCost {
		t.Errorf("model=gpt-4+cache costs %s beside the findings, %s alone", got, wantCost)
	}
	if len(fs) != len(wantFs) {
		t.Fatalf("%d findings beside the recount, %d alone", len(fs), len(wantFs))
	}
	for i := range fs {
		if fs[i].Text != wantFs[i].Text {
			t.Errorf("finding %d: %q beside the recount, %q alone", i, fs[i].Text, wantFs[i].Text)
		}
	}
}
