package main

import (
	"strings"
	"testing"
	"time"
)

func TestWatchPrint(t *testing.T) {
	root, _ := subagentTree(t)
	code, out, errs := tokenscope(t, "watch", "--print", root)
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	for _, want := range []string{"1 sessions", "-home-dev-shop/5e55", "$0.3213", "2 $0.1768"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
}

func TestWatchBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"watch", "/no/such/dir"}, "tokenscope: watch: stat /no/such/dir: no such file or directory\n"},
		{[]string{"watch", "--poll", "0s", "."}, "tokenscope: --poll 0s: want a positive duration\n"},
	} {
		code, out, errs := tokenscope(t, tc.args...)
		if code != 2 || out != "" || errs != tc.want {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 2, %q", tc.args, code, out, errs, tc.want)
		}
	}
	// No default directory: a line saying where it looked.
	t.Setenv("HOME", t.TempDir())
	t.Setenv("CLAUDE_CONFIG_DIR", "")
	t.Setenv("CODEX_HOME", "")
	if code, _, errs := tokenscope(t, "watch"); code != 2 || !strings.Contains(errs, "no agent logs found") {
		t.Errorf("no logs: exit %d, %q", code, errs)
	}
}

// The plan windows the statusline kept reach watch while they run.
func TestWatchPlanLimits(t *testing.T) {
	dir := t.TempDir()
	now := time.Unix(1_800_000_000, 0)
	saveLimits(dir, now, &statusLimits{FiveHour: &statusLimit{UsedPercentage: 42, ResetsAt: now.Unix() + 3600},
		SevenDay: &statusLimit{UsedPercentage: 10, ResetsAt: now.Unix() - 1}})
	got, seen := planLimits(dir, now)
	if len(got) != 1 || got[0].Name != "5h" || got[0].Limit.UsedPercent != 42 || !seen.Equal(now) {
		t.Errorf("limits %+v seen %s", got, seen)
	}
}
