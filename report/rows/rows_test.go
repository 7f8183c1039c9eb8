package rows

import (
	"strings"
	"testing"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts"
)

func demo(t *testing.T) *profile.Result {
	t.Helper()
	p, err := profile.New(transcripts.Demo(transcripts.Options{}), profile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p.Result
}

// The demo's saved figures, hand-checked from its costs: cache $0.2232 of
// full's $0.5379 is (0.53785875 − 0.22323625) / 0.53785875 = 58.496% →
// 58.5% (the TUI showed 58%, report 58.5%: one rounding now); the first
// row says it is the base.
func TestDemoSaved(t *testing.T) {
	res := demo(t)
	got := Strategies(res, Options{})
	want := map[string]string{"full": Base, "cache": "58.5%", "window:turns=8": "21.4%", "cap:512": "12.0%", "batch": "50.0%"}
	for _, row := range got {
		if w, ok := want[row.Spec]; ok && row.Saved != w {
			t.Errorf("%s saved %q, want %q", row.Spec, row.Saved, w)
		}
	}
	if got[1].SavedPct != 58.5 {
		t.Errorf("cache SavedPct %v, want 58.5", got[1].SavedPct)
	}
	// A replay played to the end is the whole log: the same rows.
	all := len(res.Strategies[0].Calls())
	for i, row := range Strategies(res, Options{Replay: true, Played: all}) {
		if row.Saved != got[i].Saved || row.Cost != got[i].Cost || row.Input != got[i].Input || row.Totals.Cost != got[i].Totals.Cost {
			t.Errorf("%s upto the end %+v, whole log %+v", row.Spec, row, got[i])
		}
	}
	// Played to call 2, saved is against full's first two calls.
	two := Strategies(res, Options{Replay: true, Played: 2})
	calls := res.Strategies[1].Calls()
	if two[1].Totals.Cost != calls[0].Cost+calls[1].Cost || two[0].Totals.Calls != 2 {
		t.Errorf("played 2: %+v", two[1].Totals)
	}
	// Nothing played yet: nothing spent, no saving to show.
	for _, row := range Strategies(res, Options{Replay: true}) {
		if row.Totals.Calls != 0 || row.Totals.Cost != 0 || (row.Saved != None && row.Saved != Base) {
			t.Errorf("played 0: %+v", row)
		}
	}
}

func TestSaved(t *testing.T) {
	for _, c := range []struct {
		cost, base price.Money
		want       string
		ok         bool
	}{
		{22323625, 53785875, "58.5%", true},
		{53785875, 53785875, "+0.0%", true},
		{100, 90, "-11.1%", true},
		{1000000, 1000010, "+0.0%", true}, // 0.001% rounds to +0.0, never -0.0
		{1000010, 1000000, "+0.0%", true},
		{5, 0, "", false},
	} {
		pct, ok := SavedPct(c.cost, c.base)
		if ok != c.ok || ok && Saved(pct) != c.want {
			t.Errorf("SavedPct(%d, %d) = %v %v (%q), want %q", c.cost, c.base, pct, ok, Saved(pct), c.want)
		}
	}
}

// Text from a log never reaches a terminal with its escapes: OSC 52 (a
// clipboard write), a title set, CSI colours, 8-bit CSI, bidi overrides;
// line breaks become spaces (CleanText keeps line feeds).
func TestClean(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"gpt-4o", "gpt-4o"},
		{"héllo 😀", "héllo 😀"},
		{"m\x1b]52;c;cHduZWQ=\x07", "m]52;c;cHduZWQ="},
		{"\x1b]0;owned\x1b\\x", "]0;owned\\x"},
		{"\x1b[31mred\x1b[0m", "[31mred[0m"},
		{"a\u009b31mb", "a31mb"},
		{"a\u202eb", "ab"},
		{"a\tb\r\nc", "a b  c"},
		{"bad\xffbyte", "bad\ufffdbyte"},
		{"del\x7f", "del"},
	} {
		if got := Clean(c.in); got != c.want {
			t.Errorf("Clean(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := CleanText("a\nb\x1b[2J\n"); got != "a\nb[2J\n" {
		t.Errorf("CleanText = %q", got)
	}
}

// A model with no price is never a number in the rows: "unpriced", no
// saving, Priced false.
func TestUnpricedRows(t *testing.T) {
	conv := &transcripts.Conversation{ID: "x", Path: "x.jsonl", Model: "no-such-model-x1", Messages: []transcripts.Message{
		{Role: transcripts.RoleUser, Content: "hi"}, {Role: transcripts.RoleAssistant, Content: "hello"}}}
	res, err := profile.Run([]*transcripts.Conversation{conv}, profile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range Strategies(res, Options{PerDay: 10}) {
		if row.Cost != Unpriced || row.Priced || row.Saved == Base || strings.Contains(row.Saved, "%") || row.Monthly != "" {
			t.Errorf("%s: %+v", row.Spec, row)
		}
	}
	if h := Header(res, "x.jsonl", "native"); !strings.HasSuffix(h, " · unpriced") {
		t.Errorf("header %q", h)
	}
}
