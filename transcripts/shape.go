package transcripts

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/tokenscope/tokenscope/transcripts/internal/jsonerr"
)

// Shape is the structure of a file's first JSON value, as detection sees
// it: the paths of the keys it holds, the kind of value at each, and the
// values of naming keys (type, role, from, object, event).
//
// Paths are relative to an item: the top-level object, the first element
// of a top-level array, or the first line of JSONL. Object keys are joined with
// dots, array elements add "[]": "messages[].content[].type". A naming key's
// string value adds "path=value": "messages[].content[].type=tool_use".
type Shape struct {
	// Array says the file is a JSON array; paths describe its first
	// element.
	Array bool
	// JSONL says another value follows the first (JSON Lines); paths
	// describe the first line.
	JSONL bool
	// Err is where the walk stopped on invalid JSON; paths seen before it
	// still count, so that a broken file is read by its format's reader,
	// which names the line and path.
	Err error
	// Stopped says the walk ended early because a format was certain
	// (JSONL is then unknown).
	Stopped bool

	paths map[string]byte
	stop  func(*Shape) bool
}

// errStop ends a walk once a format is certain.
var errStop = errors.New("stop")

// Limits that keep a sniff cheap on any input: paths deeper than
// shapeDepth keys are not noted, nor more than shapePaths of them; the
// walk still goes through the whole first value.
const (
	shapeDepth = 5
	shapePaths = 4096
	// maxNesting caps how deep objects and arrays, counted alike, may
	// nest, as encoding/json caps its own decoding (10,000 levels): a
	// hostile file of 100k "[" or {"a": levels is refused at once instead
	// of walked. No real log comes near it.
	maxNesting = 10000
	// pathNesting is the nesting beyond which no path is built: paths are
	// noted to shapeDepth keys only, and building "[][][]…" for levels
	// never noted would cost the square of the depth in memory.
	pathNesting = 16
)

// ErrTooDeep says a JSON value nests deeper than maxNesting levels.
var ErrTooDeep = fmt.Errorf("JSON nested deeper than %d levels", maxNesting)

// namingKeys are keys whose string value says what an object is.
var namingKeys = map[string]bool{"type": true, "role": true, "from": true, "object": true, "event": true}

// Has reports whether path occurs in the shape.
func (s *Shape) Has(path string) bool {
	_, ok := s.paths[path]
	return ok
}

// Kind returns the kind of the first value seen at path: '{' object,
// '[' array, '"' string, '0' number, 't' boolean, 'n' null; 0 when absent.
func (s *Shape) Kind(path string) byte { return s.paths[path] }

// Is reports whether the naming key at path had the string value v.
func (s *Shape) Is(path, v string) bool { return s.Has(path + "=" + v) }

// Keys returns the top-level keys of an item, sorted.
func (s *Shape) Keys() []string {
	var keys []string
	for p := range s.paths {
		if p != "" && !strings.ContainsAny(p, ".[=") {
			keys = append(keys, p)
		}
	}
	sort.Strings(keys)
	return keys
}

// ShapeOf walks the first JSON value of r into a Shape. It reads that value
// (of an array, its first element) and the whitespace after it (to see
// whether another value follows); memory is bounded by the longest single
// token. An error is returned only
// when r does not start with a JSON object or array.
func ShapeOf(r io.Reader) (*Shape, error) { return shapeUntil(r, nil) }

// shapeBufs are the read buffers of shapeUntil: every file of a tree is
// sniffed, and a new 64 KB buffer each time was most of the garbage.
var shapeBufs = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 64<<10) }}

