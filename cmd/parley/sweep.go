package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"gopkg.in/yaml.v3"
)

// sweepAxis is one --sweep: a rule's field and the values to try.
type sweepAxis struct {
	spec   string
	rule   string
	field  string // "" sets the rule's own value, as for max_messages
	values []string
}

// parseSweeps reads specs such as "end_token.exchanges=1..4" or
// "repetition.threshold=0.8,0.85,0.9".
func parseSweeps(specs []string) ([]sweepAxis, error) {
	var out []sweepAxis
	for _, s := range specs {
		key, vals, ok := strings.Cut(s, "=")
		if !ok || key == "" || vals == "" {
			return nil, fmt.Errorf("--sweep %q: write RULE.FIELD=A..B or RULE.FIELD=X,Y,Z, such as end_token.exchanges=1..4", s)
		}
		rule, field, _ := strings.Cut(key, ".")
		ax := sweepAxis{spec: s, rule: rule, field: field}
		if lo, hi, isRange := strings.Cut(vals, ".."); isRange {
			a, err1 := strconv.Atoi(strings.TrimSpace(lo))
			b, err2 := strconv.Atoi(strings.TrimSpace(hi))
			if err1 != nil || err2 != nil || b < a || b-a > 1000 {
				return nil, fmt.Errorf("--sweep %q: a range is two whole numbers, low..high, such as 1..4", s)
			}
			for v := a; v <= b; v++ {
				ax.values = append(ax.values, strconv.Itoa(v))
			}
		} else {
			for _, v := range strings.Split(vals, ",") {
				if v = strings.TrimSpace(v); v != "" {
					ax.values = append(ax.values, v)
				}
			}
		}
		if len(ax.values) == 0 {
			return nil, fmt.Errorf("--sweep %q: no values to try", s)
		}
		out = append(out, ax)
	}
	return out, nil
}

// sweepPoint is one combination of values and how the policy fared.
type sweepPoint struct {
	Settings map[string]string `json:"settings"`
	values   []string
	summary
}

func runSweep(w io.Writer, asJSON bool, base *yaml.Node, source string, grid []sweepAxis, items []checked) error {
	// Every combination, the first axis varying slowest.
	combos := [][]string{nil}
	for _, ax := range grid {
		var next [][]string
		for _, c := range combos {
			for _, v := range ax.values {
				next = append(next, append(append([]string(nil), c...), v))
			}
		}
		combos = next
	}
	var points []sweepPoint
	for _, combo := range combos {
		node := cloneNode(base)
		pt := sweepPoint{Settings: map[string]string{}, values: combo}
		for i, ax := range grid {
			if err := setRule(node, ax, combo[i]); err != nil {
				return err
			}
			pt.Settings[ax.rule+dotField(ax.field)] = combo[i]
		}
		_, sum, err := evaluate(node, source, items)
		if err != nil {
			return fmt.Errorf("--sweep at %s: %w", describe(pt.Settings), err)
		}
		pt.summary = sum
		points = append(points, pt)
	}
	if asJSON {
		enc := json.NewEncoder(w)
		for _, p := range points {
			if err := enc.Encode(p); err != nil {
				return err
			}
		}
		return nil
	}
	best := 0
	for i, p := range points {
		b := points[best]
		if p.Passed > b.Passed || (p.Passed == b.Passed && p.Wasted < b.Wasted) {
			best = i
		}
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	var head []string
	for _, ax := range grid {
		head = append(head, strings.ToUpper(ax.rule+dotField(ax.field)))
	}
	fmt.Fprintf(tw, "%s\tPASS\tCUT\tLATE\tWASTED\tSAVED\t\n", strings.Join(head, "\t"))
	for i, p := range points {
		mark := ""
		if i == best {
			mark = "← best"
		}
		fmt.Fprintf(tw, "%s\t%d/%d\t%d\t%d\t%d\t%d\t%s\n", strings.Join(p.values, "\t"), p.Passed, p.Labelled, p.Cut, p.Late, p.Wasted, p.Saved, mark)
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d points over %d transcripts (%d labelled). PASS counts labelled transcripts stopped inside their window; WASTED counts messages spoken past stop_by.\n",
		len(points), len(items), points[0].Labelled)
	return nil
}

func dotField(f string) string {
	if f == "" {
		return ""
	}
	return "." + f
}

func describe(m map[string]string) string {
	var parts []string
	for k, v := range m {
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, " ")
}

// setRule sets field to value in every rule named ax.rule in the policy
// tree. A rule written in its short scalar form (end_token: "[END]")
// becomes a mapping that keeps its value under its main field.
func setRule(n *yaml.Node, ax sweepAxis, value string) error {
	found := 0
	var visit func(n *yaml.Node) error
	visit = func(n *yaml.Node) error {
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if k.Value == ax.rule {
					found++
					if err := setField(v, ax, value); err != nil {
						return err
					}
					continue
				}
				if err := visit(v); err != nil {
					return err
				}
			}
			return nil
		}
		for _, c := range n.Content {
			if err := visit(c); err != nil {
				return err
			}
		}
		return nil
	}
	if err := visit(n); err != nil {
		return err
	}
	if found == 0 {
		return fmt.Errorf("--sweep %q: the policy has no %s rule to vary", ax.spec, ax.rule)
	}
	return nil
}

// shortForms names the field a rule's short scalar form sets.
var shortForms = map[string]string{"end_token": "token", "stop_pattern": "pattern", "max_tokens": "limit"}

func setField(v *yaml.Node, ax sweepAxis, value string) error {
	scalar := func(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: s} }
	if ax.field == "" {
		if v.Kind != yaml.ScalarNode {
			return fmt.Errorf("--sweep %q: %s takes settings; name one, as in %s.FIELD=…", ax.spec, ax.rule, ax.rule)
		}
		*v = *scalar(value)
		return nil
	}
	if v.Kind == yaml.ScalarNode {
		main, ok := shortForms[ax.rule]
		if !ok {
			return fmt.Errorf("--sweep %q: %s takes a single value; write --sweep %s=…", ax.spec, ax.rule, ax.rule)
		}
		old := *v
		*v = yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{scalar(main), &old}}
	}
	if v.Kind != yaml.MappingNode {
		return fmt.Errorf("--sweep %q: %s is not a mapping of settings", ax.spec, ax.rule)
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		if v.Content[i].Value == ax.field {
			v.Content[i+1] = scalar(value)
			return nil
		}
	}
	v.Content = append(v.Content, scalar(ax.field), scalar(value))
	return nil
}

func cloneNode(n *yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	c := *n
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, k := range n.Content {
		c.Content[i] = cloneNode(k)
	}
	return &c
}
