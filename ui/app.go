package ui

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/tokenscope/tokenscope/profile/strategy"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/progress"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/table"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/tokenscope/tokenscope/profile"
	advice "github.com/tokenscope/tokenscope/profile/advisor"
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts"
)

// Config is what the program shows.
type Config struct {
	// Source is the conversation to show; when nil, Path is read (with a
	// progress bar) when the program starts.
	Source *transcripts.Source
	Path   string
	Read   transcripts.Options
	Prices *price.Table
	Model  string   // --model override, "" for the logged model
	Specs  []string // strategies; the default set when empty
	PerDay int64    // conversations a day for the projection
	// Autoplay starts playback at call 1; otherwise every call is shown.
	Autoplay bool
	// Live, when set, adds a chat: an input box, streaming replies, and
	// spend against a budget.
	Live *LiveConfig
	// Follow, when set, re-reads Path this often: a log that grows while
	// it is shown (tokenscope proxy --tui). The screen waits for its
	// first call.
	Follow time.Duration
}

// view is what the main pane shows in a narrow terminal.
type view int

const (
	viewBars view = iota
	viewCurves
	viewInspector
	viewTable // only on a screen too small for a pane and the table
)

// overlay is a menu drawn over the screen.
type overlay int

const (
	overlayNone overlay = iota
	overlayModel
	overlayStrategies
	overlayFindings
	overlayTune
	overlayLevers
)

// The smallest screen the layout fits.
const (
	minWidth  = 50
	minHeight = 16
)

// speeds are the playback speeds, in calls per second.
var speeds = []int{1, 2, 4, 8, 16, 32}

// Model is the root model of the program.
type Model struct {
	cfg  Config
	keys keyMap
	// toastGen numbers the toasts: a toastMsg of an older one is dropped.
	// toastAfter is toastFor, 0 in tests that run every command at once.
	toastGen   int
	toastAfter time.Duration
	help       help.Model
	st         styles
	width      int
	height     int

	// loading
	loading  bool
	loadCh   chan tea.Msg
	loadHold <-chan struct{} // tests: holds loading after the usage pass
	progress progress.Model
	loadDone int
	loadAll  int
	// usage is what the usage pass said, shown until the profile comes.
	usage struct {
		done             bool // the usage pass is over
		models, warnings []string
	}
	// convKeys are the session keys of the source's conversations
	// (sessionKey), nil when it was not read by load.
	convKeys []string
	// refs are the conversations of a directory counted for the list,
	// whose text was not kept (src holds none): opening one reads it
	// again. nil when src holds the conversations.
	refs    []convRef
	opening int // generation of the newest conversation being read to open

	src       *transcripts.Source
	gen       int // generation of the newest session recompute asked for
	tickGen   int // generation of the running playback ticks
	speed     int // index into speeds
	computing bool
	err       error
	status    string

	specs  []string
	model  string
	perDay int64

	full       bool // the help page is open
	warn       bool // the warnings page is open
	warnScroll int  // first line of the warnings page shown
	overlay    overlay
	picker     picker
	menu       menu
	lastClick  click

	live liveState
	adv  advisor // findings and tune
	lev  levers  // the lever toggles

	// page is the page shown: the conversations page (for a source of
	// several conversations) or the session page.
	page     page
	list     convList
	all      *profile.Result // every conversation, for the list
	allGen   int
	allSpecs string // the specs and model the list was computed with
	// preps keeps the prepared conversations of each page between
	// recomputes (prepcache.go).
	preps   struct{ all, session *prepCache }
	session // the session page; its fields read as m.sel, m.focus…
}

// session is the session page: the calls of one conversation (or of the
// whole source when it holds one), bars, curves, table and inspector.
type session struct {
	shown    *transcripts.Source // what the page shows
	open     int                 // index of the open conversation, -1 for the whole source
	res      *profile.Result
	took     time.Duration
	table    table.Model
	sel      int // selected strategy
	selNext  int // 1 + the strategy to select when the next result arrives; 0 for none
	focus    int // selected call (0-based)
	upto     int // calls shown (playback position)
	playing  bool
	view     view
	compare  bool
	money    bool // the $ view: bars of each call's cost by part
	scroll   int  // inspector scroll
	rendered rendered
}

