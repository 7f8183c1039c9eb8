package tokenize

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/tokenscope/tokenscope/transcripts"
	"github.com/tokenscope/tokenscope/transcripts/synthetic"
)

// mixedCorpus is about size bytes of prose, Go, JSON, CJK, Cyrillic and
// emoji text, each piece varied so that nothing repeats exactly.
func mixedCorpus(size int) string {
	var texts map[string]string
	data, _ := os.ReadFile("testdata/parity_texts.json")
	if err := jsonUnmarshal(data, &texts); err != nil {
		panic(err)
	}
	demo := transcripts.Demo(transcripts.Options{}).Conversations[0]
	names := make([]string, 0, len(texts))
	for name := range texts {
		names = append(names, name)
	}
	sort.Strings(names) // map order would make the corpus differ run to run
	var pieces []string
	for _, name := range names {
		pieces = append(pieces, texts[name])
	}
	for _, m := range demo.Messages {
		pieces = append(pieces, m.Content)
	}
	r := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	for b.Len() < size {
		p := pieces[r.IntN(len(pieces))]
		fmt.Fprintf(&b, "%d %s\n", r.IntN(100000), p)
	}
	return b.String()
}

// BenchmarkCount measures tokenizing throughput on one core, cache
// bypassed: the fast tokenizer tokenscope counts with, and the tiktoken-go
// oracle it is checked against.
func BenchmarkCount(b *testing.B) {
	benchCount(b, mixedCorpus(1<<20))
}

// BenchmarkCountDistinct is BenchmarkCount on 1 MiB of DistinctText: text
// whose passages do not repeat, where a memo of pieces helps least.
func BenchmarkCountDistinct(b *testing.B) {
	benchCount(b, synthetic.DistinctText(1, 1<<20))
}

// benchCount counts corpus line by line in each encoding: without a memo,
// through a memo kept over the iterations (after the first, every merged
// piece is in it), through a fresh memo each iteration (a text seen once:
// what a memo gives within one pass), and with the oracle (skipped with
// -short). Each reports its CPU time per iteration beside the wall time.
func benchCount(b *testing.B, corpus string) {
	lines := strings.SplitAfter(corpus, "\n")
	for _, enc := range []string{O200kBase, CL100kBase} {
		e := encoders[enc]
		e.countOne("warm", nil)
		run := func(name string, memos func() *sync.Pool, count func(string, *sync.Pool)) {
			b.Run(name, func(b *testing.B) {
				b.SetBytes(int64(len(corpus)))
				var pool *sync.Pool
				b.ResetTimer()
				cpu := cpuTime()
				for range b.N {
					if memos != nil && (pool == nil || name == enc+"/firstpass") {
						pool = memos()
					}
					for _, l := range lines {
						count(l, pool)
					}
				}
				b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N)/1e6, "cpu-ms/op")
			})
		}
		newPool := func() *sync.Pool { return &sync.Pool{New: func() any { return newMemo() }} }
		countOne := func(l string, p *sync.Pool) { e.countOne(l, p) }
		run(enc, nil, countOne)
		run(enc+"/memo", newPool, countOne)
		run(enc+"/firstpass", newPool, countOne)
		if testing.Short() {
			continue
		}
		tk := oracleOf(enc)
		run(enc+"/oracle", nil, func(l string, _ *sync.Pool) { _ = tk.EncodeOrdinary(l) })
	}
}

var corpusOut = flag.String("corpus-out", "", "write the 1 MiB mixed corpus of TestCorpusParity to this file")

// TestCorpusParity counts a 1 MiB mixed corpus (prose, Go, JSON, CJK,
// Cyrillic, Arabic, emoji, the demo's logs and code) in both encodings and
// compares with the official tiktoken's counts of the same text (npm
// tiktoken 1.0.22, encode_ordinary; regenerate the text with -corpus-out).
func TestCorpusParity(t *testing.T) {
	corpus := mixedCorpus(1 << 20)
	if *corpusOut != "" {
		if err := os.WriteFile(*corpusOut, []byte(corpus), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var want map[string]int64
	readJSON(t, "testdata/corpus_tiktoken.json", &want)
	for _, enc := range []string{O200kBase, CL100kBase} {
		tok, _ := NewTokenizer(enc, 1, true)
		if got := tok.Count(corpus); got != want[enc] {
			t.Errorf("%s: %d tokens, official tiktoken %d", enc, got, want[enc])
		}
	}
}

// TestDistinctParity counts 1 MiB of DistinctText (seed 1) in both
// encodings against the official tiktoken's counts of the same text (npm
// tiktoken 1.0.22, encode_ordinary, counted once and kept here).
func TestDistinctParity(t *testing.T) {
	corpus := synthetic.DistinctText(1, 1<<20)
	want := map[string]int64{O200kBase: 408581, CL100kBase: 449662}
	for _, enc := range []string{O200kBase, CL100kBase} {
		tok, _ := NewTokenizer(enc, 1, true)
		if got := tok.Count(corpus); got != want[enc] {
			t.Errorf("%s: %d tokens, official tiktoken %d", enc, got, want[enc])
		}
	}
}

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }

// BenchmarkMerge merges, without a memo, every piece of 1 MiB of
// DistinctText that is not one token (distinct: its made-up words), and
// a 200 KB run of one letter (long: through the heap; a scan per step
// took 38 s of CPU on it).
func BenchmarkMerge(b *testing.B) {
	f := fast(b, O200kBase)
	text := synthetic.DistinctText(1, 1<<20)
	var pieces []string
	size := 0
	for i := 0; i < len(text); {
		j, ok := splitO200kASCII(text, i)
		if !ok {
			j = splitO200k(text, i)
		}
		if j-i > 1 && !f.isToken(text, i, j) {
			pieces = append(pieces, text[i:j])
			size += j - i
		}
		i = j
	}
	long := strings.Repeat("a", 200_000)
	for _, c := range []struct {
		name   string
		pieces []string
		size   int
	}{{"distinct", pieces, size}, {"long", []string{long}, len(long)}} {
		b.Run(c.name, func(b *testing.B) {
			f.useFilter()
			b.SetBytes(int64(c.size))
			cpu := cpuTime()
			for range b.N {
				for _, p := range c.pieces {
					f.merge(p)
				}
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N)/1e6, "cpu-ms/op")
		})
	}
}
