package price

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenscope/tokenscope/profile/tokenize"
)

// Every model of PRICES-SEED.md and the additions is in the table
// with the figures the provider rules settle on.
func TestSeedModels(t *testing.T) {
	tab := Default()
	for _, tc := range []struct {
		id              string
		in, out, cached float64
		context         int64
	}{
		{"gpt-5.2-pro", 21, 168, 21, 272_000}, // no cached rate (PROVIDER-RULES §7, LiteLLM)
		{"claude-opus-4-6", 5, 25, 0.50, 1_000_000},
		{"o1", 15, 60, 7.50, 200_000},
		{"gpt-5.2", 1.75, 14, 0.175, 272_000},
		{"gpt-5", 1.25, 10, 0.125, 272_000},
		{"claude-sonnet-4-6", 3, 15, 0.30, 1_000_000},
		{"gemini-2.5-pro", 1.25, 10, 0.125, 1_048_576},
		{"gpt-4.1", 2, 8, 0.50, 1_047_576},
		{"gpt-5-mini", 0.25, 2, 0.025, 272_000},
		{"claude-haiku-4-5", 1, 5, 0.10, 200_000},
		{"gemini-2.5-flash", 0.30, 2.50, 0.03, 1_048_576},
		{"deepseek-v3.2", 0.28, 0.42, 0.028, 128_000},
		{"gemini-2.0-flash-lite", 0.075, 0.30, 0.075, 1_048_576},
		{"llama-4-maverick", 0.15, 0.60, 0.15, 1_000_000},
		{"llama-3.3-70b", 0.10, 0.32, 0.10, 131_072},
		{"mistral-small-3.2", 0.06, 0.18, 0.06, 131_072}, // LiteLLM's first-party row (seed: 0.07/0.20)
		{"mistral-nemo", 0.30, 0.30, 0.30, 128_000},      // LiteLLM's first-party row (seed: a reseller's 0.02/0.04)
		{"gpt-5.4", 2.50, 15, 0.25, 1_050_000},
		{"gpt-5.4-mini", 0.75, 4.50, 0.075, 1_050_000},
		{"gpt-5.4-nano", 0.20, 1.25, 0.02, 1_050_000},
		{"gpt-5.4-pro", 30, 180, 3, 1_050_000},
		{"gpt-5.1", 1.25, 10, 0.125, 272_000},
		{"claude-opus-4-7", 5, 25, 0.50, 1_000_000},
		{"gemini-3.1-pro", 2, 12, 0.20, 1_048_576},
		{"gpt-4o", 2.50, 10, 1.25, 128_000},
		{"gpt-4o-mini", 0.15, 0.60, 0.075, 128_000},
		{"o3", 2, 8, 0.50, 200_000},
		{"o4-mini", 1.10, 4.40, 0.275, 200_000},
		{"claude-sonnet-4", 3, 15, 0.30, 200_000},
		{"claude-opus-4-5", 5, 25, 0.50, 200_000},
	} {
		p, ok := tab.Lookup(tc.id)
		if !ok {
			t.Errorf("%s missing", tc.id)
			continue
		}
		if p.Input != PriceFromPerMTok(tc.in) || p.Output != PriceFromPerMTok(tc.out) || p.CachedInput != PriceFromPerMTok(tc.cached) || p.ContextWindow != tc.context {
			t.Errorf("%s: in %v out %v cached %v context %d", tc.id, p.Input.PerMTok(), p.Output.PerMTok(), p.CachedInput.PerMTok(), p.ContextWindow)
		}
		if p.Source == "" {
			t.Errorf("%s: no source", tc.id)
		}
	}
	if tab.Date == "" {
		t.Error("table has no date")
	}
}

