package transcripts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// FormatGeminiAPI is the Gemini API (generateContent and
// streamGenerateContent): a request body, a response, or
// request/response pairs.
const FormatGeminiAPI = "gemini-api"

// APIGemini is the Gemini API, for ParseRequest and ParseResponse.
const APIGemini = "gemini"

func init() {
	Register(Format{
		Name:  FormatGeminiAPI,
		Doc:   `Gemini API generateContent request or response ({"contents":[…]}, {"candidates":[…]}), or request/response pairs`,
		Sniff: sniffGeminiAPI,
		Read:  readAllWith(readGeminiAPI),
	})
}

// sniffGeminiAPI: candidates with usageMetadata is a response only the
// Gemini API writes; contents of parts is its request.
func sniffGeminiAPI(s *Shape) int {
	switch {
	case s.Has("candidates") && (s.Has("usageMetadata") || s.Has("candidates[].content.parts")):
		return Certain
	case s.Kind("contents") == '[' && (s.Has("contents[].parts") || s.Has("systemInstruction")):
		return 90
	}
	return 0
}

// gmContent is one Content of the Gemini API: a role and its parts.
type gmContent struct {
	Role  string   `json:"role"`
	Parts []gmPart `json:"parts"`
}

type gmPart struct {
	Text         string          `json:"text"`
	Thought      bool            `json:"thought"`
	InlineData   json.RawMessage `json:"inlineData"`
	FileData     json.RawMessage `json:"fileData"`
	FunctionCall *struct {
		ID   string          `json:"id"`
		Name string          `json:"name"`
		Args json.RawMessage `json:"args"`
	} `json:"functionCall"`
	FunctionResponse *struct {
		ID       string          `json:"id"`
		Name     string          `json:"name"`
		Response json.RawMessage `json:"response"`
	} `json:"functionResponse"`
	ExecutableCode      json.RawMessage `json:"executableCode"`
	CodeExecutionResult json.RawMessage `json:"codeExecutionResult"`
}

// gmRequest is a generateContent request body. Model is not in the body
// (it is in the URL) but some loggers add it.
type gmRequest struct {
	Model             string      `json:"model"`
	Contents          []gmContent `json:"contents"`
	SystemInstruction *gmContent  `json:"systemInstruction"`
	Tools             []struct {
		FunctionDeclarations []struct {
			Name             string          `json:"name"`
			Description      string          `json:"description"`
			Parameters       json.RawMessage `json:"parameters"`
			ParametersSchema json.RawMessage `json:"parametersJsonSchema"`
			ParametersSnake  json.RawMessage `json:"parameters_json_schema"`
		} `json:"functionDeclarations"`
	} `json:"tools"`
	// CachedContent names an explicit cache (cachedContents/…) whose
	// content is part of the prompt but not of this body.
	CachedContent string `json:"cachedContent"`
}

// gmUsage is usageMetadata: promptTokenCount includes the cached tokens;
// thoughts are billed as output, tool-use prompt tokens as input.
type gmUsage struct {
	PromptTokenCount        int64 `json:"promptTokenCount"`
	CachedContentTokenCount int64 `json:"cachedContentTokenCount"`
	CandidatesTokenCount    int64 `json:"candidatesTokenCount"`
	ThoughtsTokenCount      int64 `json:"thoughtsTokenCount"`
	ToolUsePromptTokenCount int64 `json:"toolUsePromptTokenCount"`
}

func (u *gmUsage) counts() []namedCount {
	return []namedCount{{"promptTokenCount", u.PromptTokenCount}, {"cachedContentTokenCount", u.CachedContentTokenCount},
		{"candidatesTokenCount", u.CandidatesTokenCount}, {"thoughtsTokenCount", u.ThoughtsTokenCount},
		{"toolUsePromptTokenCount", u.ToolUsePromptTokenCount}}
}

func (u *gmUsage) normalise() *Usage {
	return (&geminiTokens{Input: u.PromptTokenCount, Cached: u.CachedContentTokenCount, Output: u.CandidatesTokenCount,
		Thoughts: u.ThoughtsTokenCount, Tool: u.ToolUsePromptTokenCount}).normalise()
}

// gmResponse is a GenerateContentResponse, or one chunk of a stream.
type gmResponse struct {
	Candidates []struct {
		Content gmContent `json:"content"`
	} `json:"candidates"`
	UsageMetadata *gmUsage `json:"usageMetadata"`
	ModelVersion  string   `json:"modelVersion"`
	ResponseID    string   `json:"responseId"`
	CreateTime    string   `json:"createTime"`
}

// tools lists the request's function declarations.
func (r *gmRequest) tools() []Tool {
	var out []Tool
	for _, t := range r.Tools {
		for _, f := range t.FunctionDeclarations {
			p := f.Parameters
			for _, alt := range []json.RawMessage{f.ParametersSchema, f.ParametersSnake} {
				if len(p) == 0 {
					p = alt
				}
			}
			out = append(out, Tool{Name: f.Name, Description: f.Description, Parameters: compactJSON(p)})
		}
	}
	return out
}

// compactJSON is raw without the white space of a pretty-printed log: a
// schema is sent compact.
func compactJSON(raw json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	if len(raw) == 0 || json.Compact(&b, raw) != nil {
		return raw
	}
	return b.Bytes()
}

// messages converts the request's system instruction and contents.
func (r *gmRequest) messages() []Message {
	var out []Message
	if r.SystemInstruction != nil {
		if m := gmMessage(RoleSystem, r.SystemInstruction.Parts); len(m) > 0 {
			m[0].Role = RoleSystem
			out = append(out, m[0])
		}
	}
	for _, c := range r.Contents {
		role := RoleUser
		if c.Role == "model" {
			role = RoleAssistant
		}
		out = append(out, gmMessage(role, c.Parts)...)
	}
	return out
}

