package ui

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/tokenscope/tokenscope/profile/pace"
)

// The watch page follows running agent sessions: a live list of the
// sessions under some roots, kept true as their logs grow, with a header
// of what is burning now, and a session screen that follows the newest
// call. It is a program of its own: the Tree it shows is read and updated
// by a follower goroutine, which hands the page immutable snapshots, so
// Update never reads a file.

// PlanLimit is one plan window Claude Code reported (through the
// statusline), for the header.
type PlanLimit struct {
	Name  string // "5h", "7d"
	Limit pace.Limit
}

// WatchConfig is what `tokenscope watch` runs the page on.
type WatchConfig struct {
	Tree *pace.Tree
	// Changes are the paths of the logs written (follow.Notify).
	Changes <-chan string
	// Limits returns the latest plan windows seen and when they were
	// seen; nil or none when there are none.
	Limits func() ([]PlanLimit, time.Time)
	// Refresh is how often the page is redrawn without a change (times,
	// active marks, burn windows): a second by default.
	Refresh time.Duration
}

// watchRow is one session as the page shows it.
type watchRow struct {
	name, path, model string
	active            bool
	changed           time.Time
	totals, agentsSum pace.Totals
	agents            []agentRow
	recent            []pace.Call
	context, window   int64
	toCompact         int
	compactKnown      bool
	problem           string
}

type agentRow struct {
	name   string
	model  string
	totals pace.Totals
}

// watchSnap is the Tree at one moment.
type watchSnap struct {
	at       time.Time
	rows     []watchRow
	burn     pace.Burn
	today    pace.Totals
	week     pace.Totals
	block    *pace.Block
	limits   []PlanLimit
	limitsAt time.Time
	loading  bool
}

type watchSnapMsg struct{ snap *watchSnap }

// snapshot copies what the page shows out of the tree.
func snapshot(t *pace.Tree, limits func() ([]PlanLimit, time.Time)) *watchSnap {
	now := t.Now()
	s := &watchSnap{at: now, burn: t.Burn(), today: t.Today(), week: t.LastDays(7)}
	if b := t.Blocks.Current(now); b != nil {
		c := *b
		s.block = &c
	}
	if limits != nil {
		s.limits, s.limitsAt = limits()
	}
	for _, l := range t.Sessions() {
		r := watchRow{name: l.Project + "/" + l.ID, path: l.Path, active: t.Active(l), changed: l.Changed, totals: l.Totals()}
		if last := l.Last(); last != nil {
			r.model, r.context = last.Model, last.Context()
			r.window = t.Window(last.Model)
		}
		if se := l.Session; se != nil {
			r.agentsSum = se.AgentTotals()
			r.recent = append([]pace.Call(nil), se.Main.Recent...)
			r.toCompact, r.compactKnown = pace.CallsToCompact(r.window, se.Contexts(6))
			r.problem = se.Problem
			if se.Side.Totals.Calls > 0 {
				r.agents = append(r.agents, agentRow{name: "sidechains", totals: se.Side.Totals, model: lastModel(&se.Side)})
			}
			for _, f := range se.Agents {
				name := strings.TrimSuffix(f.Tail.Path[strings.LastIndexByte(f.Tail.Path, '/')+1:], ".jsonl")
				r.agents = append(r.agents, agentRow{name: name, totals: f.Totals, model: lastModel(f)})
			}
		} else if l.Whole != nil {
			r.recent = append([]pace.Call(nil), l.Whole.Recent...)
		}
		s.rows = append(s.rows, r)
	}
	return s
}

func lastModel(f *pace.File) string {
	if c := f.Last(); c != nil {
		return c.Model
	}
	return ""
}

// follower owns the Tree: it loads it, applies changes, and sends a
// snapshot after each batch of changes and every refresh.
func follower(ctx context.Context, cfg WatchConfig, out chan<- *watchSnap) {
	send := func(s *watchSnap) bool {
		select {
		case out <- s:
			return true
		case <-ctx.Done():
			return false
		}
	}
	cfg.Tree.Load()
	if !send(snapshot(cfg.Tree, cfg.Limits)) {
		return
	}
	every := cfg.Refresh
	if every <= 0 {
		every = time.Second
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case p, ok := <-cfg.Changes:
			if !ok {
				cfg.Changes = nil
				continue
			}
			cfg.Tree.Changed(p)
			// Take what else came meanwhile, then draw once.
			for more := true; more; {
				select {
				case p, ok := <-cfg.Changes:
					if !ok {
						cfg.Changes, more = nil, false
						break
					}
					cfg.Tree.Changed(p)
				default:
					more = false
				}
			}
		}
		if !send(snapshot(cfg.Tree, cfg.Limits)) {
			return
		}
	}
}

