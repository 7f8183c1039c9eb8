package proxy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts"
)

// Budget is a limit on spend (USD) or tokens in a window of time, over
// every call or over the calls whose tags match. Windows are aligned in
// Loc (UTC when nil): a minute and an hour from their start, a day from
// midnight, a week from Monday 00:00, a month from the 1st at 00:00.
type Budget struct {
	Spec   string            // as given on the command line
	Match  map[string]string // tags a call must carry to count; nil: every call
	Limit  price.Money       // a spend budget; 0 for a token budget
	Tokens int64             // a token budget (input + output); 0 for a spend budget
	Window Window
	Loc    *time.Location // the zone windows are aligned in; nil: UTC
}

// Window is the period a budget's spend or tokens are counted over.
type Window string

// The windows a budget can have.
const (
	Minute Window = "minute"
	Hour   Window = "hour"
	Day    Window = "day"
	Week   Window = "week"
	Month  Window = "month"
)

var windows = map[string]Window{
	"minute": Minute, "min": Minute, "m": Minute,
	"hour": Hour, "h": Hour,
	"day": Day, "d": Day,
	"week": Week, "w": Week,
	"month": Month, "mo": Month,
}

// ParseBudget reads a --budget value: "USD/WINDOW" ("50/day", "$0.50/hour")
// or "TAGS:USD/WINDOW" ("team=search:5/hour", tags comma-separated, all
// required). WINDOW is minute, hour, day, week or month.
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
		return nil, fmt.Errorf("budget %q: window %q is not minute, hour, day, week or month", s, window)
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
	return &Budget{Spec: "tpm " + strconv.FormatInt(n, 10), Tokens: n, Window: Minute}
}

