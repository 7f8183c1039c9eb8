package profile

import (
	"fmt"
	"strings"

	"github.com/tokenscope/tokenscope/transcripts"
)

// stepNote is what one step of a strategy did over a run, kept so that a
// step that changed nothing can say why.
type stepNote struct {
	acted int   // calls the step changed
	peak  int64 // the largest value the step compared with its trigger or limit
	idle  bool  // past the trigger with nothing to act on
	best  int64 // the most an action would have changed, when a floor stopped it
}

func (n *stepNote) merge(o stepNote) {
	n.acted += o.acted
	n.peak = max(n.peak, o.peak)
	n.idle = n.idle || o.idle
	n.best = max(n.best, o.best)
}

// noter is a step state that keeps a note.
type noter interface{ stepNote() stepNote }

// whyNotter is a step that can say in one line why it changed nothing on
// a log of the given shape.
type whyNotter interface {
	whyNot(n stepNote, sh logShape) string
}

// logShape is what notes say about a log.
type logShape struct {
	calls, prompts, toolCalls int
	maxExchangeCalls          int   // the most calls one user prompt led to
	peak                      int64 // the largest input of a call (see shapeOf)
}

// shapeOf measures c as prepare splits it: a user message after an
// assistant reply starts an exchange; every assistant message not
// replayed is a call. peak is the largest input a call reported, or,
// without usage, a rough estimate (4 bytes a token) of the largest.
func shapeOf(c *transcripts.Conversation) logShape {
	var sh logShape
	inEx, lastAsst := 0, true
	var bytes int64
	for i := range c.Messages {
		m := &c.Messages[i]
		switch m.Role {
		case transcripts.RoleUser:
			if lastAsst {
				sh.prompts++
				inEx = 0
			}
			lastAsst = false
		case transcripts.RoleAssistant:
			lastAsst = true
			if m.Replayed {
				break
			}
			sh.calls++
			inEx++
			sh.maxExchangeCalls = max(sh.maxExchangeCalls, inEx)
			if i > 0 && c.Messages[i-1].Role == transcripts.RoleTool {
				sh.toolCalls++
			}
			if m.Usage != nil {
				sh.peak = max(sh.peak, m.Usage.InputTokens)
			} else {
				sh.peak = max(sh.peak, bytes/4)
			}
		}
		bytes += int64(len(m.Content) + len(m.Name))
		for _, tc := range m.ToolCalls {
			bytes += int64(len(tc.Name) + len(tc.Arguments))
		}
	}
	return sh
}

func (sh *logShape) add(o logShape) {
	sh.calls += o.calls
	sh.prompts += o.prompts
	sh.toolCalls += o.toolCalls
	sh.maxExchangeCalls = max(sh.maxExchangeCalls, o.maxExchangeCalls)
	sh.peak = max(sh.peak, o.peak)
}

// DefaultStrategiesFor is the default strategy set for a log: SPEC's set
// (DefaultStrategies), or for an agent's log, where exchange-based steps
// cannot bite (see agentic), strategies that can: window:tokens, clear
// and compact with cache, their triggers set from the log's peak input
// (window a quarter of it, clear half, compact three quarters, rounded
// down to thousands).
func DefaultStrategiesFor(convs []*transcripts.Conversation) []string {
	var sh logShape
	for _, c := range convs {
		sh.add(shapeOf(c))
	}
	return sh.defaultStrategies()
}

// defaultStrategies is DefaultStrategiesFor a log of this shape.
func (sh logShape) defaultStrategies() []string {
	if !sh.agentic() {
		return DefaultStrategies
	}
	k := func(num int64) int64 { return max(1000, sh.peak*num/4/1000*1000) }
	return []string{
		"full",
		"cache",
		fmt.Sprintf("window:tokens=%d+cache", k(1)),
		fmt.Sprintf("clear:trigger=%d,keep=3+cache", k(2)),
		fmt.Sprintf("compact:trigger=%d,size=2000+cache", k(3)),
		"cap:512",
		"batch",
	}
}

// agentic reports whether the log is an agent's: at least 30% of calls
// answer tool results and one prompt led to 8 calls or more, so steps that
// cut at prompts keep nearly everything. The demo (a support chat: 21 of
// 41 calls answer tools, at most 4 calls a prompt) is not.
func (sh logShape) agentic() bool {
	return sh.calls > 0 && sh.toolCalls*10 >= sh.calls*3 && sh.maxExchangeCalls >= 8
}

// stepNotes says, for each step of s that changed nothing, why.
func stepNotes(s *Strategy, ns []stepNote, sh logShape) string {
	var out []string
	for i, st := range s.stages() {
		w, ok := st.(whyNotter)
		if !ok || i >= len(ns) || ns[i].acted > 0 {
			continue
		}
		if why := w.whyNot(ns[i], sh); why != "" {
			out = append(out, st.Kind().Name+": "+why)
		}
	}
	return strings.Join(out, "; ")
}

// plural is "1 call", "2 calls", "1,234 calls".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return formatTokens(int64(n)) + " " + word + "s"
}
