package ui

import (
	"fmt"

	"github.com/tokenscope/tokenscope/profile"
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

// turnKnob changes knob k by dir steps in every strategy that has the
// step, and reports whether any did. Steps: window ±1 exchange, trigger
// ±2,000 tokens, keep ±1 exchange, size ±100 tokens, cap ±128 tokens.
func turnKnob(specs []string, k knob, dir int) ([]string, string, bool) {
	out := make([]string, len(specs))
	changed := false
	var value string
	for i, spec := range specs {
		out[i] = spec
		s, err := profile.ParseStrategy(spec)
		if err != nil {
			continue
		}
		w, _ := s.Step("window").(*profile.WindowStep)
		sum, _ := s.Step("summary").(*profile.SummaryStep)
		capStep, _ := s.Step("cap").(*profile.CapStep)
		switch {
		case k == knobWindow && w != nil && w.Tokens == 0:
			w.Turns = max(0, w.Turns+dir)
			value = fmt.Sprintf("%d exchanges", w.Turns)
		case k == knobWindow && w != nil:
			w.Tokens = max(1000, w.Tokens+int64(dir)*1000)
			value = fmt.Sprintf("%d tokens", w.Tokens)
		case k == knobTrigger && sum != nil:
			sum.Trigger = max(1000, sum.Trigger+int64(dir)*2000)
			value = fmt.Sprintf("%d tokens", sum.Trigger)
		case k == knobKeep && sum != nil:
			sum.Keep = max(0, sum.Keep+dir)
			value = fmt.Sprintf("%d exchanges", sum.Keep)
		case k == knobSize && sum != nil:
			sum.Size = max(100, sum.Size+int64(dir)*100)
			value = fmt.Sprintf("%d tokens", sum.Size)
		case k == knobCap && capStep != nil:
			capStep.Max = max(64, capStep.Max+int64(dir)*128)
			value = fmt.Sprintf("%d tokens", capStep.Max)
		default:
			continue
		}
		out[i] = s.String()
		changed = true
	}
	return out, value, changed
}

// presets are the strategies the add/remove menu offers, built from the
// current knob values so that a new one matches its neighbours.
func presets(specs []string) []string {
	turns, trigger, keep, size, capN := 8, int64(12000), 4, int64(600), int64(512)
	for _, spec := range specs {
		s, err := profile.ParseStrategy(spec)
		if err != nil {
			continue
		}
		if w, ok := s.Step("window").(*profile.WindowStep); ok && w.Tokens == 0 && w.Turns > 0 {
			turns = w.Turns
		}
		if sum, ok := s.Step("summary").(*profile.SummaryStep); ok {
			trigger, keep, size = sum.Trigger, sum.Keep, sum.Size
		}
		if c, ok := s.Step("cap").(*profile.CapStep); ok {
			capN = c.Max
		}
	}
	sum := fmt.Sprintf("summary:trigger=%d,keep=%d,size=%d", trigger, keep, size)
	win := fmt.Sprintf("window:turns=%d", turns)
	return []string{
		"full", "cache", "cache:ttl=1h", win, win + "+cache", "window:tokens=8000", "window:tokens=8000+cache",
		sum, sum + "+cache", fmt.Sprintf("cap:%d", capN), fmt.Sprintf("cap:%d+cache", capN),
		"batch", "batch+cache", win + "+cache+batch", sum + "+cache+batch",
	}
}
