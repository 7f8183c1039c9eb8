package ui

import (
	"fmt"
	"os"
	"strings"

	"github.com/tokenscope/tokenscope/profile/strategy"

	tea "charm.land/bubbletea/v2"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts"
	"github.com/tokenscope/tokenscope/transcripts/live"
)

// systemMsg is the outcome of :system FILE: the prompt swapped in, and
// what it changes — the next call's input (with an empty message) and the
// session so far re-costed with the new prompt, both under "full".
type systemMsg struct {
	path                      string
	tokens                    int64 // the new prompt's tokens, as the next call counts them
	nextBefore, nextAfter     price.Money
	sessionBefore, sessionNow price.Money
	err                       error
}

// systemCmd reads path, prices the change, then swaps the prompt in s:
// all off the event loop (it reads a file and writes the log).
func systemCmd(s *live.Session, prices *price.Table, model, path string) tea.Cmd {
	return func() tea.Msg {
		data, err := os.ReadFile(path)
		if err != nil {
			return systemMsg{path: path, err: err}
		}
		text := strings.TrimRight(string(data), "\n")
		conv := s.Conversation()
		pending := s.Pending("")
		edited := transcripts.WithSystem([]*transcripts.Conversation{conv, pending}, text)
		full, _ := strategy.Parse("full")
		cost := func(c *transcripts.Conversation) (total, last price.Money, in int64, err error) {
			res, err := profile.Run([]*transcripts.Conversation{c}, profile.Options{Prices: prices, Model: model, Strategies: []*strategy.Strategy{full}})
			if err != nil {
				return 0, 0, 0, err
			}
			calls := res.Strategies[0].Calls()
			if len(calls) == 0 || res.Model == nil {
				return res.Strategies[0].Totals.Cost, 0, 0, nil
			}
			lc := calls[len(calls)-1]
			r := res.Model.RatesFor(lc.Input.Total())
			return res.Strategies[0].Totals.Cost, r.Input.Cost(lc.Input.Total()), lc.Input.System, nil
		}
		msg := systemMsg{path: path}
		if msg.sessionBefore, _, _, err = cost(conv); err == nil {
			msg.sessionNow, _, _, err = cost(edited[0])
		}
		if err == nil {
			_, msg.nextBefore, _, err = cost(pending)
		}
		if err == nil {
			_, msg.nextAfter, msg.tokens, err = cost(edited[1])
		}
		if err != nil {
			return systemMsg{path: path, err: err}
		}
		if err := s.SetSystem(text); err != nil {
			return systemMsg{path: path, err: err}
		}
		return msg
	}
}

// notice is what the chat shows after :system.
func (s systemMsg) notice() string {
	if s.err != nil {
		return "error: :system: " + oneLine(s.err.Error())
	}
	return fmt.Sprintf("system prompt ← %s (%s tokens) · next call's input %s → %s · this session so far %s → %s with it",
		s.path, formatInt(s.tokens), s.nextBefore, s.nextAfter, s.sessionBefore, s.sessionNow)
}
