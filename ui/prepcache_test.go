package ui

import (
	"testing"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts"
)

// The cache hands back the same Prepared while conversations, prices and
// model are the same, and prepares again when any of them changes (a live
// conversation that grew included).
func TestPrepCacheKey(t *testing.T) {
	conv := transcripts.Demo(transcripts.Options{}).Conversations[0]
	prices := price.Default()
	// Another table, as --prices gives: the embedded one over itself.
	other, err := price.Load("../profile/price/prices.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c := &prepCache{}
	if _, err := c.prepared([]*transcripts.Conversation{conv}, prices, "", nil); err != nil {
		t.Fatal(err)
	}
	grown := *conv
	grown.Messages = append([]transcripts.Message(nil), conv.Messages...)
	for _, tc := range []struct {
		name   string
		convs  []*transcripts.Conversation
		prices *price.Table
		model  string
		same   bool
	}{
		{"same", []*transcripts.Conversation{conv}, prices, "", true},
		{"other model", []*transcripts.Conversation{conv}, prices, "gpt-4o", false},
		{"other prices", []*transcripts.Conversation{conv}, other, "", false},
		{"other conversation", []*transcripts.Conversation{&grown}, prices, "", false},
	} {
		// Each case starts from the first key.
		base, err := c.prepared([]*transcripts.Conversation{conv}, prices, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.prepared(tc.convs, tc.prices, tc.model, nil)
		if err != nil {
			t.Fatal(err)
		}
		if (got == base) != tc.same {
			t.Errorf("%s: reused %v, want %v", tc.name, got == base, tc.same)
		}
	}
	// A conversation that grew in place is prepared again.
	base, _ := c.prepared([]*transcripts.Conversation{conv}, prices, "", nil)
	conv.Messages = append(conv.Messages, transcripts.Message{Role: transcripts.RoleUser, Content: "more"})
	if got, _ := c.prepared([]*transcripts.Conversation{conv}, prices, "", nil); got == base {
		t.Error("a grown conversation reused the old preparation")
	}
}
