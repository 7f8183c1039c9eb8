package profile

import (
	"hash/maphash"
	"slices"
	"strconv"

	"github.com/tokenscope/tokenscope/transcripts"
)

// A provider caches the whole prefix a call sends, not only the system
// prompt and tools every conversation of a source shares (sources.go): a
// conversation whose first messages are those another conversation sent
// finds them cached when that conversation's call was made within the TTL
// before. Claude Code's resumed sessions start with a copy of the session
// they resume (transcripts.ccResume), a rewind branches from an earlier
// message, an app re-runs the same request: each first call reads what the
// earlier call wrote. The history each call sent is indexed once, before
// any simulation, by time (sourceIndex.sent), so that conversations are
// simulated apart, in parallel, and read the same whatever their order.

// histPoint is the history before an assistant message (a call's, or a
// replayed response's): msg is the message, key identifies the tool
// schemas, system messages and messages before it.
type histPoint struct {
	msg int32
	key uint64
}

// histSeed keys history hashes within one run.
var histSeed = maphash.MakeSeed()

// historyPoints hashes c's history at each assistant message: everything
// the call answered by that message was sent, as text.
func historyPoints(c *transcripts.Conversation) []histPoint {
	var h maphash.Hash
	h.SetSeed(histSeed)
	// field writes one value, ended so that no two histories run together.
	field := func(s string) {
		h.WriteString(s)
		h.WriteByte(0)
	}
	for _, t := range c.Tools {
		field(t.Name)
		field(t.Description)
		h.Write(t.Parameters)
		h.WriteByte(0)
	}
	var out []histPoint
	for i := range c.Messages {
		m := &c.Messages[i]
		if m.Role == transcripts.RoleAssistant {
			out = append(out, histPoint{msg: int32(i), key: h.Sum64()})
		}
		field(string(m.Role))
		field(m.Name)
		field(m.Content)
		field(m.Reasoning)
		field(m.ToolCallID)
		for _, tc := range m.ToolCalls {
			field(tc.ID)
			field(tc.Name)
			field(tc.Arguments)
		}
		h.WriteString(strconv.Itoa(m.Images))
		h.WriteByte(1)
	}
	return out
}

// histKey is the key of history point hp of pc in its source: the same
// directory and model (a provider's cache is per model).
func (pc *preparedConv) histKey(hp histPoint) uint64 {
	return hp.key ^ pc.histBase
}

// addSent indexes what pc's calls sent (pc.idx, the next conversation).
func (ix *sourceIndex) addSent(pc *preparedConv) {
	if ix.sent == nil {
		ix.sent = map[uint64][]sourceCall{}
		ix.untimed = map[uint64][]int{}
	}
	hist := pc.sk.hist
	j := 0
	for _, ci := range pc.Calls {
		for j < len(hist) && int(hist[j].msg) < ci.Msg {
			j++
		}
		if j == len(hist) || int(hist[j].msg) != ci.Msg {
			continue
		}
		k := pc.histKey(hist[j])
		if ci.At.IsZero() {
			// A log without times (request/response pairs) holds its
			// requests in the order they were sent: an earlier
			// conversation of the same file sent it before.
			k ^= pc.fileKey()
			ix.untimed[k] = append(ix.untimed[k], pc.idx)
			continue
		}
		ix.sent[k] = append(ix.sent[k], sourceCall{ci.At.Unix(), pc.idx})
	}
}

// sentWithin reports whether a call of another conversation than pc sent
// the history key in the ttl seconds up to at (inclusive).
func (ix *sourceIndex) sentWithin(pc *preparedConv, key uint64, at, ttl int64) bool {
	cs := ix.sent[key]
	if len(cs) == 0 {
		return false
	}
	i, _ := slices.BinarySearchFunc(cs, at+1, func(c sourceCall, t int64) int { return int(c.at - t) })
	for i--; i >= 0 && cs[i].at >= at-ttl; i-- {
		if cs[i].conv != pc.idx {
			return true
		}
	}
	return false
}

// historyWarm says another conversation of pc's source sent, in the ttl
// seconds up to at, the history before message msg of pc (an assistant
// message): strategy.Env's HistoryWarm.
func (ix *sourceIndex) historyWarm(pc *preparedConv, msg int, at, ttl int64) bool {
	if ix == nil {
		return false
	}
	hist := pc.sk.hist
	j, ok := slices.BinarySearchFunc(hist, int32(msg), func(h histPoint, m int32) int { return int(h.msg - m) })
	if !ok {
		return false
	}
	if at == 0 {
		// Untimed: sent by an earlier conversation of the file, taken to
		// be within the TTL (a log's requests are minutes apart, not
		// hours).
		for _, c := range ix.untimed[pc.histKey(hist[j])^pc.fileKey()] {
			if c < pc.idx {
				return true
			}
		}
		return false
	}
	return ix.sentWithin(pc, pc.histKey(hist[j]), at, ttl)
}

// fileKey tells apart the files of a source, for untimed history.
func (pc *preparedConv) fileKey() uint64 {
	var h maphash.Hash
	h.SetSeed(histSeed)
	h.WriteString(pc.sk.path)
	return h.Sum64()
}
