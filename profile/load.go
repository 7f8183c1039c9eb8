package profile

import (
	"context"
	"os"

	"github.com/tokenscope/tokenscope/transcripts"
)

// LoadOptions say how Load reads a path and what it counts.
type LoadOptions struct {
	// Read is how files are read (format, RAG rule); its Progress is
	// replaced by Load's progress.
	Read transcripts.Options
	// Count counts the conversations while they are read, for Engine
	// (its prices, --model, and the models of its strategies, whose
	// encodings are counted too): Loaded.Prepared is then set, and the
	// text is let go file by file unless KeepText.
	Count  bool
	Engine Options
	// KeepText keeps the conversations, text and all, in
	// Loaded.Source.Conversations (always so when not counting).
	KeepText bool
	// EachFile, when set, is called in file order with each file's
	// conversations once they are counted (ids not yet unique over the
	// directory: Loaded.IDs are, in the same order).
	EachFile func(f *transcripts.Source)
}

// Progress is how far Load has read: files done of the files found.
type Progress struct{ Done, Total int }

// Loaded is what Load read.
type Loaded struct {
	// Source is the path read: Path, Format, Warnings, and the
	// conversations when kept (their ids unique, as IDs).
	Source *transcripts.Source
	// Prepared is the conversations counted (LoadOptions.Count), ready
	// for Prepared.Run; nil when not counted.
	Prepared *Prepared
	// IDs, Paths and Models are each conversation's unique id, file and
	// logged model, in the order read.
	IDs, Paths, Models []string
	// Root is the directory read ("" for a file or stdin): ids that repeat
	// are qualified with their path under it.
	Root string
}

// Load reads path (a file, a directory, or "-") one file at a time, and
// with o.Count counts each file on every core as it is read (a stream), so
// that a directory of any size takes the memory of its counts. It is the
// one load pipeline of the command line and the TUI. Conversation ids are
// made unique by transcripts.UniqueIDs under Root, the one rule: an id
// that repeats is qualified with its file's path under the directory
// read, then numbered. progress, when set, is called as files are read,
// from the reading goroutines. Load stops with ctx's error when ctx ends.
func Load(ctx context.Context, path string, o LoadOptions, progress func(Progress)) (*Loaded, error) {
	var s *stream
	if o.Count {
		var err error
		if s, err = newStream(o.Engine); err != nil {
			return nil, err
		}
	}
	read := o.Read
	read.Progress = nil
	if progress != nil {
		read.Progress = func(done, total int) { progress(Progress{done, total}) }
	}
	keep := s == nil || o.KeepText
	out := &Loaded{}
	var convs []*transcripts.Conversation
	var work func(*transcripts.Source) (*fileCounts, error)
	if s != nil {
		work = func(f *transcripts.Source) (*fileCounts, error) {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			return s.Count(f.Conversations), nil
		}
	}
	src, err := transcripts.Walk(path, read, work, func(f *transcripts.Source, counted *fileCounts) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if s != nil {
			s.Add(f.Conversations, counted)
		}
		for _, c := range f.Conversations {
			out.IDs, out.Paths, out.Models = append(out.IDs, c.ID), append(out.Paths, c.Path), append(out.Models, c.Model)
		}
		if o.EachFile != nil {
			o.EachFile(f)
		}
		if keep {
			convs = append(convs, f.Conversations...)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if info, err := os.Stat(path); path != "-" && err == nil && info.IsDir() {
		out.Root = path
	}
	transcripts.UniqueIDs(out.IDs, out.Paths, out.Root)
	for i, c := range convs {
		c.ID = out.IDs[i]
	}
	src.Conversations = convs
	out.Source = src
	if s != nil {
		out.Prepared = s.Prepared(out.IDs)
	}
	return out, nil
}
