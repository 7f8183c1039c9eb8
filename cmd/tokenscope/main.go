// Command tokenscope shows where the money goes in LLM conversations: it
// counts every part of every call, prices it, and simulates cost-cutting
// strategies side by side. This file only wires commands to the packages.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/proxy"
	"github.com/tokenscope/tokenscope/report"
	"github.com/tokenscope/tokenscope/transcripts"
	"github.com/tokenscope/tokenscope/transcripts/live"
	"github.com/tokenscope/tokenscope/ui"
)

// version is set by scripts/release.sh (-X main.version=…).
var version = "dev"

// exitError carries an exit code; its message is printed as one line.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

func badInput(err error) error { return &exitError{code: 2, err: err} }

// common flags shared by the commands that read conversations.
type common struct {
	model       string
	prices      string
	strategies  []string
	inputFormat string
	ragTags     []string
	ragTools    []string
	// assumeOutput is the output of a call whose response is not logged.
	assumeOutput int64
	whatIf       whatIf
}

// whatIf are the prompt changes a log can be re-costed with.
type whatIf struct {
	system, tools string
	dropTools     []string
}

func (w *whatIf) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&w.system, "system", "", "what-if: replace the system prompt of every call with the text of `FILE`")
	f.StringVar(&w.tools, "tools", "", "what-if: replace the tool schemas with those of `FILE` (OpenAI or Anthropic tool JSON)")
	f.StringArrayVar(&w.dropTools, "drop-tool", nil, "what-if: leave the tool `NAME` out of every call's schemas (repeatable)")
}

// set reports whether any what-if was given.
func (w *whatIf) set() bool { return w.system != "" || w.tools != "" || len(w.dropTools) > 0 }

// apply returns convs changed by the what-ifs.
func (w *whatIf) apply(convs []*transcripts.Conversation) ([]*transcripts.Conversation, error) {
	if w.system != "" {
		data, err := os.ReadFile(w.system)
		if err != nil {
			return nil, badInput(fmt.Errorf("--system: %w", err))
		}
		convs = transcripts.WithSystem(convs, string(data))
	}
	if w.tools != "" {
		data, err := os.ReadFile(w.tools)
		if err != nil {
			return nil, badInput(fmt.Errorf("--tools: %w", err))
		}
		tools, err := transcripts.ParseTools(data, w.tools)
		if err != nil {
			return nil, badInput(err)
		}
		convs = transcripts.WithTools(convs, tools)
	}
	if len(w.dropTools) > 0 {
		var err error
		if convs, err = transcripts.WithoutTools(convs, w.dropTools); err != nil {
			return nil, badInput(err)
		}
	}
	return convs, nil
}

// String describes the what-ifs as flags.
func (w *whatIf) String() string {
	var parts []string
	if w.system != "" {
		parts = append(parts, "--system "+w.system)
	}
	if w.tools != "" {
		parts = append(parts, "--tools "+w.tools)
	}
	for _, t := range w.dropTools {
		parts = append(parts, "--drop-tool "+t)
	}
	return strings.Join(parts, " ")
}

func (c *common) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&c.model, "model", "", "price and count as this model (default: the model the log names)")
	f.StringVar(&c.prices, "prices", "", "price `FILE` to extend the embedded table: tokenscope YAML or LiteLLM's model_prices_and_context_window.json")
	f.StringArrayVar(&c.strategies, "strategy", nil, "strategy `SPEC` to simulate (repeatable; default: "+strings.Join(profile.DefaultStrategies, ", ")+"; on agent logs window:tokens, clear and compact replace window:turns and summary)")
	f.StringVar(&c.inputFormat, "input-format", "auto", "input `FORMAT`: auto, "+strings.Join(transcripts.Formats(), ", "))
	f.StringSliceVar(&c.ragTags, "rag-tag", []string{"context", "documents"}, "content inside <NAME>…</NAME> counts as retrieved context")
	f.StringSliceVar(&c.ragTools, "rag-tool", nil, "results of the tool `NAME` count as retrieved context (repeatable)")
	f.Int64Var(&c.assumeOutput, "assume-output", 0, "output `TOKENS` of a call whose response is not in the log (a request logged alone)")
}

func (c *common) readOptions() transcripts.Options {
	return transcripts.Options{Format: c.inputFormat, RAG: transcripts.RAGRule{Tags: c.ragTags, Tools: c.ragTools}}
}

