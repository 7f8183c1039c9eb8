package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// subagentTree lays out a real session (short.jsonl) with two real
// subagent logs under <session>/subagents/, as Claude Code writes them.
func subagentTree(t *testing.T) (root, session string) {
	root = filepath.Join(t.TempDir(), "projects")
	session = filepath.Join(root, "-home-dev-shop", "5e55")
	copyFile(t, realCC+"spotter/short.jsonl", session+".jsonl")
	copyFile(t, realCC+"spotter-agents/ae4a77f8-aedd-4bc1-888f-c94edc91af04/subagents/agent-aac57f5.jsonl", session+"/subagents/agent-aac57f5.jsonl")
	copyFile(t, realCC+"spotter-agents/fa812bfe-b295-4cca-9c2f-fdf01028cb46/subagents/agent-a93ccab.jsonl", session+"/subagents/agent-a93ccab.jsonl")
	return root, session
}

// A parent session's usage line includes its subagents and shows their
// part apart: 144,447,500,000 + 86,663,700,000 + 90,143,250,000 pico-
// dollars (transcripts/testdata/README), of which the last two are the
// agents'.
func TestUsageSessionSubagents(t *testing.T) {
	root, _ := subagentTree(t)
	code, out, errs := tokenscope(t, "usage", "session", root)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"-home-dev-shop/5e55     15", "$0.3213\n     of which subagents $0.1768, 2 agents\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	code, out, _ = tokenscope(t, "usage", "session", root, "--format", "json")
	var doc struct {
		Rows []struct {
			Key       string `json:"key"`
			Cost      string `json:"cost_usd_exact"`
			AgentCost string `json:"subagent_cost_usd_exact"`
			Agents    int    `json:"subagents"`
		} `json:"rows"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 0 || len(doc.Rows) != 1 {
		t.Fatalf("exit %d, %v:\n%s", code, err, out)
	}
	r := doc.Rows[0]
	if r.Cost != "0.321254450000" || r.AgentCost != "0.176806950000" || r.Agents != 2 {
		t.Errorf("row %+v", r)
	}
}
