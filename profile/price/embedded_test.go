package price

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"reflect"
	"testing"

	"go.yaml.in/yaml/v3"
)

var update = flag.Bool("update", false, "write prices.json from prices.yaml")

// prices.json is prices.yaml decoded and written as JSON, byte for byte
// what this test writes with -update: a table edited in YAML and not
// regenerated fails here.
func TestEmbeddedJSONCurrent(t *testing.T) {
	src, err := os.ReadFile("prices.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var yt yamlTable
	if err := yaml.Unmarshal(src, &yt); err != nil {
		t.Fatal(err)
	}
	want, err := json.MarshalIndent(yt, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, '\n')
	if *update {
		if err := os.WriteFile("prices.json", want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(want, embeddedJSON) {
		t.Fatal("prices.json is not prices.yaml: go test ./profile/price -run EmbeddedJSON -update")
	}
	// Decoding the JSON gives the table the YAML gives, row for row.
	fromJSON, err := embeddedTable()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromJSON, yt) {
		t.Fatal("prices.json decodes to another table than prices.yaml")
	}
	a, err := ParseYAML(src, "prices.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b := Default()
	if len(a.Models) != len(b.Models) || !reflect.DeepEqual(a.Models, b.Models) {
		t.Fatalf("the embedded table (%d models) is not prices.yaml's (%d)", len(b.Models), len(a.Models))
	}
}
