package fit

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestHiddenPrefixOf(t *testing.T) {
	for _, tc := range []struct {
		name              string
		counted, reported []int64
		fitRatio          bool
		want              HiddenPrefix
	}{
		// Exact: the median gap. Gaps 9, 9, 12, 9 → 9; the 12 is residual.
		{"exact", []int64{41, 64, 110, 128}, []int64{50, 73, 122, 137}, false, HiddenPrefix{1, 9}},
		// Estimated: reported = 1.2 × counted + 1000 exactly, one outlier
		// (+500 on the third call). Slopes without the outlier are all 1.2;
		// the pairs with it (3 of 10) are not the median.
		{"ratio", []int64{100, 200, 400, 800, 1600}, []int64{1120, 1240, 1980, 1960, 2920}, true, HiddenPrefix{1.2, 1000}},
		// A slope of 3 is not a tokenizer: ratio stays 1, prefix is the
		// median gap of 100, 200, 300 → 200.
		{"implausible ratio", []int64{50, 100, 150}, []int64{150, 300, 450}, true, HiddenPrefix{1, 200}},
		// One call: no slope; the gap is the prefix.
		{"one call", []int64{13}, []int64{25882}, true, HiddenPrefix{1, 25869}},
		// Reported below counted: no negative prefix.
		{"below", []int64{100, 200}, []int64{90, 190}, false, HiddenPrefix{1, 0}},
	} {
		got := HiddenPrefixOf(tc.counted, tc.reported, tc.fitRatio)
		if got.Prefix != tc.want.Prefix || got.Ratio < tc.want.Ratio-1e-9 || got.Ratio > tc.want.Ratio+1e-9 {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

// Past maxPairs the slopes pair each call with the one half the
// conversation later; a clean line still fits exactly.
func TestHiddenPrefixOfLong(t *testing.T) {
	n := 400 // 79,800 pairs > maxPairs
	c, r := make([]int64, n), make([]int64, n)
	for i := range n {
		c[i] = int64(100 * (i + 1))
		r[i] = c[i]*5/4 + 777 // ratio 1.25, prefix 777
	}
	if f := HiddenPrefixOf(c, r, true); f.Ratio != 1.25 || f.Prefix != 777 {
		t.Errorf("%+v", f)
	}
}

// median selects what sorting finds, on odd and even counts, sorted,
// reversed and shuffled input, many equal values and negative zeros.
func TestMedianIsSortedMedian(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	sorted := func(xs []float64) float64 {
		s := slices.Clone(xs)
		slices.Sort(s)
		if n := len(s); n%2 == 1 {
			return s[n/2]
		} else {
			return (s[n/2-1] + s[n/2]) / 2
		}
	}
	checked := 0
	for n := 1; n < 3000; n += 1 + n/7 {
		for shape := range 6 {
			xs := make([]float64, n)
			for i := range xs {
				switch shape {
				case 0: // distinct, shuffled
					xs[i] = r.NormFloat64() * 1000
				case 1: // few values: many ties
					xs[i] = float64(r.IntN(3)) * 0.5
				case 2: // all equal
					xs[i] = 1.2
				case 3: // ascending
					xs[i] = float64(i) / 7
				case 4: // descending
					xs[i] = float64(n-i) / 7
				case 5: // organ pipe with zeros of both signs
					xs[i] = float64(min(i, n-i) % 5)
					if i%3 == 0 {
						xs[i] = math.Copysign(0, -1)
					}
				}
			}
			want := sorted(xs)
			if got := median(slices.Clone(xs)); got != want {
				t.Fatalf("n %d, shape %d: median %v, sorting gives %v", n, shape, got, want)
			}
			checked++
		}
	}
	if checked < 200 {
		t.Fatalf("only %d cases", checked)
	}
}

// A fit reuses its buffers: no allocation once warm.
func TestHiddenPrefixOfAllocs(t *testing.T) {
	c, r := make([]int64, 300), make([]int64, 300)
	for i := range c {
		c[i] = int64(1000 + 37*i + i*i%101)
		r[i] = c[i]*11/10 + 500 + int64(i%7)
	}
	HiddenPrefixOf(c, r, true)
	if a := testing.AllocsPerRun(50, func() { HiddenPrefixOf(c, r, true) }); a > 0 {
		t.Errorf("%.1f allocations per fit", a)
	}
}

// BenchmarkHiddenPrefixOf fits conversations of 200 calls (19,900
// slopes) and 5,000 (2,500 slopes past maxPairs).
func BenchmarkHiddenPrefixOf(b *testing.B) {
	for _, n := range []int{200, 5000} {
		r := rand.New(rand.NewPCG(uint64(n), 9))
		c, rep := make([]int64, n), make([]int64, n)
		for i := range c {
			c[i] = int64(2000 + 150*i + r.IntN(100))
			rep[i] = c[i]*6/5 + 3000 + int64(r.IntN(50))
		}
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				HiddenPrefixOf(c, rep, true)
			}
		})
	}
}
