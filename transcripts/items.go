package transcripts

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// jsonItem is one object of a JSON array or one JSONL line, with where it
// stands for error messages.
type jsonItem struct {
	raw  json.RawMessage
	line int    // its line, 0 when unknown
	path string // its JSON path
}

// jsonItems splits data into objects: JSONL lines when jsonl is set, the
// elements of a JSON array, or a single object.
func jsonItems(data []byte, file string, jsonl bool) ([]jsonItem, error) {
	trimmed := bytes.TrimSpace(data)
	var items []jsonItem
	switch {
	case jsonl:
		for i, line := range bytes.Split(data, []byte{'\n'}) {
			if line = bytes.TrimSpace(line); len(line) > 0 {
				items = append(items, jsonItem{raw: line, line: i + 1, path: "$"})
			}
		}
	case len(trimmed) > 0 && trimmed[0] == '[':
		var raws []json.RawMessage
		if err := decodeJSON(trimmed, &raws); err != nil {
			return nil, jsonError(file, data, 0, "", err)
		}
		for i, r := range raws {
			it := jsonItem{raw: r, path: fmt.Sprintf("$[%d]", i)}
			if at := bytes.Index(data, r); at >= 0 {
				it.line = lineAt(data, int64(at))
			}
			items = append(items, it)
		}
	default:
		items = append(items, jsonItem{raw: trimmed, line: 1, path: "$"})
	}
	return items, nil
}
