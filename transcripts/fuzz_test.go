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
