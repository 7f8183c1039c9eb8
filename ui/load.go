package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"charm.land/bubbles/v2/progress"
	tea "charm.land/bubbletea/v2"

	"github.com/tokenscope/tokenscope/profile"
	advice "github.com/tokenscope/tokenscope/profile/advisor"
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/profile/strategy"
	"github.com/tokenscope/tokenscope/profile/usage"
	"github.com/tokenscope/tokenscope/transcripts"
)

// Opening a directory takes two passes, both off the event loop in load:
// the usage pass (transcripts.ReadUsage: the usage each response logged,
// nothing tokenized) gives the conversations page at once, billed as
// logged; then every file is read and counted (profile.Load, as the
// command line reads), with progress file by file, and the simulated columns
// fill in when the strategies have run on the counts.

// usageMsg is the usage pass's list: one row per session, billed as
// logged at list price, in the order the files are read.
type usageMsg struct {
	rows     []advice.ConversationSummary
	keys     []string // each row's session key (sessionKey)
	models   []string // each row's model, distinct: the header names them
	warnings []string
	err      error
}

// progressMsg reports reading and counting progress, file by file.
type progressMsg struct{ done, total int }

// loadedMsg is a source read by load; when it was counted too, load
// seeded the list's prepCache with the counts, and the source holds no
// conversation: refs say where each is, to be read again when opened.
type loadedMsg struct {
	src      *transcripts.Source
	refs     []convRef
	defaults []string // the default strategies for what was counted
	keys     []string // each conversation's session key, to match the usage rows
	err      error
}

// convRef is a conversation of a directory counted for the list, without
// its text: where to read it again when it is opened (openRef), and what
// makes it read back as the walk read it.
type convRef struct {
	file  string // the file the walk read it from
	nth   int    // its position among that file's conversations
	id    string // its id, unique over the directory (profile.Load)
	msgs  int    // its messages when counted: a log appended to since is cut there
	start time.Time
	// replayed are the messages the walk marked Replayed: copies of
	// responses in earlier files, which a file read alone does not know.
	replayed []int32
}

// loadJob is what load reads and how it prices and counts.
type loadJob struct {
	path   string
	read   transcripts.Options
	prices *price.Table
	model  string   // --model, "" for the logged models
	specs  []string // the strategies asked for (their models' encodings are counted too); nil for the defaults
	// counted is where the counts made while reading go: the list's
	// prepCache, so that its first run (and its knobs) count nothing again.
	counted *prepCache
	// hold, when set, is waited on between the usage pass and counting:
	// tests keep the page in its usage-only state.
	hold <-chan struct{}
}

// loader is the first read of a path: its progress, and what the usage
// pass said, shown until the profile comes.
type loader struct {
	loading  bool
	ch       chan tea.Msg
	hold     <-chan struct{} // tests: holds loading after the usage pass
	progress progress.Model
	done     int // files counted
	all      int // files to count
	usage    struct {
		done             bool // the usage pass is over
		models, warnings []string
	}
}

// load reads j.path off the event loop, sending a usageMsg, progressMsgs
// and a loadedMsg on ch; waitLoad turns each into a message (re-issued
// after each one but the last).
func load(j loadJob, ch chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		u := readUsageRows(j)
		ch <- u
		if j.hold != nil {
			<-j.hold
		}
		// Counted while read only when a list will show: one session's
		// page wants its calls, which a stream does not keep.
		ch <- walk(j, u.err == nil && len(u.rows) > 1, ch)
		return nil
	}
}

func waitLoad(ch chan tea.Msg) tea.Cmd {
	return func() tea.Msg { return <-ch }
}

// progressEvery is how often counting progress is reported at most.
const progressEvery = 50 * time.Millisecond

// walk reads every file of j.path and, with count, counts each as it is
// read on every core. The source is Open's: ids made unique the same way.
// Counted, the conversations' text is let go file by file: the source
// holds none, refs say where each is (stdin, which cannot be read again,
// keeps it).
func walk(j loadJob, count bool, ch chan tea.Msg) loadedMsg {
	var strategies []*strategy.Strategy
	if count && len(j.specs) > 0 {
		strategies, _ = strategy.ParseAll(j.specs) // checked before the screen opened
	}
	return walkFor(j, count, strategies, ch)
}

