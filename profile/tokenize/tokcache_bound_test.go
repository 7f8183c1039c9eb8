package tokenize

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// The count cache keeps none of the texts it counts: counting 24 MiB of
// distinct texts, made and dropped file by file, leaves the encoder with
// its 4 MiB of slots and little more.
func TestCountCacheKeepsNoText(t *testing.T) {
	corpus := mixedCorpus(1 << 20)
	e := freshEncoder(O200kBase)
	memos := &sync.Pool{New: func() any { return newMemo() }}
	_, base := heapAfterGC()
	var counted int64
	for file := range 26 {
		for i := 0; i < 1<<10; i++ {
			start := (file*1031 + i*977) % (len(corpus) - 1024)
			s := fmt.Sprintf("%d/%d %s", file, i, corpus[start:start+1000])
			counted += int64(len(s))
			e.count(s, memos)
		}
	}
	_, heap := heapAfterGC()
	runtime.KeepAlive(e)
	runtime.KeepAlive(corpus) // else freeing it offsets what the encoder keeps
	kept := int64(heap) - int64(base)
	t.Logf("counted %d MiB of text, heap grew %.2f MiB", counted>>20, float64(kept)/(1<<20))
	if counted < 24<<20 {
		t.Fatalf("counted only %d bytes", counted)
	}
	if slots := int64(cacheSets * cacheWays * 16); kept > slots+slots/4 {
		t.Errorf("the encoder keeps %.1f MiB after counting %d MiB; its cache is %d MiB", float64(kept)/(1<<20), counted>>20, slots>>20)
	}
}

// Counts come back exact from the cache; past its size the least recently
// used counts go, the most recent stay, and the cache does not grow.
func TestCountCacheEvicts(t *testing.T) {
	e := freshEncoder(CL100kBase)
	want := func(s string) int64 { return int64(e.fast.count(s)) }
	texts := strings.Split(mixedCorpus(1<<20), "\n")
	for _, s := range texts {
		if got := e.count(s, nil); got != want(s) {
			t.Fatalf("%q: %d tokens, want %d", s, got, want(s))
		}
	}
	misses := e.encodes.Load()
	for _, s := range texts {
		if got := e.count(s, nil); got != want(s) {
			t.Fatalf("%q from the cache: %d tokens, want %d", s, got, want(s))
		}
	}
	if again := e.encodes.Load() - misses; again != 0 {
		t.Errorf("%d of %d lines counted again", again, misses)
	}
	// Three times as many distinct texts as slots, then the first and the
	// last thousand again: the first were evicted, the last were not.
	n := 3 * cacheSets * cacheWays
	text := func(i int) string { return fmt.Sprintf("text %d", i) }
	for i := range n {
		e.count(text(i), nil)
	}
	for _, tc := range []struct {
		name     string
		from     int
		maxCount int64
	}{{"last", n - 1000, 0}, {"first", 0, 1000}} {
		before := e.encodes.Load()
		for i := tc.from; i < tc.from+1000; i++ {
			if got := e.count(text(i), nil); got != want(text(i)) {
				t.Fatalf("%q: %d tokens, want %d", text(i), got, want(text(i)))
			}
		}
		if got := e.encodes.Load() - before; got > tc.maxCount || (tc.maxCount > 0 && got < 990) {
			t.Errorf("%s thousand texts: %d counted again", tc.name, got)
		}
	}
	if n := len(e.cache.table.Load().slots); n != cacheSets*cacheWays {
		t.Errorf("%d slots, want %d", n, cacheSets*cacheWays)
	}
}
