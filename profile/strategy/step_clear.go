package strategy

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// ClearedPlaceholder is the text a cleared tool result (or tool input) is
// replaced by, counted in the call's input.
const ClearedPlaceholder = "[tool result cleared to save context]"

// ClearStep is clear:trigger=T,keep=N[,at_least=K][,exclude=A|B][,inputs]:
// Anthropic's context editing (clear_tool_uses_20250919, PROVIDER-RULES
// A8). The client sends the whole history; when a call's input passes
// Trigger the provider replaces the oldest tool results (with Inputs also
// their tool calls' arguments) by a placeholder, keeping the last Keep
// tool uses and never the tools in Exclude; it applies only when that
// clears at least AtLeast tokens. The edit is made per request, so once
// past the trigger every call clears all but the last Keep; the cached
// prefix ends where the newly cleared content starts.
type ClearStep struct {
	Trigger int64 // default 100,000 (A8)
	Keep    int   // default 3 (A8)
	AtLeast int64
	Exclude []string
	Inputs  bool
}

var clearKind = &StepKind{
	Name:  "clear",
	Usage: "clear[:trigger=T,keep=N,at_least=K,exclude=A|B,inputs]",
	Doc:   "context editing: past T input tokens the oldest tool results become a placeholder, keeping the last N tool uses",
	Stage: StageHistory,
	Order: 50,
	Parse: parseClear,
	Tune: func(peak int64) []string {
		return grid("clear:trigger=%d,keep=%d", peak, []int64{8000, 16000, 32000, 64000, 100000}, []int{1, 3, 6})
	},
}

func parseClear(args string, hasArgs bool) (Step, error) {
	c := &ClearStep{Trigger: 100000, Keep: 3}
	if !hasArgs {
		return c, nil
	}
	var kvArgs []string
	for _, part := range strings.Split(args, ",") {
		if strings.TrimSpace(part) == "inputs" {
			c.Inputs = true
			continue
		}
		kvArgs = append(kvArgs, part)
	}
	if len(kvArgs) == 0 {
		return c, nil
	}
	allowed := []string{"trigger", "keep", "at_least", "exclude", "inputs"}
	err := eachArg(strings.Join(kvArgs, ","), "clear", allowed, func(k, v string) (err error) {
		switch k {
		case "trigger":
			c.Trigger, err = positiveTokens(k, v)
		case "keep":
			c.Keep, err = wholeNumber(k, v, "tool uses")
		case "at_least":
			if c.AtLeast, err = parseTokens(v); err != nil || c.AtLeast < 0 {
				return badArg(k+"="+v, "at_least must be a token count ≥ 0")
			}
		case "exclude":
			c.Exclude = strings.Split(v, "|")
			if slices.Contains(c.Exclude, "") {
				return badArg(k+"="+v, "exclude wants tool names joined with |")
			}
		default: // inputs=…: inputs takes no value
			return badArg(k+"="+v, "unknown clear key %q (allowed: %s)", k, strings.Join(allowed, ", "))
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Kind returns the clear kind.
func (*ClearStep) Kind() *StepKind { return clearKind }

func (c *ClearStep) String() string {
	s := fmt.Sprintf("clear:trigger=%d,keep=%d", c.Trigger, c.Keep)
	if c.AtLeast > 0 {
		s += fmt.Sprintf(",at_least=%d", c.AtLeast)
	}
	if len(c.Exclude) > 0 {
		s += ",exclude=" + strings.Join(c.Exclude, "|")
	}
	if c.Inputs {
		s += ",inputs"
	}
	return s
}

// start sums, over the conversation's tool uses in order, the tokens a
// clearing takes out and the uses it clears, so that each call's edit is
// a subtraction.
func (c *ClearStep) Start(v *View) State {
	uses := v.Conv.Uses
	st := &clearState{c: c, placeholder: v.Tok.Count(ClearedPlaceholder),
		cum: make([]int64, len(uses)+1), cnt: make([]int, len(uses)+1), start: make([]int, len(uses))}
	for j, u := range uses {
		st.cum[j+1], st.cnt[j+1] = st.cum[j], st.cnt[j]
		st.start[j] = u.Res
		if c.Inputs && u.Call >= 0 {
			st.start[j] = u.Call
		}
		if slices.Contains(c.Exclude, u.Name) {
			continue
		}
		st.cum[j+1] += v.Content[u.Res]
		st.cnt[j+1]++
		if c.Inputs && u.Call >= 0 && u.Arg >= 0 {
			// The arguments as the call's message counted them, scaled
			// like it when the estimate is calibrated.
			args := v.Tok.ScaleRaw(v.Env.ArgsRaw(v.Tok.Encoding, u.Call, u.Arg))
			if v.Counts.Scale != 1 && v.Counts.Scale != 0 {
				args = int64(float64(args)*v.Counts.Scale + 0.5)
			}
			st.cum[j+1] += min(args, v.Content[u.Call])
		}
	}
	// Starts must not decrease for the binary search: a use answered
	// after a later call keeps the earlier start.
	for j := len(st.start) - 2; j >= 0; j-- {
		st.start[j] = min(st.start[j], st.start[j+1])
	}
	return st
}

type clearState struct {
	c           *ClearStep
	placeholder int64
	cum         []int64 // tokens cleared with uses [0, j)
	cnt         []int   // uses cleared among [0, j)
	start       []int   // first message use j's clearing touches
	next        int     // uses with a result before the current call
	noting
}

func (st *clearState) Apply(p *Plan) {
	in := p.Input()
	st.note.Peak = max(st.note.Peak, in)
	if in <= st.c.Trigger {
		return
	}
	uses := p.View.Conv.Uses
	for st.next < len(uses) && uses[st.next].Res < p.Info.Msg {
		st.next++
	}
	// Clear the oldest uses the model has seen, all but the last Keep,
	// from the first one history still sends.
	seen := sort.Search(st.next, func(j int) bool { return uses[j].Res > p.Info.Prev })
	last := min(st.next-st.c.Keep, seen)
	lo := p.KeptFrom()
	first := sort.SearchInts(st.start, lo)
	if last <= first {
		st.note.Idle = true
		return
	}
	n := int64(st.cnt[last] - st.cnt[first])
	per := st.placeholder
	if st.c.Inputs {
		per *= 2
	}
	removed, added := st.cum[last]-st.cum[first], n*per
	if n == 0 || removed-added <= 0 || removed-added < st.c.AtLeast {
		st.note.Idle = true
		st.note.Best = max(st.note.Best, removed-added)
		return
	}
	p.AddEdit(st.start[first], uses[last-1].Res+1, removed, added)
	st.note.Acted++
}

// WhyNot says why the step changed nothing on the log (WhyNotter).
func (c *ClearStep) WhyNot(n Note, sh Shape) string {
	if n.Idle && c.AtLeast > 0 && n.Best > 0 {
		return fmt.Sprintf("a clearing would free at most %s tokens, under at_least %s", FormatTokens(n.Best), FormatTokens(c.AtLeast))
	}
	if n.Idle {
		return fmt.Sprintf("input passes trigger %s, but no tool result older than the last %d tool uses is left to clear (%s)",
			FormatTokens(c.Trigger), c.Keep, Plural(sh.ToolCalls, "call")+" answer tools")
	}
	return neverPasses("input", FormatTokens(c.Trigger), n.Peak)
}

func init() { Register(clearKind) }
