package profile

import (
	"errors"
	"fmt"
)

// CapStep is cap:M: max_tokens=M on every call. A reply (with its
// reasoning) longer than M is cut, and later calls carry the cut reply.
type CapStep struct {
	Max int64
}

var capKind = &StepKind{
	Name:  "cap",
	Usage: "cap:M",
	Doc:   "max_tokens=M: longer replies are cut, and history carries the cut reply",
	Stage: StageOutput,
	Parse: func(args string, hasArgs bool) (Step, error) {
		n, err := parseTokens(args)
		if !hasArgs || err != nil || n <= 0 {
			return nil, errors.New("cap needs a max_tokens value > 0, e.g. cap:512")
		}
		return &CapStep{Max: n}, nil
	},
}

// Kind returns the cap kind.
func (*CapStep) Kind() *StepKind { return capKind }

func (c *CapStep) String() string { return fmt.Sprintf("cap:%d", c.Max) }

// start shortens the replies history carries: the cap bounds reasoning
// and visible reply together, so the visible part is what is left.
func (c *CapStep) Start(v *View) State {
	content := make([]int64, len(v.content))
	copy(content, v.content)
	for _, ci := range v.pc.calls {
		content[ci.msg] = min(v.k.content[ci.msg], max(0, c.Max-ci.reasoning))
	}
	v.content = content
	return &capState{c: c}
}

type capState struct {
	c    *CapStep
	note stepNote
}

func (st *capState) stepNote() stepNote { return st.note }

func (c *CapStep) whyNot(n stepNote, _ logShape) string {
	return fmt.Sprintf("no reply reaches %s tokens (longest %s)", formatTokens(c.Max), formatTokens(n.peak))
}

func (st *capState) Apply(p *Plan) {
	c, call := st.c, p.call
	st.note.peak = max(st.note.peak, call.Output+call.Reasoning)
	if call.Output+call.Reasoning > c.Max {
		st.note.acted++
		call.Truncated = true
		call.Reasoning = min(call.Reasoning, c.Max)
		call.Output = c.Max - call.Reasoning
	}
}
