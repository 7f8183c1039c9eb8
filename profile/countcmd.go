package profile

import (
	"fmt"
	"io"
	"runtime"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/profile/tokenize"
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
	_, err := fmt.Fprintf(w, "%s%d tokens · %s · %s · %d bytes\n", mark, n, p.ID, t.Name(), len(text))
	return err
}

// WriteChatCount writes each message's tokens and each call's input. Each
// conversation is counted as model (when not "") or as the model its log
// names, with that model's tokenizer; gpt-4o when neither is known. Counts
// of estimated tokenizers are marked ≈.
func WriteChatCount(w io.Writer, table *price.Table, model string, src *transcripts.Source) error {
	if model != "" {
		if _, err := table.Find(model); err != nil {
			return err
		}
	}
	for _, c := range src.Conversations {
		id, note := model, ""
		if id == "" {
			id = c.Model
		}
		if id == "" {
			id = mostUsedModel(c)
		}
		p, ok := table.Lookup(id)
		if !ok {
			if id != "" {
				note = fmt.Sprintf(" (%s is not in the price table: counted as gpt-4o)", id)
			} else {
				note = " (the log names no model: counted as gpt-4o; pass --model)"
			}
			p, _ = table.Lookup("gpt-4o")
		}
		writeChatCount(w, p, c, note)
	}
	return nil
}

func writeChatCount(w io.Writer, p *price.Model, c *transcripts.Conversation, note string) {
	t := p.Tokenizer()
	mark := ""
	if !t.Exact {
		mark = "≈"
	}
	sk := newSkeleton(c)
	sk.countRaw(c, t, runtime.GOMAXPROCS(0))
	k := sk.counts(t)
	fmt.Fprintf(w, "%s · %s · %s%s\n", c.ID, p.ID, t.Name(), note)
	if k.toolDefs > 0 {
		fmt.Fprintf(w, "       tool_defs %s%d (%d tools)\n", mark, k.toolDefs, len(c.Tools))
	}
	var input int64 = k.toolDefs
	call := 0
	for i, m := range c.Messages {
		if m.Role == transcripts.RoleAssistant {
			call++
			fmt.Fprintf(w, "call %d: input %s%d (with %d priming)\n", call, mark, input+tokenize.ReplyPriming, tokenize.ReplyPriming)
		}
		fmt.Fprintf(w, "  %4d %-9s %s%d + %d framing", i+1, m.Role, mark, k.content[i], k.framing[i])
		if k.rag[i] > 0 {
			fmt.Fprintf(w, " (rag %d)", k.rag[i])
		}
		fmt.Fprintln(w)
		input += k.content[i] + k.framing[i]
	}
	fmt.Fprintf(w, "total: %s%d tokens in %d messages; next call's input %s%d\n", mark, input, len(c.Messages), mark, input+tokenize.ReplyPriming)
}
