package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain keeps every test of the command away from the user's own
// cache directory: a price file `prices update` fetched there would
// change what the tests price with.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tokenscope-cache-")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_CACHE_HOME", dir)
	os.Setenv("HOME", dir) // os.UserCacheDir's fallback, and macOS's
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// `prices update` fetches LiteLLM's file (here from a local server) into
// the user cache directory; later runs price with it and say so, with the
// date it was fetched; a server error changes nothing.
func TestPricesUpdate(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	data, err := os.ReadFile("../../profile/price/testdata/litellm_excerpt.json")
	if err != nil {
		t.Fatal(err)
	}
	fail := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fail {
			http.Error(w, "no", http.StatusBadGateway)
			return
		}
		w.Write(data)
	}))
	defer srv.Close()

	// Before any update: the embedded table.
	_, out, _ := tokenscope(t, "report", "--format", "json")
	if !strings.Contains(out, `"price_table":{"name":"embedded","date":"2026-12-07"}`) && !strings.Contains(out, `"name": "embedded"`) {
		t.Errorf("before update, report not priced by the embedded table:\n%.400s", out)
	}

	code, out, errs := tokenscope(t, "prices", "update", "--url", srv.URL)
	if code != 0 {
		t.Fatalf("update: exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "LiteLLM (fetched ") {
		t.Errorf("update said %q", out)
	}
	kept := filepath.Join(cache, "tokenscope", "model_prices_and_context_window.json")
	if got, err := os.ReadFile(kept); err != nil || string(got) != string(data) {
		t.Fatalf("kept file: %v", err)
	}

	code, out, errs = tokenscope(t, "report", "--format", "json")
	if code != 0 {
		t.Fatalf("report: exit %d: %s", code, errs)
	}
	var doc struct {
		Model struct {
			PriceTable struct{ Name, Date string } `json:"price_table"`
		} `json:"model"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if pt := doc.Model.PriceTable; !strings.HasPrefix(pt.Name, "embedded + LiteLLM (fetched ") || len(pt.Date) != 10 {
		t.Errorf("after update, price_table %+v", pt)
	}
	// The table header says it too; `prices MODEL` shows the LiteLLM row.
	_, out, _ = tokenscope(t, "report")
	if !strings.Contains(out, "priced by the embedded + LiteLLM (fetched ") {
		t.Errorf("table header:\n%.300s", out)
	}
	_, out, _ = tokenscope(t, "prices", "deepseek/deepseek-r1")
	if !strings.Contains(out, "0.14") {
		t.Errorf("prices deepseek/deepseek-r1:\n%s", out)
	}

	fail = true
	if code, _, _ := tokenscope(t, "prices", "update", "--url", srv.URL); code == 0 {
		t.Error("a 502 was taken as an update")
	}
	if got, _ := os.ReadFile(kept); string(got) != string(data) {
		t.Error("a failed update changed the kept file")
	}
}
