package transcripts

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// Options control how logs are read.
type Options struct {
	// Format forces a format; "" or "auto" detects it per file.
	Format string
	// RAG decides which content is retrieved context.
	RAG RAGRule
	// Progress, when set, is called as the files of a directory are read.
	Progress func(done, total int)
}

// Source is what was read from one path: a file, a directory or stdin.
type Source struct {
	Path          string
	Format        string // the detected format; "mixed" when a directory holds several
	Conversations []*Conversation
	Warnings      []string
}

// Formats lists the formats Read understands, for --format.
func Formats() []string {
	return []string{FormatNative, FormatOpenAIChat, FormatOpenAILog, FormatAnthropic, FormatAnthropicLog,
		FormatClaudeCode, FormatShareGPT, FormatOpenAIBatch, FormatLiteLLM}
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
		f, err := os.Open(path)
		if err != nil {
			return nil, &Error{File: path, Msg: err.Error()}
		}
		defer f.Close()
		return Read(f, path, opt)
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
		switch strings.ToLower(filepath.Ext(p)) {
		case ".json", ".jsonl", ".ndjson":
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, nil, &Error{File: dir, Msg: err.Error()}
	}
	sort.Strings(files)
	return files, warnings, nil
}

func openDir(dir string, opt Options) (*Source, error) {
	src := &Source{Path: dir}
	files, warnings, err := logFiles(dir)
	if err != nil {
		return nil, err
	}
	src.Warnings = warnings
	// Read the files on every core; keep their order for the results.
	type result struct {
		src *Source
		err error
	}
	results := make([]result, len(files))
	var next, done atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(len(files), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(files) {
					return
				}
				s, err := Open(files[i], opt)
				results[i] = result{s, err}
				if n := done.Add(1); opt.Progress != nil {
					opt.Progress(int(n), len(files))
				}
			}
		}()
	}
	wg.Wait()
	formats := map[string]bool{}
	for _, r := range results {
		if r.err != nil {
			src.Warnings = append(src.Warnings, r.err.Error())
			continue
		}
		s := r.src
		formats[s.Format] = true
		src.Format = s.Format
		src.Conversations = append(src.Conversations, s.Conversations...)
		src.Warnings = append(src.Warnings, s.Warnings...)
	}
	markReplayed(src.Conversations)
	if len(formats) > 1 {
		src.Format = "mixed"
	}
	if len(src.Conversations) == 0 {
		if len(src.Warnings) > 0 {
			return nil, &Error{File: dir, Msg: fmt.Sprintf("no file could be read (%d problems; first: %s)", len(src.Warnings), src.Warnings[0])}
		}
		return nil, &Error{File: dir, Msg: "no .json or .jsonl files"}
	}
	return src, nil
}

// Read reads one file's content from r; name is used in messages.
func Read(r io.Reader, name string, opt Options) (*Source, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	format := opt.Format
	if format == "" || format == "auto" {
		head, _ := br.Peek(256 << 10)
		var err error
		if format, err = Detect(head); err != nil {
			return nil, &Error{File: name, Line: 1, Msg: err.Error()}
		}
	}
	var convs []*Conversation
	var err error
	readAll := func() []byte {
		data, rerr := io.ReadAll(br)
		if rerr != nil {
			err = &Error{File: name, Msg: rerr.Error()}
		}
		return data
	}
	switch format {
	case FormatNative:
		convs, err = readNative(br, name)
	case FormatClaudeCode:
		convs, err = readClaudeCode(br, name)
	case FormatOpenAIBatch:
		convs, err = readOpenAIBatch(br, name)
	case FormatOpenAIChat, FormatOpenAILog, FormatAnthropicLog, FormatAnthropic, FormatShareGPT, FormatLiteLLM:
		data := readAll()
		if err != nil {
			return nil, err
		}
		trimmed := bytes.TrimSpace(data)
		switch format {
		case FormatOpenAIChat:
			convs, err = readOpenAIChat(data, name)
		case FormatAnthropic:
			convs, err = readAnthropic(data, name)
		case FormatShareGPT:
			convs, err = readShareGPT(data, name)
		case FormatLiteLLM:
			convs, err = readLiteLLM(data, name)
		default:
			convs, err = readOpenAILog(data, name, len(trimmed) == 0 || trimmed[0] != '[')
		}
	default:
		return nil, &Error{File: name, Msg: fmt.Sprintf("unknown format %q (known: auto, %s)", format, strings.Join(Formats(), ", "))}
	}
	if err != nil {
		return nil, err
	}
	if len(convs) > 0 {
		format = convs[0].Format // openai-log may turn out to be anthropic-log
	}
	markReplayed(convs)
	src := &Source{Path: name, Format: format, Conversations: convs}
	for _, c := range convs {
		opt.RAG.Apply(c)
		src.Warnings = append(src.Warnings, c.Warnings...)
	}
	return src, nil
}

