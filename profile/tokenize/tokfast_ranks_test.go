package tokenize

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/pkoukk/tiktoken-go-loader/assets"
)

// tiktokenRanks reads an embedded .tiktoken file into a plain map.
func tiktokenRanks(t *testing.T, name string) map[string]int32 {
	data, err := assets.Assets.ReadFile(name + ".tiktoken")
	if err != nil {
		t.Fatal(err)
	}
	ranks := map[string]int32{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		tok, rank, ok := bytes.Cut(sc.Bytes(), []byte{' '})
		if !ok {
			continue
		}
		b, err := base64.StdEncoding.DecodeString(string(tok))
		if err != nil {
			t.Fatal(err)
		}
		r, err := strconv.Atoi(string(rank))
		if err != nil {
			t.Fatal(err)
		}
		ranks[string(b)] = int32(r)
	}
	return ranks
}

// Every token is found with its rank, whether its bytes are read with one
// load or one by one, and random byte strings are tokens exactly when the
// file says so.
func TestPackedRanks(t *testing.T) {
	for _, enc := range []string{O200kBase, CL100kBase} {
		f, want := fast(t, enc), tiktokenRanks(t, enc)
		if len(want) < 100_000 {
			t.Fatalf("%s: %d tokens read", enc, len(want))
		}
		packed := 0
		for piece, rank := range want {
			if len(piece) <= maxPacked {
				packed++
			}
			for _, in := range []struct {
				s string
				i int
			}{{piece, 0}, {"ab" + piece, 2}, {"ab" + piece + "\x00\x00\x00\x00\x00\x00\x00\x00", 2}} {
				s, i := in.s, in.i
				if got, ok := f.rankAt(s, i, i+len(piece)); !ok || got != rank {
					t.Fatalf("%s %q in %q: rank %d, %v; want %d", enc, piece, s, got, ok, rank)
				}
				if !f.isToken(s, i, i+len(piece)) {
					t.Fatalf("%s %q in %q: not a token", enc, piece, s)
				}
			}
		}
		if len(f.short.keys) == 0 || packed < len(want)/2 {
			t.Fatalf("%s: %d of %d tokens are of up to %d bytes, table of %d slots", enc, packed, len(want), maxPacked, len(f.short.keys))
		}
		r := rand.New(rand.NewPCG(5, 6))
		alphabet := "etaoin shrdluETAOIN\n\x00\x01\x07\x08\xff\xc3\xa9"
		found := 0
		for range 200_000 {
			b := make([]byte, 2+r.IntN(8))
			for i := range b {
				b[i] = alphabet[r.IntN(len(alphabet))]
			}
			s := string(b)
			_, in := want[s]
			if _, ok := f.rank(s); ok != in {
				t.Fatalf("%s %q: token %v, want %v", enc, s, ok, in)
			}
			if in {
				found++
			}
		}
		if found < 1000 {
			t.Errorf("%s: only %d random strings were tokens", enc, found)
		}
	}
}