func TestProviderRules(t *testing.T) {
	tab := Default()
	sonnet, _ := tab.Lookup("claude-sonnet-4-6")
	// Anthropic: write 1.25× (5 min) and 2× (1 h), read 0.1×, explicit.
	if sonnet.CacheWrite5m != PriceFromPerMTok(3.75) || sonnet.CacheWrite1h != PriceFromPerMTok(6) || sonnet.Caching.Mode != CachingExplicit {
		t.Errorf("sonnet cache rule: %+v", sonnet)
	}
	gpt, _ := tab.Lookup("gpt-5")
	if gpt.Caching != (CachingRule{Mode: CachingAutomatic, MinPrefix: 1024, Granularity: 128}) {
		t.Errorf("gpt-5 caching %+v", gpt.Caching)
	}
	if gpt.Batched(gpt.Rates).Input != PriceFromPerMTok(0.625) {
		t.Errorf("gpt-5 batch input %v", gpt.Batched(gpt.Rates).Input.PerMTok())
	}
	if haiku, _ := tab.Lookup("claude-haiku-4-5"); haiku.Caching.MinPrefix != 4096 {
		t.Errorf("haiku min prefix %d", haiku.Caching.MinPrefix)
	}
}

// Long-context tiers price the whole request, output included, at the
// higher rate once input crosses the threshold.
func TestLongContextTier(t *testing.T) {
	p, _ := Default().Lookup("gemini-2.5-pro")
	below, above := p.RatesFor(200_000), p.RatesFor(200_001)
	if below.Input != PriceFromPerMTok(1.25) || below.Output != PriceFromPerMTok(10) {
		t.Errorf("at 200K: %+v", below)
	}
	if above.Input != PriceFromPerMTok(2.50) || above.Output != PriceFromPerMTok(15) || above.CachedInput != PriceFromPerMTok(0.25) {
		t.Errorf("above 200K: %+v", above)
	}
	// 250,000 input (100,000 cached) + 1,000 output: 150,000 × 2.50 +
	// 100,000 × 0.25 + 1,000 × 15 = 0.375 + 0.025 + 0.015 = $0.415.
	cost := above.Input.Cost(150_000) + above.CachedInput.Cost(100_000) + above.Output.Cost(1000)
	if cost.Decimal() != "0.415000000000" {
		t.Errorf("cost %s", cost.Decimal())
	}
	g54, _ := Default().Lookup("gpt-5.4")
	if r := g54.RatesFor(272_001); r.Output != PriceFromPerMTok(22.50) {
		t.Errorf("gpt-5.4 above 272K output %v", r.Output.PerMTok())
	}
}

