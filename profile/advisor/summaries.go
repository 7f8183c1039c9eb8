package advisor

import (
	"path/filepath"
	"strings"
	"time"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts"
)

// ConversationSummary is one conversation of a Result, as a list of
// conversations shows it.
type ConversationSummary struct {
	Index   int    // into Result.Conversations and each strategy's Conversations
	ID      string // unique within the result: path-qualified where ids repeat
	Project string // the directory under the source root ("" for a single file)
	Model   string
	Start   time.Time // the first logged message time; zero when unknown
	Calls   int
	// Billed is what the reported usage was billed; BilledCalls how many
	// calls reported usage.
	Billed      price.Money
	BilledCalls int
	// Costs are each strategy's simulated cost, in strategy order.
	Costs []price.Money
	// Cheapest is the strategy that costs least (0 when none beats the
	// first); Saving its saving over the first, in percent.
	Cheapest int
	Saving   float64
	Unpriced bool // some call's model is not in the price table
}

// Summaries describes each conversation of res, in order. convs are the
// conversations res was run on (for start times), root is the path they
// were read from (for projects and path-qualified ids).
func Summaries(res *profile.Result, convs []*transcripts.Conversation, root string) []ConversationSummary {
	if res == nil {
		return nil
	}
	ids := profile.UniqueIDs(res.Conversations, root)
	out := make([]ConversationSummary, len(res.Conversations))
	for i, info := range res.Conversations {
		s := ConversationSummary{Index: i, ID: ids[i], Project: project(info.Path, root), Model: info.Model, Calls: info.Calls}
		if i < len(convs) {
			for _, m := range convs[i].Messages {
				if !m.Time.IsZero() {
					s.Start = m.Time
					break
				}
			}
		}
		for si := range res.Strategies {
			if i >= len(res.Strategies[si].Conversations) {
				continue
			}
			t := res.Strategies[si].Conversations[i].Totals
			s.Costs = append(s.Costs, t.Cost)
			if si == 0 {
				s.Billed, s.BilledCalls, s.Unpriced = t.ReportedCost, t.ReportedCalls, t.Unpriced > 0
			}
		}
		for si, c := range s.Costs {
			if si > 0 && c < s.Costs[s.Cheapest] {
				s.Cheapest = si
			}
		}
		if s.Cheapest > 0 && s.Costs[0] > 0 {
			s.Saving = 100 * float64(s.Costs[0]-s.Costs[s.Cheapest]) / float64(s.Costs[0])
		}
		out[i] = s
	}
	return out
}

// project is the first directory of path under root: a Claude Code
// projects tree keeps one directory per project.
func project(path, root string) string {
	rel := relPath(path, root)
	if i := strings.IndexAny(rel, `/\`); i > 0 {
		return rel[:i]
	}
	return ""
}

func relPath(path, root string) string {
	if root == "" || path == "" {
		return path
	}
	rel, err := filepath.Rel(root, path)
	if err != nil || strings.HasPrefix(rel, "..") || rel == "." {
		return path
	}
	return filepath.ToSlash(rel)
}
