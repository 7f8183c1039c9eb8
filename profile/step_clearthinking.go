package profile

import (
	"fmt"
	"strconv"
)

// ClearThinkingStep is clear-thinking:keep=N: Anthropic's
// clear_thinking_20251015 (PROVIDER-RULES A8): the thinking of assistant
// turns before the last N is cleared from history. It matters for models
// that keep earlier turns' thinking (see thinking.go); clearing
// invalidates the cache where the cleared thinking was (A8).
type ClearThinkingStep struct {
	Keep int // assistant turns (exchanges) whose thinking is kept, ≥ 1
}

var clearThinkingKind = &StepKind{
	Name:  "clear-thinking",
	Usage: "clear-thinking:keep=N",
	Doc:   "context editing: thinking of assistant turns before the last N is cleared from history",
	Stage: StageHistory,
	Parse: func(args string, hasArgs bool) (Step, error) {
		c := &ClearThinkingStep{Keep: 1}
		if !hasArgs {
			return c, nil
		}
		err := eachArg(args, "clear-thinking", []string{"keep"}, func(k, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return badArg(k+"="+v, "keep must be a whole number of turns ≥ 1 (the turn in progress keeps its thinking)")
			}
			c.Keep = n
			return nil
		})
		return c, err
	},
}

// Kind returns the clear-thinking kind.
func (*ClearThinkingStep) Kind() *StepKind { return clearThinkingKind }

func (c *ClearThinkingStep) String() string { return fmt.Sprintf("clear-thinking:keep=%d", c.Keep) }

func (c *ClearThinkingStep) Start(*View) State { return &clearThinkingState{c: c} }

type clearThinkingState struct {
	c    *ClearThinkingStep
	note stepNote
}

func (st *clearThinkingState) stepNote() stepNote { return st.note }

func (st *clearThinkingState) Apply(p *Plan) {
	v := p.v
	if v.think == nil {
		return
	}
	tf := v.pc.exchanges[max(p.ci.exchange-st.c.Keep+1, 0)]
	before := v.thinking(p.lo, p.ci.msg, p.thinkFrom)
	p.thinkFrom = max(p.thinkFrom, tf)
	cleared := before - v.thinking(p.lo, p.ci.msg, p.thinkFrom)
	st.note.peak = max(st.note.peak, v.think[p.ci.msg])
	if cleared > 0 {
		st.note.acted++
	}
}

func (c *ClearThinkingStep) whyNot(n stepNote, _ logShape) string {
	if n.peak == 0 {
		return "the log shows no thinking"
	}
	return fmt.Sprintf("no call carries thinking older than the last %s (models before Opus 4.5 and Sonnet 4.6 keep only the turn in progress)", plural(c.Keep, "turn"))
}