// Detect names the format of a file from its first bytes.
func Detect(head []byte) (string, error) {
	head = bytes.TrimLeft(head, " \t\r\n\ufeff")
	if len(head) == 0 {
		return "", fmt.Errorf("empty file")
	}
	switch head[0] {
	case '[':
		// Look at the keys of the first element.
		var first map[string]json.RawMessage
		dec := json.NewDecoder(bytes.NewReader(head))
		if _, err := dec.Token(); err == nil && dec.More() {
			if err := dec.Decode(&first); err != nil {
				// A truncated peek of a huge first element: guess from its text.
				return guessFromText(head)
			}
		}
		if first == nil {
			return "", fmt.Errorf("empty JSON array")
		}
		if _, ok := first["role"]; ok {
			return FormatOpenAIChat, nil
		}
		return detectObject(first, head)
	case '{':
		line := head
		if i := bytes.IndexByte(head, '\n'); i >= 0 {
			line = head[:i]
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(line, &obj) != nil {
			// Not a whole object on the first line: a pretty-printed document.
			if err := json.Unmarshal(head, &obj); err != nil {
				return guessFromText(head)
			}
		}
		return detectObject(obj, head)
	}
	return "", fmt.Errorf("not a JSON or JSONL conversation log (starts with %q)", truncate(string(head), 20))
}

func detectObject(obj map[string]json.RawMessage, head []byte) (string, error) {
	var typ string
	_ = json.Unmarshal(obj["type"], &typ)
	has := func(keys ...string) bool {
		for _, k := range keys {
			if _, ok := obj[k]; !ok {
				return false
			}
		}
		return true
	}
	switch {
	case typ == "session" || (typ == "message" && has("role")):
		return FormatNative, nil
	case has("sessionId") || has("leafUuid") || (has("uuid") && has("message")) || (typ == "file-history-snapshot"):
		return FormatClaudeCode, nil
	case has("custom_id"):
		return FormatOpenAIBatch, nil
	case has("request"):
		return FormatOpenAILog, nil
	case has("conversations"):
		return FormatShareGPT, nil
	case has("request_id") && (has("call_type") || has("spend") || has("messages")):
		return FormatLiteLLM, nil
	case has("messages"):
		if has("system") || bytes.Contains(head, []byte(`"tool_use"`)) || bytes.Contains(head, []byte(`"tool_result"`)) ||
			bytes.Contains(head, []byte(`"input_schema"`)) || bytes.Contains(head, []byte(`"anthropic_version"`)) {
			return FormatAnthropic, nil
		}
		return FormatOpenAIChat, nil
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return "", fmt.Errorf("unrecognised conversation log (top-level keys: %s)", truncate(strings.Join(keys, ", "), 80))
}

// guessFromText detects a format from raw text when the head could not be
// parsed (a large first line or document cut by the peek).
func guessFromText(head []byte) (string, error) {
	s := string(head)
	switch {
	case strings.Contains(s, `"type":"session"`) || strings.Contains(s, `"type": "session"`):
		return FormatNative, nil
	case ccSkipHead(head) || strings.Contains(s, `"sessionId"`):
		return FormatClaudeCode, nil
	case strings.Contains(s, `"custom_id"`):
		return FormatOpenAIBatch, nil
	case strings.Contains(s, `"request"`):
		return FormatOpenAILog, nil
	case strings.Contains(s, `"conversations"`):
		return FormatShareGPT, nil
	case strings.Contains(s, `"messages"`) && (strings.Contains(s, `"system"`) || strings.Contains(s, `"tool_use"`)):
		return FormatAnthropic, nil
	case strings.Contains(s, `"messages"`) || strings.Contains(s, `"role"`):
		return FormatOpenAIChat, nil
	}
	return "", fmt.Errorf("not a conversation log this tokenscope reads")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func baseID(file string) string {
	b := filepath.Base(file)
	return strings.TrimSuffix(b, filepath.Ext(b))
}

// markReplayed marks responses logged more than once (Claude Code copies
// earlier responses into resumed sessions): the first, in file order, is
// the call; later copies stay as history only.
func markReplayed(convs []*Conversation) {
	seen := map[string]bool{}
	for _, c := range convs {
		for i := range c.Messages {
			m := &c.Messages[i]
			if m.Role != RoleAssistant || m.ResponseID == "" {
				continue
			}
			if seen[m.ResponseID] {
				m.Replayed = true
			}
			seen[m.ResponseID] = true
		}
	}
}
