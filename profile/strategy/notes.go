package strategy

import (
	"fmt"
	"strings"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts"
)

// Note is what one step of a strategy did over a run, kept so that a
// step that changed nothing can say why.
type Note struct {
	Acted int   // calls the step changed
	Peak  int64 // the largest value the step compared with its trigger or limit
	Idle  bool  // past the trigger with nothing to act on
	Best  int64 // the most an action would have changed, when a floor stopped it
}

func (n *Note) merge(o Note) {
	n.Acted += o.Acted
	n.Peak = max(n.Peak, o.Peak)
	n.Idle = n.Idle || o.Idle
	n.Best = max(n.Best, o.Best)
}

// Noter is a step's State that keeps a note over a conversation.
type Noter interface{ Note() Note }

// noting is the note a step's state keeps (a Noter, embedded).
type noting struct{ note Note }

func (n *noting) Note() Note { return n.note }

// neverPasses says that what (input, history) never passed trigger.
func neverPasses(what, trigger string, peak int64) string {
	return fmt.Sprintf("%s never passes trigger %s (peak %s)", what, trigger, FormatTokens(peak))
}

// WhyNotter is a step that can say in one line why it changed nothing on
// a log of the given shape.
type WhyNotter interface {
	WhyNot(n Note, sh Shape) string
}

// Shape is what notes and the default strategies go by of a log.
type Shape struct {
	Calls, Prompts, ToolCalls int
	MaxExchangeCalls          int   // the most calls one user prompt led to
	Peak                      int64 // the largest input of a call (see ShapeOf)
}

// ShapeOf measures c as prepare splits it: a user message after an
// assistant reply starts an exchange; every assistant message not
// replayed is a call. peak is the largest input a call reported, or,
// without usage, a rough estimate (4 bytes a token) of the largest.
func ShapeOf(c *transcripts.Conversation) Shape {
	var sh Shape
	inEx, lastAsst := 0, true
	var bytes int64
	for i := range c.Messages {
		m := &c.Messages[i]
		switch m.Role {
		case transcripts.RoleUser:
			if lastAsst {
				sh.Prompts++
				inEx = 0
			}
			lastAsst = false
		case transcripts.RoleAssistant:
			lastAsst = true
			if m.Replayed {
				break
			}
			sh.Calls++
			inEx++
			sh.MaxExchangeCalls = max(sh.MaxExchangeCalls, inEx)
			if i > 0 && c.Messages[i-1].Role == transcripts.RoleTool {
				sh.ToolCalls++
			}
			if m.Usage != nil {
				sh.Peak = max(sh.Peak, m.Usage.InputTokens)
			} else {
				sh.Peak = max(sh.Peak, bytes/4)
			}
		}
		bytes += int64(len(m.Content) + len(m.Name))
		for _, tc := range m.ToolCalls {
			bytes += int64(len(tc.Name) + len(tc.Arguments))
		}
	}
	return sh
}

// Add adds the shape of more conversations of the log.
func (sh *Shape) Add(o Shape) {
	sh.Calls += o.Calls
	sh.Prompts += o.Prompts
	sh.ToolCalls += o.ToolCalls
	sh.MaxExchangeCalls = max(sh.MaxExchangeCalls, o.MaxExchangeCalls)
	sh.Peak = max(sh.Peak, o.Peak)
}

// DefaultsFor is the default strategy set for a log: SPEC's set
// (Defaults), or for an agent's log, where exchange-based steps
// cannot bite (see agentic), strategies that can: window:tokens, clear
// and compact with cache, their triggers set from the log's peak input
// (window a quarter of it, clear half, compact three quarters, rounded
// down to thousands).
func DefaultsFor(convs []*transcripts.Conversation) []string {
	var sh Shape
	for _, c := range convs {
		sh.Add(ShapeOf(c))
	}
	return sh.Defaults()
}

// Defaults is DefaultsFor a log of this shape.
func (sh Shape) Defaults() []string {
	if !sh.agentic() {
		return Defaults
	}
	k := func(num int64) int64 { return max(1000, sh.Peak*num/4/1000*1000) }
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
func (sh Shape) agentic() bool {
	return sh.Calls > 0 && sh.ToolCalls*10 >= sh.Calls*3 && sh.MaxExchangeCalls >= 8
}

// Notes says, for each step of s that changed nothing, why (ns: a note a
// step, in stage order).
func (s *Strategy) Notes(ns []Note, sh Shape) string {
	var out []string
	for i, st := range s.Stages() {
		w, ok := st.(WhyNotter)
		if !ok || i >= len(ns) || ns[i].Acted > 0 {
			continue
		}
		if why := w.WhyNot(ns[i], sh); why != "" {
			out = append(out, st.Kind().Name+": "+why)
		}
	}
	return strings.Join(out, "; ")
}

// Plural is "1 call", "2 calls", "1,234 calls".
func Plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return FormatTokens(int64(n)) + " " + word + "s"
}

// FormatTokens renders n with thousands separators.
func FormatTokens(n int64) string { return price.Grouped(n) }