// load reads path ("" is the embedded demo), applies the what-ifs and
// profiles it.
func (c *common) load(path string) (*profile.Profile, error) {
	src, err := c.read(path)
	if err != nil {
		return nil, err
	}
	if c.whatIf.set() {
		s := *src
		if s.Conversations, err = c.whatIf.apply(src.Conversations); err != nil {
			return nil, err
		}
		src = &s
	}
	p, err := c.profile(src)
	if err != nil {
		return nil, err
	}
	p.WhatIf = c.whatIf.String()
	return p, nil
}

// stream reads path one file at a time and profiles it, keeping counts,
// not text, so that a large directory takes the memory of its counts
// (profile.Load). The result keeps totals; report.Write simulates the
// calls again for its rows. It is load without what-ifs, for a path.
func (c *common) stream(path string) (*profile.Profile, error) {
	opt, err := c.options()
	if err != nil {
		return nil, err
	}
	strategies := opt.Strategies
	mem := limitMemory()
	l, err := profile.Load(context.Background(), path, profile.LoadOptions{Read: c.readOptions(), Count: true, Engine: opt,
		EachFile: func(*transcripts.Source) { mem.follow() }}, nil)
	if err != nil {
		return nil, badInput(err)
	}
	src, prep := l.Source, l.Prepared
	if strategies == nil {
		if strategies, err = profile.ParseStrategies(prep.DefaultStrategies()); err != nil {
			return nil, badInput(err)
		}
	}
	res, err := prep.Run(strategies)
	if err != nil {
		return nil, badInput(err)
	}
	opt.Strategies = strategies
	return &profile.Profile{Source: src, Result: res, Options: opt}, nil
}

// memoryLimit keeps a streamed profile's memory near what it holds: the
// collector's goal is otherwise twice the live heap, and a streamed log
// holds little (its counts: about 50 MB live on a 600 MB Claude Code
// tree, a third of it fixed tables), so a soft limit bounds the process
// at about baseMemoryLimit for the heap (the binary and runtime add some
// 25 MB) at no measurable cost in time. follow raises it as the counts
// grow, to limitPerLive times the live heap, so that the collector does
// not run for nothing on logs larger still. A GOMEMLIMIT the user set is
// left alone.
type memoryLimit struct {
	on     bool
	sample []metrics.Sample
}

const (
	baseMemoryLimit = 88 << 20
	limitPerLive    = 1.5
)

