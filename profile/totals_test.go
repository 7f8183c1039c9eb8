package profile

import (
	"reflect"
	"testing"

	"github.com/tokenscope/tokenscope/profile/strategy"
	"github.com/tokenscope/tokenscope/transcripts"
	"github.com/tokenscope/tokenscope/transcripts/synthetic"
)

// fill sets every int, int64 and bool field of the struct v points to
// (recursing into structs) to a value that is not zero.
func fill(v reflect.Value) {
	for i := range v.NumField() {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.Int, reflect.Int64:
			f.SetInt(int64(i + 3))
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Struct:
			fill(f)
		}
	}
}

// TestAddCallIsAdd: addCall sums each call field by field on the hot
// path, add sums whole Totals; every figure of Totals must be summed by
// addCall (a field added to Totals and add but forgotten there stays zero
// here), and a total of one call added to another is the total of both.
func TestAddCallIsAdd(t *testing.T) {
	var c Call
	fill(reflect.ValueOf(&c).Elem())
	c.Reported = &transcripts.Usage{InputTokens: 11, OutputTokens: 12, CachedInputTokens: 13}
	var one Totals
	one.addCall(&c)
	v := reflect.ValueOf(one)
	for i := range v.NumField() {
		if v.Field(i).IsZero() {
			t.Errorf("Totals.%s is not summed by addCall", v.Type().Field(i).Name)
		}
	}
	var two, sum Totals
	two.addCall(&c)
	two.addCall(&c)
	sum.add(one)
	sum.add(one)
	if !reflect.DeepEqual(two, sum) {
		t.Errorf("addCall twice %+v\nadd of one-call totals twice %+v", two, sum)
	}
}

// TotalsCut simulates what Totals does and cuts off, after a
// conversation, each strategy the cut says to (here: whose cost has
// passed a bound): a strategy it keeps has Totals' totals, and one it cut
// costs more than the bound in Totals' full run.
func TestTotalsCutAboveABound(t *testing.T) {
	convs := []*transcripts.Conversation{synthetic.Conversation(40, 1), synthetic.Conversation(30, 2), synthetic.Conversation(50, 3)}
	c, err := CountedOf(convs, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	strategies, err := strategy.ParseAll([]string{"full", "cache", "window:turns=2", "cache+model=gpt-4o-mini", "model=gpt-4.1-nano"})
	if err != nil {
		t.Fatal(err)
	}
	all, err := c.Totals(strategies, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	bound := all.Strategies[1].Totals.Cost // cache's: full must be cut, and cache kept
	res, over, err := c.TotalsCut(strategies, func(_ int, t *Totals) bool { return t.Cost > bound }, nil)
	if err != nil {
		t.Fatal(err)
	}
	var cut, early int
	for i, s := range strategies {
		full := all.Strategies[i].Totals
		switch {
		case over[i]:
			cut++
			if full.Cost <= bound {
				t.Errorf("%s cut off, but it costs %s in full, not above %s", s.Spec, full.Cost, bound)
			}
			if res.Strategies[i].Totals.Calls < full.Calls {
				early++ // not simulated to the end
			}
		case !reflect.DeepEqual(res.Strategies[i].Totals, full):
			t.Errorf("%s kept, with totals %+v, want %+v", s.Spec, res.Strategies[i].Totals, full)
		case full.Cost > bound:
			t.Errorf("%s costs %s, above %s, and was not cut off", s.Spec, full.Cost, bound)
		}
	}
	if !over[0] || over[1] || cut == len(strategies) || early == 0 {
		t.Errorf("cut off: %v, %d before the last conversation", over, early)
	}
}
