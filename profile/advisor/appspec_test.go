package advisor

import (
	"strings"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/transcripts"
)

// The text forms of basisSpecOf and appSpecOf, for tests that hold
// conversations rather than skeletons.

// BasisSpec is the strategy that mirrors what the app did: "cache" when the
// log reports cache reads or writes (the provider cached, so the bill did),
// else "full".
func BasisSpec(convs []*transcripts.Conversation) string {
	for _, c := range convs {
		for i := range c.Messages {
			if u := c.Messages[i].Usage; u != nil && (u.CachedInputTokens > 0 || u.CacheWriteTokens > 0) {
				return "cache"
			}
		}
	}
	return "full"
}

// AppSpec is the one definition of "what the app did" that the report's
// replay check, the findings and tune share: the strategy the engine
// replays against the bill (res.Fidelity.Spec, see appSpec) when every
// conversation agrees on it, else BasisSpec. res may be nil.
func AppSpec(convs []*transcripts.Conversation, res *profile.Result) string {
	if res != nil && res.Fidelity != nil && res.Fidelity.Spec != "" && !strings.Contains(res.Fidelity.Spec, ", ") {
		return res.Fidelity.Spec
	}
	return BasisSpec(convs)
}
