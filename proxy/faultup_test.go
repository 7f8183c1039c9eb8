package proxy

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// faultUpstream is a Chat Completions upstream on 127.0.0.1 that fails the
// way real ones do. The request's X-Fault header picks the fault:
//
//	""          a streamed (or JSON) reply "Hello world", usage reported
//	cut         streams two content events, then closes the connection
//	hang        streams one event, then waits until the client goes away
//	noheaders   never sends its response headers (until the client goes)
//	badevent    a garbled event in the middle of an otherwise good stream
//	created1    a JSON reply with "created":1
//	createdhuge a JSON reply with "created" past year 9999
//	slow        streams its events 50 ms apart
//	block       waits for release before answering
//
// X-Prompt and X-Completion set the usage it reports (default 20 and 2);
// X-Delay delays the answer (milliseconds). It keeps each request's path,
// headers and body.
type faultUpstream struct {
	*httptest.Server
	mu       sync.Mutex
	paths    []string
	bodies   [][]byte
	headers  []http.Header
	arrived  []time.Time
	release  chan struct{}
	inflight sync.WaitGroup
}

func newFaultUpstream() *faultUpstream {
	u := &faultUpstream{release: make(chan struct{})}
	u.Server = httptest.NewServer(http.HandlerFunc(u.serve))
	return u
}

// requests returns how many requests reached the upstream.
func (u *faultUpstream) requests() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.paths)
}

func (u *faultUpstream) last() (string, []byte, http.Header) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.paths) == 0 {
		return "", nil, nil
	}
	n := len(u.paths) - 1
	return u.paths[n], u.bodies[n], u.headers[n]
}

func (u *faultUpstream) serve(w http.ResponseWriter, r *http.Request) {
	u.inflight.Add(1)
	defer u.inflight.Done()
	body, _ := io.ReadAll(r.Body)
	u.mu.Lock()
	u.paths = append(u.paths, r.URL.Path)
	u.bodies = append(u.bodies, body)
	u.headers = append(u.headers, r.Header.Clone())
	u.arrived = append(u.arrived, time.Now())
	u.mu.Unlock()
	prompt, completion := 20, 2
	if v, err := strconv.Atoi(r.Header.Get("X-Prompt")); err == nil {
		prompt = v
	}
	if v, err := strconv.Atoi(r.Header.Get("X-Completion")); err == nil {
		completion = v
	}
	if d, err := strconv.Atoi(r.Header.Get("X-Delay")); err == nil {
		time.Sleep(time.Duration(d) * time.Millisecond)
	}
	usage := fmt.Sprintf(`{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d}`, prompt, completion, prompt+completion)
	fault := r.Header.Get("X-Fault")
	switch fault {
	case "noheaders":
		<-r.Context().Done()
		return
	case "block":
		select {
		case <-u.release:
		case <-r.Context().Done():
			return
		}
	case "created1", "createdhuge":
		created := "1"
		if fault == "createdhuge" {
			created = "999999999999999"
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":"chatcmpl-f","object":"chat.completion","created":%s,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Hello world"},"finish_reason":"stop"}],"usage":%s}`, created, usage)
		return
	}
	if !strings.Contains(string(body), `"stream":true`) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":"chatcmpl-f","object":"chat.completion","created":1762070400,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Hello world"},"finish_reason":"stop"}],"usage":%s}`, usage)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	f := w.(http.Flusher)
	event := func(s string) {
		fmt.Fprintf(w, "data: %s\n\n", s)
		f.Flush()
	}
	chunk := func(delta string) string {
		return `{"id":"chatcmpl-f","object":"chat.completion.chunk","created":1762070400,"model":"gpt-4o-mini","choices":[{"index":0,"delta":` + delta + `,"finish_reason":null}]}`
	}
	event(chunk(`{"role":"assistant","content":"Hel"}`))
	switch fault {
	case "hang":
		<-r.Context().Done()
		return
	case "cut":
		event(chunk(`{"content":"lo"}`))
		// Close the connection under the response: the stream breaks off.
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	case "badevent":
		event(`{"id":"chatcmpl-f","choices":[{"index":0,"delta":{"content":"GARBLED`)
	}
	for _, d := range []string{`{"content":"lo"}`, `{"content":" world"}`} {
		if fault == "slow" {
			time.Sleep(50 * time.Millisecond)
		}
		event(chunk(d))
	}
	event(`{"id":"chatcmpl-f","object":"chat.completion.chunk","created":1762070400,"model":"gpt-4o-mini","choices":[],"usage":` + usage + `}`)
	event("[DONE]")
}
