// Package proxy is a thin HTTP pass-through between an app and an
// OpenAI-compatible or Anthropic API: every call is relayed unchanged
// (streams chunk by chunk), recorded as native JSONL, tagged with a cost
// centre, and checked against budgets before it is forwarded.
package proxy

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"math"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/profile/tokenize"
	"github.com/tokenscope/tokenscope/transcripts"
)

// TagHeader carries a call's cost-centre tags ("team=search,endpoint=/ask");
// it is removed before the request is forwarded.
const TagHeader = "X-Tokenscope-Tag"

// Limits on what one call may hold in memory.
const (
	maxRequest = 32 << 20 // request bodies larger than this are refused (413)
	maxCapture = 16 << 20 // response bytes kept to parse the reply; the relay is not limited
)

// Config configures a Proxy.
type Config struct {
	// Upstream is the API's base URL, e.g. https://api.openai.com or
	// https://api.anthropic.com; a trailing /v1 is allowed.
	Upstream string
	// Out is where calls are recorded: a .jsonl file, or a directory that
	// gets a file per day (proxy-YYYY-MM-DD.jsonl).
	Out string
	// Prices price and count calls; nil: the embedded table.
	Prices *price.Table
	// Budgets are checked before each call is forwarded.
	Budgets []*Budget
	// BudgetStore keeps the budgets' spend and reservations; nil: this
	// process (NewMemoryStore). A RedisStore shares them between replicas.
	BudgetStore BudgetStore
	// Machine and Replica are written on every record (default: the host
	// name, and the process id), so that logs of many proxies read as one.
	Machine, Replica string
	// Spans, when set, exports every call as an OpenTelemetry span.
	Spans *Spans
	// BudgetFailOpen serves calls without budgets while the store cannot be
	// reached; otherwise they are refused with 503 (fail closed).
	BudgetFailOpen bool
	// Redact writes counts and usage without message text.
	Redact bool
	// Transport reaches the upstream; nil: a transport with the system's
	// TLS roots.
	Transport http.RoundTripper
	// Now is the clock; nil: time.Now.
	Now func() time.Time
	// Warn receives warnings (a model missing from the price table); nil:
	// dropped.
	Warn func(string)
	// HeaderTimeout is how long the upstream may take to start answering
	// (its response headers) before the call fails with 504; 0: 10
	// minutes (a long non-streamed reply sends its headers only when it
	// is done).
	HeaderTimeout time.Duration
	// BodyMemory bounds the request bodies held in memory at once, over
	// all calls; 0: 256 MiB. A call waits for memory up to 10 seconds,
	// then is refused with 503.
	BodyMemory int64

	bodyWait time.Duration // tests: how long a body waits for memory; 0: bodyWait
}

// DefaultHeaderTimeout is Config.HeaderTimeout's default.
const DefaultHeaderTimeout = 10 * time.Minute

// DefaultBodyMemory is Config.BodyMemory's default.
const DefaultBodyMemory = 256 << 20

// Proxy is an http.Handler that forwards to one upstream.
type Proxy struct {
	cfg      Config
	upstream *url.URL
	rp       *httputil.ReverseProxy
	rec      *recorder
	threads  *threads
	budgets  *budgets

	models sync.Map // model id → *model
	warned sync.Map
	bodies *semaphore.Weighted // bytes of request bodies held, over all calls

	// gate orders calls coming in against Shutdown: once closing is set
	// no call enters, and inflight counts those that did.
	gate     sync.RWMutex
	closing  bool
	inflight sync.WaitGroup
	active   atomic.Int64 // calls in flight, for tests and display

	statsMu  sync.Mutex
	calls    int64
	refused  int64
	overhead []time.Duration // a ring of the last len(overhead) calls
	waits    []time.Duration // the same calls' record writes
	nOver    int
}

// model is what counting and pricing a model needs.
type model struct {
	price *price.Model // nil when the model is not in the table
	tok   *tokenize.Tokenizer
	// seen is the largest output this proxy has seen the model bill: the
	// output reserved for a call without a cap when the price table does
	// not give the model's own output limit.
	seen atomic.Int64
}