func waitSnap(ch <-chan *watchSnap) tea.Cmd {
	return func() tea.Msg { return watchSnapMsg{<-ch} }
}

// WatchModel is the watch page.
type WatchModel struct {
	snaps         <-chan *watchSnap
	cancel        context.CancelFunc
	snap          *watchSnap
	st            styles
	width, height int
	cursor        int
	selected      string    // the path of the selected session, kept across snapshots
	picked        bool      // the user moved the cursor: it stays on its session; else on the newest
	open          string    // the session screen's path ("" on the list)
	anchor        time.Time // the last call shown when not following
	follow        bool      // the session screen shows the newest call
	help          bool
	keys          watchKeys
}

// watchKeys are the watch page's keys.
type watchKeys struct {
	Up, Down, Home, Open, Back, Follow, Help, Quit key.Binding
}

func newWatchKeys() watchKeys {
	return watchKeys{
		Up:     bind("↑/k", "up: the list, or the calls", "up", "k"),
		Down:   bind("↓/j", "down", "down", "j"),
		Home:   bind("g", "the first row", "home", "g"),
		Open:   bind("enter/→", "open the session: subagents and calls", "enter", "right", "l"),
		Back:   bind("esc/←", "back to the list", "esc", "backspace", "left", "h"),
		Follow: bind("f/end", "follow the newest call again", "f", "end", "G"),
		Help:   bind("?", "this help", "?"),
		Quit:   bind("q", "quit", "q", "ctrl+c"),
	}
}

// ShortHelp is the watch page's one-line help.
func (k watchKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Open, k.Back, k.Follow, k.Help, k.Quit}
}

// FullHelp is the watch page's keys, in one column: their words are long.
func (k watchKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.Home, k.Open, k.Back, k.Follow, k.Help, k.Quit}}
}

// KeyMap is the page's keys, for the help.
func (m WatchModel) KeyMap() help.KeyMap { return m.keys }

// SetSize gives the page the terminal's size.
func (m *WatchModel) SetSize(w, h int) { m.width, m.height = w, h }

// NewWatch starts the follower and returns the page.
func NewWatch(cfg WatchConfig) WatchModel {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan *watchSnap, 1)
	go follower(ctx, cfg, ch)
	return WatchModel{snaps: ch, cancel: cancel, st: newStyles(), width: 80, height: 24, follow: true,
		snap: &watchSnap{loading: true}, keys: newWatchKeys()}
}

// RunWatch runs the watch page until the user quits.
func RunWatch(cfg WatchConfig) error {
	m := NewWatch(cfg)
	defer m.cancel()
	_, err := tea.NewProgram(m).Run()
	return err
}

// Init waits for the first snapshot.
func (m WatchModel) Init() tea.Cmd { return waitSnap(m.snaps) }

// Update takes snapshots, keys and resizes.
func (m WatchModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.SetSize(msg.Width, msg.Height)
	case watchSnapMsg:
		m.snap = msg.snap
		m.place()
		return m, waitSnap(m.snaps)
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	return m, nil
}

// place keeps the cursor on the selected session as rows reorder.
func (m *WatchModel) place() {
	rows := m.snap.rows
	if !m.picked {
		m.cursor = 0
	}
	for i := range rows {
		if m.picked && rows[i].path == m.selected {
			m.cursor = i
			return
		}
	}
	m.cursor = min(m.cursor, max(0, len(rows)-1))
	if len(rows) > 0 {
		m.selected = rows[m.cursor].path
	}
}

