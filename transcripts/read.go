package transcripts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Options control how logs are read.
type Options struct {
	// Format forces a format; "" or "auto" detects it per file.
	Format string
	// RAG decides which content is retrieved context.
	RAG RAGRule
	// Progress, when set, is called as the files of a directory are read
	// (by Walk, once work is done with each), from several goroutines.
	Progress func(done, total int)
}

// Source is what was read from one path: a file, a directory or stdin.
type Source struct {
	Path          string
	Format        string // the detected format; "mixed" when a directory holds several
	Conversations []*Conversation
	Warnings      []string
}

// Open reads path: "-" is standard input, a directory is read file by file
// (files that cannot be read become warnings; it fails only when none can).
func Open(path string, opt Options) (*Source, error) {
	if path == "-" {
		return Read(os.Stdin, "-", opt)
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, &Error{File: path, Msg: strings.TrimPrefix(err.Error(), "stat "+path+": ")}
	}
	if !info.IsDir() {
		if !info.Mode().IsRegular() {
			// Opening a named pipe blocks until a writer comes: refuse it
			// (and sockets and devices) rather than hang.
			return nil, &Error{File: path, Msg: "is " + kindOf(info.Mode()) + ": pass it as - on stdin"}
		}
		r, closeLog, err := openLog(path)
		if err != nil {
			return nil, err
		}
		defer closeLog()
		return Read(r, path, opt)
	}
	return openDir(path, opt)
}

// logFiles lists the .json, .jsonl and .ndjson files under dir, sorted,
// skipping hidden directories; entries that cannot be walked are warnings.
func logFiles(dir string) (files, warnings []string, err error) {
	root := dir
	if fi, err := os.Lstat(dir); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		// WalkDir does not follow a link at the root (~/.claude/projects
		// may be one); a trailing separator makes it.
		root = dir + string(filepath.Separator)
	}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			warnings = append(warnings, err.Error())
			return nil
		}
		if d.IsDir() {
			if p != root && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		ext, compression := logExt(p)
		switch ext {
		case ".json", ".jsonl", ".ndjson":
		default:
			return nil
		}
		if name := otherCompressions[compression]; name != "" {
			warnings = append(warnings, (&Error{File: p, Msg: "skipped: a " + name + "-compressed file; decompress it to read it"}).Error())
			return nil
		}
		if strings.HasSuffix(p, ".meta.json") && filepath.Base(filepath.Dir(p)) == "subagents" {
			return nil // Claude Code's subagent descriptions: not logs
		}
		if agentIndexFile(p) {
			return nil // an agent CLI's prompt history or index beside its sessions
		}
		// Only regular files, or links to them: a link to a directory
		// would recurse, a FIFO would block.
		if !d.Type().IsRegular() {
			info, err := os.Stat(p)
			if err != nil {
				warnings = append(warnings, (&Error{File: p, Msg: err.Error()}).Error())
				return nil
			}
			if !info.Mode().IsRegular() {
				warnings = append(warnings, (&Error{File: p, Msg: "skipped: not a regular file (" + kindOf(info.Mode()) + ")"}).Error())
				return nil
			}
		}
		files = append(files, p)
		return nil
	})
	if err != nil {
		return nil, nil, &Error{File: dir, Msg: err.Error()}
	}
	sort.Strings(files)
	return files, warnings, nil
}

// Read reads one file's content from r; name is used in messages. Unless
// opt.Format names one, the format is detected from the structure of the
// file's first JSON value (see [Format]).
func Read(r io.Reader, name string, opt Options) (*Source, error) {
	var f Format
	switch opt.Format {
	case "", "auto":
		var s *Shape
		var err error
		if s, r, err = sniff(r); err != nil {
			return nil, &Error{File: name, Line: 1, Msg: err.Error()}
		}
		if f, err = detect(s); err != nil {
			return nil, &Error{File: name, Line: 1, Msg: err.Error()}
		}
	default:
		var ok bool
		if f, ok = LookupFormat(opt.Format); !ok {
			return nil, &Error{File: name, Msg: fmt.Sprintf("unknown format %q (known: auto, %s)", opt.Format, strings.Join(Formats(), ", "))}
		}
	}
	convs, err := f.Read(r, name)
	if err != nil {
		return nil, err
	}
	if err := checkConversations(convs); err != nil {
		return nil, err
	}
	format := f.Name
	if len(convs) > 0 {
		format = convs[0].Format // openai-log may turn out to be anthropic-log
	}
	markReplayed(convs)
	uniqueIDs(convs, "")
	src := &Source{Path: name, Format: format, Conversations: convs}
	for _, c := range convs {
		opt.RAG.Apply(c)
		src.Warnings = append(src.Warnings, c.Warnings...)
	}
	return src, nil
}

// sniff reads the shape of r's first value and returns a reader that
// starts again at r's first byte: r itself, rewound, when it can seek (a
// file), else what was read followed by the rest (a pipe).
func sniff(r io.Reader) (*Shape, io.Reader, error) {
	if rs, ok := r.(io.ReadSeeker); ok {
		if start, err := rs.Seek(0, io.SeekCurrent); err == nil {
			s, err := shapeUntil(rs, certain)
			if _, serr := rs.Seek(start, io.SeekStart); serr != nil {
				return nil, nil, serr
			}
			return s, rs, err
		}
	}
	var seen bytes.Buffer
	s, err := shapeUntil(io.TeeReader(r, &seen), certain)
	return s, io.MultiReader(&seen, r), err
}

// readAllWith adapts a reader of whole documents to Format.Read.
func readAllWith(read func(data []byte, file string) ([]*Conversation, error)) func(io.Reader, string) ([]*Conversation, error) {
	return func(r io.Reader, file string) ([]*Conversation, error) {
		data, err := io.ReadAll(r)
		if err != nil {
			return nil, &Error{File: file, Msg: err.Error()}
		}
		data, cut := cutLastLine(data)
		convs, err := read(data, file)
		if err != nil {
			return nil, placeLine(data, err)
		}
		if cut > 0 && len(convs) > 0 {
			c := convs[len(convs)-1]
			c.Warnings = append(c.Warnings, fmt.Sprintf("%s:%d: last line is incomplete and was skipped", file, cut))
		}
		return convs, nil
	}
}

// cutLastLine drops the last line of JSONL data when it was cut short (a
// file still being written: no newline after it and not valid JSON), as
// the streaming JSONL readers do, and returns the line's number, or 0
// when nothing was cut.
func cutLastLine(data []byte) ([]byte, int) {
	if !isJSONL(bytes.TrimSpace(data)) {
		return data, 0
	}
	i := bytes.LastIndexByte(data, '\n')
	last := bytes.TrimSpace(data[i+1:])
	if len(last) == 0 || json.Valid(last) {
		return data, 0
	}
	return data[:i+1], bytes.Count(data, []byte{'\n'}) + 1
}

// kindOf names a file mode's type for a warning.
func kindOf(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "mode " + m.String()
}

func baseID(file string) string {
	b := filepath.Base(file)
	if _, c := logExt(b); c != "" {
		b = strings.TrimSuffix(b, filepath.Ext(b))
	}
	return strings.TrimSuffix(b, filepath.Ext(b))
}
