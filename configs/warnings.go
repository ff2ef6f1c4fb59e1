package configs

import (
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/parleyhq/parley/orchestrator/policy"
)

// Warnings are what in the scenario does not do what it seems to, each a
// sentence with the file and line (see policy.Warnings). A scenario with
// warnings still runs.
func (s *Scenario) Warnings() []string {
	p, err := s.Policy()
	if err != nil {
		return nil
	}
	var out []string
	for _, w := range policy.Warnings(p) {
		e := &Error{File: s.Path, Line: ruleLine(&s.Termination, w.Rule, w.N), Msg: "termination: " + w.Msg}
		if e.Line == 0 {
			e.Line = s.lines["termination"]
		}
		out = append(out, e.Error())
	}
	return out
}

// ruleLine is the line of the first rule named rule with value n in a
// termination block, or 0.
func ruleLine(n *yaml.Node, rule string, v int) int {
	if n == nil {
		return 0
	}
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k, val := n.Content[i], n.Content[i+1]; k.Value == rule && val.Value == strconv.Itoa(v) {
				return k.Line
			}
		}
	}
	for _, c := range n.Content {
		if l := ruleLine(c, rule, v); l > 0 {
			return l
		}
	}
	return 0
}
