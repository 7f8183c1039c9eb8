// Package jsonscan reads JSON in one pass over its bytes, for decoders
// that keep a few fields of a large value and step over the rest (the
// Claude Code reader's fast path: a log's tool outputs are most of its
// bytes). What it steps over it checks as encoding/json would; whatever a
// standard decoder might read differently (a key with escapes or
// non-ASCII bytes, a string that is not UTF-8 or holds a lone surrogate,
// a number that is not a plain integer where one is wanted, nesting
// deeper than maxDepth) makes a method return false, and the caller hands
// the value to the standard decoder, whose results are the reference.
package jsonscan

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"
)

// A Scanner reads Data from Pos on; its methods advance Pos past what they
// read. One Scanner reads one value after another; it reuses its buffer.
type Scanner struct {
	Data []byte
	Pos  int

	esc []byte // unescaped string bytes
}

const maxDepth = 512 // deeper JSON goes to the standard decoder

// Count decodes a count that is null (nil) or a plain integer.
func (sc *Scanner) Count(p **int64) bool {
	if sc.Null() {
		*p = nil
		return true
	}
	v, ok := sc.Int()
	if ok {
		*p = &v
	}
	return ok
}

// Int reads an integer of at most 18 digits, without fraction or
// exponent (anything else goes to the standard decoder).
func (sc *Scanner) Int() (int64, bool) {
	d, i := sc.Data, sc.Pos
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
	sc.Pos = i
	return v, true
}

