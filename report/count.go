package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/report/rows"
	"github.com/tokenscope/tokenscope/transcripts"
)

// WriteCount writes the token count of text for model p.
func WriteCount(w io.Writer, p *price.Model, text string) error {
	t := p.Tokenizer()
	n := t.Count(text)
	mark := ""
	if !t.Exact {
		mark = "≈"
	}
	_, err := fmt.Fprintf(w, "%s%d tokens · %s · %s · %d bytes\n", mark, n, rows.Clean(p.ID), t.Name(), len(text))
	return err
}

// WriteChatCount writes each message's tokens and each call's input (see
// profile.ChatCounts). Counts of estimated tokenizers are marked ≈; ids
// and model names from the log are cleaned (rows.Clean).
func WriteChatCount(w io.Writer, counts []profile.ChatCount) error {
	var b strings.Builder
	for _, c := range counts {
		mark := ""
		if !c.Exact {
			mark = "≈"
		}
		fmt.Fprintf(&b, "%s · %s · %s%s\n", c.ID, c.Model.ID, c.Tokenizer, c.Note)
		if c.ToolDefs > 0 {
			fmt.Fprintf(&b, "       tool_defs %s%d (%d tools)\n", mark, c.ToolDefs, c.Tools)
		}
		call := 0
		for i, m := range c.Messages {
			if m.Role == transcripts.RoleAssistant {
				call++
				if p := m.Prompt; p != nil {
					// The call was sent another system prompt or tool list:
					// its input counts that one.
					fmt.Fprintf(&b, "call %d's prompt changed: system %s%d + %d framing, tool_defs %s%d (%d tools)\n",
						call, mark, p.System, p.SystemFraming, mark, p.ToolDefs, p.Tools)
				}
				fmt.Fprintf(&b, "call %d: input %s%d (with %d priming)\n", call, mark, m.Input, c.Priming)
			}
			fmt.Fprintf(&b, "  %4d %-9s %s%d + %d framing", i+1, m.Role, mark, m.Content, m.Framing)
			if m.RAG > 0 {
				fmt.Fprintf(&b, " (rag %d)", m.RAG)
			}
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "total: %s%d tokens in %d messages; next call's input %s%d\n", mark, c.Total, len(c.Messages), mark, c.Total+c.Priming)
	}
	_, err := io.WriteString(w, rows.CleanText(b.String()))
	return err
}
