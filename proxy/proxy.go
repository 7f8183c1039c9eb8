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
	"math"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

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
}

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

	statsMu  sync.Mutex
	calls    int64
	refused  int64
	overhead []time.Duration // a ring of the last len(overhead) calls
	nOver    int
}

// model is what counting and pricing a model needs.
type model struct {
	price *price.Model // nil when the model is not in the table
	tok   *tokenize.Tokenizer
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
	if cfg.Transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 256
		// Ask for identity bodies: what is relayed is what is parsed.
		t.DisableCompression = true
		cfg.Transport = t
	}
	p := &Proxy{cfg: cfg, upstream: u, budgets: newBudgets(cfg), overhead: make([]time.Duration, 1<<14),
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
	if p.rec, err = newRecorder(cfg.Out); err != nil {
		return nil, fmt.Errorf("--out %s: %w", cfg.Out, err)
	}
	p.rp = &httputil.ReverseProxy{
		Rewrite:        p.rewrite,
		Transport:      timing{cfg.Transport, cfg.Now},
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
	return readBack(logFiles(p.cfg.Out, now), func(r *transcripts.CallRecord) error {
		if !r.Served() {
			return nil
		}
		m := p.model(r.Model)
		cost, tokens := m.billed(r.Reply.Usage, r.CountedInput, 0)
		p.budgets.replay(r.Tags, cost, tokens, r.Time, now)
		if !r.Redacted && r.Conversation != "" {
			p.threads.resume(r.Conversation, r.Messages, r.Reply, r.Tools, state)
		}
		return nil
	})
}

// Close stops recording after writing every call already served.
func (p *Proxy) Close() error { return p.rec.Close() }

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
	claim    *claim
	ticket   *ticket
	injected bool // stream_options.include_usage was added

	start, sent, upstreamDone time.Time
	status                    int
	gzip                      bool
	err                       error
	capture                   bytes.Buffer
	overflow                  bool
	finished                  bool
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
// only passes through (/v1/models, embeddings, …).
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

// ServeHTTP forwards r to the upstream.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := p.cfg.Now()
	api := apiOf(r)
	// Never an open proxy: requests naming another host, or tunnels, are
	// refused; everything else goes to the configured upstream only.
	if r.Method == http.MethodConnect || r.URL.IsAbs() || r.URL.Host != "" {
		writeError(w, api, http.StatusBadRequest, "invalid_request_error", "tokenscope proxy forwards only to its upstream; send requests to its own address")
		return
	}
	tags, err := transcripts.ParseTags(strings.Join(r.Header.Values(TagHeader), ","))
	r.Header.Del(TagHeader)
	if err != nil {
		writeError(w, api, http.StatusBadRequest, "invalid_request_error", TagHeader+": "+err.Error())
		return
	}
	if api == "" {
		p.rp.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequest+1))
	r.Body.Close()
	if err != nil {
		writeError(w, api, http.StatusBadRequest, "invalid_request_error", "reading the request: "+err.Error())
		return
	}
	if len(body) > maxRequest {
		writeError(w, api, http.StatusRequestEntityTooLarge, "invalid_request_error", "request body over 32 MiB")
		return
	}
	req, err := transcripts.ParseRequest(api, body)
	if err != nil {
		// Not a request the proxy understands: the upstream says why.
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		p.rp.ServeHTTP(w, r)
		return
	}
	c := &call{api: api, endpoint: r.URL.Path, req: req, tags: tags, start: start, model: p.model(req.Model)}
	c.input = tokenize.CallInput(req.Messages, req.Tools, c.model.tok)
	var estimate price.Money
	if c.model.price != nil {
		estimate = c.model.price.Estimate(c.input, req.MaxTokens)
	}
	c.claim = p.threads.find(req.Messages)
	t, refusal := p.budgets.admit(tags, estimate, c.input+req.MaxTokens, start)
	if refusal != nil {
		p.refuse(w, c, refusal)
		return
	}
	c.ticket = t
	if api == transcripts.APIOpenAI && req.Stream && !req.IncludeUsage {
		if b, err := withIncludeUsage(body); err == nil {
			body, c.injected = b, true
		}
	}
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	r.Header.Set("Content-Length", strconv.Itoa(len(body)))
	// Identity bodies, so that what is recorded can be read.
	r.Header.Del("Accept-Encoding")
	p.rp.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callKey{}, c)))
	if !c.finished {
		p.finish(c) // no response body was read: an error, or the client left
	}
}

