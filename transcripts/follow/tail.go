// Package follow reads logs as they are written: Tail hands on the lines
// appended to a file since the last read, Notify reports the log files
// under a directory that are written or created. The live views (watch,
// statusline, the TUI's watch page) follow agent sessions with them.
package follow

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
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
