package ui

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/progress"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/profile/strategy"
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

// common is what every page reads and none changes: the configuration,
// the styles, the help renderer and the terminal's size. The root hands
// each page its copy (sizes through SetSize).
type common struct {
	cfg           Config
	st            styles
	help          help.Model
	width, height int
}

// shared is the state the pages share and change: the strategies and
// the model simulated, the conversations a day projected, and the status
// shown as a toast. The root owns it and lends it to the page a message
// goes to (withSession), which hands it back changed, in the same Update:
// two fast knob presses each see the other's strategies.
type shared struct {
	specs  []string
	model  string
	perDay int64
	status string
}

// specKey identifies the strategies and model a result was computed with.
func (s shared) specKey() string { return s.model + "\x00" + strings.Join(s.specs, "|") }

// page is the page shown.
type page int

const (
	pageSession page = iota
	pageConversations
)

// overlay is a menu drawn over the page shown.
type overlay int

const (
	overlayNone overlay = iota
	overlayModel
	overlayStrategies
	overlayFindings
	overlayTune
	overlayLevers
)

// ask is what a page asks of the root after a key or a click: to open a
// menu or a page over it, to open or leave a conversation, or to quit.
// The root reads it (take) after each Update, as a form's state is read.
type ask int

const (
	askNone ask = iota
	askQuit
	askHelp
	askWarnings
	askOpen // the list: open the row under the cursor
	askBack // the session: back to the list
	askModel
	askStrategies
	askFindings
	askTune
	askLevers
)

// The smallest screen the layout fits.
const (
	minWidth  = 50
	minHeight = 16
)

// Model is the root model of the program: a router. It holds what the
// pages share (the source read, the strategies, the status), routes each
// message to the page shown or the menu over it, and joins the header,
// the page and any menu into the screen.
type Model struct {
	c     common
	sh    shared
	toast toast
	load  loader
	page  page
	err   error // reading failed: the screen says why

	list    listPage
	session sessionPage
	overlay overlay // the menu over the page, if any
	picker  picker
	menu    menu
	adv     advisorPage
	lev     leversPage
	info    infoPage // help or warnings, over everything
}

// toast clears the status after toastFor: a toastMsg of an older one is
// dropped. after is toastFor, 0 in tests that run every command at once.
type toast struct {
	gen   int
	after time.Duration
}

// toastMsg clears the status shown as a toast, unless a newer one came.
type toastMsg struct{ gen int }

// toastFor is how long a toast (a status such as "window → 9 exchanges")
// stays on the help line.
const toastFor = 4 * time.Second

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
	perDay := cfg.PerDay
	if perDay <= 0 {
		perDay = 100
	}
	if cfg.Live != nil && cfg.Source == nil {
		cfg.Source = &transcripts.Source{Path: cfg.Live.OutPath, Format: transcripts.FormatNative,
			Conversations: []*transcripts.Conversation{cfg.Live.Session.Conversation()}}
	}
	c := common{cfg: cfg, st: newStyles(), help: help.New(), width: 80, height: 24}
	m := Model{c: c, sh: shared{specs: append([]string(nil), specs...), model: cfg.Model, perDay: perDay},
		toast: toast{after: toastFor}, list: newListPage(c), session: newSessionPage(c, cfg.Source, -1),
		adv: newAdvisorPage(c.st), lev: newLeversPage(c.st), info: infoPage{st: c.st}}
	m.load = loader{loading: cfg.Source == nil, progress: progress.New(progress.WithDefaultBlend())}
	if m.load.loading {
		m.load.ch = make(chan tea.Msg, 16)
		return m
	}
	m.setSource(cfg.Source)
	// Init asks for generation 1 of what the first page shows.
	if m.page == pageConversations {
		m.list.gen, m.list.specKey, m.list.computing = 1, m.sh.specKey(), true
	} else {
		m.session.gen, m.session.computing = 1, true
	}
	return m
}

// setSource takes a source read: several conversations open on the
// conversations page, one on the session page.
func (m *Model) setSource(src *transcripts.Source) {
	m.list.src = src
	m.session.show(src, -1)
	m.page = pageSession
	if (len(src.Conversations) > 1 || len(m.list.refs) > 0) && m.c.cfg.Live == nil {
		m.page = pageConversations
	}
}

// Init starts reading or the first recompute.
func (m Model) Init() tea.Cmd {
	if m.load.loading && m.c.cfg.Follow > 0 {
		return follow(m.c.cfg.Path, m.c.cfg.Read, time.Millisecond)
	}
	if m.load.loading {
		j := m.loadJob()
		j.specs, j.hold = m.c.cfg.Specs, m.load.hold
		return tea.Batch(load(j, m.load.ch), waitLoad(m.load.ch))
	}
	// Init cannot change the model: New already stamped generation 1.
	if m.page == pageConversations {
		return m.list.compute(m.sh, m.loadJob())
	}
	return m.session.compute(m.sh)
}

