package profile

import (
	"errors"

	"github.com/tokenscope/tokenscope/profile/price"
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
	// Its model's encoding is counted while the text is there.
	Needs: func(s Step) Needs { return Needs{Models: []string{s.(*ModelStep).ID}} },
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

func (m *ModelStep) check(t *price.Table) error {
	_, err := t.Find(m.ID)
	return err
}

// start switches the conversation to the model, and to its tokenizer's
// counts when that differs (counted once per conversation and tokenizer).
func (m *ModelStep) Start(v *View) State {
	v.model, _ = v.e.opt.Prices.Lookup(m.ID)
	if v.model != nil {
		if t := v.e.tokenizer(v.model); t != v.pc.tok {
			v.k, v.tok = v.pc.countsFor(t), t
			v.content = v.k.content
		}
	}
	return noState{}
}
