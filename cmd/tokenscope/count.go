package main

import (
	"fmt"
	"io"
	"os"
	"unsafe"

	"github.com/spf13/cobra"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/report"
	"github.com/tokenscope/tokenscope/transcripts"
)

// newCount is `tokenscope count`: the tokens of a text, or of a chat's calls with --chat.
func newCount(stdout io.Writer) *cobra.Command {
	var c common
	var chat bool
	cmd := &cobra.Command{
		Use:   "count [FILE|-]",
		Short: "Count the tokens of text, or of a chat's calls with --chat",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := "-"
			if len(args) == 1 {
				path = args[0]
			}
			table, err := priceTable(c.prices)
			if err != nil {
				return err
			}
			if chat {
				src, err := transcripts.Open(path, c.readOptions())
				if err != nil {
					return badInput(err)
				}
				counts, err := profile.ChatCounts(table, c.model, src)
				if err != nil {
					return badInput(err)
				}
				return report.WriteChatCount(stdout, counts)
			}
			model := c.model
			if model == "" {
				model = "gpt-4o"
			}
			row, err := table.Find(model)
			if err != nil {
				return badInput(err)
			}
			data, err := readAll(path)
			if err != nil {
				return badInput(err)
			}
			// The bytes as a string without a copy: nothing writes to data
			// again, and a second buffer of a large file cost a page fault
			// every 4 KiB.
			return report.WriteCount(stdout, row, unsafe.String(unsafe.SliceData(data), len(data)))
		},
	}
	c.register(cmd)
	cmd.Flags().BoolVar(&chat, "chat", false, "read FILE as a conversation log and count each message and call")
	return cmd
}

func readAll(path string) ([]byte, error) {
	if path == "-" {
		data, err := io.ReadAll(os.Stdin)
		if err != nil {
			return nil, fmt.Errorf("-: %w", err)
		}
		return data, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return data, nil
}
