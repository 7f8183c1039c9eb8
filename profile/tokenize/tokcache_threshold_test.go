package tokenize

import (
	"fmt"
	"hash/maphash"
	"sync"
	"testing"
	"unicode/utf8"
)

// BenchmarkCacheThreshold compares, per text length, counting a text
// again (with a warm memo) to what a cache hit costs (two hashes and a
// lookup). Measured on the project's machine: a hit is 20 ns for roles
// and tool names (counting 52 ns), 21 ns at 64 bytes (800 ns), 44 ns at
// 256 (3 µs); a miss adds about 35 ns. So encoder.count caches every text.
func BenchmarkCacheThreshold(b *testing.B) {
	corpus := mixedCorpus(1 << 20)
	for _, size := range []int{0, 8, 16, 32, 48, 64, 96, 128, 256} {
		// Size 0: roles and tool names, single tokens.
		texts := []string{"user", "assistant", "tool", "system", "Read", "Bash", "Edit", "TodoWrite"}
		for i := 0; size > 0 && len(texts) < 4096; i += 997 {
			if i == 0 {
				texts = texts[:0]
			}
			start, end := i%(len(corpus)-size-8), 0
			for !utf8.RuneStart(corpus[start]) {
				start++
			}
			for end = start + size; !utf8.RuneStart(corpus[end]); end++ {
			}
			texts = append(texts, corpus[start:end])
		}
		e := freshEncoder(O200kBase)
		memos := &sync.Pool{New: func() any { return newMemo() }}
		for _, s := range texts {
			e.cache.put(maphash.String(hashSeeds[0], s), maphash.String(hashSeeds[1], s), e.countOne(s, memos))
		}
		b.Run(fmt.Sprintf("%d/count", size), func(b *testing.B) {
			for i := range b.N {
				e.countOne(texts[i%len(texts)], memos)
			}
		})
		b.Run(fmt.Sprintf("%d/hit", size), func(b *testing.B) {
			for i := range b.N {
				s := texts[i%len(texts)]
				e.cache.get(maphash.String(hashSeeds[0], s), maphash.String(hashSeeds[1], s))
			}
		})
	}
}
