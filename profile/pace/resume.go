package pace

import (
	"slices"
	"time"
)

// maxLeaves bounds the leading summaries remembered per file.
const maxLeaves = 32

// resumeSpan is how long after a file's first message its copies may run:
// Claude Code writes them at once, each stamped with the time of the
// resume.
const resumeSpan = time.Minute

// Resume follows a file that may be a resumed Claude Code session, as the
// readers find one (transcripts' ccResume): leading summary lines name
// their leaf, the resumed session's last message; the lines up to the leaf
// are copies of that session, whose calls were billed there, so they are
// held back here and dropped once a message line after the leaf shows the
// file resumes (a leaf that is the file's last message is a title, and
// holds back till the next line). A message line more than resumeSpan
// after the first before any leaf was found releases what was held: the
// summaries named other files' messages, and the calls are the file's own.
// What is held is thus bounded by one instant's copies, and a file that
// resumes nothing holds nothing once its first minute has passed.
type Resume struct {
	Leaves []string `json:"leaves,omitempty"`
	// First is the first message line's time, once one was read: later
	// summaries lead nothing.
	First time.Time `json:"first,omitzero"`
	Seen  bool      `json:"seen,omitempty"`
	// Leaf is set when the leaf was read: what is held is copies if a
	// message line follows.
	Leaf bool `json:"leaf,omitempty"`
	// Held are the calls read before the leaf, neither counted nor
	// reported yet.
	Held []HeldCall `json:"held,omitempty"`
}

// HeldCall is a call held back by Resume, with the file it goes to.
type HeldCall struct {
	Call
	Side bool `json:"side,omitempty"` // a sidechain call of the session's own log
}

// summary notes a summary line's leaf.
func (r *Resume) summary(leaf string) {
	if !r.Seen && leaf != "" && len(r.Leaves) < maxLeaves && !slices.Contains(r.Leaves, leaf) {
		r.Leaves = append(r.Leaves, leaf)
	}
}

// message notes a message line, with its uuid and time. A line after the
// leaf drops what was held (copies); a line too late for a copy before
// any leaf was found returns what was held, to be counted.
func (r *Resume) message(uuid string, t time.Time) (release []HeldCall) {
	if !r.Seen {
		r.Seen, r.First = true, t
	}
	switch {
	case len(r.Leaves) == 0:
	case r.Leaf:
		// The file resumes another session: what it held are that
		// session's calls.
		*r = Resume{Seen: true, First: r.First}
	case slices.Contains(r.Leaves, uuid):
		r.Leaf = true
	case !t.IsZero() && !r.First.IsZero() && t.Sub(r.First) > resumeSpan:
		release = r.Held
		*r = Resume{Seen: true, First: r.First}
	}
	return release
}

// holding reports whether calls read now are to be held back.
func (r *Resume) holding() bool { return len(r.Leaves) > 0 }

// hold keeps c back; a response held already has its figures replaced.
func (r *Resume) hold(c Call, side bool) {
	if c.ID != "" {
		for i := range r.Held {
			if r.Held[i].ID == c.ID {
				r.Held[i] = HeldCall{Call: c, Side: side}
				return
			}
		}
	}
	r.Held = append(r.Held, HeldCall{Call: c, Side: side})
}
