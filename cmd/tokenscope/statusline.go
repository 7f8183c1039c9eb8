package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/tokenscope/tokenscope/profile/pace"
	"github.com/tokenscope/tokenscope/profile/price"
)

// statusInput is the JSON Claude Code pipes to a statusline command. Every
// field is optional: older versions send fewer, and rate_limits comes only
// for subscriptions after the first response.
type statusInput struct {
	SessionID      string `json:"session_id"`
	TranscriptPath string `json:"transcript_path"`
	Model          *struct {
		ID          string `json:"id"`
		DisplayName string `json:"display_name"`
	} `json:"model"`
	Workspace *struct {
		CurrentDir string `json:"current_dir"`
		ProjectDir string `json:"project_dir"`
	} `json:"workspace"`
	Cost *struct {
		TotalCostUSD *float64 `json:"total_cost_usd"`
	} `json:"cost"`
	ContextWindow *struct {
		Size           *int64   `json:"context_window_size"`
		UsedPercentage *float64 `json:"used_percentage"`
	} `json:"context_window"`
	RateLimits *statusLimits `json:"rate_limits"`
}

// statusLimits are Claude Code's plan windows.
type statusLimits struct {
	FiveHour *statusLimit `json:"five_hour,omitempty"`
	SevenDay *statusLimit `json:"seven_day,omitempty"`
}

type statusLimit struct {
	UsedPercentage float64 `json:"used_percentage"`
	ResetsAt       int64   `json:"resets_at"` // Unix seconds
}

func (l *statusLimit) limit(length time.Duration) pace.Limit {
	return pace.Limit{UsedPercent: l.UsedPercentage, ResetsAt: time.Unix(l.ResetsAt, 0), Length: length}
}

// statusState is what one session's statusline keeps between runs.
type statusState struct {
	Version    int           `json:"version"`
	Transcript string        `json:"transcript"`
	Session    *pace.Session `json:"session"`
}

const statusStateVersion = 2 // 2: a resumed session's copies are held back (pace.Resume)

// SavedLimits is the latest rate_limits any statusline run saw, kept for
// `watch`'s plan windows.
type savedLimits struct {
	SeenAt time.Time     `json:"seen_at"`
	Limits *statusLimits `json:"rate_limits"`
}

// statusFields are the parts of the line, in the default order.
var statusFields = []string{"cost", "agents", "cache", "context", "burn", "5h", "7d", "finding", "model"}

const defaultStatusFields = "cost,agents,cache,context,burn,5h,finding"

type statusOptions struct {
	fields   []string
	stateDir string // "" is the user cache dir
	now      func() time.Time
	color    bool
	prices   string
}

func newStatusline(stdout io.Writer) *cobra.Command {
	var fields, stateDir, prices string
	cmd := &cobra.Command{
		Use:   "statusline",
		Short: "One line for Claude Code's status line: billed cost, cache, context, burn rate, plan window",
		Long: "Read the JSON Claude Code pipes to its statusLine command on stdin and print one line: the\n" +
			"session's billed cost from its transcript (subagents included, priced with the embedded table,\n" +
			"with what caching saved), cache hit rate, context fill, burn rate over the last 15 minutes, the\n" +
			"5-hour window and what cutting the context would save. Each run reads only what was appended\n" +
			"since the last (state in the user cache dir). Bad input prints a short line; it never fails.\n" +
			"Fields: " + strings.Join(statusFields, ", ") + ". NO_COLOR turns colour off.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opt := statusOptions{stateDir: stateDir, now: time.Now, color: os.Getenv("NO_COLOR") == "", prices: prices}
			for f := range strings.SplitSeq(fields, ",") {
				if f = strings.TrimSpace(f); f == "" {
					continue
				}
				if !slices.Contains(statusFields, f) {
					return badInput(fmt.Errorf("--fields: %q is not a field (want %s)", f, strings.Join(statusFields, ", ")))
				}
				opt.fields = append(opt.fields, f)
			}
			fmt.Fprintln(stdout, statusline(cmd.InOrStdin(), opt))
			return nil
		},
	}
	cmd.Flags().StringVar(&fields, "fields", defaultStatusFields, "comma-separated `FIELDS` to show, in order: "+strings.Join(statusFields, ", "))
	cmd.Flags().StringVar(&stateDir, "state-dir", "", "keep the per-session state in `DIR` (default: tokenscope/statusline in the user cache dir)")
	cmd.Flags().StringVar(&prices, "prices", "", "price `FILE` to extend the embedded table (tokenscope YAML or LiteLLM JSON)")
	return cmd
}

