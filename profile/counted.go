package profile

import (
	"strings"
	"sync"
	"time"

	"github.com/tokenscope/tokenscope/profile/strategy"
	"github.com/tokenscope/tokenscope/profile/tokenize"
	"github.com/tokenscope/tokenscope/transcripts"
)

// Counted is a log counted once and kept to be simulated again and again,
// keeping totals only: the advisor (profile/advisor) re-runs a strategy on
// it with a what-if applied (an Edit: a tool removed, a prompt grown) for
// its findings, and runs thousands of candidates on it for tune.
//
// What it holds are the engine's skeletons: counts and structure, not text.
// Runs share them; CountFor counts, before runs start in parallel, what
// they will price calls on, so that the runs only read.
type Counted struct {
	sks []*skeleton
	// fits are each conversation's hidden prefix and calibration as read:
	// an edited conversation keeps them (the edit must not refit them).
	fits []*skeletonFit
	ix   *sourceIndex // the sources of the log as read
	opt  Options      // the prices and model it runs with
	// mu, when the skeletons are a Prepared's, is its lock: counting more
	// encodings into them must not overlap its passes over them (a
	// report writes calls while the findings run).
	mu *sync.Mutex
}

// CountedOf is the counted log that res was run on, when res comes from a
// run (Run, Prepared.Run, Load): nothing is counted again and convs is not
// read. Otherwise (res nil, or made otherwise) convs are counted afresh
// under opt. opt.Strategies is not used.
func CountedOf(convs []*transcripts.Conversation, res *Result, opt Options) (*Counted, error) {
	p := (*Prepared)(nil)
	if res != nil && res.prep != nil && len(res.prep.pcs) == len(res.Conversations) {
		p = res.prep
	} else {
		var err error
		if p, err = Prepare(convs, opt); err != nil {
			return nil, err
		}
	}
	c := &Counted{ix: p.e.sources, opt: Options{Prices: opt.Prices, Model: opt.Model}, mu: &p.mu}
	if c.opt.Prices == nil {
		c.opt.Prices = p.e.opt.Prices
	}
	for _, pc := range p.pcs {
		c.sks = append(c.sks, pc.sk)
		fit := pc.sk.fit
		if fit == nil {
			fit = &skeletonFit{hidden: pc.hidden, scale: pc.info.Calibration}
		}
		c.fits = append(c.fits, fit)
	}
	return c, nil
}

// Run prepares the log afresh and simulates strategies on it, keeping
// every call, as Prepared.Run does (the replay check included).
func (c *Counted) Run(strategies []*strategy.Strategy) (*Result, error) {
	return runSkeletons(c.sks, Options{Prices: c.opt.Prices, Model: c.opt.Model, Strategies: strategies})
}

// Totals simulates strategies on the log, with edit applied when not
// nil, keeping totals only: each conversation is prepared, simulated and
// dropped, so a run takes the memory of one conversation. onCall, when
// set, sees every simulated call with the index of its strategy. Totals
// may run on several goroutines at once after CountFor.
func (c *Counted) Totals(strategies []*strategy.Strategy, edit *Edit, onCall func(strategy int, call *Call)) (*Result, error) {
	skel := func(j int) *skeleton { return c.sks[j] }
	if edit != nil {
		// Each conversation is copied and changed when the run comes to
		// it, keeping the hidden prefix and calibration as read.
		skel = func(j int) *skeleton {
			e := c.sks[j].clone()
			e.fit = c.fits[j]
			edit.apply(e)
			return e
		}
	}
	return runTotals(len(c.sks), skel, c.ix, Options{Prices: c.opt.Prices, Model: c.opt.Model, Strategies: strategies, onCall: onCall})
}

// TotalsCut is Totals (no edit) for a search that needs only some
// strategies in full: after each conversation, cut is asked of each
// strategy still running with its totals so far, and one it answers
// true for is simulated no further; over reports which were (their
// totals stop there, and so may the result's conversations).
func (c *Counted) TotalsCut(strategies []*strategy.Strategy, cut func(strategy int, t *Totals) bool, onCall func(strategy int, call *Call)) (res *Result, over []bool, err error) {
	over = make([]bool, len(strategies))
	res, err = runTotals(len(c.sks), func(j int) *skeleton { return c.sks[j] }, c.ix,
		Options{Prices: c.opt.Prices, Model: c.opt.Model, Strategies: strategies, onCall: onCall, cut: cut, over: over})
	return res, over, err
}

// CountFor counts, where the text is kept, the encodings that strategies
// price calls on, and those of models: runs that share the log in
// parallel then only read its counts.
func (c *Counted) CountFor(strategies []*strategy.Strategy, models []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ensureEncodings(c.sks, strategies, Options{Prices: c.opt.Prices, Model: c.opt.Model}, models)
}

