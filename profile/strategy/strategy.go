// Package strategy is what a cost-cutting strategy is: a spec parsed into
// steps (one file each, step_*.go), and the API a step acts through, like
// an analysis.Pass: it starts on a View of one prepared conversation and
// shapes each call's Plan. The engine (package profile) prepares the
// conversations, runs a Sim for each strategy on each and sums the calls.
//
// To add a step: one file with a *StepKind (name, usage, doc, stage,
// order, parser, what it needs, tune range), the step type (Kind, String,
// Start), its State (Apply), and an init that registers the kind.
package strategy

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Strategy is one parsed strategy spec: a "+"-joined list of steps applied
// to the same conversation.
type Strategy struct {
	Spec string
	// Steps in the order they render; they act in the order of their
	// kinds' stages (see StepKind), history steps in the order given.
	Steps []Step

	// Shortcuts to common steps, set by Parse; read them, but
	// change a step through Step (then String renders the new spec).
	Summary  *SummaryStep  // the summary step, nil when absent
	CacheTTL time.Duration // the cache step's TTL; 0 when absent or following the log
	Batch    bool          // a batch step is present
	Model    string        // the model= step's id, "" when absent
}

// Step is one parsed step of a strategy, like an analysis.Analyzer's
// pass: its kind says how it parses, when it acts and what it needs; Start
// makes its state for one conversation, whose Apply shapes each call's
// Plan. A step reads its View and the Plan's exported fields and methods
// only: it could live in another package.
type Step interface {
	Kind() *StepKind
	// String renders the step as it parses.
	String() string
	// Start begins the step on one conversation. Steps start in stage
	// order, so a step may adjust the view (counts, model) for later ones.
	Start(v *View) State
}

// State is a step at work on one conversation: Apply is called once per
// call, in stage order, on the plan of that call.
type State interface {
	Apply(p *Plan)
}

// Stage orders the steps of a strategy: every step of an earlier stage
// acts on a call before any of a later one.
type Stage int

// The stages, in the order they act.
const (
	StageCounts  Stage = iota // which model and counts the conversation is priced with
	StageHistory              // which messages are sent and what replaces the rest
	StageOutput               // how the reply is billed
	StagePrice                // how the call is priced (cache, batch)
)

// StepKind describes one kind of step, like an analysis.Analyzer: its
// name, its documentation and how its arguments parse. The kinds are
// listed in kinds.
type StepKind struct {
	Name  string // as written in a spec: "window"
	Usage string // the syntax: "window:turns=N | window:tokens=K"
	Doc   string // one line: what the step models
	Stage Stage
	// Order places the kind among the others: where its steps render in
	// a spec (history steps keep the order given), where help lists it,
	// when tune tries it. Lower first; the kinds here are 10 apart.
	Order int
	// Parse reads the arguments after "name:" (args == "" and hasArgs
	// false when there are none). Errors are argError or plain errors.
	Parse func(args string, hasArgs bool) (Step, error)
	// Needs, when set, says what a step of the kind needs of the load
	// beyond the log's counts (nil: nothing).
	Needs func(Step) Needs
	// Tune, when set, is the range tune searches of the kind: the specs
	// of its steps worth trying on a log whose largest call sends peak
	// tokens (0: not known).
	Tune func(peak int64) []string
}

// below says whether a trigger or size of t tokens can act on a log whose
// largest call sends peak tokens (0: not known).
func below(t, peak int64) bool { return peak == 0 || t < peak }

// grid is the specs format gives with each trigger that can act (below)
// and every combination of the other values, triggers outermost: the
// range tune tries of a step with a trigger.
func grid(format string, peak int64, triggers []int64, rest ...[]int) []string {
	var out []string
	args := make([]any, 1+len(rest))
	var fill func(i int)
	fill = func(i int) {
		if i == len(rest) {
			out = append(out, fmt.Sprintf(format, args...))
			return
		}
		for _, x := range rest[i] {
			args[i+1] = x
			fill(i + 1)
		}
	}
	for _, t := range triggers {
		if below(t, peak) {
			args[0] = t
			fill(0)
		}
	}
	return out
}

// Needs is what a step needs of the load beyond the log's counts in its
// own model's encoding: declared by its kind, so that Load and the engine
// find it without knowing the step.
type Needs struct {
	// Text keeps the conversations' text while strategies run (a step
	// that reads it: the response cache).
	Text bool
	// Models are price-table ids whose encodings are counted while the
	// text is there (a step that prices calls on another model).
	Models []string
	// Priced are price-table ids the step prices calls on: each must be
	// in the table.
	Priced []string
}

// named is id as a list of the ids named: none when id is "".
func named(id string) []string {
	if id == "" {
		return nil
	}
	return []string{id}
}