// statusline makes the line; it never fails: what it cannot read it says
// in a few words.
func statusline(stdin io.Reader, opt statusOptions) string {
	data, err := io.ReadAll(io.LimitReader(stdin, 1<<20))
	if err != nil || len(bytes.TrimSpace(data)) == 0 {
		return "tokenscope: no session data"
	}
	var in statusInput
	if err := json.Unmarshal(data, &in); err != nil {
		return "tokenscope: unreadable session data"
	}
	now := opt.now()
	dir := opt.stateDir
	if dir == "" {
		if cache, err := os.UserCacheDir(); err == nil {
			dir = filepath.Join(cache, "tokenscope", "statusline")
		}
	}
	if in.RateLimits != nil && dir != "" {
		saveLimits(dir, now, in.RateLimits)
	}
	var s *pace.Session
	problem := ""
	pricer := &pace.Pricer{}
	if opt.prices != "" {
		pricer.Load = func() *price.Table {
			t, err := priceTable(opt.prices)
			if err != nil {
				problem = "prices: " + oneLine(err.Error())
				return nil
			}
			return t
		}
	}
	if in.TranscriptPath != "" {
		s, problem = followSession(dir, &in, pricer)
	}
	l := statusLine{in: &in, s: s, now: now, pricer: pricer, color: opt.color}
	fields := opt.fields
	if fields == nil {
		fields = strings.Split(defaultStatusFields, ",")
	}
	var parts []string
	for _, f := range fields {
		if p := l.field(f); p != "" {
			parts = append(parts, p)
		}
	}
	if problem != "" && s == nil {
		parts = append(parts, "tokenscope: "+printable(problem, 60))
	}
	if len(parts) == 0 {
		return "tokenscope: no usage yet"
	}
	return strings.Join(parts, l.dim(" · "))
}

// followSession loads the session's state, reads what was appended and
// stores the state again. A state that cannot be read or written costs a
// full read, never the line.
func followSession(dir string, in *statusInput, pricer *pace.Pricer) (*pace.Session, string) {
	key := in.SessionID
	if key == "" {
		key = strings.TrimSuffix(filepath.Base(in.TranscriptPath), filepath.Ext(in.TranscriptPath))
	}
	stateFile := ""
	if dir != "" {
		stateFile = filepath.Join(dir, safeName(key)+".json")
	}
	var st statusState
	if stateFile != "" {
		if data, err := os.ReadFile(stateFile); err == nil {
			if json.Unmarshal(data, &st) != nil || st.Version != statusStateVersion || st.Transcript != in.TranscriptPath {
				st = statusState{}
			}
		}
	}
	fresh := st.Session == nil
	if fresh {
		st = statusState{Version: statusStateVersion, Transcript: in.TranscriptPath, Session: pace.NewSession(in.TranscriptPath)}
	}
	before := readUpTo(st.Session)
	added, err := st.Session.Update(pricer)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "" // a new session: its transcript comes with its first message
	}
	if err != nil {
		return nil, "cannot read the transcript"
	}
	// Written only when something was read: most runs read nothing new.
	if stateFile != "" && (fresh || added > 0 || readUpTo(st.Session) != before) {
		if data, err := json.Marshal(&st); err == nil {
			writeFileAtomic(stateFile, data)
		}
	}
	return st.Session, ""
}

