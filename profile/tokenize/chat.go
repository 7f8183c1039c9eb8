package tokenize

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/tokenscope/tokenscope/transcripts"
)

// ImageTokens is the default estimate for one image: a 1024×1024 image at
// high detail on gpt-4o (85 base + 4 tiles × 170). Logs do not keep image
// sizes, so it cannot be exact; price rows set their provider's figure
// (image_tokens in prices.yaml).
const ImageTokens = 765

// Chat framing per OpenAI's cookbook (How_to_count_tokens_with_tiktoken):
// every message costs 3 tokens plus its role, a name costs 1 more plus its
// text, and every reply is primed with 3.
const (
	TokensPerMessage = 3
	TokensPerName    = 1
	ReplyPriming     = 3
)

// ToolRaw is a tool schema's count in one encoding before a factor: the
// fixed tokens of the cookbook's rule and the counted pieces.
type ToolRaw struct {
	Fixed  int64
	Pieces []int32
}

// Raw are a conversation's counts in one encoding before a
// tokenizer's factor.
type Raw struct {
	Content []int32 // per message: its text
	// Calls are each tool call's name and arguments in order; message i's
	// are Calls[CallOff[i]:CallOff[i+1]].
	Calls   []int32
	CallOff []int32
	// Reasoning is per message the thinking shown (nil: none shows any).
	Reasoning []int32
	Names     map[int32]int32   // framed names, by message
	RAG       map[int32][]int32 // retrieved spans, by message
	// SysPadded is the first message, when it is a system prompt, with
	// SysPad appended: the marginal-price finding's edit, counted while
	// the text is here.
	SysPadded int32
}

// SysPad is what the marginal-price finding appends to a system prompt:
// 1,000 tokens, so that caching's granularity does not round the answer.
var SysPad = "\n" + Pad(1000)

// Pad is text of n tokens in the embedded encodings ("x x x …").
func Pad(n int) string {
	return strings.TrimSpace(strings.Repeat("x ", n))
}

// CountRaw is the count of s in t's encoding before t's factor, as the
// raw counts keep it.
func (t *Tokenizer) CountRaw(s string) int32 {
	n := t.base.count(s, t.memos)
	if n > math.MaxInt32 {
		n = math.MaxInt32
	}
	return int32(n)
}

// Text are the raw counts of a conversation's text in one encoding,
// made before its skeleton (on Stream's counting goroutines).
type Text struct {
	Enc   string
	Raw   *Raw
	Tools []*ToolRaw
	// Prompts are the counts of each transcripts.Message.Prompt, in
	// message order (nil when no call changed what it was sent).
	Prompts []*PromptRaw
}

// PromptRaw are the raw counts of what a call sent before its messages
// (transcripts.Prompt): each system message's text and each tool schema.
// Prompts equal to the one before share its counts.
type PromptRaw struct {
	System []int32
	Tools  []*ToolRaw
}

