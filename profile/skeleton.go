package profile

import (
	"fmt"
	"hash/fnv"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tokenscope/tokenscope/profile/strategy"

	"github.com/tokenscope/tokenscope/profile/tokenize"
	"github.com/tokenscope/tokenscope/transcripts"
)

// skeleton is a conversation as the engine keeps it once counted: its
// structure (roles, times, models, usage, which result answers which tool
// call) and the token count of every text, not the text. A directory is
// read, counted and dropped one file at a time (Load), so memory holds
// skeletons, a few dozen bytes a message, whatever the size of the text.
//
// Counts are kept raw, per encoding, one figure per text the chat format
// counts apart (the content, each tool call's name and arguments, each
// tool schema's pieces); every tokenizer on that encoding (an estimate's
// factor, an image size) derives its counts from them exactly, as
// countConversation would from the text.
type skeleton struct {
	id, path, model string
	machine         string // the proxy's machine that recorded it
	unlogged, batch bool
	msgs            []skelMsg
	models          []string // skelMsg.model indexes it; "" is 0
	names           []string // skelMsg.name indexes it; "" is 0
	tags            map[int32]map[string]string
	images          map[int32]int32                     // by message, where some
	changes         map[int32]*transcripts.PrefixChange // by message, where the log shows one
	// cacheUsage says some message reports cache reads or writes
	// (basisSpecOf).
	cacheUsage bool
	tools      []toolSkel
	// prompts are what calls were sent before their messages where the log
	// shows it changing along the conversation (transcripts.Message.Prompt),
	// in message order; nil when every call was sent the conversation's
	// own system messages and tools (the common case costs nothing).
	prompts []promptSkel
	raw     map[string]*tokenize.Raw // by encoding
	shape   strategy.Shape
	// prefixHash identifies the text of what every call sends first (tool
	// schemas, leading system messages) for the source key (sources.go).
	prefixHash uint64
	// hist identifies, at each assistant message, the history before it
	// (history.go): a call of another conversation that sent the same
	// history cached it.
	hist []histPoint
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

// promptSkel is a system prompt and tool list calls were sent from message
// msg (a call's reply) on, until the next one.
type promptSkel struct {
	msg int32
	// sysID and toolsID identify the system messages and the tool list for
	// the cache: 0 is the conversation's own, equal ids are equal text.
	sysID, toolsID int32
	tools          []string // the tools' names
	// keys identify each tool's text within the conversation (parallel to
	// tools; toolSkel.key).
	keys []int32
	raw  map[string]*tokenize.PromptRaw // by encoding
}

// rawFor returns the prompt's counts in enc, or another encoding's (see
// skeleton.rawFor).
func (p *promptSkel) rawFor(enc string) *tokenize.PromptRaw { return rawIn(p.raw, enc) }

// promptsOf lists the prompts of c (Message.Prompt) with their cache
// identities: a part equal to the conversation's own is 0, one equal to
// the prompt before keeps its id, any other is new. base are the keys of
// c.Tools (promptSkel.keys).
func promptsOf(c *transcripts.Conversation) (out []promptSkel, base []int32) {
	var baseSys []string
	for i := range c.Messages {
		m := &c.Messages[i]
		if m.Role == transcripts.RoleAssistant && !m.Replayed {
			break
		}
		if m.Role == transcripts.RoleSystem {
			baseSys = append(baseSys, m.Content)
		}
	}
	// Tools are keyed by their text, so that an edit (a tool dropped)
	// can tell again which lists are the same (renumberTools).
	keys := map[[3]string]int32{}
	keysOf := func(tools []transcripts.Tool) []int32 {
		var ks []int32
		for _, t := range tools {
			k := [3]string{t.Name, t.Description, string(t.Parameters)}
			id, ok := keys[k]
			if !ok {
				id = int32(len(keys))
				keys[k] = id
			}
			ks = append(ks, id)
		}
		return ks
	}
	base = keysOf(c.Tools)
	var prev *transcripts.Prompt
	for i := range c.Messages {
		p := c.Messages[i].Prompt()
		if p == nil {
			continue
		}
		ps := promptSkel{msg: int32(i), raw: map[string]*tokenize.PromptRaw{}, keys: keysOf(p.Tools)}
		for _, t := range p.Tools {
			ps.tools = append(ps.tools, strings.Clone(t.Name))
		}
		switch {
		case slices.Equal(p.System, baseSys):
		case prev != nil && slices.Equal(p.System, prev.System):
			ps.sysID = out[len(out)-1].sysID
		default:
			ps.sysID = int32(len(out) + 1)
		}
		out = append(out, ps)
		prev = p
	}
	renumberTools(out, base)
	return out, base
}

// renumberTools sets the tool lists' cache identities of prompts from
// their keys, base being the conversation's own: equal to it is 0, equal
// to the prompt before keeps its id, any other is new (the prompt's
// place + 1).
func renumberTools(prompts []promptSkel, base []int32) {
	for j := range prompts {
		p := &prompts[j]
		switch {
		case slices.Equal(p.keys, base):
			p.toolsID = 0
		case j > 0 && slices.Equal(p.keys, prompts[j-1].keys):
			p.toolsID = prompts[j-1].toolsID
		default:
			p.toolsID = int32(j + 1)
		}
	}
}

// toolSkel is one tool schema: its name and its counts by encoding.
type toolSkel struct {
	name string
	// key identifies the schema's text within its conversation (promptsOf);
	// a tool an edit adds to every call has -1.
	key int32
	raw map[string]*tokenize.ToolRaw
}

// newSkeleton builds the structure of c; its counts are added by
// countRaw. It reads the Replayed marks, so a directory's are set first.
func newSkeleton(c *transcripts.Conversation) *skeleton {
	sk := &skeleton{id: c.ID, path: c.Path, model: c.Model, machine: c.Machine, unlogged: c.Unlogged, batch: c.Batch,
		msgs: make([]skelMsg, len(c.Messages)), models: []string{""}, names: []string{""},
		raw: map[string]*tokenize.Raw{}, shape: strategy.ShapeOf(c)}
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
	prompts, keys := promptsOf(c)
	for i, t := range c.Tools {
		sk.tools = append(sk.tools, toolSkel{name: strings.Clone(t.Name), key: keys[i], raw: map[string]*tokenize.ToolRaw{}})
	}
	sk.prompts = prompts
	sk.prefixHash = prefixHash(c)
	sk.hist = historyPoints(c)
	return sk
}

// prefixHash identifies what the log holds of the prefix every call of c
// sends first, as text (tool schemas, the system messages before the first
// call): conversations of a source share it only when it is the same.
func prefixHash(c *transcripts.Conversation) uint64 {
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
	return h.Sum64()
}

// countRaw counts c's texts in t's encoding into sk, on up to workers
// goroutines (a long conversation uses every core).
func (sk *skeleton) countRaw(c *transcripts.Conversation, t *tokenize.Tokenizer, workers int) {
	rawMu.RLock()
	have := sk.raw[t.Encoding] != nil
	rawMu.RUnlock()
	if !have {
		sk.attach(tokenize.CountText(c, t, workers))
	}
}

// rawMu guards the maps of raw counts of every skeleton and tool, which
// gain an encoding when a kept text is counted again (a model= step) while
// other goroutines read them (the findings of the same result): readers
// take it once per conversation, not per message.
var rawMu sync.RWMutex

// attach adds counts made by countText to sk.
func (sk *skeleton) attach(k *tokenize.Text) {
	rawMu.Lock()
	defer rawMu.Unlock()
	if sk.raw[k.Enc] != nil {
		return // counted meanwhile
	}
	for i, tr := range k.Tools {
		if i < len(sk.tools) && sk.tools[i].raw[k.Enc] == nil {
			sk.tools[i].raw[k.Enc] = tr
		}
	}
	for i, pr := range k.Prompts {
		if i < len(sk.prompts) && sk.prompts[i].raw[k.Enc] == nil {
			sk.prompts[i].raw[k.Enc] = pr
		}
	}
	sk.raw[k.Enc] = k.Raw
}

// counts derives the counts of t from the raw counts of its encoding,
// counting the text first when it is kept and not yet counted. Without
// the text, another encoding's counts stand in (an estimate).
func (sk *skeleton) counts(t *tokenize.Tokenizer) *counts { return sk.countsInto(nil, t) }

// countsInto is counts into k's arrays (nil: new ones).
func (sk *skeleton) countsInto(k *counts, t *tokenize.Tokenizer) *counts {
	if sk.conv != nil {
		sk.countRaw(sk.conv, t, 1)
	}
	r, enc := sk.rawFor(t.Encoding)
	n := len(sk.msgs)
	if k == nil {
		k = &counts{}
	}
	think := k.Think // nil think means none shown: keep the array apart
	*k = counts{Counts: strategy.Counts{Content: resized(k.Content, n), RAG: resized(k.RAG, n), Framing: resized(k.Framing, n), Scale: 1,
		Prompts: k.Prompts[:0]}, prefix: k.prefix[:0]}
	if r == nil {
		return k
	}
	roles := [4]int64{}
	for i, role := range roleCodes {
		roles[i] = t.Count(string(role))
	}
	for i := range sk.msgs {
		m := &sk.msgs[i]
		c := r.MessageContent(i, t, int64(sk.images[int32(i)]))
		k.Content[i] = c
		if m.flags&flagRAG != 0 {
			k.RAG[i] = c
		} else if spans, ok := r.RAG[int32(i)]; ok {
			var s int64
			for _, p := range spans {
				s += t.ScaleRaw(p)
			}
			k.RAG[i] = min(s, c)
		}
		k.Framing[i] = r.Framing(i, t, roles[m.role], m.flags&flagName != 0)
	}
	if len(sk.tools) > 0 {
		for _, tool := range sk.tools {
			tr := tool.rawFor(enc)
			if tr == nil {
				continue
			}
			k.ToolDefs += tr.Tokens(t)
		}
		k.ToolDefs += tokenize.ToolDefsEnd
	}
	if sk.prompts == nil {
		k.Prompts = nil
	}
	for j := range sk.prompts {
		ps := &sk.prompts[j]
		pr := ps.rawFor(enc)
		if pr == nil {
			continue
		}
		p := strategy.Prompt{Msg: int(ps.msg), SysID: int(ps.sysID), ToolsID: int(ps.toolsID)}
		for _, c := range pr.System {
			p.System += t.ScaleRaw(c)
		}
		p.SystemFramed = p.System + int64(len(pr.System))*(tokenize.TokensPerMessage+roles[codeSystem])
		for _, tr := range pr.Tools {
			p.ToolDefs += tr.Tokens(t)
		}
		if len(pr.Tools) > 0 {
			p.ToolDefs += tokenize.ToolDefsEnd
		}
		k.Prompts = append(k.Prompts, p)
	}
	if r.Reasoning != nil {
		k.Think = resized(think, n+1)
		for i := range sk.msgs {
			k.Think[i+1] = k.Think[i]
			if sk.msgs[i].is(codeAssistant) {
				k.Think[i+1] += t.ScaleRaw(r.Reasoning[i])
			}
		}
	}
	return k
}

// reasoningRaw is the thinking message i shows, in r's raw counts, and
// whether it shows any.
func reasoningRaw(r *tokenize.Raw, i int) (int32, bool) {
	if r == nil || r.Reasoning == nil {
		return 0, false
	}
	return r.Reasoning[i], r.Reasoning[i] > 0
}

// msgModel is the model that produced message i ("" when not logged).
func (sk *skeleton) msgModel(i int) string { return sk.models[sk.msgs[i].model] }

// promptAt is the prompt call message a was sent, nil when it was sent
// the conversation's own (strategy.Counts.PromptAt).
func (sk *skeleton) promptAt(a int32) *promptSkel {
	if len(sk.prompts) == 0 || a < sk.prompts[0].msg {
		return nil
	}
	j := sort.Search(len(sk.prompts), func(j int) bool { return sk.prompts[j].msg > a }) - 1
	return &sk.prompts[j]
}

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
	c.raw = make(map[string]*tokenize.Raw, len(sk.raw))
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
	i := int(r.CallOff[msg]) + 2*arg + 1
	if i >= int(r.CallOff[msg+1]) {
		return 0
	}
	return r.Calls[i]
}

