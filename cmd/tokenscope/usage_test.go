package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenscope/tokenscope/profile/usage"
)

const ccFixture = "../../transcripts/testdata/claude_code"

// The fixture's totals are worked by hand in profile's TestUsageFixture.
func TestUsageCommand(t *testing.T) {
	t.Setenv("TZ", "UTC")
	code, out, errs := tokenscope(t, "usage", ccFixture)
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	checkTable(t, out, "2026-11-02      6   1,563     371   6,060   64.0k   72.0k    $0.0604", "\ntotal ", "\npriced by the embedded table dated 2026-12-07\n")

	code, out, errs = tokenscope(t, "usage", "monthly", ccFixture, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc struct {
		Group  string
		Rows   []map[string]any
		Totals struct {
			Input       int64   `json:"input_tokens"`
			Output      int64   `json:"output_tokens"`
			CacheReads  int64   `json:"cache_read_tokens"`
			CacheWrites int64   `json:"cache_write_tokens"`
			Cost        float64 `json:"cost_usd"`
			Exact       string  `json:"cost_usd_exact"`
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	tot := doc.Totals
	if doc.Group != "monthly" || len(doc.Rows) != 1 || doc.Rows[0]["key"] != "2026-11" || tot.Input != 1563 || tot.Output != 371 ||
		tot.CacheReads != 64040 || tot.CacheWrites != 6060 || tot.Exact != "0.060433500000" {
		t.Errorf("json: %s", out)
	}

	code, out, _ = tokenscope(t, "usage", "project", ccFixture, "--format", "csv", "--since", "20261103")
	if code != 0 || out != "project,models,calls,input_tokens,output_tokens,cache_write_tokens,cache_write_1h_tokens,cache_read_tokens,total_tokens,cost_usd,unpriced_calls\ntotal,,0,0,0,0,0,0,0,0.000000000000,0\n" {
		t.Errorf("csv after the last call: exit %d\n%s", code, out)
	}
}

// DIR defaults to ~/.claude/projects.
func TestUsageDefaultDir(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	projects := filepath.Join(home, ".claude", "projects")
	if err := os.MkdirAll(filepath.Dir(projects), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(mustAbs(t, ccFixture), projects); err != nil {
		t.Fatal(err)
	}
	code, out, errs := tokenscope(t, "usage", "session")
	if code != 0 || !strings.Contains(out, "-home-dev-shop/5c2d3e4f      1") {
		t.Errorf("exit %d, stderr %q:\n%s", code, errs, out)
	}
}

func mustAbs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestUsageBadInput(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	os.WriteFile(bad, []byte(`{"type":"user","sessionId":"s","message":{"role":"user","content":"hi"}}`+"\n"+`{"type":"assistant","sessionId":"s","message":{"id":"m","usage":{"input_tokens":"ten"}}}`+"\n"), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"usage", ccFixture, "--since", "2026-02-30"}, "--since: date \"2026-02-30\""},
		{[]string{"usage", "weekly", ccFixture}, "\"weekly\" is not a grouping"},
		{[]string{"usage", ccFixture, "--format", "xml"}, "--format \"xml\""},
		{[]string{"usage", ccFixture, "--model", "nope-9"}, "nope-9"},
		{[]string{"usage", "/no/such/dir"}, "/no/such/dir: no such file or directory"},
		{[]string{"usage", bad}, "bad.jsonl:2: $.message.usage.input_tokens"},
	} {
		code, out, errs := tokenscope(t, tc.args...)
		if code != 2 || out != "" || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and %q", tc.args, code, out, errs, tc.want)
		}
	}
}

// TestUsageHelpNamesEveryGroup: `usage --help` names every grouping the
// command accepts (machine was missing from it).
func TestUsageHelpNamesEveryGroup(t *testing.T) {
	code, out, errs := tokenscope(t, "usage", "--help")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	if want := "usage [" + strings.Join(usage.Groups, "|") + "] [DIR]"; !strings.Contains(out, want) {
		t.Errorf("usage --help lacks %q:\n%s", want, out)
	}
	for _, g := range usage.Groups {
		if !strings.Contains(out, g) {
			t.Errorf("usage --help does not name %q", g)
		}
	}
}
