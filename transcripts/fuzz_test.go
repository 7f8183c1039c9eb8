package transcripts

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seeds adds every sample and broken file as a fuzz seed.
func seeds(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json*")
	broken, _ := filepath.Glob("testdata/broken/*")
	cc, _ := filepath.Glob("testdata/claude_code/*/*.jsonl")
	agents, _ := filepath.Glob("testdata/*/*.json*") // gemini, langfuse, otel
	codex, _ := filepath.Glob("testdata/codex/sessions/*/*/*/*.jsonl")
	for _, p := range append(append(append(append(append(files, broken...), cc...), agents...), codex...), "demo.jsonl") {
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
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			// The message is for a user: no Go type names, and the line
			// it names is one of the input's.
			if goTypeName.MatchString(e.Msg) {
				t.Fatalf("error shows a Go type: %v", err)
			}
			if lines := bytes.Count(data, []byte{'\n'}) + 1; e.Line > lines {
				t.Fatalf("error names line %d of %d: %v", e.Line, lines, err)
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

func FuzzAnthropic(f *testing.F)    { fuzzFormat(f, FormatAnthropic) }
func FuzzAnthropicLog(f *testing.F) { fuzzFormat(f, FormatAnthropicLog) }
func FuzzClaudeCode(f *testing.F)   { fuzzFormat(f, FormatClaudeCode) }
func FuzzShareGPT(f *testing.F)     { fuzzFormat(f, FormatShareGPT) }
func FuzzOpenAIBatch(f *testing.F)  { fuzzFormat(f, FormatOpenAIBatch) }
func FuzzLiteLLM(f *testing.F)      { fuzzFormat(f, FormatLiteLLM) }

func FuzzCodex(f *testing.F)     { fuzzFormat(f, FormatCodex) }
func FuzzGeminiCLI(f *testing.F) { fuzzFormat(f, FormatGeminiCLI) }
func FuzzOTel(f *testing.F)      { fuzzFormat(f, FormatOTel) }
func FuzzLangfuse(f *testing.F)  { fuzzFormat(f, FormatLangfuse) }

func FuzzOpenAIResponses(f *testing.F) { fuzzFormat(f, FormatOpenAIResponses) }
func FuzzGeminiAPI(f *testing.F)       { fuzzFormat(f, FormatGeminiAPI) }

// FuzzShrink: cutting the strings of valid JSON, in chunks of any size,
// leaves valid JSON (the usage pass decodes what it gives).
func FuzzShrink(f *testing.F) {
	seeds(f)
	f.Add([]byte(`{"a":"` + strings.Repeat(`é\"\\\u00e9x`, 2000) + `"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return
		}
		for _, size := range []int{1, 7, 4096} {
			sh := shrinker{keep: 2}
			var out []byte
			for i := 0; i < len(data); i += size {
				out = sh.filter(out, data[i:min(i+size, len(data))])
			}
			if !json.Valid(out) {
				t.Fatalf("chunks of %d: invalid JSON\n%.300q", size, out)
			}
		}
	})
}
