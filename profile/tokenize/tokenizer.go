// Package tokenize counts tokens exactly: the embedded BPE encodings
// (o200k_base, cl100k_base) through a fast BPE checked against tiktoken,
// Unicode 16 character classes, a count cache, and the chat framing of a
// call (messages, tool schemas, reply priming). It needs nothing of the
// simulation engine, so the proxy counts a request with it alone.
package tokenize

import (
	"fmt"
	"hash/maphash"
	"math"
	"math/bits"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
)

// The BPE encodings tokenscope embeds.
const (
	O200kBase  = "o200k_base"
	CL100kBase = "cl100k_base"
)

// Tokenizer counts tokens of text in one encoding, optionally scaled by a
// factor to estimate another family's tokenizer. Counts are cached by a
// hash of the text in a cache of fixed size, so a text repeated within a
// run is tokenized once per encoding (unless evicted in between).
type Tokenizer struct {
	Encoding string  // the BPE encoding counted with
	Factor   float64 // 1 for exact counts; an estimate's scale otherwise
	Exact    bool    // counts are the model's own tokenizer's
	// ImageTokens is the estimate for one image (0: ImageTokens).
	ImageTokens int64
	base        *encoder
	memos       *sync.Pool // base's
}

// PerImage is the estimate for one image: ImageTokens unless set.
func (t *Tokenizer) PerImage() int64 {
	if t.ImageTokens > 0 {
		return t.ImageTokens
	}
	return ImageTokens
}

// Name describes the tokenizer: "o200k_base" or "≈o200k_base×1.10".
func (t *Tokenizer) Name() string {
	if t.Exact {
		return t.Encoding
	}
	if t.Factor == 1 {
		return "≈" + t.Encoding
	}
	return fmt.Sprintf("≈%s×%.2f", t.Encoding, t.Factor)
}

// Count returns the number of tokens of s.
func (t *Tokenizer) Count(s string) int64 {
	n := t.base.count(s, t.memos)
	if t.Factor == 1 || t.Factor == 0 {
		return n
	}
	return int64(math.Round(float64(n) * t.Factor))
}

// Encodes is how many texts this tokenizer's encoding has actually
// tokenized (cache misses), for tests that prove counts are reused.
func (t *Tokenizer) Encodes() int64 { return t.base.encodes.Load() }

// encoder is one loaded BPE encoding with its count cache, shared by every
// Tokenizer on that encoding. The oracle it is checked against,
// tiktoken-go, is linked into tests only (oracle_test.go): its regular
// expression engine's package init cost every command's start-up.
type encoder struct {
	name    string
	fast    *fastBPE // counts
	fastErr error
	fastOne sync.Once
	cache   countCache
	encodes atomic.Int64
	loaded  atomic.Bool // a table of the encoding was loaded
	// memos hold the counts of merged pieces, one memo per goroutine at a
	// time, shared by every Tokenizer on the encoding (engines and findings
	// make tokenizers often); the pool drops memos left unused over two
	// collections.
	memos sync.Pool
}

var encoders = map[string]*encoder{
	O200kBase:  newEncoder(O200kBase),
	CL100kBase: newEncoder(CL100kBase),
}

// LoadedEncodings names the encodings whose BPE tables were loaded, in
// order: commands that count nothing (statusline, usage) must load none.
func LoadedEncodings() []string {
	var out []string
	for _, name := range []string{CL100kBase, O200kBase} {
		if encoders[name].loaded.Load() {
			out = append(out, name)
		}
	}
	return out
}

// tableLoads counts the BPE tables this process loaded (an encoding's fast
// tables): each once, on first use, never at start.
var tableLoads atomic.Int64

// TableLoads is how many BPE tables this process has loaded, for tests
// that prove commands load them lazily and once.
func TableLoads() int64 { return tableLoads.Load() }

func newEncoder(name string) *encoder {
	e := &encoder{name: name}
	e.memos.New = func() any { return newMemo() }
	return e
}

// countOne counts s without the cache, with the fast tokenizer and a memo
// from memos (none when memos is nil).
func (e *encoder) countOne(s string, memos *sync.Pool) int64 {
	e.fastOne.Do(func() {
		e.loaded.Store(true)
		tableLoads.Add(1)
		e.fast, e.fastErr = loadFastBPE(e.name)
	})
	if e.fastErr != nil {
		panic(fmt.Sprintf("tokenscope: embedded encoding %s: %v", e.name, e.fastErr))
	}
	if memos == nil {
		return int64(e.fast.count(s))
	}
	m := memos.Get().(*memo)
	n := e.fast.countMemo(s, m)
	memos.Put(m)
	return int64(n)
}

