package usage

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/transcripts"
	"github.com/tokenscope/tokenscope/transcripts/synthetic"
)

func readUsage(t *testing.T, path string) *transcripts.UsageSource {
	t.Helper()
	src, err := transcripts.ReadUsage(path, transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// The Claude Code fixture, worked by hand from its lines. Six responses:
// msg_01A (three lines; the last one's output 172 counts), msg_01B,
// msg_01S (haiku), msg_01C (logged again in 5c2d3e4f: billed once),
// msg_01G (haiku, subagent file) and msg_01D; msg_syn is <synthetic>.
//
//	uncached input 4+6+900+8+640+5 = 1,563   output 172+88+21+41+19+30 = 371
//	cache writes 5,210 (1h) + 420+310+120 (5m) = 6,060   reads 11,800+17,010+17,430+17,800 = 64,040
//
// Sonnet 4.5 ($3 in, $15 out, $0.30 read, $3.75 5m, $6 1h per MTok):
// 23×3 + 331×15 + 64,040×0.3 + 850×3.75 + 5,210×6 = 58,693.5 µ$;
// Haiku 4.5 ($1, $5): 1,540×1 + 40×5 = 1,740 µ$; total $0.0604335.
// The haiku calls are the subagents': msg_01S a sidechain of 4b1c2d3e's
// own log, msg_01G its subagents/agent-a7f3.jsonl: 2 agents, $0.00174.
func TestUsageFixture(t *testing.T) {
	src := readUsage(t, "../../transcripts/testdata/claude_code")
	sum, err := Summarize(src, Options{Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	want := Row{Key: "total", Calls: 6, Input: 1563, Output: 371, CacheReads: 64040, CacheWrites: 6060, CacheWrite1h: 5210,
		Cost: 60_433_500_000, SubagentCost: 1_740_000_000, Subagents: 2, Priced: 6}
	got := sum.Totals
	if strings.Join(got.Models, ",") != "claude-haiku-4-5-20251001,claude-sonnet-4-5-20250929" {
		t.Errorf("models %v", got.Models)
	}
	got.Models = nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("totals\n got %+v\nwant %+v", got, want)
	}
	if len(sum.Rows) != 1 || sum.Rows[0].Key != "2026-11-02" {
		t.Errorf("rows %+v", sum.Rows)
	}

	// By session: msg_01D alone is 5c2d3e4f's (msg_01C was billed in
	// 4b1c2d3e first): 5×3 + 30×15 + 17,800×0.3 + 120×3.75 = 6,255 µ$.
	sum, err = Summarize(src, Options{Group: "session", Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Rows) != 2 || sum.Rows[1].Key != "-home-dev-shop/5c2d3e4f" || sum.Rows[1].Cost != 6_255_000_000 || sum.Rows[1].Calls != 1 ||
		sum.Rows[0].Cost != 60_433_500_000-6_255_000_000 || sum.Rows[0].Calls != 5 {
		t.Errorf("sessions %+v", sum.Rows)
	}

	// Every call as claude-haiku-4-5 ($1 in, $5 out, $0.10 read, $1.25 5m, $2 1h):
	// 1,563 + 371×5 + 64,040×0.1 + 850×1.25 + 5,210×2 = 1,563 + 1,855 + 6,404 + 1,062.5 + 10,420 = 21,304.5 µ$.
	sum, err = Summarize(src, Options{Model: "claude-haiku-4-5", Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Totals.Cost != 21_304_500_000 {
		t.Errorf("as haiku: %s, want $0.0213045", sum.Totals.Cost.Decimal())
	}
}

func TestUsageDates(t *testing.T) {
	at := func(s string) time.Time { tm, _ := time.Parse(time.RFC3339, s); return tm }
	u := &transcripts.Usage{InputTokens: 10, OutputTokens: 1}
	src := &transcripts.UsageSource{Calls: []transcripts.Billed{
		{Time: at("2026-10-31T23:30:00Z"), Model: "gpt-4o", Usage: u},
		{Time: at("2026-11-01T00:30:00Z"), Model: "gpt-4o", Usage: u},
		{Time: at("2026-11-02T12:00:00Z"), Model: "gpt-4o", Usage: u},
		{Model: "gpt-4o", Usage: u}, // no time: only without --since/--until
	}}
	for _, tc := range []struct {
		group, since, until string
		loc                 *time.Location
		want                string // keys:calls
	}{
		{"daily", "", "", time.UTC, "2026-10-31:1 2026-11-01:1 2026-11-02:1 unknown:1"},
		{"monthly", "", "", time.UTC, "2026-10:1 2026-11:2 unknown:1"},
		{"daily", "20261101", "", time.UTC, "2026-11-01:1 2026-11-02:1"},
		{"daily", "", "2026-11-01", time.UTC, "2026-10-31:1 2026-11-01:1"},
		// An hour east, the first call is on November 1st.
		{"daily", "2026-11-01", "2026-11-01", time.FixedZone("+01", 3600), "2026-11-01:2"},
	} {
		sum, err := Summarize(src, Options{Group: tc.group, Since: tc.since, Until: tc.until, Location: tc.loc})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range sum.Rows {
			got = append(got, r.Key+":"+string(rune('0'+r.Calls)))
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%s %s..%s: %v, want %s", tc.group, tc.since, tc.until, got, tc.want)
		}
	}
	for _, opt := range []Options{{Since: "2026-13-01"}, {Until: "yesterday"}, {Group: "weekly"}, {Model: "no-such-model"}} {
		if _, err := Summarize(src, opt); err == nil {
			t.Errorf("%+v: no error", opt)
		}
	}
}

// usage and report agree on reported usage and billed cost, on the
// fixtures and on a generated projects directory.
func TestUsageMatchesReport(t *testing.T) {
	gen := t.TempDir()
	if _, _, err := synthetic.WriteClaudeCode(gen, 5, 48<<10, 4); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"../../transcripts/testdata/claude_code", "../../transcripts/testdata/claude_code_branches", "../../transcripts/testdata/real/claude_code", gen} {
		src, err := transcripts.Open(path, transcripts.Options{})
		if err != nil {
			t.Fatal(err)
		}
		p, err := profile.New(src, profile.Options{})
		if err != nil {
			t.Fatal(err)
		}
		rep := p.Result.Strategies[0].Totals
		sum, err := Summarize(readUsage(t, path), Options{})
		if err != nil {
			t.Fatal(err)
		}
		u := sum.Totals
		if u.Calls != rep.Calls || u.Input+u.CacheReads+u.CacheWrites != rep.ReportedInput || u.Output != rep.ReportedOutput ||
			u.CacheReads != rep.ReportedCachedInput || u.Cost != rep.ReportedCost || u.Cost == 0 {
			t.Errorf("%s: usage %d calls, input %d, output %d, reads %d, %s; report %d calls, %d, %d, %d, %s", path,
				u.Calls, u.Input+u.CacheReads+u.CacheWrites, u.Output, u.CacheReads, u.Cost.Decimal(),
				rep.Calls, rep.ReportedInput, rep.ReportedOutput, rep.ReportedCachedInput, rep.ReportedCost.Decimal())
		}
	}
}

// A log whose billed cost adds up past what Money holds is refused, as the
// report refuses it, not printed wrapped (issue 23, item 10): 3,001 calls
// of 10⁹ uncached input tokens at claude-opus-4-6's $5/MTok bill $5,000
// each, $15,005,000 in all, past $9,223,372.04.
func TestUsageRefusesOverflow(t *testing.T) {
	at := time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC)
	src := &transcripts.UsageSource{}
	for range 3001 {
		src.Calls = append(src.Calls, transcripts.Billed{Time: at, Model: "claude-opus-4-6", Usage: &transcripts.Usage{InputTokens: 1e9}})
	}
	for _, group := range []string{"daily", "session"} {
		sum, err := Summarize(src, Options{Group: group, Location: time.UTC})
		if err == nil || !strings.Contains(err.Error(), "the total cost passes $9,223,372.04") {
			t.Errorf("%s: err = %v, total %s", group, err, sum.Totals.Cost)
		}
	}
	// 1,844 such calls ($9,220,000) are exact.
	src.Calls = src.Calls[:1844]
	sum, err := Summarize(src, Options{Location: time.UTC})
	if err != nil || sum.Totals.Cost != 9_220_000_000_000_000_000 {
		t.Errorf("1,844 calls: %v, %d", err, sum.Totals.Cost)
	}
}
