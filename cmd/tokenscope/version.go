package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// newVersion is `tokenscope version`.
func newVersion(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintln(stdout, "tokenscope "+version)
		},
	}
}
