package strategy

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/profile/tokenize"
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
	// The model it names must be priced.
	Needs: func(s Step) Needs { return Needs{Priced: named(s.(*CompactStep).Model)} },
	Tune: func(peak int64) []string {
		var out []string
		for _, t := range []int64{16000, 32000, 64000, 100000} {
			for _, size := range []int{1000, 2000, 4000} {
				if below(t, peak) {
					out = append(out, fmt.Sprintf("compact:trigger=%d,size=%d", t, size))
				}
			}
		}
		return out
	},
	Name:  "compact",
	Usage: "compact:trigger=T|P%,size=S[,model=M]",
	Doc:   "past T input tokens (or P% of the window) all history before the last unit becomes a summary of S tokens (the summariser is billed)",
	Stage: StageHistory,
	Parse: parseCompact,
}

func parseCompact(args string, _ bool) (Step, error) {
	kv, err := parseArgs(args)
	if err != nil {
		return nil, err
	}
	c := &CompactStep{}
	for _, k := range sortedKeys(kv) {
		v := kv[k]
		switch k {
		case "trigger":
			if pct, ok := strings.CutSuffix(v, "%"); ok {
				n, err := strconv.Atoi(pct)
				if err != nil || n <= 0 || n > 100 {
					return nil, badArg(k+"="+v, "trigger must be a token count > 0 or a percentage 1–100%%")
				}
				c.Percent = n
			} else if c.Trigger, err = parseTokens(v); err != nil || c.Trigger <= 0 {
				return nil, badArg(k+"="+v, "trigger must be a token count > 0 or a percentage 1–100%%")
			}
		case "size":
			if c.Size, err = parseTokens(v); err != nil || c.Size <= 0 {
				return nil, badArg(k+"="+v, "size must be a token count > 0")
			}
		case "model":
			c.Model = v
		default:
			return nil, badArg(k+"="+v, "unknown compact key %q (allowed: trigger, size, model)", k)
		}
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
	s := fmt.Sprintf("compact:trigger=%s,size=%d", trig, c.Size)
	if c.Model != "" {
		s += ",model=" + c.Model
	}
	return s
}

func (c *CompactStep) Start(v *View) State {
	st := &compactState{c: c, instruction: v.Conv.Tok.Count(SummaryInstruction)}
	if c.Model != "" {
		st.model = v.Env.Lookup(c.Model)
	}
	return st
}

type compactState struct {
	c             *CompactStep
	model         *price.Model
	instruction   int64
	boundary, ver int
	note          Note
}

func (st *compactState) Note() Note { return st.note }

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
	v := p.View
	if st.ver > 0 {
		// The summary replaces what earlier steps planned before it.
		p.Lo = max(p.Lo, st.boundary)
		p.Summary = Synthetic{Tokens: st.c.Size, Version: st.ver}
	}
	in := p.Input()
	st.note.Peak = max(st.note.Peak, in)
	if trig := st.trigger(p); trig > 0 && in > trig {
		from := p.KeptFrom()
		nb := v.Conv.Units[p.Info.Unit]
		if nb <= from {
			st.note.Idle = true
			return
		}
		sum := st.instruction + tokenize.TokensPerMessage + 1 + tokenize.ReplyPriming + v.Sent(from, nb) + v.Thinking(from, nb, p.ThinkFrom)
		if p.Summary.Version > 0 {
			sum += p.Summary.Tokens + tokenize.TokensPerMessage + 1
		}
		p.Call.SummaryInput, p.Call.SummaryOutput = p.Call.SummaryInput+sum, p.Call.SummaryOutput+st.c.Size
		m := st.model
		if m == nil {
			m = p.Model
		}
		p.AddSide(m, sum, st.c.Size)
		st.boundary, st.ver = nb, st.ver+1
		st.note.Acted++
		p.Lo = max(p.Lo, st.boundary)
		p.Summary = Synthetic{Tokens: st.c.Size, Version: st.ver}
	}
}

func (c *CompactStep) WhyNot(n Note, _ Shape) string {
	trig := FormatTokens(c.Trigger)
	if c.Percent > 0 {
		trig = strconv.Itoa(c.Percent) + "% of the window"
	}
	if n.Idle {
		return fmt.Sprintf("input passes trigger %s only in calls whose last unit alone is that large", trig)
	}
	return fmt.Sprintf("input never passes trigger %s (peak %s)", trig, FormatTokens(n.Peak))
}
