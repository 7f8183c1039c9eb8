package proxy

import (
	"fmt"
	"maps"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts"
)

// Budget is a limit on spend (USD) or tokens in a fixed window of time,
// over every call or over the calls whose tags match. Windows are aligned
// to UTC: a day runs from 00:00 UTC, an hour from its start.
type Budget struct {
	Spec   string            // as given on the command line
	Match  map[string]string // tags a call must carry to count; nil: every call
	Limit  price.Money       // a spend budget; 0 for a token budget
	Tokens int64             // a token budget (input + output); 0 for a spend budget
	Window time.Duration     // time.Minute, time.Hour or 24 * time.Hour

	start    time.Time // the current window's start
	spent    price.Money
	tokens   int64
	reserved price.Money // estimates of calls in flight
	resTok   int64
}

var windows = map[string]time.Duration{
	"minute": time.Minute, "min": time.Minute, "m": time.Minute,
	"hour": time.Hour, "h": time.Hour,
	"day": 24 * time.Hour, "d": 24 * time.Hour,
}

// ParseBudget reads a --budget value: "USD/WINDOW" ("50/day", "$0.50/hour")
// or "TAGS:USD/WINDOW" ("team=search:5/hour", tags comma-separated, all
// required). WINDOW is minute, hour or day.
func ParseBudget(s string) (*Budget, error) {
	b := &Budget{Spec: s}
	rest := s
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		tags, err := transcripts.ParseTags(s[:i])
		if err != nil {
			return nil, fmt.Errorf("budget %q: %w", s, err)
		}
		if len(tags) == 0 {
			return nil, fmt.Errorf("budget %q: no tags before ':'", s)
		}
		b.Match, rest = tags, s[i+1:]
	}
	amount, window, ok := strings.Cut(rest, "/")
	if !ok {
		return nil, fmt.Errorf("budget %q: want USD/WINDOW, e.g. 50/day or team=search:5/hour", s)
	}
	w, ok := windows[strings.TrimSpace(window)]
	if !ok {
		return nil, fmt.Errorf("budget %q: window %q is not minute, hour or day", s, window)
	}
	b.Window = w
	limit, err := price.ParseUSD(strings.TrimPrefix(strings.TrimSpace(amount), "$"))
	if err != nil || limit <= 0 {
		return nil, fmt.Errorf("budget %q: amount %q is not a positive USD amount", s, amount)
	}
	b.Limit = limit
	return b, nil
}

// TokensPerMinute is the --tpm budget: n tokens (input + output) a minute
// over every call.
func TokensPerMinute(n int64) *Budget {
	return &Budget{Spec: "tpm " + strconv.FormatInt(n, 10), Tokens: n, Window: time.Minute}
}

func (b *Budget) matches(tags map[string]string) bool {
	for k, v := range b.Match {
		if got, ok := tags[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// roll starts a new window when now has left the current one.
func (b *Budget) roll(now time.Time) {
	start := now.UTC().Truncate(b.Window)
	if !start.Equal(b.start) && start.After(b.start) {
		b.start, b.spent, b.tokens = start, 0, 0
	}
}

func (b *Budget) windowName() string {
	switch b.Window {
	case time.Minute:
		return "minute"
	case time.Hour:
		return "hour"
	}
	return "day"
}

func (b *Budget) scope() string {
	if b.Match == nil {
		return "all calls"
	}
	return transcripts.TagString(b.Match)
}

// Refusal says why a call was refused.
type Refusal struct {
	Budget *Budget
	Resets time.Time
	Msg    string
}

// budgets is the set of budgets with their spend, safe for concurrent use.
type budgets struct {
	mu   sync.Mutex
	list []*Budget
}

// ticket is an admitted call's reservation, settled when it ends.
type ticket struct {
	in     []*Budget
	cost   price.Money
	tokens int64
}

// admit checks a call with estimated cost and tokens against every budget
// its tags fall under, and reserves the estimate while the call is in
// flight. A call is refused when spend so far in the window, calls in
// flight, and its estimate would pass a budget.
func (bs *budgets) admit(tags map[string]string, cost price.Money, tokens int64, now time.Time) (*ticket, *Refusal) {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	t := &ticket{cost: cost, tokens: tokens}
	for _, b := range bs.list {
		if !b.matches(tags) {
			continue
		}
		b.roll(now)
		resets := b.start.Add(b.Window)
		switch {
		case b.Tokens > 0 && b.tokens+b.resTok+tokens > b.Tokens:
			return nil, &Refusal{Budget: b, Resets: resets, Msg: fmt.Sprintf(
				"tokenscope budget %q (%d tokens per %s, %s) would be exceeded: %d used this %s%s, this call needs %d; resets at %s",
				b.Spec, b.Tokens, b.windowName(), b.scope(), b.tokens, b.windowName(), inFlight(b.resTok > 0, fmt.Sprint(b.resTok)), tokens, resets.Format(time.RFC3339))}
		case b.Limit > 0 && b.spent+b.reserved+cost > b.Limit:
			return nil, &Refusal{Budget: b, Resets: resets, Msg: fmt.Sprintf(
				"tokenscope budget %q (%s per %s, %s) would be exceeded: %s spent this %s%s, this call needs about %s; resets at %s",
				b.Spec, b.Limit, b.windowName(), b.scope(), b.spent, b.windowName(), inFlight(b.reserved > 0, b.reserved.String()), cost, resets.Format(time.RFC3339))}
		}
		t.in = append(t.in, b)
	}
	for _, b := range t.in {
		b.reserved += cost
		b.resTok += tokens
	}
	return t, nil
}

// inFlight names what calls in flight hold, when they hold any.
func inFlight(some bool, amount string) string {
	if !some {
		return ""
	}
	return " (" + amount + " more in flight)"
}

// settle releases t's reservation and adds what the call was billed.
func (bs *budgets) settle(t *ticket, cost price.Money, tokens int64, now time.Time) {
	if t == nil {
		return
	}
	bs.mu.Lock()
	defer bs.mu.Unlock()
	for _, b := range t.in {
		b.reserved -= t.cost
		b.resTok -= t.tokens
		b.roll(now)
		b.spent += cost
		b.tokens += tokens
	}
}

// replay adds a call already billed (read back from the log at start) to
// the budgets whose current window holds it.
func (bs *budgets) replay(tags map[string]string, cost price.Money, tokens int64, at, now time.Time) {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	for _, b := range bs.list {
		if !b.matches(tags) {
			continue
		}
		b.roll(now)
		if at.Before(b.start) || !at.Before(b.start.Add(b.Window)) {
			continue
		}
		b.spent += cost
		b.tokens += tokens
	}
}

// Status is one budget's state, for display.
type Status struct {
	Spec   string
	Spent  price.Money
	Limit  price.Money
	Tokens int64
	Max    int64
	Resets time.Time
}

// status returns every budget's state at now.
func (bs *budgets) status(now time.Time) []Status {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	var out []Status
	for _, b := range bs.list {
		b.roll(now)
		out = append(out, Status{Spec: b.Spec, Spent: b.spent, Limit: b.Limit, Tokens: b.tokens, Max: b.Tokens, Resets: b.start.Add(b.Window)})
	}
	return out
}

func cloneTags(t map[string]string) map[string]string {
	if t == nil {
		return nil
	}
	return maps.Clone(t)
}
