package ui

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/tokenscope/tokenscope/transcripts"
)

// Text fitted to the screen: cut, wrapped, padded and placed, and
// numbers written with their thousands.

// truncate cuts s to n runes, its end replaced by "…".
func truncate(s string, n int) string { return cutRunes(s, n, n-1) }

// truncateMiddle cuts s to n runes keeping both ends.
func truncateMiddle(s string, n int) string { return cutRunes(s, n, (n-1)/2) }

// cutRunes cuts s to n runes: head from its start, "…", and the rest from
// its end.
func cutRunes(s string, n, head int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	if n <= 1 {
		return "…"
	}
	return string(r[:head]) + "…" + string(r[len(r)-(n-1-head):])
}

// pad pads s with spaces to w columns, on the left when right is set.
func pad(s string, w int, right bool) string {
	gap := w - lipgloss.Width(s)
	if gap <= 0 {
		return s
	}
	if right {
		return strings.Repeat(" ", gap) + s
	}
	return s + strings.Repeat(" ", gap)
}

// cutWords cuts s to at most w columns at a space, marking the cut
// with "…": a word (a dollar figure) is whole or not shown.
func cutWords(s string, w int) string {
	if lipgloss.Width(s) <= w {
		return s
	}
	words := strings.Fields(s)
	out := ""
	for _, word := range words {
		next := word
		if out != "" {
			next = out + " " + word
		}
		if lipgloss.Width(next)+1 > w {
			break
		}
		out = next
	}
	return out + "…"
}

// wrapLine breaks s into lines of w columns at most, between words
// where it can; a word longer than a line breaks after a comma or a bar
// (as in a strategy spec), else anywhere.
func wrapLine(s string, w int) []string {
	if w <= 1 {
		return []string{s}
	}
	return strings.Split(ansi.Wrap(s, w, ",|"), "\n")
}

// wrapLines wraps s to w columns in style st.
func wrapLines(st lipgloss.Style, s string, w int) []string {
	var out []string
	for _, l := range wrapLine(s, w) {
		out = append(out, st.Render(l))
	}
	return out
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// fit pads or cuts s to exactly h lines of at most w columns.
func fit(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	for i, l := range lines {
		if lipgloss.Width(l) > w {
			lines[i] = lipgloss.NewStyle().MaxWidth(w).Render(l)
		}
	}
	return strings.Join(lines, "\n")
}

// placeOver draws box centred over the screen.
func placeOver(screen, box string, w, h int) string {
	bg := strings.Split(screen, "\n")
	for len(bg) < h {
		bg = append(bg, "")
	}
	fg := strings.Split(box, "\n")
	top := max(0, (h-len(fg))/2)
	left := max(0, (w-lipgloss.Width(box))/2)
	for i, line := range fg {
		if top+i >= len(bg) {
			break
		}
		bg[top+i] = strings.Repeat(" ", left) + line
	}
	return strings.Join(bg, "\n")
}

// plural is "1 call", "2 calls", "1,204 calls": n and the noun, plural
// unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return formatInt(int64(n)) + " " + noun + "s"
}

func formatInt(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + formatInt(-n)
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// signedInt is formatInt with the sign always shown: +1,204, -23,145.
func signedInt(n int64) string {
	if n < 0 {
		return formatInt(n)
	}
	return "+" + formatInt(n)
}

// messageText is what a message says: its content, or for a bare tool
// call, the call.
func messageText(m transcripts.Message) string {
	if m.Content == "" && len(m.ToolCalls) > 0 {
		return "→ " + m.ToolCalls[0].Name + "(" + m.ToolCalls[0].Arguments + ")"
	}
	return m.Content
}
