package transcripts

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// ccDecoded is what the reader takes from a decoded line.
type ccDecoded struct {
	Head            ccHead
	Message         bool
	ID, Role, Model string
	Usage           *anUsage
	Messages        []Message
	ContentErr      string
}

func ccView(t *testing.T, cl *ccLine) ccDecoded {
	v := ccDecoded{Head: cl.ccHead, Message: cl.Message != nil}
	if m := cl.Message; m != nil {
		v.ID, v.Role, v.Model, v.Usage = m.ID, m.Role, m.Model, m.Usage
		blocks, err := cl.content("f", 1)
		if err != nil {
			v.ContentErr = err.Error()
		}
		v.Messages = blocksToMessages(RoleAssistant, blocks)
	}
	return v
}

// checkCCLine decodes line with the scanner and the general decoder: when
// the scanner takes it, both give the same. It reports whether the
// scanner took it.
func checkCCLine(t *testing.T, line []byte, where string) bool {
	t.Helper()
	var sc ccScan
	var fast, slow ccLine
	if !sc.line(line, &fast) {
		return false
	}
	if err := decodeCCLine(line, &slow); err != nil {
		t.Fatalf("%s: the scanner took a line the decoder refuses (%v): %.200q", where, err, line)
	}
	if f, s := ccView(t, &fast), ccView(t, &slow); !reflect.DeepEqual(f, s) {
		t.Fatalf("%s: scanner and decoder differ on %.300q:\n%+v\n%+v", where, line, f, s)
	}
	return true
}

func ccLines(t testing.TB, dirs ...string) (lines [][]byte) {
	for _, dir := range dirs {
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".jsonl") {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range bytes.Split(data, []byte{'\n'}) {
				if l = bytes.TrimSpace(l); len(l) > 0 {
					lines = append(lines, l)
				}
			}
			return nil
		})
	}
	return lines
}

// The scanner decodes every line of the Claude Code samples, real and
// generated, as the general decoder does.
func TestCCScanLikeDecoder(t *testing.T) {
	gen := t.TempDir()
	if _, _, err := WriteClaudeCode(gen, 3, 32<<10, 5); err != nil {
		t.Fatal(err)
	}
	lines := ccLines(t, "testdata/claude_code", "testdata/claude_code_branches", "testdata/real/claude_code", gen)
	taken := 0
	for i, l := range lines {
		if checkCCLine(t, l, fmt.Sprint("line ", i)) {
			taken++
		}
	}
	if len(lines) < 400 || taken != len(lines) {
		t.Errorf("the scanner took %d of %d lines", taken, len(lines))
	}
}