// gmMessage turns a content's parts into messages: function responses
// become tool messages; the rest is one message of role.
func gmMessage(role Role, parts []gmPart) []Message {
	m := Message{Role: role}
	var text, thoughts []string
	var tools []Message
	for _, p := range parts {
		switch {
		case p.FunctionCall != nil:
			m.ToolCalls = append(m.ToolCalls, ToolCall{ID: p.FunctionCall.ID, Name: p.FunctionCall.Name, Arguments: jsonText(compactJSON(p.FunctionCall.Args))})
		case p.FunctionResponse != nil:
			tools = append(tools, Message{Role: RoleTool, Name: p.FunctionResponse.Name, ToolCallID: p.FunctionResponse.ID,
				Content: jsonText(compactJSON(p.FunctionResponse.Response))})
		case p.Thought:
			thoughts = append(thoughts, p.Text)
		case p.Text != "":
			text = append(text, p.Text)
		case len(p.InlineData) > 0 || len(p.FileData) > 0:
			m.Images++
		case len(p.ExecutableCode) > 0:
			text = append(text, jsonText(p.ExecutableCode))
		case len(p.CodeExecutionResult) > 0:
			text = append(text, jsonText(p.CodeExecutionResult))
		}
	}
	m.Content, m.Reasoning = strings.Join(text, "\n"), strings.Join(thoughts, "\n")
	if role == RoleAssistant || m.Content != "" || m.Images > 0 || len(m.ToolCalls) > 0 || len(tools) == 0 {
		return append([]Message{m}, tools...)
	}
	return tools
}

// parseGeminiRequest reads a generateContent request body.
func parseGeminiRequest(body []byte, out *Request) error {
	var req gmRequest
	if err := decodeJSON(body, &req); err != nil {
		return jsonError("request", body, 0, "", err)
	}
	out.Model, out.Tools, out.Messages = strings.TrimPrefix(req.Model, "models/"), req.tools(), req.messages()
	return nil
}

// parseGeminiResponse reads a response: the JSON object, a JSON array of
// stream chunks (streamGenerateContent without alt=sse), or the SSE text
// of a stream. A stream's parts are joined; its usage is the last chunk's
// (each chunk carries the running total).
func parseGeminiResponse(body []byte) (*Message, error) {
	body = bytes.TrimSpace(body)
	var chunks []gmResponse
	switch {
	case len(body) > 0 && body[0] == '{':
		var r gmResponse
		if err := json.Unmarshal(body, &r); err != nil {
			return nil, err
		}
		chunks = append(chunks, r)
	case len(body) > 0 && body[0] == '[':
		if err := json.Unmarshal(body, &chunks); err != nil {
			return nil, err
		}
	default:
		for line := range bytes.Lines(body) {
			data, ok := bytes.CutPrefix(bytes.TrimSpace(line), []byte("data:"))
			if !ok {
				continue
			}
			var r gmResponse
			if err := json.Unmarshal(bytes.TrimSpace(data), &r); err != nil {
				return nil, fmt.Errorf("stream event: %s", jsonMsg(err))
			}
			chunks = append(chunks, r)
		}
		if len(chunks) == 0 {
			return nil, fmt.Errorf("response body is neither JSON nor a server-sent event stream")
		}
	}
	var parts []gmPart
	var usage *gmUsage
	m := Message{Role: RoleAssistant}
	for _, c := range chunks {
		if len(c.Candidates) > 0 {
			parts = append(parts, c.Candidates[0].Content.Parts...)
		}
		if c.UsageMetadata != nil {
			usage = c.UsageMetadata
		}
		if c.ModelVersion != "" {
			m.Model = c.ModelVersion
		}
		if c.ResponseID != "" {
			m.ResponseID = "gemini/" + c.ResponseID
		}
		if t, err := time.Parse(time.RFC3339Nano, c.CreateTime); err == nil {
			m.Time = t
		}
	}
	built := gmMessage(RoleAssistant, mergeTextParts(parts))[0]
	built.Model, built.ResponseID, built.Time = m.Model, m.ResponseID, m.Time
	if usage != nil {
		if err := checkCounts("", 0, "$.usageMetadata", usage.counts()...); err != nil {
			return nil, err
		}
		built.Usage = usage.normalise()
	}
	return &built, nil
}

// mergeTextParts joins consecutive text parts of the same kind (thought
// or not), as a stream splits one part into many.
func mergeTextParts(parts []gmPart) []gmPart {
	var out []gmPart
	for _, p := range parts {
		n := len(out)
		if n > 0 && p.Text != "" && out[n-1].Text != "" && out[n-1].Thought == p.Thought &&
			p.FunctionCall == nil && out[n-1].FunctionCall == nil {
			out[n-1].Text += p.Text
			continue
		}
		out = append(out, p)
	}
	return out
}

// gmModelFromURL returns the model a Gemini API URL names
// (…/models/gemini-2.5-flash:generateContent), or "".
func gmModelFromURL(url string) string {
	_, rest, ok := strings.Cut(url, "/models/")
	if !ok {
		return ""
	}
	model, _, _ := strings.Cut(rest, ":")
	return model
}

// readGeminiAPI reads a request body (one call awaiting its reply), a
// response alone (one call whose input is not in the file), or pairs.
func readGeminiAPI(data []byte, file string) ([]*Conversation, error) {
	return readAPIBody(data, file, APIGemini)
}
