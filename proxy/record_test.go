package proxy

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenscope/tokenscope/transcripts"
)

// A log that cannot be written fails the start, not the first calls.
func TestUnwritableLogFailsTheStart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o600)
	for _, out := range []string{
		"/proc/tokenscope-test-calls.jsonl", // a filesystem that takes no new files, even from root
		filepath.Join(file, "calls.jsonl"),  // under a file
		"/proc/self/tokenscope-test",        // a directory that cannot be made
	} {
		_, err := New(Config{Upstream: "http://127.0.0.1:1", Out: out})
		if err == nil || !strings.Contains(err.Error(), out) {
			t.Errorf("%s: New gave %v, want an error naming the log", out, err)
		}
	}
}

// A log that stops being writable while the proxy runs: the call whose
// record could not be written is kept and retried, new calls are refused
// (503, not forwarded) until the log can be written again, and then
// nothing is lost.
func TestLogUnwritableMidRun(t *testing.T) {
	out := t.TempDir()
	var now atomic.Pointer[time.Time]
	day1 := fixed
	now.Store(&day1)
	r, up := faultRig(t, Config{Out: out, Now: func() time.Time { return *now.Load() }})
	if status, body := send(t, r.srv.URL, "/v1/chat/completions", chatBody, false); status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	// The next day's file is a disk that is always full.
	day2 := fixed.Add(24 * time.Hour)
	full := filepath.Join(out, "proxy-"+day2.Format("2006-01-02")+".jsonl")
	if err := os.Symlink("/dev/full", full); err != nil {
		t.Skip(err)
	}
	now.Store(&day2)
	if status, body := send(t, r.srv.URL, "/v1/chat/completions", strings.Replace(chatBody, "Hello", "Second", 1), false); status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	status, body := send(t, r.srv.URL, "/v1/chat/completions", strings.Replace(chatBody, "Hello", "Third", 1), false)
	if status != 503 || !strings.Contains(body, "cannot record calls") || !strings.Contains(body, "no space left") {
		t.Fatalf("a call while the log cannot be written: %d %s", status, body)
	}
	if up.requests() != 2 {
		t.Fatalf("upstream saw %d calls, want 2", up.requests())
	}
	// The disk has room again: the kept record is written within a
	// second or two and calls are taken again.
	os.Remove(full)
	deadline := time.Now().Add(5 * time.Second)
	for r.p.rec.healthy() != nil && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if status, body := send(t, r.srv.URL, "/v1/chat/completions", strings.Replace(chatBody, "Hello", "Fourth", 1), false); status != 200 {
		t.Fatalf("after the disk came back: %d %s", status, body)
	}
	r.stop()
	var got []string
	for _, day := range []time.Time{day1, day2} {
		readBack([]string{filepath.Join(out, "proxy-"+day.Format("2006-01-02")+".jsonl")}, nil, func(c *transcripts.CallRecord) error {
			got = append(got, c.Messages[len(c.Messages)-1].Content)
			return nil
		})
	}
	if strings.Join(got, "|") != "Hello there|Second there|Fourth there" {
		t.Fatalf("recorded %q", got)
	}
}

// A log whose last line was cut off (the proxy was killed mid-write): the
// next start writes on a new line, and every later start reads the log
// back, skipping the torn line with a warning.
func TestTornLastLine(t *testing.T) {
	out := filepath.Join(t.TempDir(), "calls.jsonl")
	r, _ := faultRig(t, Config{Out: out, Now: func() time.Time { return fixed }})
	send(t, r.srv.URL, "/v1/chat/completions", chatBody, false)
	r.stop()
	b, _ := os.ReadFile(out)
	torn := append(bytes.Clone(b), b[:len(b)/2]...) // a second record cut in the middle
	os.WriteFile(out, torn, 0o600)
	for start := 1; start <= 3; start++ {
		var warnings []string
		var mu sync.Mutex
		r, _ := faultRig(t, Config{Out: out, Now: func() time.Time { return fixed }, Warn: func(s string) {
			mu.Lock()
			warnings = append(warnings, s)
			mu.Unlock()
		}})
		// The first start finds the torn line last; later ones find it
		// followed by the calls written since.
		if len(warnings) != 1 || !strings.Contains(warnings[0], "calls.jsonl:2: ") || !strings.Contains(warnings[0], "skipped") {
			t.Fatalf("start %d: warnings %q", start, warnings)
		}
		send(t, r.srv.URL, "/v1/chat/completions", strings.Replace(chatBody, "Hello", "Again", 1), false)
		r.stop()
	}
	if n := len(records(t, out)); n != 4 {
		t.Fatalf("%d calls read back, want 4", n)
	}
	src, err := transcripts.Open(out, transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var warned bool
	for _, c := range src.Conversations {
		for _, w := range c.Warnings {
			warned = warned || strings.Contains(w, "cut short")
		}
	}
	if !warned {
		t.Errorf("transcripts.Open did not warn of the torn line")
	}
}

// A call's record is on the file before the client sees its reply end: a
// kill -9 of the proxy after that loses no answered call. Each client,
// the moment its stream ends, finds its call in the log.
func TestRecordWrittenBeforeTheReplyEnds(t *testing.T) {
	r, _ := faultRig(t, Config{})
	var wg sync.WaitGroup
	var missing atomic.Int64
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 5 {
				marker := "marker-" + strconv.Itoa(i) + "-" + strconv.Itoa(j)
				body := strings.Replace(streamBody, "Say hello", marker, 1)
				if j%2 == 1 {
					body = strings.Replace(chatBody, "Hello there", marker, 1) // JSON, not streamed
				}
				status, reply := send(t, r.srv.URL, "/v1/chat/completions", body, false)
				if status != 200 || !strings.Contains(reply, "world") {
					t.Errorf("%d %s", status, reply)
					return
				}
				if b, _ := os.ReadFile(r.out); !bytes.Contains(b, []byte(marker)) {
					missing.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if n := missing.Load(); n > 0 {
		t.Fatalf("%d of 100 answered calls were not in the log when their reply ended", n)
	}
}