func TestLookupAsLogged(t *testing.T) {
	tab := Default()
	for in, want := range map[string]string{
		"claude-sonnet-4-20250514":                  "claude-sonnet-4",
		"claude-sonnet-4-5-20250929":                "claude-sonnet-4-5",
		"claude-opus-4-6[1m]":                       "claude-opus-4-6",
		"anthropic/claude-haiku-4-5":                "claude-haiku-4-5",
		"anthropic.claude-sonnet-4-5-20250929-v1:0": "claude-sonnet-4-5",
		"gpt-4o-2024-08-06":                         "gpt-4o",
		"openai/gpt-5":                              "gpt-5",
		"gpt-5-2025-08-07":                          "gpt-5",
		"GPT-4.1":                                   "gpt-4.1",
		"chatgpt-4o-latest":                         "chatgpt-4o-latest",
		"deepseek-chat":                             "deepseek-chat",
		"deepseek/deepseek-reasoner":                "deepseek-reasoner",
		// ids as current agent logs and gateways write them
		"gpt-5.1-codex-max":                    "gpt-5.1",
		"gpt-5.2-codex":                        "gpt-5.2",
		"openai/gpt-5.3-codex":                 "gpt-5.3-codex",
		"gpt-5.5-2026-04-23":                   "gpt-5.5",
		"gpt-5.4-mini-2026-03-17":              "gpt-5.4-mini",
		"gpt-5.1-codex-mini":                   "gpt-5-mini",
		"gemini-3-flash-preview":               "gemini-3-flash",
		"vertex_ai/gemini-3-flash-preview":     "gemini-3-flash",
		"gemini/gemini-3.1-pro-preview":        "gemini-3.1-pro",
		"vertex_ai/gemini-3.1-pro-preview":     "gemini-3.1-pro",
		"claude-opus-4-7-20260416":             "claude-opus-4-7",
		"anthropic/claude-opus-4-6-20260205":   "claude-opus-4-6",
		"claude-haiku-4-5-20251001":            "claude-haiku-4-5",
		"claude-opus-4-1-20250805":             "claude-opus-4-1",
		"claude-opus-4-20250514":               "claude-opus-4-1",
		"vertex_ai/claude-sonnet-4-5@20250929": "claude-sonnet-4-5",
		"gemini-3.1-pro-preview":               "gemini-3.1-pro",
		"o4-mini-2025-04-16":                   "o4-mini",
		"claude-opus-4.7":                      "claude-opus-4-7",
		// xAI and Mistral, as their APIs and LiteLLM spell them
		"grok-4":                         "grok-4",
		"grok-4-0709":                    "grok-4",
		"xai/grok-4":                     "grok-4",
		"xai/grok-4-latest":              "grok-4",
		"grok-4-fast-non-reasoning":      "grok-4-fast-reasoning",
		"xai/grok-4-1-fast-reasoning":    "grok-4-1-fast-reasoning",
		"grok-4-1-fast-non-reasoning":    "grok-4-1-fast-reasoning",
		"grok-4.20-0309-reasoning":       "grok-4.20-0309-reasoning",
		"xai/grok-4.3-latest":            "grok-4.3",
		"grok-code-fast-1":               "grok-code-fast-1",
		"grok-code-fast-1-0825":          "grok-code-fast-1",
		"grok-3-mini-latest":             "grok-3-mini",
		"mistral-large-latest":           "mistral-large-3",
		"mistral/mistral-large-latest":   "mistral-large-3",
		"mistral-large-2512":             "mistral-large-3",
		"mistral-large-2411":             "mistral-large-2411",
		"mistral-medium-latest":          "mistral-medium-3-5",
		"mistral-medium-2508":            "mistral-medium-3-1",
		"mistral-small-latest":           "mistral-small-3.2",
		"mistral-small-2506":             "mistral-small-3.2",
		"open-mistral-nemo":              "mistral-nemo",
		"magistral-medium-2509":          "magistral-medium",
		"mistral/magistral-small-latest": "magistral-small",
		"devstral-2512":                  "devstral-2",
		"devstral-medium-latest":         "devstral-2",
		"devstral-small-latest":          "devstral-small-2",
		"devstral-small-2507":            "devstral-small-2507",
		"codestral-2508":                 "codestral-2508",
		"codestral-latest":               "codestral-2405",
		"ministral-8b-latest":            "ministral-3-8b",
		"mistral/ministral-3-14b-2512":   "ministral-3-14b",
	} {
		p, ok := tab.Lookup(in)
		if !ok || p.ID != want {
			got := "nothing"
			if ok {
				got = p.ID
			}
			t.Errorf("Lookup(%q) = %s, want %s", in, got, want)
		}
	}
	for _, unknown := range []string{"gpt-7", "claude-sonnet-9", "llama-2-7b"} {
		if p, ok := tab.Lookup(unknown); ok {
			t.Errorf("Lookup(%q) = %s, want none", unknown, p.ID)
		}
	}
}

func TestUnknownModelNearest(t *testing.T) {
	_, err := Default().Find("gpt-5.9")
	var ue *UnknownModelError
	if !errors.As(err, &ue) {
		t.Fatalf("err = %v", err)
	}
	if len(ue.Nearest) != 3 || !strings.HasPrefix(ue.Nearest[0], "gpt-5") {
		t.Errorf("nearest = %v", ue.Nearest)
	}
	if !strings.Contains(err.Error(), `unknown model "gpt-5.9"`) {
		t.Errorf("message %q", err)
	}
}

