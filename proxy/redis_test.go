//go:build linux

package proxy

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/profile/tokenize"
	"github.com/tokenscope/tokenscope/transcripts"
)

// redisServer is a redis-server started for one test on a free localhost
// port, saving its data to a temporary directory on shutdown so that a
// restart brings it back.
type redisServer struct {
	t    *testing.T
	bin  string
	port string
	dir  string
	cmd  *exec.Cmd
}

func startRedis(t *testing.T) *redisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not installed (apt-get install redis-server)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	s := &redisServer{t: t, bin: bin, port: port, dir: t.TempDir()}
	s.start()
	t.Cleanup(s.stop)
	return s
}

func (s *redisServer) url() string { return "redis://127.0.0.1:" + s.port + "/0" }

func (s *redisServer) start() {
	s.t.Helper()
	s.cmd = exec.Command(s.bin, "--port", s.port, "--bind", "127.0.0.1", "--dir", s.dir, "--save", "3600 1",
		"--appendonly", "no", "--protected-mode", "yes", "--loglevel", "warning")
	// A test binary that dies (a time-out) takes its server with it.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	for range 200 {
		if c, err := net.Dial("tcp", "127.0.0.1:"+s.port); err == nil {
			fmt.Fprint(c, "PING\r\n")
			buf := make([]byte, 7)
			c.SetReadDeadline(time.Now().Add(time.Second))
			n, _ := io.ReadFull(c, buf)
			c.Close()
			if string(buf[:n]) == "+PONG\r\n" {
				return
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	s.t.Fatal("redis-server did not start")
}

// stop shuts the server down (it saves its data first).
func (s *redisServer) stop() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	s.cmd.Wait()
	s.cmd = nil
}

// gpt-4o-mini: $0.15/M input = 150,000 pico-dollars a token, $0.60/M
// output = 600,000.
func miniCost(input, output int64) price.Money {
	return price.Money(input*150_000 + output*600_000)
}

// meteredUpstream streams Chat Completions whose reported usage is the
// input the proxy counts and max_tokens of output: what each call bills is
// exactly what the proxy estimated before forwarding it.
type meteredUpstream struct {
	*httptest.Server
	delay   time.Duration // between chunks
	release chan struct{} // non-nil: replies to calls asking for over 50,000 tokens stop after their first chunk until it is closed
	mu      sync.Mutex
	calls   int
}

func newMeteredUpstream(t *testing.T, delay time.Duration) *meteredUpstream {
	u := &meteredUpstream{delay: delay}
	tok := mustPrice(t, "gpt-4o-mini").Tokenizer()
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req, err := transcripts.ParseRequest(transcripts.APIOpenAI, body)
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		u.mu.Lock()
		u.calls++
		u.mu.Unlock()
		input := tokenize.CallInput(req.Messages, req.Tools, tok)
		w.Header().Set("Content-Type", "text/event-stream")
		f := w.(http.Flusher)
		send := func(s string) {
			fmt.Fprintf(w, "data: %s\n\n", s)
			f.Flush()
		}
		for i := range 3 {
			send(`{"id":"c","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"part ` + strconv.Itoa(i) + `"},"finish_reason":null}],"usage":null}`)
			if i == 0 && u.release != nil && req.MaxTokens > 50000 {
				select {
				case <-u.release:
				case <-r.Context().Done():
					return
				}
			}
			time.Sleep(u.delay)
		}
		send(`{"id":"c","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}`)
		send(fmt.Sprintf(`{"id":"c","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d}}`,
			input, req.MaxTokens, input+req.MaxTokens))
		send("[DONE]")
	}))
	t.Cleanup(u.Close)
	return u
}

func mustPrice(t *testing.T, model string) *price.Model {
	t.Helper()
	p, ok := price.Default().Lookup(model)
	if !ok {
		t.Fatal(model + " not priced")
	}
	return p
}