// New starts a proxy: it opens the log and rebuilds budget spend and
// conversation threads from what the log already holds.
func New(cfg Config) (*Proxy, error) {
	u, err := url.Parse(cfg.Upstream)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--upstream %q: want an http(s) URL such as https://api.openai.com", cfg.Upstream)
	}
	u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/v1")
	if cfg.Prices == nil {
		cfg.Prices = price.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.HeaderTimeout <= 0 {
		cfg.HeaderTimeout = DefaultHeaderTimeout
	}
	if cfg.BodyMemory <= 0 {
		cfg.BodyMemory = DefaultBodyMemory
	}
	if cfg.bodyWait <= 0 {
		cfg.bodyWait = bodyWait
	}
	setIdentity(&cfg)
	if cfg.Transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 256
		// Ask for identity bodies: what is relayed is what is parsed.
		t.DisableCompression = true
		cfg.Transport = t
	}
	p := &Proxy{cfg: cfg, upstream: u, budgets: newBudgets(cfg), overhead: make([]time.Duration, 1<<14), waits: make([]time.Duration, 1<<14),
		bodies:  semaphore.NewWeighted(cfg.BodyMemory),
		threads: newThreads("px-"+cfg.Now().UTC().Format("20060102T150405.000Z"), 1<<16)}
	// Load the tokenizers now, not on the first calls.
	for _, enc := range []string{"o200k_base", "cl100k_base"} {
		if t, err := tokenize.NewTokenizer(enc, 1, true); err == nil {
			t.Count("warm up")
		}
	}
	if err := p.rebuild(); err != nil {
		return nil, fmt.Errorf("reading back %s: %w", cfg.Out, err)
	}
	if p.rec, err = newRecorder(cfg.Out, cfg.Now()); err != nil {
		return nil, fmt.Errorf("--out %s: %w", cfg.Out, err)
	}
	p.rp = &httputil.ReverseProxy{
		Rewrite:   p.rewrite,
		Transport: timing{cfg.Transport, cfg.Now, cfg.HeaderTimeout},
		// Every failure is recorded with the call; the standard logger
		// would only repeat it on stderr.
		ErrorLog:       log.New(io.Discard, "", 0),
		FlushInterval:  -1, // relay every chunk as it arrives
		ModifyResponse: p.modifyResponse,
		ErrorHandler:   p.upstreamError,
	}
	return p, nil
}

// rebuild reads the log back: spend in the open budget windows, and where
// each conversation stands, so a restart loses neither.
func (p *Proxy) rebuild() error {
	now := p.cfg.Now()
	state := map[string]*thread{}
	return readBack(logFiles(p.cfg.Out, now), p.cfg.Warn, func(r *transcripts.CallRecord) error {
		cost, tokens, billed := p.billedRecord(r)
		if !billed {
			return nil
		}
		p.budgets.replay(r.Tags, cost, tokens, r.Time, now)
		if r.Served() && !r.Redacted && r.Conversation != "" {
			p.threads.resume(r, state)
		}
		return nil
	})
}

// billedRecord is what a call read back from the log was billed, as the
// live path settled it: a reply's usage (a cut-off reply's too, with its
// output counted when usage never came), or the counted input of a call
// the upstream accepted (2xx) whose reply could not be read.
func (p *Proxy) billedRecord(r *transcripts.CallRecord) (price.Money, int64, bool) {
	if r.Refused != "" || r.CountedInput == 0 && r.Reply == nil {
		return 0, 0, false
	}
	m := p.model(r.Model)
	switch {
	case r.Reply != nil:
		var output int64
		if r.Reply.Usage == nil && !r.Redacted {
			output = m.tok.Count(r.Reply.Content)
		}
		cost, tokens := m.billed(r.Reply.Usage, r.CountedInput, output)
		return cost, tokens, true
	case r.Status >= 200 && r.Status < 300:
		cost, tokens := m.billed(nil, r.CountedInput, 0)
		return cost, tokens, true
	}
	return 0, 0, false
}

// Budgets returns the state of every budget.
func (p *Proxy) Budgets() []Status { return p.budgets.status(p.cfg.Now()) }

