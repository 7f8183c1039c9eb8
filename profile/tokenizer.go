// Package profile is tokenscope's engine: it counts every part of every call
// of a conversation, prices it, and simulates cost-cutting strategies on the
// same counts. It has no terminal code.
package profile

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pkoukk/tiktoken-go"
	tiktoken_loader "github.com/pkoukk/tiktoken-go-loader"
)

// The BPE encodings tokenscope embeds.
const (
	O200kBase  = "o200k_base"
	CL100kBase = "cl100k_base"
)

func init() {
	// The BPE files are compiled into the binary: never download at run time.
	tiktoken.SetBpeLoader(tiktoken_loader.NewOfflineLoader())
}

// Tokenizer counts tokens of text in one encoding, optionally scaled by a
// factor to estimate another family's tokenizer. Counts are cached by
// content, so each distinct text is tokenized once per encoding.
type Tokenizer struct {
	Encoding string  // the BPE encoding counted with
	Factor   float64 // 1 for exact counts; an estimate's scale otherwise
	Exact    bool    // counts are the model's own tokenizer's
	// ImageTokens is the estimate for one image (0: ImageTokens).
	ImageTokens int64
	base        *encoder
	// memos hold the counts of merged pieces, one memo per goroutine at a
	// time; they live as long as the tokenizer, which the engine makes per
	// run.
	memos *sync.Pool
}

func (t *Tokenizer) imageTokens() int64 {
	if t.ImageTokens > 0 {
		return t.ImageTokens
	}
	return ImageTokens
}

// Name describes the tokenizer: "o200k_base" or "≈o200k_base×1.10".
func (t *Tokenizer) Name() string {
	if t.Exact {
		return t.Encoding
	}
	if t.Factor == 1 {
		return "≈" + t.Encoding
	}
	return fmt.Sprintf("≈%s×%.2f", t.Encoding, t.Factor)
}

// Count returns the number of tokens of s.
func (t *Tokenizer) Count(s string) int64 {
	n := t.base.count(s, t.memos)
	if t.Factor == 1 || t.Factor == 0 {
		return n
	}
	return int64(math.Round(float64(n) * t.Factor))
}

// Encodes is how many texts this tokenizer's encoding has actually
// tokenized (cache misses), for tests that prove counts are reused.
func (t *Tokenizer) Encodes() int64 { return t.base.encodes.Load() }

// encoder is one loaded BPE encoding with its count cache, shared by every
// Tokenizer on that encoding.
type encoder struct {
	name    string
	once    sync.Once
	tk      *tiktoken.Tiktoken // the oracle, and token ids for Encode
	fast    *fastBPE           // the hot path: counts
	fastErr error
	fastOne sync.Once
	err     error
	mu      sync.RWMutex
	cache   map[string]int64
	encodes atomic.Int64
}

var encoders = map[string]*encoder{
	O200kBase:  {name: O200kBase},
	CL100kBase: {name: CL100kBase},
}

func (e *encoder) load() {
	e.once.Do(func() {
		e.tk, e.err = tiktoken.GetEncoding(e.name)
	})
	if e.err != nil {
		// The encodings are embedded: failing to load one is a build defect.
		panic(fmt.Sprintf("tokenscope: embedded encoding %s: %v", e.name, e.err))
	}
}

// countOne counts s without the cache, with the fast tokenizer and a memo
// from memos (none when memos is nil).
func (e *encoder) countOne(s string, memos *sync.Pool) int64 {
	e.fastOne.Do(func() { e.fast, e.fastErr = loadFastBPE(e.name) })
	if e.fastErr != nil {
		panic(fmt.Sprintf("tokenscope: embedded encoding %s: %v", e.name, e.fastErr))
	}
	if memos == nil {
		return int64(e.fast.count(s))
	}
	m := memos.Get().(*memo)
	n := e.fast.countMemo(s, m)
	memos.Put(m)
	return int64(n)
}

// cacheLimit bounds the per-text cache: beyond it, texts are counted
// without being remembered.
const cacheLimit = 1 << 20

