package genai

import (
	"fmt"
	"strings"
	"testing"
)

func TestAttrs(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    Call
		want string
	}{
		{"priced, tagged", Call{Provider: "openai", RequestModel: "gpt-4o-mini", ResponseModel: "gpt-4o-mini-2024-07-18",
			Conversation: "c1", Input: 100000, Output: 10000, CacheRead: 40000, CacheWrite: 0, Reasoning: 300,
			Cost: 21_000_000_000, Tags: map[string]string{"team": "search", "endpoint": "/ask"}},
			"gen_ai.operation.name=chat gen_ai.provider.name=openai gen_ai.request.model=gpt-4o-mini " +
				"gen_ai.response.model=gpt-4o-mini-2024-07-18 gen_ai.conversation.id=c1 gen_ai.usage.input_tokens=100000 " +
				"gen_ai.usage.output_tokens=10000 gen_ai.usage.cache_read.input_tokens=40000 " +
				"gen_ai.usage.cache_creation.input_tokens=0 gen_ai.usage.reasoning.output_tokens=300 " +
				"gen_ai.usage.cost=0.021 tokenscope.cost_pusd=21000000000 tokenscope.cost_usd=0.021 " +
				"tokenscope.tag.endpoint=/ask tokenscope.tag.team=search"},
		// No price: no cost at all, never $0.
		{"unpriced", Call{RequestModel: "mystery", Input: 5, Output: 1, Unpriced: true},
			"gen_ai.operation.name=chat gen_ai.request.model=mystery gen_ai.usage.input_tokens=5 gen_ai.usage.output_tokens=1 " +
				"gen_ai.usage.cache_read.input_tokens=0 gen_ai.usage.cache_creation.input_tokens=0 " +
				"gen_ai.usage.reasoning.output_tokens=0 tokenscope.unpriced=true"},
	} {
		var got []string
		for _, a := range Attrs(tc.c) {
			got = append(got, fmt.Sprintf("%s=%v", a.Key, a.Value))
		}
		if s := strings.Join(got, " "); s != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, s, tc.want)
		}
	}
}