func (m WatchModel) key(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	if m.help {
		m.help = false
		return m, nil
	}
	switch {
	case key.Matches(msg, k.Quit):
		m.cancel()
		return m, tea.Quit
	case key.Matches(msg, k.Help):
		m.help = true
		return m, nil
	}
	if m.open != "" {
		switch {
		case key.Matches(msg, k.Back):
			m.open = ""
		case key.Matches(msg, k.Up):
			m.moveCalls(-1)
		case key.Matches(msg, k.Down):
			m.moveCalls(1)
		case key.Matches(msg, k.Follow):
			m.follow = true
		}
		return m, nil
	}
	rows := m.snap.rows
	switch {
	case key.Matches(msg, k.Up):
		m.cursor, m.picked = max(0, m.cursor-1), true
	case key.Matches(msg, k.Down):
		m.cursor, m.picked = min(max(0, len(rows)-1), m.cursor+1), true
	case key.Matches(msg, k.Home):
		m.cursor, m.picked = 0, true
	case key.Matches(msg, k.Open):
		if m.cursor < len(rows) {
			m.open, m.follow = rows[m.cursor].path, true
		}
	}
	if m.cursor < len(rows) {
		m.selected = rows[m.cursor].path
	}
	return m, nil
}

// openRow is the session screen's row, nil when it is gone.
func (m WatchModel) openRow() *watchRow {
	for i := range m.snap.rows {
		if m.snap.rows[i].path == m.open {
			return &m.snap.rows[i]
		}
	}
	return nil
}

// end is one past the last call the session screen shows: the newest when
// following, else the call the user moved to, which stays put as calls
// arrive.
func (m WatchModel) end(r *watchRow) int {
	if m.follow {
		return len(r.recent)
	}
	for i := len(r.recent) - 1; i >= 0; i-- {
		if !r.recent[i].Time.After(m.anchor) {
			return i + 1
		}
	}
	return min(1, len(r.recent))
}

// moveCalls moves the session screen's last call shown by d; reaching the
// newest follows again.
func (m *WatchModel) moveCalls(d int) {
	r := m.openRow()
	if r == nil || len(r.recent) == 0 {
		return
	}
	end := max(1, min(len(r.recent), m.end(r)+d))
	m.follow = end == len(r.recent)
	m.anchor = r.recent[end-1].Time
}

// View draws the page.
func (m WatchModel) View() tea.View {
	v := tea.NewView(m.content())
	v.AltScreen = true
	return v
}

func (m WatchModel) content() string {
	w, h := max(20, m.width), max(6, m.height)
	var lines []string
	switch {
	case m.help:
		lines = m.helpLines()
	case m.snap.loading:
		lines = []string{m.st.title.Render("tokenscope watch"), "", "reading the logs…"}
	case m.open != "":
		lines = m.sessionLines(w, h)
	default:
		lines = m.listLines(w, h)
	}
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, w, "…")
	}
	if len(lines) > h {
		lines = lines[:h]
	}
	return strings.Join(lines, "\n")
}

func (m WatchModel) helpLines() []string {
	lines := []string{m.st.title.Render("tokenscope watch: keys"), ""}
	lines = append(lines, strings.Split(help.New().FullHelpView(m.keys.FullHelp()), "\n")...)
	return append(lines,
		"",
		"● active: a call in the last 5 minutes. burn: the last 15 minutes.",
		"Plan windows come from Claude Code's rate_limits when `tokenscope",
		"statusline` runs as its status line; else 5-hour blocks from the logs.",
		"",
		m.st.dim.Render("any key closes"),
	)
}

// header is the live header: burn, today, plan windows, the active
// session's context.
func (m WatchModel) header(w int) []string {
	s := m.snap
	active := 0
	for i := range s.rows {
		if s.rows[i].active {
			active++
		}
	}
	title := m.st.title.Render("tokenscope watch") + m.st.dim.Render(fmt.Sprintf(" · %d sessions · %d active", len(s.rows), active))
	clock := s.at.Format("15:04:05")
	title += strings.Repeat(" ", max(1, w-ansi.StringWidth(title)-len(clock))) + m.st.dim.Render(clock)
	burn := fmt.Sprintf("burn %s/h · %s tok/min (15 min) · today %s · 7 days %s",
		s.burn.PerHour(), shortTokens(int64(s.burn.TokensPerMinute())), s.today.CostText("*"), s.week.CostText("*"))
	out := []string{title, burn, m.planLine()}
	if r := m.activeRow(); r != nil && r.window > 0 {
		line := fmt.Sprintf("active %s: ctx %s of %s (%d%%)", printableName(r.name, 30), shortTokens(r.context), shortTokens(r.window),
			100*r.context/r.window)
		if r.compactKnown {
			line += fmt.Sprintf(" · auto-compact in ~%d calls", r.toCompact)
		}
		out = append(out, line)
	}
	return out
}

