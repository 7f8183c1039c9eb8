package main

import (
	"encoding/json"
	"math"
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

// The report rolls subagents up into their session, in JSON and in the
// text: the fixture's 4b1c2d3e is billed $0.0541785 with its sidechain
// (msg_01S, 900 in and 21 out of haiku: $0.001005) and its subagent log
// (msg_01G, 640 in and 19 out: $0.000735), as profile's usage test works
// out by hand; the real tree's session $0.32125445 of which $0.17680695.
func TestReportSessionSubagents(t *testing.T) {
	root, _ := subagentTree(t)
	for _, tc := range []struct {
		path, text        string
		billed, agentsUSD float64
		agents            int
	}{
		{ccFixture, "session 4b1c2d3e: $0.0542 billed, of which subagents $0.00174, 2 agents", 0.0541785, 0.00174, 2},
		{root, "session 5e55: $0.3213 billed, of which subagents $0.1768, 2 agents", 0.32125445, 0.17680695, 2},
	} {
		code, out, errs := tokenscope(t, "report", tc.path, "--format", "json", "--no-calls", "--no-findings")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		var doc struct {
			Sessions []struct {
				Session   string  `json:"session"`
				Billed    float64 `json:"billed_usd"`
				AgentsUSD float64 `json:"subagents_billed_usd"`
				Agents    []struct {
					ID string `json:"id"`
				} `json:"subagents"`
			} `json:"sessions"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		if len(doc.Sessions) != 1 {
			t.Fatalf("%s: sessions %+v", tc.path, doc.Sessions)
		}
		s := doc.Sessions[0]
		if math.Abs(s.Billed-tc.billed) > 1e-12 || math.Abs(s.AgentsUSD-tc.agentsUSD) > 1e-12 || len(s.Agents) != tc.agents {
			t.Errorf("%s: %+v", tc.path, s)
		}
		if _, out, _ := tokenscope(t, "report", tc.path, "--no-findings"); !strings.Contains(out, tc.text) {
			t.Errorf("%s: no %q in\n%s", tc.path, tc.text, out)
		}
	}
}
