package tokenize

import (
	"fmt"
	"sync"

	"github.com/pkoukk/tiktoken-go"
	tiktoken_loader "github.com/pkoukk/tiktoken-go-loader"
)

// The oracle the fast tokenizer is checked against is pkoukk/tiktoken-go,
// linked into tests only: the binary counts with the fast tokenizer alone,
// and tiktoken-go's regular expression engine (regexp2) ran its package
// init in every command's start-up.
func init() {
	// The BPE files are compiled in: never download.
	tiktoken.SetBpeLoader(tiktoken_loader.NewOfflineLoader())
}

// oracles holds each encoding's oracle, loaded on first use.
var oracles = map[string]func() *tiktoken.Tiktoken{
	O200kBase:  oracleLoader(O200kBase),
	CL100kBase: oracleLoader(CL100kBase),
}

func oracleLoader(enc string) func() *tiktoken.Tiktoken {
	return sync.OnceValue(func() *tiktoken.Tiktoken {
		tk, err := tiktoken.GetEncoding(enc)
		if err != nil {
			panic(fmt.Sprintf("oracle %s: %v", enc, err))
		}
		return tk
	})
}

// oracleOf is tiktoken-go's encoding enc.
func oracleOf(enc string) *tiktoken.Tiktoken { return oracles[enc]() }
