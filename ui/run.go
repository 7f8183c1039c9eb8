package ui

import (
	"fmt"
	"io"
	"os"

	tea "charm.land/bubbletea/v2"
)

// Run runs the program until the user quits; the terminal is restored on
// return, then the warnings met are printed on standard error.
func Run(cfg Config) error {
	final, err := tea.NewProgram(New(cfg)).Run()
	if m, ok := final.(Model); ok {
		printWarnings(os.Stderr, m)
	}
	return err
}

func printWarnings(w io.Writer, m Model) {
	for _, s := range m.warnings() {
		fmt.Fprintln(w, "warning: "+s)
	}
}
