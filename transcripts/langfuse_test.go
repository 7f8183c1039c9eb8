package transcripts

import (
	"bytes"
	"strings"
	"testing"
)

// Langfuse exports of real framework runs (see testdata/README): calls are
// the GENERATION observations; AGENT and SPAN observations above them
// repeat their usage.
func TestLangfuseExports(t *testing.T) {
	checkReported(t, FormatLangfuse, []reportedCase{
		// GENERATION usageDetails (python over the raw file): 631/35 and
		// 25/70 = 656/105. The AGENT observation repeats 631/35.
		{"testdata/langfuse/microsoft-agent-2025-10-14.json", 2, 2, Usage{InputTokens: 656, OutputTokens: 105}},
		// 85/29 and 55/15 = 140/44; cache_read and reasoning details 0.
		{"testdata/langfuse/openai-agents-2025-09-30.json", 2, 1, Usage{InputTokens: 140, OutputTokens: 44}},
		// 417/53, 131/69, 502/14, 265/73 = 1315/209.
		{"testdata/langfuse/pydantic-ai-tools-2025-12-04.json", 4, 2, Usage{InputTokens: 1315, OutputTokens: 209}},
	})
	// Tool schemas from the span attributes Langfuse keeps in metadata,
	// compacted as they were sent: pydantic-ai's five tools, and its
	// evaluator's output tool.
	p := open(t, "testdata/langfuse/pydantic-ai-tools-2025-12-04.json")
	if tl := p.Conversations[0].Tools; len(tl) != 5 || tl[4].Name != "get_tree_joke_suggestion" || bytes.ContainsAny(tl[4].Parameters, "\n") ||
		len(p.Conversations[1].Tools) != 1 || p.Conversations[1].Tools[0].Name != "final_result" {
		t.Errorf("tools %+v / %+v", p.Conversations[0].Tools, p.Conversations[1].Tools)
	}
	// The Agent Framework's second call was sent only the tool call and
	// its result: that reply (the first call's) is history there.
	src := open(t, "testdata/langfuse/microsoft-agent-2025-10-14.json")
	second := src.Conversations[1]
	if second.ID != "e3a407423619277a2dcef3c13dc89982#2" || !second.Messages[0].Replayed || second.Messages[1].ToolCallID != "run_9guMCbt68iSVgtsx6WdKMA18/call_Sz1QP8T7fuJkIECGDLFWOorq" || second.Messages[2].Usage.InputTokens != 631 {
		t.Errorf("second conversation %+v", second.Messages)
	}
}

// Observations listed twice count once; a generation that wraps
// generations is not a call; usageDetails buckets.
func TestLangfuseRules(t *testing.T) {
	obs := func(id, parent, typ, start, usage string) string {
		return `{"id":"` + id + `","traceId":"tr","type":"` + typ + `","parentObservationId":` + parent + `,"startTime":"` + start + `",` +
			`"input":[{"role":"user","content":"q` + id + `"}],"output":{"role":"assistant","content":"a` + id + `"},"usageDetails":` + usage + `}`
	}
	outer := obs("g0", "null", "GENERATION", "2025-01-01T00:00:00Z", `{"input":300,"output":30,"total":330}`)
	inner1 := obs("g1", `"g0"`, "GENERATION", "2025-01-01T00:00:01Z", `{"input":100,"output":10,"total":110}`)
	inner2 := obs("g2", `"g0"`, "GENERATION", "2025-01-01T00:00:02Z", `{"input":200,"output":20,"total":220}`)
	for _, tt := range []struct {
		name, data string
		calls      int
		sum        Usage
	}{
		// g0 wraps g1 and g2 and repeats their sums: 2 calls, 300/30.
		{"parents are not calls", `{"trace":{"id":"tr"},"observations":[` + outer + "," + inner1 + "," + inner2 + `]}`, 2, Usage{InputTokens: 300, OutputTokens: 30}},
		{"listed twice", `{"trace":{"id":"tr"},"observations":[` + inner1 + "," + inner2 + "," + inner1 + `]}`, 2, Usage{InputTokens: 300, OutputTokens: 30}},
		{"observations as JSON lines", inner1 + "\n" + inner2 + "\n" + inner2 + "\n", 2, Usage{InputTokens: 300, OutputTokens: 30}},
		{"an API list", `{"data":[` + inner1 + "," + inner2 + `],"meta":{"page":1}}`, 2, Usage{InputTokens: 300, OutputTokens: 30}},
		// Langfuse's buckets sum to total: cached tokens are input too
		// (100 + 40 = 140 = 150 - 10).
		{"buckets", `{"trace":{"id":"tr"},"observations":[` + obs("g", "null", "GENERATION", "2025-01-01T00:00:00Z",
			`{"input":100,"input_cached_tokens":40,"output":10,"output_reasoning":5,"total":155}`) + `]}`,
			1, Usage{InputTokens: 140, CachedInputTokens: 40, OutputTokens: 15, ReasoningTokens: 5}},
		// Provider figures kept nested: total = input + output, details inside.
		{"nested details", `{"trace":{"id":"tr"},"observations":[` + obs("g", "null", "GENERATION", "2025-01-01T00:00:00Z",
			`{"input":100,"prompt_details.cache_read":40,"output":10,"total":110}`) + `]}`,
			1, Usage{InputTokens: 100, CachedInputTokens: 40, OutputTokens: 10}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src, err := readString(t, "", tt.data)
			if err != nil {
				t.Fatal(err)
			}
			calls, sum := reported(src)
			if src.Format != FormatLangfuse || calls != tt.calls || sum != tt.sum {
				t.Errorf("%s: %d calls, %+v; want %d, %+v", src.Format, calls, sum, tt.calls, tt.sum)
			}
		})
	}
}

func TestLangfuseBadInput(t *testing.T) {
	for _, tt := range []struct{ data, want string }{
		{`{"trace":{"id":"t"},"observations":[{"id":"g","traceId":"t","type":"GENERATION","usageDetails":{"input":-1}}]}`,
			"test:1: $.observations[0].usageDetails.input: negative count -1"},
		{`{"trace":{"id":"t"},"observations":[{"id":"g","traceId":"t","type":"GENERATION","startTime":"today"}]}`,
			`test:1: $.observations[0].startTime: not an RFC 3339 time: "today"`},
		{`{"trace":{"id":"t"},"observations":[{"id":"g","traceId":"t","type":"GENERATION","input":[{"role":"robot","content":"x"}]}]}`,
			`test:1: $.observations[0].input: [0]: unknown role "robot"`},
		{`{"trace":{"id":"t"},"observations":[{"id":"s","traceId":"t","type":"SPAN"}]}`,
			"test: no GENERATION observations in this Langfuse export"},
	} {
		_, err := readString(t, FormatLangfuse, tt.data)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("error %v\nwant  %q", err, tt.want)
		}
	}
}