func newSession(shown *transcripts.Source, open int) session {
	return session{shown: shown, open: open, table: newStrategyTable()}
}

// page is the screen shown.
type page int

const (
	pageSession page = iota
	pageConversations
)

// rendered holds the panes drawn in Update, so that View only joins them.
type rendered struct {
	bars, curves, inspector string
	barsAt                  barsGeom
	curvesAt                curvesGeom
}

// New returns the program's model for cfg.
func New(cfg Config) Model {
	if cfg.Prices == nil {
		cfg.Prices = price.Default()
	}
	specs := cfg.Specs
	if len(specs) == 0 && cfg.Source != nil {
		specs = strategy.DefaultsFor(cfg.Source.Conversations)
	}
	if len(specs) == 0 {
		specs = strategy.Defaults
	}
	specs = append([]string(nil), specs...)
	perDay := cfg.PerDay
	if perDay <= 0 {
		perDay = 100
	}
	m := Model{cfg: cfg, keys: newKeyMap(), help: help.New(), st: newStyles(), specs: specs, model: cfg.Model,
		perDay: perDay, speed: 2, src: cfg.Source, width: 80, height: 24, toastAfter: toastFor,
		progress: progress.New(progress.WithDefaultBlend()), list: newConvList(), session: newSession(cfg.Source, -1)}
	m.preps.all, m.preps.session = &prepCache{}, &prepCache{}
	if cfg.Live != nil {
		m.live = newLiveState(cfg.Live)
		m.keys.Budget.SetEnabled(true)
		if cfg.Source == nil {
			m.src = &transcripts.Source{Path: cfg.Live.OutPath, Format: transcripts.FormatNative,
				Conversations: []*transcripts.Conversation{cfg.Live.Session.Conversation()}}
			m.cfg.Source = m.src
			cfg.Source = m.src
		}
	}
	m.loading = cfg.Source == nil
	if m.loading {
		m.loadCh = make(chan tea.Msg, 16)
	} else {
		m.setSource(m.src)
		// Init asks for generation 1 of what the first page shows.
		if m.page == pageConversations {
			m.allGen, m.allSpecs = 1, m.specKey()
		} else {
			m.gen = 1
		}
		m.computing = true
	}
	return m
}

// setSource takes a source read: several conversations open on the
// conversations page, one on the session page.
func (m *Model) setSource(src *transcripts.Source) {
	m.src, m.shown = src, src
	m.page = pageSession
	if (len(src.Conversations) > 1 || len(m.refs) > 0) && m.cfg.Live == nil {
		m.page = pageConversations
	}
}

// Init starts reading or the first recompute.
func (m Model) Init() tea.Cmd {
	if m.loading && m.cfg.Follow > 0 {
		return follow(m.cfg.Path, m.cfg.Read, time.Millisecond)
	}
	if m.loading {
		j := m.loadJob()
		j.specs, j.hold = m.cfg.Specs, m.loadHold
		return tea.Batch(load(j, m.loadCh), waitLoad(m.loadCh))
	}
	// Init cannot change the model: New already stamped generation 1.
	if m.page == pageConversations {
		return m.computeList()
	}
	return compute(m.gen, false, m.preps.session, m.shown.Conversations, m.cfg.Prices, m.model, m.specs)
}

// loadJob is how the directory is read and counted, with the model now.
func (m Model) loadJob() loadJob {
	return loadJob{path: m.cfg.Path, read: m.cfg.Read, prices: m.cfg.Prices, model: m.model, counted: m.preps.all}
}

// computeList recounts the list at generation m.allGen.
func (m Model) computeList() tea.Cmd {
	if m.refs != nil {
		return computeRefs(m.allGen, m.loadJob(), m.specs)
	}
	return compute(m.allGen, true, m.preps.all, m.src.Conversations, m.cfg.Prices, m.model, m.specs)
}

// recompute recounts what the page shown needs.
func (m *Model) recompute() tea.Cmd {
	if m.page == pageConversations {
		m.allGen++
		m.allSpecs = m.specKey()
		m.computing = true
		return m.computeList()
	}
	m.gen++
	m.computing = true
	return compute(m.gen, false, m.preps.session, m.shown.Conversations, m.cfg.Prices, m.model, m.specs)
}

