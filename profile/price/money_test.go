package price

import (
	"math"
	"testing"
)

// The worked examples of PRICES-SEED.md.
func TestWorkedExamples(t *testing.T) {
	tab := Default()
	for _, tc := range []struct {
		model string
		want  string
	}{
		// 1,000 × $0.20/10⁶ + 500 × $1.25/10⁶ = $0.000825 (not $0.00026).
		{"gpt-5.4-nano", "0.000825000000"},
		// 1,000 × $2.50/10⁶ + 500 × $10/10⁶ = $0.0075.
		{"gpt-4o", "0.007500000000"},
	} {
		p, err := tab.Find(tc.model)
		if err != nil {
			t.Fatal(err)
		}
		cost := p.Input.Cost(1000) + p.Output.Cost(500)
		if cost.Decimal() != tc.want {
			t.Errorf("%s: %s, want %s", tc.model, cost.Decimal(), tc.want)
		}
	}
}

// A million calls sum exactly to the closed form: no float drift.
func TestMillionCallsExact(t *testing.T) {
	p := PriceFromPerMTok(0.02) // $0.02/MTok: 2×10⁻⁸ $ a token
	var total Money
	for i := int64(1); i <= 1_000_000; i++ {
		total += p.Cost(i % 997)
	}
	// Σ (i mod 997) for i = 1..10⁶: 10⁶ = 997 × 1003 + 9, so 1003 full
	// cycles of 0..996 (496,506 each) plus residues 1..9 (45):
	// 497,995,563 tokens × 20,000 pico-dollars.
	const tokens = 1003*496506 + 45
	if want := Money(tokens * 20_000); total != want {
		t.Fatalf("total = %d, want %d", total, want)
	}
	if total.Decimal() != "9.959911260000" {
		t.Errorf("decimal = %s", total.Decimal())
	}
	// The same in float64 drifts: the reason Money exists.
	var f float64
	for i := int64(1); i <= 1_000_000; i++ {
		f += float64(i%997) * 0.02 / 1e6
	}
	if f == total.USD() {
		t.Log("float64 happened to match this time")
	}
}

func TestMoneyString(t *testing.T) {
	for _, tc := range []struct {
		m    Money
		want string
	}{
		{0, "$0.00"},
		{Money(825_000_000), "$0.000825"},
		{Money(7_500_000_000), "$0.0075"},
		{Money(537_900_000_000), "$0.5379"},
		{Money(12_345_670_000_000), "$12.35"},
		{Money(1_234_567_000_000_000), "$1,234.57"},
	} {
		if got := tc.m.String(); got != tc.want {
			t.Errorf("%d: %q, want %q", tc.m, got, tc.want)
		}
	}
}

func TestProjectBeyondInt64(t *testing.T) {
	// $5,000 a conversation, 100,000 a day, 30 days: $15 billion, far past
	// what int64 pico-dollars hold.
	m, _ := ParseUSD("5000")
	p := Project(m, 100_000)
	if got := p.String(); got != "$15,000,000,000.00" {
		t.Errorf("projection = %s", got)
	}
}

func TestParseUSD(t *testing.T) {
	for in, want := range map[string]Money{"1": picoPerDollar, "$0.25": picoPerDollar / 4, "0.000001": 1_000_000} {
		got, err := ParseUSD(in)
		if err != nil || got != want {
			t.Errorf("ParseUSD(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "abc", "-1", "0.0000000000001"} {
		if _, err := ParseUSD(bad); err == nil {
			t.Errorf("ParseUSD(%q) accepted", bad)
		}
	}
}

// Money arithmetic saturates instead of wrapping: extreme counts never
// turn into negative or small amounts.
func TestMoneyOverflow(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  Money
		want Money
	}{
		{"max tokens × $15/MTok", PriceFromPerMTok(15).Cost(math.MaxInt64), MaxMoney},
		{"-max tokens × $15/MTok", PriceFromPerMTok(15).Cost(-math.MaxInt64), -MaxMoney},
		{"min int64 tokens", PriceFromPerMTok(15).Cost(math.MinInt64), -MaxMoney},
		// 10⁹ tokens × $15/MTok = $15,000 = 1.5×10¹⁶ pico-dollars, exact.
		{"10⁹ tokens", PriceFromPerMTok(15).Cost(1e9), 15_000_000_000_000_000},
		{"max + 1", MaxMoney.Add(1), MaxMoney},
		{"-max + -1", (-MaxMoney).Add(-1), -MaxMoney},
		{"max + -1", MaxMoney.Add(-1), MaxMoney - 1},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, tc.got, tc.want)
		}
	}
	if !MaxMoney.Saturated() || (MaxMoney - 1).Saturated() {
		t.Error("Saturated")
	}
}

// Two amounts that differ never show as one figure.
func TestDistinct(t *testing.T) {
	for _, tc := range []struct {
		a, b         Money
		wantA, wantB string
	}{
		{537_858_750_000, 537_800_000_000, "$0.5379", "$0.5378"},
		{537_858_750_000, 537_858_000_000, "$0.537859", "$0.537858"},
		{5_000_000_000_001, 5_000_000_000_000, "$5.000000000001", "$5.000000000000"},
		{5_000_000_000_000, 5_000_000_000_000, "$5.00", "$5.00"},
	} {
		if a, b := Distinct(tc.a, tc.b); a != tc.wantA || b != tc.wantB {
			t.Errorf("Distinct(%d, %d) = %s, %s; want %s, %s", tc.a, tc.b, a, b, tc.wantA, tc.wantB)
		}
	}
}

// Grouped puts a comma before every group of three digits, the sign
// outside them: hand-checked cases.
func TestGrouped(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		want string
	}{
		{0, "0"}, {999, "999"}, {1000, "1,000"}, {-1000, "-1,000"}, {123456, "123,456"},
		{1234567, "1,234,567"}, {-9223372036854775808, "-9,223,372,036,854,775,808"},
	} {
		if got := Grouped(tc.n); got != tc.want {
			t.Errorf("Grouped(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}
