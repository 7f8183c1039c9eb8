package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/tokenscope/tokenscope/report"
)

// newPrices is `tokenscope prices`: the price table, or the full row of some models.
func newPrices(stdout io.Writer) *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "prices [MODEL...]",
		Short: "Show the price table, or the full row of some models",
		RunE: func(cmd *cobra.Command, args []string) error {
			table, err := priceTable(file)
			if err != nil {
				return err
			}
			if err := report.WritePrices(stdout, table, args); err != nil {
				return badInput(err)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&file, "prices", "", "price `FILE` to extend the embedded table")
	return cmd
}
