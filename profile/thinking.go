package profile

import (
	"regexp"
	"strconv"

	"github.com/tokenscope/tokenscope/transcripts"
)

// Thinking in history (PROVIDER-RULES §4, A3, A8). Anthropic models keep
// the thinking of the assistant turn in progress (the tool loop since the
// last user prompt) in context; Opus 4.5+ and Sonnet 4.6+ also keep the
// thinking of earlier turns (re-billed as input, ⚠ inferred), older models
// and Haiku drop it. Other providers do not re-send reasoning. What the
// log shows of a thinking block (its text) is what is counted; a log with
// usage already holds it in reported input, so the carried thinking moves
// from the unlogged part into history rather than adding to the call.

var claudeVersion = regexp.MustCompile(`claude-(opus|sonnet|haiku)-(\d+)-(\d+)`)

// keepsAllThinking reports whether m keeps earlier turns' thinking.
func keepsAllThinking(m *ModelPrice) bool {
	if m == nil || m.Provider != "anthropic" {
		return false
	}
	v := claudeVersion.FindStringSubmatch(m.ID)
	if v == nil {
		return false
	}
	major, _ := strconv.Atoi(v[2])
	minor, _ := strconv.Atoi(v[3])
	switch v[1] {
	case "opus":
		return major > 4 || (major == 4 && minor >= 5)
	case "sonnet":
		return major > 4 || (major == 4 && minor >= 6)
	}
	return false
}

// thinkingSums counts the thinking text of each assistant message with the
// view's tokenizer (scaled like its counts) and sums it; nil when the
// conversation shows none.
func (v *convView) thinkingSums() []int64 {
	msgs := v.pc.conv.Messages
	var pt []int64
	for i := range msgs {
		if msgs[i].Role == transcripts.RoleAssistant && msgs[i].Reasoning != "" {
			pt = make([]int64, len(msgs)+1)
			break
		}
	}
	if pt == nil {
		return nil
	}
	for i := range msgs {
		pt[i+1] = pt[i]
		if msgs[i].Role == transcripts.RoleAssistant && msgs[i].Reasoning != "" {
			n := v.tok.Count(msgs[i].Reasoning)
			if v.k.scale != 1 && v.k.scale != 0 {
				n = int64(float64(n)*v.k.scale + 0.5)
			}
			pt[i+1] += n
		}
	}
	return pt
}

// thinkFrom is the first message whose thinking a call to model m carries
// by default: none (the call itself) for providers that drop it, the
// current exchange's start for Anthropic, the start for models that keep
// every turn's.
func (v *convView) thinkFrom(ci *callInfo, m *ModelPrice) int {
	switch {
	case v.think == nil || m == nil || m.Provider != "anthropic":
		return ci.msg
	case keepsAllThinking(m):
		return 0
	}
	return v.pc.exchanges[ci.exchange]
}

// thinking is the thinking carried in messages [from, to) when thinking
// is carried from message tf on.
func (v *convView) thinking(from, to, tf int) int64 {
	if v.think == nil {
		return 0
	}
	from = max(from, tf)
	if to <= from {
		return 0
	}
	return v.think[to] - v.think[from]
}