// model returns the price and tokenizer of id, warning once when the price
// table does not know it (its calls are then counted with o200k_base and
// cost nothing against spend budgets).
func (p *Proxy) model(id string) *model {
	if m, ok := p.models.Load(id); ok {
		return m.(*model)
	}
	m := &model{}
	if price, ok := p.cfg.Prices.Lookup(id); ok {
		m.price, m.tok = price, price.Tokenizer()
	} else {
		m.tok, _ = tokenize.NewTokenizer("o200k_base", 1, false)
		if _, dup := p.warned.LoadOrStore(id, true); !dup && p.cfg.Warn != nil {
			p.cfg.Warn(fmt.Sprintf("model %q is not in the price table: its calls count tokens but no spend", id))
		}
	}
	v, _ := p.models.LoadOrStore(id, m)
	return v.(*model)
}

// billed is what a call cost and how many tokens it used: from reported
// usage, or from the counted input and output when none was reported.
func (m *model) billed(u *transcripts.Usage, input, output int64) (price.Money, int64) {
	if u == nil {
		u = &transcripts.Usage{InputTokens: input, OutputTokens: output}
	}
	if m.price == nil {
		return 0, u.InputTokens + u.OutputTokens
	}
	return m.price.Billed(u, false), u.InputTokens + u.OutputTokens
}

// call is one request on its way through the proxy.
type call struct {
	api      string
	endpoint string
	req      *transcripts.Request
	tags     map[string]string
	model    *model
	input    int64
	reserve  int64 // output tokens reserved: max_tokens, or the model's limit
	claim    *claim
	ticket   *ticket
	injected bool            // stream_options.include_usage was added
	client   context.Context // the client's request: done when it went away

	start, sent, upstreamDone time.Time
	status                    int
	gzip                      bool
	err                       error // the upstream could not be reached or gave no headers
	readErr                   error // the upstream's body broke off
	tapped                    bool  // a response body started
	cut                       bool  // the relay ended before the body did (client gone, upstream cut)
	capture                   bytes.Buffer
	overflow                  bool
	finished                  bool
	recordWait                time.Duration // writing the record, or waiting for the group write that holds it
}

type callKey struct{}

func callOf(ctx context.Context) *call {
	c, _ := ctx.Value(callKey{}).(*call)
	return c
}

func (c *call) keep(b []byte) {
	if c.overflow {
		return
	}
	if c.capture.Len()+len(b) > maxCapture {
		c.overflow = true
		c.capture.Reset()
		return
	}
	c.capture.Write(b)
}

// apiOf names the API of a request the proxy records, or "" for requests it
// only passes through (/v1/models, embeddings, …). The path is cleaned
// first (cleanPath).
func apiOf(r *http.Request) string {
	if r.Method != http.MethodPost {
		return ""
	}
	switch strings.TrimSuffix(r.URL.Path, "/") {
	case "/v1/chat/completions", "/chat/completions":
		return transcripts.APIOpenAI
	case "/v1/responses", "/responses":
		return transcripts.APIOpenAIResponses
	case "/v1/messages", "/messages":
		return transcripts.APIAnthropic
	}
	return ""
}

// enter admits a request unless the proxy is shutting down; the caller
// calls p.inflight.Done when it ends.
func (p *Proxy) enter() bool {
	p.gate.RLock()
	defer p.gate.RUnlock()
	if p.closing {
		return false
	}
	p.inflight.Add(1)
	p.active.Add(1)
	return true
}

// leave ends what enter began.
func (p *Proxy) leave() {
	p.active.Add(-1)
	p.inflight.Done()
}

// shuttingDown reports a proxy that takes no more calls.
func (p *Proxy) shuttingDown() bool {
	p.gate.RLock()
	defer p.gate.RUnlock()
	return p.closing
}

