package strategy

// FullStep sends the whole history every call, priced as logged: the
// basis the other strategies are compared with.
type FullStep struct{}

var fullKind = &StepKind{
	Name:  "full",
	Usage: "full",
	Doc:   "the whole history every call, no caching: the basis",
	Stage: StageHistory,
	Order: 10,
	Parse: noArgs("full", func() Step { return &FullStep{} }),
}

// Kind returns the full kind.
func (*FullStep) Kind() *StepKind { return fullKind }

func (*FullStep) String() string { return "full" }

func (*FullStep) Start(*View) State { return noState{} }

// noState is the state of a step that acts only when it starts.
type noState struct{}

func (noState) Apply(*Plan) {}

func init() { Register(fullKind) }