// rawFor returns the raw counts in enc, or when enc was not counted (the
// text is gone) those of another encoding, the first by name, as an
// estimate; nil when nothing was counted.
func (sk *skeleton) rawFor(enc string) (*tokenize.Raw, string) {
	rawMu.RLock()
	defer rawMu.RUnlock()
	if r := sk.raw[enc]; r != nil {
		return r, enc
	}
	var r *tokenize.Raw
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
	pad := map[string]int32{}
	for enc, r := range sk.raw {
		c := *r
		c.Content = slices.Clone(r.Content)
		c.Content[0] = r.SysPadded
		sk.raw[enc] = &c
		pad[enc] = r.SysPadded - r.Content[0]
	}
	// The calls that were sent their own system prompt get the same
	// padding on its first message.
	sk.editPrompts(func(enc string, pr *tokenize.PromptRaw, _ *[]string) {
		if len(pr.System) > 0 {
			pr.System = slices.Clone(pr.System)
			pr.System[0] += pad[enc]
		}
	})
}

// dropTool removes the tool schemas named name from what every call sends
// (an edit: counts are copied).
func (sk *skeleton) dropTool(name string) {
	sk.tools = slices.DeleteFunc(slices.Clone(sk.tools), func(t toolSkel) bool { return t.name == name })
	if sk.prompts != nil {
		// The lists that differed only by that tool are the same now: a
		// call that added it partway no longer changes the cache prefix.
		prompts := slices.Clone(sk.prompts)
		for j := range prompts {
			p := &prompts[j]
			var keys []int32
			for i, k := range p.keys {
				if i < len(p.tools) && p.tools[i] != name {
					keys = append(keys, k)
				}
			}
			p.keys = keys
		}
		base := sk.toolKeys()
		renumberTools(prompts, base)
		sk.prompts = prompts
		sk.mendToolChanges(base)
	}
	sk.editPrompts(func(_ string, pr *tokenize.PromptRaw, names *[]string) {
		var tools []*tokenize.ToolRaw
		var kept []string
		for j, n := range *names {
			if n != name && j < len(pr.Tools) {
				tools, kept = append(tools, pr.Tools[j]), append(kept, n)
			}
		}
		pr.Tools, *names = tools, kept
	})
}