// walkFor is walk counting for strategies (profile.Load, the command
// line's pipeline). ch may be nil: no progress.
func walkFor(j loadJob, count bool, strategies []*strategy.Strategy, ch chan tea.Msg) loadedMsg {
	// A report redraws the list, whose widths are measured over every row:
	// a few a second are enough, and a thousand files would cost seconds.
	var last atomic.Int64
	progress := func(p profile.Progress) {
		now := time.Now().UnixNano()
		if prev := last.Load(); p.Done < p.Total && (now-prev < int64(progressEvery) || !last.CompareAndSwap(prev, now)) {
			return
		}
		select {
		case ch <- progressMsg{p.Done, p.Total}:
		default: // never block the reader on a slow screen
		}
	}
	// Counted, the text is let go file by file: refs say where each
	// conversation is (stdin, which cannot be read again, keeps it).
	keep := !count || j.path == "-"
	_, root := usageRoot(j.path)
	var refs []convRef
	var keys []string
	eachFile := func(f *transcripts.Source) {
		for i, c := range f.Conversations {
			keys = append(keys, sessionKey(c, root))
			if !keep {
				refs = append(refs, refOf(f.Path, i, c))
			}
		}
	}
	l, err := profile.Load(context.Background(), j.path, profile.LoadOptions{Read: j.read, Count: count, KeepText: keep,
		Engine: profile.Options{Prices: j.prices, Model: j.model, Strategies: strategies}, EachFile: eachFile}, progress)
	if err != nil {
		return loadedMsg{err: err}
	}
	for i := range refs {
		refs[i].id = l.IDs[i]
	}
	out := loadedMsg{src: l.Source, refs: refs, keys: keys}
	if p := l.Prepared; p != nil {
		out.defaults = p.DefaultStrategies()
		j.counted.seed(l.Source.Conversations, l.Models, j.prices, j.model, p, strategies)
	}
	return out
}

// refOf is where conversation c, the nth of file, is, to be read again
// as the walk read it.
func refOf(file string, nth int, c *transcripts.Conversation) convRef {
	r := convRef{file: file, nth: nth, msgs: len(c.Messages)}
	for k := range c.Messages {
		m := &c.Messages[k]
		if r.start.IsZero() && !m.Time.IsZero() {
			r.start = m.Time
		}
		if m.Replayed {
			r.replayed = append(r.replayed, int32(k))
		}
	}
	return r
}

// openedMsg is a conversation of the list read again to be opened.
type openedMsg struct {
	gen int
	i   int // its row: index into the list's sums and the refs
	src *transcripts.Source
	err error
}

// openRef reads conversation r again, as the walk read it: the same
// file, the same position, its unique id and the walk's Replayed marks,
// cut to the messages counted (a session still being written grows).
func openRef(gen, i int, r convRef, read transcripts.Options) tea.Cmd {
	return func() tea.Msg {
		f, err := transcripts.Open(r.file, read)
		if err != nil {
			return openedMsg{gen: gen, i: i, err: err}
		}
		if r.nth >= len(f.Conversations) || len(f.Conversations[r.nth].Messages) < r.msgs {
			return openedMsg{gen: gen, i: i, err: &transcripts.Error{File: r.file,
				Msg: fmt.Sprintf("changed since it was read (conversation %d): reopen the directory", r.nth+1)}}
		}
		c := f.Conversations[r.nth]
		c.Messages = c.Messages[:r.msgs]
		c.ID = r.id
		for _, k := range r.replayed {
			c.Messages[k].Replayed = true
		}
		return openedMsg{gen: gen, i: i, src: &transcripts.Source{Path: c.Path, Format: c.Format,
			Warnings: f.Warnings, Conversations: []*transcripts.Conversation{c}}}
	}
}

// computeRefs is compute for a list kept as refs: it runs strategies on
// the counts made while reading when they can, and else reads and counts
// the tree again for them (another --model, a model on an encoding not
// counted), off the event loop like compute.
func computeRefs(gen int, j loadJob, specs []string) tea.Cmd {
	return runStrategies(gen, true, specs, func(strategies []*strategy.Strategy) (*profile.Prepared, []*strategy.Strategy, error) {
		if p := j.counted.textless(j.prices, j.model, strategies); p != nil {
			return p, strategies, nil
		}
		if l := walkFor(j, true, strategies, nil); l.err != nil {
			return nil, nil, l.err
		}
		if p := j.counted.textless(j.prices, j.model, strategies); p != nil {
			return p, strategies, nil
		}
		return nil, nil, fmt.Errorf("%s: the strategies cannot run on the counts", j.path)
	})
}

// usageRoot is whether path is a directory, and the root the usage pass
// names projects under: the directory, or a file's own directory.
func usageRoot(path string) (dir bool, root string) {
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		return true, path
	}
	return false, filepath.Dir(path)
}

// sessionKey is the usage pass's project/session of a conversation, as
// transcripts.ReadUsage names them: the first directory under root (root's
// own name for a file directly in it), and for Claude Code the session
// file's name (a subagent's file, <session>/subagents/agent-<id>.jsonl,
// belongs to its session), for other formats the conversation's id as
// read. Several conversations may share one (a session's subagents,
// sidechains and rewinds): the usage pass cannot tell them apart.
func sessionKey(c *transcripts.Conversation, root string) string {
	project := filepath.Base(root)
	if rel, err := filepath.Rel(root, c.Path); err == nil {
		if first, _, ok := strings.Cut(filepath.ToSlash(rel), "/"); ok {
			project = first
		}
	}
	session := c.ID
	if c.Format == transcripts.FormatClaudeCode {
		session = strings.TrimSuffix(filepath.Base(c.Path), filepath.Ext(c.Path))
		if dir := filepath.Dir(c.Path); filepath.Base(dir) == "subagents" {
			session = filepath.Base(filepath.Dir(dir))
		}
	}
	return project + "/" + session
}

