package pace

import "testing"

// TestCostText: a total with no priced call is "unpriced", never $0.00;
// one partly priced is marked.
func TestCostText(t *testing.T) {
	for _, c := range []struct {
		t    Totals
		want string
	}{
		{Totals{Calls: 2, Unpriced: 2}, "unpriced"},
		{Totals{Calls: 2, Unpriced: 1, Cost: 1_230_000_000}, "$0.00123*"},
		{Totals{Calls: 2, Cost: 1_230_000_000}, "$0.00123"},
	} {
		if got := c.t.CostText("*"); got != c.want {
			t.Errorf("%+v: %q, want %q", c.t, got, c.want)
		}
	}
}
