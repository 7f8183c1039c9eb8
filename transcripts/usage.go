package transcripts

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tokenscope/tokenscope/transcripts/internal/jsonl"
)

// Billed is one call's reported usage, as the usage view needs it: no
// content, no history.
type Billed struct {
	// ResponseID is message id + request id ("" when the log has none):
	// a response logged twice is billed once.
	ResponseID string
	Time       time.Time // zero when the log has none
	Model      string
	Session    string // the session (conversation) it belongs to
	// Agent names the subagent that made the call within Session ("" for
	// the session's own calls): its log's name (agent-<id>) or, for a
	// sidechain logged in the session's file, its agent id.
	Agent   string
	Project string // the directory under the root read, or the root's name
	Batch   bool
	Usage   *Usage            // nil when the log kept no usage for the call
	Tags    map[string]string // cost-centre tags (proxy logs); nil when none
	Machine string            // the machine whose proxy recorded it; "" for other logs
}

// UsageSource is the reported usage of every call under a path.
type UsageSource struct {
	Path     string
	Calls    []Billed
	Warnings []string
}

// ReadUsage reads only what the usage view needs from path (a file or a
// directory): one Billed per call, deduplicated as Open does (the first
// copy of a response, in file order, is the call). Claude Code logs take a
// fast path that decodes usage, ids, model and time and nothing else;
// other formats are read whole. As with Open, a file of a directory that
// cannot be read becomes a warning.
func ReadUsage(path string, opt Options) (*UsageSource, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, &Error{File: path, Msg: strings.TrimPrefix(err.Error(), "stat "+path+": ")}
	}
	root := path
	files := []string{path}
	src := &UsageSource{Path: path}
	if info.IsDir() {
		if files, src.Warnings, err = logFiles(path); err != nil {
			return nil, err
		}
	} else {
		root = filepath.Dir(path)
	}
	type result struct {
		calls    []Billed
		warnings []string
		err      error
	}
	results := make([]result, len(files))
	var next atomic.Int64
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
				r := &results[i]
				r.calls, r.warnings, r.err = readFileUsage(files[i], root, opt)
			}
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	read := 0
	for _, r := range results {
		if r.err != nil {
			if !info.IsDir() {
				return nil, r.err
			}
			src.Warnings = append(src.Warnings, r.err.Error())
			continue
		}
		read++
		src.Warnings = append(src.Warnings, r.warnings...)
		for _, b := range r.calls {
			if b.ResponseID != "" {
				if seen[b.ResponseID] {
					continue
				}
				seen[b.ResponseID] = true
			}
			src.Calls = append(src.Calls, b)
		}
	}
	if read == 0 && len(files) > 0 && len(src.Warnings) > 0 {
		return nil, &Error{File: path, Msg: "no file could be read (first problem: " + src.Warnings[0] + ")"}
	}
	if len(files) == 0 {
		return nil, &Error{File: path, Msg: "no .json or .jsonl files"}
	}
	return src, nil
}

// readFileUsage reads the calls of one file; root names its project.
func readFileUsage(file, root string, opt Options) ([]Billed, []string, error) {
	project := filepath.Base(root)
	if rel, err := filepath.Rel(root, file); err == nil {
		if first, _, ok := strings.Cut(filepath.ToSlash(rel), "/"); ok {
			project = first
		}
	}
	r, closeLog, err := openLog(file)
	if err != nil {
		return nil, nil, err
	}
	defer closeLog()
	format := opt.Format
	if format == "" || format == "auto" {
		// Detected as Read detects it.
		s, rest, err := sniff(r)
		if err != nil {
			return nil, nil, &Error{File: file, Line: 1, Msg: err.Error()}
		}
		fm, err := detect(s)
		if err != nil {
			return nil, nil, &Error{File: file, Line: 1, Msg: err.Error()}
		}
		format, r = fm.Name, rest
	}
	if format == FormatClaudeCode {
		return readClaudeCodeUsage(bufio.NewReaderSize(r, 256<<10), file, project)
	}
	if format == FormatNative || format == FormatCodex {
		// JSONL read line by line, whose text the usage pass never needs:
		// a line of hundreds of MB (a proxied request, a pasted file)
		// reaches the reader with its strings cut.
		r = jsonl.ShrinkLongLines(r)
	}
	src, err := Read(r, file, Options{Format: format})
	if err != nil {
		return nil, nil, err
	}
	var out []Billed
	for _, c := range src.Conversations {
		for _, m := range c.Messages {
			if m.Role != RoleAssistant || m.Replayed {
				continue
			}
			model := m.Model
			if model == "" {
				model = c.Model
			}
			out = append(out, Billed{ResponseID: m.ResponseID, Time: m.Time, Model: model, Session: c.ID,
				Project: project, Batch: c.Batch, Usage: m.Usage, Tags: m.Tags, Machine: c.Machine})
		}
	}
	return out, src.Warnings, nil
}

