package main

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strings"

	"github.com/tokenscope/tokenscope/profile/strategy"

	"github.com/spf13/cobra"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts"
)

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
	f.StringArrayVar(&c.strategies, "strategy", nil, "strategy `SPEC` to simulate (repeatable; default: "+strings.Join(strategy.Defaults, ", ")+"; on agent logs window:tokens, clear and compact replace window:turns and summary)")
	f.StringVar(&c.inputFormat, "input-format", "auto", "input `FORMAT`: auto, "+strings.Join(transcripts.Formats(), ", "))
	f.StringSliceVar(&c.ragTags, "rag-tag", transcripts.DefaultRAGRule().Tags, "content inside <NAME>…</NAME> counts as retrieved context")
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
		if strategies, err = strategy.ParseAll(prep.DefaultStrategies()); err != nil {
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
		if opt.Strategies, err = strategy.ParseAll(strategy.DefaultsFor(src.Conversations)); err != nil {
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
	var strategies []*strategy.Strategy
	if len(c.strategies) > 0 {
		if strategies, err = strategy.ParseAll(c.strategies); err != nil {
			return profile.Options{}, badInput(err)
		}
	}
	return profile.Options{Prices: table, Model: c.model, Strategies: strategies, AssumeOutput: c.assumeOutput}, nil
}

// checkPerDay rejects a negative --per-day.
func checkPerDay(n int64) error {
	if n < 0 {
		return badInput(fmt.Errorf("--per-day %d: want 0 or more conversations a day", n))
	}
	return nil
}

// priceTable is the embedded table, with the LiteLLM file `tokenscope
// prices update` fetched read over it when there is one, extended by file
// when one is given.
func priceTable(file string) (*price.Table, error) {
	base := price.Default()
	if dir, err := price.CacheDir(); err == nil {
		if base, err = price.Cached(dir); err != nil {
			return nil, badInput(err)
		}
	}
	if file == "" {
		return base, nil
	}
	t, err := price.LoadOver(base, file)
	if err != nil {
		return nil, badInput(err)
	}
	return t, nil
}
