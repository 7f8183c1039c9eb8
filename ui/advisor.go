package ui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/tokenscope/tokenscope/profile"
	advice "github.com/tokenscope/tokenscope/profile/advisor"
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts"
)

// The advisor panes: findings (f), the tune frontier (a). Both are
// computed off the event loop and stamped with a generation, so that a
// result asked for before the strategies or the conversation changed is
// dropped.

// findingsMsg carries the findings of one generation.
type findingsMsg struct {
	gen  int
	list []advice.Finding
	err  error
}

// findingsCmd computes the findings of convs against res. res is read
// only: results are never written after they are made.
func findingsCmd(gen int, convs []*transcripts.Conversation, res *profile.Result, prices *price.Table, model string) tea.Cmd {
	return func() tea.Msg {
		fs, err := advice.Findings(convs, res, advice.FindingsOptions{Prices: prices, Model: model})
		return findingsMsg{gen: gen, list: fs, err: err}
	}
}

// tuneMsg carries a tune search's result.
type tuneMsg struct {
	gen  int
	res  *advice.TuneResult
	err  error
	took time.Duration
}

func tuneCmd(gen int, convs []*transcripts.Conversation, prices *price.Table, model string) tea.Cmd {
	return func() tea.Msg {
		start := time.Now()
		r, err := advice.Tune(convs, advice.TuneOptions{Prices: prices, Model: model})
		return tuneMsg{gen: gen, res: r, err: err, took: time.Since(start)}
	}
}

// advisorPage is the findings pane (f) and the tune pane (a), drawn over
// the page shown. It asks for both off the event loop, keeps what came
// back, and says which spec the user chose to add (take).
type advisorPage struct {
	st     styles
	keys   advisorKeys
	mode   overlay // overlayFindings or overlayTune while open
	width  int
	height int
	perDay int64 // conversations a day for the monthly figures, 0 for none

	findGen   int // generation of the newest findings asked for
	findings  []advice.Finding
	findErr   error
	findScope string // what the findings are of: a conversation or the source
	finding   bool   // findings are being computed
	findSel   int
	findKey   string // the model, first strategy and calls the line's findings were asked for

	tuneGen  int
	tune     *advice.TuneResult
	tuneErr  error
	tuning   bool
	tuneSel  int
	tuneTook time.Duration
	spin     spinner.Model // turns while the search runs

	chosen string // the spec to add, set by enter until taken
	menuOut
}

// advisorKeys are the keys of the advisor panes.
type advisorKeys struct {
	cursorKeys
	Add, Findings, Tune key.Binding
}

func newAdvisorKeys() advisorKeys {
	return advisorKeys{cursorKeys: newCursorKeys("esc", "q"), Add: bind("enter", "add the spec", "enter"),
		Findings: bind("f", "close findings", "f"), Tune: bind("a", "close tune", "a")}
}

// ShortHelp is the panes' one-line help.
func (k advisorKeys) ShortHelp() []key.Binding {
	return []key.Binding{fold("↑↓", "move"), k.Add, k.Close}
}

// FullHelp is the panes' keys by column.
func (k advisorKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.Add}, {k.Close, k.Findings, k.Tune}}
}

func newAdvisorPage(st styles) advisorPage { return advisorPage{st: st, keys: newAdvisorKeys()} }

// reset forgets what was found of another conversation; the generations
// stay, so that an answer asked for before is still known to be old.
func (a advisorPage) reset() advisorPage {
	return advisorPage{st: a.st, keys: a.keys, width: a.width, height: a.height, findGen: a.findGen, tuneGen: a.tuneGen}
}

// open shows the findings or the tune pane, from its first row, with the
// monthly figures at perDay conversations a day (0: none).
func (a advisorPage) open(mode overlay, perDay int64) advisorPage {
	a.mode, a.perDay, a.shut, a.chosen, a.status = mode, perDay, false, "", ""
	if mode == overlayFindings {
		a.findSel = 0
	}
	return a
}

// SetSize gives the panes the screen they are drawn over.
func (a *advisorPage) SetSize(w, h int) { a.width, a.height = w, h }

// KeyMap is the panes' keys.
func (a advisorPage) KeyMap() help.KeyMap { return a.keys }

// take returns the spec the user chose to add, once.
func (a *advisorPage) take() (string, bool) {
	s := a.chosen
	a.chosen = ""
	return s, s != ""
}

// askFindings starts the findings of convs against res.
func (a *advisorPage) askFindings(convs []*transcripts.Conversation, res *profile.Result, scope string, prices *price.Table, model string) tea.Cmd {
	a.findGen++
	a.finding, a.findScope = true, scope
	return findingsCmd(a.findGen, convs, res, prices, model)
}

