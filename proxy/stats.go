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
	// RecordP50 and RecordP99 are the time the same calls waited for their
	// record to be written (group-committed) before their reply could end;
	// not part of the overhead above.
	RecordP50, RecordP99 time.Duration
}

func (p *Proxy) noteOverhead(c *call, end time.Time) {
	d := end.Sub(c.upstreamDone) - c.recordWait
	if !c.sent.IsZero() {
		d += c.sent.Sub(c.start)
	}
	p.statsMu.Lock()
	p.overhead[p.nOver%len(p.overhead)] = d
	p.waits[p.nOver%len(p.waits)] = c.recordWait
	p.nOver++
	p.calls++
	p.statsMu.Unlock()
}

// Stats returns the counts so far and overhead percentiles.
func (p *Proxy) Stats() Stats {
	p.statsMu.Lock()
	s := Stats{Calls: p.calls, Refused: p.refused}
	d := slices.Clone(p.overhead[:min(p.nOver, len(p.overhead))])
	w := slices.Clone(p.waits[:min(p.nOver, len(p.waits))])
	p.statsMu.Unlock()
	if len(d) == 0 {
		return s
	}
	slices.Sort(d)
	slices.Sort(w)
	s.P50, s.P99, s.Max = d[len(d)/2], d[len(d)*99/100], d[len(d)-1]
	s.RecordP50, s.RecordP99 = w[len(w)/2], w[len(w)*99/100]
	return s
}