func (e *encoder) count(s string, memos *sync.Pool) int64 {
	if s == "" {
		return 0
	}
	e.mu.RLock()
	n, ok := e.cache[s]
	e.mu.RUnlock()
	if ok {
		return n
	}
	if len(s) >= parallelMin {
		n = e.countParallel(s, memos)
	} else {
		n = e.countOne(s, memos)
	}
	e.encodes.Add(1)
	e.mu.Lock()
	if e.cache == nil {
		e.cache = make(map[string]int64)
	}
	if len(e.cache) < cacheLimit {
		e.cache[s] = n
	}
	e.mu.Unlock()
	return n
}

// Encode returns the token ids of s in encoding name (for `count --ids` and
// tests).
func Encode(name, s string) ([]int, error) {
	e, ok := encoders[name]
	if !ok {
		return nil, fmt.Errorf("unknown encoding %q (known: %s, %s)", name, O200kBase, CL100kBase)
	}
	e.load()
	return e.tk.EncodeOrdinary(s), nil
}

// NewTokenizer returns a tokenizer on an embedded encoding.
func NewTokenizer(encoding string, factor float64, exact bool) (*Tokenizer, error) {
	e, ok := encoders[encoding]
	if !ok {
		return nil, fmt.Errorf("unknown encoding %q (known: %s, %s)", encoding, O200kBase, CL100kBase)
	}
	if factor <= 0 {
		factor = 1
	}
	memos := &sync.Pool{New: func() any { return newMemo() }}
	return &Tokenizer{Encoding: encoding, Factor: factor, Exact: exact && factor == 1, base: e, memos: memos}, nil
}

// OpenAIEncoding returns the tiktoken encoding of an OpenAI model id, as
// openai/tiktoken's model map has it (tiktoken-go's own map lacks gpt-5 and
// the o-series). ok is false for models that are not OpenAI's.
func OpenAIEncoding(model string) (enc string, ok bool) {
	m := strings.ToLower(model)
	if i := strings.LastIndexByte(m, '/'); i >= 0 {
		m = m[i+1:]
	}
	m = strings.TrimPrefix(m, "ft:")
	for _, p := range []string{"gpt-5", "gpt-4.1", "gpt-4.5", "gpt-4o", "chatgpt-4o", "o1", "o3", "o4-mini", "o4", "gpt-oss"} {
		if strings.HasPrefix(m, p) {
			return O200kBase, true
		}
	}
	for _, p := range []string{"gpt-4", "gpt-3.5", "gpt-35", "text-embedding-3", "text-embedding-ada-002"} {
		if strings.HasPrefix(m, p) {
			return CL100kBase, true
		}
	}
	return "", false
}

// parallelMin is the text size from which a text is split and counted on
// every core.
const parallelMin = 256 << 10

// countParallel counts a long text in chunks on every core. Chunks end
// just after a newline that is followed by a character that is not white
// space or '/': both encodings' split patterns always end a piece there
// (no pattern lets a piece run from a newline into a letter, digit or
// punctuation, except o200k's punctuation run that takes trailing
// newlines and slashes), so the sum equals the count of the whole text.
// A test checks it against counting the text whole.
func (e *encoder) countParallel(s string, memos *sync.Pool) int64 {
	chunks := splitAtBoundaries(s, 64<<10)
	var total atomic.Int64
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(chunks)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(chunks) {
					return
				}
				total.Add(e.countOne(chunks[i], memos))
			}
		}()
	}
	wg.Wait()
	return total.Load()
}

// splitAtBoundaries cuts s into pieces of about size bytes, each ending
// after a newline followed by a non-space character (see countParallel).
func splitAtBoundaries(s string, size int) []string {
	var out []string
	for len(s) > size {
		cut := -1
		for i := size; i < len(s)-1; i++ {
			if s[i] == '\n' && !isSpaceByte(s[i+1]) && s[i+1] != '/' && s[i+1] < 0x80 {
				cut = i + 1
				break
			}
		}
		if cut < 0 {
			break
		}
		out = append(out, s[:cut])
		s = s[cut:]
	}
	return append(out, s)
}

func isSpaceByte(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\v' || b == '\f'
}
