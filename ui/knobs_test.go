package ui

import "testing"

// Every knob turns the number of the first step that has it, by its step,
// and stops at its floor (or ceiling); strategies without it are left as
// they are.
func TestKnobDials(t *testing.T) {
	for _, tc := range []struct {
		spec  string
		k     knob
		dir   int
		want  string
		value string
	}{
		{"window:turns=8", knobWindow, 1, "window:turns=9", "9 exchanges"},
		{"window:turns=0", knobWindow, -1, "window:turns=0", "0 exchanges"},
		{"window:tokens=8000", knobWindow, -1, "window:tokens=7000", "7000 tokens"},
		{"window:tokens=1000", knobWindow, -1, "window:tokens=1000", "1000 tokens"},
		{"summary:trigger=12000,keep=4,size=600", knobTrigger, 1, "summary:trigger=14000,keep=4,size=600", "14000 tokens"},
		{"summary:trigger=12000,keep=4,size=600", knobKeep, -1, "summary:trigger=12000,keep=3,size=600", "3 exchanges"},
		{"summary:trigger=12000,keep=4,size=100", knobSize, -1, "summary:trigger=12000,keep=4,size=100", "100 tokens"},
		{"clear:trigger=6000,keep=3", knobTrigger, -1, "clear:trigger=4000,keep=3", "clear at 4000 tokens"},
		{"clear:trigger=6000,keep=0", knobKeep, -1, "clear:trigger=6000,keep=0", "clear keeps 0 tool uses"},
		{"compact:trigger=50000,size=2000", knobTrigger, 1, "compact:trigger=52000,size=2000", "compact at 52000 tokens"},
		{"compact:trigger=98%,size=2000", knobTrigger, 1, "compact:trigger=100%,size=2000", "compact at 100% of the window"},
		{"compact:trigger=50%,size=2000", knobSize, 1, "compact:trigger=50%,size=2100", "compaction 2100 tokens"},
		{"clear-thinking:keep=1", knobKeep, -1, "clear-thinking:keep=1", "thinking of 1 turns"},
		{"cap:512", knobCap, -1, "cap:384", "384 tokens"},
		{"cap:100", knobCap, -1, "cap:64", "64 tokens"},
	} {
		specs, value, ok := turnKnob([]string{"full", tc.spec}, tc.k, tc.dir)
		if !ok || specs[0] != "full" || specs[1] != tc.want || value != tc.value {
			t.Errorf("%s %s %+d: %v %q %v, want %s %q", tc.spec, tc.k, tc.dir, specs, value, ok, tc.want, tc.value)
		}
	}
	if _, _, ok := turnKnob([]string{"full", "cache"}, knobCap, 1); ok {
		t.Error("cap turned on strategies without one")
	}
}
