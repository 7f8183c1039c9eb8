package ui

import (
	tea "charm.land/bubbletea/v2"
)

// Run runs the program until the user quits; the terminal is restored on
// return.
func Run(cfg Config) error {
	_, err := tea.NewProgram(New(cfg)).Run()
	return err
}
