package strategy

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The levers people quote with effect sizes, as steps whose parameter is
// the assumed effect: a compressed system prompt, concise output, less
// reasoning, retrieval filtered to what the query needs. Each scales only
// the part it names, and what later calls carry of it.

// ScaleStep is system:scale=F, output:scale=F or reasoning:scale=F.
type ScaleStep struct {
	Part   string  // "system", "output" or "reasoning"
	Factor float64 // 0 < F ≤ 1 shrinks; above 1 grows
}

// RAGKeepStep is rag:keep=P%: retrieved context filtered to P percent.
type RAGKeepStep struct {
	Pct float64 // 0–100
}

var (
	systemScaleKind = &StepKind{Name: "system", Usage: "system:scale=F",
		Doc:   "a system prompt F times as long (compressed: \"halve it first\"); where the log holds no system prompt, the unlogged prefix",
		Stage: StageCounts, Order: 110, Parse: scaleParser("system")}
	outputScaleKind = &StepKind{Name: "output", Usage: "output:scale=F",
		Doc:   "replies F times as long (asking for concise output is reported to cut 57–59%); history carries the shorter replies",
		Stage: StageCounts, Order: 120, Parse: scaleParser("output")}
	reasoningScaleKind = &StepKind{Name: "reasoning", Usage: "reasoning:scale=F",
		Doc:   "reasoning F times as long (lower effort, or no reasoning model)",
		Stage: StageOutput, Order: 130, Parse: scaleParser("reasoning")}
	ragKeepKind = &StepKind{Name: "rag", Usage: "rag:keep=P%",
		Doc:   "retrieved context filtered to P% of its tokens (50–80% cuts are typical)",
		Stage: StageCounts, Order: 140, Parse: parseRAGKeep}
)

func scaleParser(part string) func(string, bool) (Step, error) {
	return func(args string, hasArgs bool) (Step, error) {
		if !hasArgs {
			return nil, fmt.Errorf("%s needs scale=F, e.g. %s:scale=0.5", part, part)
		}
		s := &ScaleStep{Part: part, Factor: 1}
		err := eachArg(args, part, []string{"scale"}, func(k, v string) error {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f < 0 || f > 10 {
				return badArg(k+"="+v, "scale must be a number from 0 to 10")
			}
			s.Factor = f
			return nil
		})
		return s, err
	}
}

func parseRAGKeep(args string, hasArgs bool) (Step, error) {
	if !hasArgs {
		return nil, errors.New("rag needs keep=P%, e.g. rag:keep=40%")
	}
	s := &RAGKeepStep{Pct: 100}
	err := eachArg(args, "rag", []string{"keep"}, func(k, v string) error {
		p, err := strconv.ParseFloat(strings.TrimSuffix(v, "%"), 64)
		if err != nil || p < 0 || p > 100 {
			return badArg(k+"="+v, "keep must be a percentage from 0%% to 100%%")
		}
		s.Pct = p
		return nil
	})
	return s, err
}

// Kind returns the step's kind.
func (s *ScaleStep) Kind() *StepKind {
	switch s.Part {
	case "system":
		return systemScaleKind
	case "output":
		return outputScaleKind
	}
	return reasoningScaleKind
}

func (s *ScaleStep) String() string {
	return s.Part + ":scale=" + strconv.FormatFloat(s.Factor, 'f', -1, 64)
}

func (s *ScaleStep) Start(v *View) State {
	switch s.Part {
	case "system":
		hasSystem := false
		content := make([]int64, len(v.Content))
		copy(content, v.Content)
		for i := range content {
			if v.Conv.Roles[i] == System {
				content[i] = scaled(content[i], s.Factor)
				hasSystem = true
			}
		}
		v.Content = content
		v.SysScale = s.Factor // and the system prompts calls were sent in place of the logged one
		if !hasSystem {
			// The system prompt is not in the log: it is in the
			// unlogged prefix (Claude Code, agent CLIs).
			return unloggedScale{s.Factor}
		}
	case "output":
		// Shorter replies: billed output and what history carries.
		content := make([]int64, len(v.Content))
		copy(content, v.Content)
		for _, ci := range v.Conv.Calls {
			content[ci.Msg] = scaled(content[ci.Msg], s.Factor)
		}
		v.Content = content
		return outputScale{s.Factor}
	case "reasoning":
		return reasoningScale{s.Factor}
	}
	return noState{}
}

type unloggedScale struct{ f float64 }

// apply runs before the call is laid out: the layout reads the unlogged
// part from the plan.
func (u unloggedScale) Apply(p *Plan) { p.Unlogged = scaled(p.Unlogged, u.f) }

type outputScale struct{ f float64 }

func (o outputScale) Apply(p *Plan) { p.OutputScale = o.f }

type reasoningScale struct{ f float64 }

func (r reasoningScale) Apply(p *Plan) { p.Call.Reasoning = scaled(p.Call.Reasoning, r.f) }

// Kind returns the rag kind.
func (*RAGKeepStep) Kind() *StepKind { return ragKeepKind }

func (s *RAGKeepStep) String() string {
	return "rag:keep=" + strconv.FormatFloat(s.Pct, 'f', -1, 64) + "%"
}

// start drops the filtered share of every message's retrieved context
// from what is sent and carried.
func (s *RAGKeepStep) Start(v *View) State {
	k, old := v.Counts, v.Counts
	k.Content = make([]int64, len(old.Content))
	k.RAG = make([]int64, len(old.RAG))
	content := make([]int64, len(v.Content))
	for i := range k.Content {
		cut := old.RAG[i] - scaled(old.RAG[i], s.Pct/100)
		k.RAG[i] = old.RAG[i] - cut
		k.Content[i] = old.Content[i] - cut
		content[i] = max(0, v.Content[i]-cut)
	}
	v.Counts, v.Content = k, content
	return noState{}
}

func init() { Register(systemScaleKind, outputScaleKind, reasoningScaleKind, ragKeepKind) }
