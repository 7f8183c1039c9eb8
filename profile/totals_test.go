package profile

import (
	"reflect"
	"testing"

	"github.com/tokenscope/tokenscope/transcripts"
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
