package proxy

import (
	"bytes"
	"encoding/json"
	"io"
	"time"
)

// tap sits on the upstream's response body: it keeps a copy for the
// record and, when the proxy added stream_options.include_usage to an
// OpenAI stream, takes out what the client did not ask for (the usage
// chunk, and the "usage":null the option adds to every other chunk).
// Events are passed on as soon as they are complete; nothing waits for the
// end of the stream.
type tap struct {
	rc     io.ReadCloser
	c      *call
	now    func() time.Time
	filter bool

	buf     []byte
	pending []byte // an event not yet complete
	out     []byte // filtered bytes not yet read
	eof     bool
}

func (t *tap) Read(p []byte) (int, error) {
	if !t.filter {
		n, err := t.rc.Read(p)
		t.c.keep(p[:n])
		if err == io.EOF {
			t.c.upstreamDone = t.now()
		}
		return n, err
	}
	for len(t.out) == 0 {
		if t.eof {
			return 0, io.EOF
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
			t.out = append(t.out, filterEvent(t.pending[:end])...)
			t.pending = t.pending[end:]
		}
		if len(t.pending) == 0 {
			t.pending = t.pending[:0:0] // let a large event's memory go
		}
		if err == io.EOF {
			t.out = append(t.out, t.pending...)
			t.pending, t.eof = nil, true
			t.c.upstreamDone = t.now()
		} else if err != nil {
			return 0, err
		}
	}
	n := copy(p, t.out)
	t.out = t.out[n:]
	if len(t.out) == 0 {
		t.out = t.out[:0:0]
	}
	return n, nil
}

func (t *tap) Close() error { return t.rc.Close() }

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
