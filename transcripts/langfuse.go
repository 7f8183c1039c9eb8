package transcripts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/tokenscope/tokenscope/transcripts/internal/jsonerr"
	"github.com/tokenscope/tokenscope/transcripts/internal/jsonnum"
)

// FormatLangfuse is a Langfuse trace export: a trace with its observations
// (the UI's download, the API's trace), a list of them ({"data": […]}), or
// observations alone (JSON or JSONL).
const FormatLangfuse = "langfuse"

func init() {
	Register(Format{
		Name:  FormatLangfuse,
		Doc:   "Langfuse trace export: a trace with its observations, API lists, or observations as JSONL",
		Sniff: sniffLangfuse,
		Read:  readAllWith(readLangfuse),
	})
}

// sniffLangfuse: observations carry traceId with Langfuse's own fields
// (parentObservationId, usageDetails); a trace export holds them.
func sniffLangfuse(s *Shape) int {
	switch {
	case s.Has("trace") && s.Has("observations"),
		s.Has("observations[].traceId"),
		s.Has("traceId") && (s.Has("parentObservationId") || s.Has("usageDetails")):
		return Certain
	case s.Has("data[].traceId"), s.Has("data[].observations"):
		return 90
	}
	return 0
}

// lfObservation is one Langfuse observation; GENERATION observations are
// model calls.
type lfObservation struct {
	ID                  string                     `json:"id"`
	TraceID             string                     `json:"traceId"`
	Type                string                     `json:"type"`
	StartTime           string                     `json:"startTime"`
	UpdatedAt           string                     `json:"updatedAt"`
	ParentObservationID string                     `json:"parentObservationId"`
	Model               string                     `json:"model"`
	Input               json.RawMessage            `json:"input"`
	Metadata            json.RawMessage            `json:"metadata"`
	Output              json.RawMessage            `json:"output"`
	UsageDetails        map[string]json.RawMessage `json:"usageDetails"`
	Usage               map[string]json.RawMessage `json:"usage"`
	PromptTokens        json.RawMessage            `json:"promptTokens"`
	CompletionTokens    json.RawMessage            `json:"completionTokens"`
	TotalTokens         json.RawMessage            `json:"totalTokens"`

	path string // where it was read, for errors
	line int
	at   time.Time
}

// lfItem is whatever a Langfuse export holds at one place.
type lfItem struct {
	Observations json.RawMessage `json:"observations"`
	Data         json.RawMessage `json:"data"`
	ID           string          `json:"id"`
	TraceID      string          `json:"traceId"`
	Type         string          `json:"type"`
}

