package proxy

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
)

func gzipped(s string) string {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.String()
}

func zstded(s string) string {
	w, _ := zstd.NewWriter(nil)
	return string(w.EncodeAll([]byte(s), nil))
}

// A request is decoded as the upstream decodes it, or refused with 400
// (413, 415) and a JSON error and not forwarded: never forwarded
// unbudgeted or priced as another call than the upstream serves.
func TestRequestsDecodedAsTheUpstreamDoes(t *testing.T) {
	const msgs = `"messages":[{"role":"user","content":"Hello there"}]`
	bomb := gzipped(`{"model":"gpt-4o-mini",` + msgs + `,"x":"` + strings.Repeat("a", 33<<20) + `"}`)
	for _, tc := range []struct {
		name, path, body string
		header           []string
		status           int
		forwarded        string // a part of what the upstream must get
		errText          string
	}{
		{"plain", "/v1/chat/completions", `{"model":"gpt-4o-mini",` + msgs + `}`, nil, 200, `"model":"gpt-4o-mini"`, ""},
		{"MODEL beside model", "/v1/chat/completions", `{"model":"gpt-4o-mini","MODEL":"gpt-4o",` + msgs + `}`, nil, 400, "", `differ only in case`},
		{"MODEL alone", "/v1/chat/completions", `{"MODEL":"gpt-4o",` + msgs + `}`, nil, 400, "", `"MODEL" is not "model"`},
		{"model twice", "/v1/chat/completions", `{"model":"gpt-4o-mini","model":"gpt-4o",` + msgs + `}`, nil, 400, "", `appears twice`},
		{"Max_Tokens", "/v1/chat/completions", `{"model":"gpt-4o-mini","Max_Tokens":5,` + msgs + `}`, nil, 400, "", `is not "max_tokens"`},
		{"Kelvin sign", "/v1/chat/completions", `{"model":"gpt-4o-mini","max_to\u212aens":5,` + msgs + `}`, nil, 400, "", `is not "max_tokens"`},
		{"role in another case", "/v1/chat/completions", `{"model":"gpt-4o-mini","messages":[{"Role":"user","content":"x"}]}`, nil, 400, "", `is not "role"`},
		{"schema keys in any case", "/v1/chat/completions", `{"model":"gpt-4o-mini",` + msgs + `,"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"id":{},"ID":{}}}}}]}`, nil, 200, `"ID"`, ""},
		{"schema key twice", "/v1/chat/completions", `{"model":"gpt-4o-mini",` + msgs + `,"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","type":"array"}}}]}`, nil, 400, "", `"type" appears twice`},
		{"schema keys are the client's", "/v1/chat/completions", `{"model":"gpt-4o-mini",` + msgs + `,"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"Model":{"type":"string"}}}}}]}`, nil, 200, `"Model"`, ""},
		{"max_tokens 100.0", "/v1/chat/completions", `{"model":"gpt-4o-mini","max_tokens":100.0,` + msgs + `}`, nil, 200, `"max_tokens":100,`, ""},
		{"max_tokens 1e5", "/v1/chat/completions", `{"model":"gpt-4o-mini","max_tokens":1e5,` + msgs + `}`, nil, 200, `"max_tokens":100000,`, ""},
		{"max_tokens 100.5", "/v1/chat/completions", `{"model":"gpt-4o-mini","max_tokens":100.5,` + msgs + `}`, nil, 400, "", `max_tokens is 100.5`},
		{"max_tokens -1", "/v1/chat/completions", `{"model":"gpt-4o-mini","max_tokens":-1,` + msgs + `}`, nil, 400, "", `max_tokens is -1`},
		{"max_tokens 1e300", "/v1/chat/completions", `{"model":"gpt-4o-mini","max_tokens":1e300,` + msgs + `}`, nil, 400, "", `max_tokens is 1e300`},
		{"BOM", "/v1/chat/completions", "\ufeff" + `{"model":"gpt-4o-mini",` + msgs + `}`, nil, 200, `{"model":"gpt-4o-mini"`, ""},
		{"gzip", "/v1/chat/completions", gzipped(`{"model":"gpt-4o-mini",` + msgs + `}`), []string{"Content-Encoding", "gzip"}, 200, `"model":"gpt-4o-mini"`, ""},
		{"zstd", "/v1/chat/completions", zstded(`{"model":"gpt-4o-mini",` + msgs + `}`), []string{"Content-Encoding", "zstd"}, 200, `"model":"gpt-4o-mini"`, ""},
		{"br", "/v1/chat/completions", `x`, []string{"Content-Encoding", "br"}, 415, "", `Content-Encoding "br"`},
		{"gzip bomb", "/v1/chat/completions", bomb, []string{"Content-Encoding", "gzip"}, 413, "", `decoded request body over 32 MiB`},
		{"broken gzip", "/v1/chat/completions", "not gzip", []string{"Content-Encoding", "gzip"}, 400, "", `gzip`},
		{"not JSON", "/v1/chat/completions", `{"model":`, nil, 400, "", `not JSON`},
		{"messages not a list", "/v1/chat/completions", `{"model":"gpt-4o-mini","messages":"hi"}`, nil, 400, "", `cannot be read to budget it`},
		{"/V1/chat/completions", "/V1/Chat/Completions", `{"model":"gpt-4o-mini",` + msgs + `}`, nil, 200, `"model"`, ""},
		{"/%2e%2e/v1/…", "/%2e%2e/v1/chat/completions", `{"model":"gpt-4o-mini",` + msgs + `}`, nil, 200, `"model"`, ""},
		{"//v1/./chat/completions/", "//v1/./chat/completions/", `{"model":"gpt-4o-mini",` + msgs + `}`, nil, 200, `"model"`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, up := faultRig(t, Config{})
			status, body := send(t, r.srv.URL, tc.path, tc.body, false, tc.header...)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, body)
			}
			recs := r.stopRecords(t, 1)
			if tc.status != 200 {
				var e struct {
					Error struct{ Message, Type string }
				}
				if err := json.Unmarshal([]byte(body), &e); err != nil || !strings.Contains(e.Error.Message, tc.errText) {
					t.Fatalf("error body %s, want a JSON error saying %q", body, tc.errText)
				}
				if up.requests() != 0 {
					t.Fatalf("refused request forwarded")
				}
				if recs[0].Status != tc.status || !strings.Contains(recs[0].Error, tc.errText) {
					t.Fatalf("record %+v", recs[0])
				}
				return
			}
			path, fwd, h := up.last()
			if path != "/v1/chat/completions" || !strings.Contains(string(fwd), tc.forwarded) || bytes.HasPrefix(fwd, []byte("\xef\xbb\xbf")) || h.Get("Content-Encoding") != "" {
				t.Fatalf("upstream got %s %q (Content-Encoding %q)", path, fwd, h.Get("Content-Encoding"))
			}
			if recs[0].Status != 200 || recs[0].Reply == nil || recs[0].CountedInput == 0 || recs[0].Model != "gpt-4o-mini" {
				t.Fatalf("record %+v", recs[0])
			}
		})
	}
}

