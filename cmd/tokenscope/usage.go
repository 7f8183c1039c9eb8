package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tokenscope/tokenscope/profile/usage"
	"github.com/tokenscope/tokenscope/report"
	"github.com/tokenscope/tokenscope/transcripts"
)

// newUsage is `tokenscope usage`: reported usage and billed cost by day, month, session, project, tag or machine, nothing tokenized.
func newUsage(stdout io.Writer) *cobra.Command {
	var model, prices, inputFormat, format, since, until string
	cmd := &cobra.Command{
		Use:   "usage [" + strings.Join(usage.Groups, "|") + "] [DIR]",
		Short: "Reported usage and billed cost by day, month, session, project, tag or machine (fast: no counting)",
		Long: "Sum the usage the logs report, each response once (message id + request id), and price it as\n" +
			"billed: uncached input, output, cache reads and 5-minute/1-hour cache writes at list price.\n" +
			"Nothing is tokenized and no strategy simulated. DIR defaults to ~/.claude/projects.",
		Args: cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			group := "daily"
			if len(args) > 0 && slices.Contains(usage.Groups, args[0]) {
				group, args = args[0], args[1:]
			}
			if len(args) > 1 {
				return badInput(fmt.Errorf("usage: %q is not a grouping (want %s)", args[0], strings.Join(usage.Groups, ", ")))
			}
			if !slices.Contains(report.UsageFormats, format) {
				return badInput(fmt.Errorf("--format %q: want one of %s", format, strings.Join(report.UsageFormats, ", ")))
			}
			dir := ""
			if len(args) == 1 {
				dir = args[0]
			} else {
				home, err := os.UserHomeDir()
				if err != nil {
					return badInput(fmt.Errorf("no DIR given and no home directory: %w", err))
				}
				dir = filepath.Join(home, ".claude", "projects")
			}
			table, err := priceTable(prices)
			if err != nil {
				return err
			}
			opt := usage.Options{Group: group, Since: since, Until: until, Prices: table, Model: model}
			// Check the flags before reading.
			if _, err := usage.Summarize(&transcripts.UsageSource{}, opt); err != nil {
				return badInput(err)
			}
			src, err := transcripts.ReadUsage(dir, transcripts.Options{Format: inputFormat})
			if err != nil {
				return badInput(err)
			}
			sum, err := usage.Summarize(src, opt)
			if err != nil {
				return badInput(err)
			}
			return report.WriteUsage(stdout, sum, format)
		},
	}
	f := cmd.Flags()
	f.StringVar(&model, "model", "", "price every call as this model (default: the model each call names)")
	f.StringVar(&prices, "prices", "", "price `FILE` to extend the embedded table: tokenscope YAML or LiteLLM's model_prices_and_context_window.json")
	f.StringVar(&inputFormat, "input-format", "auto", "input `FORMAT`: auto, "+strings.Join(transcripts.Formats(), ", "))
	f.StringVar(&format, "format", "table", "output `FORMAT`: "+strings.Join(report.UsageFormats, ", "))
	f.StringVar(&since, "since", "", "only calls on or after `DATE` (YYYY-MM-DD or YYYYMMDD, local time)")
	f.StringVar(&until, "until", "", "only calls on or before `DATE` (YYYY-MM-DD or YYYYMMDD, local time)")
	return cmd
}
