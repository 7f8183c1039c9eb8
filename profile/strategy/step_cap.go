package strategy

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
	Order: 70,
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
	content := make([]int64, len(v.Content))
	copy(content, v.Content)
	for _, ci := range v.Conv.Calls {
		content[ci.Msg] = min(v.Counts.Content[ci.Msg], max(0, c.Max-ci.Reasoning))
	}
	v.Content = content
	return &capState{c: c}
}

type capState struct {
	c *CapStep
	noting
}

// WhyNot says why the step changed nothing on the log (WhyNotter).
func (c *CapStep) WhyNot(n Note, _ Shape) string {
	return fmt.Sprintf("no reply reaches %s tokens (longest %s)", FormatTokens(c.Max), FormatTokens(n.Peak))
}

func (st *capState) Apply(p *Plan) {
	c, call := st.c, p.Call
	st.note.Peak = max(st.note.Peak, call.Output+call.Reasoning)
	if call.Output+call.Reasoning > c.Max {
		st.note.Acted++
		call.Truncated = true
		call.Reasoning = min(call.Reasoning, c.Max)
		call.Output = c.Max - call.Reasoning
	}
}

func init() { Register(capKind) }