// count returns the number of tokens of s, from the encoding's count cache
// when s was counted before: Claude Code logs repeat long texts across
// files (a resumed session re-logs its history) and the engine counts some
// texts twice. Even a single-token role costs less to hash and find than
// to count again (BenchmarkCacheThreshold), so every text is cached.
func (e *encoder) count(s string, memos *sync.Pool) int64 {
	if s == "" {
		return 0
	}
	a, b := maphash.String(hashSeeds[0], s), maphash.String(hashSeeds[1], s)
	if n, ok := e.cache.get(a, b); ok {
		return n
	}
	var n int64
	if len(s) >= parallelMin {
		n = e.countParallel(s, memos)
	} else {
		n = e.countOne(s, memos)
	}
	e.encodes.Add(1)
	e.cache.put(a, b, n)
	return n
}

// The count cache of an encoding is cacheSets sets of cacheWays slots of
// 16 bytes: 4 MiB, room for about four times the texts of a 100 MB Claude
// Code tree. A set is one 64-byte cache line. It starts at cacheMinSets
// sets (16 KiB: a process counting a few texts allocates no more, and its
// start-up collects no garbage) and, the first time a put would push a
// count out of a full set, grows to its full size, its counts moved.
const (
	cacheSets    = 1 << 16
	cacheMinSets = 1 << 8
	cacheWays    = 4
	cacheStripes = 64
)

// hashSeeds key the count cache: two independent hashes of each text.
var hashSeeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}

// countCache remembers token counts by two 64-bit hashes of the text
// (maphash with random seeds) without keeping the text, in an array of
// sets of bounded size, so its memory does not grow with the input; a full set drops
// its least recently used count. A slot holds the first hash whole (its
// top bits pick the set, so that a larger table can take the slots over),
// and the top 40 bits of the second beside the count (texts of more than
// 2^24 tokens are not cached). A wrong count needs two texts to agree on
// 103 hash bits: with millions of texts per run, a chance under 2^-60.
type countCache struct {
	table atomic.Pointer[cacheTable] // nil until first used
	grow  sync.Mutex
}

// cacheTable is the count cache's sets at one size, locked by stripes of
// sets. A table replaced by a larger one is never written again: a
// goroutine that took a stripe's lock checks the table is still the
// cache's, else tries again on the new one.
type cacheTable struct {
	slots []cacheSlot // set i is slots[i*cacheWays:][:cacheWays], most recently used first
	shift uint        // 64 - log2(sets)
	locks [cacheStripes]sync.Mutex
}

// cacheSlot is one remembered count: tag is the first hash with its low
// bit set (0 marks an empty slot), val the second hash's top 40 bits and
// the count.
type cacheSlot struct{ tag, val uint64 }

// cacheCountMax is the largest count a slot holds; cacheCheck masks the
// second hash's bits it keeps.
const (
	cacheCountMax = 1<<24 - 1
	cacheCheck    = ^uint64(cacheCountMax)
)

func newCacheTable(sets int) *cacheTable {
	return &cacheTable{slots: make([]cacheSlot, sets*cacheWays), shift: uint(64 - bits.TrailingZeros(uint(sets)))}
}

// lock returns the set of first hash a, in the cache's current table,
// with its stripe locked.
func (c *countCache) lock(a uint64) (*cacheTable, []cacheSlot, *sync.Mutex) {
	t := c.table.Load()
	if t == nil {
		c.grow.Lock()
		if t = c.table.Load(); t == nil {
			t = newCacheTable(cacheMinSets)
			c.table.Store(t)
		}
		c.grow.Unlock()
	}
	for {
		i := int(a >> t.shift)
		mu := &t.locks[i%cacheStripes]
		mu.Lock()
		if now := c.table.Load(); now != t {
			mu.Unlock() // grown meanwhile
			t = now
			continue
		}
		return t, t.slots[i*cacheWays : (i+1)*cacheWays], mu
	}
}

// get returns the count stored for hashes a, b.
func (c *countCache) get(a, b uint64) (int64, bool) {
	_, set, mu := c.lock(a)
	tag, check := a|1, b&cacheCheck
	for j, sl := range set {
		if sl.tag == tag && sl.val&cacheCheck == check {
			copy(set[1:j+1], set[:j]) // most recently used first
			set[0] = sl
			mu.Unlock()
			return int64(sl.val & cacheCountMax), true
		}
	}
	mu.Unlock()
	return 0, false
}

