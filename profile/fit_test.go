package profile

import "testing"

func TestFitHiddenPrefix(t *testing.T) {
	for _, tc := range []struct {
		name              string
		counted, reported []int64
		fitRatio          bool
		want              hiddenPrefixFit
	}{
		// Exact: the median gap. Gaps 9, 9, 12, 9 → 9; the 12 is residual.
		{"exact", []int64{41, 64, 110, 128}, []int64{50, 73, 122, 137}, false, hiddenPrefixFit{1, 9}},
		// Estimated: reported = 1.2 × counted + 1000 exactly, one outlier
		// (+500 on the third call). Slopes without the outlier are all 1.2;
		// the pairs with it (3 of 10) are not the median.
		{"ratio", []int64{100, 200, 400, 800, 1600}, []int64{1120, 1240, 1980, 1960, 2920}, true, hiddenPrefixFit{1.2, 1000}},
		// A slope of 3 is not a tokenizer: ratio stays 1, prefix is the
		// median gap of 100, 200, 300 → 200.
		{"implausible ratio", []int64{50, 100, 150}, []int64{150, 300, 450}, true, hiddenPrefixFit{1, 200}},
		// One call: no slope; the gap is the prefix.
		{"one call", []int64{13}, []int64{25882}, true, hiddenPrefixFit{1, 25869}},
		// Reported below counted: no negative prefix.
		{"below", []int64{100, 200}, []int64{90, 190}, false, hiddenPrefixFit{1, 0}},
	} {
		got := fitHiddenPrefix(tc.counted, tc.reported, tc.fitRatio)
		if got.Prefix != tc.want.Prefix || got.Ratio < tc.want.Ratio-1e-9 || got.Ratio > tc.want.Ratio+1e-9 {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

// Past maxPairs the slopes pair each call with the one half the
// conversation later; a clean line still fits exactly.
func TestFitHiddenPrefixLong(t *testing.T) {
	n := 400 // 79,800 pairs > maxPairs
	c, r := make([]int64, n), make([]int64, n)
	for i := range n {
		c[i] = int64(100 * (i + 1))
		r[i] = c[i]*5/4 + 777 // ratio 1.25, prefix 777
	}
	if f := fitHiddenPrefix(c, r, true); f.Ratio != 1.25 || f.Prefix != 777 {
		t.Errorf("%+v", f)
	}
}
