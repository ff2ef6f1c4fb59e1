package policy

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// Empty finds, in the policy n (a termination: block or a bare policy),
// every list or mapping of rules that holds none: termination: [], any:
// [], all: [], a {} among the rules. Each parses, and never stops a
// conversation. A scenario runs with one, warned of (see Bounded); a
// policy file given to check, show, report or resume is refused with it,
// as an empty file is. Each is "line N: …".
func Empty(n *yaml.Node) []error {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	var errs []error
	empty := func(at *yaml.Node, what string) {
		errs = append(errs, lineErr(at, fmt.Sprintf("%s holds no rules, so it never stops a conversation; give it rules, such as max_messages: 100", what)))
	}
	if (n.Kind == yaml.SequenceNode || n.Kind == yaml.MappingNode) && len(n.Content) == 0 {
		return []error{lineErr(n, "the policy holds no rules, so it never stops a conversation; give it rules, such as max_messages: 100")}
	}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		switch n.Kind {
		case yaml.SequenceNode:
			for _, item := range n.Content {
				walk(item)
			}
		case yaml.MappingNode:
			if len(n.Content) == 0 {
				empty(n, "{}")
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if !HoldsRules(k.Value) {
					continue
				}
				switch {
				case v.Kind == yaml.SequenceNode && len(v.Content) == 0:
					empty(v, k.Value+": []")
				case v.Kind == yaml.SequenceNode:
					for _, item := range v.Content {
						walk(item)
					}
				}
			}
		}
	}
	walk(n)
	return errs
}
