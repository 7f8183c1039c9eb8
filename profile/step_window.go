package profile

import (
	"errors"
	"fmt"
	"strconv"
)

// WindowStep is window:turns=N or window:tokens=K: a sliding window over
// the history. By turns it keeps the latest N user turns (exchanges) and
// the current one; by tokens it cuts in units (exchanges, and tool rounds
// inside them) and always sends the unit before the call.
type WindowStep struct {
	// Tokens > 0 keeps the latest earlier units whose content and framing
	// fit in Tokens; otherwise Turns earlier exchanges are kept.
	Tokens int64
	Turns  int
}

var windowKind = &StepKind{
	Tune: func(peak int64) []string {
		var out []string
		for _, n := range []int{1, 2, 3, 4, 6, 8, 12, 16} {
			out = append(out, fmt.Sprintf("window:turns=%d", n))
		}
		for _, k := range []int64{2000, 4000, 8000, 12000, 16000, 24000, 32000, 48000, 64000, 96000, 128000} {
			if below(k, peak) {
				out = append(out, fmt.Sprintf("window:tokens=%d", k))
			}
		}
		return out
	},
	Name:  "window",
	Usage: "window:turns=N | window:tokens=K",
	Doc:   "send only the latest N exchanges, or the latest units (exchanges, tool rounds) that fit in K tokens",
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

func (w *WindowStep) Start(*View) State { return &windowState{w: w} }

type windowState struct {
	w    *WindowStep
	note stepNote
}

func (s *windowState) stepNote() stepNote { return s.note }

func (s *windowState) Apply(p *Plan) {
	pc := p.v.pc
	if s.w.Tokens == 0 {
		lo := pc.exchanges[max(p.ci.exchange-s.w.Turns, 0)]
		s.note.peak = max(s.note.peak, int64(p.ci.exchange))
		if p.v.pc0[lo] > p.v.pc0[p.lo] {
			s.note.acted++
		}
		p.lo = max(p.lo, lo)
		return
	}
	// By tokens the window cuts in units, tool rounds included, so that
	// it bounds every call of an agent session.
	u := p.ci.unit
	cs := pc.units[u]
	lo := cs
	for j := u - 1; j >= 0; j-- {
		if p.v.sent(pc.units[j], cs) > s.w.Tokens {
			break
		}
		lo = pc.units[j]
	}
	s.note.peak = max(s.note.peak, p.v.sent(p.lo, cs))
	if p.v.pc0[lo] > p.v.pc0[p.lo] {
		s.note.acted++
	}
	p.lo = max(p.lo, lo)
}

func (w *WindowStep) whyNot(n stepNote, sh logShape) string {
	if w.Tokens > 0 {
		return fmt.Sprintf("history before the last unit never exceeds %s (peak %s)", formatTokens(w.Tokens), formatTokens(n.peak))
	}
	if sh.prompts <= 1 {
		return fmt.Sprintf("%s: every call is in the current exchange; try window:tokens or clear", plural(sh.prompts, "user prompt"))
	}
	return fmt.Sprintf("%s: no call has more than %s; try a smaller window, window:tokens or clear", plural(sh.prompts, "user prompt"), plural(int(n.peak), "earlier exchange"))
}
