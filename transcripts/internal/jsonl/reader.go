// Package jsonl reads JSONL in bounded memory for the readers: a Reader
// hands on one line at a time, streaming past unread the lines it is told
// to skip, and, for passes that need each line's ids and counts only, cuts
// the strings of lines longer than its buffer as they stream (shrinker;
// ShrinkLongLines does the same for a reader of its own).
package jsonl

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"sync"
)

// Reader reads JSONL one line at a time in bounded memory: a line
// whose first bytes show it is to be skipped is discarded as it streams
// past, so a line of hundreds of MB (Claude Code's file-history-snapshot)
// never sits in memory.
type Reader struct {
	br   *bufio.Reader
	line int
	// skip reports, from a line's first bytes, that it is not wanted.
	skip func(head []byte) bool
	buf  []byte
	// pooled: br came from lineBufs and goes back on close.
	pooled bool
	// Shrink cuts the strings of lines longer than the read buffer (see
	// shrinker): for readers that need a line's ids and counts only.
	Shrink bool
	sh     shrinker
}

// lineBufs are Readers' read buffers, reused from file to file.
var lineBufs = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 256<<10) }}

// NewReader reads the lines of r; skip, when not nil, reports from a
// line's first bytes that it is not wanted. Close it when done.
func NewReader(r io.Reader, skip func([]byte) bool) *Reader {
	if br, ok := r.(*bufio.Reader); ok && br.Size() >= 64<<10 {
		return &Reader{br: br, skip: skip}
	}
	br := lineBufs.Get().(*bufio.Reader)
	br.Reset(r)
	return &Reader{br: br, skip: skip, pooled: true}
}

// Close lets the read buffer go to the next file.
func (lr *Reader) Close() {
	if lr.pooled {
		lr.br.Reset(nil)
		lineBufs.Put(lr.br)
		lr.br, lr.pooled = nil, false
	}
}

// Next returns the next non-empty line (trimmed), its number, and whether
// it ended with a newline (false for a last line cut short); the line may
// be the read buffer's own bytes, valid until the next call. It returns
// io.EOF at the end. A line longer than the read buffer is gathered in
// chunks and joined once, at its exact size (growing one slice would
// allocate several times the line). A line that does not start with '{'
// is not read further: it comes back as its first bytes with ErrNotObject.
func (lr *Reader) Next() (line []byte, n int, complete bool, err error) {
	for {
		lr.buf = lr.buf[:0]
		var direct []byte // the line, when it came whole: valid until the next read
		var chunks [][]byte
		size := 0
		skipping, junk := false, false
		for {
			chunk, err := lr.br.ReadSlice('\n')
			switch {
			case skipping:
			case len(lr.buf) == 0 && len(chunks) == 0 && lr.skip != nil && lr.skip(chunk):
				skipping = true
			case len(lr.buf) == 0 && len(chunks) == 0 && notObject(chunk):
				skipping, junk = true, true
				lr.buf = append(lr.buf, chunk[:min(len(chunk), 40)]...)
			case lr.Shrink && (err == bufio.ErrBufferFull || len(chunks) > 0):
				if len(chunks) == 0 {
					lr.sh = shrinker{}
				}
				kept := lr.sh.filter(nil, chunk)
				chunks = append(chunks, kept)
				size += len(kept)
			case err == bufio.ErrBufferFull || len(chunks) > 0:
				chunks = append(chunks, bytes.Clone(chunk))
				size += len(chunk)
			default:
				direct = chunk
			}
			if err == bufio.ErrBufferFull {
				continue
			}
			if err != nil && err != io.EOF {
				return nil, lr.line + 1, false, err
			}
			if err == io.EOF && len(lr.buf) == 0 && len(chunks) == 0 && !skipping && len(chunk) == 0 {
				return nil, lr.line, false, io.EOF
			}
			lr.line++
			complete = err == nil
			break
		}
		if junk {
			return bytes.TrimSpace(lr.buf), lr.line, complete, ErrNotObject
		}
		if skipping {
			if !complete {
				return nil, lr.line, false, io.EOF
			}
			continue
		}
		if len(chunks) > 0 {
			whole := make([]byte, 0, size)
			for _, c := range chunks {
				whole = append(whole, c...)
			}
			line = bytes.TrimSpace(whole)
		} else {
			line = bytes.TrimSpace(direct)
		}
		if len(line) == 0 {
			if !complete {
				return nil, lr.line, false, io.EOF
			}
			continue
		}
		return line, lr.line, complete, nil
	}
}

// ErrNotObject says a JSONL line does not start with '{'.
var ErrNotObject = errors.New("not a JSON object")

// notObject reports whether a line's first bytes show it is not a JSON
// object: its first byte that is not white space is something else.
func notObject(head []byte) bool {
	t := bytes.TrimLeft(head, " \t\r\n")
	return len(t) > 0 && t[0] != '{'
}
