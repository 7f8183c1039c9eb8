package report

import (
	"encoding/hex"
	"strconv"
	"strings"
	"testing"

	collector "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/tokenscope/tokenscope/profile"
)

// The OTLP output is an ExportTraceServiceRequest under the protobuf JSON
// mapping, with unknown fields refused; each call of each strategy is one
// span whose GenAI attributes carry the report's numbers.
func TestOTLPParses(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    *profile.Profile
	}{{"demo", demo(t)}, {"tree", tree(t)}} {
		t.Run(tc.name, func(t *testing.T) {
			out := render(t, tc.p, "otlp", Options{})
			var req collector.ExportTraceServiceRequest
			if err := (protojson.UnmarshalOptions{DiscardUnknown: false}).Unmarshal(out, &req); err != nil {
				t.Fatalf("not OTLP/JSON: %v", err)
			}
			r := tc.p.Result
			calls := 0
			for _, c := range r.Conversations {
				calls += c.Calls
			}
			spans := req.ResourceSpans[0].ScopeSpans[0].Spans
			if len(spans) != calls*len(r.Strategies) {
				t.Fatalf("%d spans, want %d calls × %d strategies", len(spans), calls, len(r.Strategies))
			}
			// Per strategy, the spans' costs and tokens add up to the totals.
			cost := map[string]int64{}
			input := map[string]int64{}
			ids := map[string]bool{}
			for _, sp := range spans {
				attrs := map[string]string{}
				for _, kv := range sp.Attributes {
					if s := kv.Value.GetStringValue(); s != "" {
						attrs[kv.Key] = s
					} else if kv.Value.GetIntValue() != 0 {
						attrs[kv.Key] = strconv.FormatInt(kv.Value.GetIntValue(), 10)
					}
				}
				spec := attrs["tokenscope.strategy"]
				c, _ := strconv.ParseInt(attrs["tokenscope.cost_pusd"], 10, 64)
				in, _ := strconv.ParseInt(attrs["gen_ai.usage.input_tokens"], 10, 64)
				cost[spec] += c
				input[spec] += in
				if attrs["gen_ai.operation.name"] != "chat" || attrs["gen_ai.request.model"] == "" {
					t.Fatalf("span %q lacks GenAI attributes: %v", sp.Name, attrs)
				}
				if sp.StartTimeUnixNano == 0 || sp.EndTimeUnixNano < sp.StartTimeUnixNano {
					t.Fatalf("span %q times %d..%d", sp.Name, sp.StartTimeUnixNano, sp.EndTimeUnixNano)
				}
				ids[string(sp.TraceId)+"/"+string(sp.SpanId)] = true
			}
			if len(ids) != len(spans) {
				t.Errorf("%d distinct span ids for %d spans", len(ids), len(spans))
			}
			for _, st := range r.Strategies {
				if cost[st.Strategy.Spec] != int64(st.Totals.Cost) || input[st.Strategy.Spec] != st.Totals.Input {
					t.Errorf("%s: spans cost %d input %d, report %d %d", st.Strategy.Spec, cost[st.Strategy.Spec],
						input[st.Strategy.Spec], int64(st.Totals.Cost), st.Totals.Input)
				}
			}
		})
	}
}

// OTLP/JSON writes ids as hex (not protobuf JSON's base64): 32 digits for
// a trace, 16 for a span; the same log gives the same ids.
func TestOTLPIDs(t *testing.T) {
	trace := hexID(16, "full", "c1")
	span := hexID(8, trace, "1")
	if len(trace) != 32 || len(span) != 16 {
		t.Fatalf("ids %q %q", trace, span)
	}
	if _, err := hex.DecodeString(trace + span); err != nil {
		t.Fatal(err)
	}
	if hexID(16, "full", "c1") != trace || hexID(16, "cache", "c1") == trace {
		t.Error("ids not deterministic per strategy and conversation")
	}
	out := string(render(t, demo(t), "otlp", Options{}))
	for _, want := range []string{`"traceId":"` + hexID(16, "full", "harbor-support-demo") + `"`, `"kind":3`,
		`"key":"gen_ai.usage.input_tokens","value":{"intValue":"1864"}`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s", want)
		}
	}
}
