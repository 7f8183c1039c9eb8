package transcripts

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
			if !s.dropping && s.n >= shrinkKeep && c&0xC0 != 0x80 {
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
