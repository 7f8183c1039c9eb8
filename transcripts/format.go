package transcripts

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/tokenscope/tokenscope/transcripts/internal/jsonerr"
)

// A Format is one kind of log tokenscope reads. Each format lives in a file
// of its own and registers itself from an init function, like image codecs:
//
//	func init() {
//		Register(Format{
//			Name:  "codex",
//			Doc:   "Codex CLI rollout JSONL (~/.codex/sessions/…/rollout-*.jsonl)",
//			Sniff: func(s *Shape) int { … },
//			Read:  readCodex,
//		})
//	}
//
// Detection never looks at substrings or at how large a file is: the first
// JSON value of the file (the whole document, the first element of an
// array, or the first line of JSONL) is walked with a JSON tokenizer into a [Shape], the set of paths it holds,
// and every registered Sniff scores that shape. The highest score wins; 0
// means "not mine". A score of [Certain] ends the walk at once, so Sniff
// must return it only for a key or value no other format has; it is called
// as paths are found and must be cheap (a few [Shape.Has] lookups).
// Scores used by the formats in this package:
//
//	100  a key or value only this format has (custom_id, type "session", …)
//	 90  strong structural evidence (an Anthropic-only block type)
//	 50  a plausible but generic shape (any {"messages":[…]})
//
// Read gets the whole file from its first byte (whatever Sniff looked at is
// replayed) and returns its conversations; an error it returns should be an
// [*Error] naming the file, the line and the JSON path of the problem.
type Format struct {
	// Name is what --input-format takes and what reports show.
	Name string
	// Doc says in one line what the format is, for help texts.
	Doc string
	// Sniff scores how surely a file of this shape is in this format; nil
	// means the format is never detected, only forced by name.
	Sniff func(s *Shape) int
	// Read reads every conversation of one file; name is for messages.
	Read func(r io.Reader, name string) ([]*Conversation, error)
}

var (
	formatsMu sync.RWMutex
	formats   = map[string]Format{}
	sorted    []Format // formats by name, for detection in a fixed order
)

// Register makes a format known to Read, Open, Walk, ReadUsage and
// FormatOf (detection and --input-format). It panics when the name is
// empty, taken, or the format has no Read function: these are programming
// errors found at start-up.
func Register(f Format) {
	formatsMu.Lock()
	defer formatsMu.Unlock()
	if f.Name == "" || f.Read == nil {
		panic("transcripts: Register of a format without a name or a Read function")
	}
	if _, dup := formats[f.Name]; dup {
		panic("transcripts: format " + f.Name + " registered twice")
	}
	formats[f.Name] = f
	sorted = append(sorted, f)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
}

// Formats lists the names of the registered formats, sorted, for
// --input-format.
func Formats() []string {
	formatsMu.RLock()
	defer formatsMu.RUnlock()
	names := make([]string, 0, len(formats))
	for n := range formats {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// LookupFormat returns the format registered under name.
func LookupFormat(name string) (Format, bool) {
	formatsMu.RLock()
	defer formatsMu.RUnlock()
	f, ok := formats[name]
	return f, ok
}

// Certain is the score that ends a sniff at once: a key or value that only
// one format has. The walk stops there, so that a first line of hundreds
// of MB that starts {"type":"file-history-snapshot",… is not read twice.
const Certain = 100

// best returns the format with the highest Sniff score for s, ties going
// to the name first in sort order, and the score.
func best(s *Shape) (Format, int) {
	formatsMu.RLock()
	defer formatsMu.RUnlock()
	var top Format
	topScore := 0
	for _, f := range sorted {
		if f.Sniff == nil {
			continue
		}
		if score := f.Sniff(s); score > topScore {
			top, topScore = f, score
		}
	}
	return top, topScore
}

// certain reports whether some format is certain of s.
func certain(s *Shape) bool {
	_, score := best(s)
	return score >= Certain
}

// detect picks the format of a shape.
func detect(s *Shape) (Format, error) {
	if errors.Is(s.Err, ErrTooDeep) {
		// Refused whatever format it looks like: its reader would decode
		// the same depth.
		return Format{}, s.Err
	}
	best, bestScore := best(s)
	if bestScore > 0 {
		return best, nil
	}
	if s.Err == io.EOF || s.Err == io.ErrUnexpectedEOF {
		return Format{}, fmt.Errorf("invalid JSON: unexpected end of input")
	}
	if s.Err != nil {
		return Format{}, fmt.Errorf("invalid JSON: %v", s.Err)
	}
	if s.Array && len(s.paths) == 0 {
		return Format{}, fmt.Errorf("empty JSON array")
	}
	found := "an object with top-level keys " + jsonerr.Excerpt(strings.Join(s.Keys(), ", "), 80)
	switch {
	case s.Array && len(s.Keys()) == 0:
		found = "an array whose first element is not an object"
	case s.Array:
		found = "an array of objects with keys " + jsonerr.Excerpt(strings.Join(s.Keys(), ", "), 80)
	}
	return Format{}, fmt.Errorf("unrecognised conversation log: found %s; want one of the formats --input-format names (%s)", found, strings.Join(Formats(), ", "))
}
