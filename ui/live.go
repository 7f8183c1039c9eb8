package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tokenscope/tokenscope/profile/strategy"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts"
	"github.com/tokenscope/tokenscope/transcripts/live"
)

// LiveConfig turns the program into a live chat.
type LiveConfig struct {
	Session *live.Session
	Budget  price.Money // 0: no budget
	OutPath string      // where the JSONL goes, shown in the status line
}

// liveState is the chat part of the model.
type liveState struct {
	cfg       *LiveConfig
	input     textarea.Model
	streaming bool
	cancel    context.CancelFunc
	events    <-chan live.Event
	reply     strings.Builder // the reply streaming in
	failed    bool            // the last call failed: ctrl+r retries
	notice    string          // the last error or refusal, shown until the next send
	checking  bool            // a budget check is under way
	scroll    int             // chat lines scrolled back from the end
	// cancelling is set between ctrl+c and the end of the stream it
	// cancels; cancelled marks the user messages whose reply was
	// cancelled: they stay in the history, shown as such.
	cancelling bool
	cancelled  map[int]bool
}

func newLiveState(cfg *LiveConfig) liveState {
	in := textarea.New()
	in.Placeholder = "type a message, enter to send · alt+enter new line · esc for keys"
	in.Prompt = "› "
	in.ShowLineNumbers = false
	in.KeyMap.InsertNewline = key.NewBinding(key.WithKeys("alt+enter"), key.WithHelp("alt+enter", "new line"))
	in.SetHeight(1)
	// A steady cursor: no blink timer to redraw the screen twice a second.
	st := in.Styles()
	st.Cursor.Blink = false
	in.SetStyles(st)
	in.Focus()
	return liveState{cfg: cfg, input: in, cancelled: map[int]bool{}}
}

// inputHeight is the input box's height: its lines, up to 3.
func (l liveState) inputHeight() int {
	return min(3, max(1, strings.Count(l.input.Value(), "\n")+1))
}

// liveEventMsg carries one event of a streamed call.
type liveEventMsg struct {
	ev   live.Event
	open bool // false: the stream is over
}

func waitLive(ch <-chan live.Event) tea.Cmd {
	return func() tea.Msg {
		ev, ok := <-ch
		return liveEventMsg{ev: ev, open: ok}
	}
}

// budgetMsg is the answer of a budget check before sending text.
type budgetMsg struct {
	text     string
	estimate price.Money // the next call's input alone, at list price
	err      error
}

// checkBudget estimates the next call's input cost off the event loop.
func checkBudget(s *live.Session, prices *price.Table, model, text string) tea.Cmd {
	return func() tea.Msg {
		pending := s.Pending(text)
		st, _ := strategy.Parse("full")
		res, err := profile.Run([]*transcripts.Conversation{pending}, profile.Options{Prices: prices, Model: model, Strategies: []*strategy.Strategy{st}})
		if err != nil {
			return budgetMsg{text: text, err: err}
		}
		calls := res.Strategies[0].Calls()
		if len(calls) == 0 || res.Model == nil {
			return budgetMsg{text: text}
		}
		last := calls[len(calls)-1]
		r := res.Model.RatesFor(last.Input.Total())
		return budgetMsg{text: text, estimate: r.Input.Cost(last.Input.Total())}
	}
}

// spent is what the live calls cost so far: reported usage where the
// server gave it, else the simulated cost of the first strategy.
func (m Model) spent() price.Money {
	if m.res == nil || len(m.res.Strategies) == 0 {
		return 0
	}
	var total price.Money
	for _, c := range m.res.Strategies[0].Calls() {
		if c.Reported != nil {
			total += c.ReportedCost
		} else {
			total += c.Cost
		}
	}
	return total
}

