package profile

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/profile/tokenize"
	"github.com/tokenscope/tokenscope/transcripts"
)

// TestSkeletonCountsMatchText checks that counts derived from a skeleton's
// raw counts, and tokenize.CallInput, equal counting the text, for
// tokenizers of one encoding with several factors and for another
// encoding, on real and tricky logs.
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
	toks := []*tokenize.Tokenizer{}
	for _, spec := range []struct {
		enc    string
		factor float64
		exact  bool
		image  int64
	}{{tokenize.O200kBase, 1, true, 0}, {tokenize.O200kBase, 1.10, false, 1398}, {tokenize.O200kBase, 1.43, false, 0}, {tokenize.CL100kBase, 1.05, false, 0}, {tokenize.CL100kBase, 1, true, 0}} {
		tk, err := tokenize.NewTokenizer(spec.enc, spec.factor, spec.exact)
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
			if !slices.Equal(got.Content, want.Content) || !slices.Equal(got.RAG, want.RAG) || !slices.Equal(got.Framing, want.Framing) {
				t.Errorf("%s: message counts differ from the text's", name)
			}
			if got.ToolDefs != want.ToolDefs {
				t.Errorf("%s: tool schemas %d, text says %d", name, got.ToolDefs, want.ToolDefs)
			}
			if !slices.Equal(got.Think, want.Think) {
				t.Errorf("%s: thinking sums differ", name)
			}
			// The proxy's count of a request is the engine's count of
			// the same messages (tokenize.CallInput without a skeleton).
			wantIn := want.ToolDefs + tokenize.ReplyPriming + want.sent(len(c.Messages))
			if in := tokenize.CallInput(c.Messages, c.Tools, tk); in != wantIn {
				t.Errorf("%s: CallInput %d, engine %d", name, in, wantIn)
			}
			checked++
		}
	}
	if len(convs) < 10 || checked == 0 {
		t.Fatalf("only %d conversations read", len(convs))
	}
}

// FuzzSkeletonCounts builds a conversation from the input (roles, texts,
// tool calls and schemas, names, retrieved spans, images, thinking) and
// checks that its skeleton's counts, and those of its edits' shapes, are
// the text's, for an exact and an estimated tokenizer of each encoding.
func FuzzSkeletonCounts(f *testing.F) {
	f.Add([]byte("system\x00You are terse.\x01user\x00Hi <context>doc</context>\x01assistant\x00Hello\x02get\x02{\"q\":1}\x01tool\x00result"))
	f.Add([]byte("user\x00\xff\xfe broken utf8 \x01assistant\x00\x03thinking hard\x01user\x00again"))
	f.Add([]byte("tool\x00orphan result\x01assistant\x00\x02a\x02\x02b\x02{}"))
	toks := []*tokenize.Tokenizer{}
	for _, spec := range []struct {
		enc    string
		factor float64
	}{{tokenize.O200kBase, 1}, {tokenize.O200kBase, 1.43}, {tokenize.CL100kBase, 1.05}} {
		tk, err := tokenize.NewTokenizer(spec.enc, spec.factor, spec.factor == 1)
		if err != nil {
			f.Fatal(err)
		}
		toks = append(toks, tk)
	}
	roles := map[string]transcripts.Role{"system": transcripts.RoleSystem, "user": transcripts.RoleUser, "assistant": transcripts.RoleAssistant, "tool": transcripts.RoleTool}
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &transcripts.Conversation{ID: "f", Path: "f.jsonl",
			Tools: []transcripts.Tool{{Name: "get", Description: "Get it.", Parameters: []byte(`{"type":"object","properties":{"q":{"type":"string","enum":["a","b"]}}}`)}}}
		for i, part := range strings.Split(string(data), "\x01") {
			role, text, _ := strings.Cut(part, "\x00")
			r, ok := roles[role]
			if !ok {
				r = transcripts.RoleUser
			}
			m := transcripts.Message{Role: r, Images: i % 3 / 2}
			fields := strings.Split(text, "\x02")
			m.Content = fields[0]
			for j := 1; j+1 < len(fields); j += 2 {
				m.ToolCalls = append(m.ToolCalls, transcripts.ToolCall{ID: fmt.Sprint(j), Name: fields[j], Arguments: fields[j+1]})
			}
			if th, rest, ok := strings.Cut(m.Content, "\x03"); ok && r == transcripts.RoleAssistant {
				m.Content, m.Reasoning = th, rest
			}
			if i%4 == 3 && r != transcripts.RoleTool {
				m.Name = "n" + fmt.Sprint(i)
			}
			if s, e := strings.Index(m.Content, "<context>"), strings.Index(m.Content, "</context>"); s >= 0 && e > s {
				m.RAGSpans = []string{m.Content[s : e+len("</context>")]}
			}
			c.Messages = append(c.Messages, m)
		}
		sk := newSkeleton(c)
		for _, tk := range toks {
			sk.countRaw(c, tk, 2)
			want, got := countConversation(c, tk, 1), sk.counts(tk)
			if !slices.Equal(got.Content, want.Content) || !slices.Equal(got.RAG, want.RAG) || !slices.Equal(got.Framing, want.Framing) ||
				got.ToolDefs != want.ToolDefs || !slices.Equal(got.Think, want.Think) {
				t.Fatalf("%s: skeleton counts differ from the text's", tk.Name())
			}
		}
	})
}

// An image is estimated at its provider's figure for about 1024×1024.
func TestImageEstimates(t *testing.T) {
	conv := &transcripts.Conversation{Messages: []transcripts.Message{{Role: "user", Images: 1}, {Role: "assistant"}}}
	for model, want := range map[string]int64{"gpt-4o": 765, "claude-sonnet-4-6": 1398, "gemini-2.5-pro": 1032, "deepseek-v3.2": 765} {
		p, _ := price.Default().Lookup(model)
		if got := countConversation(conv, p.Tokenizer(), 1).Content[0]; got != want {
			t.Errorf("%s: image = %d tokens, want %d", model, got, want)
		}
	}
}
