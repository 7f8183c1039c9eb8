package pace

import (
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/tokenscope/tokenscope/transcripts"
	"github.com/tokenscope/tokenscope/transcripts/follow"
)

// ActiveFor is how recently a session must have logged a call to count as
// active.
const ActiveFor = 5 * time.Minute

// Live is one session followed in a Tree.
type Live struct {
	ID      string // the session's file name without extension
	Project string // the directory under the root (Claude Code's project)
	Path    string // the session's own log
	Format  string
	// Session holds a Claude Code session, read incrementally.
	Session *Session
	// Whole holds a log of another format, read again whole when it changes
	// (Codex and Gemini CLI logs are small and rewrite totals).
	Whole *File
	// Changed is when a call was last added (the newest call's time).
	Changed time.Time
	// counted are Whole's calls as the tree's days and blocks hold them,
	// taken back when the log is read again (Whole keeps only the recent).
	counted []Call
}

// Totals is the session's billed usage with its subagents'.
func (l *Live) Totals() Totals {
	if l.Session != nil {
		return l.Session.Total()
	}
	return l.Whole.Totals
}

// Last is the session's newest call of its own, nil when none.
func (l *Live) Last() *Call {
	if l.Session != nil {
		return l.Session.Main.Last()
	}
	return l.Whole.Last()
}

// Files are the files whose recent calls count for burn rates.
func (l *Live) Files() []*File {
	if l.Session != nil {
		return l.Session.Files()
	}
	return []*File{l.Whole}
}

// Tree follows every session under some roots: fed the paths that changed,
// it reads what was appended and keeps running totals, today's spend, the
// 5-hour blocks and the newest calls. Memory grows with sessions, days and
// blocks, not with calls.
type Tree struct {
	Roots  []string
	Pricer *Pricer
	Now    func() time.Time // the clock (tests set it)
	Loc    *time.Location   // days are taken in it (nil: local)

	live   map[string]*Live // by the session's own log
	owner  map[string]*Live // every file read → its session
	Blocks Blocks
	days   map[string]Totals
	// Seq counts changes, so a view redraws only when something moved.
	Seq int
}

// NewTree follows roots.
func NewTree(roots []string) *Tree {
	return &Tree{Roots: roots, Pricer: &Pricer{}, Now: time.Now, live: map[string]*Live{}, owner: map[string]*Live{},
		days: map[string]Totals{}}
}

// Load reads every log under the roots, as it is now.
func (t *Tree) Load() []string {
	var warnings []string
	for _, root := range t.Roots {
		files, warn, err := transcripts.LogFiles(root)
		if err != nil {
			warnings = append(warnings, err.Error())
			continue
		}
		warnings = append(warnings, warn...)
		for _, f := range files {
			t.Changed(f)
		}
	}
	return warnings
}

// Changed reads what was appended to file, a log new or known.
func (t *Tree) Changed(file string) {
	l := t.owner[file]
	if l == nil {
		l = t.adopt(file)
		if l == nil {
			return
		}
	}
	if l.Session != nil {
		l.Session.UpdateFile(file, t.Pricer)
	} else {
		t.rereadWhole(l)
	}
}

// adopt starts following file: a Claude Code session (its own log or a
// subagent's, whose session is adopted with it) or a log of another
// format. Files that are no log are remembered as such (nil owner).
func (t *Tree) adopt(file string) *Live {
	main, isAgent := file, false
	if session, ok := transcripts.SubagentOf(file); ok {
		main = filepath.Join(filepath.Dir(filepath.Dir(filepath.Dir(file))), session+".jsonl")
		isAgent = true
	}
	l := t.live[main]
	if l == nil {
		format := transcripts.FormatClaudeCode
		if !isAgent {
			format = transcripts.FormatOf(file)
		}
		if format == "" {
			return nil // not (yet) a log: looked at again when it changes
		}
		l = &Live{ID: strings.TrimSuffix(filepath.Base(main), filepath.Ext(main)), Project: t.project(main), Path: main, Format: format}
		if format == transcripts.FormatClaudeCode {
			l.Session = NewSession(main)
			l.Session.onCall = func(old *Call, c *Call) { t.onCall(l, old, c) }
		} else {
			l.Whole = &File{Tail: follow.Tail{Path: main}}
		}
		t.live[main] = l
		t.owner[main] = l
	}
	t.owner[file] = l
	return l
}

