package proxy

import (
	"fmt"
	"hash/fnv"
	"sync"

	"github.com/tokenscope/tokenscope/transcripts"
)

// threads joins calls into conversations the way the request/response
// reader does: a request whose messages start with everything a
// conversation has so far (its messages and last reply; system messages
// left out of the comparison, as the reader leaves them) continues it;
// any other starts a new one. A call that changed only its system prompt
// stays in its conversation, with the prompt it was sent written on its
// line. A request sending the system messages a conversation was last
// sent is matched first, so that conversations that differ only by their
// system prompt stay apart. It keeps two hashes per conversation, not the
// messages, and forgets the oldest conversations past a bound.
type threads struct {
	mu sync.Mutex
	// byKey indexes conversations by their end and system messages
	// (threadKey), byEnd by their end alone (a changed system prompt).
	byKey  map[uint64]*thread
	byEnd  map[uint64]*thread
	order  []threadEnd // in insertion order, for eviction
	max    int
	prefix string // conversation ids: prefix + counter
	next   int
}

type thread struct {
	id    string
	end   uint64 // hash of every message the conversation holds
	n     int    // messages it holds, system messages left out
	tools uint64 // hash of the tool schemas last written
	// system is the hash of the system messages last sent (systemHash).
	system uint64
}

// threadEnd is where a conversation stood when indexed.
type threadEnd struct{ end, system uint64 }

// threadKey is the index of a conversation ending at end whose last call
// sent the system messages hashing to system.
func threadKey(end, system uint64) uint64 { return end ^ system*0x9e3779b97f4a7c15 }

// claim is a call's place in a conversation, decided before forwarding and
// committed when the call is served.
type claim struct {
	t      *thread // nil: a new conversation
	base   uint64  // t.end when claimed
	from   int     // messages [from:] are new
	hashes []uint64
}

func newThreads(prefix string, max int) *threads {
	return &threads{byKey: map[uint64]*thread{}, byEnd: map[uint64]*thread{}, max: max, prefix: prefix}
}

const hashSeed = 14695981039346656037

// mix folds message m into hash h. It hashes what makes a message the same
// message for the request/response reader: role, content, tool call id,
// tool call names. System messages leave h as it is: the reader threads
// without them (a system prompt carrying the time changes on every call).
func mix(h uint64, m *transcripts.Message) uint64 {
	if m.Role == transcripts.RoleSystem {
		return h
	}
	f := fnv.New64a()
	var b [8]byte
	for i := range b {
		b[i] = byte(h >> (8 * i))
	}
	f.Write(b[:])
	f.Write([]byte(m.Role))
	f.Write([]byte{0})
	f.Write([]byte(m.Content))
	f.Write([]byte{0})
	f.Write([]byte(m.ToolCallID))
	for _, tc := range m.ToolCalls {
		f.Write([]byte{1})
		f.Write([]byte(tc.Name))
	}
	return f.Sum64()
}

// find returns the claim of a request sending msgs.
func (ts *threads) find(msgs []transcripts.Message) *claim {
	c := &claim{hashes: make([]uint64, len(msgs)+1)}
	c.hashes[0] = hashSeed
	n := make([]int, len(msgs)+1) // messages but system ones, by prefix
	for i := range msgs {
		c.hashes[i+1] = mix(c.hashes[i], &msgs[i])
		n[i+1] = n[i]
		if msgs[i].Role != transcripts.RoleSystem {
			n[i+1]++
		}
	}
	sh := systemHash(msgs)
	ts.mu.Lock()
	defer ts.mu.Unlock()
	for _, same := range []bool{true, false} {
		for i := len(msgs); i > 0; i-- {
			t, ok := ts.byEnd[c.hashes[i]]
			if same {
				t, ok = ts.byKey[threadKey(c.hashes[i], sh)]
			}
			if ok && t.n == n[i] && n[i] > 0 {
				c.t, c.base, c.from = t, t.end, i
				return c
			}
		}
	}
	return c
}

// commit records a served call: the conversation now ends with its
// messages and reply. It returns the conversation id, the index of the
// first message new to it, whether its tools must be written (a new
// conversation, or tools that changed) and whether its system messages
// must be (they changed along the conversation). A call racing another on
// the same conversation forks a new one holding its whole history.
func (ts *threads) commit(c *claim, msgs []transcripts.Message, reply *transcripts.Message, tools []transcripts.Tool) (id string, from int, writeTools, writeSystem bool) {
	th, sh := toolsHash(tools), systemHash(msgs)
	end := mix(c.hashes[len(c.hashes)-1], reply)
	ts.mu.Lock()
	defer ts.mu.Unlock()
	t := c.t
	if t == nil || t.end != c.base {
		ts.next++
		t = &thread{id: fmt.Sprintf("%s-%d", ts.prefix, ts.next)}
		c.from = 0
		t.tools, t.system = hashSeed, sh // its system messages are written with its messages
	} else {
		ts.unindex(t)
	}
	writeTools, writeSystem = t.tools != th, t.system != sh
	t.end, t.n, t.tools, t.system = end, nonSystem(msgs)+1, th, sh
	ts.put(t)
	return t.id, c.from, writeTools, writeSystem
}

