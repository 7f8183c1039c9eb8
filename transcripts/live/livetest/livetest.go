// Package livetest is an in-process API server for tests of live mode and
// the proxy: it answers Chat Completions (/v1/chat/completions), streamed
// as server-sent events the way the API documents them (the usage chunk,
// and "usage":null on every other chunk, only when
// stream_options.include_usage asks for them), tool-call deltas, and errors
// before or during a stream; and Anthropic Messages (/v1/messages), JSON or
// the documented event sequence (message_start, content_block_start/
// delta/stop, message_delta with usage, message_stop).
package livetest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// Reply is one scripted response.
type Reply struct {
	Chunks    []string // content deltas
	ToolCall  *ToolCall
	Usage     *Usage
	Status    int    // non-200: an error response with Message
	Message   string // error message
	FailAfter int    // > 0: send an error event after this many chunks
	// Hang, when set, sends the first chunk and then waits for the client
	// to go away, as a slow reply that is cancelled.
	Hang bool
}

// ToolCall is a streamed tool call, its arguments sent in two deltas.
type ToolCall struct{ ID, Name, Arguments string }

// Usage is the final usage chunk.
type Usage struct{ Prompt, Completion, Cached, Reasoning int }

// Server is a fake server; its requests are recorded.
type Server struct {
	*httptest.Server
	mu       sync.Mutex
	replies  []Reply
	Requests []map[string]any
	Auth     []string // Authorization (or x-api-key) headers seen
	Headers  []http.Header
}

// New starts a server that answers with replies in order (the last one
// repeats).
func New(replies ...Reply) *Server {
	s := &Server{replies: replies}
	s.Server = httptest.NewServer(http.HandlerFunc(s.handle))
	return s
}

// BaseURL is the URL to give as --base-url.
func (s *Server) BaseURL() string { return s.URL + "/v1" }

func (s *Server) next() Reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.replies) == 0 {
		return Reply{Chunks: []string{"ok"}}
	}
	r := s.replies[0]
	if len(s.replies) > 1 {
		s.replies = s.replies[1:]
	}
	return r
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/v1/models" {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"object":"list","data":[{"id":"gpt-4o-mini","object":"model","created":1721172741,"owned_by":"system"}]}`)
		return
	}
	if r.URL.Path != "/v1/chat/completions" && r.URL.Path != "/v1/messages" {
		http.NotFound(w, r)
		return
	}
	var req map[string]any
	_ = json.NewDecoder(r.Body).Decode(&req)
	s.mu.Lock()
	s.Requests = append(s.Requests, req)
	auth := r.Header.Get("Authorization")
	if k := r.Header.Get("X-Api-Key"); k != "" {
		auth = k
	}
	s.Auth = append(s.Auth, auth)
	s.Headers = append(s.Headers, r.Header.Clone())
	s.mu.Unlock()
	reply := s.next()
	if r.URL.Path == "/v1/messages" {
		s.anthropic(w, req, reply)
		return
	}
	if reply.Status != 0 && reply.Status != http.StatusOK {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(reply.Status)
		fmt.Fprintf(w, `{"error":{"message":%q,"type":"invalid_request_error","param":null,"code":null}}`, reply.Message)
		return
	}
	model, _ := req["model"].(string)
	if stream, _ := req["stream"].(bool); !stream {
		s.completion(w, model, reply)
		return
	}
	opts, _ := req["stream_options"].(map[string]any)
	includeUsage, _ := opts["include_usage"].(bool)
	w.Header().Set("Content-Type", "text/event-stream")
	flusher, _ := w.(http.Flusher)
	send := func(v any) {
		b, _ := json.Marshal(v)
		fmt.Fprintf(w, "data: %s\n\n", b)
		if flusher != nil {
			flusher.Flush()
		}
	}
	chunk := func(delta map[string]any, finish any) map[string]any {
		c := map[string]any{"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1762070400, "model": model,
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}}}
		if includeUsage {
			c["usage"] = nil
		}
		return c
	}
	send(chunk(map[string]any{"role": "assistant", "content": ""}, nil))
	for i, c := range reply.Chunks {
		if reply.Hang && i == 1 {
			<-r.Context().Done()
			return
		}
		if reply.FailAfter > 0 && i == reply.FailAfter {
			fmt.Fprintf(w, "data: {\"error\":{\"message\":%q,\"type\":\"server_error\"}}\n\n", reply.Message)
			return
		}
		send(chunk(map[string]any{"content": c}, nil))
	}
	if tc := reply.ToolCall; tc != nil {
		half := len(tc.Arguments) / 2
		send(chunk(map[string]any{"tool_calls": []any{map[string]any{"index": 0, "id": tc.ID, "type": "function",
			"function": map[string]any{"name": tc.Name, "arguments": tc.Arguments[:half]}}}}, nil))
		send(chunk(map[string]any{"tool_calls": []any{map[string]any{"index": 0, "function": map[string]any{"arguments": tc.Arguments[half:]}}}}, nil))
	}
	finish := "stop"
	if reply.ToolCall != nil {
		finish = "tool_calls"
	}
	send(chunk(map[string]any{}, finish))
	if u := reply.Usage; u != nil && includeUsage {
		send(map[string]any{"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1762070400, "model": model, "choices": []any{},
			"usage": map[string]any{"prompt_tokens": u.Prompt, "completion_tokens": u.Completion, "total_tokens": u.Prompt + u.Completion,
				"prompt_tokens_details":     map[string]any{"cached_tokens": u.Cached},
				"completion_tokens_details": map[string]any{"reasoning_tokens": u.Reasoning}}})
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
}

// Text joins chunks, for assertions.
func (r Reply) Text() string { return strings.Join(r.Chunks, "") }
