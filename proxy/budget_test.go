package proxy

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts"
	"github.com/tokenscope/tokenscope/transcripts/live/livetest"
)

func mustBudget(t *testing.T, s string) *Budget {
	t.Helper()
	b, err := ParseBudget(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseBudget(t *testing.T) {
	for _, tc := range []struct {
		in     string
		limit  price.Money
		window Window
		match  string
	}{
		{"50/day", 50_000_000_000_000, Day, ""},
		{"$0.50/hour", 500_000_000_000, Hour, ""},
		{"team=search:5/hour", 5_000_000_000_000, Hour, "team=search"},
		{"team=search,endpoint=/ask:1/minute", 1_000_000_000_000, Minute, "endpoint=/ask,team=search"},
		{"200/week", 200_000_000_000_000, Week, ""},
		{"team=ads:1000/month", 1000_000_000_000_000, Month, "team=ads"},
	} {
		b := mustBudget(t, tc.in)
		match := ""
		if b.Match != nil {
			match = transcripts.TagString(b.Match)
		}
		if b.Limit != tc.limit || b.Window != tc.window || match != tc.match {
			t.Errorf("%s: %+v", tc.in, b)
		}
	}
	for _, bad := range []string{"50", "50/fortnight", "-1/day", "x/day", ":5/day", "=x:5/day"} {
		if _, err := ParseBudget(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// Each call is billed 100k input at $0.15/M + 10k output at $0.60/M =
// $0.015 + $0.006 = $0.021 on gpt-4o-mini.
var dearReply = livetest.Reply{Chunks: []string{"ok"}, Usage: &livetest.Usage{Prompt: 100000, Completion: 10000}}

// call sends a fresh one-message chat with tags and max_tokens (0: unset).
func (r *rig) call(t *testing.T, n int, tags string, maxTokens int) (int, []byte) {
	t.Helper()
	mt := ""
	if maxTokens > 0 {
		mt = fmt.Sprintf(`"max_tokens":%d,`, maxTokens)
	}
	body := fmt.Sprintf(`{"model":"gpt-4o-mini",%s"messages":[{"role":"user","content":"question %d"}]}`, mt, n)
	var h []string
	if tags != "" {
		h = []string{TagHeader, tags}
	}
	status, _, b := post(t, r.srv.URL, "/v1/chat/completions", body, h...)
	return status, b
}

func TestBudgetsRefuseAtTheRightCall(t *testing.T) {
	clock := func() time.Time { return fixed }
	for _, tc := range []struct {
		name      string
		budget    *Budget
		tags      []string // per call
		maxTokens int
		refused   int // 1-based index of the first refused call
	}{
		// $0.021 a call. Without max_tokens a call reserves gpt-4o-mini's
		// output limit, 16,384 tokens at $0.60/M = $0.0098304: calls 1–2
		// pass ($0.042), the third is refused ($0.042 + $0.0098 > $0.05).
		{"spend", mustBudget(t, "0.05/day"), nil, 0, 3},
		// With max_tokens 20000 the estimate adds $0.012 of output:
		// before call 3, $0.042 + $0.012 > $0.05.
		{"spend with max_tokens", mustBudget(t, "0.05/day"), nil, 20000, 3},
		// Only team=search counts: after one search call ($0.021) the
		// second search call (call 3) is refused ($0.021 + $0.0098 of
		// reserved output > $0.03); the ads call in between passes.
		{"tag", mustBudget(t, "team=search:0.03/hour"), []string{"team=search", "team=ads", "team=search", "team=ads", "team=search"}, 0, 3},
		// 110k tokens a call, 16,394 reserved (input + the output limit):
		// 220k + 16k pass after two, 330k after three > 250k.
		{"tpm", TokensPerMinute(250000), nil, 0, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, Config{Now: clock, Budgets: []*Budget{tc.budget}}, dearReply)
			first := 0
			var body []byte
			for i := 1; i <= 6 && first == 0; i++ {
				tags := ""
				if tc.tags != nil {
					tags = tc.tags[(i-1)%len(tc.tags)]
				}
				status, b := r.call(t, i, tags, tc.maxTokens)
				if status == 429 {
					first, body = i, b
				} else if status != 200 {
					t.Fatalf("call %d: %d %s", i, status, b)
				}
			}
			if first != tc.refused {
				t.Fatalf("first refused call %d, want %d", first, tc.refused)
			}
			var e struct {
				Error struct{ Message, Type, Code string }
			}
			if err := json.Unmarshal(body, &e); err != nil || e.Error.Type != "budget_exceeded" || !strings.Contains(e.Error.Message, tc.budget.Spec) {
				t.Fatalf("refusal body %s", body)
			}
			reset := "2026-11-25T00:00:00Z"
			switch tc.budget.Window {
			case Hour:
				reset = "2026-11-24T11:00:00Z"
			case Minute:
				reset = "2026-11-24T10:21:00Z"
			}
			if !strings.Contains(e.Error.Message, "resets at "+reset) {
				t.Errorf("message does not say when it resets (%s): %s", reset, e.Error.Message)
			}
			if len(r.up.Requests) != first-1 {
				t.Errorf("upstream saw %d calls, want %d", len(r.up.Requests), first-1)
			}
			r.stop()
			recs := records(t, r.out)
			last := recs[len(recs)-1]
			if len(recs) != first || last.Refused != tc.budget.Spec || last.Status != 429 {
				t.Fatalf("records: %d, last %+v", len(recs), last)
			}
		})
	}
}

func TestAnthropicRefusalShape(t *testing.T) {
	r := newRig(t, Config{Now: func() time.Time { return fixed }, Budgets: []*Budget{TokensPerMinute(10)}})
	status, h, body := post(t, r.srv.URL, "/v1/messages", strings.Replace(anthropicBody, "%s", "false", 1), "x-api-key", apiKey)
	var e struct {
		Type  string
		Error struct{ Type, Message string }
	}
	if status != 429 || json.Unmarshal(body, &e) != nil || e.Type != "error" || e.Error.Type != "rate_limit_error" || !strings.Contains(e.Error.Message, `"tpm 10"`) {
		t.Fatalf("%d %s", status, body)
	}
	// 10:20:00 fixed: the minute resets in 60 s.
	if h.Get("Retry-After") != "60" {
		t.Errorf("Retry-After %q", h.Get("Retry-After"))
	}
}

func TestRestartRebuildsSpendAndThreads(t *testing.T) {
	clock := func() time.Time { return fixed }
	up := livetest.New(dearReply)
	t.Cleanup(up.Close)
	out := t.TempDir() // a directory: a file per day
	// $0.021 a call, each reserving $0.0098 of output while in flight.
	cfg := Config{Out: out, Now: clock, Budgets: []*Budget{mustBudget(t, "0.06/day")}}
	r := startRig(t, cfg, up, up.URL)
	history := `{"role":"user","content":"first"}`
	send := func(r *rig) int {
		status, _, b := post(t, r.srv.URL, "/v1/chat/completions", `{"model":"gpt-4o-mini","messages":[`+history+`]}`)
		if status == 200 {
			history += `,{"role":"assistant","content":"ok"},{"role":"user","content":"next"}`
		} else if status != 429 {
			t.Fatalf("%d %s", status, b)
		}
		return status
	}
	if send(r) != 200 || send(r) != 200 {
		t.Fatal("first calls refused")
	}
	r.stop()
	// A new proxy on the same log knows $0.042 is spent today.
	cfg.Budgets = []*Budget{mustBudget(t, "0.06/day")}
	r2 := startRig(t, cfg, up, up.URL)
	if s := r2.p.Budgets()[0]; s.Spent != 42_000_000_000 {
		t.Fatalf("spend after restart %s, want $0.042", s.Spent)
	}
	if send(r2) != 200 || send(r2) != 429 {
		t.Fatal("third call should pass and fourth be refused after a restart")
	}
	r2.stop()
	src, err := transcripts.Open(out, transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(src.Conversations) != 1 || src.Conversations[0].Calls() != 3 {
		t.Fatalf("%d conversations; calls %d", len(src.Conversations), src.Conversations[0].Calls())
	}
	assertNoKey(t, out)
}

func TestRedactKeepsUsageNotText(t *testing.T) {
	r := newRig(t, Config{Redact: true}, dearReply)
	status, _, _ := post(t, r.srv.URL, "/v1/chat/completions", chatBody)
	if status != 200 {
		t.Fatal(status)
	}
	r.stop()
	recs := records(t, r.out)
	if len(recs) != 1 || !recs[0].Redacted || recs[0].Reply.Usage.InputTokens != 100000 || recs[0].CountedInput == 0 {
		t.Fatalf("%+v", recs)
	}
	for _, m := range append(recs[0].Messages, *recs[0].Reply) {
		if m.Content != "" {
			t.Errorf("text written: %q", m.Content)
		}
	}
	res, _ := replayLog(t, r.out)
	if got := res.Strategies[0].Totals.ReportedCost; got != 21_000_000_000 {
		t.Fatalf("billed %s, want $0.021", got)
	}
}

func TestWindowBounds(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	// 2026-11-24 is a Tuesday; 2026-03-29 is the day Berlin moves to
	// summer time (23 hours).
	at := time.Date(2026, 11, 24, 10, 20, 30, 0, time.UTC)
	for _, tc := range []struct {
		w          Window
		loc        *time.Location
		at         time.Time
		start, end string
	}{
		{Minute, nil, at, "2026-11-24T10:20:00Z", "2026-11-24T10:21:00Z"},
		{Hour, nil, at, "2026-11-24T10:00:00Z", "2026-11-24T11:00:00Z"},
		{Day, nil, at, "2026-11-24T00:00:00Z", "2026-11-25T00:00:00Z"},
		{Week, nil, at, "2026-11-23T00:00:00Z", "2026-11-30T00:00:00Z"},
		{Month, nil, at, "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z"},
		{Month, nil, time.Date(2026, 12, 31, 23, 59, 0, 0, time.UTC), "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z"},
		// Sunday 23:30 in Berlin is still the week that began on Monday 16th.
		{Week, berlin, time.Date(2026, 11, 22, 22, 30, 0, 0, time.UTC), "2026-11-16T00:00:00+01:00", "2026-11-23T00:00:00+01:00"},
		{Day, berlin, at, "2026-11-24T00:00:00+01:00", "2026-11-25T00:00:00+01:00"},
		{Day, berlin, time.Date(2026, 3, 29, 12, 0, 0, 0, time.UTC), "2026-03-29T00:00:00+01:00", "2026-03-30T00:00:00+02:00"},
		{Month, berlin, time.Date(2026, 10, 31, 23, 30, 0, 0, time.UTC), "2026-11-01T00:00:00+01:00", "2026-12-01T00:00:00+01:00"},
	} {
		b := &Budget{Window: tc.w, Loc: tc.loc}
		start, end := b.bounds(tc.at)
		if got := start.Format(time.RFC3339) + " " + end.Format(time.RFC3339); got != tc.start+" "+tc.end {
			t.Errorf("%s in %v at %s: %s, want %s %s", tc.w, tc.loc, tc.at, got, tc.start, tc.end)
		}
	}
}
