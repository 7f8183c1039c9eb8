package transcripts

import "testing"

// StateDir follows the XDG base directory rule: $XDG_STATE_HOME when set,
// else ~/.local/state.
func TestStateDir(t *testing.T) {
	for _, tc := range []struct{ xdg, home, want string }{
		{"/x/state", "/home/u", "/x/state/tokenscope"},
		{"", "/home/u", "/home/u/.local/state/tokenscope"},
	} {
		t.Setenv("XDG_STATE_HOME", tc.xdg)
		t.Setenv("HOME", tc.home)
		if got, err := StateDir(); err != nil || got != tc.want {
			t.Errorf("XDG_STATE_HOME=%q HOME=%q: %q, %v; want %q", tc.xdg, tc.home, got, err, tc.want)
		}
	}
}
