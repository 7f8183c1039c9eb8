package tokenize

import "encoding/binary"

// noRank marks two parts that do not merge: above every rank.
const noRank = int32(1<<31 - 1)

// linearMax is the longest piece merge scans for its lowest rank at each
// step; longer pieces merge through a heap (mergeHeap), since a scan per
// step is quadratic in the piece's length: a 200 KB run of one letter
// took 38 s of CPU that way.
const linearMax = 64

// merge is the number of tokens byte-pair merging makes of piece, a piece
// of several bytes that is not a token itself: the pair of adjacent parts
// whose concatenation has the lowest rank merges first, the leftmost of
// equal ranks, until no pair is a token (tiktoken's byte_pair_merge).
func (f *fastBPE) merge(piece string) int {
	n := len(piece)
	if n > linearMax {
		return f.mergeHeap(piece)
	}
	filter := f.filter.Load()
	// The parts sit in order, compacted as they merge: bound[k] is where
	// part k starts (bound[parts] = n), rank[k] the rank of parts k and
	// k+1 merged. A piece has so few parts that moving the rest down is
	// cheaper than following links. buf is the piece with 8 bytes of
	// slack, so that a part of up to 8 bytes is read with one load.
	var buf [linearMax + 8]byte
	copy(buf[:], piece)
	var bound [linearMax + 1]uint8
	var rank [linearMax]int32
	for k := 0; k <= n; k++ {
		bound[k] = uint8(k)
	}
	for k := 0; k+1 < n; k++ {
		rank[k] = f.pairs[uint16(piece[k])<<8|uint16(piece[k+1])]
	}
	parts := n
	for parts > 1 {
		low, at := noRank, -1
		for k, r := range rank[:parts-1] {
			if r < low {
				low, at = r, k
			}
		}
		if at < 0 {
			break
		}
		// Part at+1 joins part at: its bound and the rank of it with
		// the part after it go.
		copy(bound[at+1:parts], bound[at+2:parts+1])
		if at+2 < parts {
			copy(rank[at+1:parts-2], rank[at+2:parts-1])
		}
		parts--
		if at+1 < parts {
			rank[at] = f.spanRank(&buf, piece, int(bound[at]), int(bound[at+2]), filter)
		}
		if at > 0 {
			rank[at-1] = f.spanRank(&buf, piece, int(bound[at-1]), int(bound[at+1]), filter)
		}
	}
	return parts
}

// spanRank is the rank of piece[i:j] (noRank when it is no token), buf
// being piece with 8 bytes of slack; filter, when not nil, is f's.
func (f *fastBPE) spanRank(buf *[linearMax + 8]byte, piece string, i, j int, filter *tokenFilter) int32 {
	if w := j - i; w <= maxPacked {
		// packKey's key, from one load.
		k := binary.LittleEndian.Uint64(buf[i:])
		packed := true
		if w < 8 {
			k = k&(1<<(8*w)-1) | uint64(w)<<56
		} else {
			packed = k>>56 >= 8
		}
		if packed {
			if filter != nil && !filter.mayHave(k) {
				return noRank
			}
			return f.shortRank(k)
		}
	}
	if r, ok := f.long.find(piece[i:j]); ok {
		return r
	}
	return noRank
}

// shortRank is the rank of the piece of packed key k, or noRank.
func (f *fastBPE) shortRank(k uint64) int32 {
	if at := f.short.find(k); at >= 0 {
		return f.short.ranks[at]
	}
	return noRank
}

// tokenFilter is a Bloom filter of the short tokens' packed keys: 256
// KiB, two bits a key in one word, so about 3% of the pieces that are no
// token pass it (TestTokenFilter). On DistinctText two of three parts
// that merging looks up are no token, and each such look-up probes
// packedRanks' 6 MiB until an empty slot; the filter answers most of
// them from a table a twentieth the size: 15% less CPU counting it.
type tokenFilter [1 << tokenFilterBits]uint64

const tokenFilterBits = 15

