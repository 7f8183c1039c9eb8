package ui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/tokenscope/tokenscope/profile"
	advice "github.com/tokenscope/tokenscope/profile/advisor"
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts"
)

// sortKey is the column the conversations list is sorted by.
type sortKey int

const (
	sortCost sortKey = iota
	sortDate
	sortCalls
	sortSaving
)

func (k sortKey) String() string { return [...]string{"cost", "date", "calls", "saving"}[k] }

// listKeyMap is every key of the conversations page.
type listKeyMap struct {
	Up, Down, PageUp, PageDown, Home, End key.Binding
	Open, Filter, ClearFilter             key.Binding
	SortCost, SortDate, SortCalls         key.Binding
	SortSaving, Warnings, Help, Quit      key.Binding
	// The root opens these panes over the list.
	Findings, Model key.Binding
}

func newListKeyMap() listKeyMap {
	return listKeyMap{
		Up:          bind("↑/k", "up", "up", "k"),
		Down:        bind("↓/j", "down", "down", "j"),
		PageUp:      bind("pgup", "page up", "pgup"),
		PageDown:    bind("pgdn", "page down", "pgdown"),
		Home:        bind("g", "first", "home", "g"),
		End:         bind("G", "last", "end", "G"),
		Open:        bind("enter", "open", "enter"),
		Filter:      bind("/", "filter", "/"),
		ClearFilter: bind("esc", "clear filter", "esc"),
		SortCost:    bind("c", "by cost", "c"),
		SortDate:    bind("d", "by date", "d"),
		SortCalls:   bind("n", "by calls", "n"),
		SortSaving:  bind("v", "by saving", "v"),
		Warnings:    bind("!", "warnings", "!"),
		Findings:    bind("f", "findings", "f"),
		Model:       bind("m", "model", "m"),
		Help:        bind("?", "help", "?"),
		Quit:        bind("q", "quit", "q", "ctrl+c"),
	}
}

// ShortHelp is the list page's one-line help.
func (k listKeyMap) ShortHelp() []key.Binding {
	sortKeys := key.NewBinding(key.WithKeys("c"), key.WithHelp("c/d/n/v", "sort"))
	return []key.Binding{k.Open, k.Filter, sortKeys, k.Model, k.Findings, k.Warnings, k.Help, k.Quit}
}

// FullHelp is the list page's help screen.
func (k listKeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End},
		{k.Open, k.Filter, k.ClearFilter, k.Model, k.Findings, k.Warnings, k.Help, k.Quit},
		{k.SortCost, k.SortDate, k.SortCalls, k.SortSaving},
	}
}

// listPage is the conversations page: one row per conversation with
// calls, sortable and filtered as one types; empty ones apart. It holds
// the source read and the result of every conversation.
type listPage struct {
	st     styles
	help   help.Model
	keys   listKeyMap
	sums   []advice.ConversationSummary
	specs  []string // strategy specs, to name the cheapest
	shown  []int    // indexes into sums: non-empty, filtered, sorted
	empty  []int    // conversations with no call
	sort   sortKey
	asc    bool
	filter textinput.Model
	cursor int // into shown
	offset int // first row drawn
	width  int
	height int
	// sessions are each row's session key (sessionKey), nil when
	// unknown: a usage row and the conversations counted from it share one.
	sessions []string
	// pending: the rows are the usage pass's, billed as logged; the
	// profile is being counted, the simulated columns wait for it.
	pending bool
	// agents are the parent sessions' subagent rollups, for the footer.
	agents agentRollups

	src *transcripts.Source // the source read
	// refs are the conversations of a directory counted for the list,
	// whose text was not kept (src holds none): opening one reads it
	// again. nil when src holds the conversations.
	refs []convRef
	// convKeys are the session keys of the source's conversations
	// (sessionKey), nil when it was not read by load.
	convKeys  []string
	all       *profile.Result // every conversation
	gen       int             // generation of the newest recompute asked for
	specKey   string          // the specs and model all was computed with
	computing bool
	prep      *prepCache // the conversations prepared between recomputes
	opening   int        // generation of the newest conversation being read to open
	footer    string     // the root's line under the rows: counting, or the status
	lastClick click
	asked     ask
}

