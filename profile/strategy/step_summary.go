package strategy

import (
	"fmt"
	"strconv"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/profile/tokenize"
)

// SummaryStep is summary:trigger=T,keep=K,size=S[,model=M]: when the
// history passes Trigger tokens, everything before the latest Keep
// exchanges is replaced by a summary of Size tokens, written by a
// summariser call billed beside the call (on Model, else the call's).
type SummaryStep struct {
	Trigger int64
	Keep    int
	Size    int64
	Model   string
}

var summaryKind = &StepKind{
	// The model it names must be priced.
	Needs: func(s Step) Needs { return Needs{Priced: named(s.(*SummaryStep).Model)} },
	Tune: func(peak int64) []string {
		var out []string
		for _, t := range []int64{4000, 8000, 16000, 32000, 64000} {
			for _, keep := range []int{1, 2, 4} {
				for _, size := range []int{400, 800, 1600} {
					if below(t, peak) {
						out = append(out, fmt.Sprintf("summary:trigger=%d,keep=%d,size=%d", t, keep, size))
					}
				}
			}
		}
		return out
	},
	Name:  "summary",
	Usage: "summary:trigger=T,keep=K,size=S[,model=M]",
	Doc:   "past T tokens of history, summarise all but the latest K exchanges (tool rounds inside one long exchange) into S tokens (the summariser call is billed)",
	Stage: StageHistory,
	Parse: parseSummary,
}

func parseSummary(args string, _ bool) (Step, error) {
	kv, err := parseArgs(args)
	if err != nil {
		return nil, err
	}
	sum := &SummaryStep{}
	for _, k := range sortedKeys(kv) {
		v := kv[k]
		switch k {
		case "trigger":
			if sum.Trigger, err = parseTokens(v); err != nil || sum.Trigger <= 0 {
				return nil, badArg(k+"="+v, "trigger must be a token count > 0")
			}
		case "keep":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return nil, badArg(k+"="+v, "keep must be a whole number of exchanges ≥ 0")
			}
			sum.Keep = n
		case "size":
			if sum.Size, err = parseTokens(v); err != nil || sum.Size <= 0 {
				return nil, badArg(k+"="+v, "size must be a token count > 0")
			}
		case "model":
			sum.Model = v
		default:
			return nil, badArg(k+"="+v, "unknown summary key %q (allowed: trigger, keep, size, model)", k)
		}
	}
	if sum.Trigger == 0 || sum.Size == 0 {
		return nil, fmt.Errorf("summary needs trigger=T and size=S (keep=K defaults to 0)")
	}
	return sum, nil
}

// Kind returns the summary kind.
func (*SummaryStep) Kind() *StepKind { return summaryKind }

func (s *SummaryStep) String() string {
	sp := fmt.Sprintf("summary:trigger=%d,keep=%d,size=%d", s.Trigger, s.Keep, s.Size)
	if s.Model != "" {
		sp += ",model=" + s.Model
	}
	return sp
}

func (s *SummaryStep) Start(v *View) State {
	st := &summaryState{s: s, instruction: v.Conv.Tok.Count(SummaryInstruction)}
	if s.Model != "" {
		st.model = v.Env.Lookup(s.Model)
	}
	return st
}

type summaryState struct {
	s           *SummaryStep
	model       *price.Model // the summariser's, nil: the call's
	instruction int64
	// Messages before boundary are replaced by the summary (version ver,
	// 0: none yet).
	boundary, ver int
	note          Note
}

func (st *summaryState) Note() Note { return st.note }

func (s *SummaryStep) WhyNot(n Note, sh Shape) string {
	if n.Idle {
		return fmt.Sprintf("history passes trigger %s only within the last %d exchanges (%s); try compact or window:tokens",
			FormatTokens(s.Trigger), s.Keep, Plural(sh.Prompts, "user prompt"))
	}
	return fmt.Sprintf("history never passes trigger %s (peak %s)", FormatTokens(s.Trigger), FormatTokens(n.Peak))
}

func (st *summaryState) Apply(p *Plan) {
	v := p.View
	from := max(p.Lo, st.boundary)
	hist := v.pc0[p.Info.Prev+1] - v.pc0[from]
	if st.ver > 0 {
		hist += st.s.Size
	}
	st.note.Peak = max(st.note.Peak, hist)
	if hist > st.s.Trigger {
		nb := v.Conv.Exchanges[max(p.Info.Exchange-st.s.Keep, 0)]
		if nb <= from {
			// Inside one long exchange (an agent session: one prompt, many
			// tool rounds) keep the last K units instead, so the summary
			// bites there too.
			nb = max(nb, v.Conv.Units[max(p.Info.Unit-st.s.Keep, 0)])
		}
		if nb <= from && st.ver == 0 {
			st.note.Idle = true
		}
		if nb > from {
			st.note.Acted++
			in := st.instruction + tokenize.TokensPerMessage + 1 + tokenize.ReplyPriming + v.Sent(from, nb) + v.Thinking(from, nb, p.ThinkFrom)
			if st.ver > 0 {
				in += st.s.Size + tokenize.TokensPerMessage + 1
			}
			p.Call.SummaryInput, p.Call.SummaryOutput = in, st.s.Size
			m := st.model
			if m == nil {
				m = p.Model
			}
			p.AddSide(m, in, st.s.Size)
			st.boundary, st.ver = nb, st.ver+1
		}
	}
	p.Lo = max(p.Lo, st.boundary)
	if st.ver > 0 {
		p.Summary = Synthetic{Tokens: st.s.Size, Version: st.ver}
	}
}
