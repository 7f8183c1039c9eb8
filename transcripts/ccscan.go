package transcripts

import (
	"encoding/json"
	"strings"

	fastjson "github.com/goccy/go-json"

	"github.com/tokenscope/tokenscope/transcripts/internal/jsonscan"
)

// ccScan decodes Claude Code lines in one pass over their bytes: it keeps
// the fields the reader uses, flattens tool results' content as it goes,
// and steps over everything else (toolUseResult, a copy of the tool's
// output, is a large share of a log) checking that it is JSON but making
// nothing of it. It accepts only lines the general decoder would decode
// to the same values: anything unusual (a key that matches a field only
// by case or through an escape, a repeated field, a string that is not
// UTF-8 or holds a lone surrogate, a value of the wrong type, invalid
// JSON) makes it give up, and the general decoder, whose results and
// errors are the reference, reads the line.
//
// One ccScan reads one file, one line at a time; it reuses its buffers.
type ccScan struct {
	jsonscan.Scanner

	blocks []anBlock                  // the line's blocks: valid until the next line
	msg    ccMessage[json.RawMessage] // the line's message: valid until the next line
	parent string                     // the line's parent: valid until the next line
	parts  []string                   // texts of the content being flattened

	// The last value of fields that repeat from line to line, given again
	// instead of a new copy.
	session, model, msgID, reqID, uuid, agent string
}

// decode reads line into cl, in one pass when it can.
func (sc *ccScan) decode(line []byte, cl *ccLine) error {
	if sc.line(line, cl) {
		return nil
	}
	*cl = ccLine{}
	return decodeCCLine(line, cl)
}

// line decodes a whole line; false means cl is to be decoded again by the
// general decoder.
func (sc *ccScan) line(line []byte, cl *ccLine) bool {
	sc.Data, sc.Pos = line, 0
	sc.WS()
	if !sc.head(cl) {
		return false
	}
	sc.WS()
	return sc.Pos == len(sc.Data)
}

// Fields of a line, of its message and of a block, as bits: a field seen
// twice goes to the general decoder.
const (
	fType = 1 << iota
	fUUID
	fParent
	fSidechain
	fMeta
	fCompact
	fSession
	fAgent
	fTimestamp
	fRequest
	fMessage
	fLeaf
)

var ccHeadKeys = []string{"type", "uuid", "parentUuid", "isSidechain", "isMeta", "isCompactSummary",
	"sessionId", "agentId", "timestamp", "requestId", "message", "leafUuid"}

func (sc *ccScan) head(cl *ccLine) bool {
	return sc.Object(func(key []byte) (f int, ok bool) {
		switch string(key) {
		case "type":
			return fType, sc.str(&cl.Type, nil)
		case "uuid":
			return fUUID, sc.str(&cl.UUID, &sc.uuid)
		case "parentUuid":
			if sc.Null() {
				cl.ParentUUID = nil
				return fParent, true
			}
			// Most lines' parent is the line before.
			ok = sc.str(&sc.parent, &sc.uuid)
			cl.ParentUUID = &sc.parent
			return fParent, ok
		case "isSidechain":
			return fSidechain, sc.Bool(&cl.IsSidechain)
		case "isMeta":
			return fMeta, sc.Bool(&cl.IsMeta)
		case "isCompactSummary":
			return fCompact, sc.Bool(&cl.IsCompactSummary)
		case "sessionId":
			return fSession, sc.str(&cl.SessionID, &sc.session)
		case "agentId":
			return fAgent, sc.str(&cl.AgentID, &sc.agent)
		case "timestamp":
			switch {
			case sc.Null():
				return fTimestamp, true
			case sc.At('"'):
				start := sc.Pos
				_, ok = sc.ScanString()
				return fTimestamp, ok && cl.Timestamp.UnmarshalJSON(sc.Data[start:sc.Pos]) == nil
			}
			return fTimestamp, false
		case "requestId":
			return fRequest, sc.str(&cl.RequestID, &sc.reqID)
		case "leafUuid":
			return fLeaf, sc.str(&cl.LeafUUID, nil)
		case "message":
			if sc.Null() {
				cl.Message = nil
				return fMessage, true
			}
			return fMessage, sc.message(cl)
		}
		return 0, !jsonscan.FoldsTo(key, ccHeadKeys) && sc.Skip()
	})
}

