package transcripts

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
)

// lineReader reads JSONL one line at a time in bounded memory: a line
// whose first bytes show it is to be skipped is discarded as it streams
// past, so a line of hundreds of MB (Claude Code's file-history-snapshot)
// never sits in memory.
type lineReader struct {
	br   *bufio.Reader
	line int
	// skip reports, from a line's first bytes, that it is not wanted.
	skip func(head []byte) bool
	buf  []byte
	// pooled: br came from lineBufs and goes back on close.
	pooled bool
	// shrink cuts the strings of lines longer than the read buffer (see
	// shrinker): for readers that need a line's ids and counts only.
	shrink bool
	sh     shrinker
}

// lineBufs are lineReaders' read buffers, reused from file to file.
var lineBufs = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 256<<10) }}

func newLineReader(r io.Reader, skip func([]byte) bool) *lineReader {
	if br, ok := r.(*bufio.Reader); ok && br.Size() >= 64<<10 {
		return &lineReader{br: br, skip: skip}
	}
	br := lineBufs.Get().(*bufio.Reader)
	br.Reset(r)
	return &lineReader{br: br, skip: skip, pooled: true}
}

// close lets the read buffer go to the next file.
func (lr *lineReader) close() {
	if lr.pooled {
		lr.br.Reset(nil)
		lineBufs.Put(lr.br)
		lr.br, lr.pooled = nil, false
	}
}

// next returns the next non-empty line (trimmed), its number, and whether
// it ended with a newline (false for a last line cut short); the line may
// be the read buffer's own bytes, valid until the next call. It returns
// io.EOF at the end. A line longer than the read buffer is gathered in
// chunks and joined once, at its exact size (growing one slice would
// allocate several times the line). A line that does not start with '{'
// is not read further: it comes back as its first bytes with errNotObject.
func (lr *lineReader) next() (line []byte, n int, complete bool, err error) {
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
			case lr.shrink && (err == bufio.ErrBufferFull || len(chunks) > 0):
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
			return bytes.TrimSpace(lr.buf), lr.line, complete, errNotObject
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

// errNotObject says a JSONL line does not start with '{'.
var errNotObject = errors.New("not a JSON object")

// notObject reports whether a line's first bytes show it is not a JSON
// object: its first byte that is not white space is something else.
func notObject(head []byte) bool {
	t := bytes.TrimLeft(head, " \t\r\n")
	return len(t) > 0 && t[0] != '{'
}

// eachJSONL decodes each line of r into a fresh T and hands it to fn with
// its line number. A last line cut short (a file still being written) ends
// the read with a warning instead of an error; any other line that does
// not decode is an error naming its line.
func eachJSONL[T any](r io.Reader, file string, skip func([]byte) bool, fn func(v *T, line int) error) (warnings []string, err error) {
	return eachJSONLWith(r, file, skip, func(line []byte, v *T) error { return decodeJSON(line, v) }, fn, true)
}

// eachJSONLWith is eachJSONL decoding each line with decode, which fails
// as decodeJSON does (its errors locate the line and path). Unless fresh,
// every line is decoded into the same T, zeroed: fn must not keep it.
func eachJSONLWith[T any](r io.Reader, file string, skip func([]byte) bool, decode func([]byte, *T) error, fn func(v *T, line int) error, fresh bool) (warnings []string, err error) {
	lr := newLineReader(r, skip)
	defer lr.close()
	return eachLine(lr, file, decode, fn, fresh)
}

// eachJSONLShrunk is eachJSONL with the strings of long lines cut (see
// shrinker): for a pass that needs each line's ids, model and counts,
// in memory bounded by a line's structure whatever its text.
func eachJSONLShrunk[T any](r io.Reader, file string, skip func([]byte) bool, fn func(v *T, line int) error) (warnings []string, err error) {
	lr := newLineReader(r, skip)
	lr.shrink = true
	defer lr.close()
	return eachLine(lr, file, func(line []byte, v *T) error { return decodeJSON(line, v) }, fn, true)
}

// eachLine is eachJSONLWith's loop over lr's lines.
func eachLine[T any](lr *lineReader, file string, decode func([]byte, *T) error, fn func(v *T, line int) error, fresh bool) (warnings []string, err error) {
	var v *T
	for {
		line, n, complete, err := lr.next()
		if err == io.EOF {
			return warnings, nil
		}
		if err == errNotObject {
			return warnings, &Error{File: file, Line: n, Msg: fmt.Sprintf("invalid JSON: a line must be a JSON object, this one starts with %q", truncate(string(line), 20))}
		}
		if err != nil {
			return warnings, &Error{File: file, Line: n, Msg: err.Error()}
		}
		if fresh || v == nil {
			v = new(T)
		} else {
			*v = *new(T)
		}
		if derr := decode(line, v); derr != nil {
			if !complete {
				return append(warnings, fmt.Sprintf("%s:%d: last line is incomplete and was skipped", file, n)), nil
			}
			if errors.Is(derr, errUnexpectedEnd) {
				// A writer killed mid-line leaves a torn line; the next
				// one it appends starts on a new line.
				warnings = append(warnings, fmt.Sprintf("%s:%d: line is cut short (a writer stopped mid-line) and was skipped", file, n))
				continue
			}
			return warnings, jsonError(file, line, n, "", derr)
		}
		if err := fn(v, n); err != nil {
			return warnings, err
		}
	}
}
