package strategy

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tokenscope/tokenscope/profile/price"
)

// RouteStep is route:model=ID,when=RULE: calls that match RULE are priced
// on another model (a router sending easy calls to a cheaper one); the
// rest stay. RULE is input<K or input>K (the call's input tokens), output<K
// or output>K (its reply with reasoning), or tools (calls whose reply is
// only tool calls). Counts stay the conversation's: a router sends the
// same text.
type RouteStep struct {
	Model string
	Rule  string // as written
	field string // "input", "output" or "tools"
	less  bool
	bound int64
}

var routeKind = &StepKind{
	// The model it names must be priced.
	Needs: func(s Step) Needs { return Needs{Priced: named(s.(*RouteStep).Model)} },
	Name:  "route",
	Usage: "route:model=ID,when=input<K|input>K|output<K|output>K|tools",
	Doc:   "calls matching the rule are priced on model ID; the rest stay",
	Stage: StageOutput,
	Order: 150,
	Parse: parseRoute,
}

func parseRoute(args string, hasArgs bool) (Step, error) {
	if !hasArgs {
		return nil, errors.New("route needs model=ID,when=RULE, e.g. route:model=gpt-5-mini,when=input<8k")
	}
	r := &RouteStep{}
	err := eachArg(args, "route", []string{"model", "when"}, func(k, v string) error {
		if k == "model" {
			r.Model = v
		} else if err := r.parseRule(v); err != nil {
			return badArg(k+"="+v, "%v", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if r.Model == "" || r.Rule == "" {
		return nil, errors.New("route needs both model=ID and when=RULE")
	}
	return r, nil
}

func (r *RouteStep) parseRule(rule string) error {
	r.Rule = rule
	if rule == "tools" {
		r.field = "tools"
		return nil
	}
	for _, op := range []string{"<", ">"} {
		if f, v, ok := strings.Cut(rule, op); ok && (f == "input" || f == "output") {
			n, err := parseTokens(v)
			if err != nil || n < 0 {
				return fmt.Errorf("%q is not a token count", v)
			}
			r.field, r.less, r.bound = f, op == "<", n
			return nil
		}
	}
	return fmt.Errorf("rule %q: want input<K, input>K, output<K, output>K or tools", rule)
}

// Kind returns the route kind.
func (*RouteStep) Kind() *StepKind { return routeKind }

func (r *RouteStep) String() string { return "route:model=" + r.Model + ",when=" + r.Rule }

func (r *RouteStep) Start(v *View) State {
	m := v.Env.Lookup(r.Model)
	return routeState{r, m}
}

type routeState struct {
	r *RouteStep
	m *price.Model
}

func (s routeState) Apply(p *Plan) {
	if s.m == nil || !s.matches(p) {
		return
	}
	p.Model = s.m
	p.Call.Model = s.m.ID
	p.Call.Routed = true
}

func (s routeState) matches(p *Plan) bool {
	var n int64
	switch s.r.field {
	case "tools":
		return p.Info.ToolOnly
	case "input":
		n = p.Total
	case "output":
		n = p.Call.Output + p.Call.Reasoning
	}
	if s.r.less {
		return n < s.r.bound
	}
	return n > s.r.bound
}

func init() { Register(routeKind) }
