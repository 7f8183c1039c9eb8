package profile

import (
	"fmt"
	"runtime"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/profile/tokenize"
	"github.com/tokenscope/tokenscope/transcripts"
)

// ChatCount is `tokenscope count --chat` on one conversation: each
// message's tokens as the model's tokenizer counts them.
type ChatCount struct {
	ID        string       // the conversation
	Model     *price.Model // the model counted as
	Tokenizer string       // its tokenizer's name
	Exact     bool         // false: counts are estimates
	// Note says why the model is not the one asked for or logged ("" when
	// it is).
	Note     string
	ToolDefs int64 // tokens of the tool schemas
	Tools    int
	Messages []MessageCount
	// Priming is the tokens that prime each reply (tokenize.ReplyPriming).
	Priming int64
}

// MessageCount is one message's tokens: its content and the framing
// around it, and the part of the content that is retrieved context.
type MessageCount struct {
	Role                  transcripts.Role
	Content, Framing, RAG int64
}

// ChatCounts counts each conversation of src as model (when not "") or as
// the model its log names, with that model's tokenizer; gpt-4o when
// neither is known.
func ChatCounts(table *price.Table, model string, src *transcripts.Source) ([]ChatCount, error) {
	if model != "" {
		if _, err := table.Find(model); err != nil {
			return nil, err
		}
	}
	var out []ChatCount
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
		out = append(out, chatCount(p, c, note))
	}
	return out, nil
}

func chatCount(p *price.Model, c *transcripts.Conversation, note string) ChatCount {
	t := p.Tokenizer()
	sk := newSkeleton(c)
	sk.countRaw(c, t, runtime.GOMAXPROCS(0))
	k := sk.counts(t)
	cc := ChatCount{ID: c.ID, Model: p, Tokenizer: t.Name(), Exact: t.Exact, Note: note, ToolDefs: k.ToolDefs,
		Tools: len(c.Tools), Priming: tokenize.ReplyPriming}
	for i, m := range c.Messages {
		cc.Messages = append(cc.Messages, MessageCount{Role: m.Role, Content: k.Content[i], Framing: k.Framing[i], RAG: k.RAG[i]})
	}
	return cc
}
