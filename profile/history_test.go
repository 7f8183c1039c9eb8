package profile

import (
	"strings"
	"testing"
	"time"

	"github.com/tokenscope/tokenscope/profile/strategy"
	"github.com/tokenscope/tokenscope/transcripts"
)

// historyPair is two conversations of one source (one directory, one
// model) that open with the same long user message: b's first call, at
// gap after a's, sends what a's call sent.
func historyPair(gap time.Duration) []*transcripts.Conversation {
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	doc := "Review this contract clause by clause. " + strings.Repeat("The supplier shall deliver the goods in good order. ", 120)
	conv := func(id string, at time.Time, reply string) *transcripts.Conversation {
		return &transcripts.Conversation{ID: id, Path: "logs/" + id + ".jsonl", Model: "claude-sonnet-4-5", Messages: []transcripts.Message{
			{Role: transcripts.RoleUser, Content: doc, Time: at},
			{Role: transcripts.RoleAssistant, Content: reply, Time: at.Add(5 * time.Second)},
		}}
	}
	return []*transcripts.Conversation{conv("a", t0, "Clause 1 is fine."), conv("b", t0.Add(gap), "Clause one holds.")}
}

// TestHistoryAcrossConversations: a call whose history another
// conversation of its source sent within the TTL (5 minutes: the log
// shows no writes) reads it, whatever order the conversations are run
// in; after the TTL it does not. b reads all a's call sent but the reply
// priming (3 tokens, not part of the cached prefix): 1,333 of 1,336, and
// writes those 3.
func TestHistoryAcrossConversations(t *testing.T) {
	cache, err := strategy.Parse("cache")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		gap     time.Duration
		reverse bool
		reads   bool
	}{
		{2 * time.Minute, false, true},
		{2 * time.Minute, true, true},
		{5 * time.Minute, false, true}, // the TTL is inclusive
		{6 * time.Minute, false, false},
	} {
		convs := historyPair(tc.gap)
		if tc.reverse {
			convs[0], convs[1] = convs[1], convs[0]
		}
		res, err := Run(convs, Options{Strategies: []*strategy.Strategy{cache}})
		if err != nil {
			t.Fatal(err)
		}
		calls := map[string]Call{}
		for _, c := range res.Strategies[0].Conversations {
			calls[c.ID] = c.Calls[0]
		}
		a, b := calls["a"], calls["b"]
		sent := a.Input.Total() - 3
		if a.Cached != 0 || a.CacheWrite != a.Input.Total() || sent < 1024 {
			t.Fatalf("gap %v: a reads %d, writes %d of %d", tc.gap, a.Cached, a.CacheWrite, a.Input.Total())
		}
		want := int64(0)
		if tc.reads {
			want = sent
		}
		if b.Cached != want || b.CacheWrite != b.Input.Total()-want {
			t.Errorf("gap %v (reversed %v): b reads %d, writes %d; want %d, %d", tc.gap, tc.reverse, b.Cached, b.CacheWrite, want, b.Input.Total()-want)
		}
	}
}