func TestLoadLiteLLM(t *testing.T) {
	tab, err := Load("testdata/litellm_excerpt.json")
	if err != nil {
		t.Fatal(err)
	}
	p, ok := tab.Lookup("claude-sonnet-4-5-20250929")
	if !ok || p.ID != "claude-sonnet-4-5-20250929" {
		t.Fatalf("LiteLLM row not found: %v", p)
	}
	if p.Input != PriceFromPerMTok(3) || p.Output != PriceFromPerMTok(15) || p.CachedInput != PriceFromPerMTok(0.30) || p.CacheWrite5m != PriceFromPerMTok(3.75) {
		t.Errorf("sonnet row %+v", p.Rates)
	}
	if p.Caching.Mode != CachingExplicit || p.Exact {
		t.Errorf("sonnet caching %v exact %v", p.Caching.Mode, p.Exact)
	}
	if p.LongContext == nil || p.LongContext.Input != PriceFromPerMTok(6) {
		t.Errorf("sonnet long context %+v", p.LongContext)
	}
	g, _ := tab.Lookup("gpt-4o")
	if g.Input != PriceFromPerMTok(2.5) || g.Source == "" || !g.Exact || g.Encoding != tokenize.O200kBase {
		t.Errorf("gpt-4o row %+v", g)
	}
	if _, ok := tab.Lookup("text-embedding-3-small"); ok {
		t.Error("embedding model imported as chat")
	}
	// LiteLLM replaces prices only: each row keeps the caching rule and
	// tokenizer of its own embedded row, not of its provider's first row
	// (claude-opus-4-7: ×1.43, 2048; gemini-3.1-pro: 4096).
	for _, tc := range []struct {
		id, own   string
		minPrefix int64
		factor    float64
		input     Price
	}{
		{"claude-sonnet-4-5-20250929", "claude-sonnet-4-5", 1024, 1.10, PriceFromPerMTok(3)},
		{"claude-haiku-4-5-20251001", "claude-haiku-4-5", 4096, 1.10, PriceFromPerMTok(1)},
		{"gemini/gemini-2.5-flash", "gemini-2.5-flash", 1024, 1.05, PriceFromPerMTok(0.30)},
	} {
		p, ok := tab.Lookup(tc.id)
		own, _ := Default().Lookup(tc.own)
		if !ok || p.Caching.MinPrefix != tc.minPrefix || p.TokenFactor != tc.factor || p.Caching != own.Caching ||
			p.TokenFactor != own.TokenFactor || p.Input != tc.input || !strings.HasPrefix(p.Source, "LiteLLM") {
			t.Errorf("%s: min prefix %d, factor %v, input %d, source %q", tc.id, p.Caching.MinPrefix, p.TokenFactor, p.Input, p.Source)
		}
	}
	// DeepSeek's rows give their cache read as input_cost_per_token_cache_hit.
	if ds, ok := tab.Lookup("deepseek/deepseek-v3.2"); !ok || ds.CachedInput != PriceFromPerMTok(0.028) || ds.Output != PriceFromPerMTok(0.40) || ds.Caching.Mode != CachingAutomatic {
		t.Errorf("deepseek row %+v", ds)
	}
	if r1, ok := tab.Lookup("deepseek/deepseek-r1"); !ok || r1.CachedInput != PriceFromPerMTok(0.14) || r1.Caching.Mode != CachingAutomatic {
		t.Errorf("deepseek-r1 row %+v", r1)
	}
	// A model of xAI's own that the embedded table lacks bills by xAI's
	// rules (xai/grok-beta: 5e-06, 1.5e-05), not OpenAI's.
	if gb, ok := tab.Lookup("xai/grok-beta"); !ok || gb.Provider != "xai" || gb.Input != PriceFromPerMTok(5) || gb.Output != PriceFromPerMTok(15) || gb.TokenFactor != 1.10 {
		t.Errorf("xai/grok-beta row %+v", gb)
	}
	// Rows LiteLLM does not have stay.
	if _, ok := tab.Lookup("gemini-3.1-pro"); !ok {
		t.Error("embedded rows lost")
	}
}

