package transcripts

import (
	"os"
	"path/filepath"
	"strings"
)

// What the followers of running sessions (profile/pace, transcripts/follow)
// need from the readers: a Claude Code line decoded as a call, the files a
// session's subagents write, and which files are logs.

// ClaudeCodeCall is one Claude Code line as the live views need it: the
// call it reports, if it is one.
type ClaudeCodeCall struct {
	Billed
	// Sidechain marks a subagent's call logged in its parent's file (the
	// layout of Claude Code before subagents had files of their own).
	Sidechain bool
	// UUID is the line's uuid when it is a user or assistant message (call
	// or not), and Leaf a summary line's leafUuid: what a follower needs to
	// find a resumed session's copied lines as the readers do (ccResume).
	UUID, Leaf string
	// Message marks a user or assistant line with a message (Time is then
	// its timestamp, call or not).
	Message bool
}

// ccLiveLine is ccUsageLine with the sidechain mark.
type ccLiveLine struct {
	ccUsageLine
	IsSidechain bool `json:"isSidechain"`
}

// DecodeClaudeCodeCall decodes one line of a Claude Code session log.
// ok is false for lines that are not calls (user turns, summaries,
// Claude Code's own <synthetic> messages, bookkeeping), whose UUID, Leaf
// and Message are still set; the error names
// file, line and JSON path as the readers' errors do. Session is left to
// the caller, which knows the file.
func DecodeClaudeCodeCall(line []byte, file string, n int) (c ClaudeCodeCall, ok bool, err error) {
	if ccSkipHead(line) {
		return c, false, nil
	}
	var cl ccLiveLine
	if err := decodeJSON(line, &cl); err != nil {
		return c, false, jsonError(file, line, n, "", err)
	}
	if cl.Type == "summary" {
		c.Leaf = cl.LeafUUID
		return c, false, nil
	}
	c.Message = cl.Message != nil && (cl.Type == "user" || cl.Type == "assistant")
	if c.Message {
		c.UUID, c.Time = cl.UUID, cl.Timestamp.t
	}
	if cl.Message == nil || cl.Type != "assistant" || cl.Message.Model == "<synthetic>" {
		return c, false, nil
	}
	if err := cl.Timestamp.check(file, n, "$.timestamp"); err != nil {
		return c, false, err
	}
	if cl.Message.Usage != nil {
		if err := cl.Message.Usage.check(file, n, "$.message.usage"); err != nil {
			return c, false, err
		}
		c.Usage = cl.Message.Usage.normalise()
	}
	if cl.Message.ID != "" {
		c.ResponseID = cl.Message.ID + "/" + cl.RequestID
	}
	c.Time, c.Model, c.Sidechain = cl.Timestamp.t, cl.Message.Model, cl.IsSidechain
	return c, true, nil
}

// SubagentFiles lists the logs of a Claude Code session's subagents,
// <session>/subagents/agent-<id>.jsonl beside the session's own
// <session>.jsonl, sorted; none is not an error.
func SubagentFiles(sessionFile string) []string {
	dir := strings.TrimSuffix(sessionFile, filepath.Ext(sessionFile))
	files, _ := filepath.Glob(filepath.Join(dir, "subagents", "agent-*.jsonl"))
	return files
}

// SubagentOf reports the session a subagent's log belongs to
// (<session>/subagents/agent-<id>.jsonl), and false for other files.
func SubagentOf(file string) (session string, ok bool) {
	dir := filepath.Dir(file)
	if filepath.Base(dir) != "subagents" || !strings.HasPrefix(filepath.Base(file), "agent-") {
		return "", false
	}
	return filepath.Base(filepath.Dir(dir)), true
}

// IsLogName reports whether p is named as a log a follower reads: .json,
// .jsonl or .ndjson, neither a subagent's description (.meta.json) nor an
// agent CLI's index beside its sessions.
func IsLogName(p string) bool {
	switch strings.ToLower(filepath.Ext(p)) {
	case ".json", ".jsonl", ".ndjson":
		return !strings.HasSuffix(p, ".meta.json") && !agentIndexFile(p)
	}
	return false
}

// LogFiles lists the log files under dir as a directory read lists them
// (.json, .jsonl, .ndjson; hidden directories, Claude Code's subagent
// descriptions and agent CLIs' indexes left out), with the problems met.
func LogFiles(dir string) (files, warnings []string, err error) { return logFiles(dir) }

// FormatOf detects the format of the log in file from its first bytes, as
// Open does; "" when it cannot be read or is no known format.
func FormatOf(file string) string {
	f, err := os.Open(file)
	if err != nil {
		return ""
	}
	defer f.Close()
	s, _, err := sniff(f)
	if err != nil {
		return ""
	}
	fm, err := detect(s)
	if err != nil {
		return ""
	}
	return fm.Name
}
