package strategy

// BatchStep prices every call (and summariser call) at the provider's
// batch discount.
type BatchStep struct{}

var batchKind = &StepKind{
	Name:  "batch",
	Usage: "batch",
	Doc:   "batch API prices (asynchronous, typically half price)",
	Stage: StagePrice,
	Order: 90,
	Parse: noArgs("batch", func() Step { return &BatchStep{} }),
}

// Kind returns the batch kind.
func (*BatchStep) Kind() *StepKind { return batchKind }

func (*BatchStep) String() string { return "batch" }

func (b *BatchStep) Start(*View) State { return b }

func (*BatchStep) Apply(p *Plan) { p.Batch = true }

func init() { Register(batchKind) }
