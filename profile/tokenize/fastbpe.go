package tokenize

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/pkoukk/tiktoken-go-loader/assets"
)

// fastBPE counts tokens like tiktoken's encode_ordinary, without regular
// expressions: a hand-written pre-tokenizer equivalent to the o200k and
// cl100k split patterns, and byte-pair merging that looks ranks up without
// allocating. tiktoken-go stays the oracle: tests and a differential fuzz
// target check every count against it.
type fastBPE struct {
	o200k bool
	long  longRanks   // pieces that packKey does not pack
	short packedRanks // pieces of up to maxPacked bytes: most pieces, found with a word's hash
	// pairs[a<<8|b] is the rank of the two bytes a, b as a token (noRank
	// when they are none): byte-pair merging starts by ranking every
	// adjacent pair, and a direct table (256 KB) answers that without a
	// probe of the larger ones.
	pairs *[1 << 16]int32
	// filter tells most short pieces that are no token from those that
	// may be (made on first use, tokenFilter).
	filterOnce sync.Once
	filter     atomic.Pointer[tokenFilter]
}

// rank looks piece up without allocating.
func (f *fastBPE) rank(piece string) (int32, bool) {
	return f.rankAt(piece, 0, len(piece))
}

// rankAt is the rank of s[i:j], reading a short piece's bytes with one
// load where s has 8 bytes from i.
func (f *fastBPE) rankAt(s string, i, j int) (int32, bool) {
	if n := j - i; n <= maxPacked {
		if k, ok := packKey(s, i, n); ok {
			if at := f.short.find(k); at >= 0 {
				return f.short.ranks[at], true
			}
			return 0, false
		}
	}
	return f.long.find(s[i:j])
}

// isToken reports whether s[i:j] is a token.
func (f *fastBPE) isToken(s string, i, j int) bool {
	if n := j - i; n <= maxPacked {
		if k, ok := packKey(s, i, n); ok {
			return f.short.find(k) >= 0
		}
	}
	_, ok := f.long.find(s[i:j])
	return ok
}

// loadFastBPE returns the fast tokenizer of an encoding from its embedded
// tables (tables.go), or parses the .tiktoken file where they cannot be
// used.
func loadFastBPE(name string) (*fastBPE, error) {
	if f, err := viewTables(name, embeddedTables(name)); err == nil {
		return f, nil
	}
	return parseFastBPE(name)
}

// parseFastBPE parses an embedded .tiktoken file (base64 token, rank) into
// the tables: what TestTablesCurrent writes, and the fallback.
func parseFastBPE(name string) (*fastBPE, error) {
	data, err := assets.Assets.ReadFile(name + ".tiktoken")
	if err != nil {
		return nil, err
	}
	n := bytes.Count(data, []byte{'\n'}) + 1
	arena := make([]byte, 0, len(data)*3/4)
	type span struct{ a, b, rank int32 }
	spans := make([]span, 0, n)
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	buf := make([]byte, 1024)
	for sc.Scan() {
		line := sc.Bytes()
		sp := bytes.IndexByte(line, ' ')
		if sp < 0 {
			continue
		}
		m, err := base64.StdEncoding.Decode(buf, line[:sp])
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		rank, err := strconv.Atoi(string(line[sp+1:]))
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		a := len(arena)
		arena = append(arena, buf[:m]...)
		spans = append(spans, span{int32(a), int32(len(arena)), int32(rank)})
	}
	all := string(arena)
	key := func(s span) (uint64, bool) {
		if s.b-s.a > maxPacked {
			return 0, false
		}
		return packKey(all, int(s.a), int(s.b-s.a))
	}
	short := 0
	for _, s := range spans {
		if _, ok := key(s); ok {
			short++
		}
	}
	f := &fastBPE{o200k: name == O200kBase, short: newPackedRanks(short)}
	var long []string
	var longRank []int32
	for _, s := range spans {
		if k, ok := key(s); ok {
			f.short.put(k, s.rank)
		} else {
			long, longRank = append(long, all[s.a:s.b]), append(longRank, s.rank)
		}
	}
	f.long = buildLongRanks(long, longRank)
	f.pairs = new([1 << 16]int32)
	for ab := range f.pairs {
		p := string([]byte{byte(ab >> 8), byte(ab)})
		if r, ok := f.rank(p); ok {
			f.pairs[ab] = r
		} else {
			f.pairs[ab] = noRank
		}
	}
	return f, nil
}

