package tokenize

import (
	"encoding/json"
	"flag"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

var fastLoaded sync.Map // encoding → *fastBPE

func fast(t testing.TB, enc string) *fastBPE {
	if f, ok := fastLoaded.Load(enc); ok {
		return f.(*fastBPE)
	}
	f, err := loadFastBPE(enc)
	if err != nil {
		t.Fatal(err)
	}
	fastLoaded.Store(enc, f)
	return f
}

func oracle(enc, s string) int {
	return len(oracleOf(enc).EncodeOrdinary(s))
}

// Splitting cases where the patterns are subtle, against the oracle.
var splitCases = []string{
	"", "a", "Hello world", "HELLO", "HELLOworld", "helloWORLD", "don't I'LL we've", "'s", "x's'", "'hello",
	"\n  \n", "a \n\n b", "  leading", "trailing  ", "tabs\t\tand\tspaces", "\r\n\r\n", " \n", "\n ", "a  b", "a   \tb",
	"1234567", " 12", "a1b2c3", "3.14159", "١٢٣٤", "½ ⅓", "x²",
	"你好世界", "日本語のテキスト", "Привет, мир!", "مرحبا بالعالم", "नमस्ते दुनिया",
	"e\u0301", "\u0301abc", " \u0301x", "ñ", "Ⅻ", "ǅungla", "ʰello",
	"👨‍👩‍👧‍👦", "🇯🇵🇫🇷", "👍🏽", "!!!", " !?\n", "!\n/", "!/\n//x", " /path/to/file", "a\u00a0b", "\u00a0\u00a0x", "\u3000x",
	"func main() {\n\tfmt.Println(\"hi\")\n}\n", `{"a": [1, 2, {"b": null}]}`, "<context>doc</context>",
	"\xff\xfeinvalid\xc3", "mixedCASEWords AndMore", "ALLCAPS'S", "Ünïcödé ÜBER", "\v\f", "\u2028x\u2029",
}

func TestFastMatchesOracle(t *testing.T) {
	for _, enc := range []string{O200kBase, CL100kBase} {
		f := fast(t, enc)
		for _, s := range splitCases {
			if got, want := f.count(s), oracle(enc, s); got != want {
				t.Errorf("%s %q: fast %d, oracle %d", enc, s, got, want)
			}
		}
	}
}

func TestFastMatchesOfficialParity(t *testing.T) {
	var texts map[string]string
	var want map[string]map[string]int
	readJSON(t, "testdata/parity_texts.json", &texts)
	readJSON(t, "testdata/parity_tiktoken.json", &want)
	var corpusWant map[string]int
	readJSON(t, "testdata/corpus_tiktoken.json", &corpusWant)
	corpus := mixedCorpus(1 << 20)
	for _, enc := range []string{O200kBase, CL100kBase} {
		f, m := fast(t, enc), newMemo()
		for name, n := range want[enc] {
			if got := f.count(texts[name]); got != n {
				t.Errorf("%s %s: %d, official %d", enc, name, got, n)
			}
			if got := f.countMemo(texts[name], m); got != n {
				t.Errorf("%s %s with memo: %d, official %d", enc, name, got, n)
			}
		}
		if got := f.count(corpus); got != corpusWant[enc] {
			t.Errorf("%s corpus: %d, official %d", enc, got, corpusWant[enc])
		}
		for range 2 { // the second time, merged pieces come from the memo
			if got := f.countMemo(corpus, m); got != corpusWant[enc] {
				t.Errorf("%s corpus with memo: %d, official %d", enc, got, corpusWant[enc])
			}
		}
	}
}

// FuzzFastTokenizer checks the fast tokenizer against the oracle on
// generated text that stresses the split rules.
func FuzzFastTokenizer(f *testing.F) {
	for _, s := range splitCases {
		f.Add(s)
	}
	f.Add(strings.Repeat(" \n", 50) + "x")
	o200k, cl100k := fast(f, O200kBase), fast(f, CL100kBase)
	// One memo per encoding for the whole run, so inputs meet pieces that
	// earlier inputs merged, as messages of a run do.
	o200kMemo, cl100kMemo := newMemo(), newMemo()
	o200kPool, cl100kPool := &encoders[O200kBase].memos, &encoders[CL100kBase].memos
	f.Fuzz(func(t *testing.T, s string) {
		if strings.IndexFunc(s, unicode16Changed) >= 0 {
			// The oracle classes these with Unicode 15.0; TestUnicode16Parity
			// checks them against the official tiktoken instead.
			t.Skip()
		}
		want := oracle(O200kBase, s)
		if got := o200k.count(s); got != want {
			t.Errorf("o200k %q: fast %d, oracle %d", s, got, want)
		}
		if got := o200k.countMemo(s, o200kMemo); got != want {
			t.Errorf("o200k %q: fast with memo %d, oracle %d", s, got, want)
		}
		for range 2 { // counted, then from the count cache
			if got := encoders[O200kBase].count(s, o200kPool); got != int64(want) {
				t.Errorf("o200k %q: cached count %d, oracle %d", s, got, want)
			}
		}
		want = oracle(CL100kBase, s)
		if got := cl100k.count(s); got != want {
			t.Errorf("cl100k %q: fast %d, oracle %d", s, got, want)
		}
		if got := cl100k.countMemo(s, cl100kMemo); got != want {
			t.Errorf("cl100k %q: fast with memo %d, oracle %d", s, got, want)
		}
		for range 2 {
			if got := encoders[CL100kBase].count(s, cl100kPool); got != int64(want) {
				t.Errorf("cl100k %q: cached count %d, oracle %d", s, got, want)
			}
		}
	})
}

// shortMessages are 100,000 words, lines and fragments cut from the mixed
// corpus at varied offsets, on rune boundaries.
func shortMessages() []string {
	corpus := mixedCorpus(1 << 20)
	out := make([]string, 0, 100_000)
	for i := 0; i < 100_000; i++ {
		start := (i * 7919) % (len(corpus) - 200)
		end := start + 1 + (i*31)%120
		for start > 0 && !utf8.RuneStart(corpus[start]) {
			start--
		}
		for end < len(corpus) && !utf8.RuneStart(corpus[end]) {
			end++
		}
		out = append(out, corpus[start:end])
	}
	return out
}

var shortOut = flag.String("short-out", "", "write the 100,000 short messages of TestFastShortMessages as a JSON array")

// TestFastShortMessages counts 100,000 short messages with the fast
// tokenizer and checks them against the official tiktoken's total and sum
// of squares (testdata/short_tiktoken.json, npm tiktoken 1.0.22,
// encode_ordinary; regenerate the messages with -short-out), then each one
// against the oracle.
func TestFastShortMessages(t *testing.T) {
	msgs := shortMessages()
	if *shortOut != "" {
		data, _ := json.Marshal(msgs)
		if err := os.WriteFile(*shortOut, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var official map[string]struct{ Total, Squares int64 }
	readJSON(t, "testdata/short_tiktoken.json", &official)
	for _, enc := range []string{O200kBase, CL100kBase} {
		f, memo := fast(t, enc), newMemo()
		var total, squares, memoTotal, memoSquares int64
		for _, m := range msgs {
			n := int64(f.count(m))
			total += n
			squares += n * n
			n = int64(f.countMemo(m, memo))
			memoTotal += n
			memoSquares += n * n
		}
		if want := official[enc]; total != want.Total || squares != want.Squares {
			t.Errorf("%s: total %d, squares %d; official %d, %d", enc, total, squares, want.Total, want.Squares)
		}
		if want := official[enc]; memoTotal != want.Total || memoSquares != want.Squares {
			t.Errorf("%s with memo: total %d, squares %d; official %d, %d", enc, memoTotal, memoSquares, want.Total, want.Squares)
		}
	}
	if testing.Short() {
		return
	}
	bad := 0
	for _, s := range msgs {
		if bad >= 10 {
			break
		}
		for _, enc := range []string{O200kBase, CL100kBase} {
			if got, want := fast(t, enc).count(s), oracle(enc, s); got != want {
				t.Errorf("%s %q: fast %d, oracle %d", enc, s, got, want)
				bad++
			}
		}
	}
}

// A memo gives the counts merging gives, remembers merged pieces only, and
// its map of long pieces starts afresh when full.
func TestMemo(t *testing.T) {
	f := fast(t, O200kBase)
	texts := []string{"internationalization", "antidisestablishmentarianism", "xyzzyq", "Hello world", "日本語のテキスト",
		" pneumonoultramicroscopicsilicovolcanoconiosis", "qqqqqqqqqqqqqqqqqqqqqqqq", "qqqqqqqqqqqqqqqqqqqqqqqqq"}
	m := newMemo()
	for range 2 {
		for _, s := range texts {
			if got, want := f.countMemo(s, m), f.count(s); got != want {
				t.Errorf("%q: memo %d, merged %d", s, got, want)
			}
		}
	}
	// "Hello" and " world" are single tokens; the others need merging;
	// three are over memoKeyMax bytes.
	if n := m.entries(); n != 4 || len(m.long) != 3 {
		t.Errorf("memo holds %d short and %d long pieces, want 4 and 3", n, len(m.long))
	}
	for _, s := range []string{texts[0], texts[2], texts[4], texts[6]} {
		if n, ok := m.get(keyOf(s, 0, len(s))); !ok || n != f.count(s) {
			t.Errorf("%q: memo has %d, %v; want %d", s, n, ok, f.count(s))
		}
	}
	if n := f.countMemo("Hello world", newMemo()); n != 2 {
		t.Errorf("Hello world: %d tokens, want 2", n)
	}
	small := newMemo()
	small.limit = 256 // a few long entries
	for _, s := range texts {
		f.countMemo(s+s+s, small)
	}
	if small.bytes > small.limit {
		t.Errorf("memo holds %d bytes of long pieces, limit %d", small.bytes, small.limit)
	}
}

// entries is the number of pieces in m's table.
func (m *memo) entries() int {
	n := 0
	for _, e := range m.sets {
		if e.meta != 0 {
			n++
		}
	}
	return n
}

// keyOf packs the same piece alike wherever it sits (with or without
// bytes after it), and pieces that differ in a byte or in length apart.
func TestMemoKey(t *testing.T) {
	for _, p := range []string{"ab", "abcdefg", "abcdefgh", "abcdefghi", "abcdefghijklmnop", "abcdefghijklmnopq", strings.Repeat("z", 24)} {
		alone := keyOf(p, 0, len(p))
		within := keyOf("xx"+p+strings.Repeat("y", 30), 2, 2+len(p))
		if alone != within {
			t.Errorf("%q: %v alone, %v within a text", p, alone, within)
		}
		if shorter := keyOf(p, 0, len(p)-1); shorter == alone {
			t.Errorf("%q: the key of its prefix is its own", p)
		}
		other := []byte(p)
		other[len(p)-1]++
		if keyOf(string(other), 0, len(p)) == alone {
			t.Errorf("%q: a different last byte gives the same key", p)
		}
	}
}

// A memo's heap stays at its table and its long map's bound (and a
// little slack) when full, and again after the map starts afresh and
// fills up a second time.
func TestMemoHeap(t *testing.T) {
	f := fast(t, O200kBase)
	r := rand.New(rand.NewPCG(1, 1))
	letters := []byte("qxzjvkwbfgpmhcdltrsnoiaeuy")
	_, base := heapAfterGC()
	m := newMemo()
	piece := func() string { // " " and 2 to 40 letters: one piece, mostly merged
		b := make([]byte, 1+2+r.IntN(39))
		b[0] = ' '
		for i := 1; i < len(b); i++ {
			b[i] = letters[r.IntN(len(letters))]
		}
		return string(b)
	}
	table := int64(2*memoSets) * 32 // at its largest
	for round := range 2 {
		for m.bytes < m.limit-128 {
			f.countMemo(piece(), m)
		}
		heap, _ := heapAfterGC()
		used := int64(heap) - int64(base)
		t.Logf("round %d: %d short and %d long pieces, %d bytes accounted, heap %d", round, m.entries(), len(m.long), m.bytes, used)
		if len(m.long) < 5000 || m.entries() < 10000 {
			t.Fatalf("only %d long and %d short pieces", len(m.long), m.entries())
		}
		if bound := table + memoLongBytes*5/4; used > bound {
			t.Errorf("round %d: a full memo holds %.1f MiB, bound %.1f MiB", round, float64(used)/(1<<20), float64(bound)/(1<<20))
		}
		f.countMemo(" zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", m) // start afresh
	}
	runtime.KeepAlive(m)
}

// mergeScan is byte-pair merging as it was before merge and mergeHeap:
// linked parts and a scan for the lowest rank at every step, the way
// tiktoken's byte_pair_merge does it; the reference they are checked
// against on pieces of every length.
func (f *fastBPE) mergeScan(piece string) int {
	n := int32(len(piece))
	next, prev, rank := make([]int32, n+1), make([]int32, n+1), make([]int32, n+1)
	for k := int32(0); k < n; k++ {
		next[k], prev[k] = k+1, k-1
	}
	next[n] = n
	span := func(k int32) int32 {
		if end := next[next[k]]; next[k] < n {
			if r, ok := f.rankAt(piece, int(k), int(end)); ok {
				return r
			}
		}
		return noRank
	}
	for k := int32(0); k < n; k++ {
		rank[k] = span(k)
	}
	parts := n
	for parts > 1 {
		low, at := noRank, int32(-1)
		for k := int32(0); k < n; k = next[k] {
			if rank[k] < low {
				low, at = rank[k], k
			}
		}
		if at < 0 {
			break
		}
		gone := next[at]
		next[at] = next[gone]
		if next[at] < n {
			prev[next[at]] = at
		}
		parts--
		rank[at] = span(at)
		if p := prev[at]; p >= 0 {
			rank[p] = span(p)
		}
	}
	return int(parts)
}

// merge (pieces up to linearMax bytes) and mergeHeap (any length) give
// mergeScan's counts on random pieces of 2 to 300 bytes, from alphabets
// small enough that equal ranks meet (runs of one letter, "abab…") and
// of every byte; and the official tiktoken's on a few long pieces.
func TestMergeAlgorithms(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	alphabets := []string{"a", "ab", "aab", "qxzjvkwbfgpmhcdltrsnoiaeuy", "ETAOIN shrdlu0123", ""}
	for _, enc := range []string{O200kBase, CL100kBase} {
		f := fast(t, enc)
		f.useFilter() // as a long run merges
		for i := range 6000 {
			alpha := alphabets[i%len(alphabets)]
			b := make([]byte, 2+r.IntN(299))
			for k := range b {
				if alpha == "" {
					b[k] = byte(r.IntN(256))
				} else {
					b[k] = alpha[r.IntN(len(alpha))]
				}
			}
			p := string(b)
			want := f.mergeScan(p)
			if len(p) <= linearMax {
				if got := f.merge(p); got != want {
					t.Fatalf("%s %q: merge %d, scan %d", enc, p, got, want)
				}
			}
			if got := f.mergeHeap(p); got != want {
				t.Fatalf("%s %q: mergeHeap %d, scan %d", enc, p, got, want)
			}
		}
		for _, s := range []string{strings.Repeat("a", 1000), strings.Repeat("ab", 700), strings.Repeat("xyzzy", 300),
			strings.Repeat("Zq", 65), strings.Repeat("ы", 400), strings.Repeat("9", 1000)} {
			if got, want := f.count(s), oracle(enc, s); got != want {
				t.Errorf("%s %q…: %d tokens, oracle %d", enc, s[:10], got, want)
			}
		}
	}
}

// The filter lets every short token through (no count may change) and
// few pieces that are none.
func TestTokenFilter(t *testing.T) {
	for _, enc := range []string{O200kBase, CL100kBase} {
		f := fast(t, enc)
		filter := newTokenFilter(&f.short)
		keys := 0
		for _, k := range f.short.keys {
			if k != 0 {
				keys++
				if !filter.mayHave(k) {
					t.Fatalf("%s: token of key %#x filtered out", enc, k)
				}
			}
		}
		r := rand.New(rand.NewPCG(3, 3))
		letters := "qxzjvkwbfgpmhcdltrsnoiaeuy"
		var none, passed int
		for range 200000 {
			b := make([]byte, 3+r.IntN(6))
			for i := range b {
				b[i] = letters[r.IntN(len(letters))]
			}
			k, _ := packKey(string(b), 0, len(b))
			if f.short.find(k) >= 0 {
				continue
			}
			none++
			if filter.mayHave(k) {
				passed++
			}
		}
		rate := float64(passed) / float64(none)
		t.Logf("%s: %d keys; %.2f%% of %d pieces that are no token pass", enc, keys, 100*rate, none)
		if rate > 0.06 {
			t.Errorf("%s: %.1f%% of pieces that are no token pass the filter", enc, 100*rate)
		}
	}
}

func BenchmarkTokenFilter(b *testing.B) {
	f := fast(b, O200kBase)
	for range b.N {
		newTokenFilter(&f.short)
	}
}
