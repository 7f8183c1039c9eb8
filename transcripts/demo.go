package transcripts

import (
	"bytes"
	_ "embed"
)

// demoJSONL is the embedded demo: a Harbor Cloud support session of 38
// calls written for tokenscope (system prompt, tool schemas, tool calls,
// retrieved context and reported usage), in the native format.
//
//go:embed demo.jsonl
var demoJSONL []byte

// DemoName is the name the demo is shown under.
const DemoName = "demo:harbor-support"

// Demo returns the embedded demo conversation.
func Demo(opt Options) *Source {
	opt.Format = FormatNative
	src, err := Read(bytes.NewReader(demoJSONL), DemoName, opt)
	if err != nil {
		panic("tokenscope: embedded demo: " + err.Error()) // caught by tests
	}
	return src
}