// put stores count n for hashes a, b first in their set, dropping the
// set's least recently used count when the table is at its full size,
// else growing it first.
func (c *countCache) put(a, b uint64, n int64) {
	if n < 0 || n > cacheCountMax {
		return // a count a slot cannot hold: not cached
	}
	for {
		t, set, mu := c.lock(a)
		if set[cacheWays-1].tag != 0 && len(t.slots) < cacheSets*cacheWays {
			mu.Unlock()
			c.grown(t)
			continue
		}
		copy(set[1:], set)
		set[0] = cacheSlot{tag: a | 1, val: b&cacheCheck | uint64(n)}
		mu.Unlock()
		return
	}
}

// grown replaces table t, when it is still the cache's, by one of the full
// size holding its counts: a set's counts go to the sets the next bits of
// their first hash pick, the least recently used first, so that each new
// set keeps its counts in order of use.
func (c *countCache) grown(t *cacheTable) {
	c.grow.Lock()
	defer c.grow.Unlock()
	if c.table.Load() != t {
		return
	}
	for i := range t.locks {
		t.locks[i].Lock()
	}
	next := newCacheTable(cacheSets)
	for i := 0; i < len(t.slots); i += cacheWays {
		for j := i + cacheWays - 1; j >= i; j-- {
			if sl := t.slots[j]; sl.tag != 0 {
				k := int(sl.tag>>next.shift) * cacheWays
				set := next.slots[k : k+cacheWays]
				copy(set[1:], set)
				set[0] = sl
			}
		}
	}
	c.table.Store(next)
	for i := range t.locks {
		t.locks[i].Unlock()
	}
}

// NewTokenizer returns a tokenizer on an embedded encoding.
func NewTokenizer(encoding string, factor float64, exact bool) (*Tokenizer, error) {
	e, ok := encoders[encoding]
	if !ok {
		return nil, fmt.Errorf("unknown encoding %q (known: %s, %s)", encoding, O200kBase, CL100kBase)
	}
	if factor <= 0 {
		factor = 1
	}
	return &Tokenizer{Encoding: encoding, Factor: factor, Exact: exact && factor == 1, base: e, memos: &e.memos}, nil
}

// OpenAIEncoding returns the tiktoken encoding of an OpenAI model id, as
// openai/tiktoken's model map has it (tiktoken-go's own map lacks gpt-5 and
// the o-series). ok is false for models that are not OpenAI's.
func OpenAIEncoding(model string) (enc string, ok bool) {
	m := strings.ToLower(model)
	if i := strings.LastIndexByte(m, '/'); i >= 0 {
		m = m[i+1:]
	}
	m = strings.TrimPrefix(m, "ft:")
	for _, p := range []string{"gpt-5", "gpt-4.1", "gpt-4.5", "gpt-4o", "chatgpt-4o", "o1", "o3", "o4-mini", "o4", "gpt-oss"} {
		if strings.HasPrefix(m, p) {
			return O200kBase, true
		}
	}
	for _, p := range []string{"gpt-4", "gpt-3.5", "gpt-35", "text-embedding-3", "text-embedding-ada-002"} {
		if strings.HasPrefix(m, p) {
			return CL100kBase, true
		}
	}
	return "", false
}

// parallelMin is the text size from which a text is split and counted on
// every core.
const parallelMin = 256 << 10

// countParallel counts a long text in chunks on every core. Chunks end
// just after a newline that is followed by a character that is not white
// space or '/': both encodings' split patterns always end a piece there
// (no pattern lets a piece run from a newline into a letter, digit or
// punctuation, except o200k's punctuation run that takes trailing
// newlines and slashes), so the sum equals the count of the whole text.
// A test checks it against counting the text whole.
func (e *encoder) countParallel(s string, memos *sync.Pool) int64 {
	chunks := splitAtBoundaries(s, 64<<10)
	var total atomic.Int64
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(chunks)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(chunks) {
					return
				}
				total.Add(e.countOne(chunks[i], memos))
			}
		}()
	}
	wg.Wait()
	return total.Load()
}

// splitAtBoundaries cuts s into pieces of about size bytes, each ending
// after a newline followed by a non-space character (see countParallel).
func splitAtBoundaries(s string, size int) []string {
	var out []string
	for len(s) > size {
		cut := -1
		for i := size; i < len(s)-1; i++ {
			if s[i] == '\n' && !isSpaceByte(s[i+1]) && s[i+1] != '/' && s[i+1] < 0x80 {
				cut = i + 1
				break
			}
		}
		if cut < 0 {
			break
		}
		out = append(out, s[:cut])
		s = s[cut:]
	}
	return append(out, s)
}

func isSpaceByte(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\v' || b == '\f'
}

// Known says whether encoding is one of the embedded encodings.
func Known(encoding string) bool {
	_, ok := encoders[encoding]
	return ok
}
