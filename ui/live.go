package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/profile/strategy"
	"github.com/tokenscope/tokenscope/transcripts"
	"github.com/tokenscope/tokenscope/transcripts/live"
)

// LiveConfig turns the program into a live chat.
type LiveConfig struct {
	Session *live.Session
	Budget  price.Money // 0: no budget
	OutPath string      // where the JSONL goes, shown in the status line
}

// livePage is the chat of live mode, a pane of the session page: the
// conversation, the reply streaming in, the input box and the spend
// against the budget. The session page hands it the model priced and
// what was spent (spent), and reads back whether the conversation grew
// (grew), a status (status) and whether a key was not the chat's
// (passed).
type livePage struct {
	st        styles
	keys      liveKeys
	prices    *price.Table
	model     string      // the model priced, "" for the logged one
	spent     price.Money // what the calls cost so far (sessionPage.spent)
	width     int
	height    int // the chat's lines
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

	grew   bool   // the conversation changed: the session page shows it again
	status string // a status for the root, "" for none
	passed bool   // the last key was not the chat's
}

// liveKeys are the chat's keys.
type liveKeys struct {
	Send, Newline, Blur, Scroll, ScrollDown, System, Retry, Cancel, Focus, Budget key.Binding
}

func newLiveKeys() liveKeys {
	return liveKeys{
		Send:       bind("enter", "send", "enter"),
		Newline:    bind("alt+enter", "newline", "alt+enter"),
		Blur:       bind("esc", "keys", "esc"),
		Scroll:     bind("pgup/pgdn", "chat", "pgup"),
		ScrollDown: key.NewBinding(key.WithKeys("pgdown")),
		System:     bind(":system FILE", "prompt", ":"), // typed in the input: never matched
		Retry:      bind("ctrl+r", "retry", "ctrl+r"),
		Cancel:     bind("ctrl+c", "cancel", "ctrl+c"),
		Focus:      bind("i", "type", "i", "/"),
		Budget:     bind("B", "double the budget", "B"),
	}
}

// ShortHelp is the chat's help line while the input has focus.
func (k liveKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Send, k.Newline, k.Blur, k.Scroll, k.System, k.Retry, k.Cancel}
}

// FullHelp is the chat's keys in one column (B is the session page's:
// it works while the input is shut).
func (k liveKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Focus, k.Send, k.Newline, k.Blur, k.Scroll, k.System, k.Retry, k.Cancel}}
}

// KeyMap is the chat's keys.
func (l livePage) KeyMap() help.KeyMap { return l.keys }

// SetSize gives the chat its pane: w columns, h lines of conversation.
func (l *livePage) SetSize(w, h int) {
	l.width, l.height = w, h
	if l.cfg != nil { // the input box exists in live mode only
		l.input.SetWidth(max(10, w-4))
	}
}

// helpLine is the chat's keys on one line of w columns, whole items
// only, the most useful kept longest.
func (l livePage) helpLine(w int) string {
	k := l.keys
	var fields []field
	for i, b := range k.ShortHelp() {
		fields = append(fields, field{b.Help().Key + " " + b.Help().Desc, []int{9, 5, 8, 4, 3, 6, 7}[i]})
	}
	return l.st.dim.Render(joinFit(w, " · ", fields...))
}

func newLivePage(c common) livePage {
	cfg := c.cfg.Live
	in := textarea.New()
	in.Placeholder = "type a message, enter to send · alt+enter new line · esc for keys"
	in.Prompt = "› "
	in.ShowLineNumbers = false
	in.KeyMap.InsertNewline = bind("alt+enter", "new line", "alt+enter")
	in.SetHeight(1)
	// A steady cursor: no blink timer to redraw the screen twice a second.
	st := in.Styles()
	st.Cursor.Blink = false
	in.SetStyles(st)
	in.Focus()
	return livePage{st: c.st, keys: newLiveKeys(), prices: c.cfg.Prices, cfg: cfg, input: in, cancelled: map[int]bool{}}
}

// inputHeight is the input box's height: its lines, up to 3.
func (l livePage) inputHeight() int {
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

// Update handles the stream's events, the answers of the budget check and
// of :system, and keys; passed is set for keys the session page should
// see.
func (l livePage) Update(msg tea.Msg) (livePage, tea.Cmd) {
	l.grew, l.status, l.passed = false, "", false
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case liveEventMsg:
		cmd = l.onEvent(msg)
	case systemMsg:
		l.checking = false
		l.notice = msg.notice()
		l.grew = msg.err == nil
	case budgetMsg:
		cmd = l.onBudget(msg)
	case tea.KeyPressMsg:
		var handled bool
		cmd, handled = l.onKey(msg)
		l.passed = !handled
	}
	return l, cmd
}

// onEvent takes one event of the stream.
func (l *livePage) onEvent(msg liveEventMsg) tea.Cmd {
	switch {
	case !msg.open:
		l.streaming, l.events, l.cancel, l.cancelling = false, nil, nil, false
		return nil
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
		l.grew = true
	}
	return waitLive(l.events)
}

