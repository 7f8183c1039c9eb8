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

func benchCount(b *testing.B, corpus string) {
	lines := strings.SplitAfter(corpus, "\n")
	for _, enc := range []string{O200kBase, CL100kBase} {
		e := encoders[enc]
		// Without a memo of pieces, and with one (a fresh pool per run).
		for _, v := range []struct {
			name string
			memo bool
		}{{enc, false}, {enc + "/memo", true}} {
			b.Run(v.name, func(b *testing.B) {
				var memos *sync.Pool
				if v.memo {
					memos = &sync.Pool{New: func() any { return newMemo() }}
				}
				e.countOne("warm", memos)
				b.SetBytes(int64(len(corpus)))
				b.ResetTimer()
				for range b.N {
					for _, l := range lines {
						e.countOne(l, memos)
					}
				}
			})
		}
		b.Run(enc+"/oracle", func(b *testing.B) {
			e.load()
			b.SetBytes(int64(len(corpus)))
			b.ResetTimer()
			for range b.N {
				for _, l := range lines {
					_ = e.tk.EncodeOrdinary(l)
				}
			}
		})
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