// replica is one proxy on a shared store, as a separate process would be.
func replica(t *testing.T, up string, store BudgetStore, b string, mod func(*Config)) *rig {
	t.Helper()
	cfg := Config{Out: filepath.Join(t.TempDir(), "calls.jsonl"), Now: func() time.Time { return fixed },
		Budgets: []*Budget{mustBudget(t, b)}, BudgetStore: store}
	if mod != nil {
		mod(&cfg)
	}
	return startRig(t, cfg, nil, up)
}

func redisStore(t *testing.T, url string, ttl time.Duration) *RedisStore {
	t.Helper()
	s, err := NewRedisStore(RedisOptions{URL: url, HoldTTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// stream sends one streamed call asking for maxTokens of output and reads
// the whole reply.
func stream(t *testing.T, url string, n, maxTokens int) int {
	body := fmt.Sprintf(`{"model":"gpt-4o-mini","stream":true,"max_tokens":%d,"messages":[{"role":"user","content":"question %d"}]}`, maxTokens, n)
	resp, err := http.Post(url+"/v1/chat/completions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Error(err)
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// billed sums what the served calls of a log were billed, priced by hand.
func billed(t *testing.T, out string) (price.Money, int) {
	t.Helper()
	var sum price.Money
	n := 0
	for _, r := range records(t, out) {
		if r.Served() {
			sum += miniCost(r.Reply.Usage.InputTokens, r.Reply.Usage.OutputTokens)
			n++
		}
	}
	return sum, n
}

func TestRedisReplicasHoldOneBudget(t *testing.T) {
	srv := startRedis(t)
	up := newMeteredUpstream(t, 30*time.Millisecond)
	const budget = "0.05/hour"
	limit := mustBudget(t, budget).Limit
	for _, tc := range []struct {
		name   string
		shared bool
	}{{"redis", true}, {"each its own (the bug)", false}} {
		t.Run(tc.name, func(t *testing.T) {
			var stores [2]BudgetStore
			for i := range stores {
				if tc.shared {
					stores[i] = redisStore(t, srv.url(), 10*time.Second)
				}
			}
			a := replica(t, up.URL, stores[0], budget, nil)
			b := replica(t, up.URL, stores[1], budget, nil)
			var wg sync.WaitGroup
			codes := make([]int, 30)
			for i := range codes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					target := a
					if i%2 == 1 {
						target = b
					}
					// 10,000 output tokens: $0.006 a call, about eight fit.
					codes[i] = stream(t, target.srv.URL, i, 10000)
				}()
			}
			wg.Wait()
			a.stop()
			b.stop()
			ca, na := billed(t, a.out)
			cb, nb := billed(t, b.out)
			total := ca + cb
			for _, c := range codes {
				if c != 200 && c != 429 {
					t.Fatalf("status %d", c)
				}
			}
			t.Logf("%d + %d calls served, billed %s of %s", na, nb, total, limit)
			if !tc.shared {
				// Without a shared store each replica spends the budget.
				if total <= limit*5/4 {
					t.Fatalf("two separate stores spent %s: the test cannot tell sharing apart", total)
				}
				return
			}
			if total > limit*5/4 {
				t.Fatalf("two replicas billed %s, over 1.25 × %s", total, limit)
			}
			// The estimate is the bill here, so the budget is held exactly and
			// no call that fitted was refused.
			if total > limit || total+miniCost(20, 10000) <= limit {
				t.Fatalf("billed %s: want at most %s and within a call of it", total, limit)
			}
			st := a.p.Budgets()[0]
			if st.Err != nil || st.Spent != total {
				t.Fatalf("the store says %s spent (%v), the logs %s", st.Spent, st.Err, total)
			}
		})
	}
}

func TestRedisKilledReplicaFreesItsHold(t *testing.T) {
	srv := startRedis(t)
	up := newMeteredUpstream(t, 0)
	up.release = make(chan struct{})
	const ttl = time.Second
	storeA := redisStore(t, srv.url(), ttl)
	a := replica(t, up.URL, storeA, "0.05/hour", nil)
	b := replica(t, up.URL, redisStore(t, srv.url(), ttl), "0.05/hour", nil)
	// A's call holds $0.048 and hangs after its first chunk.
	go stream(t, a.srv.URL, 1, 80000)
	for i := 0; ; i++ {
		if l, err := storeA.Levels(context.Background(), a.p.budgets.list, fixed); err == nil && l[0].Reserved > 0 {
			break
		} else if i == 100 {
			t.Fatalf("A's call holds nothing: %v %v", l, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Past its TTL A renews its hold: B cannot spend what it holds.
	time.Sleep(ttl + ttl/2)
	status, body := b.call(t, 2, "", 10000)
	if status != 429 || !strings.Contains(string(body), "more in flight") {
		t.Fatalf("B while A's call runs: %d %s", status, body)
	}
	// A dies: it renews nothing more, and never settles.
	storeA.Close()
	killed := time.Now()
	for time.Since(killed) < 3*ttl {
		if status, _ = b.call(t, 3, "", 10000); status == 200 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if status != 200 || time.Since(killed) > ttl+ttl/2 {
		t.Fatalf("B after A died: %d after %s (TTL %s)", status, time.Since(killed), ttl)
	}
	close(up.release)
}

func TestRedisStoreAwayAndBack(t *testing.T) {
	for _, failOpen := range []bool{false, true} {
		t.Run(fmt.Sprintf("fail open %v", failOpen), func(t *testing.T) {
			srv := startRedis(t)
			up := newMeteredUpstream(t, 0)
			var mu sync.Mutex
			var warnings []string
			r := replica(t, up.URL, redisStore(t, srv.url(), 10*time.Second), "0.05/hour", func(c *Config) {
				c.BudgetFailOpen = failOpen
				c.Warn = func(s string) { mu.Lock(); warnings = append(warnings, s); mu.Unlock() }
			})
			if s := stream(t, r.srv.URL, 1, 1000); s != 200 {
				t.Fatalf("first call %d", s)
			}
			srv.stop()
			want, kept := 503, 1
			if failOpen {
				want, kept = 200, 2
			}
			if s := stream(t, r.srv.URL, 2, 1000); s != want {
				t.Fatalf("store away: %d, want %d", s, want)
			}
			srv.start()
			time.Sleep(storeRetry)
			if s := stream(t, r.srv.URL, 3, 1000); s != 200 {
				t.Fatalf("store back: %d", s)
			}
			// The spend before the outage came back with the store, and (open)
			// the call served while it was away was added when it returned.
			st := r.p.Budgets()[0]
			r.stop()
			cost, n := billed(t, r.out)
			if n != kept+1 || st.Err != nil || st.Spent != cost {
				t.Fatalf("%d calls served billed %s; store says %s (%v)", n, cost, st.Spent, st.Err)
			}
			recs := records(t, r.out)
			if !failOpen && (recs[1].Status != 503 || recs[1].Refused != "budget store") {
				t.Fatalf("call while away recorded %d %q", recs[1].Status, recs[1].Refused)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(warnings) != 2 || !strings.Contains(warnings[0], "unreachable") || !strings.Contains(warnings[1], "reachable again") {
				t.Fatalf("warnings %q", warnings)
			}
		})
	}
}

func TestRedisExactSums(t *testing.T) {
	srv := startRedis(t)
	s := redisStore(t, srv.url(), 10*time.Second)
	// $20,000 a month: 2e16 pico-dollars, past the 2^53 a double holds
	// exactly: two holds of $9,999.999999999999 leave 2 pico-dollars.
	b := mustBudget(t, "20000/month")
	big := price.Money(9_999_999_999_999_999)
	ctx := context.Background()
	for i, tc := range []struct {
		cost    price.Money
		refused int
	}{{big, -1}, {big, -1}, {3, 0}, {2, -1}, {1, 0}} {
		h := &Hold{Budgets: []*Budget{b}, Cost: tc.cost}
		got, _, err := s.Admit(ctx, h, fixed)
		if err != nil || got != tc.refused {
			t.Fatalf("hold %d of %d: refused %d (%v), want %d", i, tc.cost, got, err, tc.refused)
		}
	}
	l, err := s.Levels(ctx, []*Budget{b}, fixed)
	if err != nil || l[0].Reserved != 2*big+2 {
		t.Fatalf("reserved %d (%v)", l[0].Reserved, err)
	}
}
