package profile

import (
	"fmt"
	"strings"
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
	maxExchangeCalls          int // the most calls one user prompt led to
}

func (sh *logShape) add(pc *prepared) {
	sh.calls += len(pc.calls)
	perEx := map[int]int{}
	for i := range pc.calls {
		ci := &pc.calls[i]
		if pc.answersTools(ci) {
			sh.toolCalls++
		}
		perEx[ci.exchange]++
		sh.maxExchangeCalls = max(sh.maxExchangeCalls, perEx[ci.exchange])
	}
	for _, start := range pc.exchanges {
		if start < len(pc.conv.Messages) && pc.conv.Messages[start].Role == "user" {
			sh.prompts++
		}
	}
}

// agentic reports whether the log is an agent's: most calls answer tool
// results and one prompt leads to many calls, so exchange-based steps
// keep everything. The demo (a support chat with a few tool calls per
// question: 21 of 41 calls answer tools, at most 4 calls a prompt) is not.
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

// plural is "1 call", "2 calls".
func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
