package ui

import (
	"fmt"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/table"
	tea "charm.land/bubbletea/v2"

	"github.com/tokenscope/tokenscope/profile"
	advice "github.com/tokenscope/tokenscope/profile/advisor"
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts"
)

// view is what the main pane shows in a narrow terminal.
type view int

const (
	viewBars view = iota
	viewCurves
	viewInspector
	viewTable // only on a screen too small for a pane and the table
)

// speeds are the playback speeds, in calls per second.
var speeds = []int{1, 2, 4, 8, 16, 32}

// sessionPage is the session page: the calls of one conversation (or of
// the whole source when it holds one): the bars, the curves, the strategy
// table, the inspector, the knobs, playback, and in live mode the chat.
type sessionPage struct {
	c    common
	sh   shared // the root's, lent with each message (Model.withSession)
	keys keyMap

	shown *transcripts.Source // what the page shows
	open  int                 // index of the open conversation in the source, -1 for the whole source
	// agents lists the open session's subagents, when it ran some.
	agents rollupOf
	prep   *prepCache // the prepared conversations between recomputes
	gen    int        // generation of the newest recompute asked for

	res       *profile.Result
	took      time.Duration
	computing bool
	table     table.Model
	sel       int // selected strategy
	selNext   int // 1 + the strategy to select when the next result arrives; 0 for none
	focus     int // selected call (0-based)
	upto      int // calls shown (playback position)
	playing   bool
	tickGen   int // generation of the running playback ticks
	speed     int // index into speeds
	view      view
	compare   bool
	money     bool // the $ view: bars of each call's cost by part
	scroll    int  // inspector scroll
	rendered  rendered
	lastClick click

	// findings are the root's, for the top finding's line under the table.
	findings []advice.Finding
	finding  bool
	live     livePage // live mode: the chat
	asked    ask
	grew     bool // live: the chat changed the conversation shown
}

// rendered holds the panes drawn in Update, so that View only joins them.
type rendered struct {
	bars, curves, inspector string
	barsAt                  barsGeom
	curvesAt                curvesGeom
}

func newSessionPage(c common, shown *transcripts.Source, open int) sessionPage {
	p := sessionPage{c: c, keys: newKeyMap(), speed: 2, prep: &prepCache{}}
	if c.cfg.Live != nil {
		p.live = newLivePage(c)
		p.keys.Budget.SetEnabled(true)
	}
	p.show(shown, open)
	return p
}

// show puts src on the page, conversation open of the source (-1 for the
// whole source), from its first call: what it showed of another goes,
// the view and the $ view stay.
func (p *sessionPage) show(src *transcripts.Source, open int) {
	p.shown, p.open, p.agents = src, open, rollupOf{}
	p.keys.Back.SetEnabled(open >= 0) // the help lists esc only where there is a list to go back to
	p.res, p.took, p.table = nil, 0, newStrategyTable()
	p.sel, p.selNext, p.focus, p.upto, p.playing, p.compare, p.scroll = 0, 0, 0, 0, false, false, 0
	p.rendered = rendered{}
}

// SetSize gives the page the terminal's size: it lays itself out below
// the header line, which the root draws.
func (p *sessionPage) SetSize(w, h int) {
	p.c.width, p.c.height = w, h
	p.c.help.SetWidth(w)
	p.live.SetSize(w, p.layout().chatH)
	p.redraw()
}

// KeyMap is the page's keys, for the help; in live mode the chat's too.
func (p sessionPage) KeyMap() help.KeyMap {
	if p.c.cfg.Live == nil {
		return p.keys
	}
	return withChat{p.keys, p.live.keys}
}

// withChat is the session page's keys and the chat's.
type withChat struct {
	keyMap
	chat liveKeys
}

// FullHelp is the page's columns, then the chat's.
func (k withChat) FullHelp() [][]key.Binding {
	return append(k.keyMap.FullHelp(), k.chat.FullHelp()...)
}

// take returns what the last key or click asked of the root, once.
func (p *sessionPage) take() ask {
	a := p.asked
	p.asked = askNone
	return a
}

// compute runs the strategies on what the page shows, at generation p.gen.
func (p sessionPage) compute(sh shared) tea.Cmd {
	return compute(p.gen, false, p.prep, p.shown.Conversations, p.c.cfg.Prices, sh.model, sh.specs)
}

// recompute asks for a new generation of the page's numbers.
func (p *sessionPage) recompute() tea.Cmd {
	p.gen++
	p.computing = true
	return p.compute(p.sh)
}

func (p sessionPage) calls() int {
	if p.res == nil || len(p.res.Strategies) == 0 {
		return 0
	}
	return len(p.res.Strategies[0].Calls())
}

// through is how many calls the totals count: the calls up to the one
// under the cursor. Stepping back from the last call takes the table,
// the cost line and the curves back with it; the bars still show every
// call played.
func (p sessionPage) through() int { return min(p.upto, p.focus+1) }

