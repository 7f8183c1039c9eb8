package tokenize

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var updateTables = flag.Bool("update-tables", false, "write tables/*.bin from the embedded .tiktoken files")

// TestTablesCurrent: the embedded tables are exactly what the .tiktoken
// files make (-update-tables writes them), and the tables viewed from them
// find every token of the file with its rank.
func TestTablesCurrent(t *testing.T) {
	for _, name := range []string{O200kBase, CL100kBase} {
		parsed, err := parseFastBPE(name)
		if err != nil {
			t.Fatal(err)
		}
		want := marshalTables(parsed)
		path := filepath.Join("tables", name+".bin")
		if *updateTables {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if !bytes.Equal([]byte(embeddedTables(name)), want) {
			t.Fatalf("%s: embedded tables differ from what %s.tiktoken makes: go generate ./profile/tokenize", path, name)
		}
		viewed, err := viewTables(name, embeddedTables(name))
		if err != nil {
			t.Fatal(err)
		}
		ranks := tiktokenRanks(t, name)
		for piece, want := range ranks {
			if got, ok := viewed.rank(piece); !ok || got != want {
				t.Fatalf("%s: %q has rank %d, %v; want %d", name, piece, got, ok, want)
			}
		}
		for _, absent := range []string{"qqqqqqqqqqqqqqqqqqqqqqqqqqqqq", "\x00\x01\x02\x03\x04\x05\x06\x07\x08", "zzzzzzzzz"} {
			if _, ok := ranks[absent]; ok {
				continue
			}
			if r, ok := viewed.rank(absent); ok {
				t.Errorf("%s: %q found with rank %d", name, absent, r)
			}
		}
	}
}

// TestViewTablesRefuses: a cut or foreign table file is refused (the
// tokenizer then parses the .tiktoken file), never read past its end.
func TestViewTablesRefuses(t *testing.T) {
	good := embeddedTables(CL100kBase)
	for name, data := range map[string]string{
		"empty":     "",
		"magic":     "tsbpe\x00\x00\x09" + good[8:],
		"cut":       good[:len(good)/2],
		"one short": good[:len(good)-1],
		"header":    good[:40],
	} {
		if _, err := viewTables(CL100kBase, data); err == nil {
			t.Errorf("%s: viewed", name)
		}
	}
	// Unaligned data is copied, not refused.
	unaligned := ("x" + good)[1:]
	if f, err := viewTables(CL100kBase, unaligned); err != nil || f.count("hello world") != 2 {
		t.Errorf("unaligned: %v", err)
	}
}
