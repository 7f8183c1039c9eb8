package profile

import (
	"github.com/tokenscope/tokenscope/transcripts"
)

// Profile reads nothing: it runs convs and wraps the result with what a
// report needs. It is what `report`, `replay` and the demo share.
type Profile struct {
	Source *transcripts.Source
	Result *Result
	// NoCalls leaves the per-call rows out of the JSON report (totals and
	// per-conversation totals stay): large directories make large reports.
	NoCalls bool
	// Options are those the profile was run with.
	Options Options
	// WhatIf names the what-ifs applied to the source, as flags ("" when
	// none): reports say it in their header.
	WhatIf string
}

// New profiles a source.
func New(src *transcripts.Source, opt Options) (*Profile, error) {
	res, err := Run(src.Conversations, opt)
	if err != nil {
		return nil, err
	}
	return &Profile{Source: src, Result: res, Options: opt}, nil
}