// readUsageRows is the usage pass: a row per session with its calls and
// what the calls that logged usage were billed (usage.Summarize by session,
// the same dedupe and prices as the profile's "billed"), in the order the
// files are read, the order the profile's conversations come in; ties in
// a sort then fall the same way in both lists.
func readUsageRows(j loadJob) usageMsg {
	u, err := transcripts.ReadUsage(j.path, j.read)
	if err != nil {
		return usageMsg{err: err}
	}
	sum, err := usage.Summarize(u, usage.Options{Group: "session", Prices: j.prices, Model: j.model})
	if err != nil {
		return usageMsg{err: err}
	}
	byKey := make(map[string]*usage.Row, len(sum.Rows))
	for i := range sum.Rows {
		byKey[sum.Rows[i].Key] = &sum.Rows[i]
	}
	_, root := usageRoot(j.path)
	top := filepath.Base(root)
	type acc struct {
		start  time.Time
		billed int
		models map[string]int
	}
	at := map[string]int{}
	var accs []acc
	out := usageMsg{warnings: u.Warnings}
	for _, c := range u.Calls {
		key := c.Project + "/" + c.Session
		i, ok := at[key]
		if !ok {
			i = len(out.rows)
			at[key] = i
			project := c.Project
			if project == top {
				// The profile names no project for a file directly under
				// the root; the usage pass names it after the root.
				project = ""
			}
			out.rows = append(out.rows, advice.ConversationSummary{Index: -1, ID: c.Session, Project: project})
			out.keys = append(out.keys, key)
			accs = append(accs, acc{models: map[string]int{}})
		}
		a := &accs[i]
		if !c.Time.IsZero() && (a.start.IsZero() || c.Time.Before(a.start)) {
			a.start = c.Time
		}
		if c.Usage != nil {
			a.billed++
		}
		if c.Model != "" {
			a.models[c.Model]++
		}
	}
	seen := map[string]bool{}
	for i := range out.rows {
		r, a := &out.rows[i], accs[i]
		if row := byKey[out.keys[i]]; row != nil {
			r.Calls, r.Billed, r.Unpriced = row.Calls, row.Cost, row.Unpriced > 0
		}
		r.Start, r.BilledCalls, r.Model = a.start, a.billed, topModel(a.models)
		if r.Model != "" && !seen[r.Model] {
			seen[r.Model] = true
			out.models = append(out.models, r.Model)
		}
	}
	sort.Strings(out.models)
	if len(out.models) == 1 && j.prices != nil {
		// Named as the profile names its one model: the price table's id.
		if p, ok := j.prices.Lookup(out.models[0]); ok {
			out.models[0] = p.ID
		}
	}
	return out
}

// topModel is the model most calls name (the first by name on a tie).
func topModel(n map[string]int) string {
	best := ""
	for m, k := range n {
		if best == "" || k > n[best] || (k == n[best] && m < best) {
			best = m
		}
	}
	return best
}

// onLoad takes what the load sends: the usage pass's rows, progress, and
// the source read.
func (m Model) onLoad(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case usageMsg:
		m.load.usage.done = true
		// Several sessions: their list now, billed as logged, while the
		// profile is counted. One: its page, when counted.
		if msg.err == nil && len(msg.rows) > 1 && m.c.cfg.Live == nil {
			m.page = pageConversations
			m.load.usage.models, m.load.usage.warnings = msg.models, msg.warnings
			m.list.setUsage(msg.rows, msg.keys)
		}
		return m, waitLoad(m.load.ch)
	case progressMsg:
		m.load.done, m.load.all = msg.done, msg.total
		return m, waitLoad(m.load.ch)
	case loadedMsg:
		m.load.loading = false
		if msg.err != nil {
			m.err = msg.err
			return m, nil
		}
		m.list.refs = msg.refs
		m.setSource(msg.src)
		m.list.convKeys = msg.keys
		if len(m.c.cfg.Specs) == 0 {
			defaults := msg.defaults
			if defaults == nil {
				defaults = strategy.DefaultsFor(msg.src.Conversations)
			}
			m.sh.specs = append([]string(nil), defaults...)
		}
		// Several conversations were counted while read (load seeded the
		// list's prepCache): only the strategies are left to run.
		return m, m.recompute()
	}
	return m, nil
}

// loadJob is how the directory is read and counted, with the model now.
func (m Model) loadJob() loadJob {
	return loadJob{path: m.c.cfg.Path, read: m.c.cfg.Read, prices: m.c.cfg.Prices, model: m.sh.model, counted: m.list.prep}
}

// loadingScreen is the progress of the first read, before any list.
func (m Model) loadingScreen() string {
	label := "reading " + m.c.cfg.Path
	if !m.load.usage.done {
		label = "reading the usage logged in " + m.c.cfg.Path
	}
	pct := 0.0
	if m.load.all > 0 {
		pct = float64(m.load.done) / float64(m.load.all)
		label += fmt.Sprintf(" · %d of %d files", m.load.done, m.load.all)
	}
	return "\n  " + label + "\n\n  " + m.load.progress.ViewAs(pct) + "\n\n  " + m.c.st.dim.Render("q to quit")
}