// rewrite points the outbound request at the upstream, keeping the path
// (a /v1 in both is not doubled) and query.
func (p *Proxy) rewrite(pr *httputil.ProxyRequest) {
	pr.SetURL(p.upstream)
	pr.Out.Host = p.upstream.Host
}

// timing notes when a call's request leaves for the upstream.
type timing struct {
	rt  http.RoundTripper
	now func() time.Time
}

func (t timing) RoundTrip(r *http.Request) (*http.Response, error) {
	if c := callOf(r.Context()); c != nil {
		c.sent = t.now()
	}
	return t.rt.RoundTrip(r)
}

func (p *Proxy) modifyResponse(resp *http.Response) error {
	c := callOf(resp.Request.Context())
	if c == nil {
		return nil
	}
	c.status = resp.StatusCode
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
	if errors.Is(err, context.Canceled) {
		return // the client went away
	}
	writeError(w, api, http.StatusBadGateway, "api_error", "tokenscope proxy could not reach the upstream: "+err.Error())
}

// finish settles the call's budgets, threads it and queues its record.
func (p *Proxy) finish(c *call) {
	c.finished = true
	end := p.cfg.Now()
	if c.upstreamDone.IsZero() {
		c.upstreamDone = end
	}
	rec := &transcripts.CallRecord{Time: end.UTC(), API: c.api, Endpoint: c.endpoint, Model: c.req.Model, Tags: c.tags,
		Status: c.status, DurationMS: float64(end.Sub(c.start).Microseconds()) / 1000, Redacted: p.cfg.Redact, CountedInput: c.input}
	var reply *transcripts.Message
	switch {
	case c.err != nil:
		rec.Status = http.StatusBadGateway
		rec.Error = "upstream: " + c.err.Error()
	case c.status < 200 || c.status > 299:
		// The body is not written: error messages can quote the key.
		rec.Error = fmt.Sprintf("upstream answered %d", c.status)
	case c.overflow:
		rec.Error = "response over 16 MiB: not recorded"
	default:
		body := c.capture.Bytes()
		if c.gzip {
			if zr, err := gzip.NewReader(bytes.NewReader(body)); err == nil {
				body, _ = io.ReadAll(zr)
			}
		}
		var err error
		if reply, err = transcripts.ParseResponse(c.api, body); err != nil {
			rec.Error = "response: " + err.Error()
			reply = nil
		}
	}
	var output int64
	if reply != nil && reply.Usage == nil {
		output = c.model.tok.Count(reply.Content)
	}
	var usage *transcripts.Usage
	if reply != nil {
		usage = reply.Usage
	}
	if reply != nil || c.err == nil && c.status >= 200 && c.status < 300 {
		cost, tokens := c.model.billed(usage, c.input, output)
		p.budgets.settle(c.ticket, cost, tokens, end)
	} else {
		p.budgets.settle(c.ticket, 0, 0, end)
	}
	msgs := c.req.Messages
	if reply != nil {
		reply.Tags = cloneTags(c.tags)
		id, from, writeTools := p.threads.commit(c.claim, msgs, reply, c.req.Tools)
		rec.Conversation, rec.Messages, rec.Reply = id, msgs[from:], reply
		if writeTools {
			rec.Tools = c.req.Tools
		}
	} else {
		if c.claim.t != nil {
			rec.Conversation = c.claim.t.id
		}
		rec.Messages = msgs[c.claim.from:]
	}
	p.record(rec)
	p.noteOverhead(c, p.cfg.Now())
	c.capture = bytes.Buffer{}
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
	if p.cfg.Redact {
		rec.Messages = redact(rec.Messages)
		if rec.Reply != nil {
			r := redact([]transcripts.Message{*rec.Reply})
			rec.Reply = &r[0]
		}
	}
	p.rec.add(rec)
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