// FoldsTo reports whether key equals one of keys but for case: the
// standard decoder matches it, so the value is the standard decoder's.
func FoldsTo(key []byte, keys []string) bool {
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

// Object reads an object, handing each key to field with the scanner at
// the key's value. field reads the value and returns whether it could and
// the key's bit among the object's fields (0 for a key not kept): a field
// met twice, like anything field cannot read, makes Object false, since
// decoders differ on which of the two they keep.
func (sc *Scanner) Object(field func(key []byte) (bit int, ok bool)) bool {
	if !sc.Byte('{') {
		return false
	}
	seen := 0
	for first := true; ; first = false {
		key, end, ok := sc.Key(first)
		if !ok {
			return false
		}
		if end {
			return true
		}
		f, ok := field(key)
		if !ok || seen&f != 0 {
			return false
		}
		seen |= f
	}
}

// Array reads an array, calling elem with the scanner at each element;
// elem reads it and returns whether it could.
func (sc *Scanner) Array(elem func() bool) bool {
	if !sc.Byte('[') {
		return false
	}
	for first := true; ; first = false {
		if end, ok := sc.next(first, ']'); end || !ok {
			return ok
		}
		if !elem() {
			return false
		}
	}
}

// next moves to the next member or element of an object or array, past
// the comma that separates it from the one before (when not first); end
// reports the closing byte, consumed.
func (sc *Scanner) next(first bool, closing byte) (end, ok bool) {
	sc.WS()
	if sc.At(closing) {
		sc.Pos++
		return true, true
	}
	if !first {
		if !sc.Byte(',') {
			return false, false
		}
		sc.WS()
	}
	return false, true
}

// Key reads the next key of an object and its colon; end reports the
// object's closing brace. Keys with escapes or non-ASCII bytes are the
// standard decoder's (they may match a field once decoded or folded).
func (sc *Scanner) Key(first bool) (key []byte, end, ok bool) {
	if end, ok = sc.next(first, '}'); end || !ok {
		return nil, end, ok
	}
	if !sc.At('"') {
		return nil, false, false
	}
	start := sc.Pos + 1
	i := start
	for ; i < len(sc.Data) && sc.Data[i] != '"'; i++ {
		if c := sc.Data[i]; c < 0x20 || c == '\\' || c >= utf8.RuneSelf {
			return nil, false, false
		}
	}
	if i >= len(sc.Data) {
		return nil, false, false
	}
	key = sc.Data[start:i]
	sc.Pos = i + 1
	sc.WS()
	if !sc.Byte(':') {
		return nil, false, false
	}
	sc.WS()
	return key, false, true
}

func (sc *Scanner) WS() {
	for sc.Pos < len(sc.Data) {
		switch sc.Data[sc.Pos] {
		case ' ', '\t', '\n', '\r':
			sc.Pos++
		default:
			return
		}
	}
}

func (sc *Scanner) At(c byte) bool { return sc.Pos < len(sc.Data) && sc.Data[sc.Pos] == c }

// Byte consumes c.
func (sc *Scanner) Byte(c byte) bool {
	if sc.At(c) {
		sc.Pos++
		return true
	}
	return false
}

func (sc *Scanner) Lit(s string) bool {
	if len(sc.Data)-sc.Pos >= len(s) && string(sc.Data[sc.Pos:sc.Pos+len(s)]) == s {
		sc.Pos += len(s)
		return true
	}
	return false
}

// Null consumes a null.
func (sc *Scanner) Null() bool { return sc.At('n') && sc.Lit("null") }

func (sc *Scanner) Bool(v *bool) bool {
	switch {
	case sc.Null():
		return true
	case sc.At('t') && sc.Lit("true"):
		*v = true
		return true
	case sc.At('f') && sc.Lit("false"):
		*v = false
		return true
	}
	return false
}

// StringOrNull steps over a string or null.
func (sc *Scanner) StringOrNull() bool {
	if !sc.At('"') {
		return sc.Null()
	}
	_, ok := sc.ScanString()
	return ok
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

// plainRun returns the offset of the first quote, backslash or control
// character in d from i on (len(d) when there is none), eight bytes at a
// time, and the bytes before it ORed together: their high bits say
// whether UTF-8 is to be checked.
func plainRun(d []byte, i int) (int, uint64) {
	var hi uint64
	for i+8 <= len(d) {
		x := binary.LittleEndian.Uint64(d[i:])
		q := x ^ (lsb * '"')
		b := x ^ (lsb * '\\')
		m := ((q - lsb) &^ q) | ((b - lsb) &^ b) | ((x - lsb*0x20) &^ x)
		if m &= msb; m != 0 {
			n := bits.TrailingZeros64(m) >> 3
			return i + n, hi | x&(1<<(8*n)-1)
		}
		hi |= x
		i += 8
	}
	for i < len(d) && d[i] != '"' && d[i] != '\\' && d[i] >= 0x20 {
		hi |= uint64(d[i])
		i++
	}
	return i, hi
}

// StrBytes reads the string at sc.Pos (which must start with a quote) and
// returns its text as the standard decoder gives it: the line's own bytes
// when it has no escapes, else sc.esc's. It refuses what is not a JSON
// string and what the decoder would repair (invalid UTF-8, a lone
// surrogate). One pass, eight bytes at a time to the next quote,
// backslash or control character.
func (sc *Scanner) StrBytes() ([]byte, bool) {
	d := sc.Data
	i := sc.Pos + 1
	start := i
	var hi uint64 // the high bits of the bytes seen: any, and UTF-8 is checked
	esc := false
	out := sc.esc[:0]
	for {
		var h uint64
		i, h = plainRun(d, i)
		hi |= h
		if i >= len(d) || d[i] < 0x20 {
			return nil, false
		}
		if d[i] == '"' {
			sc.Pos = i + 1
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

// ScanString steps over the string at sc.Pos as StrBytes does, checking it
// is a JSON string, and reports whether it has escapes.
func (sc *Scanner) ScanString() (esc, ok bool) {
	d := sc.Data
	i := sc.Pos + 1
	for {
		i, _ = plainRun(d, i)
		if i >= len(d) || d[i] < 0x20 {
			return false, false
		}
		if d[i] == '"' {
			sc.Pos = i + 1
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

// Skip steps over any JSON value, checking it as encoding/json would; a
// value nested deeper than maxDepth is refused.
func (sc *Scanner) Skip() bool { return sc.skip(0) }

// skip is Skip at depth levels of nesting.
func (sc *Scanner) skip(depth int) bool {
	if depth > maxDepth || sc.Pos >= len(sc.Data) {
		return false
	}
	switch c := sc.Data[sc.Pos]; c {
	case '"':
		_, ok := sc.ScanString()
		return ok
	case '{':
		sc.Pos++
		for first := true; ; first = false {
			if end, ok := sc.next(first, '}'); end || !ok {
				return ok
			}
			if !sc.At('"') {
				return false
			}
			if _, ok := sc.ScanString(); !ok {
				return false
			}
			sc.WS()
			if !sc.Byte(':') {
				return false
			}
			sc.WS()
			if !sc.skip(depth + 1) {
				return false
			}
		}
	case '[':
		sc.Pos++
		for first := true; ; first = false {
			if end, ok := sc.next(first, ']'); end || !ok {
				return ok
			}
			if !sc.skip(depth + 1) {
				return false
			}
		}
	case 't':
		return sc.Lit("true")
	case 'f':
		return sc.Lit("false")
	case 'n':
		return sc.Lit("null")
	}
	return sc.number()
}

// number steps over a JSON number.
func (sc *Scanner) number() bool {
	d, i := sc.Data, sc.Pos
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
	sc.Pos = i
	return true
}