// AppSpec is the one definition of "what the app did" that the report's
// replay check, the findings and tune share: the strategy the engine
// replayed against the bill (res.Fidelity.Spec) when every conversation
// agrees on it; else "cache" when the log reports cache reads or writes
// (the provider cached, so the bill did), else "full". res may be nil.
func (c *Counted) AppSpec(res *Result) string { return appSpecOf(c.sks, res) }

// Models are each conversation's model as the log names it (the most used
// one when the conversation names none; "" when no message does either).
func (c *Counted) Models() []string {
	out := make([]string, len(c.sks))
	for j, sk := range c.sks {
		out[j] = sk.model
		if out[j] == "" {
			out[j] = sk.mostUsedModel()
		}
	}
	return out
}

// CallingConversations counts the conversations that make a call.
func (c *Counted) CallingConversations() int64 {
	var n int64
	for _, sk := range c.sks {
		if sk.calls() > 0 {
			n++
		}
	}
	return n
}

// ToolUse is how a tool schema was used over a log.
type ToolUse struct {
	Name string
	// SentOn is the calls whose request carried the schema (each call's
	// own tool list, Message.Prompt); Used the calls of the tool the
	// conversations made.
	SentOn, Used int
}

// ToolUse lists the tool schemas the log sends, in the order first seen,
// with how often each was sent and called. A tool is sent on the calls
// whose own list has it: one added partway through a conversation is
// sent from there on, one dropped is not sent after.
func (c *Counted) ToolUse() []ToolUse {
	var out []ToolUse
	idx := map[string]int{}
	add := func(name string, calls int) {
		i, ok := idx[name]
		if !ok {
			i = len(out)
			idx[name] = i
			out = append(out, ToolUse{Name: name})
		}
		out[i].SentOn += calls
	}
	for _, sk := range c.sks {
		if sk.prompts == nil {
			calls := sk.calls()
			for _, t := range sk.tools {
				add(t.name, calls)
			}
			continue
		}
		for i := range sk.msgs {
			if !sk.msgs[i].is(codeAssistant) || sk.msgs[i].replayed() {
				continue
			}
			if p := sk.promptAt(int32(i)); p != nil {
				for _, name := range p.tools {
					add(name, 1)
				}
				continue
			}
			for _, t := range sk.tools {
				add(t.name, 1)
			}
		}
	}
	for _, sk := range c.sks {
		for name, n := range sk.toolCalls {
			if i, ok := idx[name]; ok {
				out[i].Used += n
			}
		}
	}
	return out
}

// PrefixChange is what changed, at message i of conversation j, in the
// prefix the call before sent (transcripts.PrefixChange: seen by readers
// that keep each request whole); nil when the log shows none.
func (c *Counted) PrefixChange(j, i int) *transcripts.PrefixChange {
	if j >= len(c.sks) || i >= len(c.sks[j].msgs) {
		return nil
	}
	return c.sks[j].changes[int32(i)]
}

// MessageTime is when message i of conversation j was logged; zero when
// unknown.
func (c *Counted) MessageTime(j, i int) time.Time {
	if j >= len(c.sks) || i >= len(c.sks[j].msgs) {
		return time.Time{}
	}
	return c.sks[j].msgs[i].time()
}

// HistoryTokens counts, as t counts, the non-system messages of
// conversation j before message n, with their framing: the part of a
// history rewritten at n that stayed the same.
func (c *Counted) HistoryTokens(j int, t *tokenize.Tokenizer, n int) int64 {
	if j >= len(c.sks) {
		return 0
	}
	sk := c.sks[j]
	r, _ := sk.rawFor(t.Encoding)
	if r == nil {
		return 0
	}
	var sum int64
	for i := 0; i < n && i < len(sk.msgs); i++ {
		m := &sk.msgs[i]
		if m.is(codeSystem) {
			continue
		}
		sum += t.ScaleRaw(r.Content[i]) + tokenize.TokensPerMessage + t.Count(string(roleCodes[m.role]))
		for _, p := range r.Calls[r.CallOff[i]:r.CallOff[i+1]] {
			sum += t.ScaleRaw(p)
		}
	}
	return sum
}

// Edit is a what-if on a counted log for Counted.Totals: it changes each
// conversation's counts and structure (a copy: the log as read is kept).
type Edit struct{ apply func(sk *skeleton) }

// CountedText is a text counted in every encoding of a log, to add to it.
type CountedText struct{ raw map[string]int32 }

// ToolSchema is a tool schema counted in a log's encodings, to add to it.
type ToolSchema struct {
	Name string
	// Tokens is the schema's tokens as counted by the tokenizer that
	// listed it (ToolSchemas); 0 for one counted by CountTool.
	Tokens int64
	t      toolSkel
}

