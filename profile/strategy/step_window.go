package strategy

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
	Name:  "window",
	Usage: "window:turns=N | window:tokens=K",
	Doc:   "send only the latest N exchanges, or the latest units (exchanges, tool rounds) that fit in K tokens",
	Stage: StageHistory,
	Order: 20,
	Parse: parseWindow,
	Tune: func(peak int64) []string {
		var out []string
		for _, n := range []int{1, 2, 3, 4, 6, 8, 12, 16} {
			out = append(out, fmt.Sprintf("window:turns=%d", n))
		}
		return append(out, grid("window:tokens=%d", peak, []int64{2000, 4000, 8000, 12000, 16000, 24000, 32000, 48000, 64000, 96000, 128000})...)
	},
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
	w *WindowStep
	noting
}

func (s *windowState) Apply(p *Plan) {
	pc := p.View.Conv
	if s.w.Tokens == 0 {
		lo := pc.Exchanges[max(p.Info.Exchange-s.w.Turns, 0)]
		s.note.Peak = max(s.note.Peak, int64(p.Info.Exchange))
		if p.View.History(p.Lo, lo) > 0 {
			s.note.Acted++
		}
		p.Lo = max(p.Lo, lo)
		return
	}
	// By tokens the window cuts in units, tool rounds included, so that
	// it bounds every call of an agent session.
	u := p.Info.Unit
	cs := pc.Units[u]
	lo := cs
	for j := u - 1; j >= 0; j-- {
		if p.View.Sent(pc.Units[j], cs) > s.w.Tokens {
			break
		}
		lo = pc.Units[j]
	}
	s.note.Peak = max(s.note.Peak, p.View.Sent(p.Lo, cs))
	if p.View.History(p.Lo, lo) > 0 {
		s.note.Acted++
	}
	p.Lo = max(p.Lo, lo)
}

// WhyNot says why the step changed nothing on the log (WhyNotter).
func (w *WindowStep) WhyNot(n Note, sh Shape) string {
	if w.Tokens > 0 {
		return fmt.Sprintf("history before the last unit never exceeds %s (peak %s)", FormatTokens(w.Tokens), FormatTokens(n.Peak))
	}
	if sh.Prompts <= 1 {
		return fmt.Sprintf("%s: every call is in the current exchange; try window:tokens or clear", Plural(sh.Prompts, "user prompt"))
	}
	return fmt.Sprintf("%s: no call has more than %s; try a smaller window, window:tokens or clear", Plural(sh.Prompts, "user prompt"), Plural(int(n.Peak), "earlier exchange"))
}

func init() { Register(windowKind) }