// addTool adds tool to what every call sends (an edit).
func (sk *skeleton) addTool(tool toolSkel) {
	tool.key = -1 // a key of no conversation's own tool
	sk.tools = append(slices.Clone(sk.tools), tool)
	if sk.prompts != nil {
		prompts := slices.Clone(sk.prompts)
		for j := range prompts {
			prompts[j].keys = append(slices.Clone(prompts[j].keys), tool.key)
		}
		sk.prompts = prompts
	}
	sk.editPrompts(func(enc string, pr *tokenize.PromptRaw, names *[]string) {
		if tr := tool.rawFor(enc); tr != nil {
			pr.Tools = append(slices.Clone(pr.Tools), tr)
			*names = append(slices.Clone(*names), tool.name)
		}
	})
}

// mendToolChanges drops the tool-list change marks (PrefixChange, read
// by the cache step) of calls whose list is now the same as the call
// before's, base being the conversation's own: a system prompt that
// changed there too still breaks the prefix after the tools.
func (sk *skeleton) mendToolChanges(base []int32) {
	var changes map[int32]*transcripts.PrefixChange
	for j := range sk.prompts {
		p := &sk.prompts[j]
		ch := sk.changes[p.msg]
		prevKeys, prevSys := base, int32(0)
		if j > 0 {
			prevKeys, prevSys = sk.prompts[j-1].keys, sk.prompts[j-1].sysID
		}
		if ch == nil || ch.Part != "tools" || !slices.Equal(p.keys, prevKeys) {
			continue
		}
		if changes == nil {
			changes = maps.Clone(sk.changes)
		}
		if p.sysID == prevSys {
			delete(changes, p.msg)
		} else {
			changes[p.msg] = &transcripts.PrefixChange{Part: "system", Prompt: ch.Prompt}
		}
	}
	if changes != nil {
		sk.changes = changes
	}
}

