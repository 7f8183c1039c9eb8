package transcripts

import "strings"

// RAGRule decides which content outside the native format is retrieved
// context: text inside <tag>…</tag> for any of Tags, and results of the
// tools named in Tools.
type RAGRule struct {
	Tags  []string
	Tools []string
}

// DefaultRAGRule tags <context> and <documents> blocks.
func DefaultRAGRule() RAGRule {
	return RAGRule{Tags: []string{"context", "documents"}}
}

// Apply marks the retrieved context of c.
func (r RAGRule) Apply(c *Conversation) {
	toolOf := map[string]string{} // tool call id → tool name
	for i := range c.Messages {
		m := &c.Messages[i]
		for _, tc := range m.ToolCalls {
			if tc.ID != "" {
				toolOf[tc.ID] = tc.Name
			}
		}
		if m.RAG {
			continue
		}
		if m.Role == RoleTool && len(r.Tools) > 0 {
			name := m.Name
			if n, ok := toolOf[m.ToolCallID]; ok && name == "" {
				name = n
			}
			for _, t := range r.Tools {
				if strings.EqualFold(t, name) {
					m.RAG = true
				}
			}
			if m.RAG {
				continue
			}
		}
		if m.Role == RoleAssistant {
			continue
		}
		m.RAGSpans = m.RAGSpans[:0:0]
		for _, tag := range r.Tags {
			m.RAGSpans = append(m.RAGSpans, tagSpans(m.Content, tag)...)
		}
	}
}

// tagSpans returns each <tag …>…</tag> block of s, tags included.
func tagSpans(s, tag string) []string {
	var spans []string
	open, closing := "<"+tag, "</"+tag+">"
	for {
		i := strings.Index(s, open)
		if i < 0 {
			return spans
		}
		rest := s[i+len(open):]
		if rest == "" || (rest[0] != '>' && rest[0] != ' ') {
			s = rest
			continue
		}
		j := strings.Index(rest, closing)
		if j < 0 {
			return spans
		}
		end := i + len(open) + j + len(closing)
		spans = append(spans, s[i:end])
		s = s[end:]
	}
}
