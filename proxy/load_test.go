package proxy

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenscope/tokenscope/transcripts"
)

// load runs clients concurrent conversations of perClient streaming calls
// each through a proxy before an in-process upstream, and returns what the
// clients saw, each call's latency as the client saw it, and the proxy.
type loadResult struct {
	ok, failed int64
	latency    []time.Duration
	p          *Proxy
	up         *fastUpstream
	out        string
	heapMid    uint64 // live heap after half the calls
	heapEnd    uint64
	wall       time.Duration
}

func runLoad(tb testing.TB, clients, perClient int, direct bool) *loadResult {
	tb.Helper()
	up := newFastUpstream()
	tb.Cleanup(up.Close)
	res := &loadResult{up: up, out: filepath.Join(tb.TempDir(), "load.jsonl")}
	target := up.URL
	var srv *httptest.Server
	if !direct {
		p, err := New(Config{Upstream: up.URL, Out: res.out})
		if err != nil {
			tb.Fatal(err)
		}
		srv = httptest.NewServer(p)
		res.p, target = p, srv.URL
	}
	tr := &http.Transport{MaxIdleConns: clients * 2, MaxIdleConnsPerHost: clients * 2}
	client := &http.Client{Transport: tr}
	lat := make([][]time.Duration, clients)
	var done atomic.Int64
	half := int64(clients * perClient / 2)
	var mid sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			history := fmt.Sprintf(`{"role":"system","content":"You are agent %d."}`, i)
			for n := range perClient {
				history += fmt.Sprintf(`,{"role":"user","content":"Question %d of client %d: what is next?"}`, n, i)
				body := `{"model":"gpt-4o-mini","stream":true,"messages":[` + history + `]}`
				req, _ := http.NewRequest(http.MethodPost, target+"/v1/chat/completions", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+apiKey)
				req.Header.Set(TagHeader, fmt.Sprintf("team=t%d", i%4))
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					atomic.AddInt64(&res.failed, 1)
					continue
				}
				text, events := readStream(resp.Body)
				resp.Body.Close()
				lat[i] = append(lat[i], time.Since(t0))
				if resp.StatusCode != 200 || text != "Sure, here is the answer." || events != 9 {
					atomic.AddInt64(&res.failed, 1)
				} else {
					atomic.AddInt64(&res.ok, 1)
				}
				history += `,{"role":"assistant","content":"` + text + `"}`
				if done.Add(1) == half {
					mid.Do(func() { res.heapMid = liveHeap() })
				}
			}
		}()
	}
	wg.Wait()
	res.wall = time.Since(start)
	res.heapEnd = liveHeap()
	for _, l := range lat {
		res.latency = append(res.latency, l...)
	}
	slices.Sort(res.latency)
	if srv != nil {
		srv.Close()
		if err := res.p.Close(); err != nil {
			tb.Fatal(err)
		}
	}
	tr.CloseIdleConnections()
	return res
}

// fastUpstream streams the same Chat Completions reply to every request,
// keeping nothing but a count, so that memory measured is the proxy's.
type fastUpstream struct {
	*httptest.Server
	served atomic.Int64
}

var fastChunks = []string{"Sure", ", here", " is", " the", " answer", "."}

func newFastUpstream() *fastUpstream {
	u := &fastUpstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		usage := strings.Contains(string(body), `"include_usage":true`)
		null := ""
		if usage {
			null = `,"usage":null`
		}
		w.Header().Set("Content-Type", "text/event-stream")
		f := w.(http.Flusher)
		chunk := func(delta, finish string) {
			fmt.Fprintf(w, `data: {"id":"chatcmpl-load","object":"chat.completion.chunk","created":1762070400,"model":"gpt-4o-mini","choices":[{"index":0,"delta":%s,"finish_reason":%s}]%s}`+"\n\n", delta, finish, null)
			f.Flush()
		}
		chunk(`{"role":"assistant","content":""}`, "null")
		for _, c := range fastChunks {
			chunk(`{"content":"`+c+`"}`, "null")
		}
		chunk(`{}`, `"stop"`)
		if usage {
			fmt.Fprint(w, `data: {"id":"chatcmpl-load","object":"chat.completion.chunk","created":1762070400,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":120,"completion_tokens":6,"total_tokens":126}}`+"\n\n")
		}
		fmt.Fprint(w, "data: [DONE]\n\n")
		u.served.Add(1)
	}))
	return u
}

