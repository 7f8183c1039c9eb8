package profile

import (
	"context"
	"runtime"
	"testing"
	"unsafe"
	"weak"

	"github.com/tokenscope/tokenscope/transcripts"
	"github.com/tokenscope/tokenscope/transcripts/synthetic"
)

// TestStreamKeepsNoText checks that Load, counting, keeps counts, not
// text: once a file's conversations are added and dropped, the collector
// frees their texts, and what the stream holds per message stays small.
func TestStreamKeepsNoText(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := synthetic.WriteClaudeCode(dir, 4, 200<<10, 5); err != nil {
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
