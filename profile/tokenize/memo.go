package tokenize

import (
	"math/bits"
	"strings"
)

// memo remembers the counts of pieces that byte-pair merging had to work
// out: most pieces are one token and found by a single rank lookup, but the
// few that need merging take most of the time and many come back (the
// common words of a text). A memo belongs to one encoding and is used by
// one goroutine at a time.
//
// Pieces of up to memoKeyMax bytes (nearly all) are kept in a table of
// sets of two entries, each the piece's bytes packed in three words:
// finding one is a multiply and one cache line, nothing is allocated, and
// a new piece pushes out its set's older one. The table starts small
// (32 KiB: a process counting a short text allocates no more, and its
// start-up collects no garbage) and, the first time a piece would push
// another out, grows to its full size, memoSets sets, its pieces moved
// (growing in smaller steps cost more in moves than it saved). It never
// grows past that, so it needs no bound. Longer pieces go in a map, which
// starts afresh when it holds about memoLongBytes.
type memo struct {
	sets   []memoEntry // sets of 2 entries, most recent first
	shift  uint        // 64 - log2(len(sets)/2): a piece's hash's top bits pick its set
	long   map[string]int32
	bytes  int // long's, as measured
	merged int // pieces merged through the memo
	limit  int // memoLongBytes but in tests
}

// memoEntry is a piece of up to memoKeyMax bytes (zero-padded,
// little-endian) and its count: meta is the piece's length | count<<8;
// 0 marks an empty entry (no piece is empty).
type memoEntry struct{ a, b, c, meta uint64 }

// The table: memoSets sets of two 32-byte entries (one cache line a set),
// 2 MiB, room for 65,536 pieces, at first 1<<memoMinBits sets (32 KiB);
// and the long pieces' map.
const (
	memoKeyMax    = 24
	memoBits      = 15
	memoSets      = 1 << memoBits
	memoMinBits   = 9
	memoLongBytes = 1 << 20
	memoLongEntry = 56 // a long entry's map slot and allocation, plus the piece's length
)

func newMemo() *memo {
	return &memo{sets: make([]memoEntry, 2<<memoMinBits), shift: 64 - memoMinBits,
		long: make(map[string]int32), limit: memoLongBytes}
}

// memoKey is a piece packed as a memoEntry's key.
type memoKey struct{ a, b, c, n uint64 }

// keyOf packs s[i:j], at most memoKeyMax bytes.
func keyOf(s string, i, j int) memoKey {
	n := j - i
	k := memoKey{n: uint64(n)}
	if i+memoKeyMax <= len(s) {
		k.a, k.b, k.c = load64(s[i:]), load64(s[i+8:]), load64(s[i+16:])
		k.a &= lowBytes(n)
		k.b &= lowBytes(n - 8)
		k.c &= lowBytes(n - 16)
		return k
	}
	for x := n - 1; x >= 0; x-- {
		w := &k.a
		if x >= 16 {
			w = &k.c
		} else if x >= 8 {
			w = &k.b
		}
		*w = *w<<8 | uint64(s[i+x])
	}
	return k
}

// lowBytes masks the n low bytes of a word (none for n ≤ 0, all for n ≥ 8).
func lowBytes(n int) uint64 {
	if n >= 8 {
		return ^uint64(0)
	}
	if n <= 0 {
		return 0
	}
	return 1<<(8*n) - 1
}

// set is the first entry of k's set.
func (m *memo) set(k memoKey) int {
	h := (k.a*0x9e3779b97f4a7c15 ^ k.b*0xbf58476d1ce4e5b9 ^ k.c*0x94d049bb133111eb) + k.n
	h = bits.RotateLeft64(h, 29) * 0xd6e8feb86659fd93
	return int(h>>m.shift) * 2
}

// get returns k's count.
func (m *memo) get(k memoKey) (int, bool) {
	at := m.set(k)
	s := m.sets[at : at+2 : at+2]
	for i := range s {
		if e := &s[i]; e.a == k.a && e.b == k.b && e.c == k.c && e.meta&0xff == k.n {
			return int(e.meta >> 8), true
		}
	}
	return 0, false
}

// put stores k's count, pushing out the older entry of its set when the
// table is at its full size, else growing it first.
func (m *memo) put(k memoKey, count int) {
	at := m.set(k)
	if m.sets[at+1].meta != 0 && m.shift > 64-memoBits {
		m.grow()
		at = m.set(k)
	}
	m.sets[at+1] = m.sets[at]
	m.sets[at] = memoEntry{k.a, k.b, k.c, k.n | uint64(count)<<8}
}

// grow makes the table its full size, keeping what it holds: a set's
// pieces go to the sets the next bits of their hash pick, the older first,
// so that each new set holds its pieces most recent first.
func (m *memo) grow() {
	old := m.sets
	m.sets, m.shift = make([]memoEntry, 2*memoSets), 64-memoBits
	for i := 0; i < len(old); i += 2 {
		for _, e := range [2]memoEntry{old[i+1], old[i]} {
			if e.meta != 0 {
				at := m.set(memoKey{e.a, e.b, e.c, e.meta & 0xff})
				m.sets[at+1] = m.sets[at]
				m.sets[at] = e
			}
		}
	}
}

// tokens is the number of tokens of s[i:j], a piece of several bytes
// that is not a token itself when j-i ≤ maxPacked, from m when it has
// it; m may be nil.
func (f *fastBPE) tokens(s string, i, j int, m *memo) int {
	if m == nil {
		return f.tokensOf(s, i, j)
	}
	if j-i > memoKeyMax {
		piece := s[i:j]
		if n, ok := m.long[piece]; ok {
			return int(n)
		}
		n := f.tokensOf(s, i, j)
		m.addLong(len(piece) + memoLongEntry)
		// A copy: piece is a slice of a message that the memo must not keep alive.
		m.long[strings.Clone(piece)] = int32(n)
		return n
	}
	k := keyOf(s, i, j)
	if n, ok := m.get(k); ok {
		return n
	}
	n := f.tokensOf(s, i, j)
	m.put(k, n)
	if m.merged++; m.merged == filterAfter {
		f.useFilter()
	}
	return n
}

// tokensOf counts s[i:j] without a memo: one token when it is one (only
// asked of pieces longer than maxPacked: callers found shorter ones
// not to be), else merged.
func (f *fastBPE) tokensOf(s string, i, j int) int {
	if j-i > maxPacked && f.isToken(s, i, j) {
		return 1
	}
	return f.merge(s[i:j])
}

// addLong accounts for a long entry of size bytes, starting afresh when
// full.
func (m *memo) addLong(size int) {
	m.bytes += size
	if m.bytes > m.limit {
		clear(m.long)
		m.bytes = size
	}
}
