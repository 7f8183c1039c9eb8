package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/advisor"
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/report"
	"github.com/tokenscope/tokenscope/transcripts"
)

// newReport is `tokenscope report`: the strategy table, findings and exports of a log.
func newReport(stdout io.Writer) *cobra.Command {
	var c common
	var format, maxCost, by, out string
	var perDay int64
	var noCalls, compare, noFindings bool
	cmd := &cobra.Command{
		Use:   "report [FILE|DIR|-]",
		Short: "Profile a logged conversation and print the numbers (no TUI)",
		Long: "Profile a logged conversation headless. With no FILE, the embedded demo.\n" +
			"Formats read: " + strings.Join(transcripts.Formats(), ", ") + " (detected automatically).\n" +
			"With --compare A B, two logs side by side; with --compare FILE and what-if flags\n" +
			"(--system, --tools, --drop-tool), the log as it is against the log changed.",
		Args: cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkPerDay(perDay); err != nil {
				return err
			}
			if compare {
				if !slices.Contains(report.ComparisonFormats, format) || out != "" {
					return badInput(fmt.Errorf("--compare writes --format %s on stdout (no --out)", strings.Join(report.ComparisonFormats, ", ")))
				}
				return c.compare(stdout, args, format)
			}
			if len(args) > 1 {
				return badInput(fmt.Errorf("report takes one FILE|DIR|- (two with --compare)"))
			}
			var limit price.Money
			if maxCost != "" {
				var err error
				if limit, err = price.ParseUSD(maxCost); err != nil {
					return badInput(fmt.Errorf("--max-cost: %w", err))
				}
			}
			if !validOutput(format) {
				return badInput(fmt.Errorf("--format %q: want one of %s", format, strings.Join(report.Formats, ", ")))
			}
			if out == "" && report.Binary(format) && isTerminal(stdout) {
				return badInput(fmt.Errorf("--format %s writes binary: give --out FILE or redirect stdout", format))
			}
			path := ""
			if len(args) == 1 {
				path = args[0]
			}
			tagKey, byTag := strings.CutPrefix(by, "tag")
			if by == "machine" {
				tagKey, byTag = ":"+advisor.ByMachine, true
			}
			if by != "" && (!byTag || (tagKey != "" && !strings.HasPrefix(tagKey, ":"))) {
				return badInput(fmt.Errorf("--by %q: want tag, tag:KEY or machine", by))
			}
			if byTag && (format != "table" || out != "") {
				return badInput(fmt.Errorf("--by %s prints a table on stdout: leave out --format and --out", by))
			}
			load := c.load
			if path != "" && !c.whatIf.set() && !byTag {
				load = c.stream // the text is not needed after counting
			}
			p, err := load(path)
			if err != nil {
				return err
			}
			p.NoCalls = noCalls
			if byTag {
				rows := advisor.ByTag(p.Result, p.Source.Conversations, strings.TrimPrefix(tagKey, ":"))
				if err := report.WriteTagTable(stdout, p.Result, rows); err != nil {
					return err
				}
			} else {
				var findings []advisor.Finding
				var later func() ([]advisor.Finding, error)
				if !noFindings {
					find := func() ([]advisor.Finding, error) {
						fs, err := advisor.FindingsOf(p, advisor.FindingsOptions{PerDay: perDay})
						if err != nil {
							return nil, badInput(err)
						}
						return fs, nil
					}
					if findingsFail(p.Result) {
						if findings, err = find(); err != nil {
							return err
						}
					} else {
						later = findLater(find)
					}
				}
				prices, err := priceTable(c.prices) // for its date
				if err != nil {
					return err
				}
				sink, closeOut, err := report.Open(format, out, stdout)
				if err != nil {
					return badInput(fmt.Errorf("--out: %w", err))
				}
				err = report.Write(sink, p, report.Options{PerDay: perDay, NoCalls: noCalls, Prices: prices, Findings: findings, Later: later})
				if cerr := closeOut(); err == nil {
					err = cerr
				}
				if err != nil {
					return err
				}
			}
			for _, w := range p.Source.Warnings {
				fmt.Fprintln(cmd.ErrOrStderr(), "tokenscope: warning: "+oneLine(w))
			}
			if maxCost != "" && len(p.Result.Strategies) > 0 {
				first := p.Result.Strategies[0]
				if t := first.Totals; t.Calls > 0 && t.Unpriced >= t.Calls {
					// An unpriced log cannot pass a cost gate: $0 is not its cost.
					return &exitError{code: 1, err: fmt.Errorf("%s is unpriced (%s): --max-cost cannot be checked; pass --model", first.Strategy.Spec, profile.UnpricedReason(p.Result))}
				}
				if first.Totals.Cost > limit {
					cost, lim := price.Distinct(first.Totals.Cost, limit)
					return &exitError{code: 1, err: fmt.Errorf("%s costs %s, over --max-cost %s", first.Strategy.Spec, cost, lim)}
				}
			}
			return nil
		},
	}
	c.register(cmd)
	cmd.Flags().StringVar(&format, "format", "table", "output `FORMAT`: "+strings.Join(report.Formats, ", "))
	cmd.Flags().StringVar(&out, "out", "", "write to `PATH` instead of stdout: a FILE; for svg a DIR or file prefix (two charts); for md a DIR (report.md and its charts)")
	cmd.Flags().StringVar(&maxCost, "max-cost", "", "exit 1 when the first strategy's total exceeds `USD` (a CI gate)")
	cmd.Flags().BoolVar(&noCalls, "no-calls", false, "leave per-call rows out of the report (totals and conversations only)")
	cmd.Flags().StringVar(&by, "by", "", "group calls by cost centre: `tag` (whole tag sets), tag:KEY (one tag's values) or machine (the proxy's), as a table")
	cmd.Flags().Int64Var(&perDay, "per-day", 0, "project cost per month at `N` such conversations a day")
	cmd.Flags().BoolVar(&compare, "compare", false, "print two profiles side by side: two logs, or one log as it is and with the what-if flags")
	cmd.Flags().BoolVar(&noFindings, "no-findings", false, "leave out the findings (cache breakers, unused tools, marginal prices, best strategy)")
	c.whatIf.register(cmd)
	return cmd
}

