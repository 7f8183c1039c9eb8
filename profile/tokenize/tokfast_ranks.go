package tokenize

// packedRanks maps pieces of 1 to 8 bytes to their ranks: an open
// addressing table whose keys are the pieces packed in a word (packKey).
// Most pieces are one token of at most 8 bytes, so finding one is one
// multiply and, mostly, one cache line of keys, where a Go map hashes
// with a general hash and probes control bytes first. Ranks sit apart:
// counting needs only to know a piece is a token.
type packedRanks struct {
	keys  []uint64 // a power of two of them, 0 for an empty slot
	ranks []int32  // ranks[i] is keys[i]'s rank
	shift uint     // 64 - log2(len(keys)): a hash's top bits pick a slot
}

// maxPacked is the longest piece packedRanks holds.
const maxPacked = 8

// newPackedRanks makes a table for entries keys, at most 5/8 full: linear
// probing then stays short, and 8 keys share a cache line.
func newPackedRanks(entries int) packedRanks {
	size, shift := 1, uint(64)
	for size*5 < entries*8 {
		size, shift = size*2, shift-1
	}
	return packedRanks{keys: make([]uint64, size), ranks: make([]int32, size), shift: shift}
}

// slot is where the search for key starts. Multiplying mixes every byte
// of the key into the top bits.
func (t *packedRanks) slot(key uint64) uint64 {
	return (key * 0x9e3779b97f4a7c15) >> t.shift
}

// put stores key's rank; key is not 0.
func (t *packedRanks) put(key uint64, rank int32) {
	mask := uint64(len(t.keys) - 1)
	for i := t.slot(key); ; i = (i + 1) & mask {
		if t.keys[i] == 0 || t.keys[i] == key {
			t.keys[i], t.ranks[i] = key, rank
			return
		}
	}
}

// find returns the slot of key, or -1.
func (t *packedRanks) find(key uint64) int {
	mask := uint64(len(t.keys) - 1)
	for i := t.slot(key); ; i = (i + 1) & mask {
		switch t.keys[i&mask] {
		case key:
			return int(i & mask)
		case 0:
			return -1
		}
	}
}

// packKey returns the packedRanks key of the n bytes of s at i, n from 1
// to 8: a piece of up to 7 bytes is its bytes, little-endian, with n in
// the top byte; a piece of 8 bytes is its bytes, when the last is 8 or
// more, so no key is 0 and keys of different lengths differ. ok is false
// for an 8-byte piece ending in a byte below 8: such pieces, if tokens,
// are kept with the long ones. Where s has 8 bytes from i, one load reads
// them.
func packKey(s string, i, n int) (key uint64, ok bool) {
	if i+8 <= len(s) {
		key = load64(s[i:])
	} else {
		for j := i + n - 1; j >= i; j-- {
			key = key<<8 | uint64(s[j])
		}
	}
	if n == 8 {
		return key, key>>56 >= 8
	}
	return key&(1<<(8*n)-1) | uint64(n)<<56, true
}

// load64 reads the first 8 bytes of s, little-endian: the compiler makes
// one load of it.
func load64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}
