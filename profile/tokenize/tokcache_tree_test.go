package tokenize

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/tokenscope/tokenscope/transcripts"
	"github.com/tokenscope/tokenscope/transcripts/synthetic"
)

// treeFiles is the text the engine counts in each file of a Claude Code
// projects tree, file by file in walk order.
type treeFiles [][]string

// readTree reads every .jsonl file under dir and keeps, per file, the
// texts countConversation and thinkingSums count.
func readTree(tb testing.TB, dir string) treeFiles {
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".jsonl") {
			paths = append(paths, p)
		}
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	sort.Strings(paths)
	var files treeFiles
	for _, p := range paths {
		src, err := transcripts.Open(p, transcripts.Options{})
		if err != nil {
			tb.Fatal(err)
		}
		var texts []string
		for _, c := range src.Conversations {
			for _, m := range c.Messages {
				texts = append(texts, m.Content, string(m.Role), m.Name, m.Reasoning)
				for _, tc := range m.ToolCalls {
					texts = append(texts, tc.Name, tc.Arguments)
				}
			}
		}
		files = append(files, texts)
	}
	return files
}

func (f treeFiles) bytes() (n int64) {
	for _, texts := range f {
		for _, s := range texts {
			n += int64(len(s))
		}
	}
	return n
}

// writeResumedTree writes a generated projects tree under dir in which
// every third session is also logged resumed: a later file that repeats
// its lines and then the next session's, as Claude Code re-logs the
// history of a resumed session.
func writeResumedTree(tb testing.TB, dir string) {
	if _, _, err := synthetic.WriteClaudeCode(dir, 24, 400<<10, 7); err != nil {
		tb.Fatal(err)
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "*", "*.jsonl"))
	sort.Strings(paths)
	for i := 0; i+1 < len(paths); i += 3 {
		a, errA := os.ReadFile(paths[i])
		b, errB := os.ReadFile(paths[i+1])
		if errA != nil || errB != nil {
			tb.Fatal(errA, errB)
		}
		out := filepath.Join(filepath.Dir(paths[i+1]), "zz-resumed-"+filepath.Base(paths[i]))
		if err := os.WriteFile(out, append(a, b...), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

var (
	resumedOnce sync.Once
	resumed     treeFiles
)

func resumedTree(tb testing.TB) treeFiles {
	resumedOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tokcache")
		if err != nil {
			tb.Fatal(err)
		}
		defer os.RemoveAll(dir)
		writeResumedTree(tb, dir)
		resumed = readTree(tb, dir)
	})
	return resumed
}

// freshEncoder is a new, empty-cached encoder sharing enc's loaded tables,
// as a new run of tokenscope starts with.
func freshEncoder(enc string) *encoder {
	base := encoders[enc]
	base.countOne("warm", nil)
	e := newEncoder(enc)
	e.fastOne.Do(func() { e.fast = base.fast })
	return e
}

// countTree counts every text of files one file at a time; clone makes
// each file's texts afresh and drops them after, as a streaming run does.
func countTree(e *encoder, memos *sync.Pool, files treeFiles, clone bool) int64 {
	var n int64
	for _, texts := range files {
		if clone {
			own := make([]string, len(texts))
			for i, s := range texts {
				own[i] = strings.Clone(s)
			}
			texts = own
		}
		for _, s := range texts {
			n += e.count(s, memos)
		}
	}
	return n
}

// heapAfterGC is the live heap after one collection (sync.Pool memos are
// then in the pool's victim cache: still held) and after a second (memos
// dropped: what the count cache alone keeps).
func heapAfterGC() (one, two uint64) {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	one = ms.HeapAlloc
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return one, ms.HeapAlloc
}

// BenchmarkCountTree counts the texts of a Claude Code projects tree with
// a fresh cache per iteration (one run of `report DIR`): a generated
// ~12 MB tree with resumed sessions, and /tmp/bench/projects when present.
// It reports the heap the encoder keeps after counting a copy of the tree
// file by file: retained-MB with the memos, cache-MB without.
func BenchmarkCountTree(b *testing.B) {
	trees := []struct {
		name  string
		files func(testing.TB) treeFiles
	}{
		{"resumed", resumedTree},
		{"bench", func(tb testing.TB) treeFiles {
			const dir = "/tmp/bench/projects"
			if _, err := os.Stat(dir); err != nil {
				b.Skip("no " + dir)
			}
			return readTree(tb, dir)
		}},
	}
	for _, tree := range trees {
		b.Run(tree.name, func(b *testing.B) {
			files := tree.files(b)
			b.SetBytes(files.bytes())
			var encodes int64
			b.ResetTimer()
			for range b.N {
				e := freshEncoder(O200kBase)
				countTree(e, &sync.Pool{New: func() any { return newMemo() }}, files, false)
				encodes = e.encodes.Load()
			}
			b.StopTimer()
			b.ReportMetric(float64(encodes), "encodes")
			e := freshEncoder(O200kBase)
			memos := &sync.Pool{New: func() any { return newMemo() }}
			_, base := heapAfterGC() // two collections: the timed runs' memos are gone
			countTree(e, memos, files, true)
			one, two := heapAfterGC()
			runtime.KeepAlive(e)
			runtime.KeepAlive(memos)
			runtime.KeepAlive(files) // else freeing the originals offsets the clones kept
			b.ReportMetric(float64(int64(one)-int64(base))/(1<<20), "retained-MB")
			b.ReportMetric(float64(int64(two)-int64(base))/(1<<20), "cache-MB")
		})
	}
}
