package strategy

import (
	"errors"
)

// ModelStep is model=ID: every call is priced, and counted, on another
// model.
type ModelStep struct {
	ID string
}

var modelKind = &StepKind{
	Name:  "model",
	Usage: "model=ID",
	Doc:   "price (and count) every call on model ID",
	Stage: StageCounts,
	Order: 100,
	// Its model's encoding is counted while the text is there.
	Needs: func(s Step) Needs {
		ids := []string{s.(*ModelStep).ID}
		return Needs{Models: ids, Priced: ids}
	},
	Parse: func(args string, _ bool) (Step, error) {
		if args == "" {
			return nil, errors.New("model= needs a model id")
		}
		return &ModelStep{ID: args}, nil
	},
}

// Kind returns the model kind.
func (*ModelStep) Kind() *StepKind { return modelKind }

func (m *ModelStep) String() string { return "model=" + m.ID }

// start switches the conversation to the model, and to its tokenizer's
// counts when that differs (counted once per conversation and tokenizer).
func (m *ModelStep) Start(v *View) State {
	v.Model = v.Env.Lookup(m.ID)
	if v.Model != nil {
		if t := v.Env.Tokenizer(v.Model); t != v.Conv.Tok {
			v.Counts, v.Tok = v.Env.Counts(t), t
			v.Content = v.Counts.Content
		}
	}
	return noState{}
}

func init() { Register(modelKind) }
