package ui

import (
	"context"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/transcripts"
	"github.com/tokenscope/tokenscope/transcripts/live"
)

// LiveConfig turns the program into a live chat.
type LiveConfig struct {
	Session *live.Session
	Budget  profile.Money // 0: no budget
	OutPath string        // where the JSONL goes, shown in the status line
}

// liveState is the chat part of the model.
type liveState struct {
	cfg       *LiveConfig
	input     textinput.Model
	streaming bool
	cancel    context.CancelFunc
	events    <-chan live.Event
	reply     strings.Builder // the reply streaming in
	failed    bool            // the last call failed: ctrl+r retries
	notice    string          // the last error or refusal, shown until the next send
	checking  bool            // a budget check is under way
}

func newLiveState(cfg *LiveConfig) liveState {
	in := textinput.New()
	in.Placeholder = "type a message, enter to send · esc for keys"
	in.Prompt = "› "
	// A steady cursor: no blink timer to redraw the screen twice a second.
	st := in.Styles()
	st.Cursor.Blink = false
	in.SetStyles(st)
	in.Focus()
	return liveState{cfg: cfg, input: in}
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
	estimate profile.Money // the next call's input alone, at list price
	err      error
}

// checkBudget estimates the next call's input cost off the event loop.
func checkBudget(s *live.Session, prices *profile.PriceTable, model, text string) tea.Cmd {
	return func() tea.Msg {
		pending := s.Pending(text)
		st, _ := profile.ParseStrategy("full")
		res, err := profile.Run([]*transcripts.Conversation{pending}, profile.Options{Prices: prices, Model: model, Strategies: []*profile.Strategy{st}})
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
func (m Model) spent() profile.Money {
	if m.res == nil || len(m.res.Strategies) == 0 {
		return 0
	}
	var total profile.Money
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
			l.streaming, l.events, l.cancel = false, nil, nil
			return nil, true
		}
		switch {
		case msg.ev.Delta != "":
			l.reply.WriteString(msg.ev.Delta)
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
	case budgetMsg:
		l.checking = false
		if msg.err != nil {
			l.notice = "error: " + msg.err.Error()
			return nil, true
		}
		if b := l.cfg.Budget; b > 0 && msg.estimate > 0 && m.spent()+msg.estimate > b {
			l.notice = fmt.Sprintf("refused: this call's input alone (≈%s) would pass the budget (%s of %s left)", msg.estimate, b-m.spent(), b)
			l.input.SetValue(msg.text)
			return nil, true
		}
		return m.startCall(func(ctx context.Context) <-chan live.Event { return l.cfg.Session.Send(ctx, msg.text) }), true
	case tea.KeyPressMsg:
		switch msg.String() {
		case "ctrl+c":
			if l.streaming && l.cancel != nil {
				l.cancel()
				l.notice = "call cancelled · ctrl+c again quits"
				return nil, true
			}
			return tea.Quit, true
		case "ctrl+r":
			if l.failed && !l.streaming {
				return m.startCall(l.cfg.Session.Retry), true
			}
			return nil, true
		}
		if !l.input.Focused() {
			if msg.String() == "i" || msg.String() == "/" {
				l.input.Focus()
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
			l.checking = true
			return checkBudget(l.cfg.Session, m.cfg.Prices, m.model, text), true
		}
		var c tea.Cmd
		l.input, c = l.input.Update(msg)
		return c, true
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

// chatView shows the end of the conversation and the reply streaming in.
func (m Model) chatView(w, h int) string {
	if h <= 0 {
		return ""
	}
	var lines []string
	conv := m.live.cfg.Session.Conversation()
	for _, msg := range conv.Messages {
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
		lines = append(lines, wrapLine(who+": "+oneLine(text), w)...)
	}
	if m.live.streaming {
		lines = append(lines, wrapLine("model: "+oneLine(m.live.reply.String())+"▌", w)...)
	}
	if len(lines) > h {
		lines = lines[len(lines)-h:]
	}
	return strings.Join(lines, "\n")
}

// spendLine is the status line: spend against budget, and notices.
func (m Model) spendLine() string {
	spent := m.spent()
	line := "spent " + spent.String()
	if b := m.live.cfg.Budget; b > 0 {
		line += " of " + b.String()
		if spent*10 >= b*8 {
			line = m.st.warn.Render(line + " (80% used)")
		}
	}
	if m.live.streaming {
		line += " · streaming… ctrl+c cancels"
	}
	if m.live.notice != "" {
		line += " · " + m.st.bad.Render(m.live.notice)
	}
	return truncate(line, m.width)
}

func wrapLine(s string, w int) []string {
	if w <= 1 {
		return []string{s}
	}
	r := []rune(s)
	var out []string
	for len(r) > w {
		out = append(out, string(r[:w]))
		r = r[w:]
	}
	return append(out, string(r))
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