func limitMemory() *memoryLimit {
	m := &memoryLimit{on: os.Getenv("GOMEMLIMIT") == "", sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	if m.on {
		debug.SetMemoryLimit(baseMemoryLimit)
	}
	return m
}

func (m *memoryLimit) follow() {
	if !m.on {
		return
	}
	metrics.Read(m.sample)
	if m.sample[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	live := float64(m.sample[0].Value.Uint64())
	if want := int64(live * limitPerLive); want > baseMemoryLimit {
		debug.SetMemoryLimit(want)
	}
}

// read reads path ("" is the embedded demo).
func (c *common) read(path string) (*transcripts.Source, error) {
	if path == "" {
		return transcripts.Demo(c.readOptions()), nil
	}
	src, err := transcripts.Open(path, c.readOptions())
	if err != nil {
		return nil, badInput(err)
	}
	return src, nil
}

// profile profiles src with the common flags.
func (c *common) profile(src *transcripts.Source) (*profile.Profile, error) {
	opt, err := c.options()
	if err != nil {
		return nil, err
	}
	if opt.Strategies == nil {
		if opt.Strategies, err = profile.ParseStrategies(profile.DefaultStrategiesFor(src.Conversations)); err != nil {
			return nil, badInput(err)
		}
	}
	p, err := profile.New(src, opt)
	if err != nil {
		return nil, badInput(err)
	}
	return p, nil
}

// options are the profile options the common flags give; Strategies is
// nil when --strategy is not given (the defaults depend on the log).
func (c *common) options() (profile.Options, error) {
	if c.assumeOutput < 0 {
		return profile.Options{}, badInput(fmt.Errorf("--assume-output %d: want 0 or more tokens", c.assumeOutput))
	}
	table, err := priceTable(c.prices)
	if err != nil {
		return profile.Options{}, err
	}
	var strategies []*profile.Strategy
	if len(c.strategies) > 0 {
		if strategies, err = profile.ParseStrategies(c.strategies); err != nil {
			return profile.Options{}, badInput(err)
		}
	}
	return profile.Options{Prices: table, Model: c.model, Strategies: strategies, AssumeOutput: c.assumeOutput}, nil
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		fmt.Fprintln(stderr, "tokenscope: "+oneLine(ee.Error()))
		return ee.code
	}
	// Flag and argument errors from cobra.
	fmt.Fprintln(stderr, "tokenscope: "+oneLine(err.Error()))
	return 2
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func newRoot(stdout io.Writer) *cobra.Command {
	var t tuiFlags
	root := &cobra.Command{
		Use:   "tokenscope",
		Short: "See where the money goes in LLM conversations",
		Long: "tokenscope replays a logged chat, counts every part of every call exactly, prices it,\n" +
			"and simulates cost-cutting strategies (windows, summaries, caps, caching, batch, other models)\n" +
			"side by side. With no command it profiles the embedded demo conversation.",
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return t.tui("", stdout)
		},
	}
	t.register(root)
	root.AddCommand(newReplay(stdout), newLive(stdout), newReport(stdout), newUsage(stdout), newTune(stdout), newCount(stdout), newPrices(stdout), newVersion(stdout), newProxy())
	return root
}

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
		if err := p.FindFindings(profile.FindingsOptions{PerDay: perDay}); err != nil {
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
		return report.Write(sink, p, report.Options{PerDay: perDay, Prices: prices})
	}
	table, err := priceTable(c.prices)
	if err != nil {
		return err
	}
	// Check what can fail before the screen is taken over.
	strategies, err := profile.ParseStrategies(c.strategies)
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
func specsOf(strategies []*profile.Strategy) []string {
	specs := make([]string, len(strategies))
	for i, s := range strategies {
		specs[i] = s.Spec
	}
	return specs
}

func newLive(stdout io.Writer) *cobra.Command {
	var c common
	var baseURL, systemFile, out, budget, priceAs string
	var ragFiles []string
	var maxTokens int
	var temperature float32
	var perDay int64
	cmd := &cobra.Command{
		Use:   "live",
		Short: "Chat with an OpenAI-compatible server and watch the cost grow",
		Long: "Chat with OpenAI or any OpenAI-compatible server (Ollama, vLLM, LiteLLM, OpenRouter) in the TUI.\n" +
			"Every call is counted, priced and simulated under every strategy as it happens, and written\n" +
			"as native JSONL (--out) that `tokenscope replay` reads back. The key comes from OPENAI_API_KEY.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !isTerminal(stdout) {
				return badInput(fmt.Errorf("live needs a terminal; use `tokenscope report` on its --out file instead"))
			}
			table, err := priceTable(c.prices)
			if err != nil {
				return err
			}
			if priceAs != "" {
				if _, err := table.Find(priceAs); err != nil {
					return badInput(err)
				}
			}
			var limit price.Money
			if budget != "" {
				var err error
				if limit, err = price.ParseUSD(budget); err != nil {
					return badInput(fmt.Errorf("--budget: %w", err))
				}
			}
			strategies, err := profile.ParseStrategies(c.strategies)
			if err != nil {
				return badInput(err)
			}
			cfg := live.Config{BaseURL: baseURL, APIKey: os.Getenv("OPENAI_API_KEY"), Model: c.model, MaxTokens: maxTokens}
			if cmd.Flags().Changed("temperature") {
				cfg.Temperature = &temperature
			}
			if systemFile != "" {
				data, err := os.ReadFile(systemFile)
				if err != nil {
					return badInput(err)
				}
				cfg.System = string(data)
			}
			for _, f := range ragFiles {
				data, err := os.ReadFile(f)
				if err != nil {
					return badInput(err)
				}
				cfg.RAG = append(cfg.RAG, string(data))
			}
			if out == "" {
				if out, err = live.DefaultOutPath(time.Now()); err != nil {
					return badInput(fmt.Errorf("--out: %w", err))
				}
			}
			f, err := os.OpenFile(out, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
			if err != nil {
				return badInput(err)
			}
			defer f.Close()
			cfg.Out, cfg.OutPath = f, out
			session, err := live.New(cfg)
			if err != nil {
				return err
			}
			err = ui.Run(ui.Config{Prices: table, Model: priceAs, Specs: specsOf(strategies), PerDay: perDay,
				Live: &ui.LiveConfig{Session: session, Budget: limit, OutPath: out}})
			fmt.Fprintf(cmd.ErrOrStderr(), "tokenscope: conversation written to %s (replay with: tokenscope replay %s)\n", out, out)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&c.model, "model", "gpt-4o-mini", "model to chat with (as the server names it)")
	f.StringVar(&c.prices, "prices", "", "price `FILE` to extend the embedded table")
	f.StringArrayVar(&c.strategies, "strategy", nil, "strategy `SPEC` to simulate (repeatable)")
	f.StringVar(&baseURL, "base-url", "", "OpenAI-compatible API `URL`, e.g. http://localhost:11434/v1 for Ollama (default: OpenAI)")
	f.StringVar(&systemFile, "system", "", "system prompt `FILE`")
	f.StringArrayVar(&ragFiles, "rag", nil, "`FILE` of retrieved context attached to each call (repeatable)")
	f.IntVar(&maxTokens, "max-tokens", 0, "max_tokens for each reply (0: the server's default)")
	f.Float32Var(&temperature, "temperature", 1, "sampling temperature")
	f.StringVar(&budget, "budget", "", "refuse calls once the spend would pass `USD`")
	f.StringVar(&out, "out", "", "native JSONL `FILE` to write as the chat goes (default: a timestamped file under ~/.local/state/tokenscope)")
	f.StringVar(&priceAs, "price-as", "", "price the calls as this `MODEL` (for local models the table lacks)")
	f.Int64Var(&perDay, "per-day", 0, "project cost per month at `N` such conversations a day")
	return cmd
}

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
				if !slices.Contains(profile.ComparisonFormats, format) || out != "" {
					return badInput(fmt.Errorf("--compare writes --format %s on stdout (no --out)", strings.Join(profile.ComparisonFormats, ", ")))
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
			if by != "" && (!byTag || (tagKey != "" && !strings.HasPrefix(tagKey, ":"))) {
				return badInput(fmt.Errorf("--by %q: want tag or tag:KEY", by))
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
				rows := profile.ByTag(p.Result, p.Source.Conversations, strings.TrimPrefix(tagKey, ":"))
				if err := profile.WriteTagTable(stdout, p.Result, rows); err != nil {
					return err
				}
			} else {
				if !noFindings {
					if err := p.FindFindings(profile.FindingsOptions{PerDay: perDay}); err != nil {
						return badInput(err)
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
				err = report.Write(sink, p, report.Options{PerDay: perDay, NoCalls: noCalls, Prices: prices})
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
	cmd.Flags().StringVar(&by, "by", "", "group calls by cost centre: `tag` (whole tag sets) or tag:KEY (one tag's values), as a table")
	cmd.Flags().Int64Var(&perDay, "per-day", 0, "project cost per month at `N` such conversations a day")
	cmd.Flags().BoolVar(&compare, "compare", false, "print two profiles side by side: two logs, or one log as it is and with the what-if flags")
	cmd.Flags().BoolVar(&noFindings, "no-findings", false, "leave out the findings (cache breakers, unused tools, marginal prices, best strategy)")
	c.whatIf.register(cmd)
	return cmd
}

func newUsage(stdout io.Writer) *cobra.Command {
	var model, prices, inputFormat, format, since, until string
	cmd := &cobra.Command{
		Use:   "usage [daily|monthly|session|project|tag] [DIR]",
		Short: "Reported usage and billed cost by day, month, session or project (fast: no counting)",
		Long: "Sum the usage the logs report, each response once (message id + request id), and price it as\n" +
			"billed: uncached input, output, cache reads and 5-minute/1-hour cache writes at list price.\n" +
			"Nothing is tokenized and no strategy simulated. DIR defaults to ~/.claude/projects.",
		Args: cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			group := "daily"
			if len(args) > 0 && slices.Contains(profile.UsageGroups, args[0]) {
				group, args = args[0], args[1:]
			}
			if len(args) > 1 {
				return badInput(fmt.Errorf("usage: %q is not a grouping (want %s)", args[0], strings.Join(profile.UsageGroups, ", ")))
			}
			if !slices.Contains(profile.UsageFormats, format) {
				return badInput(fmt.Errorf("--format %q: want one of %s", format, strings.Join(profile.UsageFormats, ", ")))
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
			opt := profile.UsageOptions{Group: group, Since: since, Until: until, Prices: table, Model: model}
			// Check the flags before reading.
			if _, err := profile.Usage(&transcripts.UsageSource{}, opt); err != nil {
				return badInput(err)
			}
			src, err := transcripts.ReadUsage(dir, transcripts.Options{Format: inputFormat})
			if err != nil {
				return badInput(err)
			}
			sum, err := profile.Usage(src, opt)
			if err != nil {
				return badInput(err)
			}
			return sum.Write(stdout, format)
		},
	}
	f := cmd.Flags()
	f.StringVar(&model, "model", "", "price every call as this model (default: the model each call names)")
	f.StringVar(&prices, "prices", "", "price `FILE` to extend the embedded table: tokenscope YAML or LiteLLM's model_prices_and_context_window.json")
	f.StringVar(&inputFormat, "input-format", "auto", "input `FORMAT`: auto, "+strings.Join(transcripts.Formats(), ", "))
	f.StringVar(&format, "format", "table", "output `FORMAT`: "+strings.Join(profile.UsageFormats, ", "))
	f.StringVar(&since, "since", "", "only calls on or after `DATE` (YYYY-MM-DD or YYYYMMDD, local time)")
	f.StringVar(&until, "until", "", "only calls on or before `DATE` (YYYY-MM-DD or YYYYMMDD, local time)")
	return cmd
}

// checkPerDay rejects a negative --per-day.
func checkPerDay(n int64) error {
	if n < 0 {
		return badInput(fmt.Errorf("--per-day %d: want 0 or more conversations a day", n))
	}
	return nil
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
		return profile.Compare(a, b, args[0], args[1]).Write(stdout, format)
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
		return profile.Compare(a, b, name+" as logged", name+" with "+c.whatIf.String()).Write(stdout, format)
	}
	return badInput(fmt.Errorf("--compare wants two logs, or one log and what-if flags (--system, --tools, --drop-tool)"))
}

func newTune(stdout io.Writer) *cobra.Command {
	var c common
	var o profile.TuneOptions
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
			r, err := profile.Tune(src.Conversations, o)
			if errors.Is(err, profile.ErrUnpriced) {
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
			return profile.WriteTune(stdout, r)
		},
	}
	c.register(cmd)
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

func newProxy() *cobra.Command {
	var upstream, listen, out, prices string
	var budgets []string
	var tpm int64
	var redact, tui bool
	var team teamFlags
	cmd := &cobra.Command{
		Use:   "proxy --upstream URL",
		Short: "Pass an app's API calls through, recorded, tagged and budgeted",
		Long: "A thin proxy for OpenAI-compatible (/v1/chat/completions, /v1/responses; others passed through)\n" +
			"and Anthropic (/v1/messages) APIs: point the app's base URL at it. Every call is relayed unchanged\n" +
			"(streams chunk by chunk) and recorded as native JSONL that report and replay read; the header\n" +
			"X-Tokenscope-Tag: team=search,endpoint=/ask tags a call (and is not forwarded); budgets refuse\n" +
			"calls with HTTP 429 before they are sent. API keys are forwarded, never written.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			stderr := cmd.ErrOrStderr()
			if upstream == "" {
				return badInput(fmt.Errorf("--upstream is required, e.g. --upstream https://api.openai.com"))
			}
			table, err := priceTable(prices)
			if err != nil {
				return err
			}
			if tui && !isTerminal(cmd.OutOrStdout()) {
				return badInput(fmt.Errorf("--tui needs a terminal"))
			}
			cfg := proxy.Config{Upstream: upstream, Out: out, Prices: table, Redact: redact}
			if !tui { // the screen would be overwritten
				cfg.Warn = func(s string) { fmt.Fprintln(stderr, "tokenscope: warning: "+s) }
			}
			for _, b := range budgets {
				bb, err := proxy.ParseBudget(b)
				if err != nil {
					return badInput(fmt.Errorf("--budget: %w", err))
				}
				cfg.Budgets = append(cfg.Budgets, bb)
			}
			if tpm < 0 {
				return badInput(fmt.Errorf("--tpm %d: want a positive number of tokens", tpm))
			}
			if tpm > 0 {
				cfg.Budgets = append(cfg.Budgets, proxy.TokensPerMinute(tpm))
			}
			if cfg.Out == "" {
				if cfg.Out, err = proxy.DefaultOut(); err != nil {
					return badInput(fmt.Errorf("--out: %w", err))
				}
			}
			closeTeam, err := team.apply(&cfg, stderr)
			if err != nil {
				return err
			}
			defer closeTeam()
			p, err := proxy.New(cfg)
			if err != nil {
				return badInput(err)
			}
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				p.Close()
				return badInput(fmt.Errorf("--listen: %w", err))
			}
			if host, _, _ := net.SplitHostPort(listen); host == "" || !(host == "localhost" || net.ParseIP(host).IsLoopback()) {
				fmt.Fprintf(stderr, "tokenscope: warning: listening on %s, not only this machine\n", listen)
			}
			fmt.Fprintf(stderr, "tokenscope proxy: http://%s → %s, recording to %s\n", ln.Addr(), upstream, cfg.Out)
			fmt.Fprintf(stderr, "  OPENAI_BASE_URL=http://%s/v1   ANTHROPIC_BASE_URL=http://%s\n", ln.Addr(), ln.Addr())
			for _, s := range p.Budgets() {
				fmt.Fprintf(stderr, "  budget %s: %s\n", s.Spec, budgetLine(s))
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			srv := &http.Server{Handler: p, ReadHeaderTimeout: 30 * time.Second}
			go func() {
				<-ctx.Done()
				shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				srv.Shutdown(shut)
			}()
			if tui {
				// The conversations view on the log as it grows; quitting
				// it stops the proxy.
				served := make(chan error, 1)
				go func() { served <- srv.Serve(ln) }()
				uerr := ui.Run(ui.Config{Path: cfg.Out, Prices: table, Follow: time.Second})
				interrupted := ctx.Err() != nil // a signal ended the screen too
				stop()
				err = <-served
				if uerr != nil && !interrupted && errors.Is(err, http.ErrServerClosed) {
					err = uerr
				}
			} else {
				err = srv.Serve(ln)
			}
			cerr := p.Close()
			st := p.Stats()
			fmt.Fprintf(stderr, "tokenscope proxy: %d calls, %d refused; added latency p50 %s, p99 %s; calls in %s\n",
				st.Calls, st.Refused, st.P50, st.P99, cfg.Out)
			if !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return cerr
		},
	}
	f := cmd.Flags()
	f.StringVar(&upstream, "upstream", "", "the API's base `URL`: https://api.openai.com, https://api.anthropic.com, http://localhost:11434 …")
	f.StringVar(&listen, "listen", "127.0.0.1:8787", "`ADDR` to listen on (localhost unless told otherwise)")
	f.StringVar(&out, "out", "", "record calls to this `FILE.jsonl`, or to a file per day under this DIR (default: ~/.local/state/tokenscope/proxy)")
	f.StringArrayVar(&budgets, "budget", nil, "refuse calls past `USD/WINDOW` (50/day) or TAGS:USD/WINDOW (team=search:5/hour); window minute, hour, day, week or month (repeatable)")
	f.Int64Var(&tpm, "tpm", 0, "refuse calls past `N` tokens (input + output) a minute")
	f.BoolVar(&redact, "redact", false, "record counts and usage without message text")
	f.BoolVar(&tui, "tui", false, "open the conversations view on the calls as they are recorded")
	f.StringVar(&prices, "prices", "", "price `FILE` to extend the embedded table")
	team.register(cmd)
	return cmd
}

func budgetLine(s proxy.Status) string {
	if s.Err != nil {
		return "unknown: " + s.Err.Error()
	}
	if s.Max > 0 {
		return fmt.Sprintf("%d of %d tokens used, resets %s", s.Tokens, s.Max, s.Resets.Format(time.RFC3339))
	}
	return fmt.Sprintf("%s of %s spent, resets %s", s.Spent, s.Limit, s.Resets.Format(time.RFC3339))
}

func validOutput(f string) bool {
	for _, o := range append(report.Formats, "markdown") {
		if f == o {
			return true
		}
	}
	return false
}

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
				if err := profile.WriteChatCount(stdout, table, c.model, src); err != nil {
					return badInput(err)
				}
				return nil
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
			return profile.WriteCount(stdout, row, string(data))
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
			if err := profile.WritePrices(stdout, table, args); err != nil {
				return badInput(err)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&file, "prices", "", "price `FILE` to extend the embedded table")
	return cmd
}

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

// priceTable is the embedded table, extended by file when one is given.
func priceTable(file string) (*price.Table, error) {
	if file == "" {
		return price.Default(), nil
	}
	t, err := price.Load(file)
	if err != nil {
		return nil, badInput(err)
	}
	return t, nil
}