// Needs is what the steps of s need, together.
func (s *Strategy) Needs() Needs {
	var n Needs
	for _, st := range s.Steps {
		if k := st.Kind(); k.Needs != nil {
			x := k.Needs(st)
			n.Text = n.Text || x.Text
			n.Models = append(n.Models, x.Models...)
			n.Priced = append(n.Priced, x.Priced...)
		}
	}
	return n
}

// kinds is the registry of step kinds, in Order: each step's file
// registers its kind (Register).
var kinds []*StepKind

// Register adds step kinds to the registry Parse, Help and tune read, in
// their Order. A step's file registers its kind from its init, as an input
// format does in transcripts; a step in another package may too.
func Register(ks ...*StepKind) {
	for _, k := range ks {
		if kindNamed(k.Name) != nil {
			panic("strategy: step kind " + k.Name + " registered twice")
		}
		i, _ := slices.BinarySearchFunc(kinds, k.Order, func(a *StepKind, o int) int { return cmp.Compare(a.Order, o) })
		kinds = slices.Insert(kinds, i, k)
	}
}

// Kinds are the step kinds, in the order a strategy renders them.
func Kinds() []*StepKind { return kinds }

// Help is the syntax of every step kind, for help texts.
func Help() string {
	var b []string
	for _, k := range kinds {
		b = append(b, k.Usage)
	}
	return strings.Join(b, ", ")
}

// Defaults is the set used when no --strategy is given (SPEC).
var Defaults = []string{
	"full",
	"cache",
	"window:turns=8",
	"window:turns=8+cache",
	"summary:trigger=12000,keep=4,size=600+cache",
	"cap:512",
	"batch",
}

// SpecError is a strategy spec that does not parse.
type SpecError struct {
	Spec, Token, Msg string
}

func (e *SpecError) Error() string {
	return fmt.Sprintf("strategy %q: %s: %s", e.Spec, e.Token, e.Msg)
}

// argError is a parse error about one argument of a step.
type argError struct{ token, msg string }

func (e *argError) Error() string { return e.token + ": " + e.msg }

func badArg(token, format string, a ...any) error {
	return &argError{token: token, msg: fmt.Sprintf(format, a...)}
}

func kindNamed(name string) *StepKind {
	for _, k := range kinds {
		if k.Name == name {
			return k
		}
	}
	return nil
}