// ccUsageLine is the part of a Claude Code line the usage view reads;
// content and toolUseResult are skipped by the decoder, never copied.
type ccUsageLine struct {
	Type      string `json:"type"`
	SessionID string `json:"sessionId"`
	Timestamp stamp  `json:"timestamp"`
	RequestID string `json:"requestId"`
	UUID      string `json:"uuid"`
	LeafUUID  string `json:"leafUuid"` // a summary line's (ccResume)
	// IsSidechain and AgentID mark a subagent's line in its parent's log.
	IsSidechain bool   `json:"isSidechain"`
	AgentID     string `json:"agentId"`
	Message     *struct {
		ID    string   `json:"id"`
		Model string   `json:"model"`
		Usage *anUsage `json:"usage"`
	} `json:"message"`
}

// readClaudeCodeUsage reads the calls of a Claude Code session file as
// readClaudeCode makes them: one per response (message id + request id),
// with the usage of its last line that has one; <synthetic> messages are
// Claude Code's own, not calls.
func readClaudeCodeUsage(r io.Reader, file, project string) ([]Billed, []string, error) {
	var out []Billed
	at := map[string]int{} // response id → index in out
	session := baseID(file)
	agent := ""
	if dir := filepath.Dir(file); filepath.Base(dir) == "subagents" {
		agent = session
		session = filepath.Base(filepath.Dir(dir)) // <session>/subagents/agent-<id>.jsonl
	}
	users := 0
	var resume ccResume
	copied := 0
	warnings, err := eachJSONLShrunk(r, file, ccSkipHead, func(cl *ccUsageLine, n int) error {
		if cl.Type == "summary" {
			resume.summary(cl.LeafUUID)
			return nil
		}
		if cl.Message == nil || (cl.Type != "user" && cl.Type != "assistant") {
			return nil
		}
		// Checked as readClaudeCode checks them, so both fail alike.
		if err := cl.Timestamp.check(file, n, "$.timestamp"); err != nil {
			return err
		}
		if resume.line(cl.UUID) {
			defer func() { copied = len(out) }()
		}
		switch {
		case cl.Type == "user":
			users++
			return nil
		case cl.Message.Model == "<synthetic>":
			return nil
		}
		var u *Usage
		if cl.Message.Usage != nil {
			if err := cl.Message.Usage.check(file, n, "$.message.usage"); err != nil {
				return err
			}
			if u = cl.Message.Usage.normalise(); u.allZero() {
				u = nil // not measured (see checkConversations)
			}
		}
		id := ""
		if cl.Message.ID != "" {
			id = cl.Message.ID + "/" + cl.RequestID
			if i, ok := at[id]; ok {
				if u != nil {
					out[i].Usage = u
				}
				return nil
			}
			at[id] = len(out)
		}
		callAgent := agent
		if cl.IsSidechain && callAgent == "" {
			callAgent = "sidechain"
			if cl.AgentID != "" {
				callAgent = "agent-" + cl.AgentID
			}
		}
		out = append(out, Billed{ResponseID: id, Time: cl.Timestamp.t, Model: cl.Message.Model, Session: session,
			Agent: callAgent, Project: project, Usage: u})
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if resume.after {
		// The calls up to the leaf were copied from the resumed session,
		// as readClaudeCode marks them: not this session's.
		out = out[copied:]
		if w := copiedWarning(file, copied); w != "" {
			warnings = append(warnings, w)
		}
	}
	if len(out) == 0 && users == 0 {
		return nil, nil, &Error{File: file, Msg: "no user or assistant messages in this Claude Code log"}
	}
	return out, warnings, nil
}