func newListPage(c common) listPage {
	in := textinput.New()
	in.Prompt = "/"
	in.Placeholder = "type to filter by id, project or model"
	st := in.Styles()
	st.Cursor.Blink = false
	st.Focused.Placeholder = st.Focused.Placeholder.Italic(true)
	st.Blurred.Placeholder = st.Blurred.Placeholder.Italic(true)
	in.SetStyles(st)
	return listPage{st: c.st, help: c.help, keys: newListKeyMap(), filter: in, width: 80, height: 24, prep: &prepCache{}}
}

// SetSize gives the list page its room: w columns, h lines under the
// program's header.
func (l *listPage) SetSize(w, h int) {
	l.width, l.height = w, h
	l.clamp()
}

// setUsage shows the usage pass's rows until the profile is counted:
// nothing can be opened yet.
func (l *listPage) setUsage(rows []advice.ConversationSummary, sessions []string) {
	l.sums, l.sessions, l.pending = rows, sessions, true
	l.keys.Open.SetEnabled(false)
	l.keys.Findings.SetEnabled(false)
	l.apply()
}

// setData replaces the rows with a profile's, keeping the selected
// conversation if it is still shown: by id, or from a usage row, the
// first row of its session. sessions may be nil.
func (l *listPage) setData(sums []advice.ConversationSummary, specs []string, sessions []string) {
	selID, selKey := "", ""
	had := l.selected() >= 0
	if si := l.selected(); had {
		selID = l.sums[si].ID
		if si < len(l.sessions) {
			selKey = l.sessions[si]
		}
	}
	wasPending := l.pending
	if len(sessions) != len(sums) {
		sessions = nil
	}
	l.sums, l.specs, l.sessions, l.pending = sums, specs, sessions, false
	l.keys.Open.SetEnabled(true)
	l.keys.Findings.SetEnabled(true)
	l.apply()
	for i, si := range l.shown {
		if !had {
			break
		}
		if (!wasPending && l.sums[si].ID == selID) || (wasPending && si < len(l.sessions) && l.sessions[si] == selKey) {
			l.cursor = i
			break
		}
	}
	l.clamp()
}

// selected is the index into sums of the row under the cursor, -1 if none.
func (l listPage) selected() int {
	if l.cursor < 0 || l.cursor >= len(l.shown) {
		return -1
	}
	return l.shown[l.cursor]
}

// cost is what a conversation cost: billed where every call reported
// usage and its model has a price, else simulated under the first
// strategy.
func (s convSum) cost() price.Money {
	if s.BilledCalls > 0 && s.BilledCalls == s.Calls && (s.Billed > 0 || len(s.Costs) == 0) {
		return s.Billed
	}
	if len(s.Costs) > 0 {
		return s.Costs[0]
	}
	return 0
}

type convSum advice.ConversationSummary

// unpriced says cost() is no price: the calls' model is not in the price
// table, so the bill or the simulation came to nothing. A bill of reported
// tokens is never free: billed $0 is an unpriced model.
func (s convSum) unpriced() bool {
	if s.Calls == 0 || s.cost() != 0 {
		return false
	}
	return s.Unpriced || (s.BilledCalls > 0 && s.BilledCalls == s.Calls)
}

// billedCell is the billed column: "unpriced" where usage was reported
// but its model has no price.
func billedCell(s advice.ConversationSummary) string {
	switch {
	case s.BilledCalls == 0:
		return "—"
	case s.Billed == 0:
		return "unpriced"
	}
	return s.Billed.String()
}

// apply filters and sorts the rows.
func (l *listPage) apply() {
	q := strings.ToLower(strings.TrimSpace(l.filter.Value()))
	l.shown, l.empty = l.shown[:0], l.empty[:0]
	for i, s := range l.sums {
		if s.Calls == 0 {
			l.empty = append(l.empty, i)
			continue
		}
		if q != "" && !strings.Contains(strings.ToLower(s.ID+" "+s.Project+" "+s.Model), q) {
			continue
		}
		l.shown = append(l.shown, i)
	}
	less := func(a, b advice.ConversationSummary) bool {
		switch l.sort {
		case sortDate:
			return a.Start.Before(b.Start)
		case sortCalls:
			return a.Calls < b.Calls
		case sortSaving:
			return a.Saving < b.Saving
		}
		return convSum(a).cost() < convSum(b).cost()
	}
	sort.SliceStable(l.shown, func(i, j int) bool {
		a, b := l.sums[l.shown[i]], l.sums[l.shown[j]]
		if l.asc {
			return less(a, b)
		}
		return less(b, a)
	})
	l.clamp()
}