// specKey identifies the strategies and model a result was computed with.
func (m Model) specKey() string { return m.model + "\x00" + strings.Join(m.specs, "|") }

// openConversation shows conversation i of the source on the session page;
// of a list kept as refs, once it is read again (openedMsg).
func (m *Model) openConversation(i int) tea.Cmd {
	if i < 0 {
		return nil
	}
	if m.refs != nil {
		if i >= len(m.refs) {
			return nil
		}
		m.opening++
		m.status = "reading " + m.refs[i].id + "…"
		return openRef(m.opening, i, m.refs[i], m.cfg.Read)
	}
	c := m.src.Conversations[i]
	return m.showConversation(i, &transcripts.Source{Path: c.Path, Format: c.Format, Conversations: []*transcripts.Conversation{c}})
}

// showConversation puts src, conversation i of the source, on the session
// page and counts it.
func (m *Model) showConversation(i int, src *transcripts.Source) tea.Cmd {
	view, money := m.view, m.money
	m.session = newSession(src, i)
	m.view, m.money = view, money
	m.page, m.status = pageSession, ""
	m.adv = advisor{findGen: m.adv.findGen, tuneGen: m.adv.tuneGen}
	return m.recompute()
}

// closeConversation goes back to the conversations page, recounting the
// list if the strategies or model changed meanwhile.
func (m *Model) closeConversation() tea.Cmd {
	m.page, m.status = pageConversations, ""
	m.session = newSession(m.src, -1)
	m.adv = advisor{findGen: m.adv.findGen, tuneGen: m.adv.tuneGen}
	if m.allSpecs != m.specKey() {
		return m.recompute()
	}
	return nil
}

func (m Model) calls() int {
	if m.res == nil || len(m.res.Strategies) == 0 {
		return 0
	}
	return len(m.res.Strategies[0].Calls())
}

// toastMsg clears the status shown as a toast, unless a newer one came.
type toastMsg struct{ gen int }

// toastFor is how long a toast (a status such as "window → 9 exchanges")
// stays on the help line.
const toastFor = 4 * time.Second

// Update handles a message. A new status is a toast: it clears itself
// after toastFor (errors and "…" work in progress stay until replaced).
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if t, ok := msg.(toastMsg); ok {
		if t.gen == m.toastGen && !strings.HasPrefix(m.status, "error") {
			m.status = ""
			m.redraw()
		}
		return m, nil
	}
	before := m.status
	next, cmd := m.update(msg)
	n := next.(Model)
	if n.status != before && n.status != "" && !strings.HasPrefix(n.status, "error") && !strings.HasSuffix(n.status, "…") {
		n.toastGen++
		if n.toastAfter > 0 {
			gen := n.toastGen
			cmd = tea.Batch(cmd, tea.Tick(n.toastAfter, func(time.Time) tea.Msg { return toastMsg{gen} }))
		}
	}
	return n, cmd
}

