package ui

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/transcripts"
)

// Opening a directory takes two passes, both off the event loop in load:
// the usage pass (transcripts.ReadUsage: the usage each response logged,
// nothing tokenized) gives the conversations page at once, billed as
// logged; then every file is read and counted (transcripts.Walk with a
// profile.Stream), with progress file by file, and the simulated columns
// fill in when the strategies have run on the counts.

// usageMsg is the usage pass's list: one row per session, billed as
// logged at list price, in the order the files are read.
type usageMsg struct {
	rows     []profile.ConversationSummary
	keys     []string // each row's session key (sessionKey)
	models   []string // each row's model, distinct: the header names them
	warnings []string
	err      error
}

// progressMsg reports reading and counting progress, file by file.
type progressMsg struct{ done, total int }

// loadedMsg is a source read by load; when it was counted too, load
// seeded the list's prepCache with the counts.
type loadedMsg struct {
	src  *transcripts.Source
	keys []string // each conversation's session key, to match the usage rows
	err  error
}

// loadJob is what load reads and how it prices and counts.
type loadJob struct {
	path   string
	read   transcripts.Options
	prices *profile.PriceTable
	model  string   // --model, "" for the logged models
	specs  []string // the strategies asked for (their models' encodings are counted too); nil for the defaults
	// counted is where the counts made while reading go: the list's
	// prepCache, so that its first run (and its knobs) count nothing again.
	counted *prepCache
	// hold, when set, is waited on between the usage pass and counting:
	// tests keep the page in its usage-only state.
	hold <-chan struct{}
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
func walk(j loadJob, count bool, ch chan tea.Msg) loadedMsg {
	opt := j.read
	// A report redraws the list, whose widths are measured over every row:
	// a few a second are enough, and a thousand files would cost seconds.
	var last atomic.Int64
	opt.Progress = func(done, total int) {
		now := time.Now().UnixNano()
		if prev := last.Load(); done < total && (now-prev < int64(progressEvery) || !last.CompareAndSwap(prev, now)) {
			return
		}
		select {
		case ch <- progressMsg{done, total}:
		default: // never block the reader on a slow screen
		}
	}
	var s *profile.Stream
	var strategies []*profile.Strategy
	if count {
		if len(j.specs) > 0 {
			strategies, _ = profile.ParseStrategies(j.specs) // checked before the screen opened
		}
		s, _ = profile.NewStream(profile.Options{Prices: j.prices, Model: j.model, Strategies: strategies})
	}
	var work func(*transcripts.Source) (any, error)
	if s != nil {
		work = func(f *transcripts.Source) (any, error) { return s.Count(f.Conversations), nil }
	}
	dir, root := usageRoot(j.path)
	var convs []*transcripts.Conversation
	var keys []string
	src, err := transcripts.Walk(j.path, opt, work, func(f *transcripts.Source, counted any) error {
		if s != nil {
			s.Add(f.Conversations, counted)
		}
		for _, c := range f.Conversations {
			keys = append(keys, sessionKey(c, root))
		}
		convs = append(convs, f.Conversations...)
		return nil
	})
	if err != nil {
		return loadedMsg{err: err}
	}
	ids := make([]string, len(convs))
	paths := make([]string, len(convs))
	for i, c := range convs {
		ids[i], paths[i] = c.ID, c.Path
	}
	if dir {
		transcripts.UniqueIDs(ids, paths, j.path)
	}
	for i, c := range convs {
		c.ID = ids[i]
	}
	src.Conversations = convs
	if s != nil {
		j.counted.seed(convs, j.prices, j.model, s.Prepared(ids), strategies)
	}
	return loadedMsg{src: src, keys: keys}
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
// what the calls that logged usage were billed (profile.Usage by session,
// the same dedupe and prices as the profile's "billed"), in the order the
// files are read, the order the profile's conversations come in; ties in
// a sort then fall the same way in both lists.
func readUsageRows(j loadJob) usageMsg {
	u, err := transcripts.ReadUsage(j.path, j.read)
	if err != nil {
		return usageMsg{err: err}
	}
	sum, err := profile.Usage(u, profile.UsageOptions{Group: "session", Prices: j.prices, Model: j.model})
	if err != nil {
		return usageMsg{err: err}
	}
	byKey := make(map[string]*profile.UsageRow, len(sum.Rows))
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
			out.rows = append(out.rows, profile.ConversationSummary{Index: -1, ID: c.Session, Project: project})
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
