package synthetic

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// DistinctText returns about n bytes of generated text that repeats the way
// real text does and no more: words drawn from a Zipf law over a vocabulary
// of a million made-up words (common ones often, most once or never), in
// English-like prose, Cyrillic and Greek prose, CJK and Arabic runs, Go-like
// code with fresh identifiers, JSON with fresh keys and values, log lines
// with hex ids and timestamps, numbers and emoji. Benchmarks of counting use
// it beside the demo-derived corpora, whose passages repeat and so flatter
// a memo of pieces. The same seed gives the same text.
func DistinctText(seed uint64, n int) string {
	g := newTextGen(seed)
	var b strings.Builder
	b.Grow(n + 256)
	for b.Len() < n {
		g.block(&b)
	}
	return b.String()
}

// textGen draws the blocks of DistinctText.
type textGen struct {
	r    *rand.Rand
	zipf *rand.Zipf
}

func newTextGen(seed uint64) *textGen {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	return &textGen{r: r, zipf: rand.NewZipf(r, 1.07, 2, 1_000_000-1)}
}

// Syllable alphabets: a word is 1–4 syllables of onset + vowel (+ coda).
var (
	latinOnsets = strings.Fields("b c d f g h j k l m n p qu r s t v w y z br cl dr fl gr pl pr sh st str th tr ch sp sc")
	latinVowels = strings.Fields("a e i o u ai ea ee io ou y")
	latinCodas  = []string{"", "", "", "n", "r", "s", "t", "l", "nd", "ng", "st", "ck", "m", "x"}
	cyrOnsets   = strings.Fields("б в г д ж з к л м н п р с т ф х ц ч ш щ")
	cyrVowels   = strings.Fields("а е и о у ы э ю я")
	greekOnsets = strings.Fields("β γ δ ζ θ κ λ μ ν ξ π ρ σ τ φ χ ψ")
	greekVowels = strings.Fields("α ε η ι ο υ ω")
	arabic      = []rune("ابتثجحخدذرزسشصضطظعغفقكلمنهوي")
	common      = strings.Fields("the of and to in is that for it as with was on be by this are from or at an not which but have has can will all one their more if about when so")
	emoji       = []string{"🙂", "🚀", "✅", "⚠️", "🔥", "👍🏽", "🇩🇪", "🧪", "📦", "❌"}
)

// word is vocabulary entry i of a script, made from i alone so a word
// keeps its spelling wherever it is drawn.
func word(i uint64, onsets, vowels, codas []string) string {
	h := i*0x9e3779b97f4a7c15 + 0x632be59bd9b4e019
	next := func(n int) int {
		h ^= h >> 29
		h *= 0xbf58476d1ce4e5b9
		h ^= h >> 32
		return int(h % uint64(n))
	}
	var b strings.Builder
	for s := 0; s < 1+next(4); s++ {
		b.WriteString(onsets[next(len(onsets))])
		b.WriteString(vowels[next(len(vowels))])
		if codas != nil {
			b.WriteString(codas[next(len(codas))])
		}
	}
	return b.String()
}

// pick draws a vocabulary index: Zipf-distributed, so the text has a few
// very common words and a long tail of rare ones.
func (g *textGen) pick() uint64 { return g.zipf.Uint64() }

func (g *textGen) latin() string {
	if g.r.IntN(3) == 0 {
		return common[g.r.IntN(len(common))]
	}
	return word(g.pick(), latinOnsets, latinVowels, latinCodas)
}

// block writes one paragraph, code fragment, JSON object or log run.
func (g *textGen) block(b *strings.Builder) {
	r := g.r
	switch k := r.IntN(20); {
	case k < 8: // English-like prose
		g.prose(b, g.latin, " ", ". ")
	case k < 10: // Cyrillic or Greek prose
		on, vo := cyrOnsets, cyrVowels
		if r.IntN(2) == 0 {
			on, vo = greekOnsets, greekVowels
		}
		g.prose(b, func() string { return word(g.pick(), on, vo, nil) }, " ", ". ")
	case k < 11: // CJK: no spaces, sentences end in 。
		g.prose(b, func() string {
			var w strings.Builder
			for range 1 + r.IntN(3) {
				w.WriteRune(rune(0x4e00 + g.pick()%20000))
			}
			return w.String()
		}, "", "。")
	case k < 12: // Arabic
		g.prose(b, func() string {
			i := g.pick()
			var w strings.Builder
			for j := range 2 + int(i%5) {
				w.WriteRune(arabic[(i>>(3*j))%uint64(len(arabic))])
			}
			return w.String()
		}, " ", "، ")
	case k < 15:
		g.code(b)
	case k < 18:
		g.json(b)
	default:
		g.logs(b)
	}
	b.WriteByte('\n')
}

