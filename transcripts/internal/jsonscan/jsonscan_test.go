package jsonscan

import (
	"encoding/json"
	"testing"
)

// The scanner reads what encoding/json reads, to the same value, or gives
// up: never a different string, never a value json refuses.
func TestLikeEncodingJSON(t *testing.T) {
	for _, tc := range []struct {
		in   string
		took bool // the scanner reads it rather than giving up
	}{
		{`"plain ascii, long enough for eight-byte steps"`, true},
		{`"tab\tquote\"slash\/back\\\\u\u00e9 pair \ud83d\ude00"`, true},
		{`"héllo wörld"`, true},
		{`"lone \ud800 surrogate"`, false}, // json would repair it
		{"\"invalid \xff utf-8\"", false},
		{"\"control \x01 byte\"", false},
		{`"unterminated`, false},
		{`{"a": [1, -2.5e3, true, false, null, {"b": "c"}], "d": {}}`, true},
		{`{"a" 1}`, false},
		{`[1, 2,]`, false},
		{`01`, false},
	} {
		sc := Scanner{Data: []byte(tc.in)}
		var ok bool
		if tc.in[0] == '"' {
			var got []byte
			got, ok = sc.StrBytes()
			var want string
			if ok && (json.Unmarshal([]byte(tc.in), &want) != nil || string(got) != want) {
				t.Errorf("%s: scanner %q, json %q", tc.in, got, want)
			}
		} else {
			ok = sc.Skip() && sc.Pos == len(sc.Data)
			if ok && !json.Valid([]byte(tc.in)) {
				t.Errorf("%s: scanner took what json refuses", tc.in)
			}
		}
		if ok != tc.took {
			t.Errorf("%s: took %v, want %v", tc.in, ok, tc.took)
		}
	}
}

// Object hands each key to its field function and refuses a field met
// twice; Int reads plain integers only.
func TestObjectAndInt(t *testing.T) {
	read := func(in string) (n int64, ok bool) {
		sc := Scanner{Data: []byte(in)}
		ok = sc.Object(func(key []byte) (int, bool) {
			if string(key) != "n" {
				return 0, sc.Skip()
			}
			v, ok := sc.Int()
			n = v
			return 1, ok
		})
		return n, ok
	}
	for in, want := range map[string]struct {
		n  int64
		ok bool
	}{
		`{"x": [1, {"y": 2}], "n": -42}`: {-42, true},
		`{"n": 1, "n": 2}`:               {2, false},
		`{"n": 1.5}`:                     {0, false},
		`{"n": 1e3}`:                     {0, false},
		`{"x": 1, "x": 2, "n": 7}`:       {7, true}, // keys not kept may repeat
	} {
		if n, ok := read(in); ok != want.ok || ok && n != want.n {
			t.Errorf("%s: %d %v, want %d %v", in, n, ok, want.n, want.ok)
		}
	}
}