// update handles a message but a toast's end.
func (m Model) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmds []tea.Cmd
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.SetWidth(msg.Width)
		m.list.SetSize(msg.Width, max(1, msg.Height-2)) // header, help line
		if m.cfg.Live != nil {
			m.live.input.SetWidth(max(10, msg.Width-4))
		}
		m.progress.SetWidth(min(60, msg.Width-10))
	case usageMsg:
		m.usage.done = true
		// Several sessions: their list now, billed as logged, while the
		// profile is counted. One: its page, when counted.
		if msg.err == nil && len(msg.rows) > 1 && m.cfg.Live == nil {
			m.page = pageConversations
			m.usage.models, m.usage.warnings = msg.models, msg.warnings
			m.list.setUsage(msg.rows, msg.keys)
		}
		return m, waitLoad(m.loadCh)
	case progressMsg:
		m.loadDone, m.loadAll = msg.done, msg.total
		return m, waitLoad(m.loadCh)
	case loadedMsg:
		m.loading = false
		if msg.err != nil {
			m.err = msg.err
			return m, nil
		}
		m.refs = msg.refs
		m.setSource(msg.src)
		m.convKeys = msg.keys
		if len(m.cfg.Specs) == 0 {
			defaults := msg.defaults
			if defaults == nil {
				defaults = strategy.DefaultsFor(msg.src.Conversations)
			}
			m.specs = append([]string(nil), defaults...)
		}
		// Several conversations were counted while read (load seeded
		// preps.all): only the strategies are left to run.
		return m, m.recompute()
	case computedMsg:
		if cmd, stale := m.onComputed(msg); stale {
			return m, nil
		} else if cmd != nil {
			cmds = append(cmds, cmd)
		}
	case openedMsg:
		if msg.gen != m.opening || m.page != pageConversations {
			return m, nil // another row was opened meanwhile, or the list left
		}
		if msg.err != nil {
			// Its file named under the directory shown: the reason fits.
			m.status = "error: " + strings.TrimPrefix(msg.err.Error(), filepath.Clean(m.cfg.Path)+string(filepath.Separator))
			break
		}
		return m, m.showConversation(msg.i, msg.src)
	case findingsMsg:
		if msg.gen != m.adv.findGen {
			return m, nil
		}
		m.adv.finding = false
		m.adv.findings, m.adv.findErr = msg.list, msg.err
		m.adv.findSel = min(m.adv.findSel, max(0, len(msg.list)-1))
	case spinner.TickMsg:
		if !m.adv.tuning {
			return m, nil // the search is over: let the spinner stop
		}
		var cmd tea.Cmd
		m.adv.spin, cmd = m.adv.spin.Update(msg)
		return m, cmd
	case tuneMsg:
		if msg.gen != m.adv.tuneGen {
			return m, nil
		}
		m.adv.tuning = false
		m.adv.tune, m.adv.tuneErr, m.adv.tuneTook = msg.res, msg.err, msg.took
	case tickMsg:
		if msg.gen != m.tickGen || !m.playing {
			return m, nil
		}
		if m.upto < m.calls() {
			m.upto++
			m.focus = m.upto - 1
			cmds = append(cmds, tick(m.tickGen, m.tickEvery()))
		} else {
			m.playing = false
		}
	case followMsg:
		cmds = append(cmds, m.updateFollow(msg), follow(m.cfg.Path, m.cfg.Read, m.cfg.Follow))
	case liveEventMsg, budgetMsg, systemMsg:
		cmd, _ := m.updateLive(msg)
		cmds = append(cmds, cmd)
	case tea.MouseClickMsg, tea.MouseWheelMsg:
		return m.updateMouse(msg.(tea.MouseMsg))
	case tea.KeyPressMsg:
		return m.onKey(msg)
	}
	m.redraw()
	return m, tea.Batch(cmds...)
}

// through is how many calls the totals count: the calls up to the one
// under the cursor. Stepping back from the last call takes the table,
// the cost line and the curves back with it; the bars still show every
// call played.
func (m Model) through() int { return min(m.upto, m.focus+1) }

// onComputed takes a recompute's result: the list's or the session's.
// stale is set when a newer recompute is on its way.
func (m *Model) onComputed(msg computedMsg) (cmd tea.Cmd, stale bool) {
	var cmds []tea.Cmd
	if msg.all {
		if msg.gen != m.allGen {
			return nil, true
		}
		m.computing = false
		if msg.err != nil {
			m.status = "error: " + msg.err.Error()
			return nil, false
		}
		m.all = msg.res
		sums := advice.Summaries(msg.res, m.src.Conversations, m.src.Path)
		for i := range sums {
			if i < len(m.refs) {
				sums[i].Start = m.refs[i].start // the text that had it is gone
			}
		}
		m.list.agents = newAgentRollups(msg.res)
		m.list.setData(sums, m.specs, m.convKeys)
		return nil, false
	}
	if msg.gen != m.gen {
		return nil, true // a newer recompute is on its way
	}
	m.computing = false
	if msg.err != nil {
		m.status = "error: " + msg.err.Error()
		return nil, false
	}
	first := m.res == nil
	m.res, m.took = msg.res, msg.took
	n := m.calls()
	if first {
		m.upto, m.focus = n, max(n-1, 0)
		if m.cfg.Autoplay {
			m.upto, m.focus = 1, 0
			m.playing = true
			m.tickGen++
			cmds = append(cmds, tick(m.tickGen, m.tickEvery()))
		}
	}
	if m.cfg.Live != nil || m.cfg.Follow > 0 {
		m.upto, m.focus = n, max(n-1, 0) // live: always the newest call
	}
	m.upto = min(m.upto, n)
	m.focus = min(m.focus, max(n-1, 0))
	if m.selNext > 0 && m.selNext <= len(m.res.Strategies) {
		m.sel, m.selNext = m.selNext-1, 0
	}
	m.sel = min(m.sel, len(m.res.Strategies)-1)
	// The line under the table shows the top finding of what is shown.
	// Findings measure against the log, not the strategies in play,
	// except the first: a knob on another strategy asks for nothing.
	basis := ""
	if len(m.res.Strategies) > 0 {
		basis = m.res.Strategies[0].Strategy.Spec
	}
	if key := fmt.Sprint(m.model, "\x00", basis, "\x00", n); m.cfg.Live == nil && key != m.adv.findKey {
		m.adv.findKey = key
		cmds = append(cmds, m.askFindings())
	}
	return tea.Batch(cmds...), false
}

