package transcripts

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
)

// Walk reads path (a file, a directory, or "-") like Open, one file at a
// time: work runs on worker goroutines (every core) for each file's Source
// as soon as it is read, in any order and before responses repeated from
// earlier files are marked Replayed; consume then runs on one goroutine for
// each file in file order (the order Open uses), after Replayed is marked
// the way Open marks it. At most a few files are read ahead of consume, so
// memory holds a handful of files, not the tree. A file that cannot be read
// becomes a warning (as in Open) unless path is that file. Conversation IDs
// are NOT made unique across files (see UniqueIDs). The returned Source has
// Path, Format ("mixed" as in Open) and Warnings, and no Conversations.
// An error from work or consume stops the walk and is returned.
//
// work and consume may be nil. Walk fails, as Open does, when a directory
// holds no conversation; consume has then seen only empty files.
func Walk[T any](path string, opt Options, work func(s *Source) (T, error), consume func(s *Source, v T) error) (*Source, error) {
	if work == nil {
		work = func(*Source) (T, error) { var zero T; return zero, nil }
	}
	if consume == nil {
		consume = func(*Source, T) error { return nil }
	}
	if path != "-" {
		info, err := os.Stat(path)
		if err == nil && info.IsDir() {
			return walkDir(path, opt, work, consume)
		}
	}
	// One file: Open's errors are Walk's.
	s, err := Open(path, opt)
	if err != nil {
		return nil, err
	}
	v, err := work(s)
	if err != nil {
		return nil, err
	}
	// Read marked the file's own repeats; there is nothing earlier.
	if err := consume(s, v); err != nil {
		return nil, err
	}
	return &Source{Path: s.Path, Format: s.Format, Warnings: s.Warnings}, nil
}

// walkAhead is how many files may be read (and worked on) but not yet
// consumed, per worker: enough that a slow file does not idle the others.
const walkAhead = 2

// walked is one file of a directory walk, read and worked on.
type walked[T any] struct {
	src *Source
	v   T
	err error // the file could not be read: a warning
	// workErr is work's error: it ends the walk.
	workErr error
}

func walkDir[T any](dir string, opt Options, work func(*Source) (T, error), consume func(*Source, T) error) (*Source, error) {
	files, warnings, err := logFiles(dir)
	if err != nil {
		return nil, err
	}
	out := &Source{Path: dir, Warnings: warnings}
	workers := min(runtime.GOMAXPROCS(0), max(len(files), 1))
	ahead := workers * walkAhead
	// A file's result goes to slot i%ahead: the files in flight are at
	// most ahead consecutive ones, so no two share a slot.
	slots := make([]chan walked[T], ahead)
	for i := range slots {
		slots[i] = make(chan walked[T], 1)
	}
	tokens := make(chan struct{}, ahead) // one per file in flight
	jobs := make(chan int)
	stop := make(chan struct{})
	var stopOnce sync.Once
	halt := func() { stopOnce.Do(func() { close(stop) }) }
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // hands out files in order, no further than ahead of consume
		defer wg.Done()
		defer close(jobs)
		for i := range files {
			select {
			case tokens <- struct{}{}:
			case <-stop:
				return
			}
			select {
			case jobs <- i:
			case <-stop:
				return
			}
		}
	}()
	var done atomic.Int64
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				var w walked[T]
				w.src, w.err = Open(files[i], opt)
				if w.err == nil {
					if w.v, w.workErr = work(w.src); w.workErr != nil {
						halt() // hand out no more files; the ones before this are finished
					}
				}
				if n := done.Add(1); opt.Progress != nil {
					opt.Progress(int(n), len(files))
				}
				slots[i%ahead] <- w
			}
		}()
	}
	defer wg.Wait()
	defer halt()

	formats := map[string]bool{}
	var replay replayMarker
	convs := 0
	for i := range files {
		// Every file up to one whose work failed was handed out before
		// the walk halted, so this receive always completes.
		w := <-slots[i%ahead]
		if w.err != nil {
			out.Warnings = append(out.Warnings, w.err.Error())
			<-tokens
			continue
		}
		if w.workErr != nil {
			return nil, w.workErr
		}
		s := w.src
		formats[s.Format] = true
		out.Format = s.Format
		out.Warnings = append(out.Warnings, s.Warnings...)
		convs += len(s.Conversations)
		replay.mark(s.Conversations)
		if err := consume(s, w.v); err != nil {
			return nil, err
		}
		<-tokens // the file is let go: another may be read
	}
	if len(formats) > 1 {
		out.Format = "mixed"
	}
	if convs == 0 {
		if len(out.Warnings) > 0 {
			return nil, &Error{File: dir, Msg: fmt.Sprintf("no file could be read (%d problems; first: %s)", len(out.Warnings), out.Warnings[0])}
		}
		return nil, &Error{File: dir, Msg: "no .json or .jsonl files"}
	}
	return out, nil
}

