package strategy

import (
	"sort"
	"time"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/profile/tokenize"
	"github.com/tokenscope/tokenscope/transcripts"
)

// Conv is one conversation as the engine prepared it (profile's prepare):
// split into calls, exchanges and units, counted and priced. The engine
// fills it once; steps read it and never change it (they change their
// View).
type Conv struct {
	Calls     []CallInfo // one per simulated call, in order
	Exchanges []int      // message index where each exchange starts
	Units     []int      // message index where each unit (exchange, tool round) starts
	Uses      []ToolUse  // the tool results, in order
	Roles     []Role     // each message's role
	Tok       *tokenize.Tokenizer
	Model     *price.Model // priced on (--model, else the logged one); nil: unpriced
	// LogTTL is the cache TTL the log's writes show, in seconds (0: none
	// shown).
	LogTTL int64
	// WritesBilled says the log reports cache writes on a model whose
	// caching is automatic (writes free): the app asked for explicit
	// caching, which bills them (OpenAI's prompt_cache_options mode
	// explicit, GPT-5.6+: writes 1.25× input, PROVIDER-RULES §1 O1, O3).
	WritesBilled bool
	// Shared is the leading part of every call's input that other
	// conversations of the same source send too; Warm says the log's
	// first call found it cached.
	Shared int64
	Warm   bool
	// ServedBy is the provider whose best-effort cache the log shows
	// serving ServedNum/ServedDen of the cacheable prefix (ServedDen 0:
	// not measured).
	ServedBy             string
	ServedNum, ServedDen int64
	// Changes are where the log shows a call's request prefix changed,
	// by message.
	Changes map[int32]*transcripts.PrefixChange
}

// Role is a message's role, in a byte.
type Role uint8

// The roles.
const (
	System Role = iota
	User
	Assistant
	Tool
)

// CallInfo is what the engine knows of one call before a strategy acts:
// where it is in the conversation, what the log reports of it and how it
// was billed.
type CallInfo struct {
	Msg       int          // index of the assistant message (the reply)
	Prev      int          // index of the previous assistant message, -1 if none
	Exchange  int          // index into Conv.Exchanges of the call's exchange
	Unit      int          // index into Conv.Units of the unit holding the message before the call
	Model     *price.Model // priced on (--model, else the logged one)
	ModelID   string
	Logged    *price.Model // billed on, for reported cost
	At        time.Time    // when the request was sent, zero when unknown
	Reported  *transcripts.Usage
	ToolOnly  bool  // the reply only calls tools
	Reasoning int64 // billed reasoning tokens of the reply
	// HiddenOutput is reported output beyond the visible reply and the
	// reasoning, billed with the output (negative when the log reports
	// less than the reply holds).
	HiddenOutput int64
	Unlogged     int64 // the conversation's hidden prefix
	// Residual is reported input − (counted + hidden prefix): estimation
	// error of this call, 0 without usage.
	Residual int64
	// BreakAt is where the log shows the app's cached prefix broke on
	// this call (its cache read, in tokens), -1 when it did not.
	BreakAt int64
	Counted int64 // full input as counted
	RepCost price.Money
}

// ToolUse is one tool result and the call it answers.
type ToolUse struct {
	Res  int    // the tool message
	Call int    // the assistant message that made the call (-1 when not found)
	Arg  int    // index of the call in that message's ToolCalls
	Name string // the tool's name
}

// Counts are the token counts of one conversation in one tokenizer. Each
// message is counted once; strategies only add these numbers up.
type Counts struct {
	Content  []int64 // per message: text, tool calls and images
	RAG      []int64 // per message: the part of Content that is retrieved context
	Framing  []int64 // per message: chat-format overhead
	ToolDefs int64
	Scale    float64 // calibration applied (1 when none)
	// Think sums the thinking text shown in assistant messages: Think[i]
	// is messages [0, i); nil when the conversation shows none.
	Think []int64
	// Prompts are the system prompts and tool schemas of the calls that
	// were sent other ones than the conversation's (the log shows them
	// changing along it), in message order; nil when every call was sent
	// the conversation's own (its system messages and ToolDefs).
	Prompts []Prompt
}

// Prompt is what the calls from message Msg on (until the next Prompt)
// send before their messages: the system messages, without and with their
// framing, and the tool schemas. SysID and ToolsID identify the system
// messages and the tools for the cache: 0 is the conversation's own,
// equal ids are the same text.
type Prompt struct {
	Msg                            int
	System, SystemFramed, ToolDefs int64
	SysID, ToolsID                 int
}

// PromptAt is the prompt call message a was sent, nil when it was sent
// the conversation's own.
func (k *Counts) PromptAt(a int) *Prompt {
	if k.Prompts == nil || a < k.Prompts[0].Msg {
		return nil
	}
	j := sort.Search(len(k.Prompts), func(j int) bool { return k.Prompts[j].Msg > a }) - 1
	return &k.Prompts[j]
}

// Thinking is the thinking carried in messages [from, to) when it is
// carried from message tf on.
func (k *Counts) Thinking(from, to, tf int) int64 {
	if k.Think == nil {
		return 0
	}
	from = max(from, tf)
	if to <= from {
		return 0
	}
	return k.Think[to] - k.Think[from]
}

