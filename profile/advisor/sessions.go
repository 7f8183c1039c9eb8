package advisor

import (
	"cmp"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/price"
)

// SessionRollup is a Claude Code session with the subagents it ran: its
// bill includes theirs, shown apart.
type SessionRollup struct {
	Session string `json:"session"` // the session's id (its log's name)
	Path    string `json:"path"`    // the session's own log
	// Billed is what the reported usage of the session and its subagents
	// was billed; AgentsBilled the subagents' part.
	Billed       price.Money `json:"-"`
	AgentsBilled price.Money `json:"-"`
	BilledUSD    float64     `json:"billed_usd"`
	AgentsUSD    float64     `json:"subagents_billed_usd"`
	Agents       []AgentBill `json:"subagents"`
}

// AgentBill is one subagent's part of its session.
type AgentBill struct {
	ID        string      `json:"id"` // the conversation's id
	Calls     int         `json:"calls"`
	Billed    price.Money `json:"-"`
	BilledUSD float64     `json:"billed_usd"`
}

// Rollups groups r's Claude Code conversations by session: a subagent's
// log (<session>/subagents/agent-<id>.jsonl) or a sidechain thread of the
// session's own log (an id <session>/<agent>) joins its session. Only
// sessions with subagents are returned, the costliest first. Figures are
// the reported usage as billed (the first strategy's reported cost).
func Rollups(r *profile.Result) []SessionRollup {
	if r == nil || len(r.Strategies) == 0 {
		return nil
	}
	byKey := map[string]*SessionRollup{}
	var keys []string
	get := func(key, session string) *SessionRollup {
		s := byKey[key]
		if s == nil {
			s = &SessionRollup{Session: session, Path: key + ".jsonl"}
			byKey[key] = s
			keys = append(keys, key)
		}
		return s
	}
	convs := r.Strategies[0].Conversations
	for i, info := range r.Conversations {
		if i >= len(convs) {
			break
		}
		t := convs[i].Totals
		dir, file := filepath.Split(info.Path)
		base := strings.TrimSuffix(file, filepath.Ext(file))
		var key, session string
		agent := false
		switch {
		case filepath.Base(filepath.Clean(dir)) == "subagents":
			sessionDir := filepath.Dir(filepath.Clean(dir))
			key, session, agent = sessionDir, filepath.Base(sessionDir), true
		case strings.HasPrefix(info.ID, base+"/"):
			key, session, agent = filepath.Join(dir, base), base, true // a sidechain in the session's log
		default:
			key, session = filepath.Join(dir, base), base
		}
		s := get(key, session)
		s.Billed = s.Billed.Add(t.ReportedCost)
		if agent {
			s.AgentsBilled = s.AgentsBilled.Add(t.ReportedCost)
			s.Agents = append(s.Agents, AgentBill{ID: info.ID, Calls: t.Calls, Billed: t.ReportedCost, BilledUSD: t.ReportedCost.USD()})
		}
	}
	var out []SessionRollup
	for _, k := range keys {
		if s := byKey[k]; len(s.Agents) > 0 {
			s.BilledUSD, s.AgentsUSD = s.Billed.USD(), s.AgentsBilled.USD()
			out = append(out, *s)
		}
	}
	slices.SortStableFunc(out, func(a, b SessionRollup) int { return cmp.Compare(b.Billed, a.Billed) })
	return out
}
