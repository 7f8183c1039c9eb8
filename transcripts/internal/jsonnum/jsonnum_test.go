package jsonnum

import (
	"encoding/json"
	"testing"
)

func TestCount(t *testing.T) {
	for _, tt := range []struct {
		in   string
		n    int64
		ok   bool
		want string // error text
	}{
		{`12`, 12, true, ""},
		{`"1746093600500000000"`, 1746093600500000000, true, ""},
		{`" 7 "`, 7, true, ""},
		{`3.0`, 3, true, ""},
		{`1e3`, 1000, true, ""},
		{`null`, 0, false, ""},
		{``, 0, false, ""},
		{`-5`, 0, false, "negative count -5"},
		{`"9223372036854775808"`, 0, false, "9223372036854775808 is out of range"},
		{`1.5`, 0, false, "not a whole count: 1.5"},
		{`1e16`, 0, false, "not a whole count: 1e16"},
		{`"soon"`, 0, false, "not a number: soon"},
		{`"about one thousand two hundred and thirty-four"`, 0, false, "not a number: about one thousand two hundred…"},
	} {
		n, ok, err := Count(json.RawMessage(tt.in))
		got := ""
		if err != nil {
			got = err.Error()
		}
		if n != tt.n || ok != tt.ok || got != tt.want {
			t.Errorf("Count(%s) = %d, %v, %q; want %d, %v, %q", tt.in, n, ok, got, tt.n, tt.ok, tt.want)
		}
	}
}