func (l *listPage) clamp() {
	l.cursor = max(0, min(l.cursor, len(l.shown)-1))
	rows := l.visibleRows()
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if rows > 0 && l.cursor >= l.offset+rows {
		l.offset = l.cursor - rows + 1
	}
	l.offset = max(0, min(l.offset, len(l.shown)-rows))
}

// setSort sorts by k; the same key again reverses the order.
func (l *listPage) setSort(k sortKey) {
	if l.sort == k {
		l.asc = !l.asc
	} else {
		l.sort, l.asc = k, false
	}
	sel := l.selected()
	l.apply()
	for i, si := range l.shown {
		if si == sel {
			l.cursor = i
		}
	}
	l.clamp()
}

// onKey handles a key of the list page.
func (l *listPage) onKey(msg tea.KeyPressMsg) tea.Cmd {
	k := l.keys
	if l.filter.Focused() {
		switch msg.String() {
		case "esc":
			l.filter.SetValue("")
			l.filter.Blur()
			l.apply()
			return nil
		case "enter":
			l.filter.Blur()
			return nil
		case "up", "down", "pgup", "pgdown":
			// Move through the filtered rows without leaving the filter.
		default:
			var cmd tea.Cmd
			l.filter, cmd = l.filter.Update(msg)
			l.cursor = 0
			l.apply()
			return cmd
		}
	}
	switch {
	case key.Matches(msg, k.Findings) && !l.filter.Focused() && l.all != nil:
		l.asked = askFindings // of every conversation, over the list
		return nil
	case key.Matches(msg, k.Model) && !l.filter.Focused():
		l.asked = askModel // one model for the whole list: every conversation priced as it
		return nil
	case key.Matches(msg, k.Quit) && !l.filter.Focused():
		l.asked = askQuit
		return nil
	case key.Matches(msg, k.Up):
		l.cursor--
	case key.Matches(msg, k.Down):
		l.cursor++
	case key.Matches(msg, k.PageUp):
		l.cursor -= max(1, l.visibleRows())
	case key.Matches(msg, k.PageDown):
		l.cursor += max(1, l.visibleRows())
	case key.Matches(msg, k.Home):
		l.cursor = 0
	case key.Matches(msg, k.End):
		l.cursor = len(l.shown) - 1
	case key.Matches(msg, k.Open):
		if l.selected() >= 0 {
			l.asked = askOpen
			return nil
		}
	case key.Matches(msg, k.Filter):
		return l.filter.Focus()
	case key.Matches(msg, k.ClearFilter):
		if l.filter.Value() != "" {
			l.filter.SetValue("")
			l.apply()
		}
	case key.Matches(msg, k.SortCost):
		l.setSort(sortCost)
	case key.Matches(msg, k.SortDate):
		l.setSort(sortDate)
	case key.Matches(msg, k.SortCalls):
		l.setSort(sortCalls)
	case key.Matches(msg, k.SortSaving):
		l.setSort(sortSaving)
	case key.Matches(msg, k.Warnings):
		l.asked = askWarnings
		return nil
	case key.Matches(msg, k.Help):
		l.asked = askHelp
		return nil
	}
	l.clamp()
	return nil
}

// The list page's rows, top to bottom: the totals by day and by project,
// the column titles and their rule, the rows, the empty conversations,
// the filter or help line.
const (
	listTotalsRows = 2
	listHeadRows   = 2
)

// listTop is the screen row of the list page's first line (below the
// program header).
const listTop = 1

func (l listPage) visibleRows() int {
	return max(1, l.height-listTotalsRows-listHeadRows-2) // empty line, filter/help line
}

