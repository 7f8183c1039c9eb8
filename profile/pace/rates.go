package pace

import (
	"math"
	"math/big"
	"slices"
	"time"

	"github.com/tokenscope/tokenscope/profile/price"
)

// Burn is the spend of the calls in a window ending now.
type Burn struct {
	Window time.Duration
	Cost   price.Money
	Tokens int64
	Calls  int
}

// PerHour is the burn's cost scaled to an hour.
func (b Burn) PerHour() price.Money {
	if b.Window <= 0 {
		return 0
	}
	return Scale(b.Cost, int64(time.Hour), int64(b.Window))
}

// TokensPerMinute is the burn's tokens scaled to a minute.
func (b Burn) TokensPerMinute() float64 {
	if b.Window <= 0 {
		return 0
	}
	return float64(b.Tokens) * float64(time.Minute) / float64(b.Window)
}

// Scale is m×num/den, exact in big integers (pico-dollars times
// nanoseconds overflow int64), rounded toward zero and saturated.
func Scale(m price.Money, num, den int64) price.Money {
	if den == 0 {
		return 0
	}
	v := new(big.Int).Mul(big.NewInt(int64(m)), big.NewInt(num))
	v.Quo(v, big.NewInt(den))
	switch {
	case v.Cmp(big.NewInt(int64(price.MaxMoney))) > 0:
		return price.MaxMoney
	case v.Cmp(big.NewInt(-int64(price.MaxMoney))) < 0:
		return -price.MaxMoney
	}
	return price.Money(v.Int64())
}

// BurnOf sums the calls of files timed within (now−window, now].
func BurnOf(now time.Time, window time.Duration, files ...*File) Burn {
	b := Burn{Window: window}
	for _, f := range files {
		for i := range f.Recent {
			c := &f.Recent[i]
			if d := now.Sub(c.Time); d >= 0 && d < window {
				b.Cost = b.Cost.Add(c.Cost)
				b.Tokens += c.Tokens()
				b.Calls++
			}
		}
	}
	return b
}

// BlockLength is the length of a Claude plan's usage window.
const BlockLength = 5 * time.Hour

// Block is one 5-hour usage block computed from the logs, as Claude's
// plans count them: it starts at the hour of its first call and lasts
// five hours; a call after its end, or after five idle hours, starts the
// next.
type Block struct {
	Start, End time.Time
	First      time.Time // first call
	Last       time.Time // newest call
	Totals
}

// Active reports whether the block is the running one at now.
func (b *Block) Active(now time.Time) bool {
	return !now.Before(b.Start) && now.Before(b.End) && now.Sub(b.Last) < BlockLength
}

// Projected is the block's cost at its end if spending goes on at the pace
// since its first call (the cost so far when it has ended or has no span).
func (b *Block) Projected(now time.Time) price.Money {
	span := now.Sub(b.First)
	if !b.Active(now) || span <= 0 {
		return b.Cost
	}
	rest := b.End.Sub(now)
	return b.Cost.Add(Scale(b.Cost, int64(rest), int64(span)))
}

// Blocks groups calls into 5-hour blocks; calls out of time order land in
// the block that holds their time. Memory grows with blocks, not calls.
type Blocks struct {
	List []Block
}

// Add counts call c into its block.
func (bs *Blocks) Add(c *Call) {
	if c.Time.IsZero() {
		return
	}
	n := len(bs.List)
	if n > 0 {
		last := &bs.List[n-1]
		switch {
		case !c.Time.Before(last.Start) && c.Time.Before(last.End) && c.Time.Sub(last.Last) < BlockLength:
			last.add(c)
			return
		case c.Time.Before(last.Start):
			for i := n - 2; i >= 0; i-- {
				if b := &bs.List[i]; !c.Time.Before(b.Start) && c.Time.Before(b.End) {
					b.add(c)
					return
				}
			}
			// Older than every block, or in a gap between them: rebuild
			// that part in order (rare: a file read late).
			bs.insert(c)
			return
		}
	}
	start := c.Time.Truncate(time.Hour)
	bs.List = append(bs.List, Block{Start: start, End: start.Add(BlockLength), First: c.Time, Last: c.Time, Totals: c.Totals})
}

// Sub takes call c back out of its block (its response was logged again
// with other figures, or its file replaced).
func (bs *Blocks) Sub(c *Call) {
	for i := len(bs.List) - 1; i >= 0; i-- {
		if b := &bs.List[i]; !c.Time.Before(b.Start) && c.Time.Before(b.End) {
			b.Totals.sub(c.Totals)
			return
		}
	}
}

func (b *Block) add(c *Call) {
	b.Totals.Add(c.Totals)
	if c.Time.After(b.Last) {
		b.Last = c.Time
	}
	if c.Time.Before(b.First) {
		b.First = c.Time
	}
}

// insert places a call that falls before or between blocks as a block of
// its own, keeping the list in time order.
func (bs *Blocks) insert(c *Call) {
	start := c.Time.Truncate(time.Hour)
	b := Block{Start: start, End: start.Add(BlockLength), First: c.Time, Last: c.Time, Totals: c.Totals}
	i, _ := slices.BinarySearchFunc(bs.List, c.Time, func(b Block, t time.Time) int { return b.Start.Compare(t) })
	bs.List = slices.Insert(bs.List, i, b)
}

// Current is the block running at now, nil when none is.
func (bs *Blocks) Current(now time.Time) *Block {
	for i := len(bs.List) - 1; i >= 0; i-- {
		if bs.List[i].Active(now) {
			return &bs.List[i]
		}
	}
	return nil
}

// Limit is one plan window as Claude Code reports it in its statusline
// input: the share used and when the window resets.
type Limit struct {
	UsedPercent float64   `json:"used_percentage"`
	ResetsAt    time.Time `json:"resets_at"`
	Length      time.Duration
}

// RunsOut is when the window's quota runs out if use goes on at its pace
// so far (used share over the time elapsed since the window opened);
// false when it lasts to the reset or the pace is unknown.
func (l Limit) RunsOut(now time.Time) (time.Time, bool) {
	start := l.ResetsAt.Add(-l.Length)
	elapsed := now.Sub(start)
	if l.UsedPercent <= 0 || elapsed <= 0 || !now.Before(l.ResetsAt) {
		return time.Time{}, false
	}
	if l.UsedPercent >= 100 {
		return now, true
	}
	rest := time.Duration(float64(elapsed) * (100 - l.UsedPercent) / l.UsedPercent)
	at := now.Add(rest)
	if !at.Before(l.ResetsAt) {
		return time.Time{}, false
	}
	return at, true
}

// AutoCompactReserve is how far below its window Claude Code compacts a
// conversation on its own: room kept for the summary's output (20k) and a
// margin (13k), as Claude Code 2.x computes its threshold.
const AutoCompactReserve = 33_000

// CallsToCompact estimates how many more calls a conversation can make
// before Claude Code compacts it: the room left under the threshold over
// the mean growth of the context across contexts (oldest first, the last
// few calls). false when the window is unknown or the context is not
// growing.
func CallsToCompact(window int64, contexts []int64) (int, bool) {
	if window <= AutoCompactReserve || len(contexts) < 2 {
		return 0, false
	}
	last := contexts[len(contexts)-1]
	threshold := window - AutoCompactReserve
	if last >= threshold {
		return 0, true
	}
	growth := float64(last-contexts[0]) / float64(len(contexts)-1)
	if growth <= 0 {
		return 0, false
	}
	return int(math.Ceil(float64(threshold-last) / growth)), true
}
