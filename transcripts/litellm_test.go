package transcripts

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
)

// TestLiteLLMRealPayloads reads LiteLLM's own fixtures (see the README):
// a spend-log row pretty-printed (one object over many lines: it failed
// as JSONL before), and a StandardLoggingPayload, alone and inside a
// callback's kwargs, whose reply and usage are read (it was a request with
// no reply before): 10 prompt and 20 completion tokens on gpt-4o, which
// LiteLLM priced at $0.000225 (10 × $2.50 + 20 × $10 per MTok).
func TestLiteLLMRealPayloads(t *testing.T) {
	payload, _ := os.ReadFile("testdata/litellm/standard_logging_payload.json")
	wrapped := append(append([]byte(`{"model": "gpt-4o", "standard_logging_payload": `), payload...), '}')
	var compact bytes.Buffer
	json.Compact(&compact, payload)
	jsonl := append(append(compact.Bytes(), '\n'), append(compact.Bytes(), '\n')...)
	cases := []struct {
		name  string
		data  []byte
		convs int
		reply string
	}{
		{"spend_logs_payload.json", nil, 1, ""},
		{"standard_logging_payload.json", nil, 1, "hi"},
		{"wrapped.json", wrapped, 1, "hi"},
		{"payloads.jsonl", jsonl, 2, "hi"}, // the same row twice: one call, the other replayed
	}
	for _, c := range cases {
		data := c.data
		if data == nil {
			data, _ = os.ReadFile("testdata/litellm/" + c.name)
		}
		src, err := Read(bytes.NewReader(data), c.name, Options{})
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if src.Format != FormatLiteLLM || len(src.Conversations) != c.convs {
			t.Errorf("%s: %s, %d conversations", c.name, src.Format, len(src.Conversations))
			continue
		}
		conv := src.Conversations[0]
		last := conv.Messages[len(conv.Messages)-1]
		u := last.Usage
		if u == nil || u.InputTokens != 10 || u.OutputTokens != 20 || last.Content != c.reply || last.NoReply || last.Model != "gpt-4o" {
			t.Errorf("%s: reply %q %+v", c.name, last.Content, u)
		}
		if want := time.Date(2025, 1, 24, 9, 20, 46, 847371000, time.UTC); c.reply == "" && !last.Time.Equal(want) {
			t.Errorf("%s: time %v, want %v", c.name, last.Time, want)
		}
		calls := 0
		for _, conv := range src.Conversations {
			calls += conv.Calls()
		}
		if calls != 1 {
			t.Errorf("%s: %d calls, want 1", c.name, calls)
		}
		if strings.Contains(strings.Join(src.Warnings, "\n"), "no logged response") {
			t.Errorf("%s: %q", c.name, src.Warnings)
		}
	}
}
