package pace

import (
	"errors"
	"slices"
	"strings"

	"github.com/tokenscope/tokenscope/transcripts"
	"github.com/tokenscope/tokenscope/transcripts/follow"
)

// Session is a Claude Code session followed as it grows: its own log and
// its subagents' (<session>/subagents/agent-*.jsonl, and sidechain lines
// of its own log as older Claude Code wrote them). It is a value that can
// be stored between runs: each Update reads only what was appended.
type Session struct {
	Main File `json:"main"`
	// Side holds the sidechain calls logged in the session's own file.
	Side   File    `json:"side"`
	Agents []*File `json:"agents,omitempty"` // by path
	// Skipped counts lines that could not be read (each is stepped over:
	// a live view cannot stop at a line its writer may never fix); Problem
	// is the last one's error.
	Skipped int    `json:"skipped,omitempty"`
	Problem string `json:"problem,omitempty"`
	// onCall, when set, hears of every call added (old nil) or replaced.
	onCall func(old, c *Call)
}

// NewSession follows the session logged in file.
func NewSession(file string) *Session {
	return &Session{Main: File{Tail: follow.Tail{Path: file}}}
}

// Update reads what was appended to the session's files since the last
// update and prices it; it returns how many new calls it found. A file
// that shrank is read again from its start. Only the session's own log
// failing to open is an error.
func (s *Session) Update(p *Pricer) (int, error) {
	added, err := s.read(&s.Main, p, &s.Side)
	if err != nil {
		return added, err
	}
	for _, path := range transcripts.SubagentFiles(s.Main.Tail.Path) {
		i, found := slices.BinarySearchFunc(s.Agents, path, func(f *File, p string) int {
			return strings.Compare(f.Tail.Path, p)
		})
		if !found {
			s.Agents = slices.Insert(s.Agents, i, &File{Tail: follow.Tail{Path: path}, Agent: true})
		}
	}
	for _, f := range s.Agents {
		n, err := s.read(f, p, nil)
		added += n
		if err != nil {
			s.Problem = err.Error()
		}
	}
	return added, nil
}

// read reads f's appended lines; sidechain calls go to side when it is
// not nil. A resumed session's copied calls are not counted (Resume).
func (s *Session) read(f *File, p *Pricer, side *File) (int, error) {
	added := 0
	err := f.Tail.Read(func(line []byte, n int) error {
		c, ok, err := transcripts.DecodeClaudeCodeCall(line, f.Tail.Path, n)
		if err != nil {
			s.Skipped++
			s.Problem = err.Error()
			return nil
		}
		switch {
		case c.Leaf != "":
			f.Resume.summary(c.Leaf)
		case c.Message:
			for _, h := range f.Resume.message(c.UUID, c.Time) {
				if s.count(f, side, h.Call, h.Side) {
					added++
				}
			}
		}
		if !ok {
			return nil
		}
		isSide := c.Sidechain && side != nil
		call := p.Price(&c.Billed)
		if f.Resume.holding() {
			f.Resume.hold(call, isSide)
			return nil
		}
		if s.count(f, side, call, isSide) {
			added++
		}
		return nil
	})
	if errors.Is(err, follow.ErrTruncated) {
		s.forget(f)
		if side != nil {
			s.forget(side)
		}
		return s.read(f, p, side)
	}
	return added, err
}

// count adds call to f, or to side for a sidechain call, and tells onCall;
// it reports whether the call was new.
func (s *Session) count(f, side *File, call Call, isSide bool) bool {
	to := f
	if isSide {
		to = side
	}
	old, replaced := to.add(call)
	if s.onCall != nil {
		if replaced {
			s.onCall(&old, &call)
		} else {
			s.onCall(nil, &call)
		}
	}
	return !replaced
}

// forget takes back f's calls (its file was replaced) and resets it.
func (s *Session) forget(f *File) {
	if s.onCall != nil {
		for i := range f.Recent {
			s.onCall(&f.Recent[i], nil)
		}
	}
	f.Reset()
}

// UpdateFile reads what was appended to one of the session's files: its
// own log or a subagent's (added when new).
func (s *Session) UpdateFile(path string, p *Pricer) {
	if path == s.Main.Tail.Path {
		if _, err := s.read(&s.Main, p, &s.Side); err != nil {
			s.Problem = err.Error()
		}
		return
	}
	i, found := slices.BinarySearchFunc(s.Agents, path, func(f *File, p string) int { return strings.Compare(f.Tail.Path, p) })
	if !found {
		s.Agents = slices.Insert(s.Agents, i, &File{Tail: follow.Tail{Path: path}, Agent: true})
	}
	if _, err := s.read(s.Agents[i], p, nil); err != nil {
		s.Problem = err.Error()
	}
}

// Total is the session's billed usage with its subagents'.
func (s *Session) Total() Totals {
	t := s.Main.Totals
	t.Add(s.AgentTotals())
	return t
}

// AgentTotals is the billed usage of the session's subagents.
func (s *Session) AgentTotals() Totals {
	t := s.Side.Totals
	for _, f := range s.Agents {
		t.Add(f.Totals)
	}
	return t
}

// AgentCount is how many subagent logs the session has (sidechains in its
// own log count as one when there are any).
func (s *Session) AgentCount() int {
	n := len(s.Agents)
	if s.Side.Totals.Calls > 0 {
		n++
	}
	return n
}

// Files are the session's files with calls, its own first.
func (s *Session) Files() []*File {
	out := []*File{&s.Main, &s.Side}
	return append(out, s.Agents...)
}

// Contexts are the context sizes of the session's own last calls, oldest
// first, for CallsToCompact.
func (s *Session) Contexts(n int) []int64 {
	r := s.Main.Recent
	r = r[max(0, len(r)-n):]
	out := make([]int64, len(r))
	for i := range r {
		out[i] = r[i].Context()
	}
	return out
}