func (g *textGen) prose(b *strings.Builder, w func() string, space, stop string) {
	r := g.r
	for range 2 + r.IntN(5) {
		n := 5 + r.IntN(18)
		for i := range n {
			s := w()
			if i == 0 && s[0] >= 'a' && s[0] <= 'z' {
				s = strings.ToUpper(s[:1]) + s[1:]
			}
			b.WriteString(s)
			switch {
			case i == n-1:
				b.WriteString(stop)
			case r.IntN(12) == 0:
				b.WriteString(", ")
			case r.IntN(40) == 0:
				fmt.Fprintf(b, " %d%s", r.IntN(100000), space)
			case r.IntN(60) == 0:
				b.WriteString(" " + emoji[r.IntN(len(emoji))] + space)
			default:
				b.WriteString(space)
			}
		}
	}
}

func (g *textGen) ident() string {
	w := word(g.pick(), latinOnsets, latinVowels, latinCodas)
	switch g.r.IntN(3) {
	case 0:
		return w
	case 1:
		return w + strings.ToUpper(word(g.pick(), latinOnsets, latinVowels, nil)[:1]) + word(g.pick(), latinOnsets, latinVowels, nil)
	default:
		return w + "_" + word(g.pick(), latinOnsets, latinVowels, nil)
	}
}

func (g *textGen) code(b *strings.Builder) {
	r := g.r
	fmt.Fprintf(b, "func %s(%s %s, %s int) (string, error) {\n", g.ident(), g.ident(), g.ident(), g.ident())
	for range 2 + r.IntN(8) {
		switch r.IntN(4) {
		case 0:
			fmt.Fprintf(b, "\tif %s := %s.%s(%d); %s != nil {\n\t\treturn \"\", fmt.Errorf(\"%s: %%w\", err)\n\t}\n",
				g.ident(), g.ident(), g.ident(), r.IntN(4096), g.ident(), g.latin())
		case 1:
			fmt.Fprintf(b, "\t%s := make(map[string]%s, %d) // %s %s %s\n", g.ident(), g.ident(), r.IntN(512), g.latin(), g.latin(), g.latin())
		case 2:
			fmt.Fprintf(b, "\tfor i := 0; i < len(%s); i += %d {\n\t\t%s[i] ^= 0x%x\n\t}\n", g.ident(), 1+r.IntN(8), g.ident(), r.Uint32())
		default:
			fmt.Fprintf(b, "\t%s.%s = append(%s.%s, %q)\n", g.ident(), g.ident(), g.ident(), g.ident(), g.latin()+" "+g.latin())
		}
	}
	b.WriteString("}\n")
}

func (g *textGen) json(b *strings.Builder) {
	r := g.r
	b.WriteString("{")
	for i := range 3 + r.IntN(8) {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(b, "%q: ", g.ident())
		switch r.IntN(5) {
		case 0:
			fmt.Fprintf(b, "%d", r.Int64N(1e12))
		case 1:
			fmt.Fprintf(b, "%.4f", r.Float64()*1000)
		case 2:
			fmt.Fprintf(b, "\"%08x-%04x-4%03x-%04x-%012x\"", r.Uint32(), r.IntN(1<<16), r.IntN(1<<12), r.IntN(1<<16), r.Int64N(1<<48))
		case 3:
			fmt.Fprintf(b, "[%q, %q, %v]", g.latin(), g.ident(), r.IntN(2) == 0)
		default:
			fmt.Fprintf(b, "%q", g.latin()+" "+g.latin()+" "+g.latin())
		}
	}
	b.WriteString("}")
}

func (g *textGen) logs(b *strings.Builder) {
	r := g.r
	for range 2 + r.IntN(6) {
		fmt.Fprintf(b, "2026-%02d-%02dT%02d:%02d:%02d.%03dZ %s [%s] %s/%s: %s %s %s (%dms, id=%016x)\n",
			1+r.IntN(12), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60), r.IntN(1000),
			[]string{"INFO", "WARN", "ERROR", "DEBUG"}[r.IntN(4)], g.ident(), g.ident(), g.ident(),
			g.latin(), g.latin(), g.latin(), r.IntN(5000), r.Uint64())
	}
}
