package profile

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tokenscope/tokenscope/transcripts"
)

// skeleton is a conversation as the engine keeps it once counted: its
// structure (roles, times, models, usage, which result answers which tool
// call) and the token count of every text, not the text. A directory is
// read, counted and dropped one file at a time (Stream), so memory holds
// skeletons, a few dozen bytes a message, whatever the size of the text.
//
// Counts are kept raw, per encoding, one figure per text the chat format
// counts apart (the content, each tool call's name and arguments, each
// tool schema's pieces); every tokenizer on that encoding (an estimate's
// factor, an image size) derives its counts from them exactly, as
// countConversation would from the text.
type skeleton struct {
	id, path, model string
	unlogged, batch bool
	msgs            []skelMsg
	models          []string // skelMsg.model indexes it; "" is 0
	names           []string // skelMsg.name indexes it; "" is 0
	tags            map[int32]map[string]string
	images          map[int32]int32                     // by message, where some
	changes         map[int32]*transcripts.PrefixChange // by message, where the log shows one
	// cacheUsage says some message reports cache reads or writes
	// (BasisSpec).
	cacheUsage bool
	tools      []toolSkel
	raw        map[string]*rawCounts // by encoding
	shape      logShape
	// prefixHash identifies the text of what every call sends first (tool
	// schemas, leading system messages) for the source key (sources.go).
	prefixHash uint64
	// toolCalls counts the tool calls the conversation made, by name.
	toolCalls map[string]int
	// fit, when set, is the hidden prefix and calibration of the log as
	// read: an edit (a finding's re-run, a what-if) keeps them.
	fit *skeletonFit
	// fits are the fits prepare made, by options and tokenizers (fitFor).
	fits map[string]*skeletonFit
	// conv is the text, when kept (the TUI, a what-if, or a step that
	// reads text: the response cache); nil once dropped.
	conv *transcripts.Conversation
}

type skeletonFit struct {
	hidden int64
	scale  float64
}

// Message flags.
const (
	flagReplayed = 1 << iota
	flagNoReply
	flagToolOnly // an assistant message that calls tools and says nothing
	flagRAG      // the whole message is retrieved context
	flagName     // a framed participant name
	flagCalls    // an assistant message with tool calls
)

// skelMsg is one message of a skeleton, in 32 bytes: what few messages
// have (images, a prefix change) is in the skeleton's maps.
type skelMsg struct {
	role  uint8 // roleCode
	flags uint8
	model uint16 // into skeleton.models
	name  int32  // into skeleton.names: the tool's name on a tool result
	call  int32  // a tool result: the assistant message answered (-1: none)
	arg   int32  // a tool result: the call's index in that message (-1: none)
	at    int64  // unix nanoseconds; 0 when unknown
	// usage is the reported usage of a call (nil on a replayed response:
	// its call is another file's).
	usage *transcripts.Usage
}

var roleCodes = []transcripts.Role{transcripts.RoleSystem, transcripts.RoleUser, transcripts.RoleAssistant, transcripts.RoleTool}

func roleCode(r transcripts.Role) uint8 {
	for i, x := range roleCodes {
		if x == r {
			return uint8(i)
		}
	}
	return 1 // validated by the readers: not reached
}

const (
	codeSystem = iota
	codeUser
	codeAssistant
	codeTool
)

func (m *skelMsg) is(code uint8) bool { return m.role == code }
func (m *skelMsg) replayed() bool     { return m.flags&flagReplayed != 0 }

func (m *skelMsg) time() time.Time {
	if m.at == 0 {
		return time.Time{}
	}
	return time.Unix(0, m.at).UTC()
}

// toolSkel is one tool schema: its name and its counts by encoding.
type toolSkel struct {
	name string
	raw  map[string]*toolRaw
}

// toolRaw is a tool schema's count in one encoding before a factor: the
// fixed tokens of the cookbook's rule and the counted pieces.
type toolRaw struct {
	fixed  int64
	pieces []int32
}

