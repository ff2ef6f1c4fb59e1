package policy

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// A builder turns one rule's YAML value into a Policy.
type builder func(value *yaml.Node) (Policy, error)

var builders = map[string]builder{}

func register(name string, b builder) { builders[name] = b }

func init() {
	register("any", func(n *yaml.Node) (Policy, error) { return parseList(n, "any") })
	register("all", func(n *yaml.Node) (Policy, error) {
		l, err := parseListNodes(n, "all")
		return All(l), err
	})
	register("max_messages", func(n *yaml.Node) (Policy, error) {
		var c int
		if err := n.Decode(&c); err != nil || c < 1 {
			return nil, lineErr(n, "max_messages must be a whole number of at least 1")
		}
		return MaxMessages{N: c}, nil
	})
	register("end_token", func(n *yaml.Node) (Policy, error) {
		c := struct {
			Token     string `yaml:"token"`
			Match     string `yaml:"match"`
			Exchanges int    `yaml:"exchanges"`
			Messages  int    `yaml:"messages"`
		}{Token: "[END]", Match: MatchContains}
		if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
			c.Token = n.Value
		} else if err := StrictDecode(n, &c); err != nil {
			return nil, err
		}
		if c.Token == "" {
			return nil, lineErr(n, "end_token.token must not be empty")
		}
		if !slices.Contains([]string{MatchContains, MatchBare, MatchLine}, c.Match) {
			return nil, lineErr(n, fmt.Sprintf("end_token.match is %q; use contains, bare or line", c.Match))
		}
		if c.Exchanges < 0 || c.Messages < 0 {
			return nil, lineErr(n, "end_token counts must not be negative")
		}
		if c.Exchanges > 0 && c.Messages > 0 {
			return nil, lineErr(n, "end_token takes exchanges or messages, not both")
		}
		if c.Exchanges == 0 && c.Messages == 0 {
			c.Exchanges = 2
		}
		return EndToken{Token: c.Token, Match: c.Match, Exchanges: c.Exchanges, Messages: c.Messages}, nil
	})
}

// Names lists the rules that can be written under termination:.
func Names() []string {
	var out []string
	for k := range builders {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Parse builds a policy from a scenario's termination: value. A list or a
// mapping of several rules means any of them.
func Parse(n *yaml.Node) (Policy, error) {
	if n == nil || n.Kind == 0 {
		return nil, nil
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	switch n.Kind {
	case yaml.SequenceNode:
		return parseList(n, "termination")
	case yaml.MappingNode:
		var ps []Policy
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			b, ok := builders[k.Value]
			if !ok {
				return nil, lineErr(k, fmt.Sprintf("unknown termination policy %q; known policies: %s",
					k.Value, strings.Join(Names(), ", ")))
			}
			p, err := b(v)
			if err != nil {
				return nil, err
			}
			ps = append(ps, p)
		}
		if len(ps) == 1 {
			return ps[0], nil
		}
		return wrapAny(ps), nil
	default:
		return nil, lineErr(n, "a termination policy must be a mapping such as {max_messages: 100} or a list of them")
	}
}

func parseListNodes(n *yaml.Node, name string) ([]Policy, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, lineErr(n, name+": must be a list of policies")
	}
	var ps []Policy
	for _, item := range n.Content {
		p, err := Parse(item)
		if err != nil {
			return nil, err
		}
		if p != nil {
			ps = append(ps, p)
		}
	}
	return ps, nil
}

func parseList(n *yaml.Node, name string) (Policy, error) {
	ps, err := parseListNodes(n, name)
	if err != nil {
		return nil, err
	}
	return wrapAny(ps), nil
}

// wrapAny builds an Any. It is a hook for rules, such as a guard, that
// shape their siblings.
var wrapAny = func(ps []Policy) Policy { return Any(ps) }

func lineErr(n *yaml.Node, msg string) error {
	return fmt.Errorf("line %d: %s", n.Line, msg)
}

// StrictDecode decodes a mapping node into the struct out points to,
// rejecting keys the struct does not name, with their line.
func StrictDecode(n *yaml.Node, out any) error {
	if n.Kind != yaml.MappingNode {
		return lineErr(n, "expected a mapping of settings")
	}
	t := reflect.TypeOf(out).Elem()
	known := map[string]bool{}
	var names []string
	for i := 0; i < t.NumField(); i++ {
		tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
		if tag != "" && tag != "-" {
			known[tag] = true
			names = append(names, tag)
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if !known[k.Value] {
			return lineErr(k, fmt.Sprintf("unknown field %q; known fields: %s", k.Value, strings.Join(names, ", ")))
		}
	}
	if err := n.Decode(out); err != nil {
		return fmt.Errorf("line %d: %v", n.Line, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	return nil
}

// Default is the policy set parley uses when a scenario names none.
func Default() Policy {
	return Any{
		MaxMessages{N: 100},
		EndToken{Token: "[END]", Match: MatchContains, Exchanges: 2},
	}
}