// filterAfter is how many pieces a memo sees merged before the filter is
// made.
const filterAfter = 2048

// useFilter makes f's filter, once.
func (f *fastBPE) useFilter() {
	f.filterOnce.Do(func() { f.filter.Store(newTokenFilter(&f.short)) })
}

// newTokenFilter makes the filter of t's keys: a few milliseconds, so a
// process makes it once it has merged filterAfter pieces through a memo
// (useFilter), and a short text is counted without.
func newTokenFilter(t *packedRanks) *tokenFilter {
	f := new(tokenFilter)
	for _, k := range t.keys {
		if k != 0 {
			w, mask := filterBits(k)
			f[w] |= mask
		}
	}
	return f
}

// filterBits is the word and the two bits of key k.
func filterBits(k uint64) (int, uint64) {
	h := (k ^ k>>29) * 0xbf58476d1ce4e5b9
	return int(h >> (64 - tokenFilterBits)), 1<<(h&63) | 1<<(h>>6&63)
}

// mayHave is false when k is surely no key of the table.
func (f *tokenFilter) mayHave(k uint64) bool {
	w, mask := filterBits(k)
	return f[w]&mask == mask
}

// mergeHeap is merge for a long piece: the candidate merges wait in a
// min-heap ordered by rank, then position (so the leftmost of equal ranks
// comes first, as in merge), and an entry whose pair has changed since it
// was pushed is skipped when it comes out. A pair's rank names one token,
// whose length is fixed, and the pair starting at a part only grows, so
// an entry whose rank is still its part's current rank is current.
// O(n log n) where merge's scan is O(n²).
func (f *fastBPE) mergeHeap(piece string) int {
	n := int32(len(piece))
	// Parts are named by their first byte: next[k] is the start of the
	// part after part k (n past the last), prev[k] of the one before,
	// rank[k] the rank of part k merged with the next (noRank: none;
	// -1: part k has merged into the one before).
	next, prev, rank := make([]int32, n+1), make([]int32, n+1), make([]int32, n+1)
	h := make(rankHeap, 0, n)
	for k := int32(0); k < n; k++ {
		next[k], prev[k] = k+1, k-1
	}
	next[n] = n
	for k := int32(0); k+1 < n; k++ {
		rank[k] = f.pairs[uint16(piece[k])<<8|uint16(piece[k+1])]
		if rank[k] != noRank {
			h = append(h, uint64(rank[k])<<32|uint64(k))
		}
	}
	rank[n-1] = noRank
	h.init()
	span := func(k int32) {
		rank[k] = noRank
		if b := next[k]; b < n {
			if r, ok := f.rankAt(piece, int(k), int(next[b])); ok {
				rank[k] = r
				h.push(uint64(r)<<32 | uint64(k))
			}
		}
	}
	parts := n
	for len(h) > 0 {
		e := h.pop()
		at := int32(uint32(e))
		if rank[at] != int32(e>>32) {
			continue // stale
		}
		gone := next[at]
		next[at] = next[gone]
		if next[at] < n {
			prev[next[at]] = at
		}
		rank[gone] = -1
		parts--
		span(at)
		if p := prev[at]; p >= 0 {
			span(p)
		}
	}
	return int(parts)
}

// rankHeap is a binary min-heap of rank<<32 | position.
type rankHeap []uint64

func (h rankHeap) init() {
	for i := len(h)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

func (h *rankHeap) push(x uint64) {
	*h = append(*h, x)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if s[p] <= s[i] {
			break
		}
		s[p], s[i] = s[i], s[p]
		i = p
	}
}

func (h *rankHeap) pop() uint64 {
	s := *h
	x := s[0]
	s[0] = s[len(s)-1]
	*h = s[:len(s)-1]
	h.down(0)
	return x
}

func (h rankHeap) down(i int) {
	for {
		c := 2*i + 1
		if c >= len(h) {
			return
		}
		if c+1 < len(h) && h[c+1] < h[c] {
			c++
		}
		if h[i] <= h[c] {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}
