package profile

import (
	"runtime"
	"time"

	"github.com/tokenscope/tokenscope/profile/price"
	"github.com/tokenscope/tokenscope/profile/tokenize"
	"github.com/tokenscope/tokenscope/transcripts"
)

// stream prepares conversations as they are read, one file at a time, and
// keeps their counts, not their text: a directory of any size is profiled
// in the memory its counts take (a few dozen bytes a message). Count runs
// on many goroutines, Add in file order; Prepared then simulates as
// Prepare's result does, keeping totals only (Result.EachCall simulates a
// strategy's calls again for the rows of a report).
//
// The text is kept when a strategy reads it (a response cache).
type stream struct {
	e        *engine
	models   []*price.Model // models strategies price on, whose encodings are counted too
	keepText bool
	p        *Prepared
}

// newStream returns a stream for opt; opt.Strategies are the strategies
// that will be run on it (their models' encodings are counted too), nil
// for the defaults.
func newStream(opt Options) (*stream, error) {
	e, err := newEngine(opt)
	if err != nil {
		return nil, err
	}
	// A strategy that cannot run fails before the log is read.
	if err := checkStrategies(opt.Strategies, e.opt.Prices); err != nil {
		return nil, err
	}
	e.sources = newSourceIndex()
	s := &stream{e: e, p: &Prepared{e: e, noRows: true, lazy: true}}
	for _, st := range opt.Strategies {
		n := st.Needs()
		s.keepText = s.keepText || n.Text
		for _, id := range n.Models {
			if m, ok := e.opt.Prices.Lookup(id); ok {
				s.models = append(s.models, m)
			}
		}
	}
	return s, nil
}

// fileCounts is one file's conversations counted by stream.Count, for Add:
// per conversation, its text's raw counts in each encoding wanted.
type fileCounts struct{ texts [][]*tokenize.Text }

// Count counts the texts of one file's conversations. It is safe for
// concurrent use; pass what it returns to Add.
func (s *stream) Count(convs []*transcripts.Conversation) *fileCounts {
	e := s.e
	out := make([][]*tokenize.Text, len(convs))
	workers := 1
	if len(convs) == 1 && len(convs[0].Messages) > 4096 {
		workers = runtime.GOMAXPROCS(0) // one long session: split it
	}
	for i, c := range convs {
		id := e.opt.Model
		if id == "" {
			id = c.Model
		}
		if id == "" {
			id = mostUsedModel(c)
		}
		p, _ := e.opt.Prices.Lookup(id)
		tok := e.primaryTokenizer(id, p)
		encs := map[string]bool{tok.Encoding: true}
		out[i] = append(out[i], tokenize.CountText(c, tok, workers))
		// The encodings of the models strategies and the best-strategy
		// finding may price on (a cheaper sibling), while the text is here.
		more := s.models
		if p != nil {
			more = append(more, e.opt.Prices.CheaperSiblings(p)...)
		}
		for _, m := range more {
			if !encs[m.Encoding] {
				encs[m.Encoding] = true
				out[i] = append(out[i], tokenize.CountText(c, e.tokenizer(m), workers))
			}
		}
	}
	return &fileCounts{out}
}

// Add keeps one file's conversations, counted by Count, in file order,
// once the marks of responses repeated from earlier files are set
// (transcripts.Walk does both). The conversations' text is not kept.
func (s *stream) Add(convs []*transcripts.Conversation, counted *fileCounts) {
	var ks [][]*tokenize.Text
	if counted != nil {
		ks = counted.texts
	}
	for i, c := range convs {
		sk := newSkeleton(c)
		if i < len(ks) {
			for _, k := range ks[i] {
				sk.attach(k)
			}
		}
		if s.keepText {
			sk.conv = c
		}
		pc := s.e.prepare(sk)
		pc.idx = len(s.p.pcs)
		s.e.sources.add(pc)
		s.p.pcs = append(s.p.pcs, stubOf(pc))
		s.p.shape.Add(sk.shape)
	}
}

// Prepared ends the stream: ids, when not nil, rename the conversations
// (transcripts.UniqueIDs on IDs' result). Run on what it returns keeps
// totals, not calls.
func (s *stream) Prepared(ids []string) *Prepared {
	for i, id := range ids {
		if i < len(s.p.pcs) {
			s.p.pcs[i].info.ID = id
			s.p.pcs[i].sk.id = id
		}
	}
	s.p.finish()
	return s.p
}

// strategy.Defaults is the default strategy set for the prepared log
// (strategy.DefaultsFor).
func (p *Prepared) DefaultStrategies() []string { return p.shape.Defaults() }

// CallTimes returns when the call answered by message msg of conversation
// conv was sent (the last time logged before the response) and answered,
// as far as the log says; zero when unknown.
func (r *Result) CallTimes(conv, msg int) (start, end time.Time) {
	if r == nil || r.prep == nil || conv < 0 || conv >= len(r.prep.pcs) {
		return
	}
	msgs := r.prep.pcs[conv].sk.msgs
	if msg < 0 || msg >= len(msgs) {
		return
	}
	end = msgs[msg].time()
	for i := msg - 1; i >= 0; i-- {
		if msgs[i].at != 0 {
			start = msgs[i].time()
			break
		}
	}
	if start.IsZero() || start.After(end) {
		start = end
	}
	return
}
