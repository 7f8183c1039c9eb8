package transcripts

import (
	"os"
	"path/filepath"
)

// StateDir is tokenscope's directory under the user's state directory:
// $XDG_STATE_HOME/tokenscope, else ~/.local/state/tokenscope. The logs
// tokenscope writes by default (proxy records, live chats) go below it.
func StateDir() (string, error) {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "tokenscope"), nil
}
