package main

import (
	"io"

	"github.com/tokenscope/tokenscope/profile/strategy"

	"github.com/spf13/cobra"
)

// newReplay is `tokenscope replay`: the TUI on a log.
func newReplay(stdout io.Writer) *cobra.Command {
	var t tuiFlags
	cmd := &cobra.Command{
		Use:   "replay FILE|DIR|-",
		Short: "Open the TUI on a logged conversation",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return t.tui(args[0], stdout)
		},
	}
	t.register(cmd)
	return cmd
}

// specsOf returns the specs of parsed strategies.
func specsOf(strategies []*strategy.Strategy) []string {
	specs := make([]string, len(strategies))
	for i, s := range strategies {
		specs[i] = s.Spec
	}
	return specs
}