// readLangfuse reads an export. Each trace is a conversation (more than
// one when its calls do not share a history); its calls are the
// GENERATION observations with no GENERATION below them (a parent that
// wraps generations repeats their usage), in start order. An observation
// listed twice is read once, the later update winning.
func readLangfuse(data []byte, file string) ([]*Conversation, error) {
	trimmed := bytes.TrimSpace(data)
	items, err := jsonItems(data, file, isJSONL(trimmed))
	if err != nil {
		return nil, err
	}
	byID := map[string]*lfObservation{}
	var order []string
	var walk func(raw json.RawMessage, line int, path string) error
	walk = func(raw json.RawMessage, line int, path string) error {
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 {
			return nil
		}
		if raw[0] == '[' {
			var list []json.RawMessage
			if err := decodeJSON(raw, &list); err != nil {
				return jsonError(file, raw, line, path, err)
			}
			for i, it := range list {
				if err := walk(it, line, fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
			return nil
		}
		var it lfItem
		if err := decodeJSON(raw, &it); err != nil {
			return jsonError(file, raw, line, path, err)
		}
		switch {
		case len(it.Observations) > 0 && bytes.TrimSpace(it.Observations)[0] == '[':
			var ids []string
			if json.Unmarshal(it.Observations, &ids) == nil {
				return nil // a trace listing its observations by id only
			}
			return walk(it.Observations, line, path+".observations")
		case len(it.Data) > 0:
			return walk(it.Data, line, path+".data")
		case it.TraceID != "" && it.Type != "":
			var o lfObservation
			if err := decodeJSON(raw, &o); err != nil {
				return jsonError(file, raw, line, path, err)
			}
			o.path, o.line = path, line
			if o.StartTime != "" {
				t, err := time.Parse(time.RFC3339Nano, o.StartTime)
				if err != nil {
					return &Error{File: file, Line: line, Path: path + ".startTime", Msg: fmt.Sprintf("not an RFC 3339 time: %q", jsonerr.Excerpt(o.StartTime, 40))}
				}
				o.at = t
			}
			key := o.TraceID + "/" + o.ID
			if prev, ok := byID[key]; ok {
				if prev.UpdatedAt > o.UpdatedAt {
					return nil // an older copy
				}
			} else {
				order = append(order, key)
			}
			byID[key] = &o
		}
		return nil
	}
	for _, it := range items {
		if err := walk(it.raw, it.line, it.path); err != nil {
			return nil, err
		}
	}
	calls := lfCalls(byID, order)
	// Per trace, in start order.
	byTrace := map[string][]*lfObservation{}
	var traces []string
	for _, o := range calls {
		if byTrace[o.TraceID] == nil {
			traces = append(traces, o.TraceID)
		}
		byTrace[o.TraceID] = append(byTrace[o.TraceID], o)
	}
	threads := map[string]*callThreader{}
	for _, id := range traces {
		cs := byTrace[id]
		sort.SliceStable(cs, func(i, j int) bool { return cs[i].at.Before(cs[j].at) })
		t := &callThreader{id: id, file: file, format: FormatLangfuse}
		threads[id] = t
		for _, o := range cs {
			in, err := genaiMessages(o.Input, RoleUser)
			if err != nil {
				return nil, &Error{File: file, Line: o.line, Path: o.path + ".input", Msg: jsonMsg(err)}
			}
			out, err := genaiMessages(o.Output, RoleAssistant)
			if err != nil {
				return nil, &Error{File: file, Line: o.line, Path: o.path + ".output", Msg: jsonMsg(err)}
			}
			rep := reply(out)
			rep.NoReply = len(out) == 0 // an observation whose output was not kept
			rep.Model, rep.Time, rep.ResponseID = o.Model, o.at, "langfuse/"+o.TraceID+"/"+o.ID
			if rep.Usage, err = o.usage(file); err != nil {
				return nil, err
			}
			t.add(in, rep, o.tools())
		}
	}
	var convs []*Conversation
	for _, id := range traces {
		convs = append(convs, threads[id].convs...)
	}
	if len(convs) == 0 {
		return nil, &Error{File: file, Msg: "no GENERATION observations in this Langfuse export"}
	}
	return convs, nil
}

// lfCalls are the calls among observations byID (keys in order): the
// GENERATION observations with no GENERATION below them (a parent that
// wraps generations repeats their usage), in order.
func lfCalls(byID map[string]*lfObservation, order []string) []*lfObservation {
	parentOf := map[string]string{}
	for _, o := range byID {
		parentOf[o.TraceID+"/"+o.ID] = o.ParentObservationID
	}
	wraps := map[string]bool{}
	for k, o := range byID {
		if o.Type != "GENERATION" {
			continue
		}
		for p, n := parentOf[k], 0; p != "" && n < len(byID); p, n = parentOf[o.TraceID+"/"+p], n+1 {
			wraps[o.TraceID+"/"+p] = true
		}
	}
	var calls []*lfObservation
	for _, k := range order {
		if o := byID[k]; o.Type == "GENERATION" && !wraps[k] {
			calls = append(calls, o)
		}
	}
	return calls
}

// tools returns the tool schemas a generation was offered: its input's
// tools (integrations that log the request), or the span attributes
// Langfuse keeps in its metadata (see otelSpan.tools).
func (o *lfObservation) tools() []Tool {
	var in struct {
		Tools json.RawMessage `json:"tools"`
	}
	if json.Unmarshal(o.Input, &in) == nil {
		if ts := genaiTools(in.Tools); len(ts) > 0 {
			return ts
		}
	}
	var md struct {
		Attributes map[string]json.RawMessage `json:"attributes"`
	}
	if json.Unmarshal(stringOrJSON(o.Metadata), &md) != nil || md.Attributes == nil {
		return nil
	}
	return (&otelSpan{Attrs: md.Attributes}).tools()
}

// usage normalises a generation's usage. Langfuse's usageDetails are
// buckets whose sum is total (input, output, input_cached_tokens,
// output_reasoning…), except where an integration logged the provider's
// nested figures (total = input + output, the details inside them).
func (o *lfObservation) usage(file string) (*Usage, error) {
	src, field := o.UsageDetails, "usageDetails"
	if len(src) == 0 {
		src, field = o.Usage, "usage"
	}
	details := map[string]int64{}
	for k, raw := range src {
		if k == "unit" || k == "inputCost" || k == "outputCost" || k == "totalCost" {
			continue
		}
		v, ok, err := jsonnum.Count(raw)
		if err == nil && v > MaxTokens {
			err = fmt.Errorf("%d tokens is more than any call can have (%d)", v, int64(MaxTokens))
		}
		if err != nil {
			return nil, &Error{File: file, Line: o.line, Path: fmt.Sprintf("%s.%s.%s", o.path, field, k), Msg: jsonMsg(err)}
		}
		if ok {
			details[k] = v
		}
	}
	for k, raw := range map[string]json.RawMessage{"input": o.PromptTokens, "output": o.CompletionTokens, "total": o.TotalTokens} {
		if _, done := details[k]; done || len(raw) == 0 {
			continue
		}
		v, ok, err := jsonnum.Count(raw)
		if err == nil && v > MaxTokens {
			err = fmt.Errorf("%d tokens is more than any call can have (%d)", v, int64(MaxTokens))
		}
		if err != nil {
			return nil, &Error{File: file, Line: o.line, Path: o.path + "." + map[string]string{"input": "promptTokens", "output": "completionTokens", "total": "totalTokens"}[k], Msg: jsonMsg(err)}
		}
		if ok {
			details[k] = v
		}
	}
	if len(details) == 0 {
		return nil, nil
	}
	// Aliases older SDKs write.
	for alias, k := range map[string]string{"promptTokens": "input", "completionTokens": "output", "totalTokens": "total"} {
		if v, ok := details[alias]; ok {
			if _, have := details[k]; !have {
				details[k] = v
			}
			delete(details, alias)
		}
	}
	var u Usage
	var in, out, cached, written, reasoning, sum int64
	for k, v := range details {
		lk := strings.ToLower(k)
		switch {
		case k == "total":
			continue
		case k == "input":
			in = v
		case k == "output":
			out = v
		case strings.Contains(lk, "cache_read") || strings.Contains(lk, "cached"):
			cached += v
		case strings.Contains(lk, "cache_creation") || strings.Contains(lk, "cache_write"):
			written += v
		case strings.Contains(lk, "reasoning"):
			reasoning += v
		case strings.HasPrefix(lk, "output") || strings.HasPrefix(lk, "completion"):
			out += v
		default:
			in += v // other input buckets: audio, images…
		}
		sum += v
	}
	total, hasTotal := details["total"]
	nested := hasTotal && total == in+out && sum != total
	u.CachedInputTokens, u.CacheWriteTokens, u.ReasoningTokens = cached, written, reasoning
	u.InputTokens, u.OutputTokens = in, out
	if !nested {
		u.InputTokens += cached + written
		u.OutputTokens += reasoning
	}
	return &u, nil
}
