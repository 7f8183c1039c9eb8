package ui

import (
	"fmt"

	"github.com/tokenscope/tokenscope/profile/strategy"
)

// knob is one adjustable parameter of the strategies in play.
type knob int

const (
	knobWindow knob = iota
	knobTrigger
	knobKeep
	knobSize
	knobCap
)

func (k knob) String() string {
	return [...]string{"window", "summary trigger", "summary keep", "summary size", "cap"}[k]
}

// dial is a number a knob turns in one kind of step: turn changes it by
// dir steps and says its new value.
type dial struct {
	knob knob
	step string // the step's kind
	turn func(s strategy.Step, dir int) string
}

// dials are the knobs' numbers, each knob's in order of preference: a
// strategy's first step that has the knob's number is turned. Agent steps
// share the summary's knobs: trigger, keep and size.
var dials = []dial{
	{knobWindow, "window", func(s strategy.Step, dir int) string {
		w := s.(*strategy.WindowStep)
		if w.Tokens > 0 {
			return fmt.Sprintf("%d tokens", bump(&w.Tokens, dir, 1000, 1000, 0))
		}
		return fmt.Sprintf("%d exchanges", bump(&w.Turns, dir, 1, 0, 0))
	}},
	{knobTrigger, "summary", func(s strategy.Step, dir int) string {
		return fmt.Sprintf("%d tokens", bump(&s.(*strategy.SummaryStep).Trigger, dir, 2000, 1000, 0))
	}},
	{knobTrigger, "clear", func(s strategy.Step, dir int) string {
		return fmt.Sprintf("clear at %d tokens", bump(&s.(*strategy.ClearStep).Trigger, dir, 2000, 1000, 0))
	}},
	{knobTrigger, "compact", func(s strategy.Step, dir int) string {
		c := s.(*strategy.CompactStep)
		if c.Percent != 0 {
			return fmt.Sprintf("compact at %d%% of the window", bump(&c.Percent, dir, 5, 1, 100))
		}
		return fmt.Sprintf("compact at %d tokens", bump(&c.Trigger, dir, 2000, 1000, 0))
	}},
	{knobKeep, "summary", func(s strategy.Step, dir int) string {
		return fmt.Sprintf("%d exchanges", bump(&s.(*strategy.SummaryStep).Keep, dir, 1, 0, 0))
	}},
	{knobKeep, "clear", func(s strategy.Step, dir int) string {
		return fmt.Sprintf("clear keeps %d tool uses", bump(&s.(*strategy.ClearStep).Keep, dir, 1, 0, 0))
	}},
	{knobKeep, "clear-thinking", func(s strategy.Step, dir int) string {
		return fmt.Sprintf("thinking of %d turns", bump(&s.(*strategy.ClearThinkingStep).Keep, dir, 1, 1, 0))
	}},
	{knobSize, "summary", func(s strategy.Step, dir int) string {
		return fmt.Sprintf("%d tokens", bump(&s.(*strategy.SummaryStep).Size, dir, 100, 100, 0))
	}},
	{knobSize, "compact", func(s strategy.Step, dir int) string {
		return fmt.Sprintf("compaction %d tokens", bump(&s.(*strategy.CompactStep).Size, dir, 100, 100, 0))
	}},
	{knobCap, "cap", func(s strategy.Step, dir int) string {
		return fmt.Sprintf("%d tokens", bump(&s.(*strategy.CapStep).Max, dir, 128, 64, 0))
	}},
}

// bump moves *v by dir steps of by, no lower than lo and, when hi > 0, no
// higher than hi, and returns the new value.
func bump[T int | int64](v *T, dir int, by, lo, hi T) T {
	*v = max(lo, *v+T(dir)*by)
	if hi > 0 {
		*v = min(hi, *v)
	}
	return *v
}

// turnKnob changes knob k by dir steps in every strategy that has the
// step, and reports whether any did. Steps: window ±1 exchange (±1,000
// tokens by tokens), trigger ±2,000 tokens (summary, else clear, else
// compact; ±5% for a percentage), keep ±1 (summary exchanges, else clear
// tool uses, else thinking turns), size ±100 tokens (summary, else
// compact), cap ±128 tokens.
func turnKnob(specs []string, k knob, dir int) ([]string, string, bool) {
	out := append([]string(nil), specs...)
	changed := false
	var value string
	for i, spec := range specs {
		s, err := strategy.Parse(spec)
		if err != nil {
			continue
		}
		for _, d := range dials {
			if st := s.Step(d.step); d.knob == k && st != nil {
				value = d.turn(st, dir)
				out[i], changed = s.String(), true
				break
			}
		}
	}
	return out, value, changed
}

// presets are the strategies the add/remove menu offers, built from the
// current knob values so that a new one matches its neighbours.
func presets(specs []string) []string {
	turns, trigger, keep, size, capN := 8, int64(12000), 4, int64(600), int64(512)
	for _, spec := range specs {
		s, err := strategy.Parse(spec)
		if err != nil {
			continue
		}
		if w, ok := s.Step("window").(*strategy.WindowStep); ok && w.Tokens == 0 && w.Turns > 0 {
			turns = w.Turns
		}
		if sum, ok := s.Step("summary").(*strategy.SummaryStep); ok {
			trigger, keep, size = sum.Trigger, sum.Keep, sum.Size
		}
		if c, ok := s.Step("cap").(*strategy.CapStep); ok {
			capN = c.Max
		}
	}
	sum := fmt.Sprintf("summary:trigger=%d,keep=%d,size=%d", trigger, keep, size)
	win := fmt.Sprintf("window:turns=%d", turns)
	return []string{
		"full", "cache", "cache:ttl=1h", win, win + "+cache", "window:tokens=8000", "window:tokens=8000+cache",
		sum, sum + "+cache", fmt.Sprintf("cap:%d", capN), fmt.Sprintf("cap:%d+cache", capN),
		"batch", "batch+cache", win + "+cache+batch", sum + "+cache+batch",
		"clear:trigger=100000,keep=3+cache", "compact:trigger=80%,size=2000+cache", "clear-thinking:keep=1+cache",
	}
}