// onKey routes a key: to the open menu, the help or warnings page, the
// conversations page, the chat, or the session page.
func (m Model) onKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	var cmds []tea.Cmd
	if m.overlay != overlayNone {
		return m.updateOverlay(msg)
	}
	if m.full || m.warn {
		// Help and warnings are pages of their own: esc, q, ? and ! close
		// them; the warnings scroll.
		switch msg.String() {
		case "esc", "q", "?", "!":
			m.full, m.warn, m.warnScroll = false, false, 0
		case "ctrl+c":
			return m, tea.Quit
		case "down", "j":
			m.warnScroll++
		case "up", "k":
			m.warnScroll--
		case "pgdown", "space":
			m.warnScroll += m.warnRows()
		case "pgup":
			m.warnScroll -= m.warnRows()
		case "home", "g":
			m.warnScroll = 0
		case "end", "G":
			m.warnScroll = len(m.warningLines())
		}
		m.warnScroll = max(0, min(m.warnScroll, len(m.warningLines())-m.warnRows()))
		m.redraw()
		return m, nil
	}
	if m.page == pageConversations && !m.full && key.Matches(msg, m.list.keys.Findings) && !m.list.filter.Focused() && m.all != nil {
		m.overlay, m.adv.findings, m.adv.findSel = overlayFindings, nil, 0
		return m, m.askFindings()
	}
	if m.page == pageConversations && key.Matches(msg, m.list.keys.Model) && !m.list.filter.Focused() {
		// One model for the whole list: every conversation priced as it.
		m.overlay, m.picker = overlayModel, newPicker(m.cfg.Prices, m.currentModel())
		return m, nil
	}
	if m.page == pageConversations && !m.full {
		var cmd tea.Cmd
		var act listAction
		m.list, cmd, act = m.list.update(msg)
		switch act {
		case listQuit:
			return m, tea.Quit
		case listOpen:
			cmd = m.openConversation(m.list.selected())
		case listHelp:
			m.full = true
		case listWarnings:
			m.warn = true
		}
		m.redraw()
		return m, cmd
	}
	if m.cfg.Live != nil {
		if cmd, handled := m.updateLive(msg); handled {
			m.redraw()
			return m, cmd
		}
	}
	if cmd, quit := m.handleKey(msg); quit {
		return m, tea.Quit
	} else if cmd != nil {
		cmds = append(cmds, cmd)
	}
	m.redraw()
	return m, tea.Batch(cmds...)
}

func (m Model) tickEvery() time.Duration { return time.Second / time.Duration(speeds[m.speed]) }

