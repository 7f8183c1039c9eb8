package proxy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/tokenscope/tokenscope/report/genai"
	"github.com/tokenscope/tokenscope/transcripts"
)

// Spans exports every call as an OpenTelemetry GenAI client span over
// OTLP/HTTP (protobuf), through the OpenTelemetry Go SDK: spans are queued
// as calls end (never waited on: a full queue drops the newest), sent in
// batches, and retried with backoff while the collector fails.
type Spans struct {
	tp     *sdktrace.TracerProvider
	tracer trace.Tracer
}

// SpansOptions configure Spans.
type SpansOptions struct {
	// Endpoint is the collector's OTLP/HTTP address: http(s)://host:4318
	// (spans go to /v1/traces) or the full URL of its traces path.
	Endpoint string
	// Machine and Replica name this proxy on the spans' resource
	// (host.name, service.instance.id).
	Machine, Replica string
	// Queue is the most spans held in memory; default 4096.
	Queue int
	// Batch is how long spans wait to be sent together; default 1 s.
	Batch time.Duration
}

// NewSpans starts an exporter to o.Endpoint (nothing is sent until calls
// end).
func NewSpans(o SpansOptions) (*Spans, error) {
	u, err := url.Parse(o.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--otlp-endpoint %q: want http(s)://host:4318", o.Endpoint)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/v1/traces"
	}
	if o.Queue <= 0 {
		o.Queue = 4096
	}
	if o.Batch <= 0 {
		o.Batch = time.Second
	}
	client, err := newOTLPClient(u.String())
	if err != nil {
		return nil, fmt.Errorf("--otlp-endpoint: %w", err)
	}
	exp, err := otlptrace.New(context.Background(), client)
	if err != nil {
		return nil, fmt.Errorf("--otlp-endpoint: %w", err)
	}
	res := resource.NewSchemaless(attribute.String("service.name", "tokenscope-proxy"),
		attribute.String("host.name", o.Machine), attribute.String("service.instance.id", o.Replica))
	tp := sdktrace.NewTracerProvider(sdktrace.WithResource(res), sdktrace.WithBatcher(exp,
		sdktrace.WithMaxQueueSize(o.Queue), sdktrace.WithMaxExportBatchSize(min(512, o.Queue)), sdktrace.WithBatchTimeout(o.Batch)))
	return &Spans{tp: tp, tracer: tp.Tracer("github.com/tokenscope/tokenscope/proxy")}, nil
}

// Shutdown sends the spans still queued, waiting at most until ctx ends.
func (s *Spans) Shutdown(ctx context.Context) error { return s.tp.Shutdown(ctx) }

// provider is gen_ai.provider.name for the API a call used.
func provider(api string) string {
	if api == transcripts.APIAnthropic {
		return "anthropic"
	}
	return "openai"
}

// export queues rec's span; m prices and counts it as the call's budget did.
func (s *Spans) export(rec *transcripts.CallRecord, m *model) {
	gc := genai.Call{Provider: provider(rec.API), RequestModel: rec.Model, Conversation: rec.Conversation, Tags: rec.Tags,
		Unpriced: m.price == nil}
	if r := rec.Reply; r != nil {
		gc.ResponseModel = r.Model
		var output int64
		if r.Usage == nil {
			output = m.tok.Count(r.Content)
		}
		cost, _ := m.billed(r.Usage, rec.CountedInput, output)
		gc.Cost = cost
		if u := r.Usage; u != nil {
			gc.Input, gc.Output, gc.CacheRead, gc.CacheWrite, gc.Reasoning = u.InputTokens, u.OutputTokens, u.CachedInputTokens, u.CacheWriteTokens, u.ReasoningTokens
		} else {
			gc.Input, gc.Output = rec.CountedInput, output
		}
	}
	attrs := make([]attribute.KeyValue, 0, 24)
	for _, a := range genai.Attrs(gc) {
		attrs = append(attrs, otelAttr(a))
	}
	attrs = append(attrs, attribute.Int("http.response.status_code", rec.Status),
		attribute.String("url.path", rec.Endpoint), attribute.String("tokenscope.request_id", rec.ID))
	if rec.Refused != "" {
		attrs = append(attrs, attribute.String("tokenscope.refused", rec.Refused))
	}
	end := rec.Time
	start := end.Add(-time.Duration(rec.DurationMS * float64(time.Millisecond)))
	_, sp := s.tracer.Start(context.Background(), strings.TrimSpace("chat "+rec.Model), trace.WithSpanKind(trace.SpanKindClient),
		trace.WithTimestamp(start), trace.WithAttributes(attrs...))
	if rec.Error != "" || rec.Status >= 400 {
		sp.SetAttributes(attribute.String("error.type", errorType(rec)))
		sp.SetStatus(codes.Error, rec.Error)
	}
	sp.End(trace.WithTimestamp(end))
}

// errorType is the span's error.type: the HTTP status, or the refusal.
func errorType(rec *transcripts.CallRecord) string {
	if rec.Refused != "" {
		return "tokenscope_budget"
	}
	if rec.Status >= 400 {
		return fmt.Sprint(rec.Status)
	}
	return "_OTHER"
}

func otelAttr(a genai.Attr) attribute.KeyValue {
	switch v := a.Value.(type) {
	case int64:
		return attribute.Int64(a.Key, v)
	case float64:
		return attribute.Float64(a.Key, v)
	case bool:
		return attribute.Bool(a.Key, v)
	case string:
		return attribute.String(a.Key, v)
	}
	return attribute.String(a.Key, fmt.Sprint(a.Value))
}

// setIdentity fills in the machine (the host name) and replica (the
// process id) cfg does not name.
func setIdentity(cfg *Config) {
	if cfg.Machine == "" {
		cfg.Machine, _ = os.Hostname()
	}
	if cfg.Replica == "" {
		cfg.Replica = strconv.Itoa(os.Getpid())
	}
}

// identify names rec (a random request id, the machine and replica) and
// queues its span.
func (p *Proxy) identify(rec *transcripts.CallRecord) {
	var id [16]byte
	rand.Read(id[:])
	rec.ID, rec.Machine, rec.Replica = hex.EncodeToString(id[:]), p.cfg.Machine, p.cfg.Replica
	if p.cfg.Spans != nil {
		p.cfg.Spans.export(rec, p.model(rec.Model))
	}
}
