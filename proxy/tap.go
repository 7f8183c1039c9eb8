package proxy

import (
	"bytes"
	"encoding/json"
	"io"
)

// tap sits on the upstream's response body. It keeps a copy for the
// record, and settles the call (budget spend, conversation, record) before
// the client can see the response end, so that the client's next call is
// checked against what this one cost.
//
// An event stream is passed on event by event as each is complete;
// nothing waits for the end of the stream except the last event. When the
// proxy added stream_options.include_usage to an OpenAI stream, it takes
// out what the client did not ask for (the usage chunk, and the
// "usage":null the option adds to every other chunk). Any other body (a
// JSON response, an error) is read whole first: it is one piece anyway.
type tap struct {
	rc     io.ReadCloser
	c      *call
	p      *Proxy
	events bool // an event stream
	strip  bool // take out the usage the client did not ask for

	buf     []byte
	pending []byte // an event not yet complete
	out     []byte // bytes ready for the client
	eof     bool
}

func (t *tap) Read(p []byte) (int, error) {
	for len(t.out) == 0 {
		if t.eof {
			return 0, io.EOF
		}
		if err := t.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, t.out)
	t.out = t.out[n:]
	if len(t.out) == 0 {
		t.out = t.out[:0:0] // let a large body's memory go
	}
	return n, nil
}

// fill reads from the upstream until there is something for the client or
// the body ends.
func (t *tap) fill() error {
	if !t.events {
		body, err := io.ReadAll(io.LimitReader(t.rc, maxCapture+1))
		t.c.keep(body)
		t.out = body
		if err != nil {
			t.c.readErr = err
			return err
		}
		if len(body) <= maxCapture {
			t.end()
			return nil
		}
		// Too large to keep: relay the rest as it comes.
		t.events, t.strip = true, false
		return nil
	}
	if t.buf == nil {
		t.buf = make([]byte, 32<<10)
	}
	n, err := t.rc.Read(t.buf)
	t.c.keep(t.buf[:n])
	t.pending = append(t.pending, t.buf[:n]...)
	for {
		end := eventEnd(t.pending)
		if end < 0 {
			break
		}
		ev := t.pending[:end]
		if t.strip {
			ev = filterEvent(ev)
		}
		if isLast(ev) {
			t.end()
		}
		t.out = append(t.out, ev...)
		t.pending = t.pending[end:]
	}
	if len(t.pending) == 0 {
		t.pending = t.pending[:0:0]
	}
	if err == io.EOF {
		t.end()
		t.out = append(t.out, t.pending...)
		t.pending = nil
		return nil
	}
	if err != nil {
		t.c.readErr = err
	}
	return err
}

// end settles the call once, when the upstream has said all it will.
func (t *tap) end() {
	if t.eof {
		return
	}
	t.eof = true
	t.c.upstreamDone = t.p.cfg.Now()
	t.p.finish(t.c)
}

func (t *tap) Close() error { return t.rc.Close() }

// lastEvents end a stream: Chat Completions' [DONE], Anthropic's
// message_stop, the Responses API's final response events.
var lastEvents = [][]byte{[]byte("data: [DONE]"), []byte("event: message_stop"),
	[]byte("event: response.completed"), []byte("event: response.incomplete"), []byte("event: response.failed")}

// isLast reports an event that ends a stream.
func isLast(ev []byte) bool {
	for _, l := range lastEvents {
		if bytes.HasPrefix(ev, l) || bytes.Contains(ev, append([]byte("\n"), l...)) {
			return true
		}
	}
	return false
}

// eventEnd is the length of the first complete server-sent event in b
// (through its blank line), or -1.
func eventEnd(b []byte) int {
	i := bytes.Index(b, []byte("\n\n"))
	j := bytes.Index(b, []byte("\r\n\r\n"))
	switch {
	case i < 0 && j < 0:
		return -1
	case j >= 0 && (i < 0 || j < i):
		return j + 4
	}
	return i + 2
}

var usageNulls = [][]byte{[]byte(`,"usage":null`), []byte(`"usage":null,`), []byte(`, "usage": null`), []byte(`"usage": null, `)}

// filterEvent drops the usage-only chunk and removes "usage":null from
// the others. Inside JSON strings quotes are escaped, so the pattern can
// only be the key itself.
func filterEvent(ev []byte) []byte {
	if !bytes.Contains(ev, []byte(`"usage"`)) {
		return ev
	}
	data := sseData(ev)
	var chunk struct {
		Choices []json.RawMessage `json:"choices"`
		Usage   json.RawMessage   `json:"usage"`
	}
	if json.Unmarshal(data, &chunk) == nil && len(chunk.Choices) == 0 && len(chunk.Usage) > 0 && string(chunk.Usage) != "null" {
		return nil
	}
	for _, pat := range usageNulls {
		if i := bytes.Index(ev, pat); i >= 0 {
			out := make([]byte, 0, len(ev)-len(pat))
			out = append(out, ev[:i]...)
			return append(out, ev[i+len(pat):]...)
		}
	}
	return ev
}

// sseData joins the data: lines of an event.
func sseData(ev []byte) []byte {
	var out []byte
	for line := range bytes.SplitSeq(ev, []byte("\n")) {
		line = bytes.TrimRight(line, "\r")
		if d, ok := bytes.CutPrefix(line, []byte("data:")); ok {
			out = append(out, bytes.TrimSpace(d)...)
		}
	}
	return out
}

// cleanEvents takes out of an event stream the events whose data is not
// JSON (a garbled or cut-off event), so that one bad event does not cost
// the reply and its usage; it returns the stream left and how many events
// it took out. A JSON body is returned as it is.
func cleanEvents(body []byte) ([]byte, int) {
	if t := bytes.TrimSpace(body); len(t) == 0 || t[0] == '{' {
		return body, 0
	}
	out := make([]byte, 0, len(body))
	dropped := 0
	for len(body) > 0 {
		end := eventEnd(body)
		if end < 0 {
			end = len(body) // the last event, cut off or without its blank line
		}
		ev := body[:end]
		body = body[end:]
		data := sseData(ev)
		if len(data) == 0 || string(data) == "[DONE]" || json.Valid(data) {
			out = append(out, ev...)
			if eventEnd(ev) < 0 {
				out = append(out, "\n\n"...)
			}
			continue
		}
		dropped++
	}
	return out, dropped
}