// planLine is the plan windows Claude Code reported, else the 5-hour block
// computed from the logs.
func (m WatchModel) planLine() string {
	s := m.snap
	if len(s.limits) > 0 {
		var parts []string
		for _, l := range s.limits {
			p := fmt.Sprintf("%s %d%%", l.Name, int(l.Limit.UsedPercent))
			if l.Limit.ResetsAt.After(s.at) {
				p += " ↻" + watchDuration(l.Limit.ResetsAt.Sub(s.at))
			}
			if at, ok := l.Limit.RunsOut(s.at); ok {
				p += m.st.warn.Render(" out in " + watchDuration(at.Sub(s.at)))
			}
			parts = append(parts, p)
		}
		return "plan " + strings.Join(parts, " · ") + m.st.dim.Render(" (Claude Code, "+watchDuration(s.at.Sub(s.limitsAt))+" ago)")
	}
	if b := s.block; b != nil {
		line := fmt.Sprintf("5h block %s–%s %s", b.Start.Local().Format("15:04"), b.End.Local().Format("15:04"), b.Cost)
		// A pace of a few minutes says little about five hours.
		if s.at.Sub(b.First) >= 10*time.Minute {
			line += fmt.Sprintf(" → ~%s by %s at this pace", b.Projected(s.at), b.End.Local().Format("15:04"))
		}
		return line + m.st.dim.Render(" (from the logs)")
	}
	return m.st.dim.Render("no 5-hour block running")
}

// activeRow is the most recently active session, nil when none is active.
func (m WatchModel) activeRow() *watchRow {
	for i := range m.snap.rows {
		if m.snap.rows[i].active {
			return &m.snap.rows[i]
		}
	}
	return nil
}

func (m WatchModel) listLines(w, h int) []string {
	lines := m.header(w)
	lines = append(lines, m.st.dim.Render(strings.Repeat("─", w)))
	nameW := max(12, w-56)
	lines = append(lines, m.st.dim.Render(fmt.Sprintf("  %-*s %-16s %6s %10s %11s %5s", nameW, "session", "model", "calls", "cost", "subagents", "last")))
	rows := m.snap.rows
	room := max(1, h-len(lines)-1)
	first := max(0, min(m.cursor-room/2, len(rows)-room))
	for i := first; i < min(len(rows), first+room); i++ {
		r := &rows[i]
		mark := "  "
		if r.active {
			mark = m.st.good.Render("●") + " "
		}
		agents := ""
		if r.agentsSum.Calls > 0 {
			agents = fmt.Sprintf("%d %s", len(r.agents), r.agentsSum.CostText("*"))
		}
		last := ""
		if !r.changed.IsZero() {
			last = r.changed.Local().Format("15:04")
			if r.changed.Before(m.snap.at.Add(-24 * time.Hour)) {
				last = r.changed.Local().Format("01-02")
			}
		}
		line := fmt.Sprintf("%-*s %-16s %6d %10s %11s %5s", nameW, printableName(r.name, nameW), trimModel(r.model, 16), r.totals.Calls,
			r.totals.CostText("*"), agents, last)
		if i == m.cursor {
			line = m.st.selected.Render(line)
		}
		lines = append(lines, mark+line)
	}
	if len(rows) == 0 {
		lines = append(lines, m.st.dim.Render("  no sessions yet: they appear as their logs are written"))
	}
	for len(lines) < h-1 {
		lines = append(lines, "")
	}
	return append(lines, m.st.dim.Render("↑↓ move · enter open · ? help · q quit"))
}

