package pace

import (
	"testing"
	"time"

	"github.com/tokenscope/tokenscope/profile/price"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func at(h, m int) time.Time { return t0.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute) }

func call(t time.Time, dollars float64, tokens int64) Call {
	c := Call{Time: t}
	c.Calls, c.Cost, c.Input = 1, price.Money(dollars*1e12), tokens
	return c
}

// Burn over the last 15 minutes, by hand: at 10:00, calls at 9:44 (out),
// 9:46, 9:50 and 9:59 (in), 10:01 (after now: out). $0.10 + $0.20 +
// $0.30 = $0.60 in 15 min = $2.40/h; 1,000 + 2,000 + 3,000 tokens = 400
// tokens a minute.
func TestBurnOf(t *testing.T) {
	var f File
	for _, c := range []Call{call(at(0, 44), 5, 9000), call(at(0, 46), .1, 1000), call(at(0, 50), .2, 2000),
		call(at(0, 59), .3, 3000), call(at(1, 1), 7, 7000)} {
		f.Add(c)
	}
	b := BurnOf(at(1, 0), RecentSpan, &f)
	if b.Calls != 3 || b.PerHour() != price.Money(2.4e12) || b.TokensPerMinute() != 400 {
		t.Errorf("burn %d calls, %s/h, %.1f tokens/min; want 3, $2.40/h, 400", b.Calls, b.PerHour(), b.TokensPerMinute())
	}
}

// Blocks by hand: calls at 9:10, 11:00, 13:59 fall in the block 9:00–14:00;
// 14:05 opens 14:00–19:00; after an idle gap, 20:30 opens 20:00–01:00. A
// call read late (10:30) joins the first block.
func TestBlocks(t *testing.T) {
	var bs Blocks
	for _, c := range []Call{call(at(0, 10), 1, 100), call(at(2, 0), 2, 200), call(at(4, 59), 3, 300),
		call(at(5, 5), 4, 400), call(at(11, 30), 5, 500), call(at(1, 30), 0.5, 50)} {
		bs.Add(&c)
	}
	want := []struct {
		start, end, last time.Time
		cost             float64
		calls            int
	}{
		{at(0, 0), at(5, 0), at(4, 59), 6.5, 4},
		{at(5, 0), at(10, 0), at(5, 5), 4, 1},
		{at(11, 0), at(16, 0), at(11, 30), 5, 1},
	}
	if len(bs.List) != len(want) {
		t.Fatalf("%d blocks, want %d: %+v", len(bs.List), len(want), bs.List)
	}
	for i, w := range want {
		b := bs.List[i]
		if !b.Start.Equal(w.start) || !b.End.Equal(w.end) || !b.Last.Equal(w.last) || b.Cost != price.Money(w.cost*1e12) || b.Calls != w.calls {
			t.Errorf("block %d: %s–%s last %s %s %d calls; want %s–%s last %s $%.2f %d", i, b.Start, b.End, b.Last, b.Cost, b.Calls,
				w.start, w.end, w.last, w.cost, w.calls)
		}
	}
	// At 21:30 the third block runs: $5 since its first call at 20:30, an
	// hour ago; 3.5 hours remain at $5/h: $22.50 projected.
	cur := bs.Current(at(12, 30))
	if cur == nil || cur != &bs.List[2] {
		t.Fatalf("current block at 21:30: %+v", cur)
	}
	if p := cur.Projected(at(12, 30)); p != price.Money(22.5e12) {
		t.Errorf("projected %s, want $22.50", p)
	}
	if bs.Current(at(16, 0)) != nil {
		t.Error("a block runs at 01:00, when the last has ended")
	}
}

// Plan windows by hand: a 5-hour window resetting at 14:00 opened at
// 9:00. At 11:00 (2 h in) 40% used: 20%/h, the remaining 60% lasts 3 h,
// to 14:00 exactly: it lasts to the reset (not before it). At 11:00 with
// 50% used: 25%/h, 50% lasts 2 h: out at 13:00. At 100% it is out now.
func TestLimitRunsOut(t *testing.T) {
	reset := at(5, 0)
	for _, tc := range []struct {
		used float64
		now  time.Time
		out  time.Time
		ok   bool
	}{
		{40, at(2, 0), time.Time{}, false},
		{50, at(2, 0), at(4, 0), true},
		{100, at(2, 0), at(2, 0), true},
		{0, at(2, 0), time.Time{}, false},
		{50, at(6, 0), time.Time{}, false}, // after the reset: unknown
	} {
		l := Limit{UsedPercent: tc.used, ResetsAt: reset, Length: BlockLength}
		got, ok := l.RunsOut(tc.now)
		if ok != tc.ok || !got.Equal(tc.out) {
			t.Errorf("%.0f%% at %s: %s %v, want %s %v", tc.used, tc.now.Format("15:04"), got, ok, tc.out, tc.ok)
		}
	}
}

// Calls to auto-compact by hand: a 200k window compacts at 167k. Contexts
// 40k, 50k, 60k grow 10k a call: 107k of room is 10.7 → 11 calls.
func TestCallsToCompact(t *testing.T) {
	for _, tc := range []struct {
		window   int64
		contexts []int64
		n        int
		ok       bool
	}{
		{200_000, []int64{40_000, 50_000, 60_000}, 11, true},
		{200_000, []int64{60_000, 60_000}, 0, false},  // not growing
		{200_000, []int64{170_000, 180_000}, 0, true}, // past the threshold: next call
		{0, []int64{1, 2}, 0, false},                  // window unknown
		{200_000, []int64{60_000}, 0, false},          // one call: no growth yet
	} {
		n, ok := CallsToCompact(tc.window, tc.contexts)
		if n != tc.n || ok != tc.ok {
			t.Errorf("%d %v: %d %v, want %d %v", tc.window, tc.contexts, n, ok, tc.n, tc.ok)
		}
	}
}

// A response logged once per content block is billed once, with its last
// line's figures; its first copy falling out of the recent window by age
// does not happen before keepRecent calls.
func TestFileReplacesResponse(t *testing.T) {
	var f File
	a := call(at(0, 0), 1, 10)
	a.ID = "m1/r1"
	b := a
	b.Cost, b.Output = price.Money(1.5e12), 20
	f.Add(a)
	if f.Add(b) {
		t.Error("the same response counted as new")
	}
	if f.Totals.Calls != 1 || f.Totals.Cost != price.Money(1.5e12) || f.Totals.Output != 20 {
		t.Errorf("totals %+v", f.Totals)
	}
}

func TestScaleDoesNotOverflow(t *testing.T) {
	// $100 over 15 minutes is $400/h; $100 × 1 h in ns overflows int64.
	if got := Scale(price.Money(100e12), int64(time.Hour), int64(15*time.Minute)); got != price.Money(400e12) {
		t.Errorf("Scale = %s", got)
	}
}