// count returns the number of tokens of s.
func (f *fastBPE) count(s string) int { return f.countMemo(s, nil) }

// countMemo returns the number of tokens of s, remembering merged pieces
// in m when it is not nil.
func (f *fastBPE) countMemo(s string, m *memo) int {
	if !utf8.ValidString(s) {
		// As the oracle does: each invalid byte becomes U+FFFD.
		s = string([]rune(s))
	}
	n := 0
	for i := 0; i < len(s); {
		var j int
		var ok bool
		if f.o200k {
			if j, ok = splitO200kASCII(s, i); !ok {
				j = splitO200k(s, i)
			}
		} else {
			if j, ok = splitCL100kASCII(s, i); !ok {
				j = splitCL100k(s, i)
			}
		}
		if w := j - i; w == 1 {
			n++ // every byte is a token
		} else if w < 8 && i+8 <= len(s) {
			// Most pieces: packed here so that the lookup inlines; the
			// key is packKey's too.
			k := load64(s[i:])&(1<<(8*w)-1) | uint64(w)<<56
			if f.short.find(k) >= 0 {
				n++
			} else {
				n += f.tokens(s, i, j, m)
			}
		} else if w <= maxPacked && f.isToken(s, i, j) {
			n++
		} else {
			// A longer piece is looked up in the memo before the rank
			// tables: most that come back are merged ones.
			n += f.tokens(s, i, j, m)
		}
		i = j
	}
	return n
}

// Character classes of the split patterns.
const (
	cLu    = 1 << iota // \p{Lu} or \p{Lt}: upper-case letters
	cLl                // \p{Ll}
	cLmLo              // \p{Lm} or \p{Lo}
	cM                 // \p{M}
	cN                 // \p{N}
	cSpace             // \s
	cNL                // \r or \n
)

const cL = cLu | cLl | cLmLo

var asciiClass = func() (t [128]uint8) {
	for c := 0; c < 128; c++ {
		r := rune(c)
		switch {
		case r >= 'A' && r <= 'Z':
			t[c] = cLu
		case r >= 'a' && r <= 'z':
			t[c] = cLl
		case r >= '0' && r <= '9':
			t[c] = cN
		case r == '\r' || r == '\n':
			t[c] = cSpace | cNL
		case unicode.IsSpace(r):
			t[c] = cSpace
		}
	}
	return
}()

// class returns the classes of the rune at s[i] and its width. The letter,
// mark and number tables are Unicode 16.0's (unicode16_tables.go), as the
// official tiktoken's regular expressions have them; Go's unicode package
// is at 15.0. Runes above ASCII are looked up in a table made from them
// (runeClasses).
func class(s string, i int) (uint8, int) {
	if c := s[i]; c < utf8.RuneSelf {
		return asciiClass[c], 1
	}
	return classRune(s, i)
}

// contraction returns the length of 's 't 're 've 'm 'll 'd (any case) at
// s[i], or 0.
func contraction(s string, i int) int {
	if i+1 >= len(s) || s[i] != '\'' {
		return 0
	}
	lower := func(c byte) byte { return c | 0x20 }
	switch lower(s[i+1]) {
	case 's', 't', 'm', 'd':
		return 2
	case 'r', 'v':
		if i+2 < len(s) && lower(s[i+2]) == 'e' {
			return 3
		}
	case 'l':
		if i+2 < len(s) && lower(s[i+2]) == 'l' {
			return 3
		}
	}
	return 0
}

// runOf returns the end of the run of runes from i whose class has any of
// the bits in mask.
func runOf(s string, i int, mask uint8) int {
	for i < len(s) {
		k, w := class(s, i)
		if k&mask == 0 {
			return i
		}
		i += w
	}
	return i
}

