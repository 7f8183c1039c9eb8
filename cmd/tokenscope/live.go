package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/tokenscope/tokenscope/profile/strategy"

	"github.com/spf13/cobra"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts/live"
	"github.com/tokenscope/tokenscope/ui"
)

// newLive is `tokenscope live`: chat with an OpenAI-compatible server, the cost of each call as it grows.
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
			strategies, err := strategy.ParseAll(c.strategies)
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
