package main

import (
	"bytes"
	"runtime/debug"
	"strings"
	"testing"
)

// version names the module version go install recorded when no release
// script set one; a linked version wins; a work tree build is dev.
func TestVersionOf(t *testing.T) {
	installed := &debug.BuildInfo{Main: debug.Module{Path: "github.com/tokenscope/tokenscope", Version: "v0.4.1"}}
	for _, tc := range []struct {
		linked string
		bi     *debug.BuildInfo
		want   string
	}{
		{"dev", installed, "v0.4.1"},
		{"v0.5.0", installed, "v0.5.0"},
		{"dev", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "dev"},
		{"dev", nil, "dev"},
	} {
		if got := versionOf(tc.linked, tc.bi); got != tc.want {
			t.Errorf("versionOf(%q, %v) = %q, want %q", tc.linked, tc.bi, got, tc.want)
		}
	}
}

// tune --help shows tune's own default (its search space), not report's
// default strategies.
func TestTuneHelpDefault(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"tune", "--help"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	help := out.String()
	if strings.Contains(help, "default: full, cache") || !strings.Contains(help, "default: the tune space") {
		t.Errorf("tune --help:\n%s", help)
	}
}

// report --compare of logs whose model has no price says unpriced, never
// $0.00, and tells no difference it cannot know.
func TestCompareUnpriced(t *testing.T) {
	code, out, errs := tokenscope(t, "report", "--compare", "../../ui/testdata/unpriced", "../../transcripts/testdata/native_two_sessions.jsonl", "--strategy", "full")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "full") || !strings.Contains(out, "unpriced") || strings.Contains(out, "$0.00 ") || strings.Contains(out, "$0.00\n") {
		t.Errorf("compare:\n%s", out)
	}
}
