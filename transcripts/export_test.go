package transcripts

// WriteClaudeCode is synthetic.WriteClaudeCode, set by synthetic_test.go
// (package transcripts_test): this package's tests cannot import it.
var WriteClaudeCode func(dir string, sessions, sessionBytes int, seed uint64) (total int64, responses int, err error)
