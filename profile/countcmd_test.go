package profile

import (
	"testing"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/profile/tokenize"
	"github.com/tokenscope/tokenscope/transcripts"
)

// count --chat counts each call with the system prompt and tools it was
// sent. The timestamped chat (TestPromptSystemChangesAtCall4) sends
// 1,521, 1,544, 1,567, then, its system prompt 11 tokens longer from
// call 4, 1,601, 1,624, 1,647; after call 6 the messages are the
// system prompt 1,511 + 4 and six exchanges of 14 + 9: 1,653. The chat
// whose tool list grows at call 3 (TestPromptToolsGrowAtCall3) sends 35,
// then 47, tokens of tools before the same prompt and history: 1,556,
// 1,579, 1,614, 1,637, 1,660, and 47 + 1,504 + 5 × 23 = 1,666 after
// call 5. Each call's input is also checked against its request counted
// alone (tokenize.CallInput).
func TestChatCountPerCallPrompt(t *testing.T) {
	one, two := []transcripts.Tool{weather}, []transcripts.Tool{weather, clock}
	pad := tokenize.Pad(1500)
	for _, tc := range []struct {
		name    string
		reqs    []promptRequest
		inputs  []int64
		changed map[int]PromptCount // by call, 1-based
		total   int64
	}{
		{"system changes at call 4", timestamped(nil), []int64{1521, 1544, 1567, 1601, 1624, 1647},
			map[int]PromptCount{4: {System: 1511, SystemFraming: 4}, 6: {System: 1511, SystemFraming: 4}}, 1653},
		{"tools grow at call 3", []promptRequest{{pad, one}, {pad, one}, {pad, two}, {pad, two}, {pad, two}},
			[]int64{1556, 1579, 1614, 1637, 1660}, map[int]PromptCount{3: {System: 1500, SystemFraming: 4, ToolDefs: 47, Tools: 2}}, 1666},
	} {
		t.Run(tc.name, func(t *testing.T) {
			convs, sent := promptChat(t, false, tc.reqs)
			counts, err := ChatCounts(price.Default(), "", &transcripts.Source{Conversations: convs})
			if err != nil {
				t.Fatal(err)
			}
			tok, _ := tokenize.NewTokenizer(tokenize.O200kBase, 1, true)
			call := 0
			for _, m := range counts[0].Messages {
				if m.Role != transcripts.RoleAssistant {
					continue
				}
				tools := tc.reqs[call].tools
				call++
				if want := tokenize.CallInput(sent[call-1], tools, tok); m.Input != tc.inputs[call-1] || m.Input != want {
					t.Errorf("call %d: input %d, want %d (its request counts %d)", call, m.Input, tc.inputs[call-1], want)
				}
				want, changed := tc.changed[call]
				switch {
				case changed != (m.Prompt != nil):
					t.Errorf("call %d: prompt %+v, want changed %v", call, m.Prompt, changed)
				case changed && *m.Prompt != want:
					t.Errorf("call %d: prompt %+v, want %+v", call, *m.Prompt, want)
				}
			}
			if counts[0].Total != tc.total {
				t.Errorf("total %d, want %d", counts[0].Total, tc.total)
			}
		})
	}
}