// CountText counts c's texts in t's encoding, on up to workers goroutines.
func CountText(c *transcripts.Conversation, t *Tokenizer, workers int) *Text {
	enc := t.Encoding
	n := len(c.Messages)
	r := &Raw{Content: make([]int32, n), CallOff: make([]int32, n+1)}
	for i := range c.Messages {
		r.CallOff[i+1] = r.CallOff[i] + 2*int32(len(c.Messages[i].ToolCalls))
	}
	r.Calls = make([]int32, r.CallOff[n])
	var mu sync.Mutex
	count := func(lo, hi int) {
		for i := lo; i < hi; i++ {
			m := &c.Messages[i]
			r.Content[i] = t.CountRaw(m.Content)
			at := r.CallOff[i]
			for _, tc := range m.ToolCalls {
				r.Calls[at], r.Calls[at+1] = t.CountRaw(tc.Name), t.CountRaw(tc.Arguments)
				at += 2
			}
			if Named(m) {
				k := t.CountRaw(m.Name)
				mu.Lock()
				if r.Names == nil {
					r.Names = map[int32]int32{}
				}
				r.Names[int32(i)] = k
				mu.Unlock()
			}
			if !m.RAG && len(m.RAGSpans) > 0 {
				spans := make([]int32, len(m.RAGSpans))
				for j, s := range m.RAGSpans {
					spans[j] = t.CountRaw(s)
				}
				mu.Lock()
				if r.RAG == nil {
					r.RAG = map[int32][]int32{}
				}
				r.RAG[int32(i)] = spans
				mu.Unlock()
			}
		}
	}
	if workers < 2 || n < 64 {
		count(0, n)
	} else {
		var wg sync.WaitGroup
		var next atomic.Int64
		const chunk = 16
		for range workers {
			wg.Go(func() {
				for {
					lo := int(next.Add(chunk)) - chunk
					if lo >= n {
						return
					}
					count(lo, min(lo+chunk, n))
				}
			})
		}
		wg.Wait()
	}
	for i := range c.Messages {
		if m := &c.Messages[i]; m.Role == transcripts.RoleAssistant && m.Reasoning != "" {
			if r.Reasoning == nil {
				r.Reasoning = make([]int32, n)
			}
			r.Reasoning[i] = t.CountRaw(m.Reasoning)
		}
	}
	if n > 0 && c.Messages[0].Role == transcripts.RoleSystem {
		r.SysPadded = t.CountRaw(c.Messages[0].Content + SysPad)
	}
	k := &Text{Enc: enc, Raw: r, Tools: make([]*ToolRaw, len(c.Tools))}
	for i, tool := range c.Tools {
		k.Tools[i] = ToolRawOf(tool, t)
	}
	k.Prompts = countPrompts(c, t, k.Tools)
	return k
}

// countPrompts counts the prompts calls of c were sent where they changed
// (transcripts.Message.Prompt). A system prompt or tool list equal to the
// previous prompt's (or the conversation's tools) shares its counts: a
// timestamp in the system prompt changes the system text on every call,
// not the tools.
func countPrompts(c *transcripts.Conversation, t *Tokenizer, tools []*ToolRaw) []*PromptRaw {
	var out []*PromptRaw
	var prev *transcripts.Prompt
	for i := range c.Messages {
		p := c.Messages[i].Prompt()
		if p == nil {
			continue
		}
		pr := &PromptRaw{}
		switch {
		case prev != nil && slices.Equal(prev.System, p.System):
			pr.System = out[len(out)-1].System
		default:
			pr.System = make([]int32, len(p.System))
			for j, s := range p.System {
				pr.System[j] = t.CountRaw(s)
			}
		}
		switch {
		case prev != nil && sameTools(prev.Tools, p.Tools):
			pr.Tools = out[len(out)-1].Tools
		case sameTools(c.Tools, p.Tools):
			pr.Tools = tools
		default:
			pr.Tools = make([]*ToolRaw, len(p.Tools))
			for j, tool := range p.Tools {
				pr.Tools[j] = ToolRawOf(tool, t)
			}
		}
		out = append(out, pr)
		prev = p
	}
	return out
}

// sameTools says whether two tool lists are the same schemas in the same
// order.
func sameTools(a, b []transcripts.Tool) bool {
	return slices.EqualFunc(a, b, func(x, y transcripts.Tool) bool {
		return x.Name == y.Name && x.Description == y.Description && bytes.Equal(x.Parameters, y.Parameters)
	})
}

// ToolRawOf is ToolDefTokens' rule for one tool (per function 7 tokens,
// 10 on cl100k, plus "name:description"; with properties 3 more, and per
// property 3 plus "name:type:description"; an enum −3 once, then 3 plus
// the value per value), the counted pieces kept apart so that any factor
// applies to each as Count would.
func ToolRawOf(tool transcripts.Tool, t *Tokenizer) *ToolRaw {
	tr := &ToolRaw{Fixed: 7}
	if t.Encoding == CL100kBase {
		tr.Fixed = 10
	}
	tr.Pieces = append(tr.Pieces, t.CountRaw(tool.Name+":"+strings.TrimSuffix(tool.Description, ".")))
	var schema struct {
		Properties map[string]struct {
			Type        any    `json:"type"`
			Description string `json:"description"`
			Enum        []any  `json:"enum"`
		} `json:"properties"`
	}
	if len(tool.Parameters) > 0 && json.Unmarshal(tool.Parameters, &schema) == nil && len(schema.Properties) > 0 {
		tr.Fixed += 3
		names := make([]string, 0, len(schema.Properties))
		for name := range schema.Properties {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			p := schema.Properties[name]
			tr.Fixed += 3
			if len(p.Enum) > 0 {
				tr.Fixed -= 3
				for _, v := range p.Enum {
					tr.Fixed += 3
					tr.Pieces = append(tr.Pieces, t.CountRaw(jsonText(v)))
				}
			}
			tr.Pieces = append(tr.Pieces, t.CountRaw(name+":"+jsonText(p.Type)+":"+strings.TrimSuffix(p.Description, ".")))
		}
	} else if len(tool.Parameters) > 0 && json.Unmarshal(tool.Parameters, &schema) != nil {
		tr.Pieces = append(tr.Pieces, t.CountRaw(string(tool.Parameters)))
	}
	return tr
}