// onBudget sends the text the budget check let through, or says why not.
func (l *livePage) onBudget(msg budgetMsg) tea.Cmd {
	l.checking = false
	if msg.err != nil {
		l.notice = "error: " + msg.err.Error()
		return nil
	}
	if b, spent := l.cfg.Budget, l.spent; b > 0 && msg.estimate > 0 && spent+msg.estimate > b {
		l.notice = fmt.Sprintf("refused: this call's input alone (≈%s) would take spend from %s to %s, past the budget of %s · B raises the budget",
			msg.estimate, spent, spent+msg.estimate, b)
		if spent > b {
			l.notice = fmt.Sprintf("refused: spend %s is over the budget of %s by %s · B raises the budget", spent, b, spent-b)
		}
		l.input.SetValue(msg.text)
		return nil
	}
	return l.startCall(func(ctx context.Context) <-chan live.Event { return l.cfg.Session.Send(ctx, msg.text) })
}

// conversation is the chat as a source, for the session page.
func (l livePage) conversation() *transcripts.Source {
	return &transcripts.Source{Path: l.cfg.OutPath, Format: transcripts.FormatNative,
		Conversations: []*transcripts.Conversation{l.cfg.Session.Conversation()}}
}

func (l *livePage) startCall(send func(context.Context) <-chan live.Event) tea.Cmd {
	ctx, cancel := context.WithCancel(context.Background())
	l.cancel, l.streaming, l.notice = cancel, true, ""
	l.reply.Reset()
	l.events = send(ctx)
	return waitLive(l.events)
}

// raiseBudget doubles the budget, or sets it to twice the spend when the
// spend passed it.
func (l *livePage) raiseBudget() {
	b := l.cfg.Budget
	if b <= 0 {
		l.status = "no budget set: pass --budget"
		return
	}
	nb := max(2*b, 2*l.spent)
	l.cfg.Budget = nb
	l.status = "budget → " + nb.String()
}

// View shows the conversation, scrolled back l.scroll lines from the
// end, the reply streaming in, and the last notice in full.
func (l livePage) View() string {
	w, h := l.width, l.height
	if h <= 0 {
		return ""
	}
	var lines []string
	conv := l.cfg.Session.Conversation()
	for i, msg := range conv.Messages {
		if msg.Role == transcripts.RoleSystem || msg.RAG {
			continue
		}
		who := "you"
		if msg.Role == transcripts.RoleAssistant {
			who = "model"
		}
		for j, para := range strings.Split(messageText(msg), "\n") {
			prefix := who + ": "
			if j > 0 {
				prefix = strings.Repeat(" ", len(who)+2)
			}
			lines = append(lines, wrapLine(prefix+oneLine(para), w)...)
		}
		if l.cancelled[i] {
			lines = append(lines, l.st.warn.Render(truncate("  ✗ reply cancelled: this message is still in the conversation", w)))
		}
	}
	if l.streaming {
		lines = append(lines, wrapLine("model: "+oneLine(l.reply.String())+"▌", w)...)
	}
	if l.notice != "" && !l.streaming {
		// Errors in full, wrapped: the status line has room for a glimpse.
		wrapped := lipgloss.NewStyle().Width(max(1, w)).Render(l.notice)
		for _, ln := range strings.Split(wrapped, "\n") {
			lines = append(lines, l.st.bad.Render(strings.TrimRight(ln, " ")))
		}
	}
	end := max(0, len(lines)-l.scroll)
	start := max(0, end-h)
	if l.scroll > 0 && end-start == h && h > 1 {
		lines[end-1] = l.st.dim.Render(truncate("↓ "+plural(len(lines)-end+1, "more line")+" · pgdn", w))
	}
	return strings.Join(lines[start:end], "\n")
}

// spendLine is the status line: spend against budget, and notices.
func (l livePage) spendLine() string {
	spent := l.spent
	line := "spent " + spent.String()
	if b := l.cfg.Budget; b > 0 {
		line += " of " + b.String()
		switch {
		case spent > b:
			line = l.st.bad.Render(line + " · over budget by " + (spent - b).String() + " · B raises it")
		case spent*10 >= b*8:
			line = l.st.warn.Render(line + fmt.Sprintf(" (%d%% used)", int64(spent)*100/int64(b)))
		}
	}
	if l.streaming {
		line += " · streaming… ctrl+c cancels"
	}
	if l.notice != "" {
		// The notice is in full in the chat; here as many whole words as
		// fit, never a number cut in two.
		if room := l.width - lipgloss.Width(line) - 3; room >= 8 {
			line += " · " + l.st.bad.Render(cutWords(l.notice, room))
		}
	}
	return fit(line, l.width, 1)
}

// liveKey handles a key of the chat: cancel, scroll, retry, and while
// the input has focus every letter; handled is false for keys the
// session page should see.
func (l *livePage) onKey(msg tea.KeyPressMsg) (cmd tea.Cmd, handled bool) {
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
		l.scroll += max(1, l.height-1)
		return nil, true
	case "pgdown":
		l.scroll = max(0, l.scroll-max(1, l.height-1))
		return nil, true
	case "ctrl+r":
		if l.failed && !l.streaming {
			return l.startCall(l.cfg.Session.Retry), true
		}
		return nil, true
	}
	if !l.input.Focused() {
		switch msg.String() {
		case "i", "/":
			l.input.Focus()
			return nil, true
		case "B":
			l.raiseBudget()
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
			return systemCmd(l.cfg.Session, l.prices, l.model, strings.TrimSpace(path)), true
		}
		l.checking, l.scroll = true, 0
		return checkBudget(l.cfg.Session, l.prices, l.model, text), true
	}
	var c tea.Cmd
	l.input, c = l.input.Update(msg)
	l.input.SetHeight(l.inputHeight())
	return c, true
}
