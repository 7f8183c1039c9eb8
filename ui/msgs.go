package ui

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/profile/strategy"
	"github.com/tokenscope/tokenscope/transcripts"
)

// computedMsg carries a recompute's result, stamped with the generation
// that asked for it so that a stale answer is dropped.
type computedMsg struct {
	gen  int
	all  bool // for the conversations page
	res  *profile.Result
	err  error
	took time.Duration
}

// compute runs the engine off the event loop. Its inputs are copies: the
// closure reads nothing of the model but prep, which guards itself and
// keeps the conversations prepared so that only changed strategies are
// simulated again.
func compute(gen int, all bool, prep *prepCache, convs []*transcripts.Conversation, prices *price.Table, model string, specs []string) tea.Cmd {
	return runStrategies(gen, all, specs, func(strategies []*strategy.Strategy) (*profile.Prepared, []*strategy.Strategy, error) {
		if len(strategies) == 0 {
			strategies, _ = strategy.ParseAll(strategy.DefaultsFor(convs))
		}
		p, err := prep.prepared(convs, prices, model, strategies)
		return p, strategies, err
	})
}

// runStrategies parses specs and runs them on what prepare gives for
// them, off the event loop, into a computedMsg of generation gen.
func runStrategies(gen int, all bool, specs []string, prepare func([]*strategy.Strategy) (*profile.Prepared, []*strategy.Strategy, error)) tea.Cmd {
	specs = append([]string(nil), specs...)
	return func() tea.Msg {
		start := time.Now()
		strategies, err := strategy.ParseAll(specs)
		var p *profile.Prepared
		if err == nil {
			p, strategies, err = prepare(strategies)
		}
		if err != nil {
			return computedMsg{gen: gen, all: all, err: err}
		}
		res, err := p.Run(strategies)
		return computedMsg{gen: gen, all: all, res: res, err: err, took: time.Since(start)}
	}
}

// tickMsg advances playback.
type tickMsg struct{ gen int }

func tick(gen int, every time.Duration) tea.Cmd {
	return tea.Tick(every, func(time.Time) tea.Msg { return tickMsg{gen} })
}
