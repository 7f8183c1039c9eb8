package ui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tokenscope/tokenscope/profile/strategy"

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

// advisor is the state of the findings and tune panes.
type advisor struct {
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
}

// askFindings starts the findings of what the page shows.
func (m *Model) askFindings() tea.Cmd {
	res, convs := m.res, []*transcripts.Conversation(nil)
	if m.shown != nil {
		convs = m.shown.Conversations
	}
	scope := "this conversation"
	if m.page == pageConversations {
		res, convs, scope = m.all, m.src.Conversations, "all conversations"
	} else if m.open < 0 && len(convs) > 1 {
		scope = "all conversations"
	}
	// A list kept as refs has no text: the findings reuse res's counts.
	if res == nil || (len(convs) == 0 && (m.page != pageConversations || m.refs == nil)) {
		return nil
	}
	m.adv.findGen++
	m.adv.finding, m.adv.findScope = true, scope
	return findingsCmd(m.adv.findGen, convs, res, m.cfg.Prices, m.model)
}

// askTune starts a tune search of the conversation shown.
func (m *Model) askTune() tea.Cmd {
	if m.shown == nil || len(m.shown.Conversations) == 0 {
		return nil
	}
	m.adv.tuneGen++
	m.adv.tuning, m.adv.tune, m.adv.tuneErr, m.adv.tuneSel = true, nil, nil, 0
	m.adv.spin = spinner.New(spinner.WithSpinner(spinner.MiniDot))
	// The search first: the spinner's tick stops once it is done.
	return tea.Batch(tuneCmd(m.adv.tuneGen, m.shown.Conversations, m.cfg.Prices, m.model), m.adv.spin.Tick)
}

// addSpec puts spec in the strategy table (once), selects it and
// recomputes.
func (m *Model) addSpec(spec string) tea.Cmd {
	if s, err := strategy.Parse(spec); err == nil {
		spec = s.String()
	}
	for i, s := range m.specs {
		if s == spec {
			m.sel = i
			m.status = spec + " is row " + fmt.Sprint(i+1)
			return nil
		}
	}
	m.specs = append(m.specs, spec)
	// Selected when its numbers arrive: the result shown has no row yet.
	m.selNext = len(m.specs)
	m.status = "added " + spec
	return m.recompute()
}

// updateFindings handles a key in the findings pane.
func (m *Model) updateFindings(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc", "q", "f":
		m.overlay = overlayNone
	case "up", "k":
		m.adv.findSel = max(0, m.adv.findSel-1)
	case "down", "j":
		m.adv.findSel = min(len(m.adv.findings)-1, m.adv.findSel+1)
	case "enter":
		if m.adv.findSel >= len(m.adv.findings) {
			return nil
		}
		f := m.adv.findings[m.adv.findSel]
		if f.Kind != advice.FindingBestStrategy || f.Spec == "" {
			m.status = "enter adds a best-strategy finding's spec"
			return nil
		}
		m.overlay = overlayNone
		return m.addSpec(f.Spec)
	}
	return nil
}

// updateTune handles a key in the frontier pane.
func (m *Model) updateTune(msg tea.KeyPressMsg) tea.Cmd {
	n := 0
	if m.adv.tune != nil {
		n = len(m.adv.tune.Frontier)
	}
	switch msg.String() {
	case "esc", "q", "a":
		m.overlay = overlayNone
	case "up", "k":
		m.adv.tuneSel = max(0, m.adv.tuneSel-1)
	case "down", "j":
		m.adv.tuneSel = min(n-1, m.adv.tuneSel+1)
	case "enter":
		if m.adv.tuneSel >= n {
			return nil
		}
		m.overlay = overlayNone
		return m.addSpec(m.adv.tune.Frontier[m.adv.tuneSel].Spec)
	}
	return nil
}

// findingsView is the findings pane, w×h with its frame.
func findingsView(a advisor, st styles, perDay int64, w, h int) string {
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
func tuneView(a advisor, st styles, w, h int) string {
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

// wrapLines wraps s to w columns in style st.
func wrapLines(st lipgloss.Style, s string, w int) []string {
	var out []string
	for _, l := range wrapLine(s, w) {
		out = append(out, st.Render(l))
	}
	return out
}

// findingLine is the top finding, fitted to the width without cutting a
// number: the full text, else its kind and dollars.
func (m Model) findingLine() string {
	// The first finding with an effect: an unpriced log has none.
	i := slices.IndexFunc(m.adv.findings, func(f advice.Finding) bool { return f.Cost != 0 })
	if i < 0 {
		if m.adv.finding {
			return m.st.dim.Render("finding what to change…")
		}
		return ""
	}
	f := m.adv.findings[i]
	long := "top: " + f.Text + " · f all"
	if lipgloss.Width(long) <= m.width {
		return m.st.warn.Render(long)
	}
	short := findingKind(f)
	if amount := f.Cost.String(); f.Cost != 0 {
		short += " " + amount
	}
	return m.st.warn.Render(joinFit(m.width, " · ", field{"top: " + short, 9}, field{"f all", 3}))
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
	if m.cfg.PerDay <= 0 {
		return 0
	}
	return m.perDay
}
