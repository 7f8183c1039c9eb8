package report

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"strconv"
	"time"

	fastjson "github.com/goccy/go-json"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/report/genai"
)

// otlpSink writes every call of every strategy as an OpenTelemetry GenAI
// client span in OTLP/JSON (an ExportTraceServiceRequest), streamed one
// span at a time. Each (strategy, conversation) is a trace; ids are hashes
// of the strategy, conversation and call, so the same log gives the same
// ids. Calls with no logged time are placed one second apart from the Unix
// epoch, in order.
type otlpSink struct {
	w         *bufio.Writer
	spans     int
	model     string
	providers map[string]string // model id → provider, from the embedded price table
}

// NewOTLP returns the sink of `--format otlp`.
func NewOTLP(w io.Writer) Sink {
	return &otlpSink{w: bufio.NewWriterSize(w, 64<<10)}
}

// OTLP/JSON (opentelemetry-proto's JSON mapping): int64 as strings, ids as
// lowercase hex, enums as integers.
type otlpKeyValue struct {
	Key   string    `json:"key"`
	Value otlpValue `json:"value"`
}

type otlpValue struct {
	String *string  `json:"stringValue,omitempty"`
	Int    *string  `json:"intValue,omitempty"`
	Double *float64 `json:"doubleValue,omitempty"`
	Bool   *bool    `json:"boolValue,omitempty"`
}

type otlpSpan struct {
	TraceID    string         `json:"traceId"`
	SpanID     string         `json:"spanId"`
	Name       string         `json:"name"`
	Kind       int            `json:"kind"` // 3: SPAN_KIND_CLIENT
	Start      string         `json:"startTimeUnixNano"`
	End        string         `json:"endTimeUnixNano"`
	Attributes []otlpKeyValue `json:"attributes"`
	Status     struct{}       `json:"status"`
}

func str(k, v string) otlpKeyValue { return otlpKeyValue{Key: k, Value: otlpValue{String: &v}} }
func i64(k string, v int64) otlpKeyValue {
	s := strconv.FormatInt(v, 10)
	return otlpKeyValue{Key: k, Value: otlpValue{Int: &s}}
}
func boolean(k string, v bool) otlpKeyValue { return otlpKeyValue{Key: k, Value: otlpValue{Bool: &v}} }
func double(k string, v float64) otlpKeyValue {
	return otlpKeyValue{Key: k, Value: otlpValue{Double: &v}}
}

// hexID is n bytes of the hash of parts, in hex.
func hexID(n int, parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:n])
}

func (s *otlpSink) Begin(h *Header) error {
	s.model = h.Report.Model.ID
	res := []otlpKeyValue{str("service.name", "tokenscope"), str("tokenscope.source.path", h.Report.Source.Path),
		str("tokenscope.source.format", h.Report.Source.Format), str("tokenscope.encoding", h.Report.Model.Encoding),
		boolean("tokenscope.exact", h.Report.Model.Exact)}
	attrs, err := json.Marshal(res)
	if err != nil {
		return err
	}
	s.w.WriteString(`{"resourceSpans":[{"resource":{"attributes":`)
	s.w.Write(attrs)
	_, err = s.w.WriteString(`},"scopeSpans":[{"scope":{"name":"tokenscope"},"spans":[`)
	return err
}

func (s *otlpSink) Strategy(int) error { return nil }

// unixNano is t in nanoseconds as OTLP/JSON writes it.
func unixNano(t time.Time) string { return strconv.FormatInt(t.UnixNano(), 10) }

