package transcripts

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// MaxTailLine is the longest line Tail hands on. Longer lines (Claude
// Code's file-history snapshots can be hundreds of MB) are stepped over
// without being held: no call is ever that long.
const MaxTailLine = 16 << 20

// Tail reads what was appended to a log since the last read: whole lines
// only. Offset is where the next read starts (just after the last
// newline read); a last line without its newline is left for the next
// read, when the writer has finished it. A Tail is a value that can be
// stored (the statusline keeps one per file between runs).
type Tail struct {
	Path   string `json:"path"`
	Offset int64  `json:"offset"`
	Line   int    `json:"line"` // lines read so far, for error messages
}

// ErrTruncated is returned by Read when the file is now shorter than the
// offset read up to: it was replaced or truncated, and what was read from
// it no longer holds. The Tail is reset to the start.
var ErrTruncated = errors.New("file shrank since it was last read")

// Read calls fn with each whole line appended since the last read, in
// order, with its line number; the line's bytes are valid only during the
// call. It stops at the first error fn returns, keeping that line unread.
// Memory stays bounded by MaxTailLine whatever the file holds.
func (t *Tail) Read(fn func(line []byte, n int) error) error {
	f, err := os.Open(t.Path)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if info.Size() < t.Offset {
		t.Offset, t.Line = 0, 0
		return ErrTruncated
	}
	if info.Size() == t.Offset {
		return nil
	}
	if _, err := f.Seek(t.Offset, io.SeekStart); err != nil {
		return err
	}
	br := bufio.NewReaderSize(io.LimitReader(f, info.Size()-t.Offset), 64<<10)
	var long []byte // a line longer than the buffer, gathered
	tooLong := false
	var consumed int64 // bytes of the current line so far
	for {
		chunk, err := br.ReadSlice('\n')
		consumed += int64(len(chunk))
		if err == bufio.ErrBufferFull {
			if !tooLong {
				if len(long)+len(chunk) > MaxTailLine {
					tooLong, long = true, nil
				} else {
					long = append(long, chunk...)
				}
			}
			continue
		}
		if err == io.EOF {
			return nil // a half-written line (or nothing): wait for its newline
		}
		if err != nil {
			return err
		}
		line := chunk
		if long != nil {
			line = append(long, chunk...)
		}
		t.Line++
		if !tooLong {
			if trimmed := bytes.TrimSpace(line); len(trimmed) > 0 {
				if err := fn(trimmed, t.Line); err != nil {
					t.Line--
					return err
				}
			}
		}
		t.Offset += consumed
		consumed, long, tooLong = 0, nil, false
	}
}

// ClaudeCodeCall is one Claude Code line as the live views need it: the
// call it reports, if it is one.
type ClaudeCodeCall struct {
	Billed
	// Sidechain marks a subagent's call logged in its parent's file (the
	// layout of Claude Code before subagents had files of their own).
	Sidechain bool
}

// ccLiveLine is ccUsageLine with the sidechain mark.
type ccLiveLine struct {
	ccUsageLine
	IsSidechain bool `json:"isSidechain"`
}

// DecodeClaudeCodeCall decodes one line of a Claude Code session log.
// ok is false for lines that are not calls (user turns, summaries,
// Claude Code's own <synthetic> messages, bookkeeping); the error names
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
