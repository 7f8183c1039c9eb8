package transcripts

import (
	"encoding/binary"
	"encoding/json"
	"math/bits"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	fastjson "github.com/goccy/go-json"
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
	d []byte
	i int

	esc    []byte                     // unescaped string bytes
	blocks []anBlock                  // the line's blocks: valid until the next line
	msg    ccMessage[json.RawMessage] // the line's message: valid until the next line
	parent string                     // the line's parent: valid until the next line
	parts  []string                   // texts of the content being flattened

	// The last value of fields that repeat from line to line, given again
	// instead of a new copy.
	session, model, msgID, reqID, uuid, agent string
}

const maxScanDepth = 512 // deeper JSON goes to the general decoder

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
	sc.d, sc.i = line, 0
	sc.ws()
	if !sc.head(cl) {
		return false
	}
	sc.ws()
	return sc.i == len(sc.d)
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
	if !sc.byte('{') {
		return false
	}
	seen := 0
	for first := true; ; first = false {
		key, end, ok := sc.key(first)
		if !ok {
			return false
		}
		if end {
			return true
		}
		var f int
		switch string(key) {
		case "type":
			f, ok = fType, sc.str(&cl.Type, nil)
		case "uuid":
			f, ok = fUUID, sc.str(&cl.UUID, &sc.uuid)
		case "parentUuid":
			f = fParent
			if sc.null() {
				cl.ParentUUID = nil
			} else {
				// Most lines' parent is the line before.
				ok = sc.str(&sc.parent, &sc.uuid)
				cl.ParentUUID = &sc.parent
			}
		case "isSidechain":
			f, ok = fSidechain, sc.bool(&cl.IsSidechain)
		case "isMeta":
			f, ok = fMeta, sc.bool(&cl.IsMeta)
		case "isCompactSummary":
			f, ok = fCompact, sc.bool(&cl.IsCompactSummary)
		case "sessionId":
			f, ok = fSession, sc.str(&cl.SessionID, &sc.session)
		case "agentId":
			f, ok = fAgent, sc.str(&cl.AgentID, &sc.agent)
		case "timestamp":
			f = fTimestamp
			switch {
			case sc.null():
			case sc.at('"'):
				start := sc.i
				_, ok = sc.scanString()
				ok = ok && cl.Timestamp.UnmarshalJSON(sc.d[start:sc.i]) == nil
			default:
				ok = false
			}
		case "requestId":
			f, ok = fRequest, sc.str(&cl.RequestID, &sc.reqID)
		case "leafUuid":
			f, ok = fLeaf, sc.str(&cl.LeafUUID, nil)
		case "message":
			f = fMessage
			if sc.null() {
				cl.Message = nil
			} else {
				ok = sc.message(cl)
			}
		default:
			ok = !foldsTo(key, ccHeadKeys) && sc.skip(0)
		}
		if !ok || seen&f != 0 {
			return false
		}
		seen |= f
	}
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
	if !sc.byte('{') {
		return false
	}
	sc.msg = ccMessage[json.RawMessage]{}
	m := &sc.msg
	cl.Message = m
	cl.decoded = true // blocks hold the content, if any
	seen := 0
	for first := true; ; first = false {
		key, end, ok := sc.key(first)
		if !ok {
			return false
		}
		if end {
			return true
		}
		var f int
		switch string(key) {
		case "id":
			f, ok = mID, sc.str(&m.ID, &sc.msgID)
		case "role":
			f, ok = mRole, sc.str(&m.Role, nil)
		case "model":
			f, ok = mModel, sc.str(&m.Model, &sc.model)
		case "content":
			f = mContent
			switch {
			case sc.null():
			case sc.at('"'):
				var s string
				ok = sc.str(&s, nil)
				sc.blocks = append(sc.blocks[:0], anBlock{Type: "text", Text: s})
				cl.blocks = sc.blocks
			case sc.at('['):
				ok = sc.blockList()
				cl.blocks = sc.blocks
			default:
				ok = false
			}
		case "usage":
			f = mUsage
			if sc.null() {
				m.Usage = nil
				break
			}
			start := sc.i
			u := &anUsage{}
			if !sc.usage(u) {
				// Iterations, a count that is not a plain integer…: the
				// general decoder's business.
				sc.i = start
				if ok = sc.at('{') && sc.skip(0); ok {
					*u = anUsage{}
					ok = fastjson.Unmarshal(sc.d[start:sc.i], u) == nil
				}
			}
			m.Usage = u
		default:
			ok = !foldsTo(key, ccMessageKeys) && sc.skip(0)
		}
		if !ok || seen&f != 0 {
			return false
		}
		seen |= f
	}
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

