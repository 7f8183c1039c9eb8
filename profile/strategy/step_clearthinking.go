package strategy

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
	Order: 60,
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
	c *ClearThinkingStep
	noting
}

func (st *clearThinkingState) Apply(p *Plan) {
	v := p.View
	if v.Counts.Think == nil {
		return
	}
	tf := v.Conv.Exchanges[max(p.Info.Exchange-st.c.Keep+1, 0)]
	before := v.Thinking(p.Lo, p.Info.Msg, p.ThinkFrom)
	p.ThinkFrom = max(p.ThinkFrom, tf)
	cleared := before - v.Thinking(p.Lo, p.Info.Msg, p.ThinkFrom)
	st.note.Peak = max(st.note.Peak, v.Counts.Think[p.Info.Msg])
	if cleared > 0 {
		st.note.Acted++
	}
}

// WhyNot says why the step changed nothing on the log (WhyNotter).
func (c *ClearThinkingStep) WhyNot(n Note, _ Shape) string {
	if n.Peak == 0 {
		return "the log shows no thinking"
	}
	return fmt.Sprintf("no call carries thinking older than the last %s (models before Opus 4.5 and Sonnet 4.6 keep only the turn in progress)", Plural(c.Keep, "turn"))
}

func init() { Register(clearThinkingKind) }