// column is one column of the conversations table.
type column struct {
	title string
	sort  sortKey
	key   bool // sortable
	width int
	right bool
	cell  func(s advice.ConversationSummary) string
}

// columns fits the columns to width w: numbers are never cut; whole
// columns drop, least useful first, and text columns take what is left.
func (l listPage) columns(w int) []column {
	money := func(m price.Money, unpriced bool) string {
		if unpriced {
			return "unpriced"
		}
		return m.String()
	}
	// Until the profile is counted nothing is simulated: the columns keep
	// their places with a mark, so that the rows do not move when it comes.
	wait := func(cell func(advice.ConversationSummary) string) func(advice.ConversationSummary) string {
		if l.pending {
			return func(advice.ConversationSummary) string { return "…" }
		}
		return cell
	}
	billed := false
	for _, si := range l.shown {
		billed = billed || l.sums[si].BilledCalls > 0
	}
	all := []column{
		{title: "conversation", cell: func(s advice.ConversationSummary) string { return s.ID }},
		{title: "project", cell: func(s advice.ConversationSummary) string { return s.Project }},
		{title: "start", sort: sortDate, key: true, cell: func(s advice.ConversationSummary) string {
			if s.Start.IsZero() {
				return "—"
			}
			return s.Start.Format("Jan 02 15:04")
		}},
		{title: "calls", sort: sortCalls, key: true, right: true, cell: func(s advice.ConversationSummary) string { return formatInt(int64(s.Calls)) }},
		// Sorting by cost sorts by what was billed where the log says.
		{title: "billed", sort: sortCost, key: billed, right: true, cell: billedCell},
		{title: "simulated", sort: sortCost, key: !billed, right: true, cell: wait(func(s advice.ConversationSummary) string {
			if len(s.Costs) == 0 {
				return "—"
			}
			return money(s.Costs[0], s.Unpriced && s.Costs[0] == 0)
		})},
		{title: "cheapest", cell: wait(func(s advice.ConversationSummary) string {
			if s.Cheapest == 0 || s.Cheapest >= len(l.specs) {
				return "—"
			}
			return fmt.Sprintf("%d %s", s.Cheapest+1, l.specs[s.Cheapest])
		})},
		{title: "saving", sort: sortSaving, key: true, right: true, cell: wait(func(s advice.ConversationSummary) string {
			if s.Cheapest == 0 {
				return "—"
			}
			return savedCell(s.Saving)
		})},
	}
	// Numbers get the width of their widest value.
	for i := range all {
		all[i].width = lipgloss.Width(all[i].title) + 2 // room for the sort arrow
		if all[i].title == "conversation" || all[i].title == "project" || all[i].title == "cheapest" {
			continue
		}
		for _, si := range l.shown {
			all[i].width = max(all[i].width, lipgloss.Width(all[i].cell(l.sums[si])))
		}
	}
	return l.fitColumns(all, w, wait)
}

// fitColumns keeps the columns that fit in w, dropping project,
// cheapest, start and billed in that order (a saving then names its
// strategy), and shares what is left among the text columns, most to
// the id.
func (l listPage) fitColumns(all []column, w int, wait func(func(advice.ConversationSummary) string) func(advice.ConversationSummary) string) []column {
	minText := map[string]int{"conversation": 12, "project": 8, "cheapest": 10}
	// Drop order when narrow: project, cheapest, start, billed.
	drop := []string{"project", "cheapest", "start", "billed"}
	keep := map[string]bool{}
	for _, c := range all {
		keep[c.title] = true
	}
	need := func() int {
		n := 0
		for _, c := range all {
			if keep[c.title] {
				if mw, ok := minText[c.title]; ok {
					n += mw
				} else {
					n += c.width
				}
				n++ // gap
			}
		}
		return n
	}
	for _, d := range drop {
		if need() <= w {
			break
		}
		keep[d] = false
		if d == "cheapest" {
			// A saving must say which strategy saves: "2: 95.0%".
			for i := range all {
				if all[i].title == "saving" {
					all[i].cell = wait(func(s advice.ConversationSummary) string {
						if s.Cheapest == 0 {
							return "—"
						}
						return fmt.Sprintf("%d: %s", s.Cheapest+1, savedCell(s.Saving))
					})
					for _, si := range l.shown {
						all[i].width = max(all[i].width, lipgloss.Width(all[i].cell(l.sums[si])))
					}
				}
			}
		}
	}
	var out []column
	fixed := 0
	var texts []int
	for _, c := range all {
		if !keep[c.title] {
			continue
		}
		if _, ok := minText[c.title]; ok {
			texts = append(texts, len(out))
			c.width = minText[c.title]
		}
		fixed += c.width + 1
		out = append(out, c)
	}
	// Share what is left among text columns, most to the id.
	spare := max(0, w-fixed)
	for _, ti := range texts {
		want := 0
		for _, si := range l.shown {
			want = max(want, lipgloss.Width(out[ti].cell(l.sums[si])))
		}
		add := min(spare, max(0, want-out[ti].width))
		out[ti].width += add
		spare -= add
	}
	return out
}

