package strategy

import (
	"fmt"

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
	Name:  "summary",
	Usage: "summary:trigger=T,keep=K,size=S[,model=M]",
	Doc:   "past T tokens of history, summarise all but the latest K exchanges (tool rounds inside one long exchange) into S tokens (the summariser call is billed)",
	Stage: StageHistory,
	Order: 30,
	Parse: parseSummary,
	// The model it names must be priced.
	Needs: func(s Step) Needs { return Needs{Priced: named(s.(*SummaryStep).Model)} },
	Tune: func(peak int64) []string {
		return grid("summary:trigger=%d,keep=%d,size=%d", peak, []int64{4000, 8000, 16000, 32000, 64000}, []int{1, 2, 4}, []int{400, 800, 1600})
	},
}

func parseSummary(args string, _ bool) (Step, error) {
	sum := &SummaryStep{}
	err := eachArg(args, "summary", []string{"trigger", "keep", "size", "model"}, func(k, v string) (err error) {
		switch k {
		case "trigger":
			sum.Trigger, err = positiveTokens(k, v)
		case "keep":
			sum.Keep, err = wholeNumber(k, v, "exchanges")
		case "size":
			sum.Size, err = positiveTokens(k, v)
		case "model":
			sum.Model = v
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if sum.Trigger == 0 || sum.Size == 0 {
		return nil, fmt.Errorf("summary needs trigger=T and size=S (keep=K defaults to 0)")
	}
	return sum, nil
}

// Kind returns the summary kind.
func (*SummaryStep) Kind() *StepKind { return summaryKind }

func (s *SummaryStep) String() string {
	return withModel(fmt.Sprintf("summary:trigger=%d,keep=%d,size=%d", s.Trigger, s.Keep, s.Size), s.Model)
}

func (s *SummaryStep) Start(v *View) State {
	return &summaryState{s: s, summariser: newSummariser(v, s.Model, s.Size)}
}

// withModel is spec with the summariser's model, when one is named.
func withModel(spec, model string) string {
	if model == "" {
		return spec
	}
	return spec + ",model=" + model
}

// summariser is the call a summary or compaction makes, and what it
// left: messages before boundary are replaced by the summary (version
// ver, 0: none yet) of size tokens.
type summariser struct {
	size, instruction int64
	model             *price.Model // the summariser's, nil: the call's
	boundary, ver     int
}

func newSummariser(v *View, model string, size int64) summariser {
	s := summariser{size: size, instruction: v.Conv.Tok.Count(SummaryInstruction)}
	if model != "" {
		s.model = v.Env.Lookup(model)
	}
	return s
}

// cut summarises messages [from, to) with the summary before them: the
// summariser's call is billed beside p's, and the new summary stands in
// for them from this call on.
func (s *summariser) cut(p *Plan, from, to int) {
	v := p.View
	in := s.instruction + tokenize.TokensPerMessage + 1 + tokenize.ReplyPriming + v.Sent(from, to) + v.Thinking(from, to, p.ThinkFrom)
	if s.ver > 0 {
		in += s.size + tokenize.TokensPerMessage + 1
	}
	p.Call.SummaryInput, p.Call.SummaryOutput = p.Call.SummaryInput+in, p.Call.SummaryOutput+s.size
	m := s.model
	if m == nil {
		m = p.Model
	}
	p.AddSide(m, in, s.size)
	s.boundary, s.ver = to, s.ver+1
}

// send puts the summary, when there is one, in place of the history it
// replaced: it replaces what earlier steps planned before it.
func (s *summariser) send(p *Plan) {
	if s.ver > 0 {
		p.Lo = max(p.Lo, s.boundary)
		p.Summary = Synthetic{Tokens: s.size, Version: s.ver}
	}
}

type summaryState struct {
	s *SummaryStep
	summariser
	noting
}

// WhyNot says why the step changed nothing on the log (WhyNotter).
func (s *SummaryStep) WhyNot(n Note, sh Shape) string {
	if n.Idle {
		return fmt.Sprintf("history passes trigger %s only within the last %d exchanges (%s); try compact or window:tokens",
			FormatTokens(s.Trigger), s.Keep, Plural(sh.Prompts, "user prompt"))
	}
	return neverPasses("history", FormatTokens(s.Trigger), n.Peak)
}

func (st *summaryState) Apply(p *Plan) {
	v := p.View
	from := max(p.Lo, st.boundary)
	hist := v.History(from, p.Info.Prev+1)
	if st.ver > 0 {
		hist += st.size
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
			st.cut(p, from, nb)
		}
	}
	st.send(p)
}

func init() { Register(summaryKind) }
