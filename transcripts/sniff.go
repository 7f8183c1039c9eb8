package transcripts

import "encoding/json"

// detectAgentFormat names the format of an agent CLI's session or a trace
// export from the keys of its first object (typ is its "type"), or "".
func detectAgentFormat(obj map[string]json.RawMessage, typ string) string {
	has := func(k string) bool { _, ok := obj[k]; return ok }
	switch {
	case codexItemTypes[typ] && has("payload"):
		return FormatCodex
	case has("sessionId") && (has("projectHash") || has("messageId") || (has("messages") && has("startTime"))):
		return FormatGeminiCLI
	case has("resourceSpans") || isSpanDump(obj):
		return FormatOTel
	case isLangfuse(obj):
		return FormatLangfuse
	}
	return ""
}
