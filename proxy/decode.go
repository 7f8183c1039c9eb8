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
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"
	"golang.org/x/sync/semaphore"
)

// A request the proxy cannot budget is refused with a 400 (or 413, 415,
// 503) carrying why, never forwarded: the upstream would serve a call the
// budgets did not see, or see another call than the one priced.
type rejection struct {
	status int
	msg    string
}

func (r *rejection) Error() string { return r.msg }

func reject(status int, format string, args ...any) *rejection {
	return &rejection{status: status, msg: fmt.Sprintf(format, args...)}
}

// bodyUnit is the step in which request bodies take memory from the
// proxy's total; a small body takes one unit.
const bodyUnit = 64 << 10

// bodyWait is how long a request waits for memory held by other large
// bodies before it is refused with 503.
const bodyWait = 10 * time.Second

// bodyMemory is what one request's body holds of the proxy's total.
type bodyMemory struct {
	sem  *semaphore.Weighted
	ctx  context.Context
	held int64
}

// grow holds at least n bytes, waiting for other bodies to let go.
func (m *bodyMemory) grow(n int64) error {
	want := (n + bodyUnit - 1) / bodyUnit * bodyUnit
	if want <= m.held {
		return nil
	}
	if err := m.sem.Acquire(m.ctx, want-m.held); err != nil {
		return reject(http.StatusServiceUnavailable, "tokenscope proxy is holding as many request bodies as its memory bound allows; retry shortly")
	}
	m.held = want
	return nil
}

func (m *bodyMemory) release() {
	if m.held > 0 {
		m.sem.Release(m.held)
		m.held = 0
	}
}

// readAll reads r whole into memory counted against m, refusing more than
// limit bytes with 413.
func (m *bodyMemory) readAll(r io.Reader, limit int64, what string) ([]byte, error) {
	var buf []byte
	chunk := make([]byte, 32<<10)
	for {
		n, err := r.Read(chunk)
		if n > 0 {
			if int64(len(buf)+n) > limit {
				return nil, reject(http.StatusRequestEntityTooLarge, "%s over %d MiB", what, limit>>20)
			}
			if gerr := m.grow(int64(len(buf) + n)); gerr != nil {
				return nil, gerr
			}
			buf = append(buf, chunk[:n]...)
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			var re *rejection
			if errors.As(err, &re) {
				return nil, err
			}
			return nil, reject(http.StatusBadRequest, "reading the request: %v", err)
		}
	}
}

// readBody reads a request body as the upstream will see it: within the
// proxy's memory bound, decoded from gzip or zstd, no more than maxRequest
// bytes either way. The caller releases mem when the call ends.
func readBody(r *http.Request, mem *bodyMemory) ([]byte, error) {
	raw, err := mem.readAll(r.Body, maxRequest, "request body")
	r.Body.Close()
	if err != nil {
		return nil, err
	}
	enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding")))
	var dec io.Reader
	switch enc {
	case "", "identity":
		return raw, nil
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, reject(http.StatusBadRequest, "request body: Content-Encoding gzip: %v", err)
		}
		dec = zr
	case "zstd":
		zr, err := zstd.NewReader(bytes.NewReader(raw), zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(maxRequest))
		if err != nil {
			return nil, reject(http.StatusBadRequest, "request body: Content-Encoding zstd: %v", err)
		}
		defer zr.Close()
		dec = zr
	default:
		return nil, reject(http.StatusUnsupportedMediaType, "request body: Content-Encoding %q is not one the proxy can read to budget the call (identity, gzip, zstd)", enc)
	}
	body, err := mem.readAll(dec, maxRequest, "decoded request body")
	if err != nil {
		var re *rejection
		if errors.As(err, &re) && re.status == http.StatusBadRequest {
			re.msg = "request body: Content-Encoding " + enc + ": " + strings.TrimPrefix(re.msg, "reading the request: ")
		}
		return nil, err
	}
	// The decoded body is what is forwarded: what the upstream reads is
	// what was priced.
	r.Header.Del("Content-Encoding")
	return body, nil
}

// cleanPath is the request path as the upstream resolves it: percent
// escapes decoded, dot segments and doubled slashes removed, never above
// the root (so never above the upstream's base path). A path that names one
// of the APIs the proxy records in another case (/V1/Chat/Completions) is
// given in the API's own case.
func cleanPath(p string) string {
	if p == "" {
		p = "/"
	}
	clean := path.Clean("/" + p)
	if known := apiPath(strings.ToLower(clean)); known != "" {
		return known
	}
	return clean
}

// apiPath returns p when it is the path of an API the proxy records.
func apiPath(p string) string {
	switch p {
	case "/v1/chat/completions", "/chat/completions", "/v1/responses", "/responses", "/v1/messages", "/messages":
		return p
	}
	return ""
}

// knownKeys are the object keys the request readers decode into struct
// fields. Go's JSON decoder matches field names without regard to case;
// the APIs read keys exactly. A key that is one of these in another case
// ("MODEL", "Max_Tokens") would be read by the proxy as that field while
// the upstream reads another (or none): such requests are refused.
var knownKeys = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range strings.Fields(`model messages tools functions system max_tokens max_completion_tokens
		max_output_tokens stream stream_options include_usage instructions input type role content name
		tool_calls tool_call_id function_call function arguments description parameters input_schema text
		image_url url source id tool_use_id thinking signature refusal reasoning_content cache_control
		call_id output summary detail data media_type file file_id`) {
		m[k] = true
	}
	return m
}()

