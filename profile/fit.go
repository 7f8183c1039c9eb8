package profile

import (
	"math"
	"slices"
)

// hiddenPrefixFit is reported input ≈ Ratio × counted + Prefix over the calls
// of one conversation: Ratio is the tokenizer ratio of an estimated family
// (1 for exact ones), Prefix the tokens every call was sent that the log does
// not hold (a system prompt and tool schemas the app never wrote down).
type hiddenPrefixFit struct {
	Ratio  float64
	Prefix int64
}

// maxPairs bounds the pairwise slopes Theil–Sen looks at: past it, each
// call is paired with the call half the conversation later, which keeps
// the estimate robust (pairs far apart) and the cost linear.
const maxPairs = 20000

// fitHiddenPrefix fits reported ≈ a × counted + b robustly. With fitRatio
// unset (exact tokenizers, or a ratio already applied) a is 1 and b the
// median gap. Otherwise a is the Theil–Sen slope (the median of the slopes
// between pairs of calls), kept within [0.67, 1.5] — further from 1 is not
// tokenizer error but content the log does not hold — and b the median of
// reported − a × counted. b is never negative. A call whose hidden part
// differs from the rest (a compaction step, a changed system prompt) moves
// neither median: it shows as that call's residual.
func fitHiddenPrefix(counted, reported []int64, fitRatio bool) hiddenPrefixFit {
	f := hiddenPrefixFit{Ratio: 1}
	n := len(counted)
	if n == 0 {
		return f
	}
	if fitRatio && n >= 2 {
		var slopes []float64
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
	gaps := make([]float64, n)
	for i := range n {
		gaps[i] = float64(reported[i]) - f.Ratio*float64(counted[i])
	}
	f.Prefix = max(0, int64(math.Round(median(gaps))))
	return f
}

// median of xs (sorted in place); the mean of the middle two for an even count.
func median(xs []float64) float64 {
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}