// ServeHTTP forwards r to the upstream.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := p.cfg.Now()
	// Never an open proxy: requests naming another host, or tunnels, are
	// refused; everything else goes to the configured upstream only.
	if r.Method == http.MethodConnect || r.URL.IsAbs() || r.URL.Host != "" {
		writeError(w, "", http.StatusBadRequest, "invalid_request_error", "tokenscope proxy forwards only to its upstream; send requests to its own address")
		return
	}
	// The upstream resolves dot segments, escapes and case its own way:
	// the proxy matches and forwards the path it resolved, never above the
	// upstream's base path.
	r.URL.Path, r.URL.RawPath = cleanPath(r.URL.Path), ""
	api := apiOf(r)
	tags, tagErr := transcripts.ParseTags(strings.Join(r.Header.Values(TagHeader), ","))
	r.Header.Del(TagHeader)
	if !p.enter() {
		w.Header().Set("Connection", "close")
		p.refuseEarly(w, r, api, tags, reject(http.StatusServiceUnavailable, "tokenscope proxy is shutting down"))
		return
	}
	defer p.leave()
	if tagErr != nil {
		p.refuseEarly(w, r, api, nil, reject(http.StatusBadRequest, "%s: %v", TagHeader, tagErr))
		return
	}
	if api == "" {
		p.rp.ServeHTTP(w, r)
		return
	}
	if err := p.rec.healthy(); err != nil {
		// A call that cannot be recorded is not forwarded.
		writeError(w, api, http.StatusServiceUnavailable, "api_error", "tokenscope proxy cannot record calls, so it forwards none until it can: "+err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), p.cfg.bodyWait)
	mem := &bodyMemory{sem: p.bodies, ctx: ctx}
	defer mem.release()
	c, body, rf := p.prepare(r, api, tags, start, mem)
	cancel()
	if rf != nil {
		p.refuseEarly(w, r, api, tags, rf)
		return
	}
	estimate := c.estimate()
	c.claim = p.threads.find(c.req.Messages)
	t, refusal := p.budgets.admit(tags, estimate, c.input+c.reserve, start)
	if refusal != nil {
		p.refuse(w, c, refusal)
		return
	}
	c.ticket = t
	// From here the call holds a reservation: whatever happens (the
	// client leaves, the upstream cuts the stream and the relay aborts
	// with http.ErrAbortHandler), it ends in one record and releases it.
	defer p.end(c)
	if api == transcripts.APIOpenAI && c.req.Stream && !c.req.IncludeUsage {
		if b, err := withIncludeUsage(body); err == nil {
			body, c.injected = b, true
		}
	}
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	r.Header.Set("Content-Length", strconv.Itoa(len(body)))
	// Identity bodies, so that what is recorded can be read.
	r.Header.Del("Accept-Encoding")
	p.rp.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callKey{}, c)))
}

// prepare reads, checks and parses a request the proxy records; a request
// it cannot budget comes back as a refusal, never to be forwarded.
func (p *Proxy) prepare(r *http.Request, api string, tags map[string]string, start time.Time, mem *bodyMemory) (*call, []byte, *rejection) {
	body, err := readBody(r, mem)
	if err == nil {
		body, err = canonicalRequest(body)
	}
	var rf *rejection
	if errors.As(err, &rf) {
		return nil, nil, rf
	}
	if err != nil {
		return nil, nil, reject(http.StatusBadRequest, "%v", err)
	}
	req, err := transcripts.ParseRequest(api, body)
	if err != nil {
		return nil, nil, reject(http.StatusBadRequest, "the request cannot be read to budget it: %v", err)
	}
	c := &call{api: api, endpoint: r.URL.Path, req: req, tags: tags, start: start, model: p.model(req.Model), client: r.Context()}
	c.input = tokenize.CallInput(req.Messages, req.Tools, c.model.tok)
	c.reserve = c.model.outputReserve(req.MaxTokens, c.input)
	return c, body, nil
}

// refuseEarly answers a call refused before it was read or budgeted and,
// for the APIs the proxy records, records it.
func (p *Proxy) refuseEarly(w http.ResponseWriter, r *http.Request, api string, tags map[string]string, rf *rejection) {
	typ := "invalid_request_error"
	if rf.status >= 500 {
		typ = "api_error"
	}
	writeError(w, api, rf.status, typ, "tokenscope proxy: "+strings.TrimPrefix(rf.msg, "tokenscope proxy "))
	if api != "" {
		p.record(&transcripts.CallRecord{Time: p.cfg.Now().UTC(), API: api, Endpoint: r.URL.Path, Tags: tags,
			Status: rf.status, Error: rf.msg, Redacted: p.cfg.Redact})
	}
}

// outputReserve is the output a call reserves while in flight: its cap
// (max_tokens, max_completion_tokens, max_output_tokens) when it sets one;
// else the model's own output limit from the price table (no reply can
// bill more, so the budget holds whatever the reply), no more than the
// context window leaves after the input; else, for a model the table
// does not know, the largest output this proxy has seen it bill.
func (m *model) outputReserve(maxTokens, input int64) int64 {
	if maxTokens > 0 {
		return maxTokens
	}
	if m.price != nil && m.price.MaxOutput > 0 {
		out := m.price.MaxOutput
		if cw := m.price.ContextWindow; cw > input && cw-input < out {
			out = cw - input
		}
		return out
	}
	return m.seen.Load()
}