func (p sessionPage) tickEvery() time.Duration { return time.Second / time.Duration(speeds[p.speed]) }

// findKey is what the findings of the page's result depend on: the
// model, the first strategy (findings measure against the log, not the
// strategies in play, but the first sets the basis) and the calls.
func (p sessionPage) findKey() (string, bool) {
	if p.res == nil {
		return "", false
	}
	basis := ""
	if len(p.res.Strategies) > 0 {
		basis = p.res.Strategies[0].Strategy.Spec
	}
	return fmt.Sprint(p.sh.model, "\x00", basis, "\x00", p.calls()), true
}

// Update handles a message of the session page: a recompute's result, a
// playback tick, the chat's messages, keys and clicks.
func (p sessionPage) Update(msg tea.Msg) (sessionPage, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case computedMsg:
		cmd = p.onComputed(msg)
	case tickMsg:
		if msg.gen != p.tickGen || !p.playing {
			return p, nil
		}
		if p.upto < p.calls() {
			p.upto++
			p.focus = p.upto - 1
			cmd = tick(p.tickGen, p.tickEvery())
		} else {
			p.playing = false
		}
	case liveEventMsg, budgetMsg, systemMsg:
		cmd, _ = p.updateLive(msg)
	case tea.MouseClickMsg, tea.MouseWheelMsg:
		p.updateMouse(msg.(tea.MouseMsg))
	case tea.KeyPressMsg:
		cmd = p.onKey(msg)
	}
	p.redraw()
	return p, cmd
}

// onComputed takes a recompute's result unless a newer one is on its way.
func (p *sessionPage) onComputed(msg computedMsg) tea.Cmd {
	if msg.gen != p.gen {
		return nil // a newer recompute is on its way
	}
	p.computing = false
	if msg.err != nil {
		p.sh.status = "error: " + msg.err.Error()
		return nil
	}
	var cmd tea.Cmd
	first := p.res == nil
	p.res, p.took = msg.res, msg.took
	n := p.calls()
	if first {
		p.upto, p.focus = n, max(n-1, 0)
		if p.c.cfg.Autoplay {
			p.upto, p.focus = 1, 0
			p.playing = true
			p.tickGen++
			cmd = tick(p.tickGen, p.tickEvery())
		}
	}
	if p.c.cfg.Live != nil || p.c.cfg.Follow > 0 {
		p.upto, p.focus = n, max(n-1, 0) // live: always the newest call
	}
	p.upto = min(p.upto, n)
	p.focus = min(p.focus, max(n-1, 0))
	if p.selNext > 0 && p.selNext <= len(p.res.Strategies) {
		p.sel, p.selNext = p.selNext-1, 0
	}
	p.sel = min(p.sel, len(p.res.Strategies)-1)
	p.live.spent = p.spent()
	return cmd
}

// onKey handles a key: the chat's first in live mode, then the page's.
func (p *sessionPage) onKey(msg tea.KeyPressMsg) tea.Cmd {
	if p.c.cfg.Live != nil {
		if cmd, handled := p.updateLive(msg); handled {
			return cmd
		}
	}
	k := p.keys
	for _, a := range []struct {
		b   key.Binding
		ask ask
	}{{k.Quit, askQuit}, {k.Help, askHelp}, {k.Warnings, askWarnings}} {
		if key.Matches(msg, a.b) {
			p.asked = a.ask
			return nil
		}
	}
	switch {
	case key.Matches(msg, k.Back):
		p.asked = askBack
		return nil
	case p.res == nil:
		return nil
	}
	if p.moveKey(msg) || p.viewKey(msg) {
		return nil
	}
	for _, a := range []struct {
		b   key.Binding
		ask ask
	}{{k.Model, askModel}, {k.Strategies, askStrategies}, {k.Findings, askFindings}, {k.Tune, askTune}, {k.Levers, askLevers}} {
		if key.Matches(msg, a.b) {
			p.asked = a.ask
			return nil
		}
	}
	if key.Matches(msg, k.Play) {
		return p.togglePlay()
	}
	return p.turnKnob(msg)
}

// moveKey moves through the strategies and the calls.
func (p *sessionPage) moveKey(msg tea.KeyPressMsg) bool {
	k, n := p.keys, p.calls()
	switch {
	case key.Matches(msg, k.Up):
		p.sel = max(0, p.sel-1)
	case key.Matches(msg, k.Down):
		p.sel = min(len(p.res.Strategies)-1, p.sel+1)
	case key.Matches(msg, k.Left):
		p.pick(max(0, p.focus-1))
	case key.Matches(msg, k.Right):
		p.pick(min(n-1, p.focus+1))
	case key.Matches(msg, k.Home):
		p.playing, p.focus, p.upto = false, 0, 1
	case key.Matches(msg, k.End):
		p.playing, p.focus, p.upto = false, n-1, n
	case key.Matches(msg, k.Faster):
		p.speed = min(len(speeds)-1, p.speed+1)
	case key.Matches(msg, k.Slower):
		p.speed = max(0, p.speed-1)
	case msg.String() == "pgdown":
		p.scroll += 5
	case msg.String() == "pgup":
		p.scroll = max(0, p.scroll-5)
	default:
		return false
	}
	return true
}

