package strategy

import (
	"errors"
	"hash/maphash"
	"strconv"
	"strings"
	"unicode"

	"github.com/tokenscope/tokenscope/transcripts"
)

// RespCacheStep is respcache[:match=exact|normalized|near,threshold=X]: a
// response cache in front of the model, across every conversation of a
// run. A call whose request matches an earlier call's is answered from the
// cache at no model cost:
//   - exact: every message sent is the same;
//   - normalized: the same after collapsing whitespace and case;
//   - near: the earlier messages match normalized, and the new message's
//     word 3-shingles have a Jaccard similarity of at least X (default
//     0.9) with the earlier call's — offline and deterministic.
//
// The history goes on as logged: a cached reply is the same reply.
type RespCacheStep struct {
	Match     string
	Threshold float64
}

var respCacheKind = &StepKind{
	Name:  "respcache",
	Usage: "respcache[:match=exact|normalized|near,threshold=X]",
	Doc:   "a response cache across conversations: a call whose request matches an earlier one's costs nothing",
	Stage: StageOutput,
	Order: 160,
	Parse: parseRespCache,
	// It matches requests by their text.
	Needs: func(Step) Needs { return Needs{Text: true} },
}

func parseRespCache(args string, hasArgs bool) (Step, error) {
	r := &RespCacheStep{Match: "exact", Threshold: 0.9}
	if !hasArgs {
		return r, nil
	}
	threshold := false
	err := eachArg(args, "respcache", []string{"match", "threshold"}, func(k, v string) error {
		if k == "match" {
			if v != "exact" && v != "normalized" && v != "near" {
				return badArg(k+"="+v, "match must be exact, normalized or near")
			}
			r.Match = v
			return nil
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 || f > 1 {
			return badArg(k+"="+v, "threshold must be a number in (0, 1]")
		}
		r.Threshold, threshold = f, true
		return nil
	})
	if err != nil {
		return nil, err
	}
	if r.Match != "near" && threshold {
		return nil, errors.New("threshold applies to match=near only")
	}
	return r, nil
}

// Kind returns the respcache kind.
func (*RespCacheStep) Kind() *StepKind { return respCacheKind }

func (r *RespCacheStep) String() string {
	switch r.Match {
	case "exact":
		return "respcache"
	case "near":
		return "respcache:match=near,threshold=" + strconv.FormatFloat(r.Threshold, 'f', -1, 64)
	}
	return "respcache:match=" + r.Match
}

// respCache is what the cache holds, shared by every conversation of a
// run: request keys seen, and for near matching the shingles of the new
// messages seen after each earlier part.
type respCache struct {
	seen     map[uint64]bool
	shingles map[uint64][]map[uint64]bool
}

var respSeed = maphash.MakeSeed()

func (r *RespCacheStep) Start(v *View) State {
	c := v.Env.Shared(r, func() any {
		return &respCache{seen: map[uint64]bool{}, shingles: map[uint64][]map[uint64]bool{}}
	}).(*respCache)
	msgs := v.Env.Text()
	if msgs == nil {
		// The text was not kept (Load keeps it when a strategy has a
		// response cache): nothing to match.
		return noState{}
	}
	return &respCacheState{r: r, c: c, msgs: msgs}
}

type respCacheState struct {
	r    *RespCacheStep
	c    *respCache
	msgs []transcripts.Message
	// prefix is the running hash of messages [0, done), so each message
	// is hashed once per conversation.
	prefix maphash.Hash
	done   int
	begun  bool
	// sys is the system prompt the calls send from the last one that
	// changed it (transcripts.Message.Prompt), "" before: part of the key.
	sys string
}

func (s *respCacheState) text(m *transcripts.Message) string {
	t := string(m.Role) + "\x00" + m.Content
	for _, tc := range m.ToolCalls {
		t += "\x00" + tc.Name + "\x00" + tc.Arguments
	}
	if s.r.Match != "exact" {
		t = strings.Join(strings.Fields(strings.ToLower(t)), " ")
	}
	return t
}

func (s *respCacheState) Apply(p *Plan) {
	if !s.begun {
		s.prefix.SetSeed(respSeed)
		s.begun = true
	}
	a := p.Info.Msg
	// The new message is the last one before the reply; the key of the
	// request is the hash of everything sent up to the reply.
	last := a - 1
	for ; s.done < max(last, 0); s.done++ {
		s.prefix.WriteString(s.text(&s.msgs[s.done]))
		s.prefix.WriteByte(0xff)
	}
	before := s.prefix.Sum64()
	if last < 0 {
		return
	}
	if pr := s.msgs[a].Prompt(); pr != nil {
		s.sys = "\x02" + strings.Join(pr.System, "\x00")
	}
	newText := s.text(&s.msgs[last])
	key := maphash.String(respSeed, strconv.FormatUint(before, 16)+s.sys+"\x01"+newText)
	hit := s.c.seen[key]
	var sh map[uint64]bool
	if s.r.Match == "near" {
		sh = shingles(newText)
		if !hit {
			for _, o := range s.c.shingles[before] {
				if jaccard(sh, o) >= s.r.Threshold {
					hit = true
					break
				}
			}
		}
	}
	if hit {
		p.Served = true
		p.Call.Served = true
		return
	}
	s.c.seen[key] = true
	if sh != nil {
		s.c.shingles[before] = append(s.c.shingles[before], sh)
	}
}

// shingles are the hashes of the text's word 3-grams (the words
// themselves when it has fewer than three).
func shingles(t string) map[uint64]bool {
	words := strings.FieldsFunc(t, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
	out := map[uint64]bool{}
	if len(words) < 3 {
		for _, w := range words {
			out[maphash.String(respSeed, w)] = true
		}
		return out
	}
	for i := 0; i+3 <= len(words); i++ {
		out[maphash.String(respSeed, words[i]+" "+words[i+1]+" "+words[i+2])] = true
	}
	return out
}

// jaccard is |a∩b| / |a∪b| (1 for two empty sets).
func jaccard(a, b map[uint64]bool) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 1
	}
	inter := 0
	for k := range a {
		if b[k] {
			inter++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

func init() { Register(respCacheKind) }
