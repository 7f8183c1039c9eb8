package profile

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/tokenscope/tokenscope/transcripts"
)

// TestSkeletonCountsMatchText checks that counts derived from a skeleton's
// raw counts equal counting the text, for tokenizers of one encoding with
// several factors and for another encoding, on real and tricky logs.
func TestSkeletonCountsMatchText(t *testing.T) {
	paths := []string{
		"../transcripts/testdata/real/claude_code",
		"../transcripts/testdata/codex",
		"../transcripts/testdata/gemini",
		"../transcripts/testdata/openai_log.json",
		"../transcripts/testdata/llamafactory_glaive_toolcall.json",
		"../transcripts/testdata/anthropic_http.json",
	}
	var convs []*transcripts.Conversation
	convs = append(convs, transcripts.Demo(transcripts.Options{RAG: transcripts.RAGRule{Tags: []string{"context", "documents"}}}).Conversations...)
	for _, p := range paths {
		src, err := transcripts.Open(p, transcripts.Options{})
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		convs = append(convs, src.Conversations...)
	}
	toks := []*Tokenizer{}
	for _, spec := range []struct {
		enc    string
		factor float64
		exact  bool
		image  int64
	}{{O200kBase, 1, true, 0}, {O200kBase, 1.10, false, 1398}, {O200kBase, 1.43, false, 0}, {CL100kBase, 1.05, false, 0}, {CL100kBase, 1, true, 0}} {
		tk, err := NewTokenizer(spec.enc, spec.factor, spec.exact)
		if err != nil {
			t.Fatal(err)
		}
		tk.ImageTokens = spec.image
		toks = append(toks, tk)
	}
	checked := 0
	for _, c := range convs {
		sk := newSkeleton(c)
		for _, tk := range toks {
			sk.countRaw(c, tk, 2)
			want := countConversation(c, tk, 1)
			got := sk.counts(tk)
			name := filepath.Base(c.Path) + " " + tk.Name()
			if !slices.Equal(got.content, want.content) || !slices.Equal(got.rag, want.rag) || !slices.Equal(got.framing, want.framing) {
				t.Errorf("%s: message counts differ from the text's", name)
			}
			if got.toolDefs != want.toolDefs {
				t.Errorf("%s: tool schemas %d, text says %d", name, got.toolDefs, want.toolDefs)
			}
			if !slices.Equal(got.think, want.think) {
				t.Errorf("%s: thinking sums differ", name)
			}
			checked++
		}
	}
	if len(convs) < 10 || checked == 0 {
		t.Fatalf("only %d conversations read", len(convs))
	}
}