// updateLive handles live-mode messages and keys; handled is false for
// keys the main screen should see.
func (m *Model) updateLive(msg tea.Msg) (cmd tea.Cmd, handled bool) {
	l := &m.live
	switch msg := msg.(type) {
	case liveEventMsg:
		if !msg.open {
			l.streaming, l.events, l.cancel, l.cancelling = false, nil, nil, false
			return nil, true
		}
		switch {
		case msg.ev.Delta != "":
			l.reply.WriteString(msg.ev.Delta)
		case msg.ev.Err != nil && (l.cancelling || errors.Is(msg.ev.Err, context.Canceled)):
			// The prompt stays in the conversation (it is in the log
			// already) and is marked, so that the next message visibly
			// goes with it.
			l.failed = true
			l.reply.Reset()
			conv := l.cfg.Session.Conversation()
			for i := len(conv.Messages) - 1; i >= 0; i-- {
				if conv.Messages[i].Role == transcripts.RoleUser {
					l.cancelled[i] = true
					break
				}
				if conv.Messages[i].Role == transcripts.RoleAssistant {
					break
				}
			}
			l.notice = "cancelled · the message stays in the conversation and goes with your next one · ctrl+r resends it now"
		case msg.ev.Err != nil:
			l.failed = true
			l.notice = "error: " + oneLine(msg.ev.Err.Error()) + " · ctrl+r retries"
		case msg.ev.Done != nil:
			l.failed = false
			l.reply.Reset()
			m.setSource(&transcripts.Source{Path: l.cfg.OutPath, Format: transcripts.FormatNative,
				Conversations: []*transcripts.Conversation{l.cfg.Session.Conversation()}})
			return tea.Batch(waitLive(l.events), m.recompute()), true
		}
		return waitLive(l.events), true
	case systemMsg:
		l.checking = false
		l.notice = msg.notice()
		if msg.err != nil {
			return nil, true
		}
		m.setSource(&transcripts.Source{Path: l.cfg.OutPath, Format: transcripts.FormatNative,
			Conversations: []*transcripts.Conversation{l.cfg.Session.Conversation()}})
		return m.recompute(), true
	case budgetMsg:
		l.checking = false
		if msg.err != nil {
			l.notice = "error: " + msg.err.Error()
			return nil, true
		}
		if b := l.cfg.Budget; b > 0 && msg.estimate > 0 && m.spent()+msg.estimate > b {
			spent := m.spent()
			l.notice = fmt.Sprintf("refused: this call's input alone (≈%s) would take spend from %s to %s, past the budget of %s · B raises the budget",
				msg.estimate, spent, spent+msg.estimate, b)
			if spent > b {
				l.notice = fmt.Sprintf("refused: spend %s is over the budget of %s by %s · B raises the budget", spent, b, spent-b)
			}
			l.input.SetValue(msg.text)
			return nil, true
		}
		return m.startCall(func(ctx context.Context) <-chan live.Event { return l.cfg.Session.Send(ctx, msg.text) }), true
	case tea.KeyPressMsg:
		return m.liveKey(msg)
	}
	return nil, false
}

func (m *Model) startCall(send func(context.Context) <-chan live.Event) tea.Cmd {
	l := &m.live
	ctx, cancel := context.WithCancel(context.Background())
	l.cancel, l.streaming, l.notice = cancel, true, ""
	l.reply.Reset()
	l.events = send(ctx)
	return waitLive(l.events)
}

// raiseBudget doubles the budget, or sets it to twice the spend when the
// spend passed it.
func (m *Model) raiseBudget() {
	l := &m.live
	b := l.cfg.Budget
	if b <= 0 {
		m.status = "no budget set: pass --budget"
		return
	}
	nb := max(2*b, 2*m.spent())
	l.cfg.Budget = nb
	m.status = "budget → " + nb.String()
}

// chatView shows the conversation, scrolled back l.scroll lines from the
// end, the reply streaming in, and the last notice in full.
func (m Model) chatView(w, h int) string {
	if h <= 0 {
		return ""
	}
	var lines []string
	conv := m.live.cfg.Session.Conversation()
	for i, msg := range conv.Messages {
		if msg.Role == transcripts.RoleSystem || msg.RAG {
			continue
		}
		who := "you"
		if msg.Role == transcripts.RoleAssistant {
			who = "model"
		}
		text := msg.Content
		if text == "" && len(msg.ToolCalls) > 0 {
			text = "→ " + msg.ToolCalls[0].Name + "(" + msg.ToolCalls[0].Arguments + ")"
		}
		for j, para := range strings.Split(text, "\n") {
			prefix := who + ": "
			if j > 0 {
				prefix = strings.Repeat(" ", len(who)+2)
			}
			lines = append(lines, wrapLine(prefix+oneLine(para), w)...)
		}
		if m.live.cancelled[i] {
			lines = append(lines, m.st.warn.Render(truncate("  ✗ reply cancelled: this message is still in the conversation", w)))
		}
	}
	if m.live.streaming {
		lines = append(lines, wrapLine("model: "+oneLine(m.live.reply.String())+"▌", w)...)
	}
	if m.live.notice != "" && !m.live.streaming {
		// Errors in full, wrapped: the status line has room for a glimpse.
		wrapped := lipgloss.NewStyle().Width(max(1, w)).Render(m.live.notice)
		for _, l := range strings.Split(wrapped, "\n") {
			lines = append(lines, m.st.bad.Render(strings.TrimRight(l, " ")))
		}
	}
	end := max(0, len(lines)-m.live.scroll)
	start := max(0, end-h)
	if m.live.scroll > 0 && end-start == h && h > 1 {
		lines[end-1] = m.st.dim.Render(truncate("↓ "+plural(len(lines)-end+1, "more line")+" · pgdn", w))
	}
	return strings.Join(lines[start:end], "\n")
}