// estimate is what the call reserves: its counted input at the list price
// and its output reserve at the output price.
func (c *call) estimate() price.Money {
	if c.model.price == nil {
		return 0
	}
	return c.model.price.Estimate(c.input, c.reserve)
}

// end finishes a call the relay left unfinished (an error, the client
// gone, a broken stream); it runs deferred, so also when the relay panics.
func (p *Proxy) end(c *call) {
	if c.finished {
		return
	}
	c.cut = c.tapped
	p.finish(c)
}

// rewrite points the outbound request at the upstream, keeping the path
// (a /v1 in both is not doubled) and query.
func (p *Proxy) rewrite(pr *httputil.ProxyRequest) {
	pr.SetURL(p.upstream)
	pr.Out.Host = p.upstream.Host
}

// errHeaderTimeout is a call whose upstream sent no headers in time.
var errHeaderTimeout = errors.New("the upstream sent no response headers in time")

// timing notes when a call's request leaves for the upstream, and gives
// the upstream a bounded time to start answering.
type timing struct {
	rt      http.RoundTripper
	now     func() time.Time
	headers time.Duration
}

func (t timing) RoundTrip(r *http.Request) (*http.Response, error) {
	if c := callOf(r.Context()); c != nil {
		c.sent = t.now()
	}
	ctx, cancel := context.WithCancelCause(r.Context())
	timer := time.AfterFunc(t.headers, func() { cancel(errHeaderTimeout) })
	resp, err := t.rt.RoundTrip(r.WithContext(ctx))
	if !timer.Stop() && err != nil && errors.Is(context.Cause(ctx), errHeaderTimeout) {
		cancel(nil)
		return nil, fmt.Errorf("%w (--upstream-timeout %s)", errHeaderTimeout, t.headers)
	}
	if err != nil {
		cancel(nil)
		return nil, err
	}
	resp.Body = cancelOnClose{resp.Body, cancel}
	return resp, nil
}

// cancelOnClose releases a request's context when its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelCauseFunc
}

func (c cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel(nil)
	return err
}

func (p *Proxy) modifyResponse(resp *http.Response) error {
	c := callOf(resp.Request.Context())
	if c == nil {
		return nil
	}
	c.status = resp.StatusCode
	c.tapped = true
	c.gzip = strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip")
	tp := &tap{rc: resp.Body, c: c, p: p}
	if resp.StatusCode == http.StatusOK && strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") && !c.gzip {
		tp.events = true
		if c.injected {
			tp.strip = true
			resp.Header.Del("Content-Length")
			resp.ContentLength = -1
		}
	}
	resp.Body = tp
	return nil
}

func (p *Proxy) upstreamError(w http.ResponseWriter, r *http.Request, err error) {
	c := callOf(r.Context())
	api := ""
	if c != nil {
		c.err, api = err, c.api
	}
	if r.Context().Err() != nil {
		return // the client went away
	}
	if errors.Is(err, errHeaderTimeout) {
		writeError(w, api, http.StatusGatewayTimeout, "api_error", "tokenscope proxy: "+err.Error())
		return
	}
	writeError(w, api, http.StatusBadGateway, "api_error", "tokenscope proxy could not reach the upstream: "+err.Error())
}

// StatusClientClosed is the status recorded for a call whose client went
// away before its reply ended (nginx's 499).
const StatusClientClosed = 499

