package advisor

import (
	"strings"
	"testing"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/strategy"
	"github.com/tokenscope/tokenscope/transcripts"
)

// Helpers the advisor's tests share.

// run runs specs on convs with the default prices (the strategies
// Run picks for the log when none are given).
func run(tb testing.TB, convs []*transcripts.Conversation, specs ...string) *profile.Result {
	tb.Helper()
	var strategies []*strategy.Strategy
	if len(specs) > 0 {
		var err error
		if strategies, err = strategy.ParseAll(specs); err != nil {
			tb.Fatal(err)
		}
	}
	res, err := profile.Run(convs, profile.Options{Strategies: strategies})
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

// runOn runs specs on the log at path with the default prices.
func runOn(t *testing.T, path string, specs ...string) *profile.Result {
	t.Helper()
	src, err := transcripts.Open(path, transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return run(t, src.Conversations, specs...)
}

// The text forms of profile's basisSpecOf and appSpecOf (Counted.AppSpec), for tests that hold
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
