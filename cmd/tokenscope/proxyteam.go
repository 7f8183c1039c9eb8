package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/tokenscope/tokenscope/proxy"
)

// teamFlags are the proxy's flags for running it as a team: budgets shared
// between replicas and windows in a zone.
type teamFlags struct {
	store    string
	failOpen bool
	holdTTL  time.Duration
	tz       string
	otlp     string
	machine  string
	replica  string
}

func (t *teamFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&t.store, "budget-store", "", "share budgets and reservations between replicas through Redis or Valkey at `URL` (redis://host:6379/0, rediss:// for TLS); default: this process only")
	f.BoolVar(&t.failOpen, "budget-fail-open", false, "while the budget store cannot be reached, serve calls without budgets (default: refuse them with 503)")
	f.DurationVar(&t.holdTTL, "budget-hold-ttl", 30*time.Second, "a dead replica's reservations expire after `DURATION` in the budget store")
	f.StringVar(&t.otlp, "otlp-endpoint", "", "export every call as an OpenTelemetry GenAI span to the OTLP/HTTP collector at `URL` (http://host:4318)")
	f.StringVar(&t.machine, "machine", "", "name this machine `NAME` in the records and spans (default: the host name)")
	f.StringVar(&t.replica, "replica", "", "name this proxy `NAME` among the replicas on its machine (default: its process id)")
	f.StringVar(&t.tz, "tz", "UTC", "align budget windows (day, week from Monday, month) in time zone `NAME`, e.g. Europe/Berlin or Local")
}

// apply sets cfg's budget store, zone, names and span export; the
// returned function sends the spans still queued and closes the store.
func (t *teamFlags) apply(cfg *proxy.Config, stderr io.Writer) (func(), error) {
	loc, err := time.LoadLocation(t.tz)
	if err != nil {
		return nil, badInput(fmt.Errorf("--tz %q: %w", t.tz, err))
	}
	for _, b := range cfg.Budgets {
		b.Loc = loc
	}
	cfg.BudgetFailOpen = t.failOpen
	if t.machine == "" {
		t.machine, _ = os.Hostname()
	}
	if t.replica == "" {
		t.replica = strconv.Itoa(os.Getpid())
	}
	cfg.Machine, cfg.Replica = t.machine, t.replica
	var closers []func()
	done := func() {
		for _, c := range closers {
			c()
		}
	}
	if t.otlp != "" {
		spans, err := proxy.NewSpans(proxy.SpansOptions{Endpoint: t.otlp, Machine: t.machine, Replica: t.replica})
		if err != nil {
			return nil, badInput(err)
		}
		cfg.Spans = spans
		closers = append(closers, func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := spans.Shutdown(ctx); err != nil {
				fmt.Fprintf(stderr, "tokenscope: warning: spans not all sent to %s: %v\n", t.otlp, err)
			}
		})
	}
	if t.store == "" {
		return done, nil
	}
	if t.holdTTL < time.Second {
		return nil, badInput(fmt.Errorf("--budget-hold-ttl %s: want a second or more", t.holdTTL))
	}
	s, err := proxy.NewRedisStore(proxy.RedisOptions{URL: t.store, HoldTTL: t.holdTTL})
	if err != nil {
		return nil, badInput(fmt.Errorf("--budget-store: %w", err))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.Ping(ctx); err != nil {
		policy := "budgeted calls are refused until it answers"
		if t.failOpen {
			policy = "calls are served without budgets until it answers"
		}
		fmt.Fprintf(stderr, "tokenscope: warning: budget store %s does not answer (%v): %s\n", t.store, err, policy)
	}
	cfg.BudgetStore = s
	closers = append(closers, func() { s.Close() })
	return done, nil
}