// rawCounts are a conversation's counts in one encoding before a
// tokenizer's factor.
type rawCounts struct {
	content []int32 // per message: its text
	// calls are each tool call's name and arguments in order; message i's
	// are calls[callOff[i]:callOff[i+1]].
	calls   []int32
	callOff []int32
	// reasoning is per message the thinking shown (nil: none shows any).
	reasoning []int32
	names     map[int32]int32   // framed names, by message
	rag       map[int32][]int32 // retrieved spans, by message
	// sysPadded is the first message, when it is a system prompt, with
	// sysPad appended: the marginal-price finding's edit, counted while
	// the text is here.
	sysPadded int32
}

// sysPad is what the marginal-price finding appends to a system prompt:
// 1,000 tokens, so that caching's granularity does not round the answer.
var sysPad = "\n" + pad(1000)

// rawTokenizer counts without a factor on one encoding.
type rawTokenizer struct{ t *Tokenizer }

func (r rawTokenizer) count(s string) int32 {
	n := r.t.base.count(s, r.t.memos)
	if n > math.MaxInt32 {
		n = math.MaxInt32
	}
	return int32(n)
}

// newSkeleton builds the structure of c; its counts are added by
// countRaw. It reads the Replayed marks, so a directory's are set first.
func newSkeleton(c *transcripts.Conversation) *skeleton {
	sk := &skeleton{id: c.ID, path: c.Path, model: c.Model, unlogged: c.Unlogged, batch: c.Batch,
		msgs: make([]skelMsg, len(c.Messages)), models: []string{""}, names: []string{""},
		raw: map[string]*rawCounts{}, shape: shapeOf(c)}
	models := map[string]uint16{"": 0}
	names := map[string]int32{"": 0}
	intern := func(s string) int32 {
		if i, ok := names[s]; ok {
			return i
		}
		i := int32(len(sk.names))
		names[s] = i
		sk.names = append(sk.names, strings.Clone(s))
		return i
	}
	lastAsst := -1
	for i := range c.Messages {
		m := &c.Messages[i]
		sm := &sk.msgs[i]
		sm.role = roleCode(m.Role)
		sm.call, sm.arg = -1, -1
		if m.Images > 0 {
			if sk.images == nil {
				sk.images = map[int32]int32{}
			}
			sk.images[int32(i)] = int32(m.Images)
		}
		if !m.Time.IsZero() {
			sm.at = m.Time.UnixNano()
		}
		if m.Replayed {
			sm.flags |= flagReplayed
		}
		if m.NoReply {
			sm.flags |= flagNoReply
		}
		if m.RAG {
			sm.flags |= flagRAG
		}
		if m.Name != "" && m.Role != transcripts.RoleTool {
			sm.flags |= flagName
		}
		if len(m.ToolCalls) > 0 {
			sm.flags |= flagCalls
			if strings.TrimSpace(m.Content) == "" {
				sm.flags |= flagToolOnly
			}
		}
		if m.Model != "" {
			j, ok := models[m.Model]
			if !ok && len(sk.models) < math.MaxUint16 {
				j = uint16(len(sk.models))
				models[m.Model] = j
				sk.models = append(sk.models, strings.Clone(m.Model))
			}
			sm.model = j
		}
		if u := m.Usage; u != nil {
			sk.cacheUsage = sk.cacheUsage || u.CachedInputTokens > 0 || u.CacheWriteTokens > 0
			if !m.Replayed {
				sm.usage = u
			}
		}
		if m.PrefixChange != nil {
			if sk.changes == nil {
				sk.changes = map[int32]*transcripts.PrefixChange{}
			}
			sk.changes[int32(i)] = m.PrefixChange
		}
		if len(m.Tags) > 0 {
			if sk.tags == nil {
				sk.tags = map[int32]map[string]string{}
			}
			sk.tags[int32(i)] = m.Tags
		}
		switch m.Role {
		case transcripts.RoleAssistant:
			lastAsst = i
			for _, tc := range m.ToolCalls {
				if sk.toolCalls == nil {
					sk.toolCalls = map[string]int{}
				}
				sk.toolCalls[tc.Name]++
			}
		case transcripts.RoleTool:
			// The assistant message whose call this answers: by id, else
			// the nearest earlier one (findToolUses).
			name := m.Name
			sm.call = int32(lastAsst)
			if lastAsst >= 0 {
				for j, tc := range c.Messages[lastAsst].ToolCalls {
					if tc.ID == m.ToolCallID || (m.ToolCallID == "" && sm.arg < 0) {
						sm.arg = int32(j)
						if name == "" {
							name = tc.Name
						}
					}
				}
			}
			sm.name = intern(name)
		}
	}
	for _, t := range c.Tools {
		sk.tools = append(sk.tools, toolSkel{name: strings.Clone(t.Name), raw: map[string]*toolRaw{}})
	}
	// What the log holds of the prefix every call sends first, as text:
	// conversations of a source share it only when it is the same.
	first := len(c.Messages)
	for i := range c.Messages {
		if c.Messages[i].Role == transcripts.RoleAssistant && !c.Messages[i].Replayed {
			first = i
			break
		}
	}
	h := fnv.New64a()
	for _, t := range c.Tools {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00", t.Name, t.Description, t.Parameters)
	}
	for i := 0; i < first; i++ {
		if c.Messages[i].Role == transcripts.RoleSystem {
			fmt.Fprintf(h, "%s\x00", c.Messages[i].Content)
		}
	}
	sk.prefixHash = h.Sum64()
	return sk
}