// handleKey applies a key of the main screen.
func (m *Model) handleKey(msg tea.KeyPressMsg) (cmd tea.Cmd, quit bool) {
	k := m.keys
	n := m.calls()
	switch {
	case key.Matches(msg, k.Quit):
		return nil, true
	case key.Matches(msg, k.Help):
		m.full = !m.full
	case key.Matches(msg, k.Warnings):
		m.warn = true
	case key.Matches(msg, k.Back) && m.open >= 0:
		return m.closeConversation(), false
	case m.res == nil:
		return nil, false
	case key.Matches(msg, k.Up):
		m.sel = max(0, m.sel-1)
	case key.Matches(msg, k.Down):
		m.sel = min(len(m.res.Strategies)-1, m.sel+1)
	case key.Matches(msg, k.Left):
		m.playing = false
		m.focus = max(0, m.focus-1)
		m.scroll = 0
	case key.Matches(msg, k.Right):
		m.playing = false
		m.focus = min(n-1, m.focus+1)
		m.upto = max(m.upto, m.focus+1)
		m.scroll = 0
	case key.Matches(msg, k.Home):
		m.playing, m.focus, m.upto = false, 0, 1
	case key.Matches(msg, k.End):
		m.playing, m.focus, m.upto = false, n-1, n
	case key.Matches(msg, k.Play):
		m.playing = !m.playing
		if m.playing {
			if m.upto >= n {
				m.upto, m.focus = 1, 0
			}
			m.tickGen++
			return tick(m.tickGen, m.tickEvery()), false
		}
	case key.Matches(msg, k.Faster):
		m.speed = min(len(speeds)-1, m.speed+1)
	case key.Matches(msg, k.Slower):
		m.speed = max(0, m.speed-1)
	case key.Matches(msg, k.View):
		views := view(3)
		if m.layout().compact {
			views = 4 // the table is a view of its own
		}
		m.view = (m.view + 1) % views
	case key.Matches(msg, k.Inspect):
		if m.view == viewInspector {
			m.view = viewBars
		} else {
			m.view = viewInspector
		}
	case key.Matches(msg, k.Compare):
		m.compare = !m.compare
	case key.Matches(msg, k.Money):
		m.money = !m.money
	case key.Matches(msg, k.PerDayLess):
		m.perDay = max(1, m.perDay/10)
	case key.Matches(msg, k.PerDayMore):
		m.perDay = min(100_000_000, m.perDay*10)
	case key.Matches(msg, k.Model):
		m.overlay, m.picker = overlayModel, newPicker(m.cfg.Prices, m.currentModel())
	case key.Matches(msg, k.Strategies):
		m.overlay, m.menu = overlayStrategies, newMenu(m.specs, m.cfg.Prices)
	case key.Matches(msg, k.Findings):
		m.overlay, m.adv.findSel = overlayFindings, 0
		if m.adv.findings == nil && !m.adv.finding {
			return m.askFindings(), false
		}
	case key.Matches(msg, k.Tune):
		m.overlay = overlayTune
		return m.askTune(), false
	case key.Matches(msg, k.Levers):
		m.overlay, m.lev.cursor = overlayLevers, 0
	case msg.String() == "pgdown":
		m.scroll += 5
	case msg.String() == "pgup":
		m.scroll = max(0, m.scroll-5)
	default:
		for _, kn := range []struct {
			less, more key.Binding
			knob       knob
		}{{k.WindowLess, k.WindowMore, knobWindow}, {k.TriggerLess, k.TriggerMore, knobTrigger},
			{k.KeepLess, k.KeepMore, knobKeep}, {k.SizeLess, k.SizeMore, knobSize}, {k.CapLess, k.CapMore, knobCap}} {
			dir := 0
			if key.Matches(msg, kn.less) {
				dir = -1
			} else if key.Matches(msg, kn.more) {
				dir = 1
			}
			if dir == 0 {
				continue
			}
			specs, value, ok := turnKnob(m.specs, kn.knob, dir)
			if !ok {
				m.status = fmt.Sprintf("no strategy has a %s: add one with s", kn.knob)
				return nil, false
			}
			m.specs = specs
			m.status = fmt.Sprintf("%s → %s", kn.knob, value)
			return m.recompute(), false
		}
	}
	return nil, false
}

func (m Model) currentModel() string {
	if m.model != "" {
		return m.model
	}
	if m.list.pending && m.all == nil && m.page == pageConversations {
		// The usage rows' models: what the profile will name.
		if n := len(m.usage.models); n > 1 {
			return fmt.Sprintf("%d models", n)
		} else if n == 1 {
			return m.usage.models[0]
		}
	}
	if res := m.result(); res != nil {
		models := map[string]bool{}
		for _, c := range res.Conversations {
			models[c.Model] = true
		}
		if len(models) > 1 {
			return fmt.Sprintf("%d models", len(models))
		}
		if res.Model != nil {
			return res.Model.ID
		}
		return res.ModelID
	}
	return ""
}

