package ui

import (
	"strings"
	"testing"
	"unicode"

	"github.com/charmbracelet/x/ansi"
)

// A bad spec's error wraps between words in the strategies menu, or
// after a comma or bar inside a spec, never between two letters ("window
// k" / "ey" was the bug); nothing of it is lost.
func TestSpecErrorWrapsAtWords(t *testing.T) {
	m := typeSpec(t, startAt(t, demoConfig(), 60, 24), "window key=3")
	if !strings.HasPrefix(m.menu.err, `strategy "window key=3": window key=3: unknown step`) {
		t.Fatalf("error %q", m.menu.err)
	}
	for _, w := range []int{30, 44, 56} {
		out := ansi.Strip(m.menu.view(m.c.st, w, 40))
		i := strings.Index(out, "add: window key=3")
		if i < 0 {
			t.Fatalf("no input line in\n%s", out)
		}
		var lines []string
		for _, l := range strings.Split(out[i:], "\n")[1:] {
			if l = strings.TrimSpace(strings.Trim(l, "│╰─╯")); l != "" {
				lines = append(lines, l)
			}
		}
		for k := 1; k < len(lines); k++ {
			a, b := []rune(lines[k-1]), []rune(lines[k])
			if isWordRune(a[len(a)-1]) && isWordRune(b[0]) {
				t.Errorf("width %d: a word broken across %q / %q", w, lines[k-1], lines[k])
			}
		}
		if got, want := strings.Join(lines, ""), strings.ReplaceAll(m.menu.err, " ", ""); strings.ReplaceAll(got, " ", "") != want {
			t.Errorf("width %d: wrapped text\n%s\nis not the error\n%s", w, got, m.menu.err)
		}
	}
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
