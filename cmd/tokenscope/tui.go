package main

import (
	"io"
	"os"

	"github.com/tokenscope/tokenscope/profile/strategy"

	"github.com/spf13/cobra"

	"github.com/tokenscope/tokenscope/profile/advisor"
	"github.com/tokenscope/tokenscope/report"
	"github.com/tokenscope/tokenscope/transcripts"
	"github.com/tokenscope/tokenscope/ui"
)

// tuiFlags are the flags of the commands that open the TUI on a log.
type tuiFlags struct {
	common
	noTUI, autoplay bool
	perDay          int64
}

func (t *tuiFlags) register(cmd *cobra.Command) {
	t.common.register(cmd)
	cmd.Flags().BoolVar(&t.noTUI, "no-tui", false, "print the report instead of opening the TUI (the default when stdout is not a terminal)")
	cmd.Flags().BoolVar(&t.autoplay, "play", false, "start by playing the calls back one by one")
	cmd.Flags().Int64Var(&t.perDay, "per-day", 0, "project cost per month at `N` such conversations a day")
}

// tui opens the TUI on path ("" is the demo), or prints the table report
// when asked to or when stdout is not a terminal.
func (t *tuiFlags) tui(path string, stdout io.Writer) error {
	c, perDay := &t.common, t.perDay
	if err := checkPerDay(perDay); err != nil {
		return err
	}
	if t.noTUI || !isTerminal(stdout) {
		load := c.load
		if path != "" && !c.whatIf.set() {
			load = c.stream
		}
		p, err := load(path)
		if err != nil {
			return err
		}
		// What `report` prints, findings included.
		findings, err := advisor.FindingsOf(p, advisor.FindingsOptions{PerDay: perDay})
		if err != nil {
			return badInput(err)
		}
		prices, err := priceTable(c.prices)
		if err != nil {
			return err
		}
		sink, _, err := report.Open("table", "", stdout)
		if err != nil {
			return err
		}
		return report.Write(sink, p, report.Options{PerDay: perDay, Prices: prices, Findings: findings})
	}
	table, err := priceTable(c.prices)
	if err != nil {
		return err
	}
	// Check what can fail before the screen is taken over.
	strategies, err := strategy.ParseAll(c.strategies)
	if err != nil {
		return badInput(err)
	}
	if c.model != "" {
		if _, err := table.Find(c.model); err != nil {
			return badInput(err)
		}
	}
	// Without --strategy the TUI picks the set that suits the log it reads.
	cfg := ui.Config{Path: path, Read: c.readOptions(), Prices: table, Model: c.model, PerDay: perDay, Autoplay: t.autoplay}
	if len(c.strategies) > 0 {
		cfg.Specs = specsOf(strategies)
	}
	if path == "" {
		cfg.Source = transcripts.Demo(c.readOptions())
	} else if info, err := os.Stat(path); path == "-" || (err == nil && !info.IsDir()) {
		// A single file reads fast; errors exit 2 before the screen opens.
		src, err := transcripts.Open(path, c.readOptions())
		if err != nil {
			return badInput(err)
		}
		cfg.Source = src
	} else if err != nil {
		return badInput(&transcripts.Error{File: path, Msg: "no such file or directory"})
	}
	return ui.Run(cfg)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
