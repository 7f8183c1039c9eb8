package proxy

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tokenscope/tokenscope/transcripts"
)

// recorder writes call records as native JSONL from one goroutine, so that
// handlers never wait on the disk: each record is one write(2) of one
// line (a crash of the proxy loses at most the line being written), and
// the file is synced to the disk within a second.
type recorder struct {
	path  string // a .jsonl file, or a directory holding a file per day
	dir   bool
	queue chan *transcripts.CallRecord
	done  chan struct{}

	mu      sync.Mutex
	err     error // the first write error, reported by Close
	written int64

	file *os.File
	day  string
	w    *transcripts.NativeWriter
}

// isDir says whether out names a directory: one that exists, or a path
// that does not end in .jsonl.
func isDir(out string) bool {
	if info, err := os.Stat(out); err == nil {
		return info.IsDir()
	}
	return !strings.HasSuffix(strings.ToLower(out), ".jsonl")
}

func newRecorder(out string) (*recorder, error) {
	r := &recorder{path: out, dir: isDir(out), queue: make(chan *transcripts.CallRecord, 1024), done: make(chan struct{})}
	if r.dir {
		if err := os.MkdirAll(out, 0o700); err != nil {
			return nil, err
		}
	} else if err := os.MkdirAll(filepath.Dir(out), 0o700); err != nil {
		return nil, err
	}
	go r.loop()
	return r, nil
}

// fileFor is the file a record written at t goes to.
func (r *recorder) fileFor(t time.Time) string {
	if !r.dir {
		return r.path
	}
	return filepath.Join(r.path, "proxy-"+t.UTC().Format("2006-01-02")+".jsonl")
}

// onlyWrite hides *os.File's Sync from NativeWriter: the recorder syncs
// once a second instead of once per line.
type onlyWrite struct{ io.Writer }

func (r *recorder) loop() {
	defer close(r.done)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	dirty := false
	sync := func() {
		if dirty && r.file != nil {
			r.fail(r.file.Sync())
		}
		dirty = false
	}
	for {
		select {
		case rec, ok := <-r.queue:
			if !ok {
				sync()
				if r.file != nil {
					r.fail(r.file.Close())
				}
				return
			}
			r.fail(r.write(rec))
			dirty = true
			r.mu.Lock()
			r.written++
			r.mu.Unlock()
		case <-tick.C:
			// Lines are written as they come (a crash of the proxy loses
			// none); syncing to the disk at most once a second keeps a
			// slow disk from holding calls up.
			sync()
		}
	}
}

func (r *recorder) fail(err error) {
	if err == nil {
		return
	}
	r.mu.Lock()
	if r.err == nil {
		r.err = err
	}
	r.mu.Unlock()
}

func (r *recorder) write(rec *transcripts.CallRecord) error {
	name := r.fileFor(rec.Time)
	if r.file == nil || name != r.day {
		if r.file != nil {
			r.file.Close()
		}
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			r.file = nil
			return fmt.Errorf("recording: %w", err)
		}
		r.file, r.day, r.w = f, name, transcripts.NewNativeWriter(onlyWrite{f})
	}
	if err := r.w.WriteCall(rec); err != nil {
		return fmt.Errorf("recording to %s: %w", name, err)
	}
	return nil
}

// add queues rec; it blocks when the queue is full rather than drop it.
func (r *recorder) add(rec *transcripts.CallRecord) { r.queue <- rec }

// Written returns the number of records written so far.
func (r *recorder) Written() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.written
}

// Close writes what is queued, syncs and closes the file.
func (r *recorder) Close() error {
	close(r.queue)
	<-r.done
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// logFiles are the files under out that may hold calls of the windows
// that are open at now: the file itself, or the files of the last two days.
func logFiles(out string, now time.Time) []string {
	if !isDir(out) {
		return []string{out}
	}
	var files []string
	for _, d := range []time.Time{now.Add(-24 * time.Hour), now} {
		files = append(files, filepath.Join(out, "proxy-"+d.UTC().Format("2006-01-02")+".jsonl"))
	}
	sort.Strings(files)
	return files
}

// readBack hands every call of the log files to fn; files that do not
// exist yet are skipped.
func readBack(files []string, fn func(*transcripts.CallRecord) error) error {
	for _, name := range files {
		f, err := os.Open(name)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		err = transcripts.ReadCalls(f, name, fn)
		f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// DefaultOut is the directory calls are recorded to when --out is not
// given: tokenscope/proxy under $XDG_STATE_HOME, else ~/.local/state.
func DefaultOut() (string, error) {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "tokenscope", "proxy"), nil
}