// nonSystem counts the messages of msgs that are not system messages.
func nonSystem(msgs []transcripts.Message) int {
	n := 0
	for i := range msgs {
		if msgs[i].Role != transcripts.RoleSystem {
			n++
		}
	}
	return n
}

// systemHash hashes the system messages of msgs, in order; none hash to
// the seed.
func systemHash(msgs []transcripts.Message) uint64 {
	h := uint64(hashSeed)
	for i := range msgs {
		if msgs[i].Role == transcripts.RoleSystem {
			h = mix(h, &transcripts.Message{Role: transcripts.RoleUser, Content: msgs[i].Content})
		}
	}
	return h
}

// systemTexts is the system messages of msgs as a call line writes them
// where they changed (transcripts.CallRecord.System).
func systemTexts(msgs []transcripts.Message) []string {
	var out []string
	for i := range msgs {
		if msgs[i].Role == transcripts.RoleSystem {
			out = append(out, msgs[i].Content)
		}
	}
	return out
}

// toolsHash hashes tool schemas; no tools hash to the seed.
func toolsHash(tools []transcripts.Tool) uint64 {
	if len(tools) == 0 {
		return hashSeed
	}
	f := fnv.New64a()
	for _, t := range tools {
		f.Write([]byte(t.Name))
		f.Write([]byte{0})
		f.Write([]byte(t.Description))
		f.Write([]byte{0})
		f.Write(t.Parameters)
		f.Write([]byte{1})
	}
	return f.Sum64()
}

// put indexes t by its end, evicting the oldest conversations past max.
func (ts *threads) put(t *thread) {
	ts.byKey[threadKey(t.end, t.system)] = t
	ts.byEnd[t.end] = t
	ts.order = append(ts.order, threadEnd{t.end, t.system})
	for len(ts.byKey) > ts.max && len(ts.order) > 0 {
		old := ts.order[0]
		ts.order = ts.order[1:]
		if o := ts.at(old); o != nil {
			ts.unindex(o)
		}
	}
	if len(ts.order) > 4*ts.max {
		// Drop ends that moved on, so order stays bounded too.
		live := ts.order[:0]
		for _, e := range ts.order {
			if ts.at(e) != nil {
				live = append(live, e)
			}
		}
		ts.order = live
	}
}

// at is the conversation that still stands at e; nil when it moved on.
func (ts *threads) at(e threadEnd) *thread {
	if o, ok := ts.byKey[threadKey(e.end, e.system)]; ok && o.end == e.end && o.system == e.system {
		return o
	}
	return nil
}

// unindex removes t's entries (those that are still t's).
func (ts *threads) unindex(t *thread) {
	if k := threadKey(t.end, t.system); ts.byKey[k] == t {
		delete(ts.byKey, k)
	}
	if ts.byEnd[t.end] == t {
		delete(ts.byEnd, t.end)
	}
}

// resume continues r's conversation (read back from the log at start)
// with its messages and reply, so that calls after a restart thread as
// before it. A call line that carries system messages or tools (where
// they changed, or went: NoSystem, NoTools) sets them.
func (ts *threads) resume(r *transcripts.CallRecord, state map[string]*thread) {
	id, msgs, reply, tools, system := r.Conversation, r.Messages, r.Reply, r.Tools, r.System
	ts.mu.Lock()
	defer ts.mu.Unlock()
	t := state[id]
	if t == nil {
		t = &thread{id: id, end: hashSeed, tools: hashSeed, system: systemHash(msgs)}
		state[id] = t
	} else {
		ts.unindex(t)
	}
	for i := range msgs {
		t.end = mix(t.end, &msgs[i])
	}
	t.end = mix(t.end, reply)
	t.n += nonSystem(msgs) + 1
	if len(tools) > 0 || r.NoTools {
		t.tools = toolsHash(tools)
	}
	if len(system) > 0 || r.NoSystem {
		sys := make([]transcripts.Message, len(system))
		for i, s := range system {
			sys[i] = transcripts.Message{Role: transcripts.RoleSystem, Content: s}
		}
		t.system = systemHash(sys)
	}
	ts.put(t)
}