// readStream reads an event stream to its end: the text of its content
// deltas and its number of events.
func readStream(r io.Reader) (string, int) {
	var text strings.Builder
	events := 0
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "data: ") {
			continue
		}
		events++
		if i := strings.Index(line, `"content":"`); i >= 0 {
			rest := line[i+len(`"content":"`):]
			text.WriteString(rest[:strings.IndexByte(rest, '"')])
		}
	}
	return text.String(), events
}

func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return d[min(len(d)-1, len(d)*p/100)]
}

// 200 concurrent streaming clients, 2,000 calls (BenchmarkProxy runs
// 10,000): no call lost, the proxy's own latency small, its memory flat.
func TestLoad(t *testing.T) {
	perClient := 10
	res := runLoad(t, 200, perClient, false)
	total := int64(200 * perClient)
	if res.ok != total || res.failed != 0 {
		t.Fatalf("%d ok, %d failed of %d", res.ok, res.failed, total)
	}
	// The log holds exactly the calls the upstream served, each once.
	var n int
	convs := map[string]int{}
	err := readBack([]string{res.out}, nil, func(r *transcripts.CallRecord) error {
		if !r.Served() || r.Reply.Usage == nil || r.Reply.Usage.InputTokens != 120 {
			return fmt.Errorf("record %+v", r)
		}
		n++
		convs[r.Conversation]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if int64(n) != total || res.up.served.Load() != total {
		t.Fatalf("log holds %d calls, upstream served %d, clients got %d", n, res.up.served.Load(), total)
	}
	// Each client's calls thread into its own conversation.
	if len(convs) != 200 {
		t.Errorf("%d conversations, want 200", len(convs))
	}
	st := res.p.Stats()
	t.Logf("%d calls in %s; proxy overhead p50 %s p99 %s max %s; client latency p50 %s p99 %s; live heap %d KiB at half, %d KiB at end",
		total, res.wall, st.P50, st.P99, st.Max, pct(res.latency, 50), pct(res.latency, 99), res.heapMid>>10, res.heapEnd>>10)
	if st.Calls != total {
		t.Errorf("stats count %d calls", st.Calls)
	}
	if st.P50 > 2*time.Millisecond && !raceEnabled {
		t.Errorf("proxy overhead p50 %s, want < 2ms", st.P50)
	}
	// The p99 measures the machine as much as the proxy when other work
	// shares its CPUs — `go test ./...` runs other packages beside this
	// one, and the load average lags — so it is a figure of
	// BenchmarkProxy (README), logged here, not asserted.
	t.Logf("proxy overhead p99 %s (not asserted: see BenchmarkProxy); waiting for the record write p50 %s p99 %s (not asserted: a figure of the machine's load)", st.P99, st.RecordP50, st.RecordP99)
	// Memory: after half the calls and at the end the live heap differs by
	// the upstream fake's own record of requests, not by what the proxy
	// holds; allow 32 MiB of growth.
	if res.heapEnd > res.heapMid+32<<20 {
		t.Errorf("live heap grew from %d to %d KiB", res.heapMid>>10, res.heapEnd>>10)
	}
}

// BenchmarkProxy: 200 concurrent streaming clients, b.N calls in all,
// through the proxy and, for comparison, straight to the upstream. The
// figures in README come from:
//
//	go test ./proxy -run '^$' -bench Proxy -benchtime 10000x
func BenchmarkProxy(b *testing.B) {
	for _, direct := range []bool{false, true} {
		name := "proxied"
		if direct {
			name = "direct"
		}
		b.Run(name, func(b *testing.B) {
			per := max(1, b.N/200)
			b.ResetTimer()
			res := runLoad(b, 200, per, direct)
			b.StopTimer()
			if res.failed != 0 {
				b.Fatalf("%d failed", res.failed)
			}
			b.ReportMetric(float64(pct(res.latency, 50).Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(pct(res.latency, 99).Microseconds())/1000, "p99-ms")
			if res.p != nil {
				st := res.p.Stats()
				b.ReportMetric(float64(st.P50.Microseconds())/1000, "overhead-p50-ms")
				b.ReportMetric(float64(st.P99.Microseconds())/1000, "overhead-p99-ms")
				b.ReportMetric(float64(st.RecordP50.Microseconds())/1000, "record-wait-p50-ms")
				b.ReportMetric(float64(st.RecordP99.Microseconds())/1000, "record-wait-p99-ms")
				b.ReportMetric(float64(res.heapEnd>>20), "heap-MiB")
			}
			b.ReportMetric(float64(res.ok)/res.wall.Seconds(), "calls/s")
		})
	}
}
