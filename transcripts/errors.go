package transcripts

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	fastjson "github.com/goccy/go-json"
	"github.com/tokenscope/tokenscope/transcripts/internal/jsonerr"
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
		if rel := jsonerr.PathAt(data, typ.Offset); rel != "$" {
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
		e.Msg = fmt.Sprintf("want %s, found %s", jsonerr.Want(typ.Type, e.Path), jsonerr.Found(typ.Value))
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

// placeLine moves e to the line of the value its path names in data, a
// whole JSON document: readers locate values by the object they belong
// to, which in a pretty-printed file can be many lines above the bad
// value. Where the path leads inside a value that is not JSON structure
// (a body logged as a string), the deepest value found that holds it
// sets the line if it is further down than e's own. JSONL files, whose
// paths start again on every line, are left alone.
func placeLine(data []byte, err error) error {
	e, ok := err.(*Error)
	if !ok || !strings.HasPrefix(e.Path, "$") || isJSONL(bytes.TrimSpace(data)) {
		return err
	}
	off, whole, found := jsonerr.ValueOffset(data, e.Path)
	if !found {
		return err
	}
	if line := lineAt(data, off); whole || line > e.Line {
		e.Line = line
	}
	return err
}

// jsonMsg is err's text for a user (jsonerr.Message).
func jsonMsg(err error) string { return jsonerr.Message(err) }