// readUpTo is how far the session's files were read, summed: it moves
// whenever a line was read, call or not.
func readUpTo(s *pace.Session) int64 {
	var n int64
	for _, f := range s.Files() {
		n += f.Tail.Offset + int64(f.Tail.Line)
	}
	return n
}

// saveLimits keeps the latest plan windows Claude Code reported, for
// `watch`; only a change is written.
func saveLimits(dir string, now time.Time, l *statusLimits) {
	file := filepath.Join(dir, "ratelimits.json")
	var old savedLimits
	if data, err := os.ReadFile(file); err == nil && json.Unmarshal(data, &old) == nil && old.Limits != nil {
		a, _ := json.Marshal(old.Limits)
		b, _ := json.Marshal(l)
		if bytes.Equal(a, b) {
			return
		}
	}
	if data, err := json.Marshal(savedLimits{SeenAt: now.UTC(), Limits: l}); err == nil {
		writeFileAtomic(file, data)
	}
}

// readSavedLimits returns the plan windows the statusline saw last
// (dir as statusline's --state-dir).
func readSavedLimits(dir string) (*savedLimits, bool) {
	data, err := os.ReadFile(filepath.Join(dir, "ratelimits.json"))
	if err != nil {
		return nil, false
	}
	var s savedLimits
	if json.Unmarshal(data, &s) != nil || s.Limits == nil {
		return nil, false
	}
	return &s, true
}

// writeFileAtomic replaces file with data through a temporary file, so a
// run that reads it meanwhile sees the old state or the new, never half.
func writeFileAtomic(file string, data []byte) {
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), ".tmp-*")
	if err != nil {
		return
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if werr != nil || cerr != nil || os.Rename(tmp.Name(), file) != nil {
		os.Remove(tmp.Name())
	}
}

// safeName makes a session id a file name: anything but letters, digits,
// '-', '_' and '.' becomes '_'.
func safeName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			b[i] = '_'
		}
	}
	if len(b) == 0 || b[0] == '.' {
		return "_" + string(b)
	}
	return string(b)
}