const (
	mID = 1 << iota
	mRole
	mModel
	mContent
	mUsage
)

var ccMessageKeys = []string{"id", "role", "model", "content", "usage"}

func (sc *ccScan) message(cl *ccLine) bool {
	if !sc.At('{') {
		return false
	}
	sc.msg = ccMessage[json.RawMessage]{}
	m := &sc.msg
	cl.Message = m
	cl.decoded = true // blocks hold the content, if any
	return sc.Object(func(key []byte) (f int, ok bool) {
		switch string(key) {
		case "id":
			return mID, sc.str(&m.ID, &sc.msgID)
		case "role":
			return mRole, sc.str(&m.Role, nil)
		case "model":
			return mModel, sc.str(&m.Model, &sc.model)
		case "content":
			switch {
			case sc.Null():
				return mContent, true
			case sc.At('"'):
				var s string
				ok = sc.str(&s, nil)
				sc.blocks = append(sc.blocks[:0], anBlock{Type: "text", Text: s})
				cl.blocks = sc.blocks
				return mContent, ok
			case sc.At('['):
				ok = sc.blockList()
				cl.blocks = sc.blocks
				return mContent, ok
			}
			return mContent, false
		case "usage":
			if sc.Null() {
				m.Usage = nil
				return mUsage, true
			}
			start := sc.Pos
			u := &anUsage{}
			ok = true
			if !sc.usage(u) {
				// Iterations, a count that is not a plain integer…: the
				// general decoder's business.
				sc.Pos = start
				if ok = sc.At('{') && sc.Skip(); ok {
					*u = anUsage{}
					ok = fastjson.Unmarshal(sc.Data[start:sc.Pos], u) == nil
				}
			}
			m.Usage = u
			return mUsage, ok
		}
		return 0, !jsonscan.FoldsTo(key, ccMessageKeys) && sc.Skip()
	})
}

const (
	uInput = 1 << iota
	uOutput
	uCacheWrite
	uCacheRead
	uCacheCreation
	u5m
	u1h
)

var anUsageKeys = []string{"input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens",
	"cache_creation", "iterations"}

var ccCacheCreationKeys = []string{"ephemeral_5m_input_tokens", "ephemeral_1h_input_tokens"}

// usage decodes a message's usage when it is the usual one: counts that
// are plain integers, no iterations. false leaves it to the general
// decoder (sc.Pos is then anywhere).
func (sc *ccScan) usage(u *anUsage) bool {
	return sc.Object(func(key []byte) (f int, ok bool) {
		switch string(key) {
		case "input_tokens":
			return uInput, sc.Count(&u.InputTokens)
		case "output_tokens":
			return uOutput, sc.Count(&u.OutputTokens)
		case "cache_creation_input_tokens":
			return uCacheWrite, sc.Count(&u.CacheCreationInputTokens)
		case "cache_read_input_tokens":
			return uCacheRead, sc.Count(&u.CacheReadInputTokens)
		case "cache_creation":
			if sc.Null() {
				return uCacheCreation, true
			}
			c := &struct {
				Ephemeral5m int64 `json:"ephemeral_5m_input_tokens"`
				Ephemeral1h int64 `json:"ephemeral_1h_input_tokens"`
			}{}
			u.CacheCreation = c
			return uCacheCreation, sc.Object(func(key []byte) (int, bool) {
				switch string(key) {
				case "ephemeral_5m_input_tokens":
					return u5m, sc.plainCount(&c.Ephemeral5m)
				case "ephemeral_1h_input_tokens":
					return u1h, sc.plainCount(&c.Ephemeral1h)
				}
				return 0, !jsonscan.FoldsTo(key, ccCacheCreationKeys) && sc.Skip()
			})
		}
		return 0, !jsonscan.FoldsTo(key, anUsageKeys) && sc.Skip()
	})
}

// plainCount decodes a count that is a plain integer into *p, or null,
// which leaves *p as it is.
func (sc *ccScan) plainCount(p *int64) bool {
	if sc.Null() {
		return true
	}
	v, ok := sc.Int()
	if ok {
		*p = v
	}
	return ok
}

const (
	bType = 1 << iota
	bText
	bThinking
	bID
	bName
	bInput
	bToolUseID
	bContent
	bData
	bSource
)

