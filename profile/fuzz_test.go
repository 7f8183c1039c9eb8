package profile

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/tokenscope/tokenscope/profile/strategy"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts"
)

// FuzzRun feeds whatever the readers accept to the engine under every
// kind of strategy: it must not panic, and each strategy's calls must sum
// to its total.
func FuzzRun(f *testing.F) {
	files, _ := filepath.Glob("../transcripts/testdata/*.json*")
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil && len(data) < 1<<16 {
			f.Add(data)
		}
	}
	if demo, err := os.ReadFile("../transcripts/demo.jsonl"); err == nil {
		f.Add(demo[:4000])
	}
	specs := []string{"full", "cache", "window:turns=1+cache", "window:tokens=50", "summary:trigger=20,keep=0,size=5+cache",
		"cap:3", "batch", "model=claude-haiku-4-5+cache:ttl=1h", "window:turns=0",
		"clear:trigger=30,keep=1,inputs+cache", "compact:trigger=40,size=5+cache", "clear-thinking:keep=1+cache",
		"window:tokens=50+summary:trigger=20,keep=0,size=5", "clear:trigger=20,keep=0+compact:trigger=30,size=3+cache"}
	strategies, err := strategy.ParseAll(specs)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		src, err := transcripts.Read(bytes.NewReader(data), "fuzz", transcripts.Options{RAG: transcripts.DefaultRAGRule()})
		if err != nil {
			return
		}
		res, err := Run(src.Conversations, Options{Model: "gpt-4o", Strategies: strategies})
		if err != nil {
			t.Fatal(err)
		}
		// As logged too: Claude logs carry thinking in history.
		logged, err := Run(src.Conversations, Options{Strategies: strategies})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range append(res.Strategies, logged.Strategies...) {
			var sum price.Money
			var in int64
			for _, c := range s.Calls() {
				sum += c.Cost
				in += c.Input.Total()
				if c.Input.History < 0 || c.Input.Unlogged < 0 || c.Cleared < 0 {
					t.Fatalf("%s: call %d: negative part or clearing: %+v, cleared %d", s.Strategy.Spec, c.Index, c.Input, c.Cleared)
				}
				if c.Cached < 0 || c.CacheWrite < 0 || c.Cached+c.CacheWrite > c.Input.Total() || c.Input.Total() < 0 {
					t.Fatalf("%s: call %d: cached %d + written %d of %d", s.Strategy.Spec, c.Index, c.Cached, c.CacheWrite, c.Input.Total())
				}
			}
			if sum != s.Totals.Cost || in != s.Totals.Input {
				t.Fatalf("%s: calls sum to %d/%d, totals %d/%d", s.Strategy.Spec, sum, in, s.Totals.Cost, s.Totals.Input)
			}
		}
		// Streamed (counts kept, text dropped, each pass preparing again),
		// the same totals and calls.
		st, err := newStream(Options{Strategies: strategies})
		if err != nil {
			t.Fatal(err)
		}
		st.Add(src.Conversations, st.Count(src.Conversations))
		streamed, err := st.Prepared(nil).Run(strategies)
		if err != nil {
			t.Fatal(err)
		}
		for i := range strategies {
			want, got := logged.Strategies[i].Totals, streamed.Strategies[i].Totals
			if got != want {
				t.Fatalf("%s: streamed totals %+v, in memory %+v", strategies[i].Spec, got, want)
			}
			k := 0
			wantCalls := logged.Strategies[i].Calls()
			streamed.EachCall(i, func(_ int, c *Call) error {
				if k >= len(wantCalls) || *c != wantCalls[k] {
					t.Fatalf("%s: streamed call %d differs from the one made in memory", strategies[i].Spec, k+1)
				}
				k++
				return nil
			})
			if k != len(wantCalls) {
				t.Fatalf("%s: %d calls streamed, %d in memory", strategies[i].Spec, k, len(wantCalls))
			}
		}
	})
}
