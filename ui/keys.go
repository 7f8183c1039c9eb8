package ui

import "charm.land/bubbles/v2/key"

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

func newKeyMap() keyMap {
	b := func(keys []string, help, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return keyMap{
		Up:          b([]string{"up", "k"}, "↑/k", "strategy up"),
		Down:        b([]string{"down", "j"}, "↓/j", "strategy down"),
		Left:        b([]string{"left", "h"}, "←/h", "previous call"),
		Right:       b([]string{"right", "l"}, "→/l", "next call"),
		Home:        b([]string{"home", "g"}, "g", "first call"),
		End:         b([]string{"end", "G"}, "G", "last call"),
		Play:        b([]string{"space"}, "space", "play"),
		Faster:      b([]string{"+", "="}, "+", "faster"),
		Slower:      b([]string{"-", "_"}, "-", "slower"),
		View:        b([]string{"tab"}, "tab", "bars/curves/calls"),
		Inspect:     b([]string{"enter", "i"}, "enter", "inspect call"),
		Compare:     b([]string{"o"}, "o", "outline strategy 1"),
		Money:       b([]string{"$"}, "$", "bars in tokens / dollars"),
		WindowLess:  b([]string{"w"}, "w/W", "window"),
		WindowMore:  b([]string{"W"}, "W", "window +"),
		TriggerLess: b([]string{"t"}, "t/T", "summary trigger"),
		TriggerMore: b([]string{"T"}, "T", "summary trigger +"),
		KeepLess:    b([]string{"e"}, "e/E", "summary keep"),
		KeepMore:    b([]string{"E"}, "E", "summary keep +"),
		SizeLess:    b([]string{"z"}, "z/Z", "summary size"),
		SizeMore:    b([]string{"Z"}, "Z", "summary size +"),
		CapLess:     b([]string{"c"}, "c/C", "cap"),
		CapMore:     b([]string{"C"}, "C", "cap +"),
		Model:       b([]string{"m"}, "m", "model"),
		Strategies:  b([]string{"s"}, "s", "strategies"),
		PerDayLess:  b([]string{"["}, "[/]", "per day ÷10/×10"),
		PerDayMore:  b([]string{"]"}, "]", "conversations/day +"),
		Back:        b([]string{"esc"}, "esc", "back to conversations"),
		Warnings:    b([]string{"!"}, "!", "warnings"),
		Findings:    b([]string{"f"}, "f", "findings"),
		Tune:        b([]string{"a"}, "a", "tune (frontier)"),
		Levers:      b([]string{"v"}, "v", "levers"),
		Budget:      key.NewBinding(key.WithKeys("B"), key.WithHelp("B", "double the budget"), key.WithDisabled()),
		Help:        b([]string{"?"}, "?", "help"),
		Quit:        b([]string{"q", "ctrl+c"}, "q", "quit"),
	}
}

// ShortHelp is the one-line help: pairs folded into one entry each.
func (k keyMap) ShortHelp() []key.Binding {
	short := func(keys, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys), key.WithHelp(keys, desc))
	}
	return []key.Binding{k.Play, short("←→", "call"), short("↑↓", "strategy"), short("tab", "view"), short("$", "dollars"),
		short("w/W", "window"), short("t/T", "trigger"), short("c/C", "cap"), k.Model, k.Strategies, k.Findings, k.Tune, k.Levers, k.Help, k.Quit}
}

// FullHelp is the help screen, by column.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Play, k.Faster, k.Slower, k.Left, k.Right, k.Home, k.End, k.Quit},
		{k.Up, k.Down, k.View, k.Inspect, k.Compare, k.Money, k.PerDayLess, k.Back, k.Warnings, k.Budget, k.Help},
		{k.WindowLess, k.TriggerLess, k.KeepLess, k.SizeLess, k.CapLess, k.Model, k.Strategies, k.Findings, k.Tune, k.Levers},
	}
}
