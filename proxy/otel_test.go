package proxy

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	collector "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	common "go.opentelemetry.io/proto/otlp/common/v1"
	"google.golang.org/protobuf/proto"
)

// fakeCollector is an OTLP/HTTP collector on 127.0.0.1 keeping the spans
// it receives; the first failures requests are answered 503, as a
// collector that is restarting.
type fakeCollector struct {
	*httptest.Server
	mu       sync.Mutex
	spans    []map[string]any
	resource map[string]any
	failures int
}

func newFakeCollector(t *testing.T, failures int) *fakeCollector {
	c := &fakeCollector{failures: failures}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		defer c.mu.Unlock()
		if r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" {
			http.Error(w, "not OTLP/HTTP traces", 400)
			return
		}
		if c.failures > 0 {
			c.failures--
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		var req collector.ExportTraceServiceRequest
		if err := proto.Unmarshal(body, &req); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		for _, rs := range req.ResourceSpans {
			c.resource = attrMap(rs.Resource.Attributes)
			for _, ss := range rs.ScopeSpans {
				for _, sp := range ss.Spans {
					a := attrMap(sp.Attributes)
					a["name"] = sp.Name
					a["duration"] = time.Duration(sp.EndTimeUnixNano - sp.StartTimeUnixNano)
					c.spans = append(c.spans, a)
				}
			}
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
		b, _ := proto.Marshal(&collector.ExportTraceServiceResponse{})
		w.Write(b)
	}))
	t.Cleanup(c.Close)
	return c
}

func attrMap(kvs []*common.KeyValue) map[string]any {
	m := map[string]any{}
	for _, kv := range kvs {
		switch v := kv.Value.Value.(type) {
		case *common.AnyValue_StringValue:
			m[kv.Key] = v.StringValue
		case *common.AnyValue_IntValue:
			m[kv.Key] = v.IntValue
		case *common.AnyValue_DoubleValue:
			m[kv.Key] = v.DoubleValue
		case *common.AnyValue_BoolValue:
			m[kv.Key] = v.BoolValue
		}
	}
	return m
}

func TestEveryCallIsASpan(t *testing.T) {
	col := newFakeCollector(t, 1) // the first batch is retried
	spans, err := NewSpans(SpansOptions{Endpoint: col.URL, Machine: "build-7", Replica: "r2", Batch: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	// $0.021 a call (100k input, 10k output on gpt-4o-mini): three fit in $0.05.
	r := newRig(t, Config{Now: func() time.Time { return fixed }, Spans: spans, Machine: "build-7", Replica: "r2",
		Budgets: []*Budget{mustBudget(t, "0.05/day")}}, dearReply)
	for i := range 4 {
		r.call(t, i, "team=search,endpoint=/ask", 0)
	}
	r.stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := spans.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	col.mu.Lock()
	defer col.mu.Unlock()
	recs := records(t, r.out)
	if len(col.spans) != 4 || len(recs) != 4 {
		t.Fatalf("%d spans for %d calls", len(col.spans), len(recs))
	}
	if col.resource["host.name"] != "build-7" || col.resource["service.instance.id"] != "r2" {
		t.Errorf("resource %v", col.resource)
	}
	ids := map[string]bool{}
	for _, rec := range recs {
		ids[rec.ID] = true
		if rec.Machine != "build-7" || rec.Replica != "r2" || len(rec.ID) != 32 {
			t.Errorf("record names %q %q %q", rec.Machine, rec.Replica, rec.ID)
		}
	}
	for i, sp := range col.spans {
		if !ids[sp["tokenscope.request_id"].(string)] {
			t.Errorf("span %d names no recorded call: %v", i, sp["tokenscope.request_id"])
		}
		want := map[string]any{"name": "chat gpt-4o-mini", "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai",
			"gen_ai.request.model": "gpt-4o-mini", "tokenscope.tag.team": "search", "tokenscope.tag.endpoint": "/ask"}
		if sp["http.response.status_code"] == int64(200) {
			// As reported by the upstream, and priced by hand.
			for k, v := range map[string]any{"gen_ai.response.model": "gpt-4o-mini", "gen_ai.usage.input_tokens": int64(100000),
				"gen_ai.usage.output_tokens": int64(10000), "gen_ai.usage.cache_read.input_tokens": int64(0),
				"gen_ai.usage.cache_creation.input_tokens": int64(0), "gen_ai.usage.reasoning.output_tokens": int64(0),
				"tokenscope.cost_pusd": int64(21_000_000_000), "gen_ai.usage.cost": 0.021} {
				want[k] = v
			}
		} else {
			want["tokenscope.refused"] = "0.05/day"
			want["http.response.status_code"] = int64(429)
			want["error.type"] = "tokenscope_budget"
		}
		for k, v := range want {
			if sp[k] != v {
				t.Errorf("span %d: %s = %v (%T), want %v", i, k, sp[k], sp[k], v)
			}
		}
	}
}

// A collector that does not answer holds no call up: spans wait in a
// bounded queue, off the call's path.
func TestSpansNeverInTheCallsPath(t *testing.T) {
	block := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block }))
	defer slow.Close()
	defer close(block)
	spans, err := NewSpans(SpansOptions{Endpoint: slow.URL, Queue: 8, Batch: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	r := newRig(t, Config{Spans: spans}, dearReply)
	start := time.Now()
	for i := range 40 {
		if status, _ := r.call(t, i, "", 0); status != 200 {
			t.Fatal(status)
		}
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("40 calls took %s behind a collector that does not answer", d)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	spans.Shutdown(ctx)
}
