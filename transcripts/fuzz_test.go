package transcripts

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// seeds adds every sample and broken file as a fuzz seed.
func seeds(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json*")
	broken, _ := filepath.Glob("testdata/broken/*")
	for _, p := range append(append(files, broken...), "demo.jsonl") {
		if data, err := os.ReadFile(p); err == nil && len(data) < 1<<16 {
			f.Add(data)
		}
	}
	f.Add(demoJSONL[:2000])
}

func fuzzFormat(f *testing.F, format string) {
	seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		src, err := Read(bytes.NewReader(data), "fuzz", Options{Format: format, RAG: DefaultRAGRule()})
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if len(src.Conversations) == 0 {
			t.Fatal("no error and no conversation")
		}
	})
}

func FuzzDetect(f *testing.F)     { fuzzFormat(f, "auto") }
func FuzzNative(f *testing.F)     { fuzzFormat(f, FormatNative) }
func FuzzOpenAIChat(f *testing.F) { fuzzFormat(f, FormatOpenAIChat) }
func FuzzOpenAILog(f *testing.F)  { fuzzFormat(f, FormatOpenAILog) }
