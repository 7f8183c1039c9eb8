package profile

import (
	"fmt"

	"github.com/tokenscope/tokenscope/transcripts"
)

// UniqueIDs names each conversation of infos uniquely by the one rule,
// transcripts.UniqueIDs under root: an id that repeats is qualified with
// its file's path under root, then numbered. Conversations read by Load or
// transcripts.Open have unique ids already, which it keeps.
func UniqueIDs(infos []ConversationInfo, root string) []string {
	ids := make([]string, len(infos))
	paths := make([]string, len(infos))
	for i, c := range infos {
		ids[i], paths[i] = c.ID, c.Path
	}
	transcripts.UniqueIDs(ids, paths, root)
	return ids
}

// AllUnpriced reports whether no call of r could be priced: the log names
// no model, or one the price table does not know.
func AllUnpriced(r *Result) bool {
	if r == nil || len(r.Strategies) == 0 {
		return false
	}
	for _, s := range r.Strategies {
		if s.Totals.Calls == 0 || s.Totals.Unpriced < s.Totals.Calls {
			return false
		}
	}
	return true
}

// UnpricedReason says why r's calls are unpriced.
func UnpricedReason(r *Result) string {
	if r.ModelID == "" {
		return "the log names no model"
	}
	return fmt.Sprintf("%s is not in the price table", r.ModelID)
}

// SameUnpriced is the number of unpriced calls when it is the same, and
// not zero, under every strategy; 0 otherwise.
func SameUnpriced(r *Result) int {
	if r == nil || len(r.Strategies) == 0 {
		return 0
	}
	n := r.Strategies[0].Totals.Unpriced
	for _, s := range r.Strategies {
		if s.Totals.Unpriced != n {
			return 0
		}
	}
	return n
}