// project names the directory of file under the root that holds it.
func (t *Tree) project(file string) string {
	for _, root := range t.Roots {
		if rel, err := filepath.Rel(root, file); err == nil && !strings.HasPrefix(rel, "..") {
			if first, _, ok := strings.Cut(filepath.ToSlash(rel), "/"); ok {
				return first
			}
			return filepath.Base(root)
		}
	}
	return filepath.Base(filepath.Dir(file))
}

// rereadWhole reads a log of another format again and takes its calls in
// place of the ones it had.
func (t *Tree) rereadWhole(l *Live) {
	src, err := transcripts.ReadUsage(l.Path, transcripts.Options{Format: l.Format})
	if err != nil {
		return // half-written: the next change reads it again
	}
	for i := range l.counted {
		t.onCall(l, &l.counted[i], nil)
	}
	l.counted = l.counted[:0]
	l.Whole.Reset()
	for i := range src.Calls {
		c := t.Pricer.Price(&src.Calls[i])
		l.Whole.Add(c)
		t.onCall(l, nil, &c)
		l.counted = append(l.counted, c)
	}
}

// onCall keeps the tree's sums as a call is added (old nil), replaced or
// taken back (c nil).
func (t *Tree) onCall(l *Live, old *Call, c *Call) {
	t.Seq++
	if old != nil {
		t.Blocks.Sub(old)
		t.dayAdd(old, -1)
	}
	if c == nil {
		return
	}
	t.Blocks.Add(c)
	t.dayAdd(c, 1)
	if c.Time.After(l.Changed) {
		l.Changed = c.Time
	}
}

func (t *Tree) dayAdd(c *Call, sign int) {
	if c.Time.IsZero() {
		return
	}
	loc := t.Loc
	if loc == nil {
		loc = time.Local
	}
	day := c.Time.In(loc).Format("2006-01-02")
	d := t.days[day]
	if sign > 0 {
		d.Add(c.Totals)
	} else {
		d.sub(c.Totals)
	}
	t.days[day] = d
}

// Today is the spend of calls timed today (in Loc).
func (t *Tree) Today() Totals {
	loc := t.Loc
	if loc == nil {
		loc = time.Local
	}
	return t.days[t.Now().In(loc).Format("2006-01-02")]
}

// Sessions are the sessions followed, the most recently changed first.
func (t *Tree) Sessions() []*Live {
	out := make([]*Live, 0, len(t.live))
	for _, l := range t.live {
		out = append(out, l)
	}
	slices.SortFunc(out, func(a, b *Live) int {
		if c := b.Changed.Compare(a.Changed); c != 0 {
			return c
		}
		return strings.Compare(a.Path, b.Path)
	})
	return out
}

// Active reports whether l logged a call within ActiveFor of now.
func (t *Tree) Active(l *Live) bool {
	return !l.Changed.IsZero() && t.Now().Sub(l.Changed) < ActiveFor
}

// Burn is the spend of every session over the last RecentSpan.
func (t *Tree) Burn() Burn {
	var files []*File
	for _, l := range t.live {
		files = append(files, l.Files()...)
	}
	return BurnOf(t.Now(), RecentSpan, files...)
}

// Window is the context window of model, 0 when unknown.
func (t *Tree) Window(model string) int64 { return t.Pricer.Window(model) }

// LastDays is the spend of the last n days, today included (in Loc).
func (t *Tree) LastDays(n int) Totals {
	loc := t.Loc
	if loc == nil {
		loc = time.Local
	}
	var out Totals
	today := t.Now().In(loc)
	for i := range n {
		out.Add(t.days[today.AddDate(0, 0, -i).Format("2006-01-02")])
	}
	return out
}
