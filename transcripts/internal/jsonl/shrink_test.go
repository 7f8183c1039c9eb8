package jsonl

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestShrinkStrings: cut strings stay valid JSON, escapes and UTF-8 whole,
// whatever the chunk boundaries.
func TestShrinkStrings(t *testing.T) {
	in := `{"a":"` + strings.Repeat(`x\"\\\u00e9é`, 3000) + `","n":12,"b":"short","c":[` + `"` + strings.Repeat("é", 9000) + `"]}`
	for _, size := range []int{1, 3, 7, 4096, len(in)} {
		var sh shrinker
		var out []byte
		for i := 0; i < len(in); i += size {
			out = sh.filter(out, []byte(in[i:min(i+size, len(in))]))
		}
		var v struct {
			A, B string
			N    int
			C    []string
		}
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatalf("chunks of %d: %v\n%.200s", size, err, out)
		}
		var whole struct {
			A string
			C []string
		}
		json.Unmarshal([]byte(in), &whole)
		if v.N != 12 || v.B != "short" || len(v.A) < shrinkKeep/4 || !strings.HasPrefix(whole.A, v.A) ||
			len(v.C) != 1 || !strings.HasPrefix(whole.C[0], v.C[0]) || len(out) > 2*shrinkKeep+64 {
			t.Fatalf("chunks of %d: %d %q %d %d, %d bytes", size, v.N, v.B, len(v.A), len(v.C), len(out))
		}
	}
}

// FuzzShrink: cutting the strings of valid JSON, in chunks of any size,
// leaves valid JSON (the usage pass decodes what it gives).
func FuzzShrink(f *testing.F) {
	files, _ := filepath.Glob("../../testdata/*.json*")
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil && len(data) < 1<<16 {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"a":"` + strings.Repeat(`é\"\\\u00e9x`, 2000) + `"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return
		}
		for _, size := range []int{1, 7, 4096} {
			sh := shrinker{keep: 2}
			var out []byte
			for i := 0; i < len(data); i += size {
				out = sh.filter(out, data[i:min(i+size, len(data))])
			}
			if !json.Valid(out) {
				t.Fatalf("chunks of %d: invalid JSON\n%.300q", size, out)
			}
		}
	})
}
