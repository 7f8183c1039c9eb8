package transcripts

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	fastjson "github.com/goccy/go-json"
)

// Error is a problem with an input file, located by line or JSON path.
type Error struct {
	File string
	Line int    // 1-based; 0 when unknown
	Path string // JSON path such as $.messages[3].role; empty when unknown
	Msg  string
}

func (e *Error) Error() string {
	var b bytes.Buffer
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Path != "" {
		b.WriteString(": ")
		b.WriteString(e.Path)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// lineAt returns the 1-based line of byte offset off in data.
func lineAt(data []byte, off int64) int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off < 0 {
		off = 0
	}
	return bytes.Count(data[:off], []byte{'\n'}) + 1
}

// jsonError turns an encoding/json error on data into an Error in file,
// with the line where the decoder stopped. base is the line data starts at
// (for a JSONL line) or 0 for a whole document.
func jsonError(file string, data []byte, base int, path string, err error) *Error {
	e := &Error{File: file, Path: path}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		e.Line = base + lineAt(data, syn.Offset) - boolInt(base > 0)
		e.Msg = "invalid JSON: " + syn.Error()
	case errors.As(err, &typ):
		e.Line = base + lineAt(data, typ.Offset) - boolInt(base > 0)
		// The decoder's Field has no array indices: find the path, with
		// them, from where the decoder stopped.
		if rel := pathAt(data, typ.Offset); rel != "$" {
			e.Path = strings.TrimSuffix(e.Path, "$") + strings.TrimPrefix(rel, "$")
			if !strings.HasPrefix(e.Path, "$") {
				e.Path = "$" + e.Path
			}
		} else if typ.Field != "" {
			if e.Path == "" {
				e.Path = "$"
			}
			e.Path += "." + typ.Field
		}
		e.Msg = fmt.Sprintf("expected %s, found JSON %s", typ.Type, typ.Value)
	case errors.Is(err, errUnexpectedEnd):
		e.Line = base + lineAt(data, int64(len(data))) - boolInt(base > 0)
		e.Msg = "invalid JSON: unexpected end of input"
	default:
		if base > 0 {
			e.Line = base
		}
		e.Msg = err.Error()
	}
	return e
}

// pathAt returns the JSON path, with array indices, of the value that ends
// at byte offset off of data (as UnmarshalTypeError.Offset gives it), by
// walking data's tokens up to there; "$" when it cannot tell.
func pathAt(data []byte, off int64) string {
	type frame struct {
		array   bool
		index   int
		key     string
		wantKey bool
	}
	var stack []frame
	dec := json.NewDecoder(bytes.NewReader(data))
	// value records that a value started in the innermost container.
	value := func() {
		if n := len(stack); n > 0 {
			if stack[n-1].array {
				stack[n-1].index++
			} else {
				stack[n-1].wantKey = true
			}
		}
	}
	for dec.InputOffset() < off {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if n := len(stack); n > 0 && stack[n-1].array {
					stack[n-1].index++
				}
				stack = append(stack, frame{array: t == '[', index: -1, wantKey: true})
			default:
				if dec.InputOffset() >= off {
					break // the error is about this container: keep it in the path
				}
				stack = stack[:len(stack)-1]
				if n := len(stack); n > 0 && !stack[n-1].array {
					stack[n-1].wantKey = true
				}
			}
		case string:
			if n := len(stack); n > 0 && !stack[n-1].array && stack[n-1].wantKey {
				stack[n-1].key, stack[n-1].wantKey = t, false
				continue
			}
			value()
		default:
			value()
		}
	}
	var b strings.Builder
	b.WriteString("$")
	for _, f := range stack {
		switch {
		case f.array && f.index >= 0:
			fmt.Fprintf(&b, "[%d]", f.index)
		case !f.array && f.key != "":
			b.WriteString(".")
			b.WriteString(f.key)
		}
	}
	return b.String()
}

// bigValue is the size above which decodeJSON skips the fast decoder.
const bigValue = 8 << 20

var errUnexpectedEnd = errors.New("unexpected end of JSON input")

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// decodeStrict unmarshals data into v, mapping json's end-of-input error to
// errUnexpectedEnd so callers can place it.
//
// The fast decoder (goccy/go-json, about twice encoding/json's speed on
// large logs) reads; when it fails, encoding/json reads again so that the
// error, and so the line and path reported, is the standard library's.
//
// Values over bigValue go to encoding/json alone: the fast decoder copies
// its whole input first, one more copy of a line of hundreds of MB.
func decodeJSON(data []byte, v any) error {
	if len(data) <= bigValue && fastjson.Unmarshal(data, v) == nil {
		return nil
	}
	err := json.Unmarshal(data, v)
	if err != nil && err.Error() == "unexpected end of JSON input" {
		return errUnexpectedEnd
	}
	return err
}
