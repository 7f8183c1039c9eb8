package ui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/strategy"
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

// leversPage is the lever overlay: the levers of the selected strategy,
// toggled like the keys of a calculator. It says what it changed (spec,
// status); the root puts the spec in the table and recomputes.
type leversPage struct {
	st     styles
	keys   leverKeys
	cursor int // the lever under the cursor
	sel    int // the strategy the levers act on
	spec   string
	width  int
	height int
	menuOut
}

// leverKeys are the lever overlay's keys.
type leverKeys struct {
	cursorKeys
	Toggle, Less, More key.Binding
}

func newLeverKeys() leverKeys {
	return leverKeys{cursorKeys: newCursorKeys("esc", "q", "v", "enter"), Toggle: bind("space", "on/off", "space", "x"),
		Less: bind("←", "value", "left", "h"), More: bind("→", "value", "right", "l")}
}

// ShortHelp is the overlay's one-line help.
func (k leverKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Toggle, fold("←→", "value"), fold("↑↓", "lever"), k.Close}
}

// FullHelp is the overlay's keys by column.
func (k leverKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down}, {k.Toggle, k.Less, k.More, k.Close}}
}

func newLeversPage(st styles) leversPage { return leversPage{st: st, keys: newLeverKeys()} }

// open shows the overlay from its first lever, on strategy sel whose
// spec is spec.
func (l leversPage) open(sel int, spec string) leversPage {
	l.cursor, l.sel, l.spec, l.shut, l.status = 0, sel, spec, false, ""
	return l
}

// SetSize gives the overlay the screen it is drawn over.
func (l *leversPage) SetSize(w, h int) { l.width, l.height = w, h }

// KeyMap is the overlay's keys.
func (l leversPage) KeyMap() help.KeyMap { return l.keys }

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

// update handles a key on strategy sel, whose spec is spec: space
// toggles the lever under the cursor, ←/→ cycle its value (and switch it
// on). changed says l.spec is a new spec for the strategy.
func (l leversPage) update(msg tea.KeyPressMsg, sel int, spec string) (leversPage, bool) {
	l.sel, l.spec, l.status = sel, spec, ""
	lv := leverSet[l.cursor]
	cur := leverValue(spec, lv)
	next := cur
	k := l.keys
	switch {
	case key.Matches(msg, k.Close):
		l.shut = true
		return l, false
	case k.move(msg, &l.cursor, len(leverSet)):
		return l, false
	case key.Matches(msg, k.Toggle):
		next = ""
		if cur == "" {
			next = lv.values[0]
		}
	case key.Matches(msg, k.Less, k.More):
		dir := 1
		if key.Matches(msg, k.Less) {
			dir = -1
		}
		next = lv.values[0]
		if i := slices.Index(lv.values, cur); i >= 0 {
			next = lv.values[(i+dir+len(lv.values))%len(lv.values)]
		}
	default:
		return l, false
	}
	out, err := setLever(spec, lv, next)
	if err != nil {
		l.status = "error: " + err.Error()
		return l, false
	}
	if out == spec {
		return l, false
	}
	l.spec = out
	l.status = fmt.Sprintf("%d: %s", sel+1, lv.step(next))
	if next == "" {
		l.status = fmt.Sprintf("%d: %s off", sel+1, lv.name)
	}
	return l, true
}

// View is the lever overlay: one row a lever, its value on the selected
// strategy, and that strategy's cost in res as it stands ("…" while
// computing).
func (l leversPage) View(res *profile.Result, computing bool) string {
	w, h := min(56, l.width-4), min(12, l.height-2)
	inner := w - 4
	lines := []string{l.st.bold.Render(truncate(fmt.Sprintf("levers on %d", l.sel+1), inner)),
		l.st.dim.Render(truncate("space on/off · ←→ value · esc", inner))}
	for i, lv := range leverSet {
		v := leverValue(l.spec, lv)
		box := "[ ]"
		if v != "" {
			box = "[x]"
		} else {
			v = lv.values[0]
		}
		line := truncate(fmt.Sprintf("%s %-16s %-5s %s", box, lv.name+":"+lv.key, v, lv.doc), inner)
		if i == l.cursor {
			line = l.st.selected.Render(line)
		}
		lines = append(lines, line)
	}
	if res != nil && l.sel < len(res.Strategies) {
		s := res.Strategies[l.sel]
		cost := s.Totals.Cost.String()
		if computing {
			cost = "…"
		}
		lines = append(lines, "", joinFit(inner, " ", field{"cost", 3}, field{cost, 9}, field{"· " + s.Strategy.Spec, 1}))
	}
	return l.st.pane.Width(w).Render(fit(strings.Join(lines, "\n"), inner, min(len(lines), max(1, h-2))))
}
