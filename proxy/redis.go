package proxy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/logging"

	"github.com/tokenscope/tokenscope/profile/price"
)

// RedisOptions configure a RedisStore.
type RedisOptions struct {
	// URL is the server: redis://[user:password@]host:port/db, rediss://
	// for TLS (Redis or Valkey).
	URL string
	// HoldTTL is how long a reservation outlives the replica that made it:
	// a replica renews its holds every HoldTTL/3 while their calls run,
	// so a replica that dies frees them within HoldTTL. Default 30 s.
	HoldTTL time.Duration
	// Timeout bounds each operation (connecting included). Default 1 s.
	Timeout time.Duration
}

// RedisStore is a BudgetStore on a Redis or Valkey server, shared by every
// replica that names it: window spend and tokens, and every reservation of
// calls in flight, are changed only by server-side Lua scripts, so that a
// check and its reservation are one atomic step across replicas.
//
// Keys (all in the hash slot {tokenscope}):
//
//	{tokenscope}:w:ID:START  hash spent, tokens: a budget's window (ID: its kind, window, zone and tags)
//	{tokenscope}:r:ID        hash cost, tokens: what holds reserve on the budget
//	{tokenscope}:holds       sorted set: hold id by expiry (server time, ms)
//	{tokenscope}:holds:HOLD  hash cost, tokens, res: one hold and the reservation keys it is on
//
// Amounts are integers (pico-dollars, tokens) added with HINCRBY on their
// decimal strings; the scripts compare sums in two exact parts, never as
// floating point.
type RedisStore struct {
	c   *redis.Client
	ttl time.Duration

	mu      sync.Mutex
	live    map[string]bool // holds of calls still running, renewed
	pending []pendingSettle // settles the server did not take, retried
	stop    chan struct{}
	done    chan struct{}
	closed  sync.Once
}

// pendingSettle is a settle's script arguments, kept to be sent again.
type pendingSettle struct {
	keys []string
	args []any
}

// maxPending bounds the settles kept while the server is away.
const maxPending = 100_000

const holdsKey = "{tokenscope}:holds"

var quietRedis sync.Once

// NewRedisStore connects to the server at o.URL (it is not reached yet: a
// server that is down is a store that fails until it is up).
func NewRedisStore(o RedisOptions) (*RedisStore, error) {
	opt, err := redis.ParseURL(o.URL)
	if err != nil {
		return nil, fmt.Errorf("budget store %q: %w", o.URL, err)
	}
	if o.HoldTTL <= 0 {
		o.HoldTTL = 30 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = time.Second
	}
	// The client's own log would repeat, on stderr (or over --tui's
	// screen), every failed dial; the proxy warns once when the store goes
	// and once when it is back.
	quietRedis.Do(func() { redis.SetLogger(&logging.VoidLogger{}) })
	opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout = o.Timeout, o.Timeout, o.Timeout
	opt.MaxRetries = 1
	opt.ContextTimeoutEnabled = true
	s := &RedisStore{c: redis.NewClient(opt), ttl: o.HoldTTL, live: map[string]bool{}, stop: make(chan struct{}), done: make(chan struct{})}
	go s.loop()
	return s, nil
}

// Ping checks that the server answers.
func (s *RedisStore) Ping(ctx context.Context) error { return s.c.Ping(ctx).Err() }

// Close stops renewing holds and closes the connections. Holds of calls
// still running expire within HoldTTL.
func (s *RedisStore) Close() error {
	err := errors.New("budget store already closed")
	s.closed.Do(func() {
		close(s.stop)
		<-s.done
		err = s.c.Close()
	})
	return err
}

// loop renews the holds of calls in flight and sends settles kept while
// the server was away.
func (s *RedisStore) loop() {
	defer close(s.done)
	tick := time.NewTicker(s.ttl / 3)
	defer tick.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-tick.C:
			ctx, cancel := context.WithTimeout(context.Background(), s.ttl/3)
			s.renew(ctx)
			s.flush(ctx)
			cancel()
		}
	}
}

func (s *RedisStore) renew(ctx context.Context) {
	s.mu.Lock()
	args := []any{s.ttl.Milliseconds()}
	for id := range s.live {
		args = append(args, id)
	}
	s.mu.Unlock()
	if len(args) > 1 {
		renewScript().Run(ctx, s.c, []string{holdsKey}, args...)
	}
}

// flush sends the settles kept while the server was away, in order.
func (s *RedisStore) flush(ctx context.Context) error {
	for {
		s.mu.Lock()
		if len(s.pending) == 0 {
			s.mu.Unlock()
			return nil
		}
		p := s.pending[0]
		s.mu.Unlock()
		if err := settleScript().Run(ctx, s.c, p.keys, p.args...).Err(); err != nil && !errors.Is(err, redis.Nil) {
			return err
		}
		s.mu.Lock()
		s.pending = s.pending[1:]
		s.mu.Unlock()
	}
}

