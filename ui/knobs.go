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

// turnKnob changes knob k by dir steps in every strategy that has the
// step, and reports whether any did. Steps: window ±1 exchange (±1,000
// tokens by tokens), trigger ±2,000 tokens (summary, else clear, else
// compact; ±5% for a percentage), keep ±1 (summary exchanges, else clear
// tool uses, else thinking turns), size ±100 tokens (summary, else
// compact), cap ±128 tokens.
func turnKnob(specs []string, k knob, dir int) ([]string, string, bool) {
	out := make([]string, len(specs))
	changed := false
	var value string
	for i, spec := range specs {
		out[i] = spec
		s, err := strategy.Parse(spec)
		if err != nil {
			continue
		}
		w, _ := s.Step("window").(*strategy.WindowStep)
		sum, _ := s.Step("summary").(*strategy.SummaryStep)
		capStep, _ := s.Step("cap").(*strategy.CapStep)
		clr, _ := s.Step("clear").(*strategy.ClearStep)
		cmp, _ := s.Step("compact").(*strategy.CompactStep)
		ct, _ := s.Step("clear-thinking").(*strategy.ClearThinkingStep)
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
		// Agent steps share the summary's keys: trigger, keep and size.
		case k == knobTrigger && clr != nil:
			clr.Trigger = max(1000, clr.Trigger+int64(dir)*2000)
			value = fmt.Sprintf("clear at %d tokens", clr.Trigger)
		case k == knobTrigger && cmp != nil && cmp.Percent == 0:
			cmp.Trigger = max(1000, cmp.Trigger+int64(dir)*2000)
			value = fmt.Sprintf("compact at %d tokens", cmp.Trigger)
		case k == knobTrigger && cmp != nil:
			cmp.Percent = min(100, max(1, cmp.Percent+dir*5))
			value = fmt.Sprintf("compact at %d%% of the window", cmp.Percent)
		case k == knobKeep && clr != nil:
			clr.Keep = max(0, clr.Keep+dir)
			value = fmt.Sprintf("clear keeps %d tool uses", clr.Keep)
		case k == knobKeep && ct != nil:
			ct.Keep = max(1, ct.Keep+dir)
			value = fmt.Sprintf("thinking of %d turns", ct.Keep)
		case k == knobSize && cmp != nil:
			cmp.Size = max(100, cmp.Size+int64(dir)*100)
			value = fmt.Sprintf("compaction %d tokens", cmp.Size)
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
