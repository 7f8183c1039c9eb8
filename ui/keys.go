package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// keyMap is every key binding of the main screen.
type keyMap struct {
	Up, Down, Left, Right, Home, End key.Binding
	Play, Faster, Slower             key.Binding
	View, Inspect, Compare, Money    key.Binding
	WindowLess, WindowMore           key.Binding
	TriggerLess, TriggerMore         key.Binding
	KeepLess, KeepMore               key.Binding
	SizeLess, SizeMore               key.Binding
	CapLess, CapMore                 key.Binding
	Model, Strategies                key.Binding
	PerDayLess, PerDayMore           key.Binding
	Back, Warnings, Help, Quit       key.Binding
	Findings, Tune, Levers           key.Binding
	Budget                           key.Binding // live mode only
}

// bind is a key binding: what the help shows for it, and its keys.
func bind(help, desc string, keys ...string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
}

// menuOut is what a menu over the page says after a key: that it closed
// itself, and a status to show ("" for none).
type menuOut struct {
	shut   bool
	status string
}

// cursorKeys move a cursor over a menu's rows, and close it.
type cursorKeys struct{ Up, Down, Close key.Binding }

func newCursorKeys(close ...string) cursorKeys {
	return cursorKeys{Up: bind("↑", "up", "up", "k"), Down: bind("↓", "down", "down", "j"), Close: bind("esc", "close", close...)}
}

// move moves cursor over n rows when the key is up or down.
func (k cursorKeys) move(msg tea.KeyPressMsg, cursor *int, n int) bool {
	switch {
	case key.Matches(msg, k.Up):
		*cursor = max(0, *cursor-1)
	case key.Matches(msg, k.Down):
		*cursor = min(n-1, *cursor+1)
	default:
		return false
	}
	return true
}

func newKeyMap() keyMap {
	return keyMap{
		Up:          bind("↑/k", "strategy up", "up", "k"),
		Down:        bind("↓/j", "strategy down", "down", "j"),
		Left:        bind("←/h", "previous call", "left", "h"),
		Right:       bind("→/l", "next call", "right", "l"),
		Home:        bind("g", "first call", "home", "g"),
		End:         bind("G", "last call", "end", "G"),
		Play:        bind("space", "play", "space"),
		Faster:      bind("+", "faster", "+", "="),
		Slower:      bind("-", "slower", "-", "_"),
		View:        bind("tab", "bars/curves/calls", "tab"),
		Inspect:     bind("enter", "inspect call", "enter", "i"),
		Compare:     bind("o", "outline strategy 1", "o"),
		Money:       bind("$", "bars in tokens / dollars", "$"),
		WindowLess:  bind("w/W", "window", "w"),
		WindowMore:  bind("W", "window +", "W"),
		TriggerLess: bind("t/T", "summary trigger", "t"),
		TriggerMore: bind("T", "summary trigger +", "T"),
		KeepLess:    bind("e/E", "summary keep", "e"),
		KeepMore:    bind("E", "summary keep +", "E"),
		SizeLess:    bind("z/Z", "summary size", "z"),
		SizeMore:    bind("Z", "summary size +", "Z"),
		CapLess:     bind("c/C", "cap", "c"),
		CapMore:     bind("C", "cap +", "C"),
		Model:       bind("m", "model", "m"),
		Strategies:  bind("s", "strategies", "s"),
		PerDayLess:  bind("[/]", "per day ÷10/×10", "["),
		PerDayMore:  bind("]", "conversations/day +", "]"),
		Back:        bind("esc", "back to conversations", "esc"),
		Warnings:    bind("!", "warnings", "!"),
		Findings:    bind("f", "findings", "f"),
		Tune:        bind("a", "tune (frontier)", "a"),
		Levers:      bind("v", "levers", "v"),
		Budget:      key.NewBinding(key.WithKeys("B"), key.WithHelp("B", "double the budget"), key.WithDisabled()),
		Help:        bind("?", "help", "?"),
		Quit:        bind("q", "quit", "q", "ctrl+c"),
	}
}

// ShortHelp is the one-line help: pairs folded into one entry each.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Play, fold("←→", "call"), fold("↑↓", "strategy"), fold("tab", "view"), fold("$", "dollars"),
		fold("w/W", "window"), fold("t/T", "trigger"), fold("c/C", "cap"), k.Model, k.Strategies, k.Findings, k.Tune, k.Levers, k.Help, k.Quit}
}

// fold is one help entry for a pair of keys (←→ for ← and →), shown on
// the help line only: the keys themselves are matched by their bindings.
func fold(keys, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(keys), key.WithHelp(keys, desc))
}

// FullHelp is the help screen, by column.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Play, k.Faster, k.Slower, k.Left, k.Right, k.Home, k.End, k.Quit},
		{k.Up, k.Down, k.View, k.Inspect, k.Compare, k.Money, k.PerDayLess, k.Back, k.Warnings, k.Budget, k.Help},
		{k.WindowLess, k.TriggerLess, k.KeepLess, k.SizeLess, k.CapLess, k.Model, k.Strategies, k.Findings, k.Tune, k.Levers},
	}
}
