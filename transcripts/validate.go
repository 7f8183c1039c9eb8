package transcripts

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tokenscope/tokenscope/transcripts/internal/jsonerr"
)

// MaxTokens bounds any token count a log reports for one call: no model
// takes or writes a billion tokens in one call, so a larger figure is a
// corrupt log, and refusing it keeps every later sum far from overflow.
const MaxTokens = 1_000_000_000

// MaxImages bounds the images of one message, for the same reason.
const MaxImages = 100_000

// checkUsage rejects reported usage that cannot be: a negative count or one
// above MaxTokens. path is the JSON path of the usage object; the error
// names the field as the log spells it where the reader knows it.
func checkUsage(file string, line int, path string, u *Usage) error {
	if u == nil {
		return nil
	}
	for _, f := range []struct {
		name string
		v    int64
	}{
		{"input_tokens", u.InputTokens}, {"cached_input_tokens", u.CachedInputTokens},
		{"cache_write_tokens", u.CacheWriteTokens}, {"cache_write_1h_tokens", u.CacheWrite1hTokens},
		{"output_tokens", u.OutputTokens}, {"reasoning_tokens", u.ReasoningTokens},
	} {
		switch {
		case f.v < 0:
			return &Error{File: file, Line: line, Path: path, Msg: fmt.Sprintf("%s is negative (%d)", f.name, f.v)}
		case f.v > MaxTokens:
			return &Error{File: file, Line: line, Path: path, Msg: fmt.Sprintf("%s is %d, more than any call can have (%d)", f.name, f.v, int64(MaxTokens))}
		}
	}
	return nil
}

// allZero reports whether u is present and every count in it is 0.
func (u *Usage) allZero() bool {
	return u != nil && *u == Usage{}
}

func pluralCalls(n int) string {
	if n == 1 {
		return "1 call reports"
	}
	return fmt.Sprintf("%d calls report", n)
}

// usageOddity says what is inconsistent in u (cache reads and writes
// beyond the input, reasoning beyond the output), or "". Every format,
// the native one too, reads such usage as logged with a warning: each
// count is possible on its own, providers' quirks make such logs exist,
// and refusing them would lose what was billed. Only counts that cannot
// be (negative, above MaxTokens) are rejected.
func usageOddity(u *Usage) string {
	if u == nil {
		return ""
	}
	switch {
	case u.CachedInputTokens+u.CacheWriteTokens > u.InputTokens:
		return fmt.Sprintf("cache reads %d + writes %d exceed input_tokens %d", u.CachedInputTokens, u.CacheWriteTokens, u.InputTokens)
	case u.CacheWrite1hTokens > u.CacheWriteTokens:
		return fmt.Sprintf("1-hour cache writes %d exceed cache writes %d", u.CacheWrite1hTokens, u.CacheWriteTokens)
	case u.ReasoningTokens > u.OutputTokens:
		return fmt.Sprintf("reasoning_tokens %d exceed output_tokens %d", u.ReasoningTokens, u.OutputTokens)
	}
	return ""
}

// checkConversations is the check every format gets, whatever its reader
// checked: impossible usage or image counts fail the read (the path names
// the conversation and message, as the reader did not); odd usage and
// content parts that could not be counted become one warning each per
// conversation.
func checkConversations(convs []*Conversation) error {
	for _, c := range convs {
		odd, zero := 0, 0
		first := ""
		skipped := map[string]int{}
		for i := range c.Messages {
			m := &c.Messages[i]
			if err := checkUsage(c.Path, 0, fmt.Sprintf("%s: message %d: usage", c.ID, i+1), m.Usage); err != nil {
				return err
			}
			if m.Usage.allZero() {
				// No call is sent nothing and answers nothing: a usage
				// object of zeros is a log that did not measure (an error
				// reply, a placeholder), not a measurement.
				m.Usage = nil
				zero++
			}
			if m.Images < 0 || m.Images > MaxImages {
				return &Error{File: c.Path, Msg: fmt.Sprintf("%s: message %d: %d images", c.ID, i+1, m.Images)}
			}
			for _, t := range m.skipped {
				skipped[t]++
			}
			if s := usageOddity(m.Usage); s != "" {
				if odd == 0 {
					first = s
				}
				odd++
			}
		}
		if len(skipped) > 0 {
			var kinds []string
			n := 0
			for t, k := range skipped {
				kinds = append(kinds, fmt.Sprintf("%s ×%d", t, k))
				n += k
			}
			sort.Strings(kinds)
			c.Warnings = append(c.Warnings, fmt.Sprintf("%s: %s: %d content parts not counted (%s)", c.Path, c.ID, n, strings.Join(kinds, ", ")))
		}
		if odd > 0 {
			c.Warnings = append(c.Warnings, fmt.Sprintf("%s: %s: %d calls report odd usage (first: %s); read as logged", c.Path, c.ID, odd, first))
		}
		if zero > 0 {
			c.Warnings = append(c.Warnings, fmt.Sprintf("%s: %s: %s all-zero usage, read as usage not logged", c.Path, c.ID, pluralCalls(zero)))
		}
	}
	return nil
}