var anBlockKeys = []string{"type", "text", "thinking", "id", "name", "input", "tool_use_id", "content", "data", "source"}

// blockBit is the bit of a block's field: bType… are in anBlockKeys' order.
func blockBit(key []byte) int {
	for i, k := range anBlockKeys {
		if k == string(key) {
			return 1 << i
		}
	}
	return 0
}

// blockList decodes an array of content blocks into sc.blocks.
func (sc *ccScan) blockList() bool {
	sc.blocks = sc.blocks[:0]
	return sc.Array(func() bool {
		sc.blocks = append(sc.blocks, anBlock{})
		return sc.block(&sc.blocks[len(sc.blocks)-1])
	})
}

// block decodes one content block. Its input is left in the line (the
// reader copies it before the next line); its content is flattened as
// anText flattens it.
func (sc *ccScan) block(b *anBlock) bool {
	return sc.Object(func(key []byte) (f int, ok bool) {
		switch string(key) {
		case "type":
			return bType, sc.str(&b.Type, nil)
		case "text":
			return bText, sc.str(&b.Text, nil)
		case "thinking":
			return bThinking, sc.str(&b.Thinking, nil)
		case "id":
			return bID, sc.str(&b.ID, nil)
		case "name":
			return bName, sc.str(&b.Name, nil)
		case "tool_use_id":
			return bToolUseID, sc.str(&b.ToolUseID, nil)
		case "data":
			return bData, sc.str(&b.Data, nil)
		case "input":
			// A null input is kept as "null" by one decoder and not by
			// the other: the general path decides.
			start := sc.Pos
			if ok = !sc.At('n') && sc.Skip(); ok {
				b.Input = sc.Data[start:sc.Pos]
			}
			return bInput, ok
		case "content":
			b.flat = true
			b.flatText, b.flatImages, ok = sc.flatten()
			return bContent, ok
		case "source":
			return bSource, sc.Skip() // nothing reads it
		}
		return 0, !jsonscan.FoldsTo(key, anBlockKeys) && sc.Skip()
	})
}

// flatten reads a block's content as anText reads it: a string, null, or
// blocks whose texts are joined by newlines and whose images and
// documents are counted. Other content goes to the general decoder.
func (sc *ccScan) flatten() (text string, images int, ok bool) {
	switch {
	case sc.Null():
		return "", 0, true
	case sc.At('"'):
		ok = sc.str(&text, nil)
		return text, 0, ok
	}
	sc.parts = sc.parts[:0]
	ok = sc.Array(func() bool {
		var typ, txt string
		if !sc.Object(func(key []byte) (int, bool) {
			switch string(key) {
			case "type":
				return bType, sc.str(&typ, nil)
			case "text":
				return bText, sc.str(&txt, nil)
			case "thinking", "id", "name", "tool_use_id", "data":
				return blockBit(key), sc.StringOrNull()
			case "input", "content", "source":
				return blockBit(key), sc.Skip()
			}
			return 0, !jsonscan.FoldsTo(key, anBlockKeys) && sc.Skip()
		}) {
			return false
		}
		switch typ {
		case "text":
			sc.parts = append(sc.parts, txt)
		case "image", "document":
			images++
		}
		return true
	})
	if !ok {
		return "", 0, false
	}
	return strings.Join(sc.parts, "\n"), images, true
}

// str decodes a string (or null, leaving *v) into *v. last, when not nil,
// holds the field's previous value, given again when the bytes are equal.
func (sc *ccScan) str(v *string, last *string) bool {
	if !sc.At('"') {
		return sc.Null()
	}
	b, ok := sc.StrBytes()
	if !ok {
		return false
	}
	switch {
	case last == nil:
		*v = internType(b)
	case *last == string(b):
		*v = *last
	default:
		*v = string(b)
		*last = *v
	}
	return true
}

// internType gives the usual values of a type field without a copy.
func internType(raw []byte) string {
	switch string(raw) {
	case "user":
		return "user"
	case "assistant":
		return "assistant"
	case "text":
		return "text"
	case "tool_use":
		return "tool_use"
	case "tool_result":
		return "tool_result"
	case "thinking":
		return "thinking"
	}
	return string(raw)
}
