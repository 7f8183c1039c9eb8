package profile

import (
	"context"
	"runtime"
	"testing"
	"unsafe"
	"weak"

	"github.com/tokenscope/tokenscope/profile/strategy"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts"
)

// TestStreamKeepsNoText checks that Load, counting, keeps counts, not
// text: once a file's conversations are added and dropped, the collector
// frees their texts, and what the stream holds per message stays small.
func TestStreamKeepsNoText(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := transcripts.WriteSyntheticClaudeCode(dir, 4, 200<<10, 5); err != nil {
		t.Fatal(err)
	}
	var texts []weak.Pointer[byte]
	messages := 0
	l, err := Load(context.Background(), dir, LoadOptions{Count: true, EachFile: func(f *transcripts.Source) {
		for _, c := range f.Conversations {
			messages += len(c.Messages)
			for i := range c.Messages {
				if m := &c.Messages[i]; len(m.Content) > 64 {
					texts = append(texts, weak.Make(unsafe.StringData(m.Content)))
				}
				if m := &c.Messages[i]; m.PrefixChange != nil || len(m.ToolCalls) > 0 && len(m.ToolCalls[0].Arguments) > 64 {
					texts = append(texts, weak.Make(unsafe.StringData(m.ToolCalls[0].Arguments)))
				}
			}
		}
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := l.Prepared
	if l.Source.Conversations != nil {
		t.Fatal("Load kept the conversations")
	}
	if len(texts) < 100 || messages < 100 {
		t.Fatalf("only %d texts, %d messages", len(texts), messages)
	}
	runtime.GC()
	runtime.GC()
	kept := 0
	for _, w := range texts {
		if w.Value() != nil {
			kept++
		}
	}
	if kept > 0 {
		t.Errorf("%d of %d texts still reachable after the stream took their files", kept, len(texts))
	}
	// The skeletons: 32 bytes a message, not the text.
	if got := unsafe.Sizeof(skelMsg{}); got > 32 {
		t.Errorf("a skeleton message takes %d bytes, want at most 32", got)
	}
	for _, pc := range p.pcs {
		if pc.sk.conv != nil || pc.Calls != nil {
			t.Fatalf("%s: a streamed conversation keeps its text or its prepared calls", pc.info.ID)
		}
	}
	runtime.KeepAlive(p)
}

// TestRecountWhileFinding runs, on one prepared log, a strategy priced on
// a model of another encoding (its counts made from the kept text) while
// the findings of an earlier run read the same counts, as the TUI does
// when a knob is pressed while the advisor works: go test -race checks
// them, and the results must be those of the same work done in turn.
func TestRecountWhileFinding(t *testing.T) {
	src, err := transcripts.Open("../transcripts/testdata/real/claude_code", transcripts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	base, _ := strategy.ParseAll([]string{"full", "cache"})
	other, _ := strategy.ParseAll([]string{"full", "model=gpt-4+cache"})
	inTurn := func() ([]Finding, price.Money) {
		p, err := Prepare(src.Conversations, Options{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := p.Run(base)
		if err != nil {
			t.Fatal(err)
		}
		fs, err := Findings(nil, res, FindingsOptions{})
		if err != nil {
			t.Fatal(err)
		}
		r2, err := p.Run(other)
		if err != nil {
			t.Fatal(err)
		}
		return fs, r2.Strategies[1].Totals.Cost
	}
	wantFs, wantCost := inTurn()
	p, err := Prepare(src.Conversations, Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Run(base)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan []Finding)
	go func() {
		fs, err := Findings(nil, res, FindingsOptions{})
		if err != nil {
			t.Error(err)
		}
		done <- fs
	}()
	r2, err := p.Run(other)
	if err != nil {
		t.Fatal(err)
	}
	fs := <-done
	if got := r2.Strategies[1].Totals.Cost; got != wantCost {
		t.Errorf("model=gpt-4+cache costs %s beside the findings, %s alone", got, wantCost)
	}
	if len(fs) != len(wantFs) {
		t.Fatalf("%d findings beside the recount, %d alone", len(fs), len(wantFs))
	}
	for i := range fs {
		if fs[i].Text != wantFs[i].Text {
			t.Errorf("finding %d: %q beside the recount, %q alone", i, fs[i].Text, wantFs[i].Text)
		}
	}
}