// spendLine is the status line: spend against budget, and notices.
func (m Model) spendLine() string {
	spent := m.spent()
	line := "spent " + spent.String()
	if b := m.live.cfg.Budget; b > 0 {
		line += " of " + b.String()
		switch {
		case spent > b:
			line = m.st.bad.Render(line + " · over budget by " + (spent - b).String() + " · B raises it")
		case spent*10 >= b*8:
			line = m.st.warn.Render(line + fmt.Sprintf(" (%d%% used)", int64(spent)*100/int64(b)))
		}
	}
	if m.live.streaming {
		line += " · streaming… ctrl+c cancels"
	}
	if m.live.notice != "" {
		// The notice is in full in the chat; here as many whole words as
		// fit, never a number cut in two.
		if room := m.width - lipgloss.Width(line) - 3; room >= 8 {
			line += " · " + m.st.bad.Render(cutWords(m.live.notice, room))
		}
	}
	return fit(line, m.width, 1)
}

// cutWords cuts s to at most w columns at a space, marking the cut
// with "…": a word (a dollar figure) is whole or not shown.
func cutWords(s string, w int) string {
	if lipgloss.Width(s) <= w {
		return s
	}
	words := strings.Fields(s)
	out := ""
	for _, word := range words {
		next := word
		if out != "" {
			next = out + " " + word
		}
		if lipgloss.Width(next)+1 > w {
			break
		}
		out = next
	}
	return out + "…"
}

// wrapLine breaks s into lines of w columns at most, between words
// where it can; a word longer than a line breaks after a comma or a bar
// (as in a strategy spec), else anywhere.
func wrapLine(s string, w int) []string {
	if w <= 1 {
		return []string{s}
	}
	return strings.Split(ansi.Wrap(s, w, ",|"), "\n")
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// liveKey handles a key of the chat: cancel, scroll, retry, and while
// the input has focus every letter; handled is false for keys the
// session page should see.
func (m *Model) liveKey(msg tea.KeyPressMsg) (cmd tea.Cmd, handled bool) {
	l := &m.live
	switch msg.String() {
	case "ctrl+c":
		if l.streaming && l.cancel != nil {
			l.cancel()
			l.cancelling = true
			l.notice = "cancelling… ctrl+c again quits"
			return nil, true
		}
		return tea.Quit, true
	case "pgup":
		l.scroll += max(1, m.layout().chatH-1)
		return nil, true
	case "pgdown":
		l.scroll = max(0, l.scroll-max(1, m.layout().chatH-1))
		return nil, true
	case "ctrl+r":
		if l.failed && !l.streaming {
			return m.startCall(l.cfg.Session.Retry), true
		}
		return nil, true
	}
	if !l.input.Focused() {
		switch msg.String() {
		case "i", "/":
			l.input.Focus()
			return nil, true
		case "B":
			m.raiseBudget()
			return nil, true
		}
		return nil, false
	}
	switch msg.String() {
	case "esc":
		l.input.Blur()
		return nil, true
	case "enter":
		text := strings.TrimSpace(l.input.Value())
		if text == "" || l.streaming || l.checking {
			return nil, true
		}
		l.input.SetValue("")
		l.input.SetHeight(1)
		if path, ok := strings.CutPrefix(text, ":system "); ok {
			// A command, not a message: swap the system prompt for the
			// calls that follow, and show what it changes.
			l.checking = true
			return systemCmd(l.cfg.Session, m.cfg.Prices, m.model, strings.TrimSpace(path)), true
		}
		l.checking, l.scroll = true, 0
		return checkBudget(l.cfg.Session, m.cfg.Prices, m.model, text), true
	}
	var c tea.Cmd
	l.input, c = l.input.Update(msg)
	l.input.SetHeight(l.inputHeight())
	return c, true
}