// Env is what the engine does for a step beyond the conversation's
// counts: the run's price table and tokenizers, state kept across the
// conversations of a run, the source's cache, and the text.
type Env interface {
	// Lookup finds a model in the run's price table (nil: not there).
	Lookup(id string) *price.Model
	// Tokenizer is the tokenizer m counts with, and Counts the
	// conversation counted with t (once per conversation and tokenizer).
	Tokenizer(m *price.Model) *tokenize.Tokenizer
	Counts(t *tokenize.Tokenizer) Counts
	// Shared is state step keeps across the conversations of a run (a
	// response cache): made by init the first time.
	Shared(step Step, init func() any) any
	// Warm says another conversation of the source sent the shared
	// prefix in the ttl seconds up to at (unix seconds).
	Warm(at, ttl int64) bool
	// HistoryWarm says another conversation of the source sent, in the
	// ttl seconds up to at, the history before message msg of this one
	// (an assistant message): tools, system and messages, as text.
	HistoryWarm(msg int, at, ttl int64) bool
	// ArgsRaw is the raw count in encoding of the arguments of tool call
	// arg of message msg.
	ArgsRaw(encoding string, msg, arg int) int32
	// Text is the conversation's messages, nil when the text was not
	// kept (Needs.Text keeps it).
	Text() []transcripts.Message
}

// View is one conversation as a strategy's steps see it: the prepared
// conversation, the counts of the tokenizer it is priced with, what
// history carries of each message, and prefix sums over that. Steps that
// start early (the counts stage) may change it for later ones.
type View struct {
	Conv   *Conv
	Env    Env
	Counts Counts
	Tok    *tokenize.Tokenizer // Counts' tokenizer
	Model  *price.Model        // every call's model when set (the model= step)
	// Content is each message as later calls carry it in their history
	// (the cap shortens replies).
	Content []int64

	// Prefix sums over non-system messages (content, framing) and over
	// system messages (content + framing, content).
	pc0, pf, ps, psc []int64
	// nextThink[i] is the first message from i that shows thinking.
	nextThink []int
	// SysScale scales the system prompts of calls that were sent their
	// own (Counts.Prompts) as Content scales the logged one (0: 1).
	SysScale float64
}

// Prompt is what call message a sends before its messages: the system
// messages (content; with their framing) and the tool schemas, with their
// cache identities (0: the conversation's own). Most logs send the
// conversation's own on every call: the prefix sums answer.
func (v *View) Prompt(a int) (sys, sysFramed, tools int64, sysID, toolsID int) {
	p := v.Counts.PromptAt(a)
	if p == nil {
		return v.psc[a], v.ps[a], v.Counts.ToolDefs, 0, 0
	}
	sys, sysFramed = p.System, p.SystemFramed
	if v.SysScale != 0 {
		sys = scaled(p.System, v.SysScale)
		sysFramed += sys - p.System
	}
	return sys, sysFramed, p.ToolDefs, p.SysID, p.ToolsID
}

// NewView is the view of c counted with tok, for the engine: steps see
// it from Start on.
func NewView(c *Conv, env Env, k Counts, tok *tokenize.Tokenizer) *View {
	return &View{Conv: c, Env: env, Counts: k, Tok: tok, Content: k.Content}
}

// sums makes the prefix sums once the steps have started, in buf's array
// when it is large enough (the next conversation reuses it: tune
// simulates thousands of strategy×conversation pairs, and the sums were
// most of what they allocated).
func (v *View) sums(buf []int64) []int64 {
	n := len(v.Conv.Roles)
	if cap(buf) < 4*(n+1) {
		buf = make([]int64, 4*(n+1))
	}
	buf = buf[:4*(n+1)]
	v.pc0, v.pf, v.ps, v.psc = buf[:n+1:n+1], buf[n+1:2*(n+1):2*(n+1)], buf[2*(n+1):3*(n+1):3*(n+1)], buf[3*(n+1):]
	v.pc0[0], v.pf[0], v.ps[0], v.psc[0] = 0, 0, 0, 0
	for i := range n {
		v.pc0[i+1], v.pf[i+1], v.ps[i+1], v.psc[i+1] = v.pc0[i], v.pf[i], v.ps[i], v.psc[i]
		if v.Conv.Roles[i] == System {
			v.ps[i+1] += v.Content[i] + v.Counts.Framing[i]
			v.psc[i+1] += v.Content[i]
		} else {
			v.pc0[i+1] += v.Content[i]
			v.pf[i+1] += v.Counts.Framing[i]
		}
	}
	v.nextThink = nil
	if think := v.Counts.Think; think != nil {
		v.nextThink = make([]int, n+1)
		v.nextThink[n] = n
		for i := n - 1; i >= 0; i-- {
			v.nextThink[i] = v.nextThink[i+1]
			if think[i+1] > think[i] {
				v.nextThink[i] = i
			}
		}
	}
	return buf
}

// Sent is the content and framing of the non-system messages [lo, hi)
// as history carries them.
func (v *View) Sent(lo, hi int) int64 {
	return v.pc0[hi] - v.pc0[lo] + v.pf[hi] - v.pf[lo]
}

// History is the content of the non-system messages [lo, hi) as history
// carries them, without framing.
func (v *View) History(lo, hi int) int64 { return v.pc0[hi] - v.pc0[lo] }

// Thinking is the thinking carried in messages [from, to) when it is
// carried from message tf on.
func (v *View) Thinking(from, to, tf int) int64 { return v.Counts.Thinking(from, to, tf) }