// opaqueKeys hold values the proxy keeps as raw JSON (schemas, metadata):
// their keys are the client's own, checked only for duplicates.
var opaqueKeys = map[string]bool{"parameters": true, "input_schema": true, "metadata": true, "response_format": true,
	"properties": true, "json_schema": true, "schema": true, "$defs": true, "definitions": true}

// capKeys are the top-level output caps; they must be whole numbers.
var capKeys = map[string]bool{"max_tokens": true, "max_completion_tokens": true, "max_output_tokens": true}

// canonicalRequest checks a request body before it is parsed and priced,
// and returns the body to parse and forward:
//   - a UTF-8 byte order mark is taken off (the upstream gets the body
//     without it);
//   - an object with a key twice, or two keys equal but for case, is
//     refused: which one a reader takes differs between readers;
//   - a key that is a field the proxy reads in another case is refused;
//   - max_tokens, max_completion_tokens and max_output_tokens written as
//     whole numbers in another form (100.0, 1e5) are accepted, as the APIs
//     accept them, and forwarded as plain integers; fractions, negatives
//     and numbers past 2^53 are refused.
func canonicalRequest(body []byte) ([]byte, error) {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var stack []*frame
	var edits []edit
	for first := true; ; first = false {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, reject(http.StatusBadRequest, "request body is not JSON: %v", err)
		}
		if d, ok := tok.(json.Delim); first && (!ok || d != '{') {
			return nil, reject(http.StatusBadRequest, "request body is not a JSON object")
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch v := tok.(type) {
		case json.Delim:
			if v == '{' || v == '[' {
				f := &frame{object: v == '{'}
				if top != nil {
					f.opaque = top.opaque || top.object && opaqueKeys[top.key]
				}
				stack = append(stack, f)
				continue
			}
			stack = stack[:len(stack)-1]
			if len(stack) > 0 {
				stack[len(stack)-1].key = "" // the value of its key is complete
			}
			continue
		case string:
			if top.object && top.key == "" {
				if err := top.addKey(v); err != nil {
					return nil, err
				}
				top.key = v
				continue
			}
		case json.Number:
			if len(stack) == 1 && capKeys[top.key] {
				text, err := wholeNumber(top.key, string(v))
				if err != nil {
					return nil, err
				}
				if text != string(v) {
					end := dec.InputOffset()
					edits = append(edits, edit{end - int64(len(v)), end, text})
				}
			}
		}
		if top != nil && top.object {
			top.key = ""
		}
	}
	if len(stack) != 0 {
		return nil, reject(http.StatusBadRequest, "request body is not JSON: it ends inside a value")
	}
	if len(edits) == 0 {
		return body, nil
	}
	out := make([]byte, 0, len(body))
	at := int64(0)
	for _, e := range edits {
		out = append(out, body[at:e.start]...)
		out = append(out, e.text...)
		at = e.end
	}
	return append(out, body[at:]...), nil
}

// frame is an object or array canonicalRequest is inside.
type frame struct {
	object bool
	opaque bool   // inside a schema or metadata: the client's own keys
	key    string // in an object, the key whose value comes next
	folded map[string]string
}

// edit replaces body[start:end] with text.
type edit struct {
	start, end int64
	text       string
}

// addKey checks key k of an object: not twice, not equal to another but
// for case, and not a field the proxy reads in another case.
func (f *frame) addKey(k string) error {
	if f.folded == nil {
		f.folded = map[string]string{}
	}
	fold := strings.ToLower(k)
	if f.opaque {
		// A schema may hold "id" and "ID": only the same key twice is
		// ambiguous there.
		fold = k
	}
	if prev, ok := f.folded[fold]; ok {
		if prev == k {
			return reject(http.StatusBadRequest, "request body: key %q appears twice in one object; readers disagree on which one counts, so the call cannot be budgeted", k)
		}
		return reject(http.StatusBadRequest, "request body: keys %q and %q differ only in case; the API reads keys exactly, so the call cannot be budgeted", prev, k)
	}
	f.folded[fold] = k
	if !f.opaque && !knownKeys[k] {
		for known := range knownKeys {
			if strings.EqualFold(k, known) {
				return reject(http.StatusBadRequest, "request body: key %q is not %q: the API reads keys exactly (%q is not the %s), so the call cannot be budgeted", k, known, k, known)
			}
		}
	}
	return nil
}

// maxExact is the largest integer a float64 holds exactly: the APIs read
// JSON numbers as doubles.
const maxExact = 1 << 53

// wholeNumber reads an output cap written as a JSON number and returns it
// as a plain integer, refusing what the API would not take as a count of
// tokens.
func wholeNumber(key, n string) (string, error) {
	if i, err := strconv.ParseInt(n, 10, 64); err == nil {
		if i < 0 {
			return "", reject(http.StatusBadRequest, "request body: %s is %s: want a whole number of tokens, 0 or more", key, n)
		}
		return n, nil
	}
	f, err := strconv.ParseFloat(n, 64)
	if err != nil || math.IsInf(f, 0) || f != math.Trunc(f) || f < 0 || f > maxExact {
		return "", reject(http.StatusBadRequest, "request body: %s is %s: want a whole number of tokens, 0 or more", key, n)
	}
	return strconv.FormatInt(int64(f), 10), nil
}
