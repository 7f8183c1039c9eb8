package ui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/profile/strategy"
)

// picker chooses a model from the price table, filtered as one types.
type picker struct {
	keys   pickerKeys
	input  textinput.Model
	all    []*price.Model
	shown  []*price.Model
	cursor int
}

func newPicker(t *price.Table, current string) picker {
	in := textinput.New()
	in.Prompt = "filter: "
	in.Placeholder = "(part of a model or provider name)"
	st := in.Styles()
	st.Focused.Placeholder = st.Focused.Placeholder.Italic(true).Faint(true)
	st.Cursor.Blink = false
	in.SetStyles(st)
	in.Focus()
	p := picker{keys: newPickerKeys(), input: in, all: t.Models}
	p.filter()
	for i, m := range p.shown {
		if m.ID == current {
			p.cursor = i
		}
	}
	return p
}

// filter keeps the models whose id or provider holds what is typed, in
// the table's order (newest first within a provider), and puts the cursor
// on the model typed: an exact id or alias, else the first match.
func (p *picker) filter() {
	q := strings.ToLower(strings.TrimSpace(p.input.Value()))
	p.shown = p.shown[:0]
	for _, m := range p.all {
		if q == "" || strings.Contains(m.ID, q) || strings.Contains(m.Provider, q) || slices.Contains(m.Aliases, q) {
			p.shown = append(p.shown, m)
		}
	}
	if q == "" {
		p.cursor = min(p.cursor, max(0, len(p.shown)-1))
		return
	}
	p.cursor = 0
	for i, m := range p.shown {
		if m.ID == q || slices.Contains(m.Aliases, q) {
			p.cursor = i
			break
		}
	}
}

// update handles a key; done is set when the picker closes, with the
// chosen id ("" when cancelled).
func (p picker) update(msg tea.KeyPressMsg) (picker, bool, string) {
	switch {
	case key.Matches(msg, p.keys.Close):
		return p, true, ""
	case key.Matches(msg, p.keys.Pick):
		if len(p.shown) == 0 {
			return p, true, ""
		}
		return p, true, p.shown[p.cursor].ID
	case p.keys.move(msg, &p.cursor, len(p.shown)):
		return p, false, ""
	}
	p.input, _ = p.input.Update(msg)
	p.filter()
	return p, false, ""
}

func (p picker) view(st styles, w, h int) string {
	p.input.SetWidth(max(1, w-4-lipgloss.Width(p.input.Prompt)-1))
	lines := []string{st.bold.Render("price as model") + st.dim.Render("  enter pick · esc cancel"), p.input.View()}
	rows := max(1, h-6) // title, filter, counts above and below, frame
	start := max(0, min(p.cursor-rows/2, len(p.shown)-rows))
	end := min(len(p.shown), start+rows)
	lines = append(lines, st.dim.Render(moreLine("↑", start, len(p.shown))))
	for i := start; i < end; i++ {
		m := p.shown[i]
		line := fmt.Sprintf("%-22s $%g/$%g %s", m.ID, m.Input.PerMTok(), m.Output.PerMTok(), m.Tokenizer().Name())
		line = truncate(line, w-4)
		if i == p.cursor {
			line = st.selected.Render(line)
		}
		lines = append(lines, line)
	}
	if len(p.shown) == 0 {
		lines = append(lines, st.dim.Render("no model matches"))
	}
	lines = append(lines, st.dim.Render(moreLine("↓", len(p.shown)-end, len(p.shown))))
	return st.pane.Width(w).Render(strings.Join(lines, "\n"))
}

// moreLine says how many of total entries are out of view one way; with
// none out of view, the top line counts them all and the bottom is blank.
func moreLine(arrow string, n, total int) string {
	if n <= 0 {
		if arrow == "↓" {
			return ""
		}
		return "  " + plural(total, "model")
	}
	return fmt.Sprintf("%s %d more", arrow, n)
}

// pickerKeys are the picker's keys: letters type the filter, so the
// cursor moves with the arrows and ctrl+p/ctrl+n only.
type pickerKeys struct {
	cursorKeys
	Pick key.Binding
}

func newPickerKeys() pickerKeys {
	return pickerKeys{cursorKeys: cursorKeys{Up: bind("↑", "up", "up", "ctrl+p"), Down: bind("↓", "down", "down", "ctrl+n"),
		Close: bind("esc", "cancel", "esc", "ctrl+c")}, Pick: bind("enter", "pick", "enter")}
}

// ShortHelp is the picker's help line.
func (k pickerKeys) ShortHelp() []key.Binding {
	return []key.Binding{fold("↑↓", "move"), k.Pick, k.Close}
}

// FullHelp is the picker's keys by column.
func (k pickerKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.Pick, k.Close}}
}

