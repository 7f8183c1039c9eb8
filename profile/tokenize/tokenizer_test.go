package tokenize

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tokenscope/tokenscope/transcripts"
)

// TestParity checks counts against figures produced once with the official
// tiktoken (npm tiktoken 1.0.22, encode_ordinary) on testdata/parity_texts.json.
func TestParity(t *testing.T) {
	var texts map[string]string
	var want map[string]map[string]int
	readJSON(t, "testdata/parity_texts.json", &texts)
	readJSON(t, "testdata/parity_tiktoken.json", &want)
	for _, enc := range []string{O200kBase, CL100kBase} {
		if len(want[enc]) < 5 {
			t.Fatalf("%s: only %d reference figures", enc, len(want[enc]))
		}
		tok, err := NewTokenizer(enc, 1, true)
		if err != nil {
			t.Fatal(err)
		}
		for name, n := range want[enc] {
			if got := tok.Count(texts[name]); got != int64(n) {
				t.Errorf("%s %s: %d tokens, official tiktoken %d", enc, name, got, n)
			}
		}
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatal(err)
	}
}

func TestOpenAIEncoding(t *testing.T) {
	for _, tc := range []struct{ model, enc string }{
		{"gpt-5", O200kBase}, {"gpt-5.4-nano", O200kBase}, {"gpt-5-2025-08-07", O200kBase},
		{"gpt-4o-2024-08-06", O200kBase}, {"openai/gpt-4o-mini", O200kBase}, {"gpt-4.1", O200kBase},
		{"gpt-4.5-preview", O200kBase}, {"o1", O200kBase}, {"o3-mini", O200kBase}, {"o4-mini-2025-04-16", O200kBase},
		{"ft:gpt-4o:acme::abc", O200kBase}, {"chatgpt-4o-latest", O200kBase}, {"gpt-oss-120b", O200kBase},
		{"gpt-4", CL100kBase}, {"gpt-4-0613", CL100kBase}, {"gpt-4-turbo", CL100kBase},
		{"gpt-3.5-turbo-0125", CL100kBase}, {"text-embedding-3-small", CL100kBase},
		{"claude-sonnet-4-5", ""}, {"gemini-2.5-pro", ""},
	} {
		got, ok := OpenAIEncoding(tc.model)
		if got != tc.enc || ok != (tc.enc != "") {
			t.Errorf("OpenAIEncoding(%q) = %q, %v; want %q", tc.model, got, ok, tc.enc)
		}
	}
}

func TestCountCache(t *testing.T) {
	tok, _ := NewTokenizer(CL100kBase, 1, true)
	// Unique per run: the cache is the process's, and -count reruns tests.
	text := fmt.Sprintf("a text counted only once, whatever the number of calls: %d", time.Now().UnixNano())
	before := tok.Encodes()
	for range 5 {
		if tok.Count(text) == 0 {
			t.Fatal("zero tokens")
		}
	}
	if n := tok.Encodes() - before; n != 1 {
		t.Errorf("tokenized %d times, want 1", n)
	}
}

func TestEstimatedTokenizer(t *testing.T) {
	tok, _ := NewTokenizer(O200kBase, 1.10, true)
	if tok.Exact {
		t.Error("a scaled tokenizer cannot be exact")
	}
	if got := tok.Count("a" + strings.Repeat(" a", 99)); got != 110 {
		t.Errorf("100 tokens ×1.10 = %d, want 110", got)
	}
	if tok.Name() != "≈o200k_base×1.10" {
		t.Errorf("name = %q", tok.Name())
	}
}

func TestToolDefTokens(t *testing.T) {
	// Worked by hand with the cookbook's rules on o200k:
	//   7 + tok("get_weather:Get the weather") = 7 + 5 (get, _weather, :, Get, " the weather" …)
	// The exact split is checked by summing the same pieces with Count.
	tok, err := NewTokenizer(O200kBase, 1, true)
	if err != nil {
		t.Fatal(err)
	}
	tools := []struct{ name, desc, params string }{{"get_weather", "Get the weather.", `{"type":"object","properties":{"city":{"type":"string","description":"City name."},"unit":{"type":"string","enum":["c","f"]}}}`}}
	var want int64 = 7 + tok.Count("get_weather:Get the weather") + 3 +
		3 + tok.Count("city:string:City name") +
		3 - 3 + (3 + tok.Count("c")) + (3 + tok.Count("f")) + tok.Count("unit:string:") + 12
	got := ToolDefTokens(toolsOf(tools), tok)
	if got != want {
		t.Errorf("ToolDefTokens = %d, want %d", got, want)
	}
	if want < 30 || want > 60 {
		t.Errorf("implausible tool cost %d", want)
	}
}

func toolsOf(ts []struct{ name, desc, params string }) []transcripts.Tool {
	var out []transcripts.Tool
	for _, t := range ts {
		out = append(out, transcripts.Tool{Name: t.name, Description: t.desc, Parameters: json.RawMessage(t.params)})
	}
	return out
}

// Counting a long text in parallel chunks gives the count of the whole.
func TestParallelCountExact(t *testing.T) {
	corpus := mixedCorpus(600 << 10)
	for _, enc := range []string{O200kBase, CL100kBase} {
		e := encoders[enc]
		whole := int64(len(oracleOf(enc).EncodeOrdinary(corpus)))
		if got := e.countParallel(corpus, nil); got != whole {
			t.Errorf("%s: parallel %d, whole %d", enc, got, whole)
		}
		if n := len(splitAtBoundaries(corpus, 64<<10)); n < 5 {
			t.Errorf("%s: only %d chunks", enc, n)
		}
	}
}

func TestSplitBoundaries(t *testing.T) {
	// "!\n/" is one o200k piece: never cut before a slash.
	text := strings.Repeat("x", 10) + "!\n/path\nnext"
	chunks := splitAtBoundaries(text, 5)
	if chunks[0] != strings.Repeat("x", 10)+"!\n/path\n" || strings.Join(chunks, "") != text {
		t.Errorf("chunks %q", chunks)
	}
}
