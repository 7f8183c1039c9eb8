package price

import "testing"

// Lookup remembers its answers per id, misses included, and forgets them
// when the table is indexed again.
func TestLookupMemo(t *testing.T) {
	table := Default().Merge(&Table{}, "test")
	for range 2 { // the second time from the memo
		for id, want := range map[string]string{"claude-sonnet-4-5-20250929": "claude-sonnet-4-5", "openai/gpt-4o-2024-08-06": "gpt-4o", "no-such-model-7": ""} {
			p, ok := table.Lookup(id)
			if got := ""; ok {
				got = p.ID
				if got != want {
					t.Errorf("Lookup(%q) = %s, want %s", id, got, want)
				}
			} else if want != "" || p != nil {
				t.Errorf("Lookup(%q) = %v, %v; want %s", id, p, ok, want)
			}
		}
	}
	table.Models = append(table.Models, &Model{ID: "no-such-model-7"})
	table.index()
	if p, ok := table.Lookup("no-such-model-7"); !ok || p.ID != "no-such-model-7" {
		t.Errorf("after index: %v, %v", p, ok)
	}
}