// recompute recounts what the page shown needs.
func (m *Model) recompute() tea.Cmd {
	if m.page == pageConversations {
		return m.list.recompute(m.sh, m.loadJob())
	}
	m.session.sh = m.sh
	return m.session.recompute()
}

// openConversation shows conversation i of the source on the session page;
// of a list kept as refs, once it is read again (openedMsg).
func (m *Model) openConversation(i int) tea.Cmd {
	if i < 0 {
		return nil
	}
	if m.list.refs != nil {
		if i >= len(m.list.refs) {
			return nil
		}
		m.list.opening++
		m.sh.status = "reading " + m.list.refs[i].id + "…"
		return openRef(m.list.opening, i, m.list.refs[i], m.c.cfg.Read)
	}
	c := m.list.src.Conversations[i]
	return m.showConversation(i, &transcripts.Source{Path: c.Path, Format: c.Format, Conversations: []*transcripts.Conversation{c}})
}

// showConversation puts src, conversation i of the source, on the session
// page and counts it.
func (m *Model) showConversation(i int, src *transcripts.Source) tea.Cmd {
	m.session.show(src, i)
	m.session.agents = m.list.agentsOf(i)
	m.page, m.sh.status = pageSession, ""
	m.adv = m.adv.reset()
	return m.recompute()
}

// closeConversation goes back to the conversations page, recounting the
// list if the strategies or model changed meanwhile.
func (m *Model) closeConversation() tea.Cmd {
	m.page, m.sh.status = pageConversations, ""
	m.session.show(m.list.src, -1)
	m.session.view, m.session.money = viewBars, false // the next conversation opens on its bars in tokens
	m.adv = m.adv.reset()
	if m.list.specKey != m.sh.specKey() {
		return m.recompute()
	}
	return nil
}

// Update handles a message. A new status is a toast: it clears itself
// after toastFor (errors and "…" work in progress stay until replaced).
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if t, ok := msg.(toastMsg); ok {
		if t.gen == m.toast.gen && !strings.HasPrefix(m.sh.status, "error") {
			m.sh.status = ""
		}
		m.sync()
		return m, nil
	}
	before := m.sh.status
	m, cmd := m.update(msg)
	if s := m.sh.status; s != before && s != "" && !strings.HasPrefix(s, "error") && !strings.HasSuffix(s, "…") {
		m.toast.gen++
		if m.toast.after > 0 {
			gen := m.toast.gen
			cmd = tea.Batch(cmd, tea.Tick(m.toast.after, func(time.Time) tea.Msg { return toastMsg{gen} }))
		}
	}
	m.sync()
	return m, cmd
}

// sync hands the pages what flows down from the root after each message:
// the shared state, the findings for the line under the table, the list's
// footer, the warnings.
func (m *Model) sync() {
	m.session.sh = m.sh
	m.session.findings, m.session.finding = m.adv.findings, m.adv.finding
	m.list.footer = m.countingLine()
	if m.info.mode == infoWarnings {
		m.info.lines = m.warningLines() // wrapped to the screen: only while shown
	}
}

// update routes a message but a toast's end.
func (m Model) update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.setSize(msg.Width, msg.Height)
		return m, nil
	case usageMsg, progressMsg, loadedMsg:
		return m.onLoad(msg)
	case computedMsg:
		return m.onComputed(msg)
	case openedMsg:
		if msg.gen != m.list.opening || m.page != pageConversations {
			return m, nil // another row was opened meanwhile, or the list left
		}
		if msg.err != nil {
			// Its file named under the directory shown: the reason fits.
			m.sh.status = "error: " + strings.TrimPrefix(msg.err.Error(), filepath.Clean(m.c.cfg.Path)+string(filepath.Separator))
			return m, nil
		}
		return m, m.showConversation(msg.i, msg.src)
	case findingsMsg, tuneMsg, spinner.TickMsg:
		var cmd tea.Cmd
		m.adv, cmd = m.adv.Update(msg)
		return m, cmd
	case followMsg:
		return m, tea.Batch(m.updateFollow(msg), follow(m.c.cfg.Path, m.c.cfg.Read, m.c.cfg.Follow))
	case tea.MouseClickMsg, tea.MouseWheelMsg:
		if m.overlay != overlayNone || m.info.open() {
			return m, nil
		}
		return m.toPage(msg)
	case tea.KeyPressMsg:
		return m.onKey(msg)
	}
	// Playback ticks and the chat's messages are the session page's.
	return m.withSession(msg)
}