func windowKey(b *Budget, now time.Time) (key string, ttl time.Duration) {
	start, end := b.bounds(now)
	// Kept a window past its end, then dropped by the server.
	return "{tokenscope}:w:" + b.id() + ":" + strconv.FormatInt(start.Unix(), 10), end.Sub(now) + end.Sub(start)
}

func resKey(b *Budget) string { return "{tokenscope}:r:" + b.id() }

// Admit checks and reserves in one script on the server.
func (s *RedisStore) Admit(ctx context.Context, h *Hold, now time.Time) (int, Level, error) {
	var idb [16]byte
	rand.Read(idb[:])
	id := hex.EncodeToString(idb[:])
	keys := []string{holdsKey}
	args := []any{strconv.FormatInt(int64(h.Cost), 10), strconv.FormatInt(h.Tokens, 10), id, s.ttl.Milliseconds()}
	for _, b := range h.Budgets {
		wk, _ := windowKey(b, now)
		keys = append(keys, wk, resKey(b))
		if b.Tokens > 0 {
			args = append(args, "t", strconv.FormatInt(b.Tokens, 10))
		} else {
			args = append(args, "s", strconv.FormatInt(int64(b.Limit), 10))
		}
	}
	if err := s.flush(ctx); err != nil {
		return 0, Level{}, err
	}
	v, err := admitScript().Run(ctx, s.c, keys, args...).Slice()
	if err != nil {
		return 0, Level{}, fmt.Errorf("budget store: %w", err)
	}
	i, _ := v[0].(int64)
	if i == 0 {
		h.ID = id
		s.mu.Lock()
		s.live[id] = true
		s.mu.Unlock()
		return -1, Level{}, nil
	}
	l, err := levelOf(v[1:])
	return int(i) - 1, l, err
}

// levelOf reads spent, tokens, reserved cost and tokens from a script's
// reply (decimal strings).
func levelOf(v []any) (Level, error) {
	var n [4]int64
	for i := range n {
		s, _ := v[i].(string)
		var err error
		if n[i], err = strconv.ParseInt(s, 10, 64); err != nil {
			return Level{}, fmt.Errorf("budget store: reading %q: %w", s, err)
		}
	}
	return Level{Spent: price.Money(n[0]), Tokens: n[1], Reserved: price.Money(n[2]), ReservedTokens: n[3]}, nil
}

// Settle releases h and adds the call's bill in one script; a settle the
// server does not take is kept and sent when it is back.
func (s *RedisStore) Settle(ctx context.Context, h *Hold, cost price.Money, tokens int64, now time.Time) error {
	s.mu.Lock()
	delete(s.live, h.ID)
	s.mu.Unlock()
	p := pendingSettle{keys: []string{holdsKey}, args: []any{strconv.FormatInt(int64(cost), 10), strconv.FormatInt(tokens, 10), h.ID}}
	for _, b := range h.Budgets {
		wk, ttl := windowKey(b, now)
		p.keys = append(p.keys, wk)
		p.args = append(p.args, ttl.Milliseconds())
	}
	err := s.flush(ctx)
	if err == nil {
		err = settleScript().Run(ctx, s.c, p.keys, p.args...).Err()
		if errors.Is(err, redis.Nil) {
			err = nil
		}
	}
	if err != nil {
		s.mu.Lock()
		if len(s.pending) < maxPending {
			s.pending = append(s.pending, p)
		}
		s.mu.Unlock()
		return fmt.Errorf("budget store: %w", err)
	}
	return nil
}