// Lines the scanner must leave to the general decoder (it would decode
// them differently, or they are not JSON), and lines it takes.
func TestCCScanEdges(t *testing.T) {
	const msg = `"message":{"role":"user","content":`
	for _, tc := range []struct {
		line  string
		taken bool
	}{
		{`{"type":"user",` + msg + `"h\u00e9llo \ud83d\ude00 \" \\ \/ \b\f\n\r\t"}}`, true},
		{`{"type":"user",` + msg + `[{"type":"tool_result","tool_use_id":"t","content":[{"type":"text","text":"a"},{"type":"image","source":{}},{"text":"b","type":"text"}]}]}}`, true},
		{`{"type":"user",` + msg + `[{"type":"tool_result","tool_use_id":"t","content":"plain"}]}}`, true},
		{` { "type" : "user" , "message" : { "role" : "user" , "content" : [ ] } } `, true},
		{`{"type":"assistant","message":{"id":"m","model":"x","content":[{"type":"tool_use","id":"t","name":"Read","input":{ "a" : [1, 2.5e-3, true, null] } }],"usage":{"input_tokens":3,"output_tokens":4}}}`, true},
		{`{"type":"user","message":null,"parentUuid":null,"timestamp":null}`, true},
		{`{"type":"user","timestamp":"2026-01-02T03:04:05Z","toolUseResult":{"stdout":"x\u0000y","n":[-0,1E+2]}}`, true},
		{`{"type":"user","timestamp":"yesterday"}`, true},
		{`{"type":"assistant","message":{"usage":{"input_tokens":null,"output_tokens":-0,"cache_creation":null,"server_tool_use":{"web_search_requests":0}}}}`, true},
		{`{"type":"assistant","message":{"usage":{"cache_creation":{"ephemeral_5m_input_tokens":null,"ephemeral_1h_input_tokens":7,"x":1}}}}`, true},
		{`{"type":"assistant","message":{"usage":{"input_tokens":1,"iterations":[{"type":"compaction","input_tokens":5}]}}}`, true},
		{`{"type":"assistant","message":{"usage":{"input_tokens":1234567890123456789}}}`, true},
		{`{"type":"assistant","message":{"usage":{"input_tokens":12345678901234567890}}}`, false},
		{`{"type":"assistant","message":{"usage":{"input_tokens":1,"Output_tokens":2}}}`, true},
		{`{"Type":"user"}`, false},                      // matches only by case
		{`{"typ\u0065":"user"}`, false},                 // matches only once unescaped
		{`{"type":"user","type":"assistant"}`, false},   // repeated
		{`{"type":"us\xffer"}`, false},                  // not UTF-8
		{`{"type":"user",` + msg + `"\ud83d"}}`, false}, // lone surrogate
		{`{"type":5}`, false},                           // wrong type
		{`{"type":"user",` + msg + `{"a":1}}}`, false},  // content neither string nor blocks
		{`{"type":"user",` + msg + `[{"type":"tool_result","content":{"a":1}}]}}`, false},
		{`{"type":"assistant","message":{"content":[{"type":"tool_use","input":null}]}}`, false},
		{`{"type":"user","timestamp":5}`, false},
		{`{"type":"user","x":[1,]}`, false},             // not JSON
		{`{"type":"user","x":"a` + "\t" + `b"}`, false}, // a raw control character
		{`{"type":"user","x":01}`, false},
		{`{"type":"user"} x`, false},
		{`{"type":"user","message":{"usage":{"input_tokens":1.5}}}`, false},
		{`{"type":"user","x":` + strings.Repeat("[", 600) + strings.Repeat("]", 600) + `}`, false},
	} {
		var sc ccScan
		var cl ccLine
		if got := sc.line([]byte(tc.line), &cl); got != tc.taken {
			t.Errorf("taken %v, want %v: %s", got, tc.taken, tc.line)
			continue
		}
		if tc.taken {
			checkCCLine(t, []byte(tc.line), tc.line)
		}
	}
	var sc ccScan
	var cl ccLine
	if !sc.line([]byte(`{"type":"user",`+msg+`"h\u00e9llo \ud83d\ude00 \" \\ \/ \n"}}`), &cl) || cl.blocks[0].Text != "héllo 😀 \" \\ / \n" {
		t.Errorf("text %q", cl.blocks[0].Text)
	}
}

// FuzzCCScan: whatever line the scanner takes, the general decoder
// decodes the same way.
func FuzzCCScan(f *testing.F) {
	for _, l := range ccLines(f, "testdata/claude_code", "testdata/claude_code_branches") {
		f.Add(l)
	}
	f.Add([]byte(`{"type":"user","message":{"content":[{"type":"tool_result","content":[{"type":"text","text":"a\u00e9"}]}]}}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] != '{' {
			return
		}
		checkCCLine(t, line, "fuzz")
	})
}

// BenchmarkCCDecode decodes the lines of a generated Claude Code tree
// (or -cc-dir): the scanner, and the general decoder it falls back to.
func BenchmarkCCDecode(b *testing.B) {
	dir, _ := ccBenchDir(b)
	var lines [][]byte
	size := 0
	for _, l := range ccLines(b, dir) {
		if !ccSkipHead(l) { // streamed past unread by the reader
			lines = append(lines, l)
			size += len(l)
		}
	}
	for _, tc := range []struct {
		name   string
		decode func(*ccScan, []byte, *ccLine) error
	}{
		{"scan", (*ccScan).decode},
		{"general", func(_ *ccScan, l []byte, cl *ccLine) error { return decodeCCLine(l, cl) }},
		{"skip", func(sc *ccScan, l []byte, cl *ccLine) error {
			sc.Data, sc.Pos = l, 0
			if !sc.Skip() {
				b.Fatal("not JSON")
			}
			return nil
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			var sc ccScan
			for range b.N {
				for _, l := range lines {
					var cl ccLine
					if err := tc.decode(&sc, l, &cl); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// FuzzCCScanReader: a Claude Code file reads the same, conversations or
// error, whether its lines go through the scanner or the general decoder
// alone.
func FuzzCCScanReader(f *testing.F) {
	seeds(f)
	general := func(_ *ccScan, l []byte, cl *ccLine) error { return decodeCCLine(l, cl) }
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, ferr := readClaudeCodeWith(bytes.NewReader(data), "fuzz", (*ccScan).decode)
		slow, serr := readClaudeCodeWith(bytes.NewReader(data), "fuzz", general)
		if fmt.Sprint(ferr) != fmt.Sprint(serr) {
			t.Fatalf("scanner: %v\ngeneral: %v", ferr, serr)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("the scanner reads %d conversations differently", len(fast))
		}
	})
}
