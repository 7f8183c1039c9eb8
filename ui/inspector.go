package ui

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/transcripts"
)

// inspectorView describes call index (0-based, over all conversations):
// reported vs counted input, then each message sent before it with its
// role, part and tokens, and for each strategy whether it was kept (·),
// dropped (✗), summarised (S) or capped (C). scroll skips lines from the top.
func inspectorView(res *profile.Result, src *transcripts.Source, index, scroll, w, h int, live bool, st styles) string {
	if res == nil || len(res.Strategies) == 0 || h < 3 {
		return ""
	}
	calls := res.Strategies[0].Calls()
	if index < 0 || index >= len(calls) {
		return ""
	}
	c := calls[index]
	ax := approxMark(res, c.Conversation)
	lines := inspectorHead(res, index, ax, w, live, st)
	tokW := 7 + len([]rune(ax))
	var heads []string
	for i := range res.Strategies {
		heads = append(heads, lipgloss.NewStyle().Foreground(strategyColor(i)).Render(fmt.Sprint(i+1)))
	}
	lines = append(lines, st.dim.Render(fmt.Sprintf("%4s %-9s %-8s %*s  ", "#", "role", "part", tokW, "tokens"))+strings.Join(heads, " ")+st.dim.Render("  text"))
	if conv := findConversation(src, c.Conversation); conv != nil {
		lines = append(lines, inspectorRows(res, conv, index, ax, w, st)...)
	}
	lines = append(lines, st.dim.Render("· kept  ✗ dropped  S summarised  C capped reply"))
	scroll = min(scroll, max(0, len(lines)-h))
	if len(lines) > h {
		// Keep the header, scroll the rest.
		body := lines[3:]
		start := min(scroll, max(0, len(body)-(h-3)))
		lines = append(lines[:3:3], body[start:min(len(body), start+h-3)]...)
	}
	return strings.Join(lines, "\n")
}

// inspectorHead is the inspector's lines about call index as a whole: its
// input, output and cost, what the log reported against what was counted,
// and what the unlogged part is.
func inspectorHead(res *profile.Result, index int, ax string, w int, live bool, st styles) []string {
	calls := res.Strategies[0].Calls()
	c := calls[index]
	var convID string
	if len(res.Conversations) > 1 {
		convID = c.Conversation
	}
	head := joinFit(w, " · ",
		field{fmt.Sprintf("call %d of %d", index+1, len(calls)), 9},
		field{convID, 1},
		field{"input " + ax + formatInt(c.Input.Total()), 7},
		field{fmt.Sprintf("output %s (reasoning %s)", formatInt(c.BilledOutput()), formatInt(c.Reasoning)), 5},
		field{callCost(res, c), 8})
	lines := []string{st.bold.Render(head)}
	if r := c.Reported; r != nil {
		delta := c.CountedInput - r.InputTokens
		gap := ""
		if c.Input.Unlogged > 0 {
			gap = "unlogged " + ax + formatInt(c.Input.Unlogged)
			if live {
				// Live mode wrote every byte it sent: a gap is the
				// server's tokenizer or a prompt it adds.
				gap = liveGap + " " + ax + formatInt(c.Input.Unlogged)
			}
		}
		lines = append(lines, joinFit(w, " · ",
			field{fmt.Sprintf("reported input %s", formatInt(r.InputTokens)), 9},
			field{fmt.Sprintf("cached %s", formatInt(r.CachedInputTokens)), 4},
			field{"counted " + ax + formatInt(c.CountedInput), 8},
			field{"delta " + ax + signedInt(delta), 6},
			field{gap, 7}))
		if l := cacheReplayLine(res, index, r, ax, w); l != "" {
			lines = append(lines, l)
		}
	} else {
		lines = append(lines, st.dim.Render("no reported usage for this call"))
	}
	if c.Input.Unlogged > 0 && !live {
		lines = append(lines, st.dim.Render(truncate(fmt.Sprintf("unlogged %s%s: %s", ax, formatInt(c.Input.Unlogged), unloggedMeans), w)))
	}
	return lines
}

