package proxy

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"

	"github.com/tokenscope/tokenscope/profile/price"
)

// Calls without max_tokens reserve the model's output limit, so that
// concurrent clients cannot spend past a budget by more than the
// documented bound: the sum, over the calls in flight, of what each was
// billed beyond its reservation (0 when the upstream bills no more input
// than the proxy counted).
func TestConcurrentClientsStayWithinTheBudget(t *testing.T) {
	const clients = 50
	limit := price.Money(50_000_000_000) // $0.05
	for _, tc := range []struct {
		name   string
		prompt int // input the upstream reports
		// bound is the overshoot allowed: clients × the input billed
		// beyond what the proxy counted (at most 11 tokens counted for
		// these requests) at gpt-4o-mini's $0.15/M.
		bound price.Money
	}{
		{"usage within the reservation", 5, 0},
		{"input billed beyond the count", 2000, clients * (2000 - 5) * 150_000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, up := faultRig(t, Config{Budgets: []*Budget{mustBudget(t, "0.05/hour")}})
			var wg sync.WaitGroup
			var mu sync.Mutex
			served := 0
			for i := range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for j := 0; ; j++ {
						body := fmt.Sprintf(`{"model":"gpt-4o-mini","messages":[{"role":"user","content":"question %d.%d"}]}`, i, j)
						// 16,000 output tokens, under the model's 16,384.
						status, _ := send(t, r.srv.URL, "/v1/chat/completions", body, false,
							"X-Prompt", strconv.Itoa(tc.prompt), "X-Completion", "16000", "X-Delay", "20")
						if status != http.StatusOK {
							return
						}
						mu.Lock()
						served++
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			spent := r.p.Budgets()[0].Spent
			// One call bills 16,000 × $0.60/M = $0.0096 of output: the
			// budget holds five.
			if spent > limit+tc.bound || served < 4 {
				t.Fatalf("%d calls served, %d reached the upstream: %s spent of %s (bound %s over)", served, up.requests(), spent, limit, tc.bound)
			}
			t.Logf("%d calls, %s spent of %s", served, spent, limit)
		})
	}
}
