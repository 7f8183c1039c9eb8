package ui

import "github.com/tokenscope/tokenscope/profile"

// approxMark is "≈" when the counts of conversation id are estimates (no
// exact tokenizer for its model), "" when they are exact: the SPEC marks
// estimates wherever they are shown.
func approxMark(res *profile.Result, id string) string {
	if res == nil {
		return ""
	}
	for _, c := range res.Conversations {
		if c.ID == id {
			if c.Exact {
				return ""
			}
			return "≈"
		}
	}
	if res.Tokenizer != nil && !res.Tokenizer.Exact {
		return "≈"
	}
	return ""
}

// resultApprox is "≈" when any conversation of res is counted by an
// estimate, for figures that sum over conversations.
func resultApprox(res *profile.Result) string {
	if res == nil {
		return ""
	}
	for _, c := range res.Conversations {
		if !c.Exact {
			return "≈"
		}
	}
	if len(res.Conversations) == 0 && res.Tokenizer != nil && !res.Tokenizer.Exact {
		return "≈"
	}
	return ""
}
