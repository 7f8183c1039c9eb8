package proxy

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tokenscope/tokenscope/profile"
	"github.com/tokenscope/tokenscope/profile/advisor"
	"github.com/tokenscope/tokenscope/transcripts"
	"github.com/tokenscope/tokenscope/transcripts/live/livetest"
)

// A call that changes only its system prompt (the time in it, from call
// 3 on) stays in its conversation, as the request/response reader threads
// it: its line carries the system prompt it was sent, so that the reader
// marks the change at that call (what the cache-breaker finding names,
// advisor's TestBreakerAtPromptChange); call 4, sent the same one again,
// writes none. The proxy restarts before calls 3 and 4: the threads it
// reads back know the system prompt the calls before were sent.
//
// The system prompt is long enough (1,500 tokens) for gpt-4o-mini's
// automatic caching, so the finding has a prefix to name.
func TestSystemChangeStaysInThread(t *testing.T) {
	brief := "Be brief." + strings.Repeat(" x", 1500)
	up, cfg, out := promptRig(t)
	history := `{"role":"user","content":"first"}`
	send := func(r *rig, system string) {
		body := fmt.Sprintf(`{"model":"gpt-4o-mini","messages":[{"role":"system","content":%q},%s]}`, system, history)
		if status, _, b := post(t, r.srv.URL, "/v1/chat/completions", body); status != 200 {
			t.Fatalf("%d %s", status, b)
		}
		history += `,{"role":"assistant","content":"ok"},{"role":"user","content":"next"}`
	}
	r := startRig(t, cfg, up, up.URL)
	send(r, brief)
	send(r, brief)
	r.stop()
	r = startRig(t, cfg, up, up.URL)
	send(r, brief+" The time is 12:00:03.")
	r.stop()
	r = startRig(t, cfg, up, up.URL)
	send(r, brief+" The time is 12:00:03.")
	r.stop()

	src, err := transcripts.Open(out, transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(src.Conversations) != 1 || src.Conversations[0].Calls() != 4 {
		t.Fatalf("%d conversations, want one of 4 calls", len(src.Conversations))
	}
	var changed []int
	call := 0
	for _, m := range src.Conversations[0].Messages {
		if m.Role != transcripts.RoleAssistant {
			continue
		}
		call++
		if ch := m.PrefixChange; ch != nil {
			changed = append(changed, call)
			if ch.Part != "system" || m.Prompt() == nil || !slices.Equal(m.Prompt().System, []string{brief + " The time is 12:00:03."}) {
				t.Errorf("call %d: change %+v", call, ch)
			}
		}
	}
	if !slices.Equal(changed, []int{3}) {
		t.Errorf("prompt changes at calls %v, want [3]", changed)
	}
	res, err := profile.Run(src.Conversations, profile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := advisor.Findings(src.Conversations, res, advisor.FindingsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var breakers []int
	for _, f := range fs {
		if f.Kind == advisor.FindingCacheBreaker {
			breakers = append(breakers, f.Call)
		}
	}
	if !slices.Equal(breakers, []int{3}) {
		t.Errorf("cache breakers at calls %v, want [3]", breakers)
	}
	var system [][]string
	for _, rec := range records(t, out) {
		system = append(system, rec.System)
	}
	if want := [][]string{nil, nil, {brief + " The time is 12:00:03."}, nil}; !slices.EqualFunc(system, want, slices.Equal) {
		t.Errorf("system written %q, want %q", system, want)
	}
}

// Two conversations that differ only by their system prompt, sending the
// same messages and getting the same replies, stay apart when their calls
// interleave: a request continues the conversation last sent its system
// prompt before one whose prompt changed.
func TestSameHistoryOtherSystemStaysApart(t *testing.T) {
	r := newRig(t, Config{}, dearReply, dearReply, dearReply, dearReply)
	history := []string{`{"role":"user","content":"first"}`, `{"role":"user","content":"first"}`}
	for _, k := range []int{0, 1, 0, 1} {
		body := fmt.Sprintf(`{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are agent %d."},%s]}`, k, history[k])
		if status, _, b := post(t, r.srv.URL, "/v1/chat/completions", body); status != 200 {
			t.Fatalf("%d %s", status, b)
		}
		history[k] += `,{"role":"assistant","content":"ok"},{"role":"user","content":"next"}`
	}
	r.stop()
	src, err := transcripts.Open(r.out, transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(src.Conversations) != 2 {
		t.Fatalf("%d conversations, want 2", len(src.Conversations))
	}
	var systems []string
	for _, c := range src.Conversations {
		systems = append(systems, c.Messages[0].Content)
		if c.Calls() != 2 {
			t.Errorf("conversation %s: %d calls, want 2", c.ID, c.Calls())
		}
		for _, m := range c.Messages {
			if m.PrefixChange != nil {
				t.Errorf("conversation %s: a prompt change %+v", c.ID, m.PrefixChange)
			}
		}
	}
	if slices.Sort(systems); !slices.Equal(systems, []string{"You are agent 0.", "You are agent 1."}) {
		t.Errorf("system prompts %q", systems)
	}
}

// A call that drops its system prompt (and then its tools) stays in its
// conversation and says so on its line (no_system, no_tools), so that the
// reader sends the calls from there on neither, and a restarted proxy
// threads the next call as before: an empty system or tools field would
// have read as "unchanged".
func TestSystemAndToolsDroppedStayDropped(t *testing.T) {
	brief := "Be brief." + strings.Repeat(" x", 300)
	tools := `,"tools":[{"type":"function","function":{"name":"lookup","description":"Look a fact up","parameters":{"type":"object"}}}]`
	up, cfg, out := promptRig(t)
	history := `{"role":"user","content":"first"}`
	send := func(r *rig, system, tools string) {
		msgs := history
		if system != "" {
			msgs = fmt.Sprintf(`{"role":"system","content":%q},%s`, system, history)
		}
		body := fmt.Sprintf(`{"model":"gpt-4o-mini","messages":[%s]%s}`, msgs, tools)
		if status, _, b := post(t, r.srv.URL, "/v1/chat/completions", body); status != 200 {
			t.Fatalf("%d %s", status, b)
		}
		history += `,{"role":"assistant","content":"ok"},{"role":"user","content":"next"}`
	}
	r := startRig(t, cfg, up, up.URL)
	send(r, brief, tools)
	send(r, brief, tools)
	send(r, "", tools) // the system prompt goes
	r.stop()
	r = startRig(t, cfg, up, up.URL)
	send(r, "", "") // after a restart: still no system prompt; the tools go
	send(r, "", "")
	r.stop()

	var lines [][2]bool
	for _, rec := range records(t, out) {
		lines = append(lines, [2]bool{rec.NoSystem, rec.NoTools})
	}
	if want := [][2]bool{{}, {}, {true, false}, {false, true}, {}}; !slices.Equal(lines, want) {
		t.Errorf("no_system, no_tools written %v, want %v", lines, want)
	}
	src, err := transcripts.Open(out, transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(src.Conversations) != 1 || src.Conversations[0].Calls() != 5 {
		t.Fatalf("%d conversations, want one of 5 calls", len(src.Conversations))
	}
	res, err := profile.Run(src.Conversations, profile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var system, tooldefs []int64
	for _, c := range res.Strategies[0].Calls() {
		system, tooldefs = append(system, c.Input.System), append(tooldefs, c.Input.ToolDefs)
	}
	if system[0] == 0 || system[1] != system[0] || system[2] != 0 || system[3] != 0 || system[4] != 0 {
		t.Errorf("system tokens by call %v: want the prompt on calls 1 and 2 only", system)
	}
	if tooldefs[0] == 0 || tooldefs[2] != tooldefs[0] || tooldefs[3] != 0 || tooldefs[4] != 0 {
		t.Errorf("tool tokens by call %v: want the schema on calls 1 to 3 only", tooldefs)
	}
}

// promptRig is what the prompt tests share: an upstream that answers "ok"
// with usage, and a proxy configuration writing its log to a temporary
// directory (out) at a fixed time.
func promptRig(t *testing.T) (up *livetest.Server, cfg Config, out string) {
	up = livetest.New(livetest.Reply{Chunks: []string{"ok"}, Usage: &livetest.Usage{Prompt: 20, Completion: 1}})
	t.Cleanup(up.Close)
	out = t.TempDir()
	return up, Config{Out: out, Now: func() time.Time { return fixed }}, out
}
