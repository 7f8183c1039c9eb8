package tokenize

// The pre-tokenizer's ASCII fast path. Most text in logs is ASCII, and on
// ASCII bytes both split patterns reduce to byte-class runs: no rune
// decoding, no Unicode tables, no backtracking (an ASCII upper-case run
// holds no lower-case letter to backtrack to). The fast path decides a
// piece only when every byte that decides it is ASCII; when a scan stops
// at a byte of 0x80 or more (which may be a letter, mark, digit or space)
// it gives up and the general splitter decides the piece from its start.
// Tests compare both splitters piece by piece (TestSplitASCIIMatches).

// cHigh marks a byte of 0x80 or more in byteClass: not decided here.
const cHigh = 1 << 7

// byteClass is asciiClass over all 256 bytes, with cHigh above 0x7f, so
// the fast path indexes it without a bounds check or a range test.
var byteClass = func() (t [256]uint8) {
	copy(t[:], asciiClass[:])
	for c := 0x80; c < 0x100; c++ {
		t[c] = cHigh
	}
	return
}()

// asciiOther is [^\s\p{L}\p{N}] on a byte class: punctuation, symbols and
// control characters, not a byte of 0x80 or more.
const asciiOther = cSpace | cL | cN | cHigh

// splitO200kASCII returns the end of the o200k piece starting at i, or
// false when a byte of 0x80 or more takes part in deciding it.
func splitO200kASCII(s string, i int) (int, bool) {
	k0 := byteClass[s[i]]
	if k0&cHigh != 0 {
		return 0, false
	}
	p := i // where the letters start, after the optional prefix
	if k0&cL == 0 {
		if k0&(cNL|cN) != 0 || i+1 >= len(s) {
			goto notLetters
		}
		k1 := byteClass[s[i+1]]
		if k1&cHigh != 0 {
			return 0, false
		}
		if k1&cL == 0 {
			goto notLetters
		}
		p = i + 1
	}
	{
		// [prefix][A-Z]*[a-z]+ or [prefix][A-Z]+[a-z]*, then a contraction:
		// both are the upper-case run followed by the lower-case run.
		j := p
		for j < len(s) && byteClass[s[j]]&cLu != 0 {
			j++
		}
		for j < len(s) && byteClass[s[j]]&cLl != 0 {
			j++
		}
		if j < len(s) {
			switch {
			case s[j] >= 0x80:
				return 0, false // a non-ASCII letter or mark may continue the run
			case s[j] == '\'':
				j += contraction(s, j)
			}
		}
		return j, true
	}
notLetters:
	if k0&cN != 0 {
		return digitsASCII(s, i)
	}
	return punctOrSpaceASCII(s, i, true)
}

// splitCL100kASCII returns the end of the cl100k piece starting at i, or
// false when a byte of 0x80 or more takes part in deciding it.
func splitCL100kASCII(s string, i int) (int, bool) {
	k0 := byteClass[s[i]]
	if k0&cHigh != 0 {
		return 0, false
	}
	if n := contraction(s, i); n > 0 {
		return i + n, true
	}
	p := i + 1 // where the letter run continues: [prefix]?\p{L}+
	if k0&cL == 0 {
		if k0&(cNL|cN) != 0 || i+1 >= len(s) {
			goto notLetters
		}
		k1 := byteClass[s[i+1]]
		if k1&cHigh != 0 {
			return 0, false
		}
		if k1&cL == 0 {
			goto notLetters
		}
		p = i + 2
	}
	for p < len(s) && byteClass[s[p]]&cL != 0 {
		p++
	}
	if p < len(s) && s[p] >= 0x80 {
		return 0, false
	}
	return p, true
notLetters:
	if k0&cN != 0 {
		return digitsASCII(s, i)
	}
	return punctOrSpaceASCII(s, i, false)
}

// digitsASCII ends \p{N}{1,3} at i, where s[i] is an ASCII digit.
func digitsASCII(s string, i int) (int, bool) {
	j := i + 1
	for n := 1; n < 3 && j < len(s); n++ {
		k := byteClass[s[j]]
		if k&cHigh != 0 {
			return 0, false // a non-ASCII digit would continue the run
		}
		if k&cN == 0 {
			break
		}
		j++
	}
	return j, true
}

// punctOrSpaceASCII ends the piece at i, where s[i] is ASCII and neither
// a letter piece nor digits start there:
//
//	' '?[^\s\p{L}\p{N}]+[\r\n]* (cl100k) or [\r\n/]* (o200k, slash set),
//	then \s*[\r\n]+ | \s+(?!\S) | \s+
func punctOrSpaceASCII(s string, i int, slash bool) (int, bool) {
	start := i
	if s[i] == ' ' && i+1 < len(s) {
		k1 := byteClass[s[i+1]]
		if k1&cHigh != 0 {
			return 0, false // a non-ASCII symbol would join the space
		}
		if k1&asciiOther == 0 {
			start = i + 1
		}
	}
	if byteClass[s[start]]&asciiOther == 0 {
		j := start + 1
		for j < len(s) && byteClass[s[j]]&asciiOther == 0 {
			j++
		}
		if j < len(s) && s[j] >= 0x80 {
			return 0, false
		}
		for j < len(s) && (s[j] == '\r' || s[j] == '\n' || (slash && s[j] == '/')) {
			j++
		}
		return j, true
	}
	// White space, as whitespace does.
	end, lastNL := i, -1
	for end < len(s) {
		k := byteClass[s[end]]
		if k&cHigh != 0 {
			return 0, false // a non-ASCII space would continue the run
		}
		if k&cSpace == 0 {
			break
		}
		if k&cNL != 0 {
			lastNL = end
		}
		end++
	}
	switch {
	case lastNL >= 0:
		return lastNL + 1, true
	case end == len(s):
		return end, true
	case end-1 > i:
		return end - 1, true
	}
	return end, true
}
