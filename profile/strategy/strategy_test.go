package strategy

import (
	"slices"
	"testing"
)

// The registry holds every kind once, in the order specs render and help
// lists them, whatever order the files register in.
func TestKindsOrder(t *testing.T) {
	var names []string
	for _, k := range Kinds() {
		names = append(names, k.Name)
	}
	want := []string{"full", "window", "summary", "compact", "clear", "clear-thinking", "cap", "cache", "batch",
		"model", "system", "output", "reasoning", "rag", "route", "respcache"}
	if !slices.Equal(names, want) {
		t.Errorf("kinds %v, want %v", names, want)
	}
}

// Tune ranges: triggers at or above the log's peak are left out, and the
// other values combine with each trigger, the trigger outermost
// (hand-written lists).
func TestTuneRanges(t *testing.T) {
	for _, tc := range []struct {
		kind *StepKind
		peak int64
		want []string
	}{
		{summaryKind, 5000, []string{
			"summary:trigger=4000,keep=1,size=400", "summary:trigger=4000,keep=1,size=800", "summary:trigger=4000,keep=1,size=1600",
			"summary:trigger=4000,keep=2,size=400", "summary:trigger=4000,keep=2,size=800", "summary:trigger=4000,keep=2,size=1600",
			"summary:trigger=4000,keep=4,size=400", "summary:trigger=4000,keep=4,size=800", "summary:trigger=4000,keep=4,size=1600"}},
		{clearKind, 16001, []string{
			"clear:trigger=8000,keep=1", "clear:trigger=8000,keep=3", "clear:trigger=8000,keep=6",
			"clear:trigger=16000,keep=1", "clear:trigger=16000,keep=3", "clear:trigger=16000,keep=6"}},
		{compactKind, 16000, nil},
		{windowKind, 4000, []string{"window:turns=1", "window:turns=2", "window:turns=3", "window:turns=4",
			"window:turns=6", "window:turns=8", "window:turns=12", "window:turns=16", "window:tokens=2000"}},
	} {
		if got := tc.kind.Tune(tc.peak); !slices.Equal(got, tc.want) {
			t.Errorf("%s.Tune(%d) = %q, want %q", tc.kind.Name, tc.peak, got, tc.want)
		}
	}
	if n := len(compactKind.Tune(0)); n != 4*3 {
		t.Errorf("compact with no peak known: %d specs, want every trigger and size (12)", n)
	}
}