// result is the result the page shown draws.
func (m Model) result() *profile.Result {
	if m.page == pageConversations {
		return m.all
	}
	return m.res
}

// updateOverlay routes keys to the open menu.
func (m Model) updateOverlay(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch m.overlay {
	case overlayFindings:
		cmd = m.updateFindings(msg)
	case overlayTune:
		cmd = m.updateTune(msg)
	case overlayLevers:
		cmd = m.updateLevers(msg)
	case overlayModel:
		var done bool
		var chosen string
		m.picker, done, chosen = m.picker.update(msg)
		if done {
			m.overlay = overlayNone
			if chosen != "" && chosen != m.currentModel() {
				m.model = chosen
				m.status = "model → " + chosen
				cmd = m.recompute()
			}
		}
	case overlayStrategies:
		var done bool
		m.menu, done = m.menu.update(msg)
		if done {
			m.overlay = overlayNone
			if specs := m.menu.specs(); len(specs) > 0 && strings.Join(specs, "|") != strings.Join(m.specs, "|") {
				m.specs = specs
				m.sel = 0
				m.status = fmt.Sprintf("%d strategies", len(specs))
				cmd = m.recompute()
			}
		}
	}
	m.redraw()
	return m, cmd
}

func (m Model) selectedSpec() string {
	if m.res == nil || m.sel >= len(m.res.Strategies) {
		return ""
	}
	return fmt.Sprintf("%d %s", m.sel+1, m.res.Strategies[m.sel].Strategy.Spec)
}

// paneTitle is a pane's title: whole " · " fields drop from the end
// rather than cut a number. The status is not here: a toast takes the
// help line (toastLine), never the title's room.
func (m Model) paneTitle(w int, title string) string {
	for lipgloss.Width(title) > w {
		i := strings.LastIndex(title, " · ")
		if i <= 0 {
			break
		}
		title = title[:i]
	}
	return m.st.paneTitle.Render(truncate(title, w))
}

// toastLine is the status in the place of the help line while it lasts,
// "" when there is none.
func (m Model) toastLine() string {
	switch {
	case m.status == "":
		return ""
	case strings.HasPrefix(m.status, "error"):
		return m.st.bad.Render(truncate(m.status, m.width))
	}
	return m.st.warn.Render(truncate(m.status, m.width))
}

// projection is the cost line: so far, billed, cheapest, per
// conversation, per month. Fields that do not fit are dropped whole,
// from the least useful; a number is never cut.
func (m Model) projection() string {
	if m.res == nil || m.sel >= len(m.res.Strategies) {
		return ""
	}
	if note := m.unpricedNote(); note != "" {
		return m.st.warn.Render(truncate(note, m.width))
	}
	s := m.res.Strategies[m.sel]
	if s.Note != "" {
		// A strategy with a step that changed nothing says why: its cost
		// is in the table, the reason is nowhere else.
		return m.st.warn.Render(truncate(fmt.Sprintf("%d changed nothing · %s", m.sel+1, s.Note), m.width))
	}
	r := runningTotals(s, m.through())
	// Conversations with no call are not averaged in.
	convs := int64(0)
	for _, c := range m.res.Conversations {
		if c.Calls > 0 {
			convs++
		}
	}
	per := s.Totals.Cost / price.Money(max(convs, 1))
	fields := []string{fmt.Sprintf("%d: %s so far", m.sel+1, r.cost)}
	optional := []string{}
	if first := runningTotals(m.res.Strategies[0], m.through()); first.reported > 0 {
		optional = append(optional, "billed "+first.reported.String())
		if f := m.res.Fidelity; f != nil {
			// The replay check: does the model of the app hold?
			optional = append(optional, fmt.Sprintf("%s replay %+.1f%%", f.Spec, f.ErrorPct()))
		}
	}
	core := len(optional) // the bill and its replay check outrank the projection
	if best, saved := m.cheapest(); best > 0 {
		optional = append(optional, fmt.Sprintf("cheapest %d saves %s", best+1, savedCell(saved)))
	}
	if convs > 1 {
		optional = append(optional, fmt.Sprintf("%s a conversation", per))
	}
	if f := m.res.Fidelity; f != nil {
		// What a best-effort cache served, which the cache strategy reads
		// (below 95%: the ideal is then far from what the log shows).
		if p, ok := f.ServedPct(); ok && p < 95 {
			optional = append(optional, advice.ServedShort(*f))
		}
	}
	// The projection keeps its unit (a figure "/mo" alone does not say at
	// how many a day) or is not shown.
	mo := fmt.Sprintf("%s/mo at %s/day", price.Project(per, m.perDay), formatInt(m.perDay))
	join := func(parts []string) string { return strings.Join(parts, " · ") }
	// Drop optional fields from the end until the line fits, the
	// projection before the bill and its replay check.
	for _, with := range []bool{true, false} {
		for k := len(optional); k >= 0 && (k >= core || !with); k-- {
			line := join(append(append([]string(nil), fields...), optional[:k]...))
			if with {
				line += " · " + mo
			}
			if lipgloss.Width(line) <= m.width {
				return line
			}
		}
	}
	return fit(join(fields), m.width, 1)
}