// view draws the list page in l.width × l.height; footer, when set,
// takes the place of the line under the rows.
func (l listPage) rowsView(st styles, footer string) string {
	w := l.width
	var lines []string
	lines = append(lines, l.totalsLine("by day", w, func(s advice.ConversationSummary) string {
		if s.Start.IsZero() {
			return "undated"
		}
		return s.Start.Format(time.DateOnly)
	}, true))
	lines = append(lines, l.totalsLine("by project", w, func(s advice.ConversationSummary) string {
		if s.Project == "" {
			return "(top level)"
		}
		return s.Project
	}, false))
	cols := l.columns(w)
	var head []string
	for _, c := range cols {
		t := c.title
		if c.key && c.sort == l.sort {
			if l.asc {
				t += " ▲"
			} else {
				t += " ▼"
			}
		}
		head = append(head, pad(t, c.width, c.right))
	}
	lines = append(lines, st.bold.Render(strings.Join(head, " ")))
	lines = append(lines, st.dim.Render(strings.Repeat("─", min(w, totalWidth(cols)))))
	rows := l.visibleRows()
	idW := 0
	for _, c := range cols {
		if c.title == "conversation" {
			idW = c.width
		}
	}
	ids := l.shownIDs(idW)
	for i := l.offset; i < len(l.shown) && i < l.offset+rows; i++ {
		s := l.sums[l.shown[i]]
		var cells []string
		for _, c := range cols {
			text := truncate(c.cell(s), c.width)
			if c.title == "conversation" {
				text = ids[i]
			}
			cells = append(cells, pad(text, c.width, c.right))
		}
		row := strings.Join(cells, " ")
		if i == l.cursor {
			row = st.selected.Render(row)
		}
		lines = append(lines, row)
	}
	if len(l.shown) == 0 {
		msg := "no conversation has a call"
		if l.filter.Value() != "" {
			msg = "no conversation matches the filter"
		}
		lines = append(lines, st.dim.Render(msg))
	}
	for len(lines) < listTotalsRows+listHeadRows+rows {
		lines = append(lines, "")
	}
	if footer != "" {
		lines = append(lines, footer)
	} else {
		lines = append(lines, st.dim.Render(truncate(l.emptyLine(), w)))
	}
	return strings.Join(lines, "\n")
}

// emptyLine lists the conversations with no call: they are never
// averaged in.
func (l listPage) emptyLine() string {
	pos := l.position()
	if si := l.selected(); si >= 0 && !l.pending {
		if line, ok := l.agents.listLine(l.sums[si].Index, l.sums[si].ID, l.width-len([]rune(pos))); ok {
			return pos + line
		}
	}
	if len(l.empty) == 0 {
		return pos + "every conversation has calls"
	}
	var ids []string
	for _, i := range l.empty {
		ids = append(ids, l.sums[i].ID)
	}
	return fmt.Sprintf("%s%d empty (no calls, not counted): %s", pos, len(l.empty), strings.Join(ids, ", "))
}

// position is "rows 1–17 of 200 · " when the rows do not all fit.
func (l listPage) position() string {
	if len(l.shown) <= l.visibleRows() {
		return ""
	}
	return fmt.Sprintf("rows %d–%d of %d · ", l.offset+1, min(len(l.shown), l.offset+l.visibleRows()), len(l.shown))
}

