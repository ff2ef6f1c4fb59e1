package policy

import (
	"testing"

	"gopkg.in/yaml.v3"
)

func TestBounded(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       bool
	}{
		{"the default set", "", true},
		{"a budget alone", "max_messages: 40", true},
		{"a budget beside a loop rule", "any: [loop: {}, max_messages: 40]", true},
		{"a mapping of rules with a budget", "{loop: {}, max_duration: 10m}", true},
		{"a token budget", "max_tokens: 5000", true},
		{"a cost budget", "max_cost: 2", true},
		{"a guarded budget", "[min_messages: 50, max_messages: 100]", true},
		{"no rule at all", "{}", false},
		{"an empty list", "[]", false},
		{"a guard alone", "any: [min_messages: 5]", false},
		{"rules that read the conversation only", "any: [loop: {}, repetition: {}]", false},
		{"a budget under all: beside a loop rule", "all: [max_messages: 10, loop: {}]", false},
		{"budgets under all:", "all: [max_messages: 10, max_duration: 5m]", true},
		{"an all: that bounds under an any:", "any: [loop: {}, all: [max_messages: 10, max_tokens: 100]]", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var p Policy = Default()
			if c.yaml != "" {
				var n yaml.Node
				if err := yaml.Unmarshal([]byte(c.yaml), &n); err != nil {
					t.Fatal(err)
				}
				var err error
				if p, err = Parse(n.Content[0]); err != nil {
					t.Fatal(err)
				}
			}
			if got := Bounded(p); got != c.want {
				t.Errorf("Bounded(%s) = %v, want %v", c.yaml, got, c.want)
			}
		})
	}
}
