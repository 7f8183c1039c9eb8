package livetest

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// completion answers a Chat Completions request that did not ask to stream.
func (s *Server) completion(w http.ResponseWriter, model string, reply Reply) {
	msg := map[string]any{"role": "assistant", "content": reply.Text(), "refusal": nil}
	finish := "stop"
	if tc := reply.ToolCall; tc != nil {
		msg["content"] = nil
		msg["tool_calls"] = []any{map[string]any{"id": tc.ID, "type": "function", "function": map[string]any{"name": tc.Name, "arguments": tc.Arguments}}}
		finish = "tool_calls"
	}
	body := map[string]any{"id": "chatcmpl-fake", "object": "chat.completion", "created": 1762070400, "model": model,
		"choices": []any{map[string]any{"index": 0, "message": msg, "logprobs": nil, "finish_reason": finish}}}
	if u := reply.Usage; u != nil {
		body["usage"] = map[string]any{"prompt_tokens": u.Prompt, "completion_tokens": u.Completion, "total_tokens": u.Prompt + u.Completion,
			"prompt_tokens_details":     map[string]any{"cached_tokens": u.Cached},
			"completion_tokens_details": map[string]any{"reasoning_tokens": u.Reasoning}}
	}
	b, _ := json.MarshalIndent(body, "", "  ")
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Request-Id", "req_fake")
	w.Write(b)
}

// anthropic answers a Messages request: JSON, or the event stream.
func (s *Server) anthropic(w http.ResponseWriter, req map[string]any, reply Reply) {
	model, _ := req["model"].(string)
	if reply.Status != 0 && reply.Status != http.StatusOK {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(reply.Status)
		fmt.Fprintf(w, `{"type":"error","error":{"type":"invalid_request_error","message":%q}}`, reply.Message)
		return
	}
	u := reply.Usage
	if u == nil {
		u = &Usage{}
	}
	usage := func(output int) map[string]any {
		return map[string]any{"input_tokens": u.Prompt - u.Cached, "cache_creation_input_tokens": 0, "cache_read_input_tokens": u.Cached, "output_tokens": output}
	}
	stop := "end_turn"
	if reply.ToolCall != nil {
		stop = "tool_use"
	}
	if stream, _ := req["stream"].(bool); !stream {
		content := []any{map[string]any{"type": "text", "text": reply.Text()}}
		if tc := reply.ToolCall; tc != nil {
			content = append(content, map[string]any{"type": "tool_use", "id": tc.ID, "name": tc.Name, "input": json.RawMessage(tc.Arguments)})
		}
		b, _ := json.Marshal(map[string]any{"id": "msg_fake", "type": "message", "role": "assistant", "model": model, "content": content,
			"stop_reason": stop, "stop_sequence": nil, "usage": usage(u.Completion)})
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	flusher, _ := w.(http.Flusher)
	send := func(event string, v any) {
		b, _ := json.Marshal(v)
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b)
		if flusher != nil {
			flusher.Flush()
		}
	}
	send("message_start", map[string]any{"type": "message_start", "message": map[string]any{"id": "msg_fake", "type": "message", "role": "assistant",
		"content": []any{}, "model": model, "stop_reason": nil, "stop_sequence": nil, "usage": usage(1)}})
	send("content_block_start", map[string]any{"type": "content_block_start", "index": 0, "content_block": map[string]any{"type": "text", "text": ""}})
	send("ping", map[string]any{"type": "ping"})
	for i, c := range reply.Chunks {
		if reply.FailAfter > 0 && i == reply.FailAfter {
			send("error", map[string]any{"type": "error", "error": map[string]any{"type": "overloaded_error", "message": reply.Message}})
			return
		}
		send("content_block_delta", map[string]any{"type": "content_block_delta", "index": 0, "delta": map[string]any{"type": "text_delta", "text": c}})
	}
	send("content_block_stop", map[string]any{"type": "content_block_stop", "index": 0})
	if tc := reply.ToolCall; tc != nil {
		half := len(tc.Arguments) / 2
		send("content_block_start", map[string]any{"type": "content_block_start", "index": 1, "content_block": map[string]any{"type": "tool_use", "id": tc.ID, "name": tc.Name, "input": map[string]any{}}})
		send("content_block_delta", map[string]any{"type": "content_block_delta", "index": 1, "delta": map[string]any{"type": "input_json_delta", "partial_json": tc.Arguments[:half]}})
		send("content_block_delta", map[string]any{"type": "content_block_delta", "index": 1, "delta": map[string]any{"type": "input_json_delta", "partial_json": tc.Arguments[half:]}})
		send("content_block_stop", map[string]any{"type": "content_block_stop", "index": 1})
	}
	send("message_delta", map[string]any{"type": "message_delta", "delta": map[string]any{"stop_reason": stop, "stop_sequence": nil}, "usage": map[string]any{"output_tokens": u.Completion}})
	send("message_stop", map[string]any{"type": "message_stop"})
}