// outcome is the status, error and reply a call is recorded with.
func (p *Proxy) outcome(c *call, clientGone bool) (int, string, *transcripts.Message) {
	switch {
	case c.err != nil && clientGone:
		return StatusClientClosed, "client closed the connection before the upstream answered", nil
	case c.err != nil && errors.Is(c.err, errHeaderTimeout):
		return http.StatusGatewayTimeout, "upstream: " + c.err.Error(), nil
	case c.err != nil:
		return http.StatusBadGateway, "upstream: " + c.err.Error(), nil
	case c.status < 200 || c.status > 299:
		// The body is not written: error messages can quote the key.
		return c.status, fmt.Sprintf("upstream answered %d", c.status), nil
	case c.overflow:
		return c.status, "response over 16 MiB: not recorded", nil
	}
	body := c.capture.Bytes()
	if c.gzip {
		if zr, err := gzip.NewReader(bytes.NewReader(body)); err == nil {
			body, _ = io.ReadAll(io.LimitReader(zr, maxCapture))
		}
	}
	body, dropped := cleanEvents(body)
	status, msg := c.status, ""
	if dropped > 0 {
		msg = fmt.Sprintf("%d stream events were not valid JSON and were skipped", dropped)
	}
	switch {
	case c.cut && clientGone && p.shuttingDown():
		status, msg = StatusClientClosed, join("cut by the proxy's shutdown: still running after --drain", msg)
	case c.cut && clientGone:
		status, msg = StatusClientClosed, join("client closed the connection before the reply ended", msg)
	case c.cut && c.readErr != nil:
		status, msg = http.StatusBadGateway, join("upstream broke off the reply: "+c.readErr.Error(), msg)
	case c.cut:
		status, msg = http.StatusBadGateway, join("the relay to the client failed before the reply ended", msg)
	}
	reply, err := transcripts.ParseResponse(c.api, body)
	if err != nil {
		return status, join("response: "+err.Error(), msg), nil
	}
	return status, msg, reply
}

func join(a, b string) string {
	if b == "" {
		return a
	}
	return a + "; " + b
}

// finish settles the call's budgets, threads it and writes its record.
// A cut-off reply is recorded with what was relayed, the error and the
// usage known so far, and billed for it.
func (p *Proxy) finish(c *call) {
	c.finished = true
	end := p.cfg.Now()
	if c.upstreamDone.IsZero() {
		c.upstreamDone = end
	}
	status, errMsg, reply := p.outcome(c, c.client.Err() != nil)
	rec := &transcripts.CallRecord{Time: end.UTC(), API: c.api, Endpoint: c.endpoint, Model: c.req.Model, Tags: c.tags,
		Status: status, Error: errMsg, DurationMS: float64(end.Sub(c.start).Microseconds()) / 1000, Redacted: p.cfg.Redact, CountedInput: c.input}
	var output int64
	if reply != nil {
		// When the call happened is the proxy's clock: an upstream's
		// created (1, or past year 9999) is not a time to file it under.
		reply.Time = end.UTC()
		switch {
		case reply.Usage == nil:
			output = c.model.tok.Count(reply.Content)
		case c.cut:
			// A stream cut off early reports only what its first events
			// said (Anthropic's message_start: the input, 1 output
			// token); the output relayed since is counted.
			if n := c.model.tok.Count(reply.Content); n > reply.Usage.OutputTokens {
				u := *reply.Usage
				u.OutputTokens = n
				reply.Usage = &u
			}
		}
	}
	var usage *transcripts.Usage
	if reply != nil {
		usage = reply.Usage
	}
	if reply != nil || c.err == nil && c.status >= 200 && c.status < 300 {
		cost, tokens := c.model.billed(usage, c.input, output)
		p.budgets.settle(c.ticket, cost, tokens, end)
		if usage != nil {
			output = usage.OutputTokens
		}
		c.model.noteOutput(output)
	} else {
		p.budgets.settle(c.ticket, 0, 0, end)
	}
	msgs := c.req.Messages
	if reply != nil && status >= 200 && status < 300 {
		reply.Tags = cloneTags(c.tags)
		id, from, writeTools, writeSystem := p.threads.commit(c.claim, msgs, reply, c.req.Tools)
		rec.Conversation, rec.Messages, rec.Reply = id, msgs[from:], reply
		if writeTools {
			rec.Tools, rec.NoTools = c.req.Tools, len(c.req.Tools) == 0
		}
		if writeSystem {
			rec.System = systemTexts(msgs)
			rec.NoSystem = len(rec.System) == 0
		}
	} else {
		if c.claim.t != nil {
			rec.Conversation = c.claim.t.id
		}
		rec.Messages, rec.Reply = msgs[c.claim.from:], reply
	}
	written := p.cfg.Now()
	p.record(rec)
	end = p.cfg.Now()
	c.recordWait = end.Sub(written)
	p.noteOverhead(c, end)
	c.capture = bytes.Buffer{}
}

