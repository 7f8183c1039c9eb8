package follow

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/tokenscope/tokenscope/transcripts"
)

// Notify reports the log files under roots that are written or created,
// each path as it changes (a path may come more than once per change).
// It uses filesystem notifications where the system gives them, adding
// directories as they appear, and also walks the roots every poll (a
// notification missed, a filesystem that sends none, a watch limit
// reached): a file whose size or time changed is reported. Roots that do
// not exist yet are polled for. It stops when ctx ends and closes the
// channel.
func Notify(ctx context.Context, roots []string, poll time.Duration) <-chan string {
	out := make(chan string, 256)
	w, err := fsnotify.NewWatcher()
	if err != nil {
		w = nil // polling only
	}
	seen := map[string]fileStamp{}
	go func() {
		defer close(out)
		if w != nil {
			defer w.Close()
		}
		send := func(p string) bool {
			select {
			case out <- p:
				return true
			case <-ctx.Done():
				return false
			}
		}
		scan := func(report bool) bool {
			for _, root := range roots {
				if !walkLogs(root, w, seen, report, send) {
					return false
				}
			}
			return true
		}
		scan(false) // the files there now are the caller's to read first
		tick := time.NewTicker(poll)
		defer tick.Stop()
		var events chan fsnotify.Event
		var errs chan error
		if w != nil {
			events, errs = w.Events, w.Errors
		}
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if !scan(true) {
					return
				}
			case ev, ok := <-events:
				if !ok {
					events = nil
					continue
				}
				if ev.Op&(fsnotify.Write|fsnotify.Create) == 0 {
					continue
				}
				if info, err := os.Stat(ev.Name); err == nil && info.IsDir() {
					// A new directory (a project, a session's subagents):
					// watch it and report what is already in it.
					if !walkLogs(ev.Name, w, seen, true, send) {
						return
					}
					continue
				}
				if transcripts.IsLogName(ev.Name) {
					if info, err := os.Stat(ev.Name); err == nil {
						seen[ev.Name] = stampOf(info)
					}
					if !send(ev.Name) {
						return
					}
				}
			case <-errs:
				// Overflow or a watch lost: the next poll catches up.
			}
		}
	}()
	return out
}

type fileStamp struct {
	size int64
	mod  time.Time
}

func stampOf(info fs.FileInfo) fileStamp { return fileStamp{info.Size(), info.ModTime()} }

// walkLogs walks root, watching its directories with w (when not nil) and
// reporting, when report is set, the log files new or changed since seen.
func walkLogs(root string, w *fsnotify.Watcher, seen map[string]fileStamp, report bool, send func(string) bool) bool {
	walkRoot := root
	if fi, err := os.Lstat(root); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		walkRoot = root + string(filepath.Separator)
	}
	ok := true
	_ = filepath.WalkDir(walkRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			if p != walkRoot && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			if w != nil {
				_ = w.Add(p) // adding a watched directory again is a no-op
			}
			return nil
		}
		if !transcripts.IsLogName(p) {
			return nil
		}
		info, err := d.Info()
		if err != nil || !info.Mode().IsRegular() {
			return nil
		}
		st := stampOf(info)
		if old, known := seen[p]; known && old == st {
			return nil
		}
		seen[p] = st
		if report && !send(p) {
			ok = false
			return filepath.SkipAll
		}
		return nil
	})
	return ok
}
