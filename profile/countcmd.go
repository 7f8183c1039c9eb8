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
	// Total is what the messages come to with the latest system prompt
	// and tools (the next call's input, less Priming).
	Total int64
}

// MessageCount is one message's tokens: its content and the framing
// around it, and the part of the content that is retrieved context.
type MessageCount struct {
	Role                  transcripts.Role
	Content, Framing, RAG int64
	// Input is a call's input (an assistant message), priming included:
	// the system prompt and tools it was sent and the messages before it.
	Input int64
	// Prompt is, on a call that was sent another system prompt or tool
	// list than the call before (transcripts.Message.Prompt), what it and
	// the calls after it were sent; nil elsewhere.
	Prompt *PromptCount
}

// PromptCount is a system prompt and tool list a call was sent.
type PromptCount struct {
	System, SystemFraming int64 // the system messages' content and framing
	ToolDefs              int64
	Tools                 int
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
	prompts := map[int]*PromptCount{}
	for _, kp := range k.Prompts {
		pc := &PromptCount{System: kp.System, SystemFraming: kp.SystemFramed - kp.System, ToolDefs: kp.ToolDefs}
		if sp := sk.promptAt(int32(kp.Msg)); sp != nil {
			pc.Tools = len(sp.tools)
		}
		prompts[kp.Msg] = pc
	}
	// A call sends its prompt (the conversation's own system messages and
	// tools until one changes: then the changed one, as the engine counts
	// it) and the other messages before it.
	var sys, rest int64
	var cur *PromptCount
	prefix := func() int64 {
		if cur != nil {
			return cur.ToolDefs + cur.System + cur.SystemFraming
		}
		return k.ToolDefs + sys
	}
	for i, m := range c.Messages {
		mc := MessageCount{Role: m.Role, Content: k.Content[i], Framing: k.Framing[i], RAG: k.RAG[i]}
		if m.Role == transcripts.RoleAssistant {
			if pc := prompts[i]; pc != nil {
				cur, mc.Prompt = pc, pc
			}
			mc.Input = prefix() + rest + cc.Priming
		}
		if m.Role == transcripts.RoleSystem {
			sys += mc.Content + mc.Framing
		} else {
			rest += mc.Content + mc.Framing
		}
		cc.Messages = append(cc.Messages, mc)
	}
	cc.Total = prefix() + rest
	return cc
}
