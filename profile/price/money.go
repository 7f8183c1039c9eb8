// Package price is what tokens cost: the price table (prices.yaml, a
// LiteLLM import, the user's own file), each provider's billing rules
// (caching, batch, long context, thinking kept in history) and money as
// exact, saturating integer pico-dollars.
package price

import (
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"strconv"
	"strings"
)

// Money is an amount in pico-dollars (10⁻¹² USD). A price in µ$/MTok is
// exactly pico-dollars per token, so tokens × price is exact in Money; int64
// holds up to about $9.2M, far above one conversation. Projections, which can
// exceed that, use big.Int (see Project).
type Money int64

// Price is a per-token price in pico-dollars, i.e. µ$ per million tokens.
// $2.50/MTok is Price(2_500_000).
type Price int64

const picoPerDollar = 1_000_000_000_000

// PriceFromPerMTok converts a $/MTok figure as written in a price table,
// rounding to the nearest µ$/MTok (price tables never go finer).
func PriceFromPerMTok(usd float64) Price {
	return Price(roundHalfAway(usd * 1e6))
}

// PriceFromPerToken converts a $/token figure (LiteLLM's unit).
func PriceFromPerToken(usd float64) Price {
	return Price(roundHalfAway(usd * 1e12))
}

func roundHalfAway(x float64) int64 {
	if x < 0 {
		return -int64(-x + 0.5)
	}
	return int64(x + 0.5)
}

// PerMTok is the price in $/MTok, for display and JSON only.
func (p Price) PerMTok() float64 { return float64(p) / 1e6 }

// Mul scales p by num/den, rounding half away from zero. Used for the
// provider multipliers (batch ½, cache write 1.25×), which are exact on
// every price in the embedded table.
func (p Price) Mul(num, den int64) Price {
	v := int64(p) * num
	if v >= 0 {
		return Price((v + den/2) / den)
	}
	return Price(-((-v + den/2) / den))
}

// MaxMoney is the largest amount Money holds (about $9.2M). Arithmetic
// that would pass it stops there (saturates) instead of wrapping to a
// negative amount; Run rejects a result that reached it.
const MaxMoney = Money(math.MaxInt64)

// Cost is tokens at price p, saturating at ±MaxMoney.
func (p Price) Cost(tokens int64) Money {
	hi, lo := bits.Mul64(uint64(abs64(tokens)), uint64(abs64(int64(p))))
	if hi != 0 || lo > math.MaxInt64 {
		if (tokens < 0) != (p < 0) {
			return -MaxMoney
		}
		return MaxMoney
	}
	if (tokens < 0) != (p < 0) {
		return -Money(lo)
	}
	return Money(lo)
}

// Add is m + o, saturating at ±MaxMoney.
func (m Money) Add(o Money) Money {
	s := m + o
	switch {
	case m > 0 && o > 0 && s < 0:
		return MaxMoney
	case m < 0 && o < 0 && (s >= 0 || s < -MaxMoney):
		return -MaxMoney
	}
	return s
}

// Saturated reports whether m reached the bound of what Money holds: a sum
// that did is no longer exact.
func (m Money) Saturated() bool { return m >= MaxMoney || m <= -MaxMoney }

func abs64(v int64) int64 {
	if v < 0 {
		if v == math.MinInt64 {
			return math.MaxInt64
		}
		return -v
	}
	return v
}

// USD is m in dollars as a float64, for JSON output only: sums are always
// made in Money.
func (m Money) USD() float64 { return float64(m) / picoPerDollar }

// Decimal is m in dollars with all twelve decimals, e.g. "0.000825000000".
func (m Money) Decimal() string {
	neg := m < 0
	v := int64(m)
	if neg {
		v = -v
	}
	s := fmt.Sprintf("%d.%012d", v/picoPerDollar, v%picoPerDollar)
	if neg {
		s = "-" + s
	}
	return s
}