// ScaleRaw is what Tokenizer.Count returns for a text of n raw tokens.
func (t *Tokenizer) ScaleRaw(n int32) int64 {
	if t.Factor == 1 || t.Factor == 0 {
		return int64(n)
	}
	return int64(math.Round(float64(n) * t.Factor))
}

// ToolDefTokens counts tool (function) schemas the way OpenAI's cookbook
// does: per function 7 tokens (10 on cl100k models) plus "name:description";
// with properties 3 more, and per property 3 plus "name:type:description";
// an enum −3 once, then 3 plus the value per value; 12 after all functions.
// It is an approximation of how the API renders schemas, documented as such.
func ToolDefTokens(tools []transcripts.Tool, t *Tokenizer) int64 {
	if len(tools) == 0 {
		return 0
	}
	var n int64
	for _, tool := range tools {
		n += ToolRawOf(tool, t).Tokens(t)
	}
	return n + ToolDefsEnd
}

// ToolDefsEnd is what the tool schemas of a call cost after the last one.
const ToolDefsEnd = 12

// Tokens is the schema's count in t: its fixed tokens plus its pieces.
func (tr *ToolRaw) Tokens(t *Tokenizer) int64 {
	n := tr.Fixed
	for _, p := range tr.Pieces {
		n += t.ScaleRaw(p)
	}
	return n
}

// MessageContent is message i's content in t from r, counted in t's
// encoding: its text, each tool call's name and arguments, and images
// estimated at t's PerImage each.
func (r *Raw) MessageContent(i int, t *Tokenizer, images int64) int64 {
	c := t.ScaleRaw(r.Content[i])
	for _, p := range r.Calls[r.CallOff[i]:r.CallOff[i+1]] {
		c += t.ScaleRaw(p)
	}
	return c + images*t.PerImage()
}

// Framing is the chat format's overhead of message i (TokensPerMessage
// plus its role, counted as role tokens; a framed name costs
// TokensPerName plus its text).
func (r *Raw) Framing(i int, t *Tokenizer, role int64, named bool) int64 {
	f := TokensPerMessage + role
	if named {
		f += TokensPerName + t.ScaleRaw(r.Names[int32(i)])
	}
	return f
}

// Named says whether m's name is framed (a tool result's name is not).
func Named(m *transcripts.Message) bool { return m.Name != "" && m.Role != transcripts.RoleTool }

// CallInput counts the input of one call that sends msgs with tools to a
// model tokenized by t: tool schemas, every message with its chat framing,
// and the reply priming, by the same raw counts and rules as the engine
// counts a call with its whole history.
func CallInput(msgs []transcripts.Message, tools []transcripts.Tool, t *Tokenizer) int64 {
	c := &transcripts.Conversation{Messages: msgs, Tools: tools}
	x := CountText(c, t, 1)
	n := int64(ReplyPriming)
	if len(x.Tools) > 0 {
		n += ToolDefsEnd
		for _, tr := range x.Tools {
			n += tr.Tokens(t)
		}
	}
	for i := range msgs {
		m := &msgs[i]
		n += x.Raw.MessageContent(i, t, int64(m.Images)) + x.Raw.Framing(i, t, t.Count(string(m.Role)), Named(m))
	}
	return n
}

func jsonText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}