// checkCounts rejects raw counts, as the log spells them, that are
// negative or above MaxTokens, before they are added up (a negative field
// could hide in a positive sum).
func checkCounts(file string, line int, path string, counts ...namedCount) error {
	for _, c := range counts {
		switch {
		case c.v < 0:
			return &Error{File: file, Line: line, Path: path + "." + c.name, Msg: fmt.Sprintf("%d tokens is negative", c.v)}
		case c.v > MaxTokens:
			return &Error{File: file, Line: line, Path: path + "." + c.name, Msg: fmt.Sprintf("%d tokens is more than any call can have (%d)", c.v, int64(MaxTokens))}
		}
	}
	return nil
}

type namedCount struct {
	name string
	v    int64
}

// check is checkCounts on u's counts, without listing them when all are
// in range (every assistant line of a Claude Code log has usage).
func (u *anUsage) check(file string, line int, path string) error {
	in := func(p *int64) bool { return p == nil || *p >= 0 && *p <= MaxTokens }
	c := u.CacheCreation
	if in(u.InputTokens) && in(u.OutputTokens) && in(u.CacheCreationInputTokens) && in(u.CacheReadInputTokens) &&
		(c == nil || in(&c.Ephemeral5m) && in(&c.Ephemeral1h)) && len(u.Iterations) == 0 {
		return nil
	}
	return checkCounts(file, line, path, u.counts()...)
}

func (u *anUsage) counts() []namedCount {
	out := []namedCount{{"input_tokens", val(u.InputTokens)}, {"output_tokens", val(u.OutputTokens)},
		{"cache_creation_input_tokens", val(u.CacheCreationInputTokens)}, {"cache_read_input_tokens", val(u.CacheReadInputTokens)}}
	if c := u.CacheCreation; c != nil {
		out = append(out, namedCount{"cache_creation.ephemeral_5m_input_tokens", c.Ephemeral5m}, namedCount{"cache_creation.ephemeral_1h_input_tokens", c.Ephemeral1h})
	}
	for i, it := range u.Iterations {
		p := fmt.Sprintf("iterations[%d].", i)
		out = append(out, namedCount{p + "input_tokens", it.InputTokens}, namedCount{p + "output_tokens", it.OutputTokens},
			namedCount{p + "cache_creation_input_tokens", it.CacheCreationInputTokens}, namedCount{p + "cache_read_input_tokens", it.CacheReadInputTokens})
	}
	return out
}

func (u *oaUsage) counts() []namedCount {
	out := []namedCount{{"prompt_tokens", u.PromptTokens}, {"completion_tokens", u.CompletionTokens}, {"total_tokens", u.TotalTokens}}
	if d := u.PromptTokensDetails; d != nil {
		out = append(out, namedCount{"prompt_tokens_details.cached_tokens", d.CachedTokens}, namedCount{"prompt_tokens_details.cache_write_tokens", d.CacheWriteTokens})
	}
	if d := u.CompletionTokensDetails; d != nil {
		out = append(out, namedCount{"completion_tokens_details.reasoning_tokens", d.ReasoningTokens})
	}
	if u.PromptCacheHitTokens != nil {
		out = append(out, namedCount{"prompt_cache_hit_tokens", *u.PromptCacheHitTokens})
	}
	if u.PromptCacheMissTokens != nil {
		out = append(out, namedCount{"prompt_cache_miss_tokens", *u.PromptCacheMissTokens})
	}
	return out
}

// placed gives an error from a body parser its file, line and path: an
// *Error's path, relative to the body ("$.usage.x"), is put under base;
// any other error is placed at other.
func placed(err error, file string, line int, base, other string) *Error {
	if e, ok := err.(*Error); ok {
		e.File, e.Line = file, line
		if base != "$" {
			e.Path = base + strings.TrimPrefix(e.Path, "$")
		}
		return e
	}
	return &Error{File: file, Line: line, Path: other, Msg: err.Error()}
}

// stamp is a JSON timestamp that never fails to decode: text that is not
// an RFC 3339 time is kept in bad, so that the reader can name the line and
// path of the problem (a decoder error would carry neither).
type stamp struct {
	t   time.Time
	bad string
}

func (s *stamp) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	str, ok := plainString(b)
	if !ok {
		if err := json.Unmarshal(b, &str); err != nil {
			s.bad = string(b)
			return nil
		}
	}
	t, err := time.Parse(time.RFC3339Nano, str)
	if err != nil {
		s.bad = strconv.Quote(str)
		return nil
	}
	s.t = t
	return nil
}

// plainString returns the text of a JSON string of printable ASCII with
// no escapes, as json.Unmarshal would, without its cost: every line of a
// log has a timestamp. ok is false for anything else.
func plainString(b []byte) (string, bool) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return "", false
	}
	for _, c := range b[1 : len(b)-1] {
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return "", false
		}
	}
	return string(b[1 : len(b)-1]), true
}

func (s stamp) MarshalJSON() ([]byte, error) { return json.Marshal(s.t) }

// check returns an error naming path when the text was not a time.
func (s *stamp) check(file string, line int, path string) error {
	if s == nil || s.bad == "" {
		return nil
	}
	return &Error{File: file, Line: line, Path: path, Msg: fmt.Sprintf("%s is not an RFC 3339 time", jsonerr.Excerpt(s.bad, 40))}
}