// ParseAll parses specs, or SPEC's default set when specs is
// empty (DefaultsFor picks the set that suits a log).
func ParseAll(specs []string) ([]*Strategy, error) {
	if len(specs) == 0 {
		specs = Defaults
	}
	var out []*Strategy
	for _, s := range specs {
		st, err := Parse(s)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// Parse parses a strategy spec such as "window:turns=8+cache".
func Parse(spec string) (*Strategy, error) {
	s := &Strategy{Spec: strings.TrimSpace(spec)}
	if s.Spec == "" {
		return nil, &SpecError{Spec: spec, Token: "(empty)", Msg: "want one or more of " + Help() + " joined with +"}
	}
	seen := map[string]bool{}
	for _, step := range strings.Split(s.Spec, "+") {
		step = strings.TrimSpace(step)
		name, args, hasArgs := strings.Cut(step, ":")
		if strings.HasPrefix(step, "model=") {
			name, args, hasArgs = "model", strings.TrimPrefix(step, "model="), true
		}
		if seen[name] {
			return nil, &SpecError{Spec: s.Spec, Token: step, Msg: fmt.Sprintf("step %q given twice", name)}
		}
		seen[name] = true
		kind := kindNamed(name)
		if kind == nil {
			return nil, &SpecError{Spec: s.Spec, Token: step, Msg: fmt.Sprintf("unknown step %q (known: %s)", name, Help())}
		}
		st, err := kind.Parse(args, hasArgs)
		if err != nil {
			if ae, ok := err.(*argError); ok {
				return nil, &SpecError{Spec: s.Spec, Token: ae.token, Msg: ae.msg}
			}
			return nil, &SpecError{Spec: s.Spec, Token: step, Msg: err.Error()}
		}
		s.Steps = append(s.Steps, st)
	}
	if seen["full"] && len(seen) > 1 {
		return nil, &SpecError{Spec: s.Spec, Token: "full", Msg: "full cannot be combined with other steps (it is the absence of them)"}
	}
	if seen["summary"] && seen["compact"] {
		return nil, &SpecError{Spec: s.Spec, Token: "compact", Msg: "summary and compact cannot be combined: both replace history by a summary"}
	}
	s.sortSteps()
	s.shortcuts()
	return s, nil
}

// sortSteps puts the steps in rendering order: history steps first, in
// the order given (their order matters), then the others by kind.
func (s *Strategy) sortSteps() {
	rank := func(st Step) int {
		if st.Kind().Stage == StageHistory {
			return 0
		}
		return st.Kind().Order
	}
	slices.SortStableFunc(s.Steps, func(a, b Step) int { return rank(a) - rank(b) })
}

func (s *Strategy) shortcuts() {
	s.Summary, s.CacheTTL, s.Model = nil, 0, ""
	s.Summary, _ = s.Step(summaryKind.Name).(*SummaryStep)
	if c, ok := s.Step(cacheKind.Name).(*CacheStep); ok {
		s.CacheTTL = c.TTL
	}
	s.Batch = s.Step(batchKind.Name) != nil
	if m, ok := s.Step(modelKind.Name).(*ModelStep); ok {
		s.Model = m.ID
	}
}

// Step returns the strategy's step of the named kind, nil when it has
// none. The UI turns knobs by changing the step's fields, then renders
// the spec with String.
func (s *Strategy) Step(kind string) Step {
	for _, st := range s.Steps {
		if st.Kind().Name == kind {
			return st
		}
	}
	return nil
}

// String renders s canonically: history steps in the order given, then
// cap, cache, batch, model, joined with "+". Parse(s.String())
// gives s back.
func (s *Strategy) String() string {
	var steps []string
	for _, st := range s.Steps {
		if st.Kind() == fullKind {
			continue
		}
		steps = append(steps, st.String())
	}
	if len(steps) == 0 {
		return "full"
	}
	return strings.Join(steps, "+")
}

// Stages returns the steps in the order they act: by stage, and within a
// stage in rendering order.
func (s *Strategy) Stages() []Step {
	out := slices.Clone(s.Steps)
	slices.SortStableFunc(out, func(a, b Step) int { return int(a.Kind().Stage) - int(b.Kind().Stage) })
	return out
}

func parseArgs(args string) (map[string]string, error) {
	kv := map[string]string{}
	if args == "" {
		return kv, fmt.Errorf("missing key=value arguments")
	}
	for _, part := range strings.Split(args, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("%q is not key=value", part)
		}
		if _, dup := kv[k]; dup {
			return nil, fmt.Errorf("key %q given twice", k)
		}
		kv[k] = v
	}
	return kv, nil
}

// eachArg calls fn with each key=value of args, in key order, after
// checking that the key is one the step allows: the loop the steps'
// parsers share. The first bad argument reported does not depend on map
// order.
func eachArg(args, step string, allowed []string, fn func(k, v string) error) error {
	kv, err := parseArgs(args)
	if err != nil {
		return err
	}
	for _, k := range sortedKeys(kv) {
		v := kv[k]
		if !slices.Contains(allowed, k) {
			return badArg(k+"="+v, "unknown %s key %q (allowed: %s)", step, k, strings.Join(allowed, ", "))
		}
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return nil
}

// sortedKeys returns kv's keys in order, so that the first bad argument
// reported does not depend on map order.
func sortedKeys(kv map[string]string) []string {
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// positiveTokens reads argument k=v, a token count > 0.
func positiveTokens(k, v string) (int64, error) {
	n, err := parseTokens(v)
	if err != nil || n <= 0 {
		return 0, badArg(k+"="+v, "%s must be a token count > 0", k)
	}
	return n, nil
}

// wholeNumber reads argument k=v, a whole number ≥ 0 of what.
func wholeNumber(k, v, what string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, badArg(k+"="+v, "%s must be a whole number of %s ≥ 0", k, what)
	}
	return n, nil
}

// noArgs parses a step that takes no arguments.
func noArgs(name string, step func() Step) func(string, bool) (Step, error) {
	return func(_ string, hasArgs bool) (Step, error) {
		if hasArgs {
			return nil, errors.New(name + " takes no arguments")
		}
		return step(), nil
	}
}

// parseTokens reads a token count: 12000, 12k, 1.5M.
// maxSpecTokens bounds the token counts a strategy spec may give (window
// sizes, summary sizes, caps): no call is larger, and sums of them stay far
// from overflow.
const maxSpecTokens = 1_000_000_000

func parseTokens(s string) (int64, error) {
	s = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), "_", ""))
	mult := 1.0
	switch {
	case strings.HasSuffix(s, "k"):
		mult, s = 1e3, strings.TrimSuffix(s, "k")
	case strings.HasSuffix(s, "m"):
		mult, s = 1e6, strings.TrimSuffix(s, "m")
	}
	if mult == 1 {
		n, err := strconv.ParseInt(s, 10, 64)
		if err == nil && (n < 0 || n > maxSpecTokens) {
			return 0, fmt.Errorf("%d is not a token count from 0 to %d", n, int64(maxSpecTokens))
		}
		return n, err
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, err
	}
	if f < 0 || f*mult > maxSpecTokens || f != f {
		return 0, fmt.Errorf("%s is not a token count from 0 to %d", s, int64(maxSpecTokens))
	}
	return int64(f*mult + 0.5), nil
}
