package proxy

import (
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	collector "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// The OTLP/HTTP client retries what the collector may accept later (429,
// 502, 503, 504, no answer) with backoff until its time is up, and
// nothing else; what it sends is an ExportTraceServiceRequest.
func TestOTLPClientRetries(t *testing.T) {
	spans := []*tracepb.ResourceSpans{{ScopeSpans: []*tracepb.ScopeSpans{{Spans: []*tracepb.Span{{Name: "chat gpt-4o"}, {Name: "chat o3"}}}}}}
	for _, tc := range []struct {
		name     string
		statuses []int // the answers in turn; the last one again after them
		attempts int32
		ok       bool
	}{
		{"accepted", []int{200}, 1, true},
		{"accepted, any 2xx", []int{206}, 1, true},
		{"unavailable then accepted", []int{503, 429, 200}, 3, true},
		{"bad request: not retried", []int{400}, 1, false},
		{"unavailable throughout: stops when its time is up", []int{503}, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				i := int(n.Add(1)) - 1
				var req collector.ExportTraceServiceRequest
				body, _ := io.ReadAll(r.Body)
				if err := proto.Unmarshal(body, &req); err != nil || len(req.ResourceSpans) != 1 || len(req.ResourceSpans[0].ScopeSpans[0].Spans) != 2 ||
					r.Header.Get("Content-Type") != "application/x-protobuf" {
					t.Errorf("request %d: %v, %d resource spans", i, err, len(req.ResourceSpans))
				}
				w.WriteHeader(tc.statuses[min(i, len(tc.statuses)-1)])
			}))
			defer srv.Close()
			c, err := newOTLPClient(srv.URL + "/v1/traces")
			if err != nil {
				t.Fatal(err)
			}
			c.first, c.most, c.elapsed = 5*time.Millisecond, 20*time.Millisecond, 150*time.Millisecond
			start := time.Now()
			err = c.UploadTraces(context.Background(), spans)
			if (err == nil) != tc.ok {
				t.Fatalf("UploadTraces: %v", err)
			}
			if tc.attempts > 0 && n.Load() != tc.attempts {
				t.Errorf("%d attempts, want %d", n.Load(), tc.attempts)
			}
			if tc.attempts == 0 && (n.Load() < 3 || time.Since(start) > time.Second) {
				t.Errorf("%d attempts in %v: want several, within its time", n.Load(), time.Since(start))
			}
		})
	}
	// No collector at all: retried, then the error.
	c, err := newOTLPClient("http://127.0.0.1:1/v1/traces")
	if err != nil {
		t.Fatal(err)
	}
	c.first, c.most, c.elapsed = 5*time.Millisecond, 10*time.Millisecond, 50*time.Millisecond
	if err := c.UploadTraces(context.Background(), spans); err == nil {
		t.Error("no collector, no error")
	}
}

// The client takes the OpenTelemetry environment's exporter settings that
// apply to it: headers (the traces' own before the general ones), gzip.
func TestOTLPClientEnvironment(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-general=no")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "x-team=a%20key, malformed ,x-other=2")
	t.Setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "") // empty: unset
	var got http.Header
	var spans int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			t.Errorf("body not gzip: %v", err)
			return
		}
		body, _ := io.ReadAll(zr)
		var req collector.ExportTraceServiceRequest
		if err := proto.Unmarshal(body, &req); err != nil {
			t.Errorf("body: %v", err)
		}
		spans = len(req.ResourceSpans)
	}))
	defer srv.Close()
	c, err := newOTLPClient(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.UploadTraces(context.Background(), []*tracepb.ResourceSpans{{}}); err != nil {
		t.Fatal(err)
	}
	if got.Get("X-Team") != "a key" || got.Get("X-Other") != "2" || got.Get("X-General") != "" || got.Get("Content-Encoding") != "gzip" || spans != 1 {
		t.Errorf("headers %v, %d resource spans", got, spans)
	}
	t.Setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "zstd")
	if _, err := newOTLPClient(srv.URL); err == nil {
		t.Error("compression zstd accepted")
	}
	t.Setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "")
	t.Setenv("OTEL_EXPORTER_OTLP_CERTIFICATE", "/nonexistent.pem")
	if _, err := newOTLPClient(srv.URL); err == nil {
		t.Error("a CA file that is not there accepted")
	}
}