// pick puts the cursor on call i, shown from then on; playback stops.
func (p *sessionPage) pick(i int) {
	if i < 0 || i >= p.calls() {
		return
	}
	p.playing = false
	p.focus, p.scroll = i, 0
	p.upto = max(p.upto, i+1)
}

// viewKey switches what the panes show, and the conversations a day.
func (p *sessionPage) viewKey(msg tea.KeyPressMsg) bool {
	k := p.keys
	switch {
	case key.Matches(msg, k.View):
		views := view(3)
		if p.layout().compact {
			views = 4 // the table is a view of its own
		}
		p.view = (p.view + 1) % views
	case key.Matches(msg, k.Inspect):
		if p.view == viewInspector {
			p.view = viewBars
		} else {
			p.view = viewInspector
		}
	case key.Matches(msg, k.Compare):
		p.compare = !p.compare
	case key.Matches(msg, k.Money):
		p.money = !p.money
	case key.Matches(msg, k.PerDayLess):
		p.sh.perDay = max(1, p.sh.perDay/10)
	case key.Matches(msg, k.PerDayMore):
		p.sh.perDay = min(100_000_000, p.sh.perDay*10)
	default:
		return false
	}
	return true
}

// togglePlay starts or stops playback; started at the end, it starts over.
func (p *sessionPage) togglePlay() tea.Cmd {
	p.playing = !p.playing
	if !p.playing {
		return nil
	}
	if p.upto >= p.calls() {
		p.upto, p.focus = 1, 0
	}
	p.tickGen++
	return tick(p.tickGen, p.tickEvery())
}

// turnKnob turns the knob a key names on every strategy that has it, and
// recomputes at once.
func (p *sessionPage) turnKnob(msg tea.KeyPressMsg) tea.Cmd {
	k := p.keys
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
		specs, value, ok := turnKnob(p.sh.specs, kn.knob, dir)
		if !ok {
			p.sh.status = fmt.Sprintf("no strategy has a %s: add one with s", kn.knob)
			return nil
		}
		p.sh.specs = specs
		p.sh.status = fmt.Sprintf("%s → %s", kn.knob, value)
		return p.recompute()
	}
	return nil
}

func (p sessionPage) selectedSpec() string {
	if p.res == nil || p.sel >= len(p.res.Strategies) {
		return ""
	}
	return fmt.Sprintf("%d %s", p.sel+1, p.res.Strategies[p.sel].Strategy.Spec)
}

// headerRight is the header's right end: where playback stands, and its
// speed (which gives way first).
func (p sessionPage) headerRight() (right, speed string) {
	state := "■"
	if p.playing {
		state = "▶"
	}
	right = fmt.Sprintf("%s call %d/%d", state, min(p.focus+1, max(p.calls(), 1)), p.calls())
	if p.calls() == 0 {
		right = "no call yet"
	}
	return right, fmt.Sprintf(" ×%d", speeds[p.speed])
}

// spent is what the live calls cost so far: reported usage where the
// server gave it, else the simulated cost of the first strategy.
func (p sessionPage) spent() (total price.Money) {
	if p.res == nil || len(p.res.Strategies) == 0 {
		return 0
	}
	for _, c := range p.res.Strategies[0].Calls() {
		if c.Reported != nil {
			total += c.ReportedCost
		} else {
			total += c.Cost
		}
	}
	return total
}

// helpLine is the line under the page: the keys, the chat's keys while
// its input has focus, or a toast.
func (p sessionPage) helpLine() string {
	w := p.c.width
	if p.c.cfg.Live != nil && p.live.input.Focused() {
		return p.live.helpLine(w)
	}
	if t := toastLine(p.c.st, p.sh.status, w); t != "" {
		return t
	}
	return shortHelp(p.c.help, p.keys.ShortHelp(), w)
}

// updateLive hands a message to the chat; handled is false for keys the
// page should see. When the chat changed the conversation, the page shows
// it again and recomputes.
func (p *sessionPage) updateLive(msg tea.Msg) (tea.Cmd, bool) {
	p.live.model, p.live.spent = p.sh.model, p.spent()
	var cmd tea.Cmd
	p.live, cmd = p.live.Update(msg)
	if p.live.status != "" {
		p.sh.status = p.live.status
	}
	if p.live.grew {
		p.shown, p.grew = p.live.conversation(), true
		cmd = tea.Batch(cmd, p.recompute())
	}
	return cmd, !p.live.passed
}
