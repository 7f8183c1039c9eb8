// Package live is the live-chat source: it talks to any OpenAI-compatible
// server with go-openai, streams replies, and writes the conversation as
// native JSONL as it goes, one flushed line per event, so a crash loses at
// most the call in flight and the file replays to the same numbers.
package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/tokenscope/tokenscope/transcripts"
)

// Config configures a live session.
type Config struct {
	BaseURL     string // "" for OpenAI
	APIKey      string // from OPENAI_API_KEY; never written anywhere
	Model       string
	System      string   // system prompt text
	RAG         []string // retrieved context attached to each call
	MaxTokens   int
	Temperature *float32
	Out         io.Writer // native JSONL is written here
	OutPath     string    // shown to the user
}

// Session is one live conversation.
type Session struct {
	cfg    Config
	client *openai.Client
	mu     sync.Mutex
	conv   *transcripts.Conversation
	writer *transcripts.NativeWriter
}

// New starts a session and writes its session line.
func New(cfg Config) (*Session, error) {
	oc := openai.DefaultConfig(cfg.APIKey)
	if cfg.BaseURL != "" {
		oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	}
	s := &Session{cfg: cfg, client: openai.NewClientWithConfig(oc)}
	s.conv = &transcripts.Conversation{ID: "live-" + time.Now().UTC().Format("20060102T150405Z"), Path: cfg.OutPath, Format: transcripts.FormatNative, Model: cfg.Model}
	if cfg.Out != nil {
		s.writer = transcripts.NewNativeWriter(cfg.Out)
		if err := s.writer.WriteSession(s.conv); err != nil {
			return nil, fmt.Errorf("writing %s: %w", cfg.OutPath, err)
		}
	}
	if cfg.System != "" {
		if err := s.add(transcripts.Message{Role: transcripts.RoleSystem, Content: cfg.System}); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// DefaultOutPath is a timestamped file under the user's state directory
// ($XDG_STATE_HOME, else ~/.local/state) for --out's default.
func DefaultOutPath(now time.Time) (string, error) {
	dir, err := transcripts.StateDir()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	return filepath.Join(dir, "live-"+now.UTC().Format("20060102-150405")+".jsonl"), nil
}

// Conversation returns a copy of the conversation so far.
func (s *Session) Conversation() *transcripts.Conversation {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := *s.conv
	c.Messages = append([]transcripts.Message(nil), s.conv.Messages...)
	return &c
}

// Pending returns the conversation as the next call would send it, with
// text as the new user message, to estimate its cost before sending.
func (s *Session) Pending(text string) *transcripts.Conversation {
	c := s.Conversation()
	c.Messages = append(c.Messages, s.turn(text)...)
	c.Messages = append(c.Messages, transcripts.Message{Role: transcripts.RoleAssistant})
	return c
}

// turn is what one user message adds: the retrieved context, then the text.
func (s *Session) turn(text string) []transcripts.Message {
	var out []transcripts.Message
	if len(s.cfg.RAG) > 0 {
		out = append(out, transcripts.Message{Role: transcripts.RoleUser, RAG: true, Content: strings.Join(s.cfg.RAG, "\n\n"), Time: time.Now().UTC()})
	}
	return append(out, transcripts.Message{Role: transcripts.RoleUser, Content: text, Time: time.Now().UTC()})
}

func (s *Session) add(m transcripts.Message) error {
	s.conv.Messages = append(s.conv.Messages, m)
	if s.writer != nil {
		if err := s.writer.WriteMessage(m); err != nil {
			return fmt.Errorf("writing %s: %w", s.cfg.OutPath, err)
		}
	}
	return nil
}

// SetSystem replaces the system prompt for the calls that follow: the
// leading system messages give way to one holding text ("" removes the
// prompt). The log gains a system line at this point, so that it keeps
// what was sent; a replay of the file sees both prompts.
func (s *Session) SetSystem(text string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.System = text
	lead := 0
	for lead < len(s.conv.Messages) && s.conv.Messages[lead].Role == transcripts.RoleSystem {
		lead++
	}
	rest := s.conv.Messages[lead:]
	msgs := make([]transcripts.Message, 0, len(rest)+1)
	if text != "" {
		msgs = append(msgs, transcripts.Message{Role: transcripts.RoleSystem, Content: text})
	}
	s.conv.Messages = append(msgs, rest...)
	if s.writer != nil && text != "" {
		if err := s.writer.WriteMessage(msgs[0]); err != nil {
			return fmt.Errorf("writing %s: %w", s.cfg.OutPath, err)
		}
	}
	return nil
}

// Event is one step of a streamed call.
type Event struct {
	Delta string               // text received
	Done  *transcripts.Message // the finished reply, with usage
	Err   error                // the call failed; the session goes on
}

// Send adds the user message and streams the reply on the returned
// channel, which is closed after a Done or an Err event. Cancelling ctx
// cancels this call only. A failed or cancelled call leaves the user
// message in the conversation, so that Retry can send it again.
func (s *Session) Send(ctx context.Context, text string) <-chan Event {
	s.mu.Lock()
	var err error
	for _, m := range s.turn(text) {
		if err == nil {
			err = s.add(m)
		}
	}
	s.mu.Unlock()
	return s.stream(ctx, err)
}

// Retry sends the conversation again after a failed call.
func (s *Session) Retry(ctx context.Context) <-chan Event { return s.stream(ctx, nil) }

func (s *Session) stream(ctx context.Context, pre error) <-chan Event {
	ch := make(chan Event, 64)
	go func() {
		defer close(ch)
		if pre != nil {
			ch <- Event{Err: pre}
			return
		}
		reply, err := s.call(ctx, ch)
		if err != nil {
			ch <- Event{Err: s.redact(err)}
			return
		}
		s.mu.Lock()
		err = s.add(*reply)
		s.mu.Unlock()
		if err != nil {
			ch <- Event{Err: err}
			return
		}
		ch <- Event{Done: reply}
	}()
	return ch
}

func (s *Session) request() openai.ChatCompletionRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	req := openai.ChatCompletionRequest{Model: s.cfg.Model, Stream: true,
		StreamOptions: &openai.StreamOptions{IncludeUsage: true}, MaxTokens: s.cfg.MaxTokens}
	if s.cfg.Temperature != nil {
		req.Temperature = *s.cfg.Temperature
	}
	for _, m := range s.conv.Messages {
		om := openai.ChatCompletionMessage{Role: string(m.Role), Content: m.Content, Name: m.Name, ToolCallID: m.ToolCallID}
		for _, tc := range m.ToolCalls {
			om.ToolCalls = append(om.ToolCalls, openai.ToolCall{ID: tc.ID, Type: openai.ToolTypeFunction, Function: openai.FunctionCall{Name: tc.Name, Arguments: tc.Arguments}})
		}
		req.Messages = append(req.Messages, om)
	}
	return req
}

func (s *Session) call(ctx context.Context, ch chan<- Event) (*transcripts.Message, error) {
	stream, err := s.client.CreateChatCompletionStream(ctx, s.request())
	if err != nil {
		return nil, err
	}
	defer stream.Close()
	reply := &transcripts.Message{Role: transcripts.RoleAssistant, Model: s.cfg.Model}
	var text strings.Builder
	calls := map[int]*transcripts.ToolCall{}
	var order []int
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if chunk.Model != "" {
			reply.Model = chunk.Model
		}
		if u := chunk.Usage; u != nil {
			reply.Usage = &transcripts.Usage{InputTokens: int64(u.PromptTokens), OutputTokens: int64(u.CompletionTokens)}
			if d := u.PromptTokensDetails; d != nil {
				reply.Usage.CachedInputTokens = int64(d.CachedTokens)
			}
			if d := u.CompletionTokensDetails; d != nil {
				reply.Usage.ReasoningTokens = int64(d.ReasoningTokens)
			}
		}
		for _, c := range chunk.Choices {
			if c.Delta.Content != "" {
				text.WriteString(c.Delta.Content)
				ch <- Event{Delta: c.Delta.Content}
			}
			for _, tc := range c.Delta.ToolCalls {
				i := 0
				if tc.Index != nil {
					i = *tc.Index
				}
				cur := calls[i]
				if cur == nil {
					cur = &transcripts.ToolCall{}
					calls[i] = cur
					order = append(order, i)
				}
				if tc.ID != "" {
					cur.ID = tc.ID
				}
				if tc.Function.Name != "" {
					cur.Name = tc.Function.Name
				}
				cur.Arguments += tc.Function.Arguments
			}
		}
	}
	reply.Content = text.String()
	for _, i := range order {
		reply.ToolCalls = append(reply.ToolCalls, *calls[i])
	}
	reply.Time = time.Now().UTC()
	return reply, nil
}

// redact removes the API key from an error's text: servers sometimes echo
// the key back in their messages.
func (s *Session) redact(err error) error {
	if err == nil {
		return err
	}
	var api *openai.APIError
	var req *openai.RequestError
	switch {
	case errors.As(err, &api) && api.HTTPStatusCode > 0:
		err = fmt.Errorf("%d %s", api.HTTPStatusCode, api.Message)
	case errors.As(err, &api):
		err = fmt.Errorf("stream broke: %s", api.Message)
	case errors.As(err, &req):
		err = fmt.Errorf("%d %s", req.HTTPStatusCode, strings.TrimSpace(string(req.Body)))
	}
	if s.cfg.APIKey == "" {
		return err
	}
	msg := err.Error()
	if !strings.Contains(msg, s.cfg.APIKey) {
		return err
	}
	return errors.New(strings.ReplaceAll(msg, s.cfg.APIKey, "[redacted]"))
}
