package proxy

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
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
//
// It reads the exporter settings of the OpenTelemetry environment that
// apply to it, as the SDK's exporter does (OTEL_EXPORTER_OTLP_TRACES_*
// before OTEL_EXPORTER_OTLP_*): HEADERS (a collector's key, say),
// TIMEOUT (milliseconds), COMPRESSION (gzip), CERTIFICATE (a CA's PEM
// file), CLIENT_CERTIFICATE and CLIENT_KEY.
type otlpClient struct {
	url     string
	http    *http.Client
	headers map[string]string
	gzip    bool
	// timeout bounds one attempt; first and most are the backoff's first
	// and longest waits, and elapsed bounds all the attempts of a batch.
	timeout, first, most, elapsed time.Duration
}

func newOTLPClient(url string) (*otlpClient, error) {
	c := &otlpClient{url: url, http: &http.Client{}, headers: otlpHeaders(otlpEnv("HEADERS")), timeout: 10 * time.Second,
		first: time.Second, most: 15 * time.Second, elapsed: time.Minute}
	if ms, err := strconv.Atoi(otlpEnv("TIMEOUT")); err == nil && ms > 0 {
		c.timeout = time.Duration(ms) * time.Millisecond
	}
	switch v := otlpEnv("COMPRESSION"); v {
	case "gzip":
		c.gzip = true
	case "", "none":
	default:
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_COMPRESSION %q: want gzip or none", v)
	}
	tlsConf, err := otlpTLS(otlpEnv("CERTIFICATE"), otlpEnv("CLIENT_CERTIFICATE"), otlpEnv("CLIENT_KEY"))
	if err != nil {
		return nil, err
	}
	if tlsConf != nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.TLSClientConfig = tlsConf
		c.http.Transport = t
	}
	return c, nil
}

// otlpEnv is the traces exporter's setting NAME from the environment
// (empty is unset, as the SDK takes it).
func otlpEnv(name string) string {
	if v := strings.TrimSpace(os.Getenv("OTEL_EXPORTER_OTLP_TRACES_" + name)); v != "" {
		return v
	}
	return strings.TrimSpace(os.Getenv("OTEL_EXPORTER_OTLP_" + name))
}

// otlpHeaders parses the OTel headers setting: key=value pairs, comma
// separated, values percent-encoded; malformed pairs are left out, as
// the SDK leaves them.
func otlpHeaders(v string) map[string]string {
	out := map[string]string{}
	for _, kv := range strings.Split(v, ",") {
		k, val, ok := strings.Cut(kv, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			continue
		}
		if dec, err := url.PathUnescape(strings.TrimSpace(val)); err == nil {
			out[k] = dec
		}
	}
	return out
}

// otlpTLS is the TLS set-up the certificate settings ask for (nil: the
// default one).
func otlpTLS(ca, cert, key string) (*tls.Config, error) {
	if ca == "" && cert == "" && key == "" {
		return nil, nil
	}
	conf := &tls.Config{}
	if ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_CERTIFICATE: %w", err)
		}
		conf.RootCAs = x509.NewCertPool()
		if !conf.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_CERTIFICATE %s: no PEM certificate in it", ca)
		}
	}
	if cert != "" || key != "" {
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE and _KEY: %w", err)
		}
		conf.Certificates = []tls.Certificate{pair}
	}
	return conf, nil
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
	if c.gzip {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write(body)
		zw.Close()
		body = b.Bytes()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return false, 0, err
	}
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	if c.gzip {
		req.Header.Set("Content-Encoding", "gzip")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return true, 0, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		return false, 0, nil
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
			after = time.Duration(s) * time.Second
		}
		return true, after, fmt.Errorf("OTLP collector %s: %s", c.url, resp.Status)
	}
	return false, 0, fmt.Errorf("OTLP collector %s: %s", c.url, resp.Status)
}
