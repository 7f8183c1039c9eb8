package transcripts_test

import (
	"github.com/tokenscope/tokenscope/transcripts"
	"github.com/tokenscope/tokenscope/transcripts/synthetic"
)

// The package's own tests generate Claude Code directories with
// synthetic.WriteClaudeCode, which imports this package: they reach it
// through this hook, set from the external test package.
func init() { transcripts.WriteClaudeCode = synthetic.WriteClaudeCode }
