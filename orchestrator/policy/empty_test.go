package policy

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// Empty names every list or mapping of rules that holds none, at its
// line; a policy with rules in every list has none to name.
func TestEmptyNamesListsOfNoRules(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       []string // nil: none
	}{
		{"termination: []", "termination: []\n", []string{"line 1: the policy holds no rules, so it never stops a conversation; give it rules, such as max_messages: 100"}},
		{"termination: {}", "termination: {}\n", []string{"line 1: the policy holds no rules"}},
		{"a bare []", "[]\n", []string{"line 1: the policy holds no rules"}},
		{"any: []", "any: []\n", []string{"line 1: any: [] holds no rules, so it never stops a conversation; give it rules, such as max_messages: 100"}},
		{"all: [] among rules", "any:\n  - max_messages: 5\n  - all: []\n", []string{"line 3: all: [] holds no rules"}},
		{"a {} among rules", "- max_messages: 5\n- {}\n", []string{"line 2: {} holds no rules"}},
		{"every one", "termination:\n  any:\n    - any: []\n    - all:\n        - {}\n", []string{"line 3: any: []", "line 5: {} holds no rules"}},
		{"rules in every list", "termination:\n  any:\n    - max_messages: 5\n    - all: [{min_messages: 2}, {loop: {}}]\n", nil},
		{"a rule's empty settings are its defaults", "loop: {}\n", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var doc yaml.Node
			if err := yaml.Unmarshal([]byte(c.yaml), &doc); err != nil {
				t.Fatal(err)
			}
			n := Unwrap(&doc)
			if _, err := Parse(n); err != nil {
				t.Fatalf("does not parse: %v", err)
			}
			errs := Empty(n)
			if len(errs) != len(c.want) {
				t.Fatalf("%d problems, want %d: %v", len(errs), len(c.want), errs)
			}
			for i, w := range c.want {
				if !strings.HasPrefix(errs[i].Error(), w) {
					t.Errorf("problem %d = %q, want one starting %q", i+1, errs[i], w)
				}
			}
		})
	}
}
