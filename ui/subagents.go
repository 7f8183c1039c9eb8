package ui

import (
	"fmt"
	"path"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/tokenscope/tokenscope/profile"
	advice "github.com/tokenscope/tokenscope/profile/advisor"
)

// agentRollups are the Claude Code sessions of a result that ran
// subagents (advice.Rollups), keyed by the index of the session's own
// conversation: the list's footer and the session page show its
// subagents apart from that row. unpriced: no call has a price, so the
// rollups carry no money.
type agentRollups struct {
	byConv   map[int]advice.SessionRollup
	unpriced bool
}

// newAgentRollups finds each rollup's own conversation: the one logged in
// the session's file that is not one of its agents.
func newAgentRollups(res *profile.Result) agentRollups {
	rs := advice.Rollups(res)
	if len(rs) == 0 {
		return agentRollups{}
	}
	out := agentRollups{byConv: map[int]advice.SessionRollup{}, unpriced: profile.AllUnpriced(res)}
	for _, s := range rs {
		agents := map[string]bool{}
		for _, a := range s.Agents {
			agents[a.ID] = true
		}
		for i, info := range res.Conversations {
			if info.Path == s.Path && !agents[info.ID] {
				out.byConv[i] = s
				break
			}
		}
	}
	return out
}

// listLine is the list's footer for a parent session's row (id): its bill
// with its subagents', and their part apart, in the longest wording that
// fits in w so that no figure is cut.
func (a agentRollups) listLine(conv int, id string, w int) (string, bool) {
	s, ok := a.byConv[conv]
	if !ok {
		return "", false
	}
	agents := plural(len(s.Agents), "agent")
	if a.unpriced {
		return fmt.Sprintf("%s with subagents: %s, unpriced", id, agents), true
	}
	long := fmt.Sprintf("with subagents %s, of which subagents %s, %s", s.Billed, s.AgentsBilled, agents)
	for _, line := range []string{id + " " + long, long} {
		if lipgloss.Width(line) <= w {
			return line, true
		}
	}
	return fmt.Sprintf("subagents %s of %s, %s", s.AgentsBilled, s.Billed, agents), true
}

// sessionLine lists a parent session's subagents with their own calls and
// bill, for the session page, as many as fit in w.
func (a agentRollups) sessionLine(conv, w int) (string, bool) {
	s, ok := a.byConv[conv]
	if !ok {
		return "", false
	}
	head := fmt.Sprintf("subagents %s of %s:", s.AgentsBilled, s.Billed)
	if a.unpriced {
		head = "subagents (unpriced):"
	}
	var parts []string
	for _, ag := range s.Agents {
		p := fmt.Sprintf("%s %s", printableName(strings.TrimPrefix(path.Base(ag.ID), "agent-"), 24), plural(ag.Calls, "call"))
		if !a.unpriced {
			p += " " + ag.Billed.String()
		}
		parts = append(parts, p)
	}
	line := head
	for i, p := range parts {
		sep := " · "
		if i == 0 {
			sep = " "
		}
		more := ""
		if i < len(parts)-1 {
			more = fmt.Sprintf(" · +%d more", len(parts)-1-i)
		}
		if len([]rune(line+sep+p+more)) > w && i > 0 {
			line += fmt.Sprintf(" · +%d more", len(parts)-i)
			break
		}
		line += sep + p
	}
	return strings.TrimSpace(line), true
}

// rollupOf is one conversation's place in the rollups: the session page
// lists its subagents when it ran some.
type rollupOf struct {
	rollups agentRollups
	conv    int // the conversation's index in the result
	ok      bool
}

// agentsLine is the session page's line listing the open session's
// subagents; false when the open conversation ran none (or the page is
// live, where the chat takes the room).
func (p sessionPage) agentsLine() (string, bool) {
	if p.c.cfg.Live != nil || p.open < 0 || !p.agents.ok {
		return "", false
	}
	line, ok := p.agents.rollups.sessionLine(p.agents.conv, p.c.width)
	if !ok {
		return "", false
	}
	return p.c.st.dim.Render(line), true
}
