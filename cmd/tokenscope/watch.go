package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tokenscope/tokenscope/profile/pace"
	"github.com/tokenscope/tokenscope/transcripts/follow"
	"github.com/tokenscope/tokenscope/ui"
)

// agentLogDirs are where the agent CLIs keep their logs by default: Claude
// Code's projects tree, Codex's sessions, Gemini CLI's chats; the ones
// that exist.
func agentLogDirs() []string {
	home, _ := os.UserHomeDir()
	var dirs []string
	if c := os.Getenv("CLAUDE_CONFIG_DIR"); c != "" {
		for d := range strings.SplitSeq(c, ",") {
			if d = strings.TrimSpace(d); d != "" {
				dirs = append(dirs, filepath.Join(d, "projects"))
			}
		}
	} else if home != "" {
		dirs = append(dirs, filepath.Join(home, ".claude", "projects"), filepath.Join(home, ".config", "claude", "projects"))
	}
	if c := os.Getenv("CODEX_HOME"); c != "" {
		dirs = append(dirs, filepath.Join(c, "sessions"))
	} else if home != "" {
		dirs = append(dirs, filepath.Join(home, ".codex", "sessions"))
	}
	if home != "" {
		dirs = append(dirs, filepath.Join(home, ".gemini", "tmp")) // <project hash>/chats/session-*.json
	}
	var out []string
	for _, d := range dirs {
		if info, err := os.Stat(d); err == nil && info.IsDir() {
			out = append(out, d)
		}
	}
	return out
}

func newWatch(stdout io.Writer) *cobra.Command {
	var poll time.Duration
	var stateDir string
	var print bool
	cmd := &cobra.Command{
		Use:   "watch [PATH...]",
		Short: "Follow running agent sessions live: cost, burn rate, plan windows, subagents",
		Long: "Open a live list of the agent sessions under PATH (default: Claude Code's projects tree,\n" +
			"Codex's sessions, Gemini CLI's chats) and keep it true as their logs grow: a line appended shows\n" +
			"within a second, a new session adds a row, active sessions are marked. Only appended bytes are\n" +
			"read. The header shows the burn rate over the last 15 minutes, today's spend, the active\n" +
			"session's context fill and calls to auto-compact, and the plan windows Claude Code reported to\n" +
			"`tokenscope statusline` (else the 5-hour block computed from the logs).",
		RunE: func(cmd *cobra.Command, args []string) error {
			roots := args
			if len(roots) == 0 {
				if roots = agentLogDirs(); len(roots) == 0 {
					return badInput(fmt.Errorf("watch: no agent logs found (~/.claude/projects, ~/.codex/sessions, ~/.gemini/tmp); give a PATH"))
				}
			}
			for _, r := range roots {
				if _, err := os.Stat(r); err != nil {
					return badInput(fmt.Errorf("watch: %w", err))
				}
			}
			if poll <= 0 {
				return badInput(fmt.Errorf("--poll %s: want a positive duration", poll))
			}
			if stateDir == "" {
				if cache, err := os.UserCacheDir(); err == nil {
					stateDir = filepath.Join(cache, "tokenscope", "statusline")
				}
			}
			tree := pace.NewTree(roots)
			limits := func() ([]ui.PlanLimit, time.Time) { return planLimits(stateDir, time.Now()) }
			if print || !isTerminal(stdout) {
				tree.Load()
				return printWatch(stdout, tree, limits)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			changes := follow.Notify(ctx, roots, poll)
			return ui.RunWatch(ui.WatchConfig{Tree: tree, Changes: changes, Limits: limits})
		},
	}
	cmd.Flags().DurationVar(&poll, "poll", 2*time.Second, "also walk the paths this often (filesystem notifications can be missed or missing)")
	cmd.Flags().StringVar(&stateDir, "state-dir", "", "where `tokenscope statusline` keeps its state (for the plan windows)")
	cmd.Flags().BoolVar(&print, "print", false, "print the sessions once and exit (the default when stdout is not a terminal)")
	return cmd
}

// planLimits are the plan windows the statusline saw last, while they have
// not reset.
func planLimits(stateDir string, now time.Time) ([]ui.PlanLimit, time.Time) {
	if stateDir == "" {
		return nil, time.Time{}
	}
	saved, ok := readSavedLimits(stateDir)
	if !ok {
		return nil, time.Time{}
	}
	var out []ui.PlanLimit
	if l := saved.Limits.FiveHour; l != nil && time.Unix(l.ResetsAt, 0).After(now) {
		out = append(out, ui.PlanLimit{Name: "5h", Limit: l.limit(pace.BlockLength)})
	}
	if l := saved.Limits.SevenDay; l != nil && time.Unix(l.ResetsAt, 0).After(now) {
		out = append(out, ui.PlanLimit{Name: "7d", Limit: l.limit(7 * 24 * time.Hour)})
	}
	return out, saved.SeenAt
}

// printWatch prints the sessions once, as text, for pipes and scripts.
func printWatch(w io.Writer, tree *pace.Tree, limits func() ([]ui.PlanLimit, time.Time)) error {
	_, err := io.WriteString(w, ui.WatchText(tree, limits, 100))
	return err
}
