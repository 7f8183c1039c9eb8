package ui

import (
	"fmt"
	"strings"

	"github.com/tokenscope/tokenscope/profile/strategy"

	tea "charm.land/bubbletea/v2"
)

// lever is one of the effect-size steps, toggled on the selected strategy
// like a key of a calculator: the step's part name, its key, and the
// values ←/→ cycle through (the first is the default).
type lever struct {
	name, key string
	values    []string
	doc       string
}

var leverSet = []lever{
	{"system", "scale", []string{"0.5", "0.25", "0.75"}, "compressed system prompt"},
	{"output", "scale", []string{"0.5", "0.4", "0.75"}, "concise replies"},
	{"reasoning", "scale", []string{"0.5", "0", "0.25", "0.75"}, "less reasoning"},
	{"rag", "keep", []string{"40%", "20%", "60%", "80%"}, "retrieval filtered"},
}

// levers is the lever overlay's state: the row under the cursor.
type levers struct{ cursor int }

// leverStep is lever l's step at value v: "system:scale=0.5".
func (l lever) step(v string) string { return l.name + ":" + l.key + "=" + v }

// leverValue is the value of lever l in spec, "" when it is off.
func leverValue(spec string, l lever) string {
	for _, part := range strings.Split(spec, "+") {
		if v, ok := strings.CutPrefix(part, l.name+":"+l.key+"="); ok {
			return v
		}
	}
	return ""
}

// setLever returns spec with lever l at value v ("" removes it), in the
// engine's canonical order.
func setLever(spec string, l lever, v string) (string, error) {
	var parts []string
	for _, part := range strings.Split(spec, "+") {
		if part == "" || part == "full" || strings.HasPrefix(part, l.name+":") {
			continue
		}
		parts = append(parts, part)
	}
	if v != "" {
		parts = append(parts, l.step(v))
	}
	if len(parts) == 0 {
		return "full", nil
	}
	s, err := strategy.Parse(strings.Join(parts, "+"))
	if err != nil {
		return "", err
	}
	return s.String(), nil
}

// updateLevers handles a key of the lever overlay: space toggles the lever
// under the cursor on the selected strategy, ←/→ cycle its value (and
// switch it on); each change recomputes at once.
func (m *Model) updateLevers(msg tea.KeyPressMsg) tea.Cmd {
	if m.sel >= len(m.specs) {
		m.overlay = overlayNone
		return nil
	}
	l := leverSet[m.lev.cursor]
	cur := leverValue(m.specs[m.sel], l)
	next := cur
	switch msg.String() {
	case "esc", "q", "v", "enter":
		m.overlay = overlayNone
		return nil
	case "up", "k":
		m.lev.cursor = max(0, m.lev.cursor-1)
		return nil
	case "down", "j":
		m.lev.cursor = min(len(leverSet)-1, m.lev.cursor+1)
		return nil
	case "space", "x":
		next = ""
		if cur == "" {
			next = l.values[0]
		}
	case "left", "h", "right", "l":
		dir := 1
		if msg.String() == "left" || msg.String() == "h" {
			dir = -1
		}
		i := -1
		for k, v := range l.values {
			if v == cur {
				i = k
			}
		}
		if i < 0 {
			next = l.values[0]
		} else {
			next = l.values[(i+dir+len(l.values))%len(l.values)]
		}
	default:
		return nil
	}
	spec, err := setLever(m.specs[m.sel], l, next)
	if err != nil {
		m.status = "error: " + err.Error()
		return nil
	}
	if spec == m.specs[m.sel] {
		return nil
	}
	m.specs = append([]string(nil), m.specs...)
	m.specs[m.sel] = spec
	m.status = fmt.Sprintf("%d: %s", m.sel+1, l.step(next))
	if next == "" {
		m.status = fmt.Sprintf("%d: %s off", m.sel+1, l.name)
	}
	return m.recompute()
}

// leversView is the lever overlay: one row a lever, its value on the
// selected strategy, and that strategy's cost as it stands.
func (m Model) leversView(w, h int) string {
	inner := w - 4
	spec := ""
	if m.sel < len(m.specs) {
		spec = m.specs[m.sel]
	}
	lines := []string{m.st.bold.Render(truncate(fmt.Sprintf("levers on %d", m.sel+1), inner)),
		m.st.dim.Render(truncate("space on/off · ←→ value · esc", inner))}
	for i, l := range leverSet {
		v := leverValue(spec, l)
		box := "[ ]"
		if v != "" {
			box = "[x]"
		} else {
			v = l.values[0]
		}
		line := truncate(fmt.Sprintf("%s %-16s %-5s %s", box, l.name+":"+l.key, v, l.doc), inner)
		if i == m.lev.cursor {
			line = m.st.selected.Render(line)
		}
		lines = append(lines, line)
	}
	if m.res != nil && m.sel < len(m.res.Strategies) {
		s := m.res.Strategies[m.sel]
		cost := s.Totals.Cost.String()
		if m.computing {
			cost = "…"
		}
		lines = append(lines, "", joinFit(inner, " ", field{"cost", 3}, field{cost, 9}, field{"· " + s.Strategy.Spec, 1}))
	}
	return m.st.pane.Width(w).Render(fit(strings.Join(lines, "\n"), inner, min(len(lines), max(1, h-2))))
}