// compare prints two profiles side by side (report --compare).
func (c *common) compare(stdout io.Writer, args []string, format string) error {
	switch {
	case len(args) == 2 && !c.whatIf.set():
		a, err := c.load(args[0])
		if err != nil {
			return err
		}
		b, err := c.load(args[1])
		if err != nil {
			return err
		}
		return report.Compare(a, b, args[0], args[1]).Write(stdout, format)
	case len(args) <= 1 && c.whatIf.set():
		name := "" // no path: the demo
		if len(args) == 1 {
			name = args[0]
		}
		src, err := c.read(name)
		if err != nil {
			return err
		}
		a, err := c.profile(src)
		if err != nil {
			return err
		}
		b, err := c.load(name)
		if err != nil {
			return err
		}
		if name == "" {
			name = "the demo"
		}
		return report.Compare(a, b, name+" as logged", name+" with "+c.whatIf.String()).Write(stdout, format)
	}
	return badInput(fmt.Errorf("--compare wants two logs, or one log and what-if flags (--system, --tools, --drop-tool)"))
}

func validOutput(f string) bool {
	for _, o := range append(report.Formats, "markdown") {
		if f == o {
			return true
		}
	}
	return false
}

// findLater starts find on its own goroutine and returns what waits for
// its result: the findings' re-runs then use the core that writing the
// calls leaves free.
func findLater(find func() ([]advisor.Finding, error)) func() ([]advisor.Finding, error) {
	done := make(chan struct{})
	var fs []advisor.Finding
	var err error
	go func() {
		defer close(done)
		fs, err = find()
	}()
	return func() ([]advisor.Finding, error) {
		<-done
		return fs, err
	}
}

// findingsFail reports whether the findings might fail on res: a re-run
// passing price.MaxMoney leaves its finding out (profile.ErrPastMaxMoney),
// so only totals near it are suspect, as a margin. When they might, they
// are made before anything is written, so that a failure leaves stdout
// empty.
func findingsFail(res *profile.Result) bool {
	for _, s := range res.Strategies {
		if t := s.Totals; t.Cost >= price.MaxMoney/64 || t.ReportedCost >= price.MaxMoney/64 {
			return true
		}
	}
	return false
}