// askTune starts a tune search of convs.
func (a *advisorPage) askTune(convs []*transcripts.Conversation, prices *price.Table, model string) tea.Cmd {
	a.tuneGen++
	a.tuning, a.tune, a.tuneErr, a.tuneSel = true, nil, nil, 0
	a.spin = spinner.New(spinner.WithSpinner(spinner.MiniDot))
	// The search first: the spinner's tick stops once it is done.
	return tea.Batch(tuneCmd(a.tuneGen, convs, prices, model), a.spin.Tick)
}

// Update takes the findings and the search as they come (an answer of an
// older generation is dropped), the spinner's ticks, and keys.
func (a advisorPage) Update(msg tea.Msg) (advisorPage, tea.Cmd) {
	switch msg := msg.(type) {
	case findingsMsg:
		if msg.gen == a.findGen {
			a.finding = false
			a.findings, a.findErr = msg.list, msg.err
			a.findSel = min(a.findSel, max(0, len(msg.list)-1))
		}
	case tuneMsg:
		if msg.gen == a.tuneGen {
			a.tuning = false
			a.tune, a.tuneErr, a.tuneTook = msg.res, msg.err, msg.took
		}
	case spinner.TickMsg:
		if !a.tuning {
			return a, nil // the search is over: let the spinner stop
		}
		var cmd tea.Cmd
		a.spin, cmd = a.spin.Update(msg)
		return a, cmd
	case tea.KeyPressMsg:
		a.status = ""
		if a.mode == overlayTune {
			a.tuneKey(msg)
		} else {
			a.findingsKey(msg)
		}
	}
	return a, nil
}

// findingsKey handles a key in the findings pane: enter adds the spec of
// a best-strategy finding.
func (a *advisorPage) findingsKey(msg tea.KeyPressMsg) {
	switch {
	case key.Matches(msg, a.keys.Close, a.keys.Findings):
		a.shut = true
	case a.keys.move(msg, &a.findSel, len(a.findings)):
	case key.Matches(msg, a.keys.Add):
		if a.findSel >= len(a.findings) {
			return
		}
		f := a.findings[a.findSel]
		if f.Kind != advice.FindingBestStrategy || f.Spec == "" {
			a.status = "enter adds a best-strategy finding's spec"
			return
		}
		a.chosen = f.Spec
	}
}

// tuneKey handles a key in the frontier pane: enter adds the spec chosen.
func (a *advisorPage) tuneKey(msg tea.KeyPressMsg) {
	n := 0
	if a.tune != nil {
		n = len(a.tune.Frontier)
	}
	switch {
	case key.Matches(msg, a.keys.Close, a.keys.Tune):
		a.shut = true
	case a.keys.move(msg, &a.tuneSel, n):
	case key.Matches(msg, a.keys.Add) && a.tuneSel < n:
		a.chosen = a.tune.Frontier[a.tuneSel].Spec
	}
}

// View is the pane open, sized to the screen.
func (a advisorPage) View() string {
	if a.mode == overlayTune {
		return tuneView(a, a.st, min(76, a.width-2), min(20, a.height-2))
	}
	return findingsView(a, a.st, a.perDay, min(76, a.width-2), min(20, a.height-2))
}

// findingsView is the findings pane, w×h with its frame.
func findingsView(a advisorPage, st styles, perDay int64, w, h int) string {
	inner := w - 4
	rest := joinFit(inner-len("findings"), "", field{" · " + a.findScope, 2}, field{fmt.Sprintf(" · /mo at %s/day", formatInt(perDay)), 1})
	if perDay <= 0 {
		rest = joinFit(inner-len("findings"), "", field{" · " + a.findScope, 2})
	}
	lines := []string{st.bold.Render("findings") + st.dim.Render(rest), st.dim.Render(truncate("↑↓ · enter adds a best strategy · esc", inner))}
	switch {
	case a.findErr != nil:
		lines = append(lines, wrapLines(st.bad, "error: "+a.findErr.Error(), inner)...)
	case a.findings == nil && a.finding:
		lines = append(lines, "finding what to change…")
	case len(a.findings) == 0:
		lines = append(lines, "nothing to change found")
	}
	var body []string
	var at []int // first body line of each finding
	for i, f := range a.findings {
		at = append(at, len(body))
		text := f.Text
		if a.findScope == "all conversations" && f.Conversation != "" {
			text = truncateMiddle(f.Conversation, 17) + ": " + text
		}
		if perDay > 0 && f.Cost != 0 {
			text += " · " + price.Project(f.Cost, perDay).String() + "/mo"
		}
		// Wrapped at words, so that no amount is split across lines.
		for j, l := range strings.Split(ansi.Wrap(text, inner-2, ""), "\n") {
			prefix := "  "
			if j == 0 {
				prefix = "• "
			}
			l = prefix + l
			if i == a.findSel {
				l = st.selected.Render(l)
			}
			body = append(body, l)
		}
	}
	rows := max(1, h-2-len(lines))
	start := 0
	if a.findSel < len(at) {
		start = max(0, min(at[a.findSel], len(body)-rows))
	}
	lines = append(lines, body[start:min(len(body), start+rows)]...)
	return st.pane.Width(w).Render(strings.Join(lines, "\n"))
}