// inspectorRows are the messages of conv sent before call index, one a
// row: its role, part, tokens, each strategy's mark, and its text.
func inspectorRows(res *profile.Result, conv *transcripts.Conversation, index int, ax string, w int, st styles) []string {
	c := res.Strategies[0].Calls()[index]
	tok, tokW := res.Tokenizer, 7+len([]rune(ax))
	lastAssistant := -1
	for i := 0; i < c.Message; i++ {
		if conv.Messages[i].Role == transcripts.RoleAssistant {
			lastAssistant = i
		}
	}
	// capped[s][i]: strategy s cut the reply that message i is.
	capped := make([]map[int]bool, len(res.Strategies))
	atCall := make([]profile.Call, len(res.Strategies))
	for si := range res.Strategies {
		calls := res.Strategies[si].Calls()
		atCall[si] = calls[index]
		capped[si] = map[int]bool{}
		for _, sc := range calls {
			if sc.Conversation == c.Conversation && sc.Truncated {
				capped[si][sc.Message] = true
			}
		}
	}
	var lines []string
	for i := 0; i < c.Message && i < len(conv.Messages); i++ {
		m := conv.Messages[i]
		n := tok.Count(m.Content)
		for _, tc := range m.ToolCalls {
			n += tok.Count(tc.Name) + tok.Count(tc.Arguments)
		}
		var marks []string
		for si := range res.Strategies {
			marks = append(marks, keptMark(atCall[si], capped[si][i], m, i, st))
		}
		row := fmt.Sprintf("%4d %-9s %-8s %*s  %s  ", i+1, m.Role, shortPart(messagePart(m, i, lastAssistant)), tokW, ax+formatInt(n), strings.Join(marks, " "))
		if room := w - lipgloss.Width(row); room > 3 {
			row += st.dim.Render(truncate(oneLine(messageText(m)), room))
		}
		lines = append(lines, row)
	}
	return lines
}

// messagePart is the part a message counts in for a call whose previous
// response is message lastAssistant.
func messagePart(m transcripts.Message, i, lastAssistant int) string {
	switch {
	case m.Role == transcripts.RoleSystem:
		return "system"
	case i <= lastAssistant:
		return "history"
	case m.RAG:
		return "rag"
	case m.Role == transcripts.RoleTool:
		return "tool_results"
	case len(m.RAGSpans) > 0:
		return "user+rag"
	}
	return "user"
}

// keptMark says what strategy call c did with message i.
func keptMark(c profile.Call, capped bool, m transcripts.Message, i int, st styles) string {
	switch {
	case capped && i >= c.KeptFrom:
		return st.warn.Render("C")
	case m.Role == transcripts.RoleSystem:
		return "·"
	case i < c.KeptFrom && c.Summarised:
		return st.warn.Render("S")
	case i < c.KeptFrom:
		return st.bad.Render("✗")
	}
	return "·"
}

// callCost is a call's cost, or "unpriced" when its model has no price.
func callCost(res *profile.Result, c profile.Call) string {
	if c.Unpriced && c.Cost == 0 {
		return "unpriced"
	}
	return c.Cost.String()
}

func findConversation(src *transcripts.Source, id string) *transcripts.Conversation {
	if src == nil {
		return nil
	}
	for _, c := range src.Conversations {
		if c.ID == id {
			return c
		}
	}
	return nil
}

// cacheReplayLine compares, for call index, what the app's caching
// (profile.AppStrategy) simulates with the cache reads and writes the log
// reports; "" when the log reports none or the strategy is not shown.
func cacheReplayLine(res *profile.Result, index int, r *transcripts.Usage, ax string, w int) string {
	if r.CachedInputTokens == 0 && r.CacheWriteTokens == 0 {
		return ""
	}
	for _, s := range res.Strategies {
		if s.Strategy.Spec == profile.AppStrategy {
			c := s.Calls()[index]
			return joinFit(w, " · ",
				field{fmt.Sprintf("%s: read %s%s, write %s%s simulated", profile.AppStrategy, ax, formatInt(c.Cached), ax, formatInt(c.CacheWrite)), 9},
				field{fmt.Sprintf("read %s, write %s reported", formatInt(r.CachedInputTokens), formatInt(r.CacheWriteTokens)), 8})
		}
	}
	return ""
}