// String shows m as dollars with a precision that suits its size:
// cents for amounts of a dollar or more, more digits below.
func (m Money) String() string {
	a := m
	if a < 0 {
		a = -a
	}
	var decimals int
	switch {
	case a == 0:
		return "$0.00"
	case a >= 100*picoPerDollar:
		decimals = 2
	case a >= picoPerDollar:
		decimals = 2
	case a >= picoPerDollar/100:
		decimals = 4
	default:
		decimals = 6
	}
	s := formatDecimal(big.NewInt(int64(m)), 12, decimals)
	// Below a cent, drop zeros past the fourth decimal: $0.0075, $0.000825.
	for decimals > 4 && strings.HasSuffix(s, "0") {
		s, decimals = s[:len(s)-1], decimals-1
	}
	return "$" + s
}

// Distinct shows a and b as String does, with more decimals where that
// would show two different amounts as the same figure (a limit and the
// total that passed it).
func Distinct(a, b Money) (string, string) {
	sa, sb := a.String(), b.String()
	for decimals := 2; sa == sb && a != b && decimals <= 12; decimals++ {
		sa, sb = "$"+formatDecimal(big.NewInt(int64(a)), 12, decimals), "$"+formatDecimal(big.NewInt(int64(b)), 12, decimals)
	}
	return sa, sb
}

// formatDecimal renders v×10⁻scale rounded half away from zero to decimals
// places, with thousands separators in the integer part.
func formatDecimal(v *big.Int, scale, decimals int) string {
	neg := v.Sign() < 0
	a := new(big.Int).Abs(v)
	div := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale-decimals)), nil)
	q, r := new(big.Int).QuoRem(a, div, new(big.Int))
	if r.Mul(r, big.NewInt(2)).Cmp(div) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	digits := q.String()
	for len(digits) <= decimals {
		digits = "0" + digits
	}
	intPart, frac := digits[:len(digits)-decimals], digits[len(digits)-decimals:]
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	group(&b, intPart)
	if decimals > 0 {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}

// Grouped is n with thousands separators (1,234,567): token counts are
// shown grouped as dollars are.
func Grouped(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	if digits, ok := strings.CutPrefix(s, "-"); ok {
		b.WriteByte('-')
		s = digits
	}
	group(&b, s)
	return b.String()
}

// group writes digits to b with a comma before each group of three.
func group(b *strings.Builder, digits string) {
	for i, c := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
}

// Div is p divided by n (n > 0), truncated to the pico-dollar.
func (p Projection) Div(n int64) Projection {
	return Projection{new(big.Int).Quo(p.v, big.NewInt(n))}
}

// Projection is a cost scaled beyond what Money holds (per month at N
// conversations a day).
type Projection struct{ v *big.Int }

// Project returns m × perDay × 30 days.
func Project(m Money, perDay int64) Projection {
	v := big.NewInt(int64(m))
	v.Mul(v, big.NewInt(perDay))
	v.Mul(v, big.NewInt(30))
	return Projection{v}
}

// String shows the projection in dollars with cents.
func (p Projection) String() string { return "$" + formatDecimal(p.v, 12, 2) }

// USD is the projection in dollars as a float64, for JSON only.
func (p Projection) USD() float64 {
	f, _ := new(big.Rat).SetFrac(p.v, big.NewInt(picoPerDollar)).Float64()
	return f
}

// ParseUSD parses a dollar amount such as "5", "0.25" or "$1.5" exactly.
func ParseUSD(s string) (Money, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "$")
	r, ok := new(big.Rat).SetString(s)
	if !ok || r.Sign() < 0 {
		return 0, fmt.Errorf("%q is not a dollar amount", s)
	}
	r.Mul(r, new(big.Rat).SetInt64(picoPerDollar))
	if !r.IsInt() || !r.Num().IsInt64() {
		return 0, fmt.Errorf("%q has more than 12 decimals or is too large", s)
	}
	return Money(r.Num().Int64()), nil
}
