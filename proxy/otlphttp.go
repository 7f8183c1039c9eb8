package proxy

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// otlpClient is the OTLP/HTTP transport under the SDK's span exporter
// (otlptrace.Client): each batch is POSTed as a protobuf
// ExportTraceServiceRequest and retried with backoff while the collector
// answers 429, 502, 503 or 504 (after its Retry-After, when it gives one)
// or cannot be reached. The SDK's own OTLP/HTTP exporter does the same but
// links gRPC through its configuration package: 66 packages whose inits
// every command paid at start-up, a status line polled every 300 ms
// included.
type otlpClient struct {
	url  string
	http *http.Client
	// timeout bounds one attempt; first and most are the backoff's first
	// and longest waits, and elapsed bounds all the attempts of a batch.
	timeout, first, most, elapsed time.Duration
}

func newOTLPClient(url string) *otlpClient {
	return &otlpClient{url: url, http: &http.Client{}, timeout: 10 * time.Second,
		first: time.Second, most: 15 * time.Second, elapsed: time.Minute}
}

func (c *otlpClient) Start(context.Context) error { return nil }

func (c *otlpClient) Stop(context.Context) error {
	c.http.CloseIdleConnections()
	return nil
}

// UploadTraces sends spans, retrying what may succeed later until
// c.elapsed has passed or ctx ends.
func (c *otlpClient) UploadTraces(ctx context.Context, spans []*tracepb.ResourceSpans) error {
	body, err := exportRequest(spans)
	if err != nil {
		return err
	}
	wait, deadline := c.first, time.Now().Add(c.elapsed)
	for {
		again, after, err := c.post(ctx, body)
		if err == nil || !again {
			return err
		}
		if after > 0 {
			wait = after
		}
		if time.Now().Add(wait).After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %v)", ctx.Err(), err)
		case <-time.After(wait):
		}
		wait = min(2*wait, c.most)
	}
}

// exportRequest is spans as the body of an ExportTraceServiceRequest:
// its one field, resource_spans (1), repeated.
func exportRequest(spans []*tracepb.ResourceSpans) ([]byte, error) {
	var b []byte
	for _, rs := range spans {
		m, err := proto.Marshal(rs)
		if err != nil {
			return nil, err
		}
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendBytes(b, m)
	}
	return b, nil
}

// post makes one attempt: again is whether a later one may succeed, after
// the wait the collector asked for (0: none).
func (c *otlpClient) post(ctx context.Context, body []byte) (again bool, after time.Duration, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return false, 0, err
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	resp, err := c.http.Do(req)
	if err != nil {
		return true, 0, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK, http.StatusAccepted, http.StatusNoContent:
		return false, 0, nil
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
			after = time.Duration(s) * time.Second
		}
		return true, after, fmt.Errorf("OTLP collector %s: %s", c.url, resp.Status)
	}
	return false, 0, fmt.Errorf("OTLP collector %s: %s", c.url, resp.Status)
}
