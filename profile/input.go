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
	// Findings are what to change in the log (see Findings); nil when not
	// computed.
	Findings []Finding
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

// FindFindings computes p.Findings (see Findings) with the prices and model
// the profile was run with.
func (p *Profile) FindFindings(opt FindingsOptions) error {
	if opt.Prices == nil {
		opt.Prices, opt.Model = p.Options.Prices, p.Options.Model
	}
	fs, err := Findings(p.Source.Conversations, p.Result, opt)
	if err != nil {
		return err
	}
	p.Findings = fs
	return nil
}