func (b *Budget) matches(tags map[string]string) bool {
	for k, v := range b.Match {
		if got, ok := tags[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// bounds is the window holding now: [start, end).
func (b *Budget) bounds(now time.Time) (start, end time.Time) {
	loc := b.Loc
	if loc == nil {
		loc = time.UTC
	}
	t := now.In(loc)
	y, mo, d := t.Date()
	switch b.Window {
	case Minute:
		start = time.Date(y, mo, d, t.Hour(), t.Minute(), 0, 0, loc)
		return start, start.Add(time.Minute)
	case Hour:
		start = time.Date(y, mo, d, t.Hour(), 0, 0, 0, loc)
		return start, start.Add(time.Hour)
	case Week:
		// ISO weeks start on Monday.
		back := (int(t.Weekday()) + 6) % 7
		start = time.Date(y, mo, d-back, 0, 0, 0, 0, loc)
		return start, time.Date(y, mo, d-back+7, 0, 0, 0, 0, loc)
	case Month:
		return time.Date(y, mo, 1, 0, 0, 0, 0, loc), time.Date(y, mo+1, 1, 0, 0, 0, 0, loc)
	}
	// Days by the calendar, so that a day with a DST change is 23 or 25 hours.
	return time.Date(y, mo, d, 0, 0, 0, 0, loc), time.Date(y, mo, d+1, 0, 0, 0, 0, loc)
}

// id names what the budget counts, the same on every replica: its kind,
// window, zone and tags (not its limit: two replicas with different limits
// on the same calls share one count).
func (b *Budget) id() string {
	kind := "usd"
	if b.Tokens > 0 {
		kind = "tokens"
	}
	loc := "UTC"
	if b.Loc != nil {
		loc = b.Loc.String()
	}
	h := sha256.Sum256([]byte(kind + "\x00" + string(b.Window) + "\x00" + loc + "\x00" + transcripts.TagString(b.Match)))
	return hex.EncodeToString(h[:8])
}

func (b *Budget) scope() string {
	if b.Match == nil {
		return "all calls"
	}
	return transcripts.TagString(b.Match)
}

// Level is what a budget holds in its current window: billed spend and
// tokens, and the estimates of calls in flight.
type Level struct {
	Spent          price.Money
	Tokens         int64
	Reserved       price.Money
	ReservedTokens int64
}

// over reports whether a call needing cost and tokens would pass b.
func (b *Budget) over(l Level, cost price.Money, tokens int64) bool {
	if b.Tokens > 0 {
		return l.Tokens+l.ReservedTokens+tokens > b.Tokens
	}
	return b.Limit > 0 && l.Spent.Add(l.Reserved).Add(cost) > b.Limit
}

// Hold is an admitted call's reservation on the budgets it falls under.
type Hold struct {
	ID      string // the store's name for it; "" when nothing is held (a store that could not be reached)
	Budgets []*Budget
	Cost    price.Money
	Tokens  int64
}

// BudgetStore keeps what each budget has spent in its current window and
// what calls in flight hold. The default keeps it in this process
// (NewMemoryStore); a RedisStore shares it between replicas.
type BudgetStore interface {
	// Admit reserves h's cost and tokens on every budget of h, unless one
	// of them would pass its limit: then nothing is reserved and the index
	// of that budget in h.Budgets is returned with its level. It returns
	// -1 when the call is admitted, and sets h.ID.
	Admit(ctx context.Context, h *Hold, now time.Time) (refused int, l Level, err error)
	// Settle releases h and adds what the call was billed to the windows
	// of h's budgets that hold now.
	Settle(ctx context.Context, h *Hold, cost price.Money, tokens int64, now time.Time) error
	// Levels returns each budget's level at now.
	Levels(ctx context.Context, bs []*Budget, now time.Time) ([]Level, error)
}

// memoryStore is the embedded store: one process's budgets.
type memoryStore struct {
	mu sync.Mutex
	st map[*Budget]*memLevel
}

type memLevel struct {
	Level
	start time.Time // the window the spend belongs to
}

// NewMemoryStore returns the embedded store, which keeps budgets in this
// process only.
func NewMemoryStore() BudgetStore { return &memoryStore{st: map[*Budget]*memLevel{}} }

// level returns b's state with its window rolled to now's.
func (m *memoryStore) level(b *Budget, now time.Time) *memLevel {
	l := m.st[b]
	if l == nil {
		l = &memLevel{}
		m.st[b] = l
	}
	if start, _ := b.bounds(now); start.After(l.start) {
		l.start, l.Spent, l.Tokens = start, 0, 0
	}
	return l
}

func (m *memoryStore) Admit(_ context.Context, h *Hold, now time.Time) (int, Level, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, b := range h.Budgets {
		if l := m.level(b, now); b.over(l.Level, h.Cost, h.Tokens) {
			return i, l.Level, nil
		}
	}
	for _, b := range h.Budgets {
		l := m.st[b]
		l.Reserved = l.Reserved.Add(h.Cost)
		l.ReservedTokens += h.Tokens
	}
	h.ID = "mem"
	return -1, Level{}, nil
}

func (m *memoryStore) Settle(_ context.Context, h *Hold, cost price.Money, tokens int64, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, b := range h.Budgets {
		l := m.level(b, now)
		if h.ID != "" {
			l.Reserved = l.Reserved.Add(-h.Cost)
			l.ReservedTokens -= h.Tokens
		}
		l.Spent = l.Spent.Add(cost)
		l.Tokens += tokens
	}
	return nil
}

func (m *memoryStore) Levels(_ context.Context, bs []*Budget, now time.Time) ([]Level, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Level, len(bs))
	for i, b := range bs {
		out[i] = m.level(b, now).Level
	}
	return out, nil
}

// add counts a call already billed at `at` (read back from the log) in the
// budget windows open at now that hold it.
func (m *memoryStore) add(bs []*Budget, cost price.Money, tokens int64, at, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, b := range bs {
		l := m.level(b, now)
		if _, end := b.bounds(now); at.Before(l.start) || !at.Before(end) {
			continue
		}
		l.Spent = l.Spent.Add(cost)
		l.Tokens += tokens
	}
}

// Refusal says why a call was refused.
type Refusal struct {
	Budget *Budget // nil when the budget store could not be reached
	Resets time.Time
	Msg    string
}

// spec names what refused the call in its record.
func (r *Refusal) spec() string {
	if r.Budget == nil {
		return "budget store"
	}
	return r.Budget.Spec
}

// status is the HTTP status of the refusal: 429 over a budget, 503 when
// the budget store is out of reach.
func (r *Refusal) status() int {
	if r.Budget == nil {
		return 503
	}
	return 429
}

// errType is the error type of the refusal's body.
func (r *Refusal) errType() string {
	if r.Budget == nil {
		return "budget_store_unavailable"
	}
	return "budget_exceeded"
}

// budgets checks calls against the budgets through a store, safe for
// concurrent use.
type budgets struct {
	list     []*Budget
	store    BudgetStore
	failOpen bool
	timeout  time.Duration
	warn     func(string)

	mu       sync.Mutex
	down     bool      // the last store operation failed
	lastFail time.Time // when; within storeRetry calls do not wait on the store
}

// storeRetry is how long after a failed store operation calls are decided
// without trying the store again, so that an unreachable store costs each
// call no time-out.
const storeRetry = time.Second

func newBudgets(cfg Config) *budgets {
	bs := &budgets{list: cfg.Budgets, store: cfg.BudgetStore, failOpen: cfg.BudgetFailOpen, timeout: 2 * time.Second, warn: cfg.Warn}
	if bs.store == nil {
		bs.store = NewMemoryStore()
	}
	return bs
}

// ticket is an admitted call's reservation, settled when it ends.
type ticket struct{ hold *Hold }

// usable says whether to try the store now, or decide without it.
func (bs *budgets) usable(now time.Time) bool {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	return !bs.down || now.Sub(bs.lastFail) >= storeRetry || now.Before(bs.lastFail)
}

// noteStore records the outcome of a store operation, warning when the
// store goes away and when it comes back.
func (bs *budgets) noteStore(err error) {
	bs.mu.Lock()
	was := bs.down
	bs.down = err != nil
	if err != nil {
		bs.lastFail = time.Now()
	}
	bs.mu.Unlock()
	switch {
	case bs.warn == nil || was == (err != nil):
	case err != nil && bs.failOpen:
		bs.warn("budget store unreachable, serving calls without budgets (fail open): " + err.Error())
	case err != nil:
		bs.warn("budget store unreachable, refusing budgeted calls (fail closed): " + err.Error())
	default:
		bs.warn("budget store reachable again")
	}
}

// errStoreDown stands for a store operation not tried because the store
// failed less than storeRetry ago.
var errStoreDown = fmt.Errorf("budget store unreachable")

// admit checks a call with estimated cost and tokens against every budget
// its tags fall under, and reserves the estimate while the call is in
// flight. A call is refused when spend so far in the window, calls in
// flight, and its estimate would pass a budget.
func (bs *budgets) admit(tags map[string]string, cost price.Money, tokens int64, now time.Time) (*ticket, *Refusal) {
	h := &Hold{Cost: cost, Tokens: tokens}
	for _, b := range bs.list {
		if b.matches(tags) {
			h.Budgets = append(h.Budgets, b)
		}
	}
	if len(h.Budgets) == 0 {
		return &ticket{hold: h}, nil
	}
	i, l, err := -1, Level{}, errStoreDown
	if bs.usable(time.Now()) {
		ctx, cancel := context.WithTimeout(context.Background(), bs.timeout)
		i, l, err = bs.store.Admit(ctx, h, now)
		cancel()
		bs.noteStore(err)
	}
	if err != nil {
		h.ID = ""
		if bs.failOpen {
			return &ticket{hold: h}, nil
		}
		return nil, &Refusal{Resets: now.Add(storeRetry), Msg: "tokenscope budget store unreachable, so the call cannot be budgeted and is refused: " + err.Error()}
	}
	if i < 0 {
		return &ticket{hold: h}, nil
	}
	return nil, refusal(h.Budgets[i], l, cost, tokens, now)
}

// refusal is the message of a call refused by b at level l.
func refusal(b *Budget, l Level, cost price.Money, tokens int64, now time.Time) *Refusal {
	_, resets := b.bounds(now)
	w := string(b.Window)
	if b.Tokens > 0 {
		return &Refusal{Budget: b, Resets: resets, Msg: fmt.Sprintf(
			"tokenscope budget %q (%d tokens per %s, %s) would be exceeded: %d used this %s%s, this call needs %d; resets at %s",
			b.Spec, b.Tokens, w, b.scope(), l.Tokens, w, inFlight(l.ReservedTokens > 0, fmt.Sprint(l.ReservedTokens)), tokens, resets.Format(time.RFC3339))}
	}
	return &Refusal{Budget: b, Resets: resets, Msg: fmt.Sprintf(
		"tokenscope budget %q (%s per %s, %s) would be exceeded: %s spent this %s%s, this call needs about %s; resets at %s",
		b.Spec, b.Limit, w, b.scope(), l.Spent, w, inFlight(l.Reserved > 0, l.Reserved.String()), cost, resets.Format(time.RFC3339))}
}

// inFlight names what calls in flight hold, when they hold any.
func inFlight(some bool, amount string) string {
	if !some {
		return ""
	}
	return " (" + amount + " more in flight)"
}

// settle releases t's reservation and adds what the call was billed. A
// store that cannot be reached keeps what it could not write and writes
// it when it returns (RedisStore).
func (bs *budgets) settle(t *ticket, cost price.Money, tokens int64, now time.Time) {
	if t == nil || len(t.hold.Budgets) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), bs.timeout)
	defer cancel()
	bs.noteStore(bs.store.Settle(ctx, t.hold, cost, tokens, now))
}