// toolKeys are the keys of the conversation's own tools (toolSkel.key).
func (sk *skeleton) toolKeys() []int32 {
	keys := make([]int32, len(sk.tools))
	for i, t := range sk.tools {
		keys[i] = t.key
	}
	return keys
}

// editPrompts applies edit to a copy of each prompt's counts in every
// encoding, with the names of its tools (shared by the encodings: edit
// changes them once per prompt, the first encoding's call).
func (sk *skeleton) editPrompts(edit func(enc string, pr *tokenize.PromptRaw, names *[]string)) {
	if sk.prompts == nil {
		return
	}
	prompts := slices.Clone(sk.prompts)
	rawMu.RLock()
	defer rawMu.RUnlock()
	for j := range prompts {
		p := &prompts[j]
		raw := make(map[string]*tokenize.PromptRaw, len(p.raw))
		names := p.tools
		for enc, pr := range p.raw {
			c := *pr
			n := p.tools
			edit(enc, &c, &n)
			names = n
			raw[enc] = &c
		}
		p.raw, p.tools = raw, names
	}
	sk.prompts = prompts
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
	if sk.prompts != nil {
		prompts := slices.Clone(sk.prompts)
		for j := range prompts {
			prompts[j].msg = shift(prompts[j].msg)
		}
		sk.prompts = prompts
	}
	if sk.changes != nil {
		changes := make(map[int32]*transcripts.PrefixChange, len(sk.changes))
		for k, v := range sk.changes {
			changes[shift(k)] = v
		}
		sk.changes = changes
	}
	for enc, r := range sk.raw {
		c := &tokenize.Raw{Calls: r.Calls}
		add := make([]int32, len(ms))
		for j := range ms {
			add[j] = content[j][enc]
		}
		c.Content = slices.Concat(r.Content[:at], add, r.Content[at:])
		c.CallOff = slices.Concat(r.CallOff[:at+1], make([]int32, len(ms)), r.CallOff[at+1:])
		for j := range ms {
			c.CallOff[at+1+j] = r.CallOff[at]
		}
		if r.Reasoning != nil {
			c.Reasoning = slices.Concat(r.Reasoning[:at], make([]int32, len(ms)), r.Reasoning[at:])
		}
		if r.Names != nil {
			c.Names = make(map[int32]int32, len(r.Names))
			for k, v := range r.Names {
				c.Names[shift(k)] = v
			}
		}
		if r.RAG != nil {
			c.RAG = make(map[int32][]int32, len(r.RAG))
			for k, v := range r.RAG {
				c.RAG[shift(k)] = v
			}
		}
		sk.raw[enc] = c
	}
}

// rawFor returns the tool's counts in enc, or, for a tool counted in
// another encoding only (a finding's edit across a mixed log), those.
func (t *toolSkel) rawFor(enc string) *tokenize.ToolRaw { return rawIn(t.raw, enc) }

// rawIn is m's counts in enc, or, when enc was not counted, those of the
// first encoding (by name) that was, so that the pick does not depend on
// map order; nil when m is empty.
func rawIn[T any](m map[string]*T, enc string) *T {
	rawMu.RLock()
	defer rawMu.RUnlock()
	if x := m[enc]; x != nil {
		return x
	}
	var best *T
	got := ""
	for e, x := range m {
		if best == nil || e < got {
			best, got = x, e
		}
	}
	return best
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
