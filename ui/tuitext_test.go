package ui

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tokenscope/tokenscope/transcripts"
	"github.com/tokenscope/tokenscope/transcripts/synthetic"
)

// copyTree copies the files of src under dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		body, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dst, rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), body, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// resumedTree is the real tree with a resumed session in a last project:
// a copy of short.jsonl (its responses are earlier files' copies, marked
// Replayed by the walk, not by the file read alone) followed by
// tool_heavy.jsonl, which is only there.
func resumedTree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	copyTree(t, realTree, dir)
	heavy := filepath.Join(dir, "spotter", "tool_heavy.jsonl")
	a, err := os.ReadFile(filepath.Join(dir, "spotter", "short.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(heavy)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(heavy); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "zz"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "zz", "resumed.jsonl"), append(a, b...), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// A directory's list keeps no conversation text; opening a row reads its
// file again, and the session page shows what it showed when every
// conversation was kept (Open's source): the same strategy totals and the
// same calls, row by row, for every conversation of the tree.
func TestOpenRereadsLikeKept(t *testing.T) {
	gen := t.TempDir()
	if _, _, err := synthetic.WriteClaudeCode(gen, 6, 30<<10, 5); err != nil {
		t.Fatal(err)
	}
	resumed := resumedTree(t)
	for _, tree := range []string{realTree, gen, resumed} {
		pending, finish := loadAt(t, tree, 80, 24)
		got := finish(pending)
		if got.list.refs == nil || len(got.list.src.Conversations) != 0 {
			t.Fatalf("%s: the list kept %d conversations' text", tree, len(got.list.src.Conversations))
		}
		if tree == resumed {
			// The walk marked the copies in resumed.jsonl; read alone,
			// the file marks none of them.
			file := filepath.Join(resumed, "zz", "resumed.jsonl")
			alone, err := transcripts.Open(file, transcripts.Options{})
			if err != nil {
				t.Fatal(err)
			}
			walked, lone := 0, 0
			for _, r := range got.list.refs {
				if r.file == file {
					walked += len(r.replayed)
				}
			}
			for _, c := range alone.Conversations {
				for _, m := range c.Messages {
					if m.Replayed {
						lone++
					}
				}
			}
			if walked == 0 || walked <= lone {
				t.Errorf("resumed.jsonl: %d marks kept from the walk, %d read alone", walked, lone)
			}
		}
		src, err := transcripts.Open(tree, transcripts.Options{})
		if err != nil {
			t.Fatal(err)
		}
		want := startAt(t, Config{Source: src}, 80, 24)
		if !reflect.DeepEqual(got.list.sums, want.list.sums) || !reflect.DeepEqual(got.sh.specs, want.sh.specs) {
			t.Fatalf("%s: lists differ\n%+v\n%+v", tree, got.list.sums, want.list.sums)
		}
		if len(got.list.shown) < 3 {
			t.Fatalf("%s: %d rows", tree, len(got.list.shown))
		}
		for row := range got.list.shown {
			got.list.cursor, want.list.cursor = row, row
			g, w := press(t, got, "enter"), press(t, want, "enter")
			if g.page != pageSession || g.session.res == nil || w.session.res == nil {
				t.Fatalf("%s row %d: not opened (%q)", tree, row, g.sh.status)
			}
			id := g.list.sums[g.session.open].ID
			if g.session.open != w.session.open || g.session.shown.Conversations[0].ID != w.session.shown.Conversations[0].ID {
				t.Fatalf("%s row %d: opened %s, want %s", tree, row, id, w.session.shown.Conversations[0].ID)
			}
			if len(g.session.res.Strategies) != len(w.session.res.Strategies) || len(g.session.res.Strategies) == 0 {
				t.Fatalf("%s %s: %d strategies, want %d", tree, id, len(g.session.res.Strategies), len(w.session.res.Strategies))
			}
			for si := range w.session.res.Strategies {
				gs, ws := g.session.res.Strategies[si], w.session.res.Strategies[si]
				if gs.Totals != ws.Totals {
					t.Errorf("%s %s %s: totals %+v, want %+v", tree, id, ws.Strategy.Spec, gs.Totals, ws.Totals)
				}
				if !reflect.DeepEqual(gs.Calls(), ws.Calls()) || len(ws.Calls()) == 0 {
					t.Errorf("%s %s %s: %d calls differ from %d", tree, id, ws.Strategy.Spec, len(gs.Calls()), len(ws.Calls()))
				}
			}
			if g.session.calls() != g.list.sums[g.session.open].Calls {
				t.Errorf("%s %s: %d calls on the page, %d on the row", tree, id, g.session.calls(), g.list.sums[g.session.open].Calls)
			}
			if g.session.table.View() != w.session.table.View() {
				t.Errorf("%s %s: strategy table\n%s\nwant\n%s", tree, id, g.session.table.View(), w.session.table.View())
			}
		}
	}
}

// The findings of the whole list come from the counts: the same as with
// every text kept, to the cent, on a generated tree.
func TestListFindingsWithoutText(t *testing.T) {
	gen := t.TempDir()
	if _, _, err := synthetic.WriteClaudeCode(gen, 5, 30<<10, 9); err != nil {
		t.Fatal(err)
	}
	pending, finish := loadAt(t, gen, 80, 24)
	got := finish(pending)
	src, err := transcripts.Open(gen, transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := startAt(t, Config{Source: src}, 80, 24)
	got, want = press(t, got, "f"), press(t, want, "f")
	if len(got.adv.findings) == 0 || !reflect.DeepEqual(got.adv.findings, want.adv.findings) {
		t.Errorf("findings\n%+v\nwant\n%+v", got.adv.findings, want.adv.findings)
	}
}

// A file changed since it was counted (cut short) is not shown with other
// numbers than its row's: opening it says so, naming the file.
func TestOpenChangedFile(t *testing.T) {
	dir := t.TempDir()
	copyTree(t, realTree, dir)
	pending, finish := loadAt(t, dir, 80, 24)
	m := finish(pending)
	i := m.list.selected()
	body, err := os.ReadFile(m.list.refs[i].file)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(body, []byte("\n"))
	if err := os.WriteFile(m.list.refs[i].file, bytes.Join(lines[:len(lines)/2], nil), 0o644); err != nil {
		t.Fatal(err)
	}
	next, cmd := m.Update(keyPress("enter"))
	if out := screen(next.(Model)); next.(Model).page != pageConversations || !strings.Contains(out, "reading "+m.list.refs[i].id) {
		t.Errorf("while reading, the list says:\n%s", out)
	}
	m = settle(t, next.(Model), cmd)
	if out := screen(m); !strings.Contains(out, "error: ") || !strings.Contains(out, "changed since") {
		t.Errorf("the list does not say why:\n%s", out)
	}
	if m.page != pageConversations || !strings.Contains(m.sh.status, filepath.Base(m.list.refs[i].file)) || !strings.Contains(m.sh.status, "changed since it was read") {
		t.Errorf("page %d, status %q", m.page, m.sh.status)
	}
}