// Levels reads every budget's level (expired holds dropped first).
func (s *RedisStore) Levels(ctx context.Context, bs []*Budget, now time.Time) ([]Level, error) {
	keys := []string{holdsKey}
	for _, b := range bs {
		wk, _ := windowKey(b, now)
		keys = append(keys, wk, resKey(b))
	}
	v, err := levelsScript().Run(ctx, s.c, keys).Slice()
	if err != nil {
		return nil, fmt.Errorf("budget store: %w", err)
	}
	out := make([]Level, len(bs))
	for i := range out {
		if out[i], err = levelOf(v[4*i:]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// luaCommon is the start of every script: exact sums, and dropping holds
// whose replica stopped renewing them.
const luaCommon = `
-- Redis before 5 replicates scripts, not effects, unless told: TIME is
-- not deterministic.
if redis.replicate_commands then redis.replicate_commands() end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- an integer's decimal string as hi * 1e6 + lo, both exact in a double
local function limbs(s)
  if not s then return 0, 0 end
  local neg = string.sub(s, 1, 1) == '-'
  if neg then s = string.sub(s, 2) end
  local n = string.len(s)
  local hi, lo = 0, tonumber(s)
  if n > 6 then hi, lo = tonumber(string.sub(s, 1, n - 6)), tonumber(string.sub(s, n - 5)) end
  if neg then return -hi, -lo end
  return hi, lo
end
-- a + b + c > limit, exactly
local function over(a, b, c, limit)
  local h1, l1 = limbs(a)
  local h2, l2 = limbs(b)
  local h3, l3 = limbs(c)
  local hl, ll = limbs(limit)
  local l = l1 + l2 + l3 - ll
  local h = h1 + h2 + h3 - hl + math.floor(l / 1000000)
  l = l % 1000000
  return h > 0 or (h == 0 and l > 0)
end
local function neg(s)
  if string.sub(s, 1, 1) == '-' then return string.sub(s, 2) end
  return '-' .. s
end
local function release(holds, id)
  local hk = holds .. ':' .. id
  local h = redis.call('HMGET', hk, 'cost', 'tokens', 'res')
  if h[3] then
    for rk in string.gmatch(h[3], '%S+') do
      redis.call('HINCRBY', rk, 'cost', neg(h[1]))
      redis.call('HINCRBY', rk, 'tokens', neg(h[2]))
    end
  end
  redis.call('DEL', hk)
  redis.call('ZREM', holds, id)
end
local function reap(holds, now)
  local ids = redis.call('ZRANGEBYSCORE', holds, '-inf', now, 'LIMIT', 0, 1000)
  for _, id in ipairs(ids) do release(holds, id) end
end
local function get(k, f)
  return redis.call('HGET', k, f) or '0'
end
`

// lazyScript hashes a script on first use, not at start: every command
// links the proxy, few run it (docs/performance.md, "Cold start").
func lazyScript(src string) func() *redis.Script {
	return sync.OnceValue(func() *redis.Script { return redis.NewScript(src) })
}

// admitScript: KEYS holds, then a window and a reservation key per
// budget; ARGV cost, tokens, hold id, hold TTL (ms), then a kind ("s"
// spend, "t" tokens) and limit per budget. It returns {0} when the hold is
// made, else {i, spent, tokens, reserved cost, reserved tokens} of the
// first budget i (1-based) it would pass.
var admitScript = lazyScript(luaCommon + `
local now = now_ms()
reap(KEYS[1], now)
local n = (#KEYS - 1) / 2
for i = 1, n do
  local wk, rk = KEYS[2 * i], KEYS[2 * i + 1]
  local kind, limit = ARGV[3 + 2 * i], ARGV[4 + 2 * i]
  local hit
  if kind == 't' then
    hit = over(get(wk, 'tokens'), get(rk, 'tokens'), ARGV[2], limit)
  else
    hit = over(get(wk, 'spent'), get(rk, 'cost'), ARGV[1], limit)
  end
  if hit then
    return {i, get(wk, 'spent'), get(wk, 'tokens'), get(rk, 'cost'), get(rk, 'tokens')}
  end
end
local res = {}
for i = 1, n do
  local rk = KEYS[2 * i + 1]
  redis.call('HINCRBY', rk, 'cost', ARGV[1])
  redis.call('HINCRBY', rk, 'tokens', ARGV[2])
  res[i] = rk
end
local hk = KEYS[1] .. ':' .. ARGV[3]
redis.call('HSET', hk, 'cost', ARGV[1], 'tokens', ARGV[2], 'res', table.concat(res, ' '))
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[3])
return {0}
`)

// settleScript: KEYS holds, then a window key per budget; ARGV cost,
// tokens, hold id ("" for none), then each window key's TTL (ms). A hold
// already gone (expired) is not released twice.
var settleScript = lazyScript(luaCommon + `
reap(KEYS[1], now_ms())
if ARGV[3] ~= '' then release(KEYS[1], ARGV[3]) end
for i = 2, #KEYS do
  redis.call('HINCRBY', KEYS[i], 'spent', ARGV[1])
  redis.call('HINCRBY', KEYS[i], 'tokens', ARGV[2])
  redis.call('PEXPIRE', KEYS[i], ARGV[2 + i])
end
return 0
`)

// renewScript: KEYS holds; ARGV TTL (ms), then the ids of holds still in
// flight; holds already dropped are not brought back.
var renewScript = lazyScript(luaCommon + `
local at = now_ms() + tonumber(ARGV[1])
for i = 2, #ARGV do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) then redis.call('ZADD', KEYS[1], 'XX', at, ARGV[i]) end
end
return 0
`)

// levelsScript: KEYS holds, then a window and a reservation key per
// budget; returns spent, tokens, reserved cost and tokens of each.
var levelsScript = lazyScript(luaCommon + `
reap(KEYS[1], now_ms())
local out = {}
for i = 2, #KEYS, 2 do
  local wk, rk = KEYS[i], KEYS[i + 1]
  table.insert(out, get(wk, 'spent'))
  table.insert(out, get(wk, 'tokens'))
  table.insert(out, get(rk, 'cost'))
  table.insert(out, get(rk, 'tokens'))
end
return out
`)