// tuneView is the frontier pane, w×h with its frame.
func tuneView(a advisorPage, st styles, w, h int) string {
	inner := w - 4
	lines := []string{st.bold.Render("tune") + st.dim.Render(truncate(" · cheapest strategies by context kept", inner-4)),
		st.dim.Render(truncate("↑↓ · enter adds the spec to the table · esc", inner))}
	switch {
	case a.tuneErr != nil:
		return st.pane.Width(w).Render(strings.Join(append(lines, wrapLines(st.bad, "error: "+a.tuneErr.Error(), inner)...), "\n"))
	case a.tuning || a.tune == nil:
		return st.pane.Width(w).Render(strings.Join(append(lines, a.spin.View()+" searching the strategy space…"), "\n"))
	}
	r := a.tune
	lines = append(lines, st.dim.Render(truncate(fmt.Sprintf("%d tried · %d admissible · basis %s %s", r.Tried, r.Admissible, r.Basis.Spec, r.Basis.Cost), inner)))
	if len(r.Frontier) == 0 {
		lines = append(lines, "no strategy beats the basis under the constraints")
		return st.pane.Width(w).Render(strings.Join(lines, "\n"))
	}
	// Numbers first, so that a narrow pane cuts the spec, never a number.
	head := fmt.Sprintf("%-10s %6s %5s %8s  %s", "cost", "saved", "kept", "dropped", "spec")
	lines = append(lines, st.dim.Render(truncate(head, inner)))
	// The chosen spec in full below the rows: a narrow pane cuts it there.
	sel := strings.Split(ansi.Wrap("enter adds "+r.Frontier[min(a.tuneSel, len(r.Frontier)-1)].Spec, inner, "+"), "\n")
	rows := max(1, h-2-len(lines)-len(sel))
	start := max(0, min(a.tuneSel-rows/2, len(r.Frontier)-rows))
	for i := start; i < len(r.Frontier) && i < start+rows; i++ {
		c := r.Frontier[i]
		l := fmt.Sprintf("%-10s %5.1f%% %4.0f%% %8s  %s", c.Cost, c.SavingsPct, c.ContextPct, formatInt(c.Dropped), c.Spec)
		l = truncate(l, inner)
		if i == a.tuneSel {
			l = st.selected.Render(l)
		}
		lines = append(lines, l)
	}
	for _, l := range sel {
		lines = append(lines, st.dim.Render(l))
	}
	return st.pane.Width(w).Render(strings.Join(lines, "\n"))
}

// findingLine is the top finding, fitted to the width without cutting a
// number: the full text, else its kind and dollars.
func (p sessionPage) findingLine() string {
	// The first finding with an effect: an unpriced log has none.
	i := slices.IndexFunc(p.findings, func(f advice.Finding) bool { return f.Cost != 0 })
	if i < 0 {
		if p.finding {
			return p.c.st.dim.Render("finding what to change…")
		}
		return ""
	}
	f := p.findings[i]
	long := "top: " + f.Text + " · f all"
	if lipgloss.Width(long) <= p.c.width {
		return p.c.st.warn.Render(long)
	}
	short := findingKind(f)
	if amount := f.Cost.String(); f.Cost != 0 {
		short += " " + amount
	}
	return p.c.st.warn.Render(joinFit(p.c.width, " · ", field{"top: " + short, 9}, field{"f all", 3}))
}

// findingKind names a finding in a few words.
func findingKind(f advice.Finding) string {
	switch f.Kind {
	case advice.FindingCacheBreaker:
		return fmt.Sprintf("cache breaker at call %d", f.Call)
	case advice.FindingDeadTool:
		return "unused tool " + f.Tool
	case advice.FindingBestStrategy:
		return "best " + f.Spec + " saves"
	}
	return "marginal"
}

// findingsPerDay is the projection's conversations a day when --per-day
// was given ([ and ] change it), else 0: no monthly figures.
func (m Model) findingsPerDay() int64 {
	if m.c.cfg.PerDay <= 0 {
		return 0
	}
	return m.sh.perDay
}