// setSize hands each page its room: the session page and the menus lay
// themselves out on the whole screen, the list below the header and above
// the help line.
func (m *Model) setSize(w, h int) {
	m.c.width, m.c.height = w, h
	m.c.help.SetWidth(w)
	m.list.SetSize(w, max(1, h-2))
	m.session.SetSize(w, h)
	m.adv.SetSize(w, h)
	m.lev.SetSize(w, h)
	m.info.SetSize(w, h)
	m.load.progress.SetWidth(min(60, w-10))
}

// withSession lends the shared state to the session page for one message.
func (m Model) withSession(msg tea.Msg) (Model, tea.Cmd) {
	m.session.sh = m.sh
	var cmd tea.Cmd
	m.session, cmd = m.session.Update(msg)
	m.sh = m.session.sh
	if m.session.grew {
		// Live: the chat changed the conversation; it is the whole source.
		m.session.grew = false
		m.list.src = m.session.shown
	}
	return m, cmd
}

// toPage sends a key or a click to the page shown, then does what it
// asked.
func (m Model) toPage(msg tea.Msg) (Model, tea.Cmd) {
	var cmd tea.Cmd
	var a ask
	if m.page == pageConversations {
		m.list, cmd = m.list.Update(msg)
		a = m.list.take()
	} else {
		m, cmd = m.withSession(msg)
		a = m.session.take()
	}
	more := m.act(a)
	return m, tea.Batch(cmd, more)
}

// act does what a page asked.
func (m *Model) act(a ask) tea.Cmd {
	switch a {
	case askQuit:
		return tea.Quit
	case askHelp:
		m.info = m.info.show(infoHelp)
	case askWarnings:
		m.info = m.info.show(infoWarnings)
	case askOpen:
		return m.openConversation(m.list.selected())
	case askBack:
		return m.closeConversation()
	case askModel:
		m.overlay, m.picker = overlayModel, newPicker(m.c.cfg.Prices, m.currentModel())
	case askStrategies:
		m.overlay, m.menu = overlayStrategies, newMenu(m.sh.specs, m.c.cfg.Prices)
	case askFindings:
		m.overlay = overlayFindings
		m.adv = m.adv.open(overlayFindings, m.findingsPerDay())
		if m.page == pageConversations {
			m.adv.findings = nil // of every conversation: asked again
			return m.askFindings()
		}
		if m.adv.findings == nil && !m.adv.finding {
			return m.askFindings()
		}
	case askTune:
		m.overlay = overlayTune
		m.adv = m.adv.open(overlayTune, m.findingsPerDay())
		return m.askTune()
	case askLevers:
		spec := ""
		if m.session.sel < len(m.sh.specs) {
			spec = m.sh.specs[m.session.sel]
		}
		m.overlay, m.lev = overlayLevers, m.lev.open(m.session.sel, spec)
	}
	return nil
}

// onKey routes a key: to the open menu, the help or warnings page, or
// the page shown.
func (m Model) onKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	switch {
	case m.overlay != overlayNone:
		return m.updateOverlay(msg)
	case m.info.open():
		var cmd tea.Cmd
		m.info, cmd = m.info.Update(msg)
		return m, cmd
	}
	return m.toPage(msg)
}

// onComputed takes a recompute's result: the list's or the session's.
// The session's asks for the findings of what it shows when they may
// have changed.
func (m Model) onComputed(msg computedMsg) (Model, tea.Cmd) {
	if msg.all {
		m.sh.status = m.list.onComputed(msg, m.sh)
		return m, nil
	}
	m, cmd := m.withSession(msg)
	if key, ok := m.session.findKey(); ok && m.c.cfg.Live == nil && key != m.adv.findKey {
		// The line under the table shows the top finding of what is shown.
		m.adv.findKey = key
		cmd = tea.Batch(cmd, m.askFindings())
	}
	return m, cmd
}

// currentModel names the model priced: the one picked, else the one the
// page's result (or the usage rows, until it comes) names.
func (m Model) currentModel() string {
	if m.sh.model != "" {
		return m.sh.model
	}
	if m.list.pending && m.list.all == nil && m.page == pageConversations {
		// The usage rows' models: what the profile will name.
		if n := len(m.load.usage.models); n > 1 {
			return fmt.Sprintf("%d models", n)
		} else if n == 1 {
			return m.load.usage.models[0]
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
		return m.list.all
	}
	return m.session.res
}
