package proxy

import (
	"bytes"
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

// recorder appends call records as native JSONL.
//
// A call's record is on the file before the call's last byte reaches its
// client: the handler writes its record, or waits until it has been
// written (write(2): in the operating system's hands, so a kill -9 of the
// proxy loses no answered call). Writes are group-committed: the first
// handler to come leads, writing what is queued in one write; records
// that arrive meanwhile queue, and the first of them leads the next write.
// A call waits for at most one write besides its own, and no goroutine
// hop when it comes alone. The file is synced to the disk once a second;
// a crash of the machine can lose the last second.
//
// When a write fails (disk full, permission taken away, file replaced by
// something unwritable) the records are kept in memory and retried every
// second; while any is kept the recorder is unhealthy and the proxy
// refuses new calls, so no call goes unrecorded for long.
type recorder struct {
	path string // a .jsonl file, or a directory holding a file per day
	dir  bool
	stop chan struct{}
	done chan struct{}

	mu      sync.Mutex
	idle    *sync.Cond // signalled when a leader stops writing
	queue   []entry    // waiting for the next write
	writing bool       // a leader is writing
	closed  bool
	err     error // the first write error, reported by Close
	failing error // the last write error while records are kept; nil when healthy
	written int64

	// The file's state, held by the writing leader, the syncer and Close.
	fileMu  sync.Mutex
	day     string
	torn    bool    // the file may end inside a line: the next write starts a new one
	dirty   bool    // written since the last sync
	pending []entry // records a failed write left, retried first
	buf     bytes.Buffer
	// open opens a log file for appending; a test replaces it to inject
	// write failures.
	open func(name string) (io.WriteCloser, error)
	w    io.WriteCloser
}

// entry is one record, encoded by its handler, with the channel its
// handler waits on.
type entry struct {
	at   time.Time
	line []byte
	done chan result // nil: nobody waits
}

// result answers a waiting handler: its record's write error, or that it
// leads the next write.
type result struct {
	err  error
	lead bool
}

// maxKept bounds the records held while the log cannot be written: the
// proxy refuses calls meanwhile, so only calls already in flight add to it.
const maxKept = 1 << 16

// isDir says whether out names a directory: one that exists, or a path
// that does not end in .jsonl.
func isDir(out string) bool {
	if info, err := os.Stat(out); err == nil {
		return info.IsDir()
	}
	return !strings.HasSuffix(strings.ToLower(out), ".jsonl")
}

// newRecorder opens the log for appending now, so that a log that cannot
// be written fails the start instead of the first calls.
func newRecorder(out string, now time.Time) (*recorder, error) {
	r := &recorder{path: out, dir: isDir(out), stop: make(chan struct{}), done: make(chan struct{}), open: openAppend}
	r.idle = sync.NewCond(&r.mu)
	if r.dir {
		if err := os.MkdirAll(out, 0o700); err != nil {
			return nil, err
		}
	} else if err := os.MkdirAll(filepath.Dir(out), 0o700); err != nil {
		return nil, err
	}
	if err := r.reopen(r.fileFor(now)); err != nil {
		return nil, err
	}
	go r.syncer()
	return r, nil
}

// openAppend opens name for appending, creating it.
func openAppend(name string) (io.WriteCloser, error) {
	return os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
}

// reopen makes name the file written to. A file whose last byte is not a
// newline was cut off mid-line (the proxy was killed during a write): the
// next record starts on a line of its own, and readers skip the torn one.
func (r *recorder) reopen(name string) error {
	if r.w != nil {
		r.w.Close()
		r.w = nil
	}
	w, err := r.open(name)
	if err != nil {
		return err
	}
	r.w, r.day, r.torn = w, name, endsTorn(name)
	return nil
}

// endsTorn reports a file that is not empty and does not end in a newline.
func endsTorn(name string) bool {
	f, err := os.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	var b [1]byte
	if info, err := f.Stat(); err != nil || !info.Mode().IsRegular() || info.Size() == 0 {
		return false
	} else if _, err := f.ReadAt(b[:], info.Size()-1); err != nil {
		return false
	}
	return b[0] != '\n'
}

// fileFor is the file a record written at t goes to.
func (r *recorder) fileFor(t time.Time) string {
	if !r.dir {
		return r.path
	}
	return filepath.Join(r.path, "proxy-"+t.UTC().Format("2006-01-02")+".jsonl")
}

// syncer syncs the file once a second when it was written, and retries
// the records a failed write kept. Syncing at most once a second keeps a
// slow disk from holding calls up: the lines are already in the kernel's
// hands.
func (r *recorder) syncer() {
	defer close(r.done)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-tick.C:
		}
		r.fileMu.Lock()
		if len(r.pending) > 0 {
			r.commit(nil)
		}
		r.sync()
		r.fileMu.Unlock()
	}
}

// sync syncs a written file; the caller holds fileMu.
func (r *recorder) sync() {
	if !r.dirty || r.w == nil {
		return
	}
	r.dirty = false
	if s, ok := r.w.(interface{ Sync() error }); ok {
		r.fail(s.Sync())
	}
}

