package strategy

import (
	"fmt"
	"strconv"
	"strings"
)

// CompactStep is compact:trigger=T|P%,size=S[,model=M]: what agents do
// when the window fills (Claude Code auto-compact, Anthropic server-side
// compaction, OpenAI Responses compaction). When a call's input passes
// the trigger (tokens, or a percentage of the model's context window),
// everything before the unit the call answers, with any earlier summary,
// is replaced by a summary of Size tokens. The summariser call is billed
// beside the call as in summary (A9: the compaction pass is billed in
// addition to the call); the prefix after it is new, so caching writes it.
type CompactStep struct {
	Trigger int64 // tokens; 0 when Percent is set
	Percent int   // of the model's context window
	Size    int64
	Model   string
}

var compactKind = &StepKind{
	Name:  "compact",
	Usage: "compact:trigger=T|P%,size=S[,model=M]",
	Doc:   "past T input tokens (or P% of the window) all history before the last unit becomes a summary of S tokens (the summariser is billed)",
	Stage: StageHistory,
	Order: 40,
	Parse: parseCompact,
	// The model it names must be priced.
	Needs: func(s Step) Needs { return Needs{Priced: named(s.(*CompactStep).Model)} },
	Tune: func(peak int64) []string {
		return grid("compact:trigger=%d,size=%d", peak, []int64{16000, 32000, 64000, 100000}, []int{1000, 2000, 4000})
	},
}

func parseCompact(args string, _ bool) (Step, error) {
	c := &CompactStep{}
	err := eachArg(args, "compact", []string{"trigger", "size", "model"}, func(k, v string) (err error) {
		switch k {
		case "trigger":
			if pct, ok := strings.CutSuffix(v, "%"); ok {
				c.Percent, err = strconv.Atoi(pct)
				if err != nil || c.Percent <= 0 || c.Percent > 100 {
					return badArg(k+"="+v, "trigger must be a token count > 0 or a percentage 1–100%%")
				}
			} else if c.Trigger, err = parseTokens(v); err != nil || c.Trigger <= 0 {
				return badArg(k+"="+v, "trigger must be a token count > 0 or a percentage 1–100%%")
			}
		case "size":
			c.Size, err = positiveTokens(k, v)
		case "model":
			c.Model = v
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if (c.Trigger == 0 && c.Percent == 0) || c.Size == 0 {
		return nil, fmt.Errorf("compact needs trigger=T (or P%%) and size=S")
	}
	return c, nil
}

// Kind returns the compact kind.
func (*CompactStep) Kind() *StepKind { return compactKind }

func (c *CompactStep) String() string {
	trig := strconv.FormatInt(c.Trigger, 10)
	if c.Percent > 0 {
		trig = strconv.Itoa(c.Percent) + "%"
	}
	return withModel(fmt.Sprintf("compact:trigger=%s,size=%d", trig, c.Size), c.Model)
}

func (c *CompactStep) Start(v *View) State {
	return &compactState{c: c, summariser: newSummariser(v, c.Model, c.Size)}
}

type compactState struct {
	c *CompactStep
	summariser
	noting
}

// trigger is the input past which the call compacts, 0 when the model's
// window is unknown for a percentage.
func (st *compactState) trigger(p *Plan) int64 {
	if st.c.Percent == 0 {
		return st.c.Trigger
	}
	if p.Model == nil || p.Model.ContextWindow == 0 {
		return 0
	}
	return p.Model.ContextWindow * int64(st.c.Percent) / 100
}

func (st *compactState) Apply(p *Plan) {
	st.send(p)
	in := p.Input()
	st.note.Peak = max(st.note.Peak, in)
	if trig := st.trigger(p); trig > 0 && in > trig {
		from := p.KeptFrom()
		nb := p.View.Conv.Units[p.Info.Unit]
		if nb <= from {
			st.note.Idle = true
			return
		}
		st.cut(p, from, nb)
		st.note.Acted++
		st.send(p)
	}
}

// WhyNot says why the step changed nothing on the log (WhyNotter).
func (c *CompactStep) WhyNot(n Note, _ Shape) string {
	trig := FormatTokens(c.Trigger)
	if c.Percent > 0 {
		trig = strconv.Itoa(c.Percent) + "% of the window"
	}
	if n.Idle {
		return fmt.Sprintf("input passes trigger %s only in calls whose last unit alone is that large", trig)
	}
	return neverPasses("input", trig, n.Peak)
}

func init() { Register(compactKind) }