// replay adds a call already billed (read back from the log at start) to
// the budgets whose current window holds it. Only the embedded store is
// rebuilt from the log: a shared store keeps its own state.
func (bs *budgets) replay(tags map[string]string, cost price.Money, tokens int64, at, now time.Time) {
	m, ok := bs.store.(*memoryStore)
	if !ok {
		return
	}
	var in []*Budget
	for _, b := range bs.list {
		if b.matches(tags) {
			in = append(in, b)
		}
	}
	m.add(in, cost, tokens, at, now)
}

// Status is one budget's state, for display.
type Status struct {
	Spec   string
	Spent  price.Money
	Limit  price.Money
	Tokens int64
	Max    int64
	Resets time.Time
	Err    error // the store could not be read: Spent and Tokens are unknown
}

// status returns every budget's state at now.
func (bs *budgets) status(now time.Time) []Status {
	ctx, cancel := context.WithTimeout(context.Background(), bs.timeout)
	defer cancel()
	levels, err := bs.store.Levels(ctx, bs.list, now)
	var out []Status
	for i, b := range bs.list {
		_, resets := b.bounds(now)
		s := Status{Spec: b.Spec, Limit: b.Limit, Max: b.Tokens, Resets: resets, Err: err}
		if err == nil {
			s.Spent, s.Tokens = levels[i].Spent, levels[i].Tokens
		}
		out = append(out, s)
	}
	return out
}

func cloneTags(t map[string]string) map[string]string {
	if t == nil {
		return nil
	}
	return maps.Clone(t)
}
