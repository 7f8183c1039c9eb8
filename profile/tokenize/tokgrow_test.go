package tokenize

import (
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
)

// A fresh encoder counting a short text allocates kilobytes, not the 2 MiB
// memo and 4 MiB count cache it starts with at full size: `count` of a
// short text then collects no garbage at start-up (a collection was a
// tenth of its CPU). The texts: single tokens only, and pieces to merge.
func TestShortCountAllocatesLittle(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		tokens     int64
	}{
		{"tokens", "Hello, world!\n", 4},
		{"merged", "antidisestablishmentarianism xyzzyq qqqqqqqqqqqqqqqq", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := freshEncoder(O200kBase)
			memos := &sync.Pool{New: func() any { return newMemo() }}
			want := int64(e.fast.count(tc.text))
			if tc.tokens != 0 && want != tc.tokens {
				t.Fatalf("%q: %d tokens, want %d", tc.text, want, tc.tokens)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			got := e.count(tc.text, memos)
			runtime.ReadMemStats(&after)
			if got != want {
				t.Errorf("%q: %d tokens, want %d", tc.text, got, want)
			}
			if n := after.TotalAlloc - before.TotalAlloc; n > 64<<10 {
				t.Errorf("counting %q allocated %d KiB, want under 64", tc.text, n>>10)
			}
		})
	}
}

// The memo starts at 1<<memoMinBits sets and, when a piece would push
// another out, grows to memoSets sets keeping every piece it held: no
// piece is forgotten before the table is full size.
func TestMemoGrows(t *testing.T) {
	m := newMemo()
	if len(m.sets) != 2<<memoMinBits {
		t.Fatalf("a new memo has %d entries, want %d", len(m.sets), 2<<memoMinBits)
	}
	r := rand.New(rand.NewPCG(3, 4))
	var keys []memoKey
	seen := map[memoKey]bool{}
	for len(m.sets) < 2*memoSets {
		b := make([]byte, 2+r.IntN(memoKeyMax-1))
		for i := range b {
			b[i] = byte('a' + r.IntN(26))
		}
		k := keyOf(string(b), 0, len(b))
		if seen[k] {
			continue
		}
		seen[k] = true
		m.put(k, len(keys)+1)
		keys = append(keys, k)
		if len(keys) > 2<<memoMinBits {
			t.Fatalf("still %d entries after %d pieces", len(m.sets), len(keys))
		}
	}
	t.Logf("grew at piece %d", len(keys))
	for i, k := range keys {
		if n, ok := m.get(k); !ok || n != i+1 {
			t.Errorf("piece %d of %d: %d, %v after growing; want %d", i, len(keys), n, ok, i+1)
		}
	}
}

// The count cache starts at cacheMinSets sets, grows to cacheSets when a
// put would push a count out, and keeps every count it held, also while
// goroutines count at once (run with -race): a text counted before the
// growth is not counted again.
func TestCountCacheGrows(t *testing.T) {
	e := freshEncoder(CL100kBase)
	if e.cache.table.Load() != nil {
		t.Fatal("a fresh encoder has a count cache")
	}
	text := func(i int) string { return fmt.Sprintf("text number %d", i) }
	e.count(text(0), nil)
	if n := len(e.cache.table.Load().slots); n != cacheMinSets*cacheWays {
		t.Fatalf("%d slots after one text, want %d", n, cacheMinSets*cacheWays)
	}
	const texts = 4000
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := g; i < texts; i += 4 {
				if got, want := e.count(text(i), nil), int64(e.fast.count(text(i))); got != want {
					t.Errorf("%q: %d tokens, want %d", text(i), got, want)
				}
			}
		})
	}
	wg.Wait()
	if n := len(e.cache.table.Load().slots); n != cacheSets*cacheWays {
		t.Fatalf("%d slots after %d texts, want %d", n, texts, cacheSets*cacheWays)
	}
	encodes := e.encodes.Load()
	for i := range texts {
		if got, want := e.count(text(i), nil), int64(e.fast.count(text(i))); got != want {
			t.Fatalf("%q from the cache: %d tokens, want %d", text(i), got, want)
		}
	}
	if again := e.encodes.Load() - encodes; again != 0 {
		t.Errorf("%d of %d texts counted again after the cache grew", again, texts)
	}
	// A count a slot cannot hold is not cached, and not mistaken.
	var c countCache
	a, b := maphash.String(hashSeeds[0], "x"), maphash.String(hashSeeds[1], "x")
	c.put(a, b, cacheCountMax+1)
	if n, ok := c.get(a, b); ok {
		t.Errorf("a count over %d came back as %d", cacheCountMax, n)
	}
}