// openDir reads every file of dir: Walk, keeping what it reads.
func openDir(dir string, opt Options) (*Source, error) {
	var convs []*Conversation
	src, err := walkDir(dir, opt, func(*Source) (struct{}, error) { return struct{}{}, nil }, func(s *Source, _ struct{}) error {
		convs = append(convs, s.Conversations...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	uniqueIDs(convs, dir)
	src.Conversations = convs
	return src, nil
}

// replayMarker marks responses logged more than once (Claude Code copies
// earlier responses into resumed sessions): the first, in the order
// conversations are given to mark, is the call; later copies stay as
// history only. It keeps only the response ids seen.
type replayMarker struct {
	seen map[string]struct{}
}

func (r *replayMarker) mark(convs []*Conversation) {
	if r.seen == nil {
		r.seen = map[string]struct{}{}
	}
	for _, c := range convs {
		for i := range c.Messages {
			m := &c.Messages[i]
			if m.Role != RoleAssistant || m.ResponseID == "" || m.Replayed {
				// A reader's own copy (a resumed session's) claims no call.
				continue
			}
			if _, ok := r.seen[m.ResponseID]; ok {
				m.Replayed = true
				continue
			}
			// A copy: the id may share memory with text the walk drops.
			r.seen[strings.Clone(m.ResponseID)] = struct{}{}
		}
	}
}

// markReplayed marks the repeated responses of convs (see replayMarker).
func markReplayed(convs []*Conversation) {
	var r replayMarker
	r.mark(convs)
}

// UniqueIDs makes conversation IDs unique in place the way Open does for a
// directory rooted at root ("" for a single file): ids[i] belongs to the
// conversation read from paths[i].
//
// An id that several conversations share is qualified with its file's
// path under root, and any still shared get #2, #3… in order.
func UniqueIDs(ids, paths []string, root string) {
	count := map[string]int{}
	for _, id := range ids {
		count[id]++
	}
	for i, id := range ids {
		if count[id] > 1 && root != "" {
			if rel, err := filepath.Rel(root, paths[i]); err == nil {
				q := filepath.ToSlash(strings.TrimSuffix(rel, filepath.Ext(rel)))
				if base := baseID(paths[i]); strings.HasPrefix(id, base) {
					q += strings.TrimPrefix(id, base)
				} else {
					q += ":" + id
				}
				ids[i] = q
			}
		}
	}
	used := map[string]bool{}
	for i, id := range ids {
		if used[id] {
			n := 2
			for used[fmt.Sprintf("%s#%d", id, n)] {
				n++
			}
			ids[i] = fmt.Sprintf("%s#%d", id, n)
		}
		used[ids[i]] = true
	}
}

// uniqueIDs is UniqueIDs on conversations.
func uniqueIDs(convs []*Conversation, root string) {
	ids := make([]string, len(convs))
	paths := make([]string, len(convs))
	for i, c := range convs {
		ids[i], paths[i] = c.ID, c.Path
	}
	UniqueIDs(ids, paths, root)
	for i, c := range convs {
		c.ID = ids[i]
	}
}
