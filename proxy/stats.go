package proxy

import (
	"slices"
	"time"
)

// Stats are counts and the proxy's own added latency.
type Stats struct {
	Calls, Refused int64
	// Overhead percentiles over the last calls (up to 16384): time spent in
	// the proxy before the request left for the upstream, plus time after
	// the upstream's last byte until the response ended.
	P50, P99, Max time.Duration
}

func (p *Proxy) noteOverhead(c *call, end time.Time) {
	d := end.Sub(c.upstreamDone)
	if !c.sent.IsZero() {
		d += c.sent.Sub(c.start)
	}
	p.statsMu.Lock()
	p.overhead[p.nOver%len(p.overhead)] = d
	p.nOver++
	p.calls++
	p.statsMu.Unlock()
}

// Stats returns the counts so far and overhead percentiles.
func (p *Proxy) Stats() Stats {
	p.statsMu.Lock()
	s := Stats{Calls: p.calls, Refused: p.refused}
	d := slices.Clone(p.overhead[:min(p.nOver, len(p.overhead))])
	p.statsMu.Unlock()
	if len(d) == 0 {
		return s
	}
	slices.Sort(d)
	s.P50, s.P99, s.Max = d[len(d)/2], d[len(d)*99/100], d[len(d)-1]
	return s
}