// noteOutput raises the largest output seen for the model to n.
func (m *model) noteOutput(n int64) {
	for {
		old := m.seen.Load()
		if n <= old || m.seen.CompareAndSwap(old, n) {
			return
		}
	}
}

// refuse answers a call over budget with 429 and records it.
func (p *Proxy) refuse(w http.ResponseWriter, c *call, r *Refusal) {
	secs := int(math.Ceil(r.Resets.Sub(p.cfg.Now()).Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	writeError(w, c.api, r.status(), r.errType(), r.Msg)
	rec := &transcripts.CallRecord{Time: p.cfg.Now().UTC(), API: c.api, Endpoint: c.endpoint, Model: c.req.Model, Tags: c.tags,
		Status: r.status(), Refused: r.spec(), Error: r.Msg, Redacted: p.cfg.Redact, CountedInput: c.input,
		Messages: c.req.Messages[c.claim.from:]}
	if c.claim.t != nil {
		rec.Conversation = c.claim.t.id
	}
	p.statsMu.Lock()
	p.refused++
	p.statsMu.Unlock()
	p.record(rec)
}

func (p *Proxy) record(rec *transcripts.CallRecord) {
	p.identify(rec)
	if p.cfg.Redact {
		rec.Messages = redact(rec.Messages)
		if rec.Reply != nil {
			r := redact([]transcripts.Message{*rec.Reply})
			rec.Reply = &r[0]
		}
	}
	if err := p.rec.add(rec); err != nil && err != errClosed && p.cfg.Warn != nil {
		p.cfg.Warn("a call's record is not written yet (kept and retried; calls are refused meanwhile): " + err.Error())
	}
}

// redact keeps what counts and usage need to be read back (roles, tool
// names, usage, tags) and drops the text.
func redact(msgs []transcripts.Message) []transcripts.Message {
	out := make([]transcripts.Message, len(msgs))
	for i, m := range msgs {
		m.Content, m.Reasoning, m.RAGSpans = "", "", nil
		if len(m.ToolCalls) > 0 {
			calls := make([]transcripts.ToolCall, len(m.ToolCalls))
			for j, tc := range m.ToolCalls {
				calls[j] = transcripts.ToolCall{ID: tc.ID, Name: tc.Name}
			}
			m.ToolCalls = calls
		}
		out[i] = m
	}
	return out
}

// withIncludeUsage asks a streaming Chat Completions request for the final
// usage chunk. When the request has no stream_options the option is
// inserted and the rest of the body is left byte for byte; otherwise the
// options are merged.
func withIncludeUsage(body []byte) ([]byte, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return nil, err
	}
	if _, ok := top["stream_options"]; !ok {
		i := bytes.IndexByte(body, '{')
		out := make([]byte, 0, len(body)+40)
		out = append(out, body[:i+1]...)
		out = append(out, `"stream_options":{"include_usage":true}`...)
		if len(top) > 0 {
			out = append(out, ',')
		}
		return append(out, body[i+1:]...), nil
	}
	opts := map[string]json.RawMessage{}
	if so := bytes.TrimSpace(top["stream_options"]); string(so) != "null" {
		if err := json.Unmarshal(so, &opts); err != nil {
			return nil, err
		}
	}
	opts["include_usage"] = json.RawMessage("true")
	b, err := json.Marshal(opts)
	if err != nil {
		return nil, err
	}
	top["stream_options"] = b
	return json.Marshal(top)
}

// writeError answers with an error shaped like the API's own, so SDKs
// raise their usual error types.
func writeError(w http.ResponseWriter, api string, status int, typ, msg string) {
	var v any
	if api == transcripts.APIAnthropic {
		atyp := "invalid_request_error"
		switch status {
		case http.StatusTooManyRequests:
			atyp = "rate_limit_error"
		case http.StatusBadGateway, http.StatusServiceUnavailable:
			atyp = "api_error"
		case http.StatusRequestEntityTooLarge:
			atyp = "request_too_large"
		}
		v = map[string]any{"type": "error", "error": map[string]any{"type": atyp, "message": msg}}
	} else {
		v = map[string]any{"error": map[string]any{"message": msg, "type": typ, "param": nil, "code": codeOf(typ)}}
	}
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

func codeOf(typ string) any {
	if typ == "budget_exceeded" {
		return "tokenscope_budget_exceeded"
	}
	return nil
}
