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
	e := encoders[enc]
	e.load()
	return len(e.tk.EncodeOrdinary(s))
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
// starts afresh when full.
func TestMemo(t *testing.T) {
	f := fast(t, O200kBase)
	texts := []string{"internationalization", "antidisestablishmentarianism", "xyzzyq", "Hello world", "日本語のテキスト"}
	m := newMemo()
	for range 2 {
		for _, s := range texts {
			if got, want := f.countMemo(s, m), f.count(s); got != want {
				t.Errorf("%q: memo %d, merged %d", s, got, want)
			}
		}
	}
	// "Hello" and " world" are single tokens; the others need merging.
	if len(m.long) == 0 || len(m.short) == 0 {
		t.Errorf("memo holds %d long and %d short pieces", len(m.long), len(m.short))
	}
	if n := f.countMemo("Hello world", newMemo()); n != 2 {
		t.Errorf("Hello world: %d tokens, want 2", n)
	}
	small := newMemo()
	small.limit = 256 // a few entries
	for _, s := range texts {
		f.countMemo(s, small)
	}
	if small.bytes > small.limit {
		t.Errorf("memo holds %d bytes, limit %d", small.bytes, small.limit)
	}
}

// A memo's heap stays within memoBytes (and a little slack) when full,
// and again after starting afresh and filling up a second time: its maps
// keep their tables, which the accounting includes.
func TestMemoHeap(t *testing.T) {
	f := fast(t, O200kBase)
	r := rand.New(rand.NewPCG(1, 1))
	letters := []byte("qxzjvkwbfgpmhcdltrsnoiaeuy")
	_, base := heapAfterGC()
	m := newMemo()
	piece := func() string { // " " and 2 to 13 letters: one piece, mostly merged
		b := make([]byte, 1+2+r.IntN(12))
		b[0] = ' '
		for i := 1; i < len(b); i++ {
			b[i] = letters[r.IntN(len(letters))]
		}
		return string(b)
	}
	for round := range 2 {
		for m.bytes < m.limit-128 {
			f.countMemo(piece(), m)
		}
		heap, _ := heapAfterGC()
		used := int64(heap) - int64(base)
		t.Logf("round %d: %d short and %d long pieces, %d bytes accounted, heap %d", round, len(m.short), len(m.long), m.bytes, used)
		if len(m.long) < 10000 || len(m.short) < 10000 {
			t.Fatalf("only %d long and %d short pieces", len(m.long), len(m.short))
		}
		if used > memoBytes*5/4 {
			t.Errorf("round %d: a full memo holds %.1f MiB, bound %.1f MiB", round, float64(used)/(1<<20), float64(memoBytes)/(1<<20))
		}
		f.countMemo(" zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", m) // start afresh
	}
	runtime.KeepAlive(m)
}