// A path never climbs above the upstream's base path.
func TestPathsConfinedToTheUpstream(t *testing.T) {
	up := newFaultUpstream()
	defer up.Close()
	p, err := New(Config{Upstream: up.URL + "/base", Out: filepath.Join(t.TempDir(), "c.jsonl")})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p)
	defer func() { srv.Close(); p.Close() }()
	for path, want := range map[string]string{
		"/%2e%2e/%2e%2e/etc/passwd": "/base/etc/passwd",
		"/v1/../../../secret":       "/base/secret",
		"/v1/%2e%2e%2fmodels":       "/base/models",
		"/v1/models":                "/base/v1/models",
	} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got, _, _ := up.last(); got != want {
			t.Errorf("%s reached the upstream as %s, want %s", path, got, want)
		}
	}
}

// Request bodies held at once are bounded in total, not only each: a
// call waits for memory other bodies hold, and is refused (503, not
// forwarded) when none frees in time.
func TestBodiesBoundedInTotal(t *testing.T) {
	big := func(n int, fault string) string {
		return `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"` + fault + strings.Repeat("a ", n/2) + `"}]}`
	}
	// One body larger than the whole bound never gets in.
	r, up := faultRig(t, Config{BodyMemory: 1 << 20, bodyWait: 200 * time.Millisecond})
	status, body := send(t, r.srv.URL, "/v1/chat/completions", big(2<<20, ""), false)
	if status != http.StatusServiceUnavailable || !strings.Contains(body, "memory bound") || up.requests() != 0 {
		t.Fatalf("%d %s (upstream saw %d)", status, body, up.requests())
	}
	r.stop()
	if recs := records(t, r.out); len(recs) != 1 || recs[0].Status != 503 {
		t.Fatalf("records %+v", recs)
	}
	r, up = faultRig(t, Config{BodyMemory: 1 << 20})
	// Two of 600 KiB: the second waits until the first's call ends.
	first := make(chan int)
	go func() {
		s, _ := send(t, r.srv.URL, "/v1/chat/completions", big(600<<10, "one "), false, "X-Fault", "block")
		first <- s
	}()
	deadline := time.Now().Add(5 * time.Second)
	for up.requests() < 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	second := make(chan int)
	go func() {
		s, _ := send(t, r.srv.URL, "/v1/chat/completions", big(600<<10, "two "), false)
		second <- s
	}()
	time.Sleep(300 * time.Millisecond)
	if n := up.requests(); n != 1 {
		t.Fatalf("the second body was taken while the first held the memory: upstream saw %d", n)
	}
	up.release <- struct{}{}
	if s1, s2 := <-first, <-second; s1 != 200 || s2 != 200 {
		t.Fatalf("statuses %d %d", s1, s2)
	}
	r.stop()
	if recs := records(t, r.out); len(recs) != 2 {
		t.Fatalf("records %+v", recs)
	}
}