func (m WatchModel) sessionLines(w, h int) []string {
	r := m.openRow()
	if r == nil {
		return []string{"session gone", "", m.st.dim.Render("esc back")}
	}
	lines := []string{
		m.st.title.Render(printableName(r.name, w-20)) + m.st.dim.Render(" · "+trimModel(r.model, 24)),
		fmt.Sprintf("%d calls · %s", r.totals.Calls, r.totals.CostText("*")),
	}
	if r.agentsSum.Calls > 0 {
		lines[1] += fmt.Sprintf(" (of which subagents %s, %d %s)", r.agentsSum.CostText("*"), len(r.agents), agentsWord(len(r.agents)))
	}
	ctx := ""
	if r.window > 0 {
		ctx = fmt.Sprintf("ctx %s of %s (%d%%)", shortTokens(r.context), shortTokens(r.window), 100*r.context/r.window)
		if r.compactKnown {
			ctx += fmt.Sprintf(" · auto-compact in ~%d calls", r.toCompact)
		}
	}
	if hit, ok := r.totals.HitRate(); ok {
		ctx += fmt.Sprintf(" · cache %d%% · caching saved %s", int(hit*100), r.totals.Saved)
	}
	lines = append(lines, strings.TrimPrefix(ctx, " · "))
	if len(r.agents) > 0 {
		lines = append(lines, "", m.st.bold.Render("subagents"))
		for _, a := range r.agents {
			hit := ""
			if h, ok := a.totals.HitRate(); ok {
				hit = fmt.Sprintf("cache %d%%", int(h*100))
			}
			lines = append(lines, fmt.Sprintf("  %-22s %-18s %4d calls %10s  %s", printableName(a.name, 22), trimModel(a.model, 18),
				a.totals.Calls, a.totals.CostText("*"), hit))
		}
	}
	end := m.end(r)
	state := "following the newest"
	if !m.follow {
		state = fmt.Sprintf("%d newer below · f to follow", len(r.recent)-end)
	}
	lines = append(lines, "", m.st.bold.Render("recent calls")+m.st.dim.Render(" (newest last; "+state+")"))
	lines = append(lines, m.st.dim.Render(fmt.Sprintf("  %-8s %-18s %9s %9s %7s %10s", "time", "model", "context", "cache rd", "output", "cost")))
	room := max(1, h-len(lines)-1)
	for _, c := range r.recent[max(0, end-room):end] {
		lines = append(lines, fmt.Sprintf("  %-8s %-18s %9s %9s %7s %10s", c.Time.Local().Format("15:04:05"), trimModel(c.Model, 18),
			shortTokens(c.Context()), shortTokens(c.CacheReads), shortTokens(c.Output), c.Totals.CostText("*")))
	}
	if r.problem != "" {
		lines = append(lines, m.st.warn.Render("skipped a line: "+printableName(r.problem, w)))
	}
	for len(lines) < h-1 {
		lines = append(lines, "")
	}
	return append(lines, m.st.dim.Render("esc back · ↑↓ scroll calls · f follow · ? help · q quit"))
}

func agentsWord(n int) string {
	if n == 1 {
		return "agent"
	}
	return "agents"
}

// trimModel drops the claude- prefix and a date suffix so model names fit.
func trimModel(m string, n int) string {
	m = strings.TrimPrefix(m, "claude-")
	if i := strings.LastIndexByte(m, '-'); i > 0 && len(m)-i == 9 {
		m = m[:i]
	}
	return printableName(m, n)
}

// printableName keeps at most n cells of a name from a log or a path,
// control characters replaced so nothing reaches the terminal as a
// sequence.
func printableName(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '?'
		}
		return r
	}, s)
	if lipgloss.Width(s) > n {
		return "…" + ansi.TruncateLeft(s, lipgloss.Width(s)-n+1, "")
	}
	return s
}

// watchDuration is 2h05m, 45m, 3d4h, 20s.
func watchDuration(d time.Duration) string {
	switch {
	case d >= 24*time.Hour:
		return fmt.Sprintf("%dd%dh", int(d.Hours())/24, int(d.Hours())%24)
	case d >= time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	case d >= time.Minute:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	}
	return fmt.Sprintf("%ds", max(0, int(d.Seconds())))
}

// WatchText is the watch page's list as plain text, width columns wide,
// every session listed: for `watch --print` and pipes.
func WatchText(t *pace.Tree, limits func() ([]PlanLimit, time.Time), width int) string {
	m := WatchModel{st: newStyles(), snap: snapshot(t, limits), width: width, cursor: -1}
	m.height = len(m.snap.rows) + 8
	lines := m.listLines(width, m.height)
	var b strings.Builder
	for _, l := range lines[:len(lines)-1] { // not the keys
		l = strings.TrimRight(ansi.Strip(l), " ")
		b.WriteString(l + "\n")
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}
