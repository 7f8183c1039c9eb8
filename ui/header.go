package ui

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"

	advice "github.com/tokenscope/tokenscope/profile/advisor"
)

// unpricedNote says why costs are missing, or "" when the model is priced.
func (m Model) unpricedNote() string {
	res := m.result()
	if res == nil || m.model != "" || res.Model != nil {
		return ""
	}
	for _, s := range res.Strategies {
		if s.Totals.Unpriced == 0 {
			return "" // another model prices some calls
		}
	}
	if res.ModelID == "" {
		return "unpriced: the log names no model — press m"
	}
	return fmt.Sprintf("unpriced: %s is not in the price table — press m", res.ModelID)
}

// warnings are the problems met reading and counting, each once: an
// opened conversation's warning that restates the whole tree's with
// another count ("1 call report…" under "25 calls report…") is the same
// problem, already listed.
func (m Model) warnings() []string {
	var out []string
	seen := map[string]bool{}
	add := func(ws []string) {
		for _, w := range ws {
			if k := warningKey(w); !seen[k] {
				seen[k] = true
				out = append(out, w)
			}
		}
	}
	if m.src != nil {
		add(m.src.Warnings)
	} else {
		add(m.usage.warnings) // the same files fail the profile's reading
	}
	if m.all != nil {
		add(m.all.Warnings)
	}
	if m.res != nil {
		add(m.res.Warnings)
	}
	return out
}

// header is the top line: what is shown, priced as which model, and
// where playback stands. The model is always named; the name of the
// source gives way first, then the tokenizer, then the playback speed.
func (m Model) header() string {
	name := "demo"
	switch {
	case m.page == pageSession && m.open >= 0 && m.open < len(m.list.sums):
		name = m.list.sums[m.open].ID
	case m.src != nil:
		name = m.src.Path
	case m.cfg.Path != "":
		name = m.cfg.Path // read still
	}
	model := m.currentModel()
	if note := m.unpricedNote(); note != "" {
		model = m.st.warn.Render(note)
	} else {
		model = m.st.dim.Render(model)
	}
	tok := ""
	if res := m.result(); res != nil && res.Tokenizer != nil {
		tok = m.st.dim.Render(" · " + res.Tokenizer.Name())
	}
	warn := ""
	if n := len(m.warnings()); n > 0 {
		warn = m.st.warn.Render(" · ! " + plural(n, "warning"))
	}
	var right, speed string
	if m.page == pageConversations {
		calls := 0
		for _, s := range m.list.sums {
			calls += s.Calls
		}
		noun := "conversation"
		if m.list.pending {
			noun = "session" // a usage row may hold several conversations
		}
		right = plural(len(m.list.sums), noun) + " · " + plural(calls, "call")
	} else {
		state := "■"
		if m.playing {
			state = "▶"
		}
		right = fmt.Sprintf("%s call %d/%d", state, min(m.focus+1, max(m.calls(), 1)), m.calls())
		if m.calls() == 0 {
			right = "no call yet"
		}
		speed = fmt.Sprintf(" ×%d", speeds[m.speed])
	}
	if m.computing {
		right = "computing… " + right
	}
	title := m.st.title.Render("tokenscope")
	const minName = 8
	width := func() int {
		w := lipgloss.Width(title) + 1 + minName + 3 + lipgloss.Width(model) + lipgloss.Width(tok) + lipgloss.Width(warn)
		if right != "" {
			w += 1 + lipgloss.Width(right) + lipgloss.Width(speed)
		}
		return w
	}
	// Give way in this order; the model and the warning count stay.
	for _, step := range []func(){
		func() { speed = "" },
		func() { tok = "" },
		func() { right = "" },
		func() {
			if n := len(m.warnings()); n > 0 {
				warn = m.st.warn.Render(fmt.Sprintf(" !%d", n))
			}
		},
	} {
		if width() <= m.width {
			break
		}
		step()
	}
	nameW := max(1, min(lipgloss.Width(name), max(minName, m.width/3), m.width-width()+minName))
	left := title + " " + truncateMiddle(name, nameW) + m.st.dim.Render(" · ") + model + tok + warn
	r := right + speed
	gap := m.width - lipgloss.Width(left) - lipgloss.Width(r)
	if gap < 1 {
		return fit(left, m.width, 1)
	}
	return left + strings.Repeat(" ", gap) + r
}

// warningKey is a warning without its leading count and the noun's
// plural s, so that one problem counted over different calls is one key.
func warningKey(w string) string {
	k := strings.TrimLeft(w, "0123456789, ")
	if k == w {
		return w
	}
	noun, rest, _ := strings.Cut(k, " ")
	return strings.TrimSuffix(noun, "s") + " " + rest
}

// plural is "1 call", "2 calls", "1,204 calls": n and the noun, plural
// unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return formatInt(int64(n)) + " " + noun + "s"
}

// warningLines are the warnings, wrapped to the screen, under a title,
// then the notes (not problems: not counted with the warnings).
func (m Model) warningLines() []string {
	ws := m.warnings()
	lines := []string{"no warnings"}
	if len(ws) > 0 {
		lines = []string{m.st.bold.Render(plural(len(ws), "warning"))}
	}
	bullet := func(w string) {
		wrapped := lipgloss.NewStyle().Width(max(10, m.width)).Render("• " + w)
		lines = append(lines, strings.Split(wrapped, "\n")...)
	}
	for _, w := range ws {
		bullet(w)
	}
	if ns := m.notes(); len(ns) > 0 {
		lines = append(lines, "", m.st.bold.Render(plural(len(ns), "note")))
		for _, n := range ns {
			bullet(n)
		}
	}
	return lines
}

// notes are what the replay check says beyond its figure: cache reads no
// call of the log explains (the match with the bill rests on what the log
// shows warm).
func (m Model) notes() []string {
	r := m.res
	if m.page == pageConversations || r == nil {
		r = m.all // the list: every conversation
	}
	if r == nil || r.Fidelity == nil {
		return nil
	}
	if s := advice.UnexplainedLine(*r.Fidelity); s != "" {
		return []string{s}
	}
	return nil
}

// warnRows is how many lines of warnings the page shows at once.
func (m Model) warnRows() int { return max(1, m.height-4) }

// warningsView is the lines of the warnings page in view, from
// warnScroll, and its footer: how to close it, and where it stands when
// the warnings do not all fit.
func (m Model) warningsView() (string, string) {
	lines := m.warningLines()
	rows := m.warnRows()
	from := max(0, min(m.warnScroll, len(lines)-rows))
	to := min(len(lines), from+rows)
	foot := "! or esc closes"
	if len(lines) > rows {
		foot = fmt.Sprintf("lines %d–%d of %d · ↑↓ pgup/pgdn scroll · %s", from+1, to, len(lines), foot)
	}
	return strings.Join(lines[from:to], "\n"), m.st.dim.Render(truncate(foot, m.width))
}
