package profile

import (
	"errors"
	"fmt"
	"strconv"
)

// WindowStep is window:turns=N or window:tokens=K: a sliding window over
// the history. The current exchange is always sent.
type WindowStep struct {
	// Tokens > 0 keeps the latest earlier exchanges whose content and
	// framing fit in Tokens; otherwise Turns earlier exchanges are kept.
	Tokens int64
	Turns  int
}

var windowKind = &StepKind{
	Name:  "window",
	Usage: "window:turns=N | window:tokens=K",
	Doc:   "send only the latest N exchanges, or the latest history that fits in K tokens",
	Stage: StageHistory,
	Parse: parseWindow,
}

func parseWindow(args string, _ bool) (Step, error) {
	kv, err := parseArgs(args)
	if err != nil {
		return nil, err
	}
	if len(kv) != 1 {
		return nil, errors.New("window takes exactly one of turns=N or tokens=K")
	}
	w := &WindowStep{}
	for k, v := range kv {
		switch k {
		case "turns":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("turns=%s is not a whole number ≥ 0", v)
			}
			w.Turns = n
		case "tokens":
			n, err := parseTokens(v)
			if err != nil || n <= 0 {
				return nil, fmt.Errorf("tokens=%s is not a token count > 0", v)
			}
			w.Tokens = n
		default:
			return nil, badArg(k+"="+v, "unknown window key %q (allowed: turns, tokens)", k)
		}
	}
	return w, nil
}

// Kind returns the window kind.
func (*WindowStep) Kind() *StepKind { return windowKind }

func (w *WindowStep) String() string {
	if w.Tokens > 0 {
		return fmt.Sprintf("window:tokens=%d", w.Tokens)
	}
	return fmt.Sprintf("window:turns=%d", w.Turns)
}

func (w *WindowStep) start(*convView) stepState { return windowState{w} }

type windowState struct{ w *WindowStep }

func (s windowState) apply(p *callPlan) {
	ex := p.v.pc.exchanges
	e := p.ci.exchange
	lo := ex[max(e-s.w.Turns, 0)]
	if s.w.Tokens > 0 {
		cs := ex[e]
		lo = cs
		for j := e - 1; j >= 0; j-- {
			if p.v.sent(ex[j], cs) > s.w.Tokens {
				break
			}
			lo = ex[j]
		}
	}
	p.lo = max(p.lo, lo)
}
