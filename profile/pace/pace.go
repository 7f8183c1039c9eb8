// Package pace follows the spend of running agent sessions from their
// logs' reported usage: running totals per file that grow with each
// appended call, burn rate, 5-hour blocks, plan-window forecasts and
// context fill. It tokenizes nothing, so it loads no BPE table: the
// statusline runs it every few hundred milliseconds.
package pace

import (
	"time"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/transcripts"
	"github.com/tokenscope/tokenscope/transcripts/follow"
)

// Totals are the billed usage of a set of calls.
type Totals struct {
	Calls int `json:"calls"`
	// Unpriced counts calls with usage whose model has no price: their
	// tokens are counted, not their cost.
	Unpriced    int         `json:"unpriced,omitempty"`
	Cost        price.Money `json:"cost"`
	Saved       price.Money `json:"saved"` // what caching saved (see CacheSaving)
	Input       int64       `json:"input"` // uncached input
	Output      int64       `json:"output"`
	CacheReads  int64       `json:"cache_reads"`
	CacheWrites int64       `json:"cache_writes"`
}

// CostText is the billed cost as shown: "unpriced" when no call has a
// price (never $0.00), else the cost followed by partly when some calls
// have none.
func (t Totals) CostText(partly string) string {
	if t.Unpriced > 0 && t.Unpriced == t.Calls {
		return "unpriced"
	}
	if t.Unpriced > 0 {
		return t.Cost.String() + partly
	}
	return t.Cost.String()
}

// Add adds o to t.
func (t *Totals) Add(o Totals) {
	t.Calls += o.Calls
	t.Unpriced += o.Unpriced
	t.Cost = t.Cost.Add(o.Cost)
	t.Saved = t.Saved.Add(o.Saved)
	t.Input += o.Input
	t.Output += o.Output
	t.CacheReads += o.CacheReads
	t.CacheWrites += o.CacheWrites
}

func (t *Totals) sub(o Totals) {
	t.Calls -= o.Calls
	t.Unpriced -= o.Unpriced
	t.Cost = t.Cost.Add(-o.Cost)
	t.Saved = t.Saved.Add(-o.Saved)
	t.Input -= o.Input
	t.Output -= o.Output
	t.CacheReads -= o.CacheReads
	t.CacheWrites -= o.CacheWrites
}

// Tokens is every token of the calls.
func (t *Totals) Tokens() int64 { return t.Input + t.Output + t.CacheReads + t.CacheWrites }

// HitRate is the share of input tokens read from the cache; false when
// there was no input.
func (t *Totals) HitRate() (float64, bool) {
	in := t.Input + t.CacheReads + t.CacheWrites
	if in <= 0 {
		return 0, false
	}
	return float64(t.CacheReads) / float64(in), true
}

// Call is one call's billed figures.
type Call struct {
	ID    string    `json:"id,omitempty"` // response id ("" when the log has none)
	Time  time.Time `json:"t"`
	Model string    `json:"model,omitempty"`
	Totals
}

// Context is the input the call sent: what filled the model's window.
func (c *Call) Context() int64 { return c.Input + c.CacheReads + c.CacheWrites }

// CacheSaving is what prompt caching saved on one call: its input priced
// as if every cache read and write had been uncached input, less what it
// was billed (negative when writes cost more than reads saved).
func CacheSaving(p *price.Model, u *transcripts.Usage, batch bool) price.Money {
	uncached := *u
	uncached.CachedInputTokens, uncached.CacheWriteTokens, uncached.CacheWrite1hTokens = 0, 0, 0
	return p.Billed(&uncached, batch).Add(-p.Billed(u, batch))
}

// Pricer prices calls with a table loaded on first use (a statusline run
// with nothing new to read never parses it), each model looked up once.
type Pricer struct {
	Load   func() *price.Table // nil: the embedded table
	table  *price.Table
	models map[string]*price.Model
}