// usage decodes a message's usage when it is the usual one: counts that
// are plain integers, no iterations. false leaves it to the general
// decoder (sc.i is then anywhere).
func (sc *ccScan) usage(u *anUsage) bool {
	if !sc.byte('{') {
		return false
	}
	seen := 0
	for first := true; ; first = false {
		key, end, ok := sc.key(first)
		if !ok {
			return false
		}
		if end {
			return true
		}
		var f int
		switch string(key) {
		case "input_tokens":
			f, ok = uInput, sc.count(&u.InputTokens)
		case "output_tokens":
			f, ok = uOutput, sc.count(&u.OutputTokens)
		case "cache_creation_input_tokens":
			f, ok = uCacheWrite, sc.count(&u.CacheCreationInputTokens)
		case "cache_read_input_tokens":
			f, ok = uCacheRead, sc.count(&u.CacheReadInputTokens)
		case "cache_creation":
			f = uCacheCreation
			if sc.null() {
				break
			}
			if !sc.byte('{') {
				return false
			}
			c := &struct {
				Ephemeral5m int64 `json:"ephemeral_5m_input_tokens"`
				Ephemeral1h int64 `json:"ephemeral_1h_input_tokens"`
			}{}
			u.CacheCreation = c
			cseen := 0
			for first := true; ; first = false {
				key, end, ok := sc.key(first)
				if !ok {
					return false
				}
				if end {
					break
				}
				var p *int64
				switch string(key) {
				case "ephemeral_5m_input_tokens":
					f, p = u5m, &c.Ephemeral5m
				case "ephemeral_1h_input_tokens":
					f, p = u1h, &c.Ephemeral1h
				default:
					if foldsTo(key, []string{"ephemeral_5m_input_tokens", "ephemeral_1h_input_tokens"}) || !sc.skip(0) {
						return false
					}
					continue
				}
				if sc.null() {
					// Leaves the count as it is.
				} else if v, ok := sc.int(); ok {
					*p = v
				} else {
					return false
				}
				if cseen&f != 0 {
					return false
				}
				cseen |= f
			}
			f = uCacheCreation
		default:
			ok = !foldsTo(key, anUsageKeys) && sc.skip(0)
		}
		if !ok || seen&f != 0 {
			return false
		}
		seen |= f
	}
}

// count decodes a count that is null (nil) or a plain integer.
func (sc *ccScan) count(p **int64) bool {
	if sc.null() {
		*p = nil
		return true
	}
	v, ok := sc.int()
	if ok {
		*p = &v
	}
	return ok
}