// menu adds and removes strategies: the current ones and the presets,
// each with a check box.
type menu struct {
	keys   strategyKeys
	items  []string
	on     map[string]bool
	cursor int
	// add takes a typed spec (a to focus it): any strategy, model=ID too.
	add    textinput.Model
	prices *price.Table
	err    string
}

func newMenu(current []string, prices *price.Table) menu {
	in := textinput.New()
	in.Prompt = "add: "
	in.Placeholder = "(press a, type e.g. model=gpt-5-mini+cache)"
	st := in.Styles()
	st.Focused.Placeholder = st.Focused.Placeholder.Italic(true).Faint(true)
	st.Blurred.Placeholder = st.Blurred.Placeholder.Italic(true).Faint(true)
	st.Cursor.Blink = false
	in.SetStyles(st)
	m := menu{keys: newStrategyKeys(), on: map[string]bool{}, add: in, prices: prices}
	seen := map[string]bool{}
	for _, s := range append(append([]string(nil), current...), presets(current)...) {
		if !seen[s] {
			seen[s] = true
			m.items = append(m.items, s)
		}
	}
	for _, s := range current {
		m.on[s] = true
	}
	return m
}

func (m menu) update(msg tea.KeyPressMsg) (menu, bool) {
	if m.add.Focused() {
		switch msg.String() {
		case "esc":
			m.add.Blur()
			m.err = ""
		case "enter":
			spec := strings.TrimSpace(m.add.Value())
			if spec == "" {
				m.add.Blur()
				break
			}
			if err := m.check(spec); err != nil {
				m.err = err.Error()
				break
			}
			s, _ := strategy.Parse(spec)
			spec = s.String()
			if !m.on[spec] {
				m.items = append(m.items, spec)
			}
			m.on[spec] = true
			m.cursor = len(m.items) - 1
			for i, it := range m.items {
				if it == spec {
					m.cursor = i
				}
			}
			m.add.SetValue("")
			m.add.Blur()
			m.err = ""
		default:
			m.add, _ = m.add.Update(msg)
			m.err = ""
		}
		return m, false
	}
	switch k := m.keys; {
	case key.Matches(msg, k.Add):
		m.add.Focus()
	case key.Matches(msg, k.Close):
		return m, true
	case k.move(msg, &m.cursor, len(m.items)):
	case key.Matches(msg, k.Toggle):
		it := m.items[m.cursor]
		m.on[it] = !m.on[it]
	}
	return m, false
}

// strategyKeys are the strategy menu's keys while its add box is shut.
type strategyKeys struct {
	cursorKeys
	Toggle, Add key.Binding
}

func newStrategyKeys() strategyKeys {
	return strategyKeys{cursorKeys: newCursorKeys("esc", "enter", "s", "q"), Toggle: bind("space", "toggle", "space", "x"),
		Add: bind("a", "add a spec", "a", "+")}
}

// ShortHelp is the menu's help line.
func (k strategyKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Toggle, k.Add, fold("↑↓", "move"), k.Close}
}

// FullHelp is the menu's keys by column.
func (k strategyKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Toggle, k.Add, k.Up, k.Down, k.Close}}
}

// check reports what is wrong with a typed spec, models included.
func (m menu) check(spec string) error {
	s, err := strategy.Parse(spec)
	if err != nil {
		return err
	}
	for _, id := range []string{s.Model, summaryModel(s)} {
		if id == "" || m.prices == nil {
			continue
		}
		if _, err := m.prices.Find(id); err != nil {
			return err
		}
	}
	return nil
}

func summaryModel(s *strategy.Strategy) string {
	if s.Summary == nil {
		return ""
	}
	return s.Summary.Model
}

// specs are the checked strategies, in menu order.
func (m menu) specs() []string {
	var out []string
	for _, it := range m.items {
		if m.on[it] {
			out = append(out, it)
		}
	}
	return out
}

func (m menu) view(st styles, w, h int) string {
	lines := []string{st.bold.Render("strategies") + st.dim.Render("  space toggle · a add a spec · enter done")}
	rows := max(1, h-5)
	start := max(0, min(m.cursor-rows/2, len(m.items)-rows))
	for i := start; i < len(m.items) && i < start+rows; i++ {
		box := "[ ]"
		if m.on[m.items[i]] {
			box = "[x]"
		}
		line := truncate(box+" "+m.items[i], w-4)
		if i == m.cursor {
			line = st.selected.Render(line)
		}
		lines = append(lines, line)
	}
	m.add.SetWidth(max(1, w-4-lipgloss.Width(m.add.Prompt)-1))
	lines = append(lines, m.add.View())
	if m.err != "" {
		for _, l := range wrapLine(m.err, w-4) {
			lines = append(lines, st.bad.Render(l))
		}
	}
	return st.pane.Width(w).Render(lipgloss.JoinVertical(lipgloss.Left, lines...))
}
