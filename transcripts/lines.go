package transcripts

import (
	"errors"
	"fmt"
	"io"

	"github.com/tokenscope/tokenscope/transcripts/internal/jsonerr"
	"github.com/tokenscope/tokenscope/transcripts/internal/jsonl"
)

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
	lr := jsonl.NewReader(r, skip)
	defer lr.Close()
	return eachLine(lr, file, decode, fn, fresh)
}

// eachJSONLShrunk is eachJSONL with the strings of long lines cut (see
// jsonl.Reader's Shrink): for a pass that needs each line's ids, model
// and counts, in memory bounded by a line's structure whatever its text.
func eachJSONLShrunk[T any](r io.Reader, file string, skip func([]byte) bool, fn func(v *T, line int) error) (warnings []string, err error) {
	lr := jsonl.NewReader(r, skip)
	lr.Shrink = true
	defer lr.Close()
	return eachLine(lr, file, func(line []byte, v *T) error { return decodeJSON(line, v) }, fn, true)
}

// eachLine is eachJSONLWith's loop over lr's lines.
func eachLine[T any](lr *jsonl.Reader, file string, decode func([]byte, *T) error, fn func(v *T, line int) error, fresh bool) (warnings []string, err error) {
	var v *T
	for {
		line, n, complete, err := lr.Next()
		if err == io.EOF {
			return warnings, nil
		}
		if err == jsonl.ErrNotObject {
			return warnings, &Error{File: file, Line: n, Msg: fmt.Sprintf("invalid JSON: a line must be a JSON object, this one starts with %q", jsonerr.Excerpt(string(line), 20))}
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
