package profile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/tokenscope/tokenscope/profile/strategy"

	"github.com/tokenscope/tokenscope/transcripts"
)

// Load, counting or not, names conversations as Open does (one id rule),
// and its counts give what Run gives on Open's conversations.
func TestLoadMatchesOpen(t *testing.T) {
	// The same two sessions in two files: the ids repeat.
	dir := t.TempDir()
	for _, p := range []string{"a/log.jsonl", "b/log.jsonl"} {
		data, err := os.ReadFile("../transcripts/testdata/native_two_sessions.jsonl")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, path := range []string{dir, "../transcripts/testdata/claude_code", "../transcripts/testdata/real/claude_code", "../transcripts/testdata/openai_log.json",
		// Calls sent their own system prompt or tools: Load keeps their counts, not the text.
		"../transcripts/testdata/pairs/chat_tool_search.json", "../transcripts/testdata/openai_log_changing_system.jsonl"} {
		src, err := transcripts.Open(path, transcripts.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, c := range src.Conversations {
			want = append(want, c.ID)
		}
		if path == dir && (len(want) != 4 || len(slices.Compact(slices.Sorted(slices.Values(want)))) != 4) {
			t.Errorf("Open's ids %q: not unique", want)
		}
		st, _ := strategy.ParseAll([]string{"full", "window:turns=2+cache"})
		res, err := Run(src.Conversations, Options{Strategies: st})
		if err != nil {
			t.Fatal(err)
		}
		for _, count := range []bool{false, true} {
			l, err := Load(context.Background(), path, LoadOptions{Count: count, Engine: Options{Strategies: st}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(l.IDs, want) {
				t.Errorf("%s count=%v: ids %q, Open's %q", path, count, l.IDs, want)
			}
			if !count {
				if len(l.Source.Conversations) != len(want) || l.Prepared != nil {
					t.Errorf("%s: %d conversations kept, prepared %v", path, len(l.Source.Conversations), l.Prepared != nil)
				}
				continue
			}
			got, err := l.Prepared.Run(st)
			if err != nil {
				t.Fatal(err)
			}
			for i := range st {
				if g, w := got.Strategies[i].Totals, res.Strategies[i].Totals; g.Cost != w.Cost || g.Input != w.Input || g.Calls != w.Calls {
					t.Errorf("%s %s: loaded %d calls %d in %s; Open+Run %d calls %d in %s", path, st[i].Spec, g.Calls, g.Input, g.Cost, w.Calls, w.Input, w.Cost)
				}
			}
			if got.Conversations[0].ID != want[0] {
				t.Errorf("%s: result names %q", path, got.Conversations[0].ID)
			}
		}
	}
}

// Load stops when its context ends, and reports progress file by file.
func TestLoadCancelAndProgress(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Load(ctx, "../transcripts/testdata/claude_code", LoadOptions{Count: true}, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
	var last Progress
	_, err := Load(context.Background(), "../transcripts/testdata/claude_code", LoadOptions{}, func(p Progress) {
		if p.Done == p.Total {
			last = p
		}
	})
	if err != nil || last.Total < 3 {
		t.Errorf("progress %+v, err %v", last, err)
	}
}
