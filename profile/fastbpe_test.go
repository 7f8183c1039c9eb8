package profile

import (
	"strings"
	"testing"
)

func fast(t testing.TB, enc string) *fastBPE {
	f, err := loadFastBPE(enc)
	if err != nil {
		t.Fatal(err)
	}
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
		f := fast(t, enc)
		for name, n := range want[enc] {
			if got := f.count(texts[name]); got != n {
				t.Errorf("%s %s: %d, official %d", enc, name, got, n)
			}
		}
		if got := f.count(corpus); got != corpusWant[enc] {
			t.Errorf("%s corpus: %d, official %d", enc, got, corpusWant[enc])
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
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := o200k.count(s), oracle(O200kBase, s); got != want {
			t.Errorf("o200k %q: fast %d, oracle %d", s, got, want)
		}
		if got, want := cl100k.count(s), oracle(CL100kBase, s); got != want {
			t.Errorf("cl100k %q: fast %d, oracle %d", s, got, want)
		}
	})
}

// 100,000 short messages: words, lines and fragments cut from the mixed
// corpus at varied offsets, counted by the fast tokenizer and the oracle.
func TestFastShortMessages(t *testing.T) {
	if testing.Short() {
		t.Skip("oracle comparison on 100,000 messages")
	}
	corpus := mixedCorpus(1 << 20)
	o200k, cl100k := fast(t, O200kBase), fast(t, CL100kBase)
	bad := 0
	for i := 0; i < 100_000 && bad < 10; i++ {
		start := (i * 7919) % (len(corpus) - 200)
		n := 1 + (i*31)%120
		s := corpus[start : start+n]
		if got, want := o200k.count(s), oracle(O200kBase, s); got != want {
			t.Errorf("o200k %q: fast %d, oracle %d", s, got, want)
			bad++
		}
		if got, want := cl100k.count(s), oracle(CL100kBase, s); got != want {
			t.Errorf("cl100k %q: fast %d, oracle %d", s, got, want)
			bad++
		}
	}
}