// Price returns the call b bills, priced.
func (p *Pricer) Price(b *transcripts.Billed) Call {
	c := Call{ID: b.ResponseID, Time: b.Time, Model: b.Model}
	c.Calls = 1
	u := b.Usage
	if u == nil {
		return c
	}
	c.Input = max(0, u.InputTokens-u.CachedInputTokens-u.CacheWriteTokens)
	c.Output = u.OutputTokens
	c.CacheReads = u.CachedInputTokens
	c.CacheWrites = u.CacheWriteTokens
	mp := p.model(b.Model)
	if mp == nil {
		c.Unpriced = 1
		return c
	}
	c.Cost = mp.Billed(u, b.Batch)
	c.Saved = CacheSaving(mp, u, b.Batch)
	return c
}

// CachedInputCost is what reading tokens of model from the cache costs,
// 0 when the model has no price.
func (p *Pricer) CachedInputCost(model string, tokens int64) price.Money {
	mp := p.model(model)
	if mp == nil {
		return 0
	}
	return mp.RatesFor(tokens).CachedInput.Cost(tokens)
}

// Window is the context window of model, 0 when unknown.
func (p *Pricer) Window(model string) int64 {
	if mp := p.model(model); mp != nil {
		return mp.ContextWindow
	}
	return 0
}

func (p *Pricer) model(id string) *price.Model {
	if mp, ok := p.models[id]; ok {
		return mp
	}
	if p.table == nil {
		if p.Load != nil {
			p.table = p.Load()
		}
		if p.table == nil {
			p.table = price.Default()
		}
		p.models = map[string]*price.Model{}
	}
	mp, _ := p.table.Lookup(id)
	p.models[id] = mp
	return mp
}

// keepRecent is how many of a file's last calls are kept whatever their
// age: Claude Code logs a response once per content block, each line with
// the usage so far, and the last line's usage is the one billed.
const keepRecent = 16

// RecentSpan is how far back a file keeps its calls for burn rates.
const RecentSpan = 15 * time.Minute

// File is one log's running totals: each call appended adds to them once,
// a response logged again replaces its earlier figures.
type File struct {
	Tail   follow.Tail `json:"tail"`
	Totals Totals      `json:"totals"`
	// Recent are the file's calls of the last RecentSpan before its newest,
	// and at least its last keepRecent, oldest first.
	Recent []Call `json:"recent,omitempty"`
	// Agent marks a subagent's log.
	Agent bool `json:"agent,omitempty"`
	// Resume holds back a resumed session's copied calls.
	Resume Resume `json:"resume,omitzero"`
}

// Add counts call c; a response already counted (same id among the recent
// calls) has its figures replaced by c's. It reports whether c was new.
func (f *File) Add(c Call) bool {
	_, replaced := f.add(c)
	return !replaced
}

// add is Add returning the call replaced.
func (f *File) add(c Call) (old Call, replaced bool) {
	if c.ID != "" {
		for i := len(f.Recent) - 1; i >= 0; i-- {
			if f.Recent[i].ID == c.ID {
				old = f.Recent[i]
				f.Totals.sub(old.Totals)
				f.Totals.Add(c.Totals)
				f.Recent[i] = c
				return old, true
			}
		}
	}
	f.Totals.Add(c.Totals)
	f.Recent = append(f.Recent, c)
	f.prune()
	return Call{}, false
}

// prune drops the calls older than RecentSpan before the newest, keeping
// the last keepRecent.
func (f *File) prune() {
	if len(f.Recent) <= keepRecent {
		return
	}
	newest := f.Recent[len(f.Recent)-1].Time
	drop := 0
	for drop < len(f.Recent)-keepRecent && newest.Sub(f.Recent[drop].Time) > RecentSpan {
		drop++
	}
	if drop > 0 {
		f.Recent = append(f.Recent[:0], f.Recent[drop:]...)
	}
}

// Last is the file's newest call, nil when it has none.
func (f *File) Last() *Call {
	if len(f.Recent) == 0 {
		return nil
	}
	return &f.Recent[len(f.Recent)-1]
}

// Reset forgets what was read (the file was replaced).
func (f *File) Reset() {
	agent := f.Agent
	*f = File{Tail: follow.Tail{Path: f.Tail.Path}, Agent: agent}
}
