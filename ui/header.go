package ui

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/tokenscope/tokenscope/profile"
	advice "github.com/tokenscope/tokenscope/profile/advisor"
)

// unpricedNote says why the costs of res, priced as model ("" for the
// logged one), are missing, or "" when the model is priced.
func unpricedNote(res *profile.Result, model string) string {
	if res == nil || model != "" || res.Model != nil {
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
	if m.list.src != nil {
		add(m.list.src.Warnings)
	} else {
		add(m.load.usage.warnings) // the same files fail the profile's reading
	}
	if m.list.all != nil {
		add(m.list.all.Warnings)
	}
	if m.session.res != nil {
		add(m.session.res.Warnings)
	}
	return out
}

// header is the top line: what is shown, priced as which model, and
// where playback stands. The model is always named; the name of the
// source gives way first, then the tokenizer, then the playback speed.
func (m Model) header() string {
	name := "demo"
	switch {
	case m.page == pageSession && m.session.open >= 0 && m.session.open < len(m.list.sums):
		name = m.list.sums[m.session.open].ID
	case m.list.src != nil:
		name = m.list.src.Path
	case m.c.cfg.Path != "":
		name = m.c.cfg.Path // read still
	}
	model := m.currentModel()
	if note := unpricedNote(m.result(), m.sh.model); note != "" {
		model = m.c.st.warn.Render(note)
	} else {
		model = m.c.st.dim.Render(model)
	}
	tok := ""
	if res := m.result(); res != nil && res.Tokenizer != nil {
		tok = m.c.st.dim.Render(" · " + res.Tokenizer.Name())
	}
	warn := ""
	if n := len(m.warnings()); n > 0 {
		warn = m.c.st.warn.Render(" · ! " + plural(n, "warning"))
	}
	var right, speed string
	computing := m.session.computing
	if m.page == pageConversations {
		right, computing = m.list.headerRight(), m.list.computing
	} else {
		right, speed = m.session.headerRight()
	}
	if computing {
		right = "computing… " + right
	}
	title := m.c.st.title.Render("tokenscope")
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
				warn = m.c.st.warn.Render(fmt.Sprintf(" !%d", n))
			}
		},
	} {
		if width() <= m.c.width {
			break
		}
		step()
	}
	nameW := max(1, min(lipgloss.Width(name), max(minName, m.c.width/3), m.c.width-width()+minName))
	left := title + " " + truncateMiddle(name, nameW) + m.c.st.dim.Render(" · ") + model + tok + warn
	r := right + speed
	gap := m.c.width - lipgloss.Width(left) - lipgloss.Width(r)
	if gap < 1 {
		return fit(left, m.c.width, 1)
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

// warningLines are the warnings, wrapped to the screen, under a title,
// then the notes.
func (m Model) warningLines() []string {
	ws := m.warnings()
	lines := []string{"no warnings"}
	if len(ws) > 0 {
		lines = []string{m.c.st.bold.Render(plural(len(ws), "warning"))}
	}
	bullet := func(w string) {
		wrapped := lipgloss.NewStyle().Width(max(10, m.c.width)).Render("• " + w)
		lines = append(lines, strings.Split(wrapped, "\n")...)
	}
	for _, w := range ws {
		bullet(w)
	}
	if ns := m.notes(); len(ns) > 0 {
		lines = append(lines, "", m.c.st.bold.Render(plural(len(ns), "note")))
		for _, n := range ns {
			bullet(n)
		}
	}
	return lines
}

// notes are what the replay check says beyond its figure: cache reads no
// call of the log explains (the match with the bill rests on what the log
// shows warm). Not problems: not counted with the warnings.
func (m Model) notes() []string {
	r := m.session.res
	if m.page == pageConversations || r == nil {
		r = m.list.all // the list: every conversation
	}
	if r == nil || r.Fidelity == nil {
		return nil
	}
	if s := advice.UnexplainedLine(*r.Fidelity); s != "" {
		return []string{s}
	}
	return nil
}
