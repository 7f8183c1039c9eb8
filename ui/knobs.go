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
		switch {
		case k == knobWindow && s.WindowTurns != 0:
			n := max(s.WindowTurns, 0) + dir
			if n <= 0 {
				s.WindowTurns = -1
			} else {
				s.WindowTurns = n
			}
			value = fmt.Sprintf("%d exchanges", max(s.WindowTurns, 0))
		case k == knobWindow && s.WindowTokens > 0:
			s.WindowTokens = max(1000, s.WindowTokens+int64(dir)*1000)
			value = fmt.Sprintf("%d tokens", s.WindowTokens)
		case k == knobTrigger && s.Summary != nil:
			s.Summary.Trigger = max(1000, s.Summary.Trigger+int64(dir)*2000)
			value = fmt.Sprintf("%d tokens", s.Summary.Trigger)
		case k == knobKeep && s.Summary != nil:
			s.Summary.Keep = max(0, s.Summary.Keep+dir)
			value = fmt.Sprintf("%d exchanges", s.Summary.Keep)
		case k == knobSize && s.Summary != nil:
			s.Summary.Size = max(100, s.Summary.Size+int64(dir)*100)
			value = fmt.Sprintf("%d tokens", s.Summary.Size)
		case k == knobCap && s.Cap > 0:
			s.Cap = max(64, s.Cap+int64(dir)*128)
			value = fmt.Sprintf("%d tokens", s.Cap)
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
		if s.WindowTurns > 0 {
			turns = s.WindowTurns
		}
		if s.Summary != nil {
			trigger, keep, size = s.Summary.Trigger, s.Summary.Keep, s.Summary.Size
		}
		if s.Cap > 0 {
			capN = s.Cap
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
