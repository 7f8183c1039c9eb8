package profile

import (
	"bytes"
	"flag"
	"os"
	"testing"

	"github.com/tokenscope/tokenscope/transcripts"
	"github.com/tokenscope/tokenscope/transcripts/synthetic"
)

func BenchmarkReadNative(b *testing.B) {
	var buf bytes.Buffer
	if err := transcripts.NewNativeWriter(&buf).Write(synthetic.Conversation(2000, 1)); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		if _, err := transcripts.Read(bytes.NewReader(data), "bench", transcripts.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSimulate runs the default strategies on counts already made.
func BenchmarkSimulate(b *testing.B) {
	for _, tc := range []struct {
		name string
		conv *transcripts.Conversation
	}{
		{"demo", transcripts.Demo(transcripts.Options{}).Conversations[0]},
		{"2000calls", synthetic.Conversation(2000, 2)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			convs := []*transcripts.Conversation{tc.conv}
			if _, err := Run(convs, Options{}); err != nil { // warm the count cache
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				if _, err := Run(convs, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

var largeOut = flag.String("large-out", "", "write a generated 2,000-call conversation (native JSONL) to this file")

// TestWriteLargeConversation writes the generated conversation used to
// time `tokenscope report` (see README, Performance). Skipped without
// -large-out.
func TestWriteLargeConversation(t *testing.T) {
	if *largeOut == "" {
		t.Skip("pass -large-out FILE")
	}
	f, err := os.Create(*largeOut)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := transcripts.NewNativeWriter(f).Write(synthetic.Conversation(2000, 3)); err != nil {
		t.Fatal(err)
	}
}