// fit pads or cuts s to exactly h lines of at most w columns.
func fit(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	for i, l := range lines {
		if lipgloss.Width(l) > w {
			lines[i] = lipgloss.NewStyle().MaxWidth(w).Render(l)
		}
	}
	return strings.Join(lines, "\n")
}

// placeOver draws box centred over the screen.
func placeOver(screen, box string, w, h int) string {
	bg := strings.Split(screen, "\n")
	for len(bg) < h {
		bg = append(bg, "")
	}
	fg := strings.Split(box, "\n")
	top := max(0, (h-len(fg))/2)
	left := max(0, (w-lipgloss.Width(box))/2)
	for i, line := range fg {
		if top+i >= len(bg) {
			break
		}
		bg[top+i] = strings.Repeat(" ", left) + line
	}
	return strings.Join(bg, "\n")
}

// cheapest is the strategy that saves most over the calls played, and how
// much, in percent of the first; 0 when none saves anything.
func (m Model) cheapest() (int, float64) {
	if m.res == nil || len(m.res.Strategies) < 2 {
		return 0, 0
	}
	base := runningTotals(m.res.Strategies[0], m.through()).cost
	best, bestCost := 0, base
	for i := 1; i < len(m.res.Strategies); i++ {
		if c := runningTotals(m.res.Strategies[i], m.through()).cost; c < bestCost {
			best, bestCost = i, c
		}
	}
	if best == 0 || base == 0 {
		return 0, 0
	}
	return best, 100 * float64(base-bestCost) / float64(base)
}

// biggestPart names the input part that weighs most in the selected
// strategy's calls so far, with its share of their input.
func (m Model) biggestPart() (string, float64) {
	if m.res == nil || m.sel >= len(m.res.Strategies) {
		return "", 0
	}
	sums := map[string]int64{}
	var total int64
	for i, c := range m.res.Strategies[m.sel].Calls() {
		if i >= m.upto { // the bars shown, as the legend
			break
		}
		for _, name := range profile.PartNames {
			sums[name] += c.Input.Get(name)
		}
		total += c.Input.Total()
	}
	best := ""
	for _, name := range profile.PartNames {
		if sums[name] > sums[best] {
			best = name
		}
	}
	if total == 0 || best == "" {
		return "", 0
	}
	return best, 100 * float64(sums[best]) / float64(total)
}

// partNote is " · history 71% of input" for the pane title, or in the
// $ view the part that costs most: " · output 28% of cost".
func (m Model) partNote() string {
	if m.money {
		k := m.barKey()
		var total int64
		for _, n := range k.order {
			total += k.weight[n]
		}
		if len(k.order) == 0 || total == 0 {
			return " · unpriced"
		}
		return fmt.Sprintf(" · %s %.0f%% of cost", shortPart(k.order[0]), 100*float64(k.weight[k.order[0]])/float64(total))
	}
	if name, pct := m.biggestPart(); name != "" {
		label := shortPart(name)
		if name == "unlogged" && m.cfg.Live != nil {
			label = liveGap
		}
		return fmt.Sprintf(" · %s %.0f%% of input", label, pct)
	}
	return ""
}
