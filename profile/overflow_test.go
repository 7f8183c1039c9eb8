package profile

import (
	"strings"
	"testing"

	"github.com/tokenscope/tokenscope/profile/strategy"

	"github.com/tokenscope/tokenscope/transcripts"
)

// A log whose calls add up past what Money holds is refused, not summed
// into a wrapped figure: 2,000 calls of 10⁹ reported input tokens at
// claude-opus-4-6's $5/MTok bill $5,000 each, $10M in all.
func TestRunRefusesOverflow(t *testing.T) {
	c := &transcripts.Conversation{ID: "x", Model: "claude-opus-4-6"}
	for range 2000 {
		c.Messages = append(c.Messages, transcripts.Message{Role: transcripts.RoleUser, Content: "hi"},
			transcripts.Message{Role: transcripts.RoleAssistant, Content: "yo", Usage: &transcripts.Usage{InputTokens: 1e9, OutputTokens: 1}})
	}
	_, err := Run([]*transcripts.Conversation{c}, Options{})
	if err == nil || !strings.Contains(err.Error(), "the total cost passes $9,223,372.04") {
		t.Errorf("err = %v", err)
	}
}

// Strategy specs refuse token counts no call has.
func TestSpecTokensBounded(t *testing.T) {
	for _, spec := range []string{"summary:trigger=12000,keep=4,size=9223372036854775807", "window:tokens=-5", "cap:1e30k"} {
		if _, err := strategy.Parse(spec); err == nil {
			t.Errorf("%s accepted", spec)
		}
	}
}