func TestLoadOwnYAML(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.yaml")
	os.WriteFile(path, []byte(`date: "2026-12-01"
models:
- {id: gpt-4o, provider: openai, input: 2, output: 8, cached_input: 1, context_window: 128000, caching: {mode: automatic, min_prefix: 1024, granularity: 128}, encoding: o200k_base, exact: true}
- {id: my-local-llama, provider: meta, input: 0, output: 0, context_window: 8192}
`), 0o644)
	tab, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := tab.Lookup("gpt-4o"); p.Input != PriceFromPerMTok(2) {
		t.Errorf("override not applied: %v", p.Input.PerMTok())
	}
	if _, ok := tab.Lookup("my-local-llama"); !ok {
		t.Error("new model not added")
	}
	os.WriteFile(path, []byte("models:\n- {id: x, provider: openai}\n"), 0o644)
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "input and output prices are required") {
		t.Errorf("bad file: %v", err)
	}
}

// Rows taken from LiteLLM's model_prices_and_context_window.json (commit
// 00035b69f416be24e2e323c13198d9b7d2d1bdf9): the per-token figures of the
// entries named in each row's source, × 10^6.
func TestLiteLLMRows(t *testing.T) {
	tab := Default()
	for _, tc := range []struct {
		id                       string
		in, out, cached, write5m float64
		context, threshold       int64
		lcIn, lcOut, lcCached    float64
	}{
		// gpt-5.6: 5e-06, 3e-05, read 5e-07, write 6.25e-06; >272K 1e-05, 4.5e-05, 1e-06
		{"gpt-5.6", 5, 30, 0.50, 6.25, 1_050_000, 272_000, 10, 45, 1},
		{"gpt-5.6-luna", 1, 6, 0.10, 1.25, 1_050_000, 272_000, 2, 9, 0.20},
		{"gpt-5.5", 5, 30, 0.50, 5, 1_050_000, 272_000, 10, 45, 1},
		{"gpt-5.3-codex", 1.75, 14, 0.175, 1.75, 272_000, 0, 0, 0, 0},
		{"gpt-5-nano", 0.05, 0.40, 0.005, 0.05, 272_000, 0, 0, 0, 0},
		{"claude-opus-4-8", 5, 25, 0.50, 6.25, 1_000_000, 0, 0, 0, 0},
		{"claude-sonnet-5", 2, 10, 0.20, 2.50, 1_000_000, 0, 0, 0, 0},
		{"claude-opus-4-1", 15, 75, 1.50, 18.75, 200_000, 0, 0, 0, 0},
		{"gemini-3-flash", 0.50, 3, 0.05, 0.50, 1_048_576, 0, 0, 0, 0},
		{"gemini-3.1-pro", 2, 12, 0.20, 2, 1_048_576, 200_000, 4, 18, 0.40},
		{"deepseek-chat", 0.28, 0.42, 0.028, 0.28, 131_072, 0, 0, 0, 0},
		// xAI's own rows. xai/grok-4-0709: 3e-06, 1.5e-05, no cache read;
		// >128K 6e-06, 3e-05 (LiteLLM's xai/grok-4 lists no tier).
		{"grok-4", 3, 15, 3, 3, 256_000, 128_000, 6, 30, 6},
		// xai/grok-4-1-fast-reasoning: 2e-07, 5e-07, read 5e-08; >128K 4e-07, 1e-06
		{"grok-4-1-fast-reasoning", 0.20, 0.50, 0.05, 0.20, 2_000_000, 128_000, 0.40, 1, 0.10},
		// xai/grok-4.3: 1.25e-06, 2.5e-06, read 2e-07; >200K 2.5e-06, 5e-06, read 4e-07
		{"grok-4.3", 1.25, 2.50, 0.20, 1.25, 1_000_000, 200_000, 2.50, 5, 0.40},
		// xai/grok-4.5: 2e-06, 6e-06, read 5e-07; >200K 4e-06, 1.2e-05, read 1e-06
		{"grok-4.5", 2, 6, 0.50, 2, 500_000, 200_000, 4, 12, 1},
		// xai/grok-code-fast-1: 2e-07, 1.5e-06, read 2e-08
		{"grok-code-fast-1", 0.20, 1.50, 0.02, 0.20, 256_000, 0, 0, 0, 0},
		// Mistral's own rows (no cache price). mistral/mistral-large-latest: 5e-07, 1.5e-06
		{"mistral-large-latest", 0.50, 1.50, 0.50, 0.50, 262_144, 0, 0, 0, 0},
		// mistral/mistral-medium-latest: 1.5e-06, 7.5e-06
		{"mistral-medium-latest", 1.50, 7.50, 1.50, 1.50, 262_144, 0, 0, 0, 0},
		// mistral/magistral-medium-2509: 2e-06, 5e-06, 40,000 tokens
		{"magistral-medium-2509", 2, 5, 2, 2, 40_000, 0, 0, 0, 0},
		// mistral/devstral-2512: 4e-07, 2e-06
		{"devstral-2512", 0.40, 2, 0.40, 0.40, 256_000, 0, 0, 0, 0},
		// mistral/codestral-2508: 3e-07, 9e-07
		{"codestral-2508", 0.30, 0.90, 0.30, 0.30, 256_000, 0, 0, 0, 0},
	} {
		p, ok := tab.Lookup(tc.id)
		if !ok {
			t.Errorf("%s missing", tc.id)
			continue
		}
		if p.Input != PriceFromPerMTok(tc.in) || p.Output != PriceFromPerMTok(tc.out) || p.CachedInput != PriceFromPerMTok(tc.cached) ||
			p.CacheWrite5m != PriceFromPerMTok(tc.write5m) || p.ContextWindow != tc.context {
			t.Errorf("%s: %v/%v cached %v write %v context %d", tc.id, p.Input.PerMTok(), p.Output.PerMTok(), p.CachedInput.PerMTok(), p.CacheWrite5m.PerMTok(), p.ContextWindow)
		}
		if tc.threshold == 0 {
			if p.LongContext != nil {
				t.Errorf("%s: unexpected long-context tier", tc.id)
			}
			continue
		}
		if lc := p.LongContext; lc == nil || lc.Threshold != tc.threshold || lc.Input != PriceFromPerMTok(tc.lcIn) || lc.Output != PriceFromPerMTok(tc.lcOut) || lc.CachedInput != PriceFromPerMTok(tc.lcCached) {
			t.Errorf("%s: long context %+v", tc.id, p.LongContext)
		}
		if !strings.Contains(p.Source, "LiteLLM") {
			t.Errorf("%s: source %q does not name LiteLLM", tc.id, p.Source)
		}
	}
	if !strings.Contains(tab.Source, "embedded") || tab.Date != "2026-12-07" {
		t.Errorf("table %q dated %q", tab.Source, tab.Date)
	}
}

