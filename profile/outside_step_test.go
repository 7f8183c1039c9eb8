package profile_test

import (
	"testing"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/strategy"
	"github.com/tokenscope/tokenscope/transcripts"
)

// lastExchange is a step written outside package strategy, through its
// exported API alone: every call sends only its own exchange, what
// window:turns=0 does. It also cuts replies to half, as the engine lays
// them out, the way an output step acts after the layout.
type lastExchange struct{}

var lastExchangeKind = &strategy.StepKind{Name: "last-exchange", Stage: strategy.StageHistory}

func (lastExchange) Kind() *strategy.StepKind            { return lastExchangeKind }
func (lastExchange) String() string                      { return "last-exchange" }
func (lastExchange) Start(*strategy.View) strategy.State { return lastExchangeState{} }

type lastExchangeState struct{}

func (lastExchangeState) Apply(p *strategy.Plan) {
	p.Lo = max(p.Lo, p.View.Conv.Exchanges[p.Info.Exchange])
}

type halfReply struct{}

var halfReplyKind = &strategy.StepKind{Name: "half-reply", Stage: strategy.StageOutput}

func (halfReply) Kind() *strategy.StepKind            { return halfReplyKind }
func (halfReply) String() string                      { return "half-reply" }
func (halfReply) Start(*strategy.View) strategy.State { return halfReply{} }
func (halfReply) Apply(p *strategy.Plan)              { p.Call.Output /= 2 }

// A step that lives in another package shapes calls exactly as the same
// rule built in: on the demo, last-exchange gives window:turns=0's calls,
// call for call, and half-reply halves each call's billed reply.
func TestStepOutsideThePackage(t *testing.T) {
	convs := transcripts.Demo(transcripts.Options{}).Conversations
	builtin, err := strategy.Parse("window:turns=0")
	if err != nil {
		t.Fatal(err)
	}
	outside := &strategy.Strategy{Spec: "last-exchange", Steps: []strategy.Step{lastExchange{}}}
	halved := &strategy.Strategy{Spec: "last-exchange+half-reply", Steps: []strategy.Step{lastExchange{}, halfReply{}}}
	res, err := profile.Run(convs, profile.Options{Strategies: []*strategy.Strategy{builtin, outside, halved}})
	if err != nil {
		t.Fatal(err)
	}
	want, got, half := res.Strategies[0].Calls(), res.Strategies[1].Calls(), res.Strategies[2].Calls()
	if len(want) == 0 || len(got) != len(want) || len(half) != len(want) {
		t.Fatalf("calls: %d built in, %d outside, %d halved", len(want), len(got), len(half))
	}
	dropped := false
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("call %d: outside step %+v, window:turns=0 %+v", i+1, got[i], want[i])
		}
		dropped = dropped || want[i].Dropped > 0
		if h := half[i]; h.Output != want[i].Output/2 || h.Input != want[i].Input {
			t.Errorf("call %d: half-reply output %d input %+v, want %d and %+v", i+1, h.Output, h.Input, want[i].Output/2, want[i].Input)
		}
	}
	if !dropped {
		t.Fatal("window:turns=0 dropped nothing on the demo: the test checks nothing")
	}
}