// printable keeps at most n runes of s, control characters (escape
// sequences from a log or an input) replaced.
func printable(s string, n int) string {
	var b strings.Builder
	for i, r := range []rune(s) {
		if i == n {
			b.WriteRune('…')
			break
		}
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			r = '?'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// statusLine renders the fields.
type statusLine struct {
	in     *statusInput
	s      *pace.Session
	now    time.Time
	pricer *pace.Pricer
	color  bool
}

func (l *statusLine) dim(s string) string {
	if !l.color {
		return s
	}
	return "\x1b[2m" + s + "\x1b[22m"
}

func (l *statusLine) bold(s string) string {
	if !l.color {
		return s
	}
	return "\x1b[1m" + s + "\x1b[22m"
}

func (l *statusLine) field(name string) string {
	switch name {
	case "cost":
		return l.cost()
	case "agents":
		if l.s == nil || l.s.AgentCount() == 0 {
			return ""
		}
		a := l.s.AgentTotals()
		return fmt.Sprintf("of which subagents %s, %d %s", a.CostText("+unpriced"), l.s.AgentCount(), plural(l.s.AgentCount(), "agent", "agents"))
	case "cache":
		if l.s == nil {
			return ""
		}
		t := l.s.Total()
		if r, ok := t.HitRate(); ok {
			return fmt.Sprintf("cache %d%%", int(r*100))
		}
	case "context":
		return l.context()
	case "burn":
		if l.s == nil {
			return ""
		}
		b := pace.BurnOf(l.now, pace.RecentSpan, l.s.Files()...)
		if b.Calls == 0 {
			return ""
		}
		return b.PerHour().String() + "/h"
	case "5h":
		if l.in.RateLimits != nil && l.in.RateLimits.FiveHour != nil {
			return l.limit("5h", l.in.RateLimits.FiveHour.limit(pace.BlockLength))
		}
	case "7d":
		if l.in.RateLimits != nil && l.in.RateLimits.SevenDay != nil {
			return l.limit("7d", l.in.RateLimits.SevenDay.limit(7*24*time.Hour))
		}
	case "finding":
		return l.finding()
	case "model":
		if m := l.in.Model; m != nil {
			return printable(cmpOr(m.DisplayName, m.ID), 40)
		}
	}
	return ""
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func (l *statusLine) cost() string {
	if l.s == nil {
		// No transcript: Claude Code's own estimate, said to be one.
		if c := l.in.Cost; c != nil && c.TotalCostUSD != nil {
			return fmt.Sprintf("~$%.2f (Claude Code's estimate)", *c.TotalCostUSD)
		}
		return ""
	}
	t := l.s.Total()
	if t.Calls == 0 {
		return "$0.00 so far"
	}
	out := l.bold(t.CostText("+unpriced"))
	if t.Saved > 0 {
		out += " (caching saved " + t.Saved.String() + ")"
	}
	return out
}

// context is the context fill: Claude Code's own figure when it sends one,
// else the last call's input over the model's window; with the calls left
// before auto-compact at the current growth.
func (l *statusLine) context() string {
	var used float64
	var window int64
	known := false
	if cw := l.in.ContextWindow; cw != nil {
		if cw.Size != nil {
			window = *cw.Size
		}
		if cw.UsedPercentage != nil {
			used, known = *cw.UsedPercentage, true
		}
	}
	var last *pace.Call
	if l.s != nil {
		last = l.s.Main.Last()
	}
	if window == 0 && last != nil {
		window = l.pricer.Window(last.Model)
	}
	if !known && last != nil && window > 0 {
		used, known = 100*float64(last.Context())/float64(window), true
	}
	if !known {
		return ""
	}
	out := fmt.Sprintf("ctx %d%%", int(used))
	if l.s != nil {
		if n, ok := pace.CallsToCompact(window, l.s.Contexts(6)); ok {
			out += fmt.Sprintf(" (compact in ~%d)", n)
		}
	}
	return out
}

// limit shows a plan window: used share, time to reset, and when the
// current pace runs it out if that comes first.
func (l *statusLine) limit(name string, lim pace.Limit) string {
	out := name + " " + strconv.Itoa(int(lim.UsedPercent)) + "%"
	if lim.ResetsAt.After(l.now) {
		out += " ↻" + shortDuration(lim.ResetsAt.Sub(l.now))
	}
	if at, ok := lim.RunsOut(l.now); ok {
		out += " out in " + shortDuration(at.Sub(l.now))
	}
	return out
}

// shortDuration is 2h10m, 45m, 3d4h.
func shortDuration(d time.Duration) string {
	m := int(d.Round(time.Minute) / time.Minute)
	switch {
	case m >= 24*60:
		return fmt.Sprintf("%dd%dh", m/(24*60), m%(24*60)/60)
	case m >= 60:
		return fmt.Sprintf("%dh%02dm", m/60, m%60)
	}
	return fmt.Sprintf("%dm", m)
}

// finding is the one saving the line has room for, from billed figures
// alone: each call reads the whole context back from the cache, so what
// the context carries beyond the session's first call (system prompt and
// tools) costs, per hour at the pace of the last 15 minutes, that many
// cache reads. /compact or /clear would save most of it.
func (l *statusLine) finding() string {
	if l.s == nil || len(l.s.Main.Recent) < 2 {
		return ""
	}
	last := l.s.Main.Last()
	b := pace.BurnOf(l.now, pace.RecentSpan, &l.s.Main)
	if b.Calls == 0 {
		return ""
	}
	base := l.s.Main.Recent[0].Context()
	extra := last.Context() - base
	if extra <= 0 || last.CacheReads == 0 || last.Unpriced > 0 {
		return ""
	}
	perCall := l.pricer.CachedInputCost(last.Model, extra)
	perHour := pace.Scale(perCall, int64(b.Calls)*int64(time.Hour), int64(pace.RecentSpan))
	if perHour < price.Money(1e10) { // under a cent an hour: not worth the room
		return ""
	}
	return "compact: −" + perHour.String() + "/h"
}