// whitespace handles the three whitespace alternatives shared by both
// patterns, at i where s[i] is white space:
//
//	\s*[\r\n]+ | \s+(?!\S) | \s+
func whitespace(s string, i int) int {
	end := i
	lastNL := -1
	lastStart := i // start of the last rune of the run
	for end < len(s) {
		k, w := class(s, end)
		if k&cSpace == 0 {
			break
		}
		if k&cNL != 0 {
			lastNL = end
		}
		lastStart = end
		end += w
	}
	if lastNL >= 0 {
		return lastNL + 1 // \r and \n are one byte
	}
	if end == len(s) {
		return end // \s+(?!\S) at the end of the text
	}
	if lastStart > i {
		return lastStart // \s+(?!\S): leave the last space to the next piece
	}
	return end // \s+
}

// splitCL100k returns the end of the piece starting at i:
//
//	(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
//	 ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
func splitCL100k(s string, i int) int {
	if n := contraction(s, i); n > 0 {
		return i + n
	}
	k0, w0 := class(s, i)
	// [^\r\n\p{L}\p{N}]?\p{L}+
	if k0&cL != 0 {
		return runOf(s, i+w0, cL)
	}
	if k0&(cNL|cN) == 0 && i+w0 < len(s) {
		if k1, w1 := class(s, i+w0); k1&cL != 0 {
			return runOf(s, i+w0+w1, cL)
		}
	}
	if k0&cN != 0 {
		return digits(s, i+w0)
	}
	if j, ok := punctuation(s, i, false); ok {
		return j
	}
	return whitespace(s, i)
}

// splitO200k returns the end of the piece starting at i:
//
//	[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|…)?|
//	[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|…)?|
//	\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+
func splitO200k(s string, i int) int {
	const upper = cLu | cLmLo | cM // [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]
	const lower = cLl | cLmLo | cM // [\p{Ll}\p{Lm}\p{Lo}\p{M}]
	k0, w0 := class(s, i)
	prefixOK := k0&(cNL|cL|cN) == 0 // may the optional prefix take s[i]?
	withContraction := func(j int) int { return j + contraction(s, j) }
	// The first two alternatives, with the prefix taken and then not.
	letters := func(p int) (int, bool) {
		// upper* lower+: the longest upper run, then backtrack to the last
		// position from which a lower run starts.
		u := runOf(s, p, upper)
		if u < len(s) {
			if k, _ := class(s, u); k&lower != 0 {
				return withContraction(runOf(s, u, lower)), true
			}
		}
		// Backtrack: the last rune of [p, u) that is in lower.
		for j := u; j > p; {
			_, w := utf8.DecodeLastRuneInString(s[:j])
			j -= w
			if k, _ := class(s, j); k&lower != 0 {
				return withContraction(runOf(s, j, lower)), true
			}
		}
		return 0, false
	}
	uppers := func(p int) (int, bool) {
		u := runOf(s, p, upper)
		if u == p {
			return 0, false
		}
		return withContraction(runOf(s, u, lower)), true
	}
	if prefixOK {
		if j, ok := letters(i + w0); ok {
			return j
		}
	}
	if j, ok := letters(i); ok {
		return j
	}
	if prefixOK {
		if j, ok := uppers(i + w0); ok {
			return j
		}
	}
	if j, ok := uppers(i); ok {
		return j
	}
	if k0&cN != 0 {
		return digits(s, i+w0)
	}
	if j, ok := punctuation(s, i, true); ok {
		return j
	}
	return whitespace(s, i)
}

// digits ends \p{N}{1,3} whose first digit ends at j.
func digits(s string, j int) int {
	for n := 1; n < 3 && j < len(s); n++ {
		k, w := class(s, j)
		if k&cN == 0 {
			break
		}
		j += w
	}
	return j
}

// punctuation matches ' '?[^\s\p{L}\p{N}]+ at i, then [\r\n]* (cl100k) or
// [\r\n/]* (o200k, slash set).
func punctuation(s string, i int, slash bool) (int, bool) {
	other := func(k uint8) bool { return k&(cSpace|cL|cN) == 0 }
	start := i
	if s[i] == ' ' && i+1 < len(s) {
		if k1, _ := class(s, i+1); other(k1) {
			start = i + 1
		}
	}
	if k, _ := class(s, start); !other(k) {
		return 0, false
	}
	j := start
	for j < len(s) {
		k, w := class(s, j)
		if !other(k) {
			break
		}
		j += w
	}
	for j < len(s) && (s[j] == '\r' || s[j] == '\n' || (slash && s[j] == '/')) {
		j++
	}
	return j, true
}
