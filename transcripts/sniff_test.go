package transcripts

import (
	"bytes"
	"testing"
)

// Each new source is detected from its own first bytes, small or large
// (a 2 MiB string in its last message: the head no longer parses).
func TestDetectNewSources(t *testing.T) {
	for file, want := range map[string]string{
		"testdata/codex/sessions/2025/12/09/rollout-2025-12-09T19-55-16-019b04ae-b1c6-7c72-a134-a4c2de66058c.jsonl": FormatCodex,
		"testdata/gemini/session-2025-12-09T19-51-f0a689a6.json":                                                    FormatGeminiCLI,
		"testdata/gemini/session-2026-01-16T11-01-file-ops-37b7abef.json":                                           FormatGeminiCLI,
		"testdata/otel/pydantic-ai-tools.otlp.json":                                                                 FormatOTel,
		"testdata/otel/microsoft-agent.otlp.json":                                                                   FormatOTel,
		"testdata/otel/openai-agents.spans.jsonl":                                                                   FormatOTel,
		"testdata/langfuse/microsoft-agent-2025-10-14.json":                                                         FormatLangfuse,
		"testdata/langfuse/openai-agents-2025-09-30.json":                                                           FormatLangfuse,
		"testdata/langfuse/pydantic-ai-tools-2025-12-04.json":                                                       FormatLangfuse,
	} {
		data := readFile(t, file)
		if got, err := Detect(data); got != want {
			t.Errorf("%s: %q, %v; want %q", file, got, err, want)
		}
		at := -1
		for _, key := range []string{`"content": "`, `"stringValue": "`, `"text":"`, `"content":"`, `"name": "`} {
			if i := bytes.LastIndex(data, []byte(key)); i >= 0 && i+len(key) > at {
				at = i + len(key)
			}
		}
		if at < 0 {
			t.Fatalf("%s: no string to grow", file)
		}
		big := append(append(append([]byte(nil), data[:at]...), bytes.Repeat([]byte("x"), 2<<20)...), data[at:]...)
		if got, err := Detect(big); got != want {
			t.Errorf("%s at 2 MiB: %q, %v; want %q", file, got, err, want)
		}
		if src, err := Read(bytes.NewReader(big), file, Options{}); err != nil || src.Format != want {
			t.Errorf("%s at 2 MiB: read as %v, %v", file, src, err)
		}
	}
}

// Detect names the format of a file from its content, as Read does.
func Detect(data []byte) (string, error) {
	s, err := shapeUntil(bytes.NewReader(data), certain)
	if err != nil {
		return "", err
	}
	f, err := detect(s)
	return f.Name, err
}
