// Package jsonerr locates and words the errors of decoding JSON for the
// readers' messages: the path, with array indices, of the value at an
// offset (PathAt, which encoding/json's errors lack), the offset of the
// value at a path (ValueOffset, to name its line in a pretty-printed
// file), and what a decoder wanted and found in a user's words (Want,
// Found), never a Go type name.
package jsonerr

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// PathAt returns the JSON path, with array indices, of the value that ends
// at byte offset off of data (as UnmarshalTypeError.Offset gives it), by
// walking data's tokens up to there; "$" when it cannot tell.
func PathAt(data []byte, off int64) string {
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

// ValueOffset returns the byte offset in data of the value at path ($,
// .key and [i] steps), or of the deepest value on the way to it when
// whole is false. found is false when data is not one JSON value.
func ValueOffset(data []byte, path string) (off int64, whole, found bool) {
	steps, ok := pathSteps(path)
	if !ok {
		return 0, false, false
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	// start is where the next value begins: past white space, ':' and ','.
	start := func() int64 {
		o := dec.InputOffset()
		for o < int64(len(data)) && strings.IndexByte(" \t\r\n:,", data[o]) >= 0 {
			o++
		}
		return o
	}
	off = start()
	for _, st := range steps {
		tok, err := dec.Token()
		if err != nil {
			return off, false, true
		}
		d, _ := tok.(json.Delim)
		if (st.key != nil && d != '{') || (st.key == nil && d != '[') {
			return off, false, true
		}
		for i := 0; ; i++ {
			if !dec.More() {
				return off, false, true
			}
			if st.key != nil {
				k, err := dec.Token()
				if err != nil {
					return off, false, true
				}
				if k == *st.key {
					break
				}
			} else if i == st.index {
				break
			}
			if skipValue(dec) != nil {
				return off, false, true
			}
		}
		off = start()
	}
	return off, true, true
}

type pathStep struct {
	key   *string // nil for an index
	index int
}

// pathSteps splits a path such as $[2].usage.prompt_tokens.
func pathSteps(path string) ([]pathStep, bool) {
	if !strings.HasPrefix(path, "$") {
		return nil, false
	}
	var steps []pathStep
	for p := path[1:]; p != ""; {
		switch p[0] {
		case '.':
			end := strings.IndexAny(p[1:], ".[")
			if end < 0 {
				end = len(p) - 1
			}
			k := p[1 : 1+end]
			steps = append(steps, pathStep{key: &k})
			p = p[1+end:]
		case '[':
			end := strings.IndexByte(p, ']')
			if end < 0 {
				return nil, false
			}
			var i int
			if _, err := fmt.Sscanf(p[1:end], "%d", &i); err != nil {
				return nil, false
			}
			steps = append(steps, pathStep{index: i})
			p = p[end+1:]
		default:
			return nil, false // a path with a message after it, not a JSON path
		}
	}
	return steps, true
}

// skipValue reads past the next value of dec.
func skipValue(dec *json.Decoder) error {
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// Want says in a user's words what kind of JSON value t decodes
// (never a Go type name); path, the value's JSON path, tells a count of
// tokens from other numbers and names what an array holds.
func Want(t reflect.Type, path string) string {
	if t == nil {
		return "another kind of value"
	}
	last := path
	if i := strings.LastIndexAny(path, ".["); i >= 0 {
		last = path[i+1:]
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if strings.Contains(strings.ToLower(path), "token") {
			return "a whole number of tokens"
		}
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		switch {
		case last == "messages" || last == "tools" || last == "choices":
			return "an array of " + last
		case t.Elem().Kind() == reflect.String:
			return "an array of strings"
		}
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "another kind of value"
}

// Found says what UnmarshalTypeError.Value ("string", "number 1e12",
// "bool", "array", "object") was, in a user's words.
func Found(v string) string {
	switch {
	case v == "bool":
		return "true or false"
	case v == "number":
		return "a number"
	case strings.HasPrefix(v, "number "):
		n := strings.TrimPrefix(v, "number ")
		if f, err := strconv.ParseFloat(n, 64); err == nil && f == math.Trunc(f) {
			return n + ", out of range" // a whole number the field cannot hold
		}
		return n
	case v == "array" || v == "object":
		return "an " + v
	case v == "":
		return "another kind of value"
	}
	return "a " + v
}

// Message is err's text for a user: a decoder's type error in words (what
// was wanted, what was found), anything else as it is.
func Message(err error) string {
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		at := ""
		if typ.Field != "" {
			at = " at " + typ.Field
		}
		return fmt.Sprintf("want %s%s, found %s", Want(typ.Type, typ.Field), at, Found(typ.Value))
	}
	return err.Error()
}

// Excerpt is s cut to its first n bytes for a message, marked "…" when
// cut.
func Excerpt(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// ExcerptEnd is s cut to its last n bytes, marked "…" when cut: where a
// text was cut short.
func ExcerptEnd(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + strings.ToValidUTF8(s[len(s)-n:], "")
}
