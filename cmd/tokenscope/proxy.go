package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/tokenscope/tokenscope/proxy"
	"github.com/tokenscope/tokenscope/ui"
)

// newProxy is `tokenscope proxy`: the HTTP proxy that counts, prices, budgets and records calls.
func newProxy() *cobra.Command {
	var upstream, listen, out, prices string
	var budgets []string
	var tpm int64
	var redact, tui bool
	var drain, headerTimeout time.Duration
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
			if drain < 0 || headerTimeout < 0 {
				return badInput(fmt.Errorf("--drain and --upstream-timeout want a duration such as 30s"))
			}
			cfg := proxy.Config{Upstream: upstream, Out: out, Prices: table, Redact: redact, HeaderTimeout: headerTimeout}
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
			// SIGINT/SIGTERM: stop accepting, let calls in flight finish
			// (up to --drain) and record them, then close the log. Caught
			// from before the port is open.
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
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
			if tui {
				// The conversations view on the log as it grows; quitting
				// it stops the proxy.
				served := make(chan error, 1)
				go func() { served <- p.Serve(ctx, ln, drain) }()
				uerr := ui.Run(ui.Config{Path: cfg.Out, Prices: table, Follow: time.Second})
				interrupted := ctx.Err() != nil // a signal ended the screen too
				stop()
				err = <-served
				if uerr != nil && !interrupted && err == nil {
					err = uerr
				}
			} else {
				err = p.Serve(ctx, ln, drain)
			}
			st := p.Stats()
			fmt.Fprintf(stderr, "tokenscope proxy: %d calls, %d refused; added latency p50 %s, p99 %s; calls in %s\n",
				st.Calls, st.Refused, st.P50, st.P99, cfg.Out)
			return err
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
	f.DurationVar(&drain, "drain", proxy.DefaultDrain, "on SIGINT/SIGTERM, let calls in flight finish for up to `DURATION`, then cut and record them")
	f.DurationVar(&headerTimeout, "upstream-timeout", proxy.DefaultHeaderTimeout, "fail a call with 504 when the upstream sends no response headers within `DURATION`")
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