func (s *otlpSink) Call(c *Call) error {
	call := c.Call
	model := call.Model
	if model == "" {
		model = s.model
	}
	trace := hexID(16, c.Spec, call.Conversation)
	start, end := c.Start, c.Time
	if end.IsZero() {
		end = time.Unix(int64(call.Index), 0)
		start = end
	}
	sp := otlpSpan{TraceID: trace, SpanID: hexID(8, trace, strconv.Itoa(call.Index)), Name: "chat " + model, Kind: 3,
		Start: unixNano(start), End: unixNano(end)}
	gc := genai.Call{Provider: s.provider(model), RequestModel: model, Conversation: call.Conversation,
		Input: call.Input.Total(), Output: call.BilledOutput(), CacheRead: call.Cached, CacheWrite: call.CacheWrite,
		Reasoning: call.Reasoning, Cost: call.Cost, Unpriced: call.Unpriced}
	var a []otlpKeyValue
	for _, kv := range genai.Attrs(gc) {
		a = append(a, otlpAttr(kv))
	}
	a = append(a, str("tokenscope.strategy", c.Spec), i64("tokenscope.call.index", int64(call.Index)))
	for _, name := range profile.PartNames {
		a = append(a, i64("tokenscope.input."+name, call.Input.Get(name)))
	}
	a = append(a,
		i64("tokenscope.cached_input_tokens", call.Cached),
		i64("tokenscope.cache_write_tokens", call.CacheWrite),
		i64("tokenscope.output_tokens", call.BilledOutput()),
		i64("tokenscope.reasoning_tokens", call.Reasoning),
		i64("tokenscope.summary_input_tokens", call.SummaryInput),
		i64("tokenscope.summary_output_tokens", call.SummaryOutput),
	)
	if !call.Unpriced {
		// An unpriced call has no cost attribute: tokenscope.unpriced says why.
		a = append(a, i64("tokenscope.cost_pusd", int64(call.Cost)), double("tokenscope.cost_usd", call.Cost.USD()))
	}
	if call.Truncated {
		a = append(a, boolean("tokenscope.truncated", true))
	}
	if call.Overflow {
		a = append(a, boolean("tokenscope.overflow", true))
	}
	if call.Routed {
		a = append(a, boolean("tokenscope.routed", true))
	}
	if call.Served {
		a = append(a, boolean("tokenscope.respcache_hit", true))
	}
	if call.Cleared > 0 {
		a = append(a, i64("tokenscope.cleared_tokens", call.Cleared))
	}
	if u := call.Reported; u != nil {
		a = append(a, i64("tokenscope.reported.input_tokens", u.InputTokens),
			i64("tokenscope.reported.cached_input_tokens", u.CachedInputTokens),
			i64("tokenscope.reported.cache_write_tokens", u.CacheWriteTokens),
			i64("tokenscope.reported.output_tokens", u.OutputTokens),
			i64("tokenscope.reported.reasoning_tokens", u.ReasoningTokens))
		if !call.Unpriced {
			a = append(a, i64("tokenscope.reported.cost_pusd", int64(call.ReportedCost)))
		}
	}
	if c.Conv != nil && c.Conv.Path != "" {
		a = append(a, str("tokenscope.source.file", c.Conv.Path))
	}
	sp.Attributes = a
	if s.spans > 0 {
		s.w.WriteByte(',')
	}
	s.spans++
	// goccy/go-json writes what encoding/json writes, without
	// reflection on every span: half of this format's time was here.
	b, err := fastjson.Marshal(&sp)
	if err != nil {
		return err
	}
	_, err = s.w.Write(b)
	return err
}

// provider names the provider of model for gen_ai.provider.name, "" when
// the price table does not know it.
func (s *otlpSink) provider(model string) string {
	p, ok := s.providers[model]
	if !ok {
		if m, found := price.Default().Lookup(model); found {
			p = m.Provider
		}
		if s.providers == nil {
			s.providers = map[string]string{}
		}
		s.providers[model] = p
	}
	return p
}

// otlpAttr is a GenAI attribute in OTLP/JSON.
func otlpAttr(kv genai.Attr) otlpKeyValue {
	switch v := kv.Value.(type) {
	case int64:
		return i64(kv.Key, v)
	case float64:
		return double(kv.Key, v)
	case bool:
		return boolean(kv.Key, v)
	case string:
		return str(kv.Key, v)
	}
	return str(kv.Key, "")
}

func (s *otlpSink) End() error {
	s.w.WriteString("]}]}]}\n")
	return s.w.Flush()
}
