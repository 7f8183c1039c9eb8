// Package fit fits what a log reported against what was counted: how many
// tokens every call was sent that the log does not hold (a hidden system
// prompt and tool schemas), and the ratio of an estimated tokenizer. The
// fit is robust (medians, Theil–Sen), so a call whose hidden part differs
// from the rest moves nothing but its own residual.
package fit

import (
	"math"
	"math/bits"
	"slices"
	"sync"
)

// HiddenPrefix is reported input ≈ Ratio × counted + Prefix over the calls
// of one conversation: Ratio is the tokenizer ratio of an estimated family
// (1 for exact ones), Prefix the tokens every call was sent that the log does
// not hold (a system prompt and tool schemas the app never wrote down).
type HiddenPrefix struct {
	Ratio  float64
	Prefix int64
}

// maxPairs bounds the pairwise slopes Theil–Sen looks at: past it, each
// call is paired with the call half the conversation later, which keeps
// the estimate robust (pairs far apart) and the cost linear.
const maxPairs = 20000

// HiddenPrefixOf fits reported ≈ a × counted + b robustly. With fitRatio
// unset (exact tokenizers, or a ratio already applied) a is 1 and b the
// median gap. Otherwise a is the Theil–Sen slope (the median of the slopes
// between pairs of calls), kept within [0.67, 1.5] — further from 1 is not
// tokenizer error but content the log does not hold — and b the median of
// reported − a × counted. b is never negative. A call whose hidden part
// differs from the rest (a compaction step, a changed system prompt) moves
// neither median: it shows as that call's residual.
func HiddenPrefixOf(counted, reported []int64, fitRatio bool) HiddenPrefix {
	f := HiddenPrefix{Ratio: 1}
	n := len(counted)
	if n == 0 {
		return f
	}
	buf := fitBuffers.Get().(*[]float64)
	defer func() {
		if cap(*buf) <= fitBufferMax {
			fitBuffers.Put(buf)
		}
	}()
	if fitRatio && n >= 2 {
		pairs := n - n/2
		if n*(n-1)/2 <= maxPairs {
			pairs = n * (n - 1) / 2
		}
		slopes := grow(buf, pairs)
		add := func(i, j int) {
			if dx := counted[j] - counted[i]; dx != 0 {
				slopes = append(slopes, float64(reported[j]-reported[i])/float64(dx))
			}
		}
		if n*(n-1)/2 <= maxPairs {
			for i := range n {
				for j := i + 1; j < n; j++ {
					add(i, j)
				}
			}
		} else {
			for i := range n - n/2 {
				add(i, i+n/2)
			}
		}
		if len(slopes) > 0 {
			if a := median(slopes); a >= 0.67 && a <= 1.5 {
				f.Ratio = a
			}
		}
	}
	gaps := grow(buf, n)
	for i := range n {
		gaps = append(gaps, float64(reported[i])-f.Ratio*float64(counted[i]))
	}
	f.Prefix = max(0, int64(math.Round(median(gaps))))
	return f
}

// fitBuffers hold the slopes and gaps of fits: every conversation is fitted
// once or twice, and up to maxPairs slopes each time is garbage worth
// avoiding. Buffers past fitBufferMax (a conversation of that many calls)
// are left to the collector.
var fitBuffers = sync.Pool{New: func() any { return new([]float64) }}

const fitBufferMax = 1 << 16

// grow returns *buf emptied with room for n, keeping the larger buffer.
func grow(buf *[]float64, n int) []float64 {
	if cap(*buf) < n {
		*buf = make([]float64, 0, n)
	}
	return (*buf)[:0]
}

// median of xs (reordered in place); the mean of the middle two for an even
// count. It selects rather than sorts: the result is that of sorting, in
// linear time.
func median(xs []float64) float64 {
	n := len(xs)
	hi := selectNth(xs, n/2)
	if n%2 == 1 {
		return hi
	}
	// xs[:n/2] now holds the n/2 smallest: the lower middle is their largest.
	return (slices.Max(xs[:n/2]) + hi) / 2
}

// selectNth reorders xs so that xs[k] is the value sorting would put there,
// with no larger value before it and no smaller one after, and returns it.
// Quickselect with a median-of-three pivot and a three-way partition (fits
// of clean data give many equal values); after too many rounds it sorts
// what is left, so the worst case is that of sorting. xs holds no NaN.
func selectNth(xs []float64, k int) float64 {
	lo, hi := 0, len(xs) // xs[k] is within [lo, hi)
	for budget := 2 * bits.Len(uint(len(xs))); hi-lo > 16; budget-- {
		if budget == 0 {
			slices.Sort(xs[lo:hi])
			return xs[k]
		}
		a, b, c := xs[lo], xs[lo+(hi-lo)/2], xs[hi-1]
		pivot := max(min(a, b), min(max(a, b), c))
		// Dutch flag: [lo, lt) < pivot, [lt, i) == pivot, (gt, hi) > pivot.
		lt, i, gt := lo, lo, hi-1
		for i <= gt {
			switch x := xs[i]; {
			case x < pivot:
				xs[lt], xs[i] = xs[i], xs[lt]
				lt++
				i++
			case x > pivot:
				xs[gt], xs[i] = xs[i], xs[gt]
				gt--
			default:
				i++
			}
		}
		switch {
		case k < lt:
			hi = lt
		case k > gt:
			lo = gt + 1
		default:
			return pivot
		}
	}
	slices.Sort(xs[lo:hi])
	return xs[k]
}