// commit writes the pending records and batch, each file's lines in one
// write, and answers every waiting handler; the caller holds fileMu.
func (r *recorder) commit(batch []entry) {
	all := append(r.pending, batch...)
	r.pending = nil
	for len(all) > 0 {
		name := r.fileFor(all[0].at)
		n := 1
		for n < len(all) && r.fileFor(all[n].at) == name {
			n++
		}
		err := r.writeFile(name, all[:n])
		for _, e := range all[:n] {
			if e.done != nil {
				e.done <- result{err: err}
			}
		}
		if err != nil {
			r.fail(err)
			for _, e := range all[:n] {
				if len(r.pending) < maxKept {
					r.pending = append(r.pending, entry{at: e.at, line: e.line})
				}
			}
		}
		all = all[n:]
	}
	r.mu.Lock()
	if len(r.pending) == 0 {
		r.failing = nil
	}
	r.mu.Unlock()
}

// writeFile appends the records to name in one write.
func (r *recorder) writeFile(name string, es []entry) error {
	if r.w == nil || name != r.day {
		if err := r.reopen(name); err != nil {
			return r.failed(fmt.Errorf("recording to %s: %w", name, err))
		}
	}
	r.buf.Reset()
	if r.torn {
		r.buf.WriteByte('\n')
	}
	for _, e := range es {
		r.buf.Write(e.line)
	}
	if _, err := r.w.Write(r.buf.Bytes()); err != nil {
		// Part of a line may be on the file: reopening checks its end.
		r.w.Close()
		r.w = nil
		return r.failed(fmt.Errorf("recording to %s: %w", name, err))
	}
	r.torn, r.dirty = false, true
	r.mu.Lock()
	r.written += int64(len(es))
	r.mu.Unlock()
	if r.buf.Cap() > 1<<20 {
		r.buf = bytes.Buffer{} // let one large batch's memory go
	}
	return nil
}

// failed marks the recorder unhealthy with err and returns it.
func (r *recorder) failed(err error) error {
	r.mu.Lock()
	r.failing = err
	r.mu.Unlock()
	return err
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

// healthy returns nil when records are being written, else why not.
func (r *recorder) healthy() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failing
}

// errClosed is add's answer after Close.
var errClosed = errors.New("the log is closed")

// add writes rec, or waits until the write under way and the next one
// (which it may lead) have written it; it returns the write's error (the
// record is then kept and retried).
func (r *recorder) add(rec *transcripts.CallRecord) error {
	var line bytes.Buffer
	if err := transcripts.NewNativeWriter(&line).WriteCall(rec); err != nil {
		r.fail(fmt.Errorf("encoding a record: %w", err))
		return err
	}
	done := make(chan result, 1)
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return errClosed
	}
	r.queue = append(r.queue, entry{at: rec.Time, line: line.Bytes(), done: done})
	if r.writing {
		r.mu.Unlock()
		res := <-done
		if !res.lead {
			return res.err
		}
		r.mu.Lock() // this call leads the next write
	}
	r.writing = true
	// Lead a few writes while records keep coming (waking another
	// handler to lead costs a trip through the scheduler), then hand the
	// lead to the first waiting, so that this call's reply is not held
	// up for long.
	for round := 0; ; round++ {
		batch := r.queue
		r.queue = nil
		r.mu.Unlock()
		r.fileMu.Lock()
		r.commit(batch)
		r.fileMu.Unlock()
		r.mu.Lock()
		if len(r.queue) == 0 {
			r.writing = false
			r.idle.Broadcast()
			break
		}
		if round == leadRounds-1 {
			r.queue[0].done <- result{lead: true}
			break
		}
	}
	r.mu.Unlock()
	return (<-done).err
}

// leadRounds is how many writes a handler leads at most.
const leadRounds = 8

// Written returns the number of records written so far.
func (r *recorder) Written() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.written
}

// Close waits for the writes under way, retries what failed once, syncs
// and closes the file.
func (r *recorder) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		<-r.done
		return r.Err()
	}
	r.closed = true
	for r.writing {
		r.idle.Wait()
	}
	r.mu.Unlock()
	close(r.stop)
	<-r.done
	r.fileMu.Lock()
	if len(r.pending) > 0 {
		r.commit(nil)
	}
	r.sync()
	if r.w != nil {
		r.fail(r.w.Close())
		r.w = nil
	}
	n := len(r.pending)
	r.fileMu.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == nil && n > 0 {
		r.err = fmt.Errorf("%d calls could not be recorded", n)
	}
	return r.err
}

// Err returns the first error writing the log met.
func (r *recorder) Err() error {
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
// exist yet are skipped, and so are torn lines (each with a warning).
func readBack(files []string, warn func(string), fn func(*transcripts.CallRecord) error) error {
	for _, name := range files {
		f, err := os.Open(name)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		warnings, err := transcripts.ReadCalls(f, name, fn)
		f.Close()
		if err != nil {
			return err
		}
		for _, w := range warnings {
			if warn != nil {
				warn(w)
			}
		}
	}
	return nil
}

// DefaultOut is the directory calls are recorded to when --out is not
// given: tokenscope/proxy under $XDG_STATE_HOME, else ~/.local/state.
func DefaultOut() (string, error) {
	dir, err := transcripts.StateDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "proxy"), nil
}
