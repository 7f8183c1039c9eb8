package report

import (
	"bufio"
	"bytes"
	"fmt"
	"io"

	json "github.com/goccy/go-json"

	"github.com/tokenscope/tokenscope/profile/advisor"
)

// jsonSink writes the report document of `--format json` one element at a
// time, byte for byte what Document.WriteJSON writes for the whole
// document: fields it does not know (added to the report structs later)
// are written too, since each part is encoded from those structs. Parts are
// encoded with goccy/go-json, which writes what encoding/json writes
// (TestJSONEncodersAgree) about four times faster.
type jsonSink struct {
	w   *bufio.Writer
	buf bytes.Buffer
	enc *json.Encoder // into buf

	rep        *Document
	tail       []byte // the document after the strategies array's "["
	stratTail  []byte // the current strategy after its calls array's "["
	strategies int    // strategies begun
	calls      int    // calls of the current strategy written
}

// NewJSON returns the sink of `--format json`.
func NewJSON(w io.Writer) Sink {
	s := &jsonSink{w: bufio.NewWriterSize(w, 64<<10)}
	s.enc = json.NewEncoder(&s.buf)
	s.enc.SetEscapeHTML(false)
	return s
}

// The indentation of the document: a strategy is an element of an array at
// depth 1, a call an element of an array at depth 3.
const (
	jsonIndent   = "  "
	strategyLead = "\n    "
	callLead     = "\n        "
)

// encode returns v indented as an element whose lines start with prefix.
func (s *jsonSink) encode(v any, prefix string) ([]byte, error) {
	s.buf.Reset()
	s.enc.SetIndent(prefix, jsonIndent)
	if err := s.enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(s.buf.Bytes(), []byte("\n")), nil
}

// split cuts doc around the empty array written for field at the
// indentation lead: before is up to and including "[", after from "]".
func split(doc []byte, lead, field string) (before, after []byte, err error) {
	mark := []byte(lead + `"` + field + `": []`)
	i := bytes.Index(doc, mark)
	if i < 0 {
		return nil, nil, fmt.Errorf("json report: no %q array", field)
	}
	cut := i + len(mark) - 1
	return doc[:cut], append([]byte(nil), doc[cut:]...), nil
}

func (s *jsonSink) Begin(h *Header) error {
	rep := *h.Report
	s.rep = h.Report
	rep.Strategies = []DocStrategy{}
	doc, err := s.encode(&rep, "")
	if err != nil {
		return err
	}
	head, tail, err := split(doc, "\n"+jsonIndent, "strategies")
	if err != nil {
		return err
	}
	s.tail = tail
	_, err = s.w.Write(head)
	return err
}

// setFindings puts fs in the document's tail, written by End.
func (s *jsonSink) setFindings(fs []advisor.Finding) error {
	rep := *s.rep
	rep.Strategies, rep.Findings = []DocStrategy{}, fs
	doc, err := s.encode(&rep, "")
	if err != nil {
		return err
	}
	_, tail, err := split(doc, "\n"+jsonIndent, "strategies")
	s.tail = tail
	return err
}

func (s *jsonSink) Strategy(i int) error {
	if err := s.endStrategy(); err != nil {
		return err
	}
	rs := s.rep.Strategies[i]
	rs.Calls = []DocCall{}
	doc, err := s.encode(&rs, strategyLead[1:])
	if err != nil {
		return err
	}
	head, tail, err := split(doc, strategyLead+jsonIndent, "calls")
	if err != nil {
		return err
	}
	if s.strategies > 0 {
		s.w.WriteByte(',')
	}
	s.w.WriteString(strategyLead)
	s.w.Write(head)
	s.stratTail, s.calls = tail, 0
	s.strategies++
	return nil
}

// endStrategy closes the calls array and the strategy begun last.
func (s *jsonSink) endStrategy() error {
	if s.stratTail == nil {
		return nil
	}
	if s.calls > 0 {
		s.w.WriteString(strategyLead + jsonIndent)
	}
	_, err := s.w.Write(s.stratTail)
	s.stratTail = nil
	return err
}

func (s *jsonSink) Call(c *Call) error {
	doc, err := s.encode(&c.Row, callLead[1:])
	if err != nil {
		return err
	}
	if s.calls > 0 {
		s.w.WriteByte(',')
	}
	s.w.WriteString(callLead)
	_, err = s.w.Write(doc)
	s.calls++
	return err
}

func (s *jsonSink) End() error {
	if err := s.endStrategy(); err != nil {
		return err
	}
	if s.strategies > 0 {
		s.w.WriteString("\n" + jsonIndent)
	}
	s.w.Write(s.tail)
	s.w.WriteByte('\n')
	return s.w.Flush()
}