// totalsLine sums cost by group, as many groups as fit in w, whole items
// only. Dates go newest first, projects costliest first.
func (l listPage) totalsLine(title string, w int, group func(advice.ConversationSummary) string, byName bool) string {
	sums := map[string]price.Money{}
	counts := map[string]int{}
	unpriced := map[string]int{}
	var names []string
	for _, s := range l.sums {
		if s.Calls == 0 {
			continue
		}
		g := group(s)
		if _, ok := sums[g]; !ok {
			names = append(names, g)
		}
		sums[g] += convSum(s).cost()
		counts[g]++
		if convSum(s).unpriced() {
			unpriced[g]++
		}
	}
	sort.SliceStable(names, func(i, j int) bool {
		if byName {
			return names[i] > names[j]
		}
		return sums[names[i]] > sums[names[j]]
	})
	line := title + ":"
	for k, n := range names {
		cost := sums[n].String()
		switch u := unpriced[n]; {
		case u == counts[n]:
			cost = "unpriced"
		case u > 0:
			cost += fmt.Sprintf(" + %d unpriced", u)
		}
		item := fmt.Sprintf(" %s %s (%d)", n, cost, counts[n])
		more := ""
		if k < len(names)-1 {
			more = fmt.Sprintf(" +%d more", len(names)-k-1)
		}
		if lipgloss.Width(line+item+more) > w {
			if lipgloss.Width(line+fmt.Sprintf(" +%d more", len(names)-k)) <= w {
				line += fmt.Sprintf(" +%d more", len(names)-k)
			}
			break
		}
		line += item
	}
	return line
}

// rowAt is the index into shown of the row at screen line y, -1 if none.
func (l listPage) rowAt(y int) int {
	i := y - listTop - listTotalsRows - listHeadRows
	if i < 0 || i >= l.visibleRows() || l.offset+i >= len(l.shown) {
		return -1
	}
	return l.offset + i
}

// columnAt is the sortable column under x on the title row, if any.
func (l listPage) columnAt(x int) (sortKey, bool) {
	at := 0
	for _, c := range l.columns(l.width) {
		if x >= at && x < at+c.width {
			return c.sort, c.key
		}
		at += c.width + 1
	}
	return 0, false
}

func totalWidth(cols []column) int {
	n := 0
	for _, c := range cols {
		n += c.width + 1
	}
	return max(0, n-1)
}

// shownIDs are the ids of the shown rows cut to w columns, keeping both
// ends (ids differ at the end: session UUIDs, agent ids); ids that would
// then read alike show the part where they differ instead.
func (l listPage) shownIDs(w int) []string {
	out := make([]string, len(l.shown))
	seen := map[string][]int{}
	for i, si := range l.shown {
		out[i] = truncateMiddle(l.sums[si].ID, w)
		seen[out[i]] = append(seen[out[i]], i)
	}
	for cut, rows := range seen {
		if len(rows) < 2 {
			continue
		}
		var full []string
		for _, i := range rows {
			full = append(full, l.sums[l.shown[i]].ID)
		}
		for k, i := range rows {
			if full[k] != cut {
				out[i] = aroundDifference(full[k], full, w)
			}
		}
	}
	return out
}

// aroundDifference cuts id to w columns around where it first differs
// from the other ids of all, with "…" where text was cut.
func aroundDifference(id string, all []string, w int) string {
	r := []rune(id)
	at := 0 // the first rune that tells id from the one most like it
	for _, o := range all {
		or := []rune(o)
		if o == id {
			continue
		}
		k := 0
		for k < len(r) && k < len(or) && r[k] == or[k] {
			k++
		}
		at = max(at, k)
	}
	if len(r) <= w || w < 3 {
		return truncateMiddle(id, w)
	}
	from := max(0, min(at-(w-2)/3, len(r)-(w-1)))
	out := r[from:]
	prefix, suffix := "", ""
	if from > 0 {
		prefix = "…"
	}
	room := w - len([]rune(prefix))
	if len(out) > room {
		out, suffix = out[:room-1], "…"
	}
	return prefix + string(out) + suffix
}