// countRaw counts c's texts in t's encoding into sk, on up to workers
// goroutines (a long conversation uses every core).
func (sk *skeleton) countRaw(c *transcripts.Conversation, t *Tokenizer, workers int) {
	rawMu.RLock()
	have := sk.raw[t.Encoding] != nil
	rawMu.RUnlock()
	if !have {
		sk.attach(countText(c, t, workers))
	}
}

// rawMu guards the maps of raw counts of every skeleton and tool, which
// gain an encoding when a kept text is counted again (a model= step) while
// other goroutines read them (the findings of the same result): readers
// take it once per conversation, not per message.
var rawMu sync.RWMutex

// attach adds counts made by countText to sk.
func (sk *skeleton) attach(k *textCounts) {
	rawMu.Lock()
	defer rawMu.Unlock()
	if sk.raw[k.enc] != nil {
		return // counted meanwhile
	}
	for i, tr := range k.tools {
		if i < len(sk.tools) && sk.tools[i].raw[k.enc] == nil {
			sk.tools[i].raw[k.enc] = tr
		}
	}
	sk.raw[k.enc] = k.raw
}

// textCounts are the raw counts of a conversation's text in one encoding,
// made before its skeleton (on Stream's counting goroutines).
type textCounts struct {
	enc   string
	raw   *rawCounts
	tools []*toolRaw
}

