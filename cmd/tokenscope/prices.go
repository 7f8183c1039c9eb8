package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/tokenscope/tokenscope/profile/price"
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
	cmd.AddCommand(newPricesUpdate(stdout))
	return cmd
}

// maxPriceFile bounds what `prices update` reads (LiteLLM's file is about
// 1.6 MB in late 2026).
const maxPriceFile = 64 << 20

// newPricesUpdate fetches LiteLLM's price file into the user cache
// directory, on the user's request only: nothing else fetches it.
func newPricesUpdate(stdout io.Writer) *cobra.Command {
	var url string
	cmd := &cobra.Command{
		Use:   "update",
		Short: "Fetch LiteLLM's current price file into the user cache directory; later runs price with it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := price.CacheDir()
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 2*time.Minute)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if err != nil {
				return badInput(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return fmt.Errorf("prices update: %w", err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("prices update: %s answered %s", url, resp.Status)
			}
			data, err := io.ReadAll(io.LimitReader(resp.Body, maxPriceFile+1))
			if err != nil {
				return fmt.Errorf("prices update: %w", err)
			}
			if len(data) > maxPriceFile {
				return fmt.Errorf("prices update: %s sent more than %d MiB", url, maxPriceFile>>20)
			}
			t, err := price.StoreLiteLLM(dir, data, url, time.Now())
			if err != nil {
				return fmt.Errorf("prices update: %w", err)
			}
			fmt.Fprintf(stdout, "%d models; table %q dated %s, kept in %s\n", len(t.Models), t.Source, t.Date, dir)
			return nil
		},
	}
	cmd.Flags().StringVar(&url, "url", price.LiteLLMURL, "where to fetch LiteLLM's model_prices_and_context_window.json from")
	return cmd
}
