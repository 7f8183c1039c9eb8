package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/tokenscope/tokenscope/profile/advisor"
	"github.com/tokenscope/tokenscope/report"
)

// newTune is `tokenscope tune`: the cheapest strategies under constraints, cost against context kept.
func newTune(stdout io.Writer) *cobra.Command {
	var c common
	var o advisor.TuneOptions
	var format string
	var noOverflow bool
	cmd := &cobra.Command{
		Use:   "tune [FILE|DIR|-]",
		Short: "Find the cheapest strategies under constraints: the frontier of cost against context kept",
		Long: "Search windows, summaries, context clearing, compaction, cache TTLs and cheaper models\n" +
			"for the cheapest strategies that keep the context the constraints ask for, and print the\n" +
			"Pareto frontier of cost against context kept, with specs ready for --strategy.\n" +
			"With no FILE, the embedded demo. --strategy SPEC (repeatable) searches those specs instead.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "table" && format != "json" {
				return badInput(fmt.Errorf("--format %q: want table or json", format))
			}
			if o.MinContext < 0 || o.MaxTruncated < 0 || o.MaxDroppedPct < 0 || o.MaxDroppedPct > 100 {
				return badInput(fmt.Errorf("--min-context and --max-truncated must be ≥ 0 and --max-dropped within 0–100"))
			}
			path := ""
			if len(args) == 1 {
				path = args[0]
			}
			src, err := c.read(path)
			if err != nil {
				return err
			}
			if o.Prices, err = priceTable(c.prices); err != nil {
				return err
			}
			o.Model, o.Specs, o.AllowOverflow = c.model, c.strategies, !noOverflow
			if cmd.Flags().Changed("max-dropped") && o.MaxDroppedPct == 0 {
				o.MaxDroppedPct = 1e-9 // 0 means "nothing dropped", not "no bound"
			}
			r, err := advisor.Tune(src.Conversations, o)
			if errors.Is(err, advisor.ErrUnpriced) {
				return badInput(fmt.Errorf("%s: %w", src.Path, err))
			}
			if err != nil {
				return badInput(err)
			}
			if format == "json" {
				enc := json.NewEncoder(stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(r)
			}
			return report.WriteTune(stdout, r)
		},
	}
	c.register(cmd)
	// tune searches its own space, not report's default strategies.
	cmd.Flags().Lookup("strategy").Usage = "strategy `SPEC` to search (repeatable; default: the tune space, each context step — none, window by turns and by tokens, summary, clear and compact on agent logs — crossed with caching and the candidate models)"
	f := cmd.Flags()
	f.StringVar(&format, "format", "table", "output `FORMAT`: table or json")
	f.Int64Var(&o.MinContext, "min-context", 0, "every call still sees at least `TOKENS` of its earlier conversation (or all of it)")
	f.Float64Var(&o.MaxDroppedPct, "max-dropped", 100, "at most `PCT` percent of the earlier conversation left unsent")
	f.IntVar(&o.MaxTruncated, "max-truncated", 0, "at most `N` replies cut by a max_tokens cap")
	f.BoolVar(&noOverflow, "no-overflow", true, "reject strategies with calls beyond the context window")
	f.BoolVar(&o.KeepModel, "keep-model", false, "try no other model")
	f.StringSliceVar(&o.Candidates, "candidates", nil, "models to try with model= (`ID,ID`; default: the logged model's cheaper siblings)")
	return cmd
}
