package transcripts

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
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
}

func newLineReader(r io.Reader, skip func([]byte) bool) *lineReader {
	if br, ok := r.(*bufio.Reader); ok && br.Size() >= 64<<10 {
		return &lineReader{br: br, skip: skip}
	}
	return &lineReader{br: bufio.NewReaderSize(r, 256<<10), skip: skip}
}

// next returns the next non-empty line (trimmed), its number, and whether
// it ended with a newline (false for a last line cut short). It returns
// io.EOF at the end.
func (lr *lineReader) next() (line []byte, n int, complete bool, err error) {
	for {
		lr.buf = lr.buf[:0]
		skipping := false
		for {
			chunk, err := lr.br.ReadSlice('\n')
			if !skipping {
				if len(lr.buf) == 0 && lr.skip != nil && lr.skip(chunk) {
					skipping = true
				} else {
					lr.buf = append(lr.buf, chunk...)
				}
			}
			if err == bufio.ErrBufferFull {
				continue
			}
			if err != nil && err != io.EOF {
				return nil, lr.line + 1, false, err
			}
			if err == io.EOF && len(lr.buf) == 0 && !skipping && len(chunk) == 0 {
				return nil, lr.line, false, io.EOF
			}
			lr.line++
			complete = err == nil
			break
		}
		if skipping {
			if !complete {
				return nil, lr.line, false, io.EOF
			}
			continue
		}
		line = bytes.TrimSpace(lr.buf)
		if len(line) == 0 {
			if !complete {
				return nil, lr.line, false, io.EOF
			}
			continue
		}
		return line, lr.line, complete, nil
	}
}

// eachJSONL decodes each line of r into a fresh T and hands it to fn with
// its line number. A last line cut short (a file still being written) ends
// the read with a warning instead of an error; any other line that does
// not decode is an error naming its line.
func eachJSONL[T any](r io.Reader, file string, skip func([]byte) bool, fn func(v *T, line int) error) (warnings []string, err error) {
	return eachJSONLWith(r, file, skip, func(line []byte, v *T) error { return decodeJSON(line, v) }, fn)
}

// eachJSONLWith is eachJSONL decoding each line with decode, which fails
// as decodeJSON does (its errors locate the line and path).
func eachJSONLWith[T any](r io.Reader, file string, skip func([]byte) bool, decode func([]byte, *T) error, fn func(v *T, line int) error) (warnings []string, err error) {
	lr := newLineReader(r, skip)
	for {
		line, n, complete, err := lr.next()
		if err == io.EOF {
			return warnings, nil
		}
		if err != nil {
			return warnings, &Error{File: file, Line: n, Msg: err.Error()}
		}
		var v T
		if derr := decode(line, &v); derr != nil {
			if !complete {
				return append(warnings, fmt.Sprintf("%s:%d: last line is incomplete and was skipped", file, n)), nil
			}
			return warnings, jsonError(file, line, n, "", derr)
		}
		if err := fn(&v, n); err != nil {
			return warnings, err
		}
	}
}
