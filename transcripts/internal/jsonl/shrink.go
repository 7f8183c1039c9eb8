package jsonl

import (
	"bufio"
	"cmp"
	"io"
)

// shrinkKeep is how many bytes of a JSON string a shrunk line keeps: ids,
// model names, timestamps and counts are far shorter; message text and
// tool results, which a usage pass never reads, are cut.
const shrinkKeep = 4096

// shrinker cuts the JSON strings of a line longer than the read buffer to
// their first shrinkKeep bytes as the line streams past, so that a line
// of hundreds of MB (a tool result, a pasted file) costs the usage pass
// the size of its structure, not of its text. The result stays valid
// JSON: a string is cut only between characters, never inside an escape
// or a UTF-8 sequence. State carries over from chunk to chunk.
type shrinker struct {
	inString bool
	escape   bool // the previous byte was a backslash
	hex      int  // \u digits still to come
	n        int  // bytes of the current string kept
	dropping bool // the current string is past shrinkKeep
	keep     int  // bytes kept of a string; 0 is shrinkKeep (tests cut shorter)
}

// filter appends what is kept of chunk to out.
func (s *shrinker) filter(out, chunk []byte) []byte {
	for _, c := range chunk {
		if !s.inString {
			out = append(out, c)
			if c == '"' {
				s.inString, s.n, s.dropping = true, 0, false
			}
			continue
		}
		switch {
		case s.escape:
			s.escape = false
			if c == 'u' {
				s.hex = 4
			}
		case s.hex > 0:
			s.hex--
		case c == '"':
			s.inString = false
			out = append(out, c)
			continue
		default:
			// A string is cut before a backslash or a byte starting a
			// character, past the bytes kept.
			if !s.dropping && s.n >= cmp.Or(s.keep, shrinkKeep) && c&0xC0 != 0x80 {
				s.dropping = true
			}
			s.escape = c == '\\'
		}
		if !s.dropping {
			out = append(out, c)
			s.n++
		}
	}
	return out
}

// ShrinkLongLines returns r with the strings of every line longer than
// its read buffer cut as in shrinker, for a reader of JSONL whose caller
// needs no text (the usage pass): the lines reach the reader whole in
// structure, a few KB each whatever their text.
func ShrinkLongLines(r io.Reader) io.Reader {
	return &lineShrinker{br: bufio.NewReaderSize(r, 256<<10)}
}

type lineShrinker struct {
	br      *bufio.Reader
	pending []byte // what is to be read next; may be br's own bytes
	out     []byte // the shrunk chunk's buffer
	sh      shrinker
	long    bool // inside a line longer than the buffer
	err     error
}

func (l *lineShrinker) Read(p []byte) (int, error) {
	for len(l.pending) == 0 {
		if l.err != nil {
			return 0, l.err
		}
		chunk, err := l.br.ReadSlice('\n')
		switch {
		case err == bufio.ErrBufferFull:
			if !l.long {
				l.long, l.sh = true, shrinker{}
			}
			l.out = l.sh.filter(l.out[:0], chunk)
			l.pending = l.out
			continue
		case l.long:
			l.out = l.sh.filter(l.out[:0], chunk)
			l.pending, l.long = l.out, false
		default:
			l.pending = chunk // valid until the next ReadSlice, after it is read
		}
		if err != nil {
			l.err = err
		}
	}
	n := copy(p, l.pending)
	l.pending = l.pending[n:]
	return n, nil
}
