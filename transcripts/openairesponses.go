package transcripts

// FormatOpenAIResponses is OpenAI's Responses API (/v1/responses): a
// request body, a response object, or request/response pairs, streamed
// or not; previous_response_id chains are followed within a file.
const FormatOpenAIResponses = "openai-responses"

func init() {
	Register(Format{
		Name:  FormatOpenAIResponses,
		Doc:   `OpenAI Responses API request or response ({"input":…}, {"object":"response"}), or request/response pairs`,
		Sniff: sniffOpenAIResponses,
		Read: readAllWith(func(data []byte, file string) ([]*Conversation, error) {
			return readAPIBody(data, file, APIOpenAIResponses)
		}),
	})
}

// sniffOpenAIResponses: a response object says so; a request has input
// (a string or items) where Chat Completions has messages.
func sniffOpenAIResponses(s *Shape) int {
	switch {
	case s.Is("object", "response") && s.Kind("output") == '[':
		return Certain
	case s.Is("type", "response.created") && s.Is("response.object", "response"):
		return Certain // a stream's events, one a line
	case s.Has("messages") || s.Has("contents"):
		return 0
	case s.Has("input") && (s.Has("model") || s.Has("instructions")), s.Has("previous_response_id"):
		return 70
	}
	return 0
}