// countText counts c's texts in t's encoding, on up to workers goroutines.
func countText(c *transcripts.Conversation, t *Tokenizer, workers int) *textCounts {
	enc := t.Encoding
	rt := rawTokenizer{t}
	n := len(c.Messages)
	r := &rawCounts{content: make([]int32, n), callOff: make([]int32, n+1)}
	for i := range c.Messages {
		r.callOff[i+1] = r.callOff[i] + 2*int32(len(c.Messages[i].ToolCalls))
	}
	r.calls = make([]int32, r.callOff[n])
	var mu sync.Mutex
	count := func(lo, hi int) {
		for i := lo; i < hi; i++ {
			m := &c.Messages[i]
			r.content[i] = rt.count(m.Content)
			at := r.callOff[i]
			for _, tc := range m.ToolCalls {
				r.calls[at], r.calls[at+1] = rt.count(tc.Name), rt.count(tc.Arguments)
				at += 2
			}
			if m.Name != "" && m.Role != transcripts.RoleTool {
				k := rt.count(m.Name)
				mu.Lock()
				if r.names == nil {
					r.names = map[int32]int32{}
				}
				r.names[int32(i)] = k
				mu.Unlock()
			}
			if !m.RAG && len(m.RAGSpans) > 0 {
				spans := make([]int32, len(m.RAGSpans))
				for j, s := range m.RAGSpans {
					spans[j] = rt.count(s)
				}
				mu.Lock()
				if r.rag == nil {
					r.rag = map[int32][]int32{}
				}
				r.rag[int32(i)] = spans
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
			if r.reasoning == nil {
				r.reasoning = make([]int32, n)
			}
			r.reasoning[i] = rt.count(m.Reasoning)
		}
	}
	if n > 0 && c.Messages[0].Role == transcripts.RoleSystem {
		r.sysPadded = rt.count(c.Messages[0].Content + sysPad)
	}
	k := &textCounts{enc: enc, raw: r, tools: make([]*toolRaw, len(c.Tools))}
	for i, tool := range c.Tools {
		k.tools[i] = toolRawOf(tool, rt)
	}
	return k
}

// toolRawOf is ToolDefTokens' rule for one tool (per function 7 tokens,
// 10 on cl100k, plus "name:description"; with properties 3 more, and per
// property 3 plus "name:type:description"; an enum −3 once, then 3 plus
// the value per value), the counted pieces kept apart so that any factor
// applies to each as Count would.
func toolRawOf(tool transcripts.Tool, rt rawTokenizer) *toolRaw {
	tr := &toolRaw{fixed: 7}
	if rt.t.Encoding == CL100kBase {
		tr.fixed = 10
	}
	tr.pieces = append(tr.pieces, rt.count(tool.Name+":"+strings.TrimSuffix(tool.Description, ".")))
	var schema struct {
		Properties map[string]struct {
			Type        any    `json:"type"`
			Description string `json:"description"`
			Enum        []any  `json:"enum"`
		} `json:"properties"`
	}
	if len(tool.Parameters) > 0 && json.Unmarshal(tool.Parameters, &schema) == nil && len(schema.Properties) > 0 {
		tr.fixed += 3
		names := make([]string, 0, len(schema.Properties))
		for name := range schema.Properties {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			p := schema.Properties[name]
			tr.fixed += 3
			if len(p.Enum) > 0 {
				tr.fixed -= 3
				for _, v := range p.Enum {
					tr.fixed += 3
					tr.pieces = append(tr.pieces, rt.count(jsonText(v)))
				}
			}
			tr.pieces = append(tr.pieces, rt.count(name+":"+jsonText(p.Type)+":"+strings.TrimSuffix(p.Description, ".")))
		}
	} else if len(tool.Parameters) > 0 && json.Unmarshal(tool.Parameters, &schema) != nil {
		tr.pieces = append(tr.pieces, rt.count(string(tool.Parameters)))
	}
	return tr
}

// scaleRaw is what Tokenizer.Count returns for a text of n raw tokens.
func (t *Tokenizer) scaleRaw(n int32) int64 {
	if t.Factor == 1 || t.Factor == 0 {
		return int64(n)
	}
	return int64(math.Round(float64(n) * t.Factor))
}

// counts derives the counts of t from the raw counts of its encoding,
// counting the text first when it is kept and not yet counted. Without
// the text, another encoding's counts stand in (an estimate).
func (sk *skeleton) counts(t *Tokenizer) *counts { return sk.countsInto(nil, t) }

// countsInto is counts into k's arrays (nil: new ones).
func (sk *skeleton) countsInto(k *counts, t *Tokenizer) *counts {
	if sk.conv != nil {
		sk.countRaw(sk.conv, t, 1)
	}
	r, enc := sk.rawFor(t.Encoding)
	n := len(sk.msgs)
	if k == nil {
		k = &counts{}
	}
	think := k.think // nil think means none shown: keep the array apart
	*k = counts{content: resized(k.content, n), rag: resized(k.rag, n), framing: resized(k.framing, n), scale: 1,
		prefix: k.prefix[:0]}
	if r == nil {
		return k
	}
	roles := [4]int64{}
	for i, role := range roleCodes {
		roles[i] = t.Count(string(role))
	}
	for i := range sk.msgs {
		m := &sk.msgs[i]
		c := t.scaleRaw(r.content[i])
		for _, p := range r.calls[r.callOff[i]:r.callOff[i+1]] {
			c += t.scaleRaw(p)
		}
		c += int64(sk.images[int32(i)]) * t.imageTokens()
		k.content[i] = c
		if m.flags&flagRAG != 0 {
			k.rag[i] = c
		} else if spans, ok := r.rag[int32(i)]; ok {
			var s int64
			for _, p := range spans {
				s += t.scaleRaw(p)
			}
			k.rag[i] = min(s, c)
		}
		f := int64(tokensPerMessage) + roles[m.role]
		if m.flags&flagName != 0 {
			f += tokensPerName + t.scaleRaw(r.names[int32(i)])
		}
		k.framing[i] = f
	}
	if len(sk.tools) > 0 {
		for _, tool := range sk.tools {
			tr := tool.rawFor(enc)
			if tr == nil {
				continue
			}
			k.toolDefs += tr.fixed
			for _, p := range tr.pieces {
				k.toolDefs += t.scaleRaw(p)
			}
		}
		k.toolDefs += 12
	}
	if r.reasoning != nil {
		k.think = resized(think, n+1)
		for i := range sk.msgs {
			k.think[i+1] = k.think[i]
			if sk.msgs[i].is(codeAssistant) {
				k.think[i+1] += t.scaleRaw(r.reasoning[i])
			}
		}
	}
	return k
}

// reasoningRaw is the thinking message i shows, in r's raw counts, and
// whether it shows any.
func reasoningRaw(r *rawCounts, i int) (int32, bool) {
	if r == nil || r.reasoning == nil {
		return 0, false
	}
	return r.reasoning[i], r.reasoning[i] > 0
}

// msgModel is the model that produced message i ("" when not logged).
func (sk *skeleton) msgModel(i int) string { return sk.models[sk.msgs[i].model] }

// calls is the number of calls: one per assistant message not replayed.
func (sk *skeleton) calls() int {
	n := 0
	for i := range sk.msgs {
		if sk.msgs[i].is(codeAssistant) && !sk.msgs[i].replayed() {
			n++
		}
	}
	return n
}

// mostUsedModel is the model most messages name.
func (sk *skeleton) mostUsedModel() string {
	n := make([]int, len(sk.models))
	best := 0
	for i := range sk.msgs {
		j := sk.msgs[i].model
		if j == 0 {
			continue
		}
		n[j]++
		if n[j] > n[best] {
			best = int(j)
		}
	}
	return sk.models[best]
}

// clone returns a copy of sk to edit: messages and tools copied, counts
// shared until changed.
func (sk *skeleton) clone() *skeleton {
	c := *sk
	c.msgs = slices.Clone(sk.msgs)
	c.tools = slices.Clone(sk.tools)
	rawMu.RLock()
	c.raw = make(map[string]*rawCounts, len(sk.raw))
	for e, r := range sk.raw {
		c.raw[e] = r
	}
	rawMu.RUnlock()
	c.conv = nil
	c.fits = nil // an edit's fit is its fit field
	return &c
}

// argRaw is the raw count in enc of the arguments of tool call arg of
// message msg (another encoding's when enc was not counted).
func (sk *skeleton) argRaw(enc string, msg, arg int) int32 {
	r, _ := sk.rawFor(enc)
	if r == nil || msg < 0 || arg < 0 {
		return 0
	}
	i := int(r.callOff[msg]) + 2*arg + 1
	if i >= int(r.callOff[msg+1]) {
		return 0
	}
	return r.calls[i]
}

// rawFor returns the raw counts in enc, or when enc was not counted (the
// text is gone) those of another encoding, the first by name, as an
// estimate; nil when nothing was counted.
func (sk *skeleton) rawFor(enc string) (*rawCounts, string) {
	rawMu.RLock()
	defer rawMu.RUnlock()
	if r := sk.raw[enc]; r != nil {
		return r, enc
	}
	var r *rawCounts
	got := ""
	for e, x := range sk.raw {
		if r == nil || e < got {
			r, got = x, e
		}
	}
	return r, got
}

// padSystem appends sysPad to the first message, a system prompt (an
// edit: the counts are copied, not changed under other skeletons).
func (sk *skeleton) padSystem() {
	for enc, r := range sk.raw {
		c := *r
		c.content = slices.Clone(r.content)
		c.content[0] = r.sysPadded
		sk.raw[enc] = &c
	}
}

// insert inserts messages before message at, with their raw content
// counts by encoding (content[j] is ms[j]'s): an edit, so the counts are
// copied.
func (sk *skeleton) insert(at int, ms []skelMsg, content []map[string]int32) {
	n := int32(len(ms))
	for j := range ms {
		ms[j].call, ms[j].arg = -1, -1
	}
	msgs := make([]skelMsg, 0, len(sk.msgs)+len(ms))
	msgs = append(append(append(msgs, sk.msgs[:at]...), ms...), sk.msgs[at:]...)
	for i := range msgs {
		if msgs[i].call >= int32(at) {
			msgs[i].call += n
		}
	}
	sk.msgs = msgs
	shift := func(k int32) int32 {
		if k >= int32(at) {
			return k + n
		}
		return k
	}
	if sk.tags != nil {
		tags := make(map[int32]map[string]string, len(sk.tags))
		for k, v := range sk.tags {
			tags[shift(k)] = v
		}
		sk.tags = tags
	}
	if sk.images != nil {
		images := make(map[int32]int32, len(sk.images))
		for k, v := range sk.images {
			images[shift(k)] = v
		}
		sk.images = images
	}
	if sk.changes != nil {
		changes := make(map[int32]*transcripts.PrefixChange, len(sk.changes))
		for k, v := range sk.changes {
			changes[shift(k)] = v
		}
		sk.changes = changes
	}
	for enc, r := range sk.raw {
		c := &rawCounts{calls: r.calls}
		add := make([]int32, len(ms))
		for j := range ms {
			add[j] = content[j][enc]
		}
		c.content = slices.Concat(r.content[:at], add, r.content[at:])
		c.callOff = slices.Concat(r.callOff[:at+1], make([]int32, len(ms)), r.callOff[at+1:])
		for j := range ms {
			c.callOff[at+1+j] = r.callOff[at]
		}
		if r.reasoning != nil {
			c.reasoning = slices.Concat(r.reasoning[:at], make([]int32, len(ms)), r.reasoning[at:])
		}
		if r.names != nil {
			c.names = make(map[int32]int32, len(r.names))
			for k, v := range r.names {
				c.names[shift(k)] = v
			}
		}
		if r.rag != nil {
			c.rag = make(map[int32][]int32, len(r.rag))
			for k, v := range r.rag {
				c.rag[shift(k)] = v
			}
		}
		sk.raw[enc] = c
	}
}

// rawFor returns the tool's counts in enc, or, for a tool counted in
// another encoding only (a finding's edit across a mixed log), those.
func (t *toolSkel) rawFor(enc string) *toolRaw {
	rawMu.RLock()
	defer rawMu.RUnlock()
	if tr := t.raw[enc]; tr != nil {
		return tr
	}
	var tr *toolRaw
	got := ""
	for e, x := range t.raw {
		if tr == nil || e < got {
			tr, got = x, e
		}
	}
	return tr
}

// fitMu guards skeleton.fits: tune prepares the same skeletons on several
// goroutines.
var fitMu sync.Mutex

// fitFor returns the fit prepare made under key, nil when none.
func (sk *skeleton) fitFor(key string) *skeletonFit {
	fitMu.Lock()
	defer fitMu.Unlock()
	return sk.fits[key]
}

// keepFit remembers the fit prepare made under key.
func (sk *skeleton) keepFit(key string, f *skeletonFit) {
	fitMu.Lock()
	defer fitMu.Unlock()
	if sk.fits == nil {
		sk.fits = map[string]*skeletonFit{}
	}
	sk.fits[key] = f
}