// int reads an integer of at most 18 digits, without fraction or
// exponent (anything else goes to the general decoder).
func (sc *ccScan) int() (int64, bool) {
	d, i := sc.d, sc.i
	neg := i < len(d) && d[i] == '-'
	if neg {
		i++
	}
	start := i
	var v int64
	for i < len(d) && d[i] >= '0' && d[i] <= '9' {
		v = v*10 + int64(d[i]-'0')
		i++
	}
	n := i - start
	if n == 0 || n > 18 || n > 1 && d[start] == '0' {
		return 0, false
	}
	if i < len(d) && (d[i] == '.' || d[i] == 'e' || d[i] == 'E') {
		return 0, false
	}
	if neg {
		v = -v
	}
	sc.i = i
	return v, true
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

// blockList decodes an array of content blocks into sc.blocks.
func (sc *ccScan) blockList() bool {
	sc.blocks = sc.blocks[:0]
	sc.i++ // '['
	for first := true; ; first = false {
		sc.ws()
		if sc.at(']') {
			sc.i++
			return true
		}
		if !first {
			if !sc.byte(',') {
				return false
			}
			sc.ws()
		}
		sc.blocks = append(sc.blocks, anBlock{})
		if !sc.block(&sc.blocks[len(sc.blocks)-1]) {
			return false
		}
	}
}

// block decodes one content block. Its input is left in the line (the
// reader copies it before the next line); its content is flattened as
// anText flattens it.
func (sc *ccScan) block(b *anBlock) bool {
	if !sc.byte('{') {
		return false
	}
	seen := 0
	for first := true; ; first = false {
		key, end, ok := sc.key(first)
		if !ok {
			return false
		}
		if end {
			return true
		}
		var f int
		switch string(key) {
		case "type":
			f, ok = bType, sc.str(&b.Type, nil)
		case "text":
			f, ok = bText, sc.str(&b.Text, nil)
		case "thinking":
			f, ok = bThinking, sc.str(&b.Thinking, nil)
		case "id":
			f, ok = bID, sc.str(&b.ID, nil)
		case "name":
			f, ok = bName, sc.str(&b.Name, nil)
		case "tool_use_id":
			f, ok = bToolUseID, sc.str(&b.ToolUseID, nil)
		case "data":
			f, ok = bData, sc.str(&b.Data, nil)
		case "input":
			// A null input is kept as "null" by one decoder and not by
			// the other: the general path decides.
			f = bInput
			start := sc.i
			if ok = !sc.at('n') && sc.skip(0); ok {
				b.Input = sc.d[start:sc.i]
			}
		case "content":
			f = bContent
			b.flat = true
			b.flatText, b.flatImages, ok = sc.flatten()
		case "source":
			f, ok = bSource, sc.skip(0) // nothing reads it
		default:
			ok = !foldsTo(key, anBlockKeys) && sc.skip(0)
		}
		if !ok || seen&f != 0 {
			return false
		}
		seen |= f
	}
}

// flatten reads a block's content as anText reads it: a string, null, or
// blocks whose texts are joined by newlines and whose images and
// documents are counted. Other content goes to the general decoder.
func (sc *ccScan) flatten() (text string, images int, ok bool) {
	switch {
	case sc.null():
		return "", 0, true
	case sc.at('"'):
		ok = sc.str(&text, nil)
		return text, 0, ok
	case !sc.at('['):
		return "", 0, false
	}
	sc.i++
	sc.parts = sc.parts[:0]
	for first := true; ; first = false {
		sc.ws()
		if sc.at(']') {
			sc.i++
			break
		}
		if !first {
			if !sc.byte(',') {
				return "", 0, false
			}
			sc.ws()
		}
		var typ, txt string
		if !sc.byte('{') {
			return "", 0, false
		}
		seen := 0
		for first := true; ; first = false {
			key, end, ok := sc.key(first)
			if !ok {
				return "", 0, false
			}
			if end {
				break
			}
			var f int
			switch string(key) {
			case "type":
				f, ok = bType, sc.str(&typ, nil)
			case "text":
				f, ok = bText, sc.str(&txt, nil)
			case "thinking":
				f, ok = bThinking, sc.stringOrNull()
			case "id":
				f, ok = bID, sc.stringOrNull()
			case "name":
				f, ok = bName, sc.stringOrNull()
			case "tool_use_id":
				f, ok = bToolUseID, sc.stringOrNull()
			case "data":
				f, ok = bData, sc.stringOrNull()
			case "input":
				f, ok = bInput, sc.skip(0)
			case "content":
				f, ok = bContent, sc.skip(0)
			case "source":
				f, ok = bSource, sc.skip(0)
			default:
				ok = !foldsTo(key, anBlockKeys) && sc.skip(0)
			}
			if !ok || seen&f != 0 {
				return "", 0, false
			}
			seen |= f
		}
		switch typ {
		case "text":
			sc.parts = append(sc.parts, txt)
		case "image", "document":
			images++
		}
	}
	return strings.Join(sc.parts, "\n"), images, true
}

// foldsTo reports whether key equals one of keys but for case: the
// standard decoder matches it, so the line is the general decoder's.
func foldsTo(key []byte, keys []string) bool {
	for _, k := range keys {
		if len(k) == len(key) && equalFoldASCII(key, k) {
			return true
		}
	}
	return false
}

func equalFoldASCII(a []byte, b string) bool {
	for i := range a {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// key reads the next key of an object and its colon; end reports the
// object's closing brace. Keys with escapes or non-ASCII bytes are the
// general decoder's (they may match a field once decoded or folded).
func (sc *ccScan) key(first bool) (key []byte, end, ok bool) {
	sc.ws()
	if sc.at('}') {
		sc.i++
		return nil, true, true
	}
	if !first {
		if !sc.byte(',') {
			return nil, false, false
		}
		sc.ws()
	}
	if !sc.at('"') {
		return nil, false, false
	}
	start := sc.i + 1
	i := start
	for ; i < len(sc.d) && sc.d[i] != '"'; i++ {
		if c := sc.d[i]; c < 0x20 || c == '\\' || c >= utf8.RuneSelf {
			return nil, false, false
		}
	}
	if i >= len(sc.d) {
		return nil, false, false
	}
	key = sc.d[start:i]
	sc.i = i + 1
	sc.ws()
	if !sc.byte(':') {
		return nil, false, false
	}
	sc.ws()
	return key, false, true
}

func (sc *ccScan) ws() {
	for sc.i < len(sc.d) {
		switch sc.d[sc.i] {
		case ' ', '\t', '\n', '\r':
			sc.i++
		default:
			return
		}
	}
}

func (sc *ccScan) at(c byte) bool { return sc.i < len(sc.d) && sc.d[sc.i] == c }

// byte consumes c.
func (sc *ccScan) byte(c byte) bool {
	if sc.at(c) {
		sc.i++
		return true
	}
	return false
}

func (sc *ccScan) lit(s string) bool {
	if len(sc.d)-sc.i >= len(s) && string(sc.d[sc.i:sc.i+len(s)]) == s {
		sc.i += len(s)
		return true
	}
	return false
}

// null consumes a null.
func (sc *ccScan) null() bool { return sc.at('n') && sc.lit("null") }

func (sc *ccScan) bool(v *bool) bool {
	switch {
	case sc.null():
		return true
	case sc.at('t') && sc.lit("true"):
		*v = true
		return true
	case sc.at('f') && sc.lit("false"):
		*v = false
		return true
	}
	return false
}

// stringOrNull steps over a string or null.
func (sc *ccScan) stringOrNull() bool {
	if !sc.at('"') {
		return sc.null()
	}
	_, ok := sc.scanString()
	return ok
}

// str decodes a string (or null, leaving *v) into *v. last, when not nil,
// holds the field's previous value, given again when the bytes are equal.
func (sc *ccScan) str(v *string, last *string) bool {
	if !sc.at('"') {
		return sc.null()
	}
	b, ok := sc.strBytes()
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

// hex4 reads the four hex digits at d[i:].
func hex4(d []byte, i int) (rune, bool) {
	if i+4 > len(d) {
		return 0, false
	}
	var r rune
	for _, c := range d[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// strBytes reads the string at sc.i (which must start with a quote) and
// returns its text as the standard decoder gives it: the line's own bytes
// when it has no escapes, else sc.esc's. It refuses what is not a JSON
// string and what the decoder would repair (invalid UTF-8, a lone
// surrogate). One pass, eight bytes at a time to the next quote,
// backslash or control character.
func (sc *ccScan) strBytes() ([]byte, bool) {
	d := sc.d
	i := sc.i + 1
	start := i
	var hi uint64 // the high bits of the bytes seen: any, and UTF-8 is checked
	esc := false
	out := sc.esc[:0]
	for {
		for i+8 <= len(d) {
			x := binary.LittleEndian.Uint64(d[i:])
			hi |= x
			q := x ^ (lsb * '"')
			b := x ^ (lsb * '\\')
			m := ((q - lsb) &^ q) | ((b - lsb) &^ b) | ((x - lsb*0x20) &^ x)
			if m &= msb; m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		for i < len(d) && d[i] != '"' && d[i] != '\\' && d[i] >= 0x20 {
			hi |= uint64(d[i])
			i++
		}
		if i >= len(d) || d[i] < 0x20 {
			return nil, false
		}
		if d[i] == '"' {
			sc.i = i + 1
			s := d[start:i]
			if esc {
				out = append(out, s...)
				sc.esc, s = out, out
			}
			if hi&msb != 0 && !utf8.Valid(s) {
				return nil, false
			}
			return s, true
		}
		// A backslash.
		esc = true
		out = append(out, d[start:i]...)
		if i+1 >= len(d) {
			return nil, false
		}
		switch c := d[i+1]; c {
		case '"', '\\', '/':
			out = append(out, c)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(d, i+2)
			if !ok {
				return nil, false
			}
			if utf16.IsSurrogate(r) {
				lo, ok := hex4(d, i+8)
				if !ok || d[i+6] != '\\' || d[i+7] != 'u' {
					return nil, false
				}
				if r = utf16.DecodeRune(r, lo); r == utf8.RuneError {
					return nil, false
				}
				i += 6
			}
			out = utf8.AppendRune(out, r)
			i += 4
		default:
			return nil, false
		}
		i += 2
		start = i
	}
}

// scanString steps over the string at sc.i as strBytes does, checking it
// is a JSON string, and reports whether it has escapes.
func (sc *ccScan) scanString() (esc, ok bool) {
	d := sc.d
	i := sc.i + 1
	for {
		for i+8 <= len(d) {
			x := binary.LittleEndian.Uint64(d[i:])
			q := x ^ (lsb * '"')
			b := x ^ (lsb * '\\')
			m := ((q - lsb) &^ q) | ((b - lsb) &^ b) | ((x - lsb*0x20) &^ x)
			if m &= msb; m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		for i < len(d) && d[i] != '"' && d[i] != '\\' && d[i] >= 0x20 {
			i++
		}
		if i >= len(d) || d[i] < 0x20 {
			return false, false
		}
		if d[i] == '"' {
			sc.i = i + 1
			return esc, true
		}
		// A backslash.
		esc = true
		if i+1 >= len(d) {
			return false, false
		}
		switch d[i+1] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			i += 2
		case 'u':
			if i+6 > len(d) || !isHex(d[i+2]) || !isHex(d[i+3]) || !isHex(d[i+4]) || !isHex(d[i+5]) {
				return false, false
			}
			i += 6
		default:
			return false, false
		}
	}
}

// skip steps over any JSON value, checking it.
func (sc *ccScan) skip(depth int) bool {
	if depth > maxScanDepth || sc.i >= len(sc.d) {
		return false
	}
	switch c := sc.d[sc.i]; c {
	case '"':
		_, ok := sc.scanString()
		return ok
	case '{':
		sc.i++
		for first := true; ; first = false {
			sc.ws()
			if sc.at('}') {
				sc.i++
				return true
			}
			if !first {
				if !sc.byte(',') {
					return false
				}
				sc.ws()
			}
			if !sc.at('"') {
				return false
			}
			if _, ok := sc.scanString(); !ok {
				return false
			}
			sc.ws()
			if !sc.byte(':') {
				return false
			}
			sc.ws()
			if !sc.skip(depth + 1) {
				return false
			}
		}
	case '[':
		sc.i++
		for first := true; ; first = false {
			sc.ws()
			if sc.at(']') {
				sc.i++
				return true
			}
			if !first {
				if !sc.byte(',') {
					return false
				}
				sc.ws()
			}
			if !sc.skip(depth + 1) {
				return false
			}
		}
	case 't':
		return sc.lit("true")
	case 'f':
		return sc.lit("false")
	case 'n':
		return sc.lit("null")
	}
	return sc.number()
}

// number steps over a JSON number.
func (sc *ccScan) number() bool {
	d, i := sc.d, sc.i
	if i < len(d) && d[i] == '-' {
		i++
	}
	digits := func() bool {
		s := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		return i > s
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case !digits():
		return false
	}
	if i < len(d) && d[i] == '.' {
		i++
		if !digits() {
			return false
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if !digits() {
			return false
		}
	}
	sc.i = i
	return true
}
