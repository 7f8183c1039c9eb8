package rows

import (
	"strings"
	"unicode/utf8"
)

// Clean makes text from a log safe to print on one line of a terminal, a
// CSV cell or a page: control characters (the ESC that starts a CSI, OSC 52
// clipboard write or title change; C1 controls such as the 8-bit CSI;
// DEL) and bidirectional overrides are dropped, tabs and line breaks become
// spaces, invalid UTF-8 becomes U+FFFD. What is left of an escape sequence
// is inert text, left visible on purpose: the user sees the log held one.
func Clean(s string) string { return clean(s, false) }

// CleanText is Clean for text of several lines: line feeds stay.
func CleanText(s string) string { return clean(s, true) }

func clean(s string, lines bool) string {
	if safe(s, lines) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n' && lines:
			b.WriteByte('\n')
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteByte(' ')
		case unsafeRune(r):
		default:
			b.WriteRune(r) // utf8.RuneError for an invalid byte
		}
	}
	return b.String()
}

// safe reports whether s needs no cleaning.
func safe(s string, lines bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			// Leave the multi-byte cases to the rune loop.
			for _, r := range s[i:] {
				if r == utf8.RuneError || unsafeRune(r) || r == '\t' || r == '\r' || (r == '\n' && !lines) {
					return false
				}
			}
			return true
		}
		if c == '\n' && lines {
			continue
		}
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

// unsafeRune reports whether r must not reach a terminal: C0 and C1
// controls, DEL, and the bidirectional embeddings, overrides and isolates
// that reorder what a reader sees.
func unsafeRune(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) ||
		(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}