// A --prices row that gives only input and output bills by its provider's
// rules: caching mode, read and write multiples, batch discount; spelled
// out, its own terms win.
func TestPricesFileInheritsProviderRules(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mine.yaml")
	yaml := `date: "2026-12-01"
models:
- {id: claude-house-1, provider: anthropic, input: 4, output: 20}
- {id: claude-sonnet-4-6, input: 2, output: 10}
- {id: house-gpt, provider: openai, input: 1, output: 4, batch: 1, caching: {mode: none}}
`
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	tab, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	house, _ := tab.Lookup("claude-house-1")
	// Anthropic: read 0.1×, write 1.25× / 2×, explicit caching, batch ½.
	if house.Caching.Mode != CachingExplicit || house.CachedInput != PriceFromPerMTok(0.4) ||
		house.CacheWrite5m != PriceFromPerMTok(5) || house.CacheWrite1h != PriceFromPerMTok(8) ||
		house.Batched(house.Rates).Input != PriceFromPerMTok(2) {
		t.Errorf("anthropic row: %+v", house)
	}
	// No provider written: the embedded row of that id says anthropic.
	sonnet, _ := tab.Lookup("claude-sonnet-4-6")
	if sonnet.Provider != "anthropic" || sonnet.Input != PriceFromPerMTok(2) || sonnet.CachedInput != PriceFromPerMTok(0.2) || sonnet.Caching.Mode != CachingExplicit {
		t.Errorf("re-priced sonnet: %+v", sonnet)
	}
	own, _ := tab.Lookup("house-gpt")
	if own.Caching.Mode != CachingNone || own.Batched(own.Rates).Input != PriceFromPerMTok(1) {
		t.Errorf("spelled-out row: %+v", own)
	}
}