// shapeUntil is ShapeOf stopping as soon as stop, called on each new
// path, says so.
func shapeUntil(r io.Reader, stop func(*Shape) bool) (*Shape, error) {
	br := shapeBufs.Get().(*bufio.Reader)
	br.Reset(r)
	defer func() {
		br.Reset(nil)
		shapeBufs.Put(br)
	}()
	// Skip a byte-order mark and whitespace, and fail at once, from the
	// first byte, on what cannot be JSON.
	for {
		c, err := br.ReadByte()
		if err != nil {
			return nil, errors.New("empty file")
		}
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
			continue
		}
		if c == 0xEF {
			if b, _ := br.Peek(2); bytes.Equal(b, []byte{0xBB, 0xBF}) {
				br.Discard(2)
				continue
			}
		}
		br.UnreadByte()
		if c != '{' && c != '[' {
			head, _ := br.Peek(20)
			return nil, fmt.Errorf("not a JSON or JSONL conversation log (starts with %q)", jsonerr.Excerpt(string(head), 20))
		}
		break
	}
	s := &Shape{paths: map[string]byte{}, stop: stop}
	defer func() {
		if s.Err == errStop {
			s.Err, s.Stopped = nil, true
		}
	}()
	dec := json.NewDecoder(br)
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		s.Err = err
		return s, nil
	}
	if tok == json.Delim('[') {
		// An array's first element says what its elements are: the rest
		// (thousands of logged pairs or rows) is left to the reader.
		s.Array = true
		if dec.More() {
			if s.Err = s.walk(dec, "", 0, 1); s.Err != nil {
				return s, nil
			}
		}
		if dec.More() {
			s.Stopped = true
			return s, nil
		}
		if _, err := dec.Token(); err != nil {
			s.Err = err
			return s, nil
		}
	} else if s.Err = s.walkObject(dec, "", 0, 1); s.Err != nil {
		return s, nil
	}
	s.JSONL = dec.More()
	return s, nil
}

func (s *Shape) note(path string, kind byte, depth int) error {
	if depth > shapeDepth || len(s.paths) >= shapePaths || path == noPath {
		return nil
	}
	if _, ok := s.paths[path]; ok {
		return nil
	}
	s.paths[path] = kind
	if s.stop != nil && s.stop(s) {
		return errStop
	}
	return nil
}

// noPath stands for a path not built: one deeper than any noted (see
// pathNesting), so that walking a deep value costs no string per level.
const noPath = "\x00"

// child is the path of a value under path (key "" for an array element),
// or noPath when it would never be noted: paths are built lazily.
func child(path, key string, depth, nest int) string {
	switch {
	case path == noPath || depth > shapeDepth || nest > pathNesting:
		return noPath
	case key == "":
		return path + "[]"
	case path == "":
		return key
	}
	return path + "." + key
}

// walk reads one value at path; depth counts keys (for what is noted),
// nest the objects and arrays the value is in (for maxNesting).
func (s *Shape) walk(dec *json.Decoder, path string, depth, nest int) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch v := tok.(type) {
	case json.Delim:
		if nest >= maxNesting {
			return ErrTooDeep
		}
		if v == '{' {
			if err := s.note(path, '{', depth); err != nil {
				return err
			}
			return s.walkObject(dec, path, depth, nest+1)
		}
		if err := s.note(path, '[', depth); err != nil {
			return err
		}
		elem := child(path, "", depth, nest+1)
		for dec.More() {
			if err := s.walk(dec, elem, depth, nest+1); err != nil {
				return err
			}
		}
		_, err := dec.Token() // ]
		return err
	case string:
		if err := s.note(path, '"', depth); err != nil {
			return err
		}
		if path == noPath {
			return nil
		}
		if i := strings.LastIndexAny(path, ".]"); namingKeys[path[i+1:]] && len(v) <= 64 {
			return s.note(path+"="+v, '"', depth)
		}
	case json.Number:
		return s.note(path, '0', depth)
	case bool:
		return s.note(path, 't', depth)
	case nil:
		return s.note(path, 'n', depth)
	}
	return nil
}

// walkObject reads the keys and values of an object whose '{' was read.
func (s *Shape) walkObject(dec *json.Decoder, path string, depth, nest int) error {
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		if err := s.walk(dec, child(path, key, depth+1, nest), depth+1, nest); err != nil {
			return err
		}
	}
	_, err := dec.Token() // }
	return err
}