// encodings are the encodings the log was counted in, with a tokenizer
// of each for counting what an edit adds.
func (c *Counted) encodings() map[string]*tokenize.Tokenizer {
	encs := map[string]*tokenize.Tokenizer{}
	for _, sk := range c.sks {
		rawMu.RLock()
		var have []string
		for enc := range sk.raw {
			have = append(have, enc)
		}
		rawMu.RUnlock()
		for _, enc := range have {
			if _, ok := encs[enc]; !ok {
				t, _ := tokenize.NewTokenizer(enc, 1, false)
				encs[enc] = t
			}
		}
	}
	return encs
}

// CountText counts text in every encoding of the log.
func (c *Counted) CountText(text string) CountedText {
	m := map[string]int32{}
	for enc, rt := range c.encodings() {
		m[enc] = rt.CountRaw(text)
	}
	return CountedText{raw: m}
}

// CountTool counts a tool schema in every encoding of the log.
func (c *Counted) CountTool(tool transcripts.Tool) ToolSchema {
	ts := ToolSchema{Name: tool.Name, t: toolSkel{name: tool.Name, key: -1, raw: map[string]*tokenize.ToolRaw{}}}
	for enc, rt := range c.encodings() {
		ts.t.raw[enc] = tokenize.ToolRawOf(tool, rt)
	}
	return ts
}

// ToolSchemas lists every tool schema of every conversation (repeats
// included), then those its calls' own lists add (each name once, as
// first sent), counted in t's encoding, with its
// tokens as t counts them (tool definitions' closing tokens included).
func (c *Counted) ToolSchemas(t *tokenize.Tokenizer) []ToolSchema {
	var out []ToolSchema
	for _, sk := range c.sks {
		seen := map[string]bool{}
		for _, ts := range sk.tools {
			seen[ts.name] = true
			if tr := ts.rawFor(t.Encoding); tr != nil {
				out = append(out, ToolSchema{Name: ts.name, Tokens: tr.Tokens(t) + tokenize.ToolDefsEnd, t: ts})
			}
		}
		for j := range sk.prompts {
			p := &sk.prompts[j]
			pr := p.rawFor(t.Encoding)
			for i, name := range p.tools {
				if seen[name] || pr == nil || i >= len(pr.Tools) {
					continue
				}
				seen[name] = true
				ts := toolSkel{name: name, key: -1, raw: map[string]*tokenize.ToolRaw{t.Encoding: pr.Tools[i]}}
				out = append(out, ToolSchema{Name: name, Tokens: pr.Tools[i].Tokens(t) + tokenize.ToolDefsEnd, t: ts})
			}
		}
	}
	return out
}

// WithoutTool is the edit that stops sending the tool schema named (on
// every call, also those sent their own tools).
func WithoutTool(name string) *Edit {
	return &Edit{func(sk *skeleton) { sk.dropTool(name) }}
}

// WithTool is the edit that sends one more tool schema on every call.
func WithTool(ts ToolSchema) *Edit {
	return &Edit{func(sk *skeleton) { sk.addTool(ts.t) }}
}

// WithSystemPadding is the edit that adds 1,000 tokens of padding to the
// system prompt: tokenize.SysPad appended to the first message when it is
// a system prompt (counted with the prompt, as the log was counted), or
// else tokenize.Pad(1000) sent as a system prompt of its own.
func (c *Counted) WithSystemPadding() *Edit {
	alone := c.CountText(tokenize.Pad(1000))
	return &Edit{func(sk *skeleton) {
		if len(sk.msgs) > 0 && sk.msgs[0].is(codeSystem) {
			sk.padSystem()
		} else {
			sk.insert(0, []skelMsg{{role: codeSystem}}, []map[string]int32{alone.raw})
		}
	}}
}

// WithExchange is the edit that adds one exchange of history every call
// re-sends, after the leading system messages: a user message of user and
// a replayed reply of reply.
func WithExchange(user, reply CountedText) *Edit {
	return &Edit{func(sk *skeleton) {
		at := 0
		for at < len(sk.msgs) && sk.msgs[at].is(codeSystem) {
			at++
		}
		sk.insert(at, []skelMsg{{role: codeUser}, {role: codeAssistant, flags: flagReplayed}}, []map[string]int32{user.raw, reply.raw})
	}}
}

// basisSpecOf is the strategy that mirrors what the app did: "cache" when
// the log reports cache reads or writes (the provider cached, so the bill
// did), else "full".
func basisSpecOf(sks []*skeleton) string {
	for _, sk := range sks {
		if sk.cacheUsage {
			return "cache"
		}
	}
	return "full"
}

// appSpecOf is the one definition of "what the app did" that the report's
// replay check, the findings and tune share: the strategy the engine
// replays against the bill (res.Fidelity.Spec, see appSpec) when every
// conversation agrees on it, else basisSpecOf. res may be nil.
func appSpecOf(sks []*skeleton, res *Result) string {
	if res != nil && res.Fidelity != nil && res.Fidelity.Spec != "" && !strings.Contains(res.Fidelity.Spec, ", ") {
		return res.Fidelity.Spec
	}
	return basisSpecOf(sks)
}
