package analysis

import (
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/parleyhq/parley/internal/suggest"
	"github.com/parleyhq/parley/orchestrator/policy"
)

// Axis is one --sweep: a rule's field and the values to try.
type Axis struct {
	Spec   string
	Rule   string
	Field  string // "" sets the rule's own value, as for max_messages
	Values []string
}

// ParseSweeps reads specs such as "end_token.exchanges=1..4" or
// "repetition.threshold=0.8,0.85,0.9".
func ParseSweeps(specs []string) ([]Axis, error) {
	var out []Axis
	for _, s := range specs {
		key, vals, ok := strings.Cut(s, "=")
		if !ok || key == "" || vals == "" {
			return nil, fmt.Errorf("--sweep %q: write RULE.FIELD=A..B or RULE.FIELD=X,Y,Z, such as end_token.exchanges=1..4", s)
		}
		rule, field, _ := strings.Cut(key, ".")
		if !slices.Contains(policy.Names(), rule) {
			msg := fmt.Sprintf("--sweep %q: there is no %q rule", s, rule)
			if h := suggest.Hint(rule, policy.Names()); h != "" {
				msg += h
			} else {
				msg += "; the rules are " + strings.Join(policy.Names(), ", ")
			}
			return nil, errors.New(msg)
		}
		ax := Axis{Spec: s, Rule: rule, Field: field}
		if lo, hi, isRange := strings.Cut(vals, ".."); isRange {
			a, err1 := strconv.Atoi(strings.TrimSpace(lo))
			b, err2 := strconv.Atoi(strings.TrimSpace(hi))
			switch {
			case err1 != nil || err2 != nil:
				msg := fmt.Sprintf("--sweep %q: a range is two whole numbers, low..high, such as 1..4", s)
				x, f1 := strconv.ParseFloat(strings.TrimSpace(lo), 64)
				y, f2 := strconv.ParseFloat(strings.TrimSpace(hi), 64)
				if f1 == nil && f2 == nil {
					// Fractions have no steps to take: list them.
					mid := strconv.FormatFloat((x+y)/2, 'g', 4, 64)
					msg += fmt.Sprintf("; list other values with commas, such as %s=%s,%s,%s", key, strings.TrimSpace(lo), mid, strings.TrimSpace(hi))
				}
				return nil, errors.New(msg)
			case b < a:
				return nil, fmt.Errorf("--sweep %q: the range runs down from %d to %d; write the low end first, %d..%d", s, a, b, b, a)
			}
			// Counted before a value is made: 1..100000000 would take
			// memory and time before any transcript is read.
			span := uint64(b) - uint64(a) // the values less one, which fits where their number might not
			if span >= MaxPoints {
				n := new(big.Int).Add(new(big.Int).SetUint64(span), big.NewInt(1))
				return nil, fmt.Errorf("--sweep %q: the range holds %s values, and a sweep tries at most %d points; narrow it, such as %d..%d", s, n, MaxPoints, a, a+MaxPoints-1)
			}
			for i := range int(span) + 1 { // not v <= b, which never ends when b is the largest int
				ax.Values = append(ax.Values, strconv.Itoa(a+i))
			}
		} else {
			// An empty value (3,,4) is a slip, and a value given twice
			// would be tried twice, as two rows of one point.
			list := strings.Split(vals, ",")
			if len(list) > MaxPoints {
				return nil, fmt.Errorf("--sweep %q: %d values, and a sweep tries at most %d points; give fewer", s, len(list), MaxPoints)
			}
			for i, v := range list {
				v = strings.TrimSpace(v)
				switch {
				case v == "":
					return nil, fmt.Errorf("--sweep %q: value %d is empty; list the values with one comma between each, such as %s=3,4", s, i+1, key)
				case slices.Contains(ax.Values, v):
					return nil, fmt.Errorf("--sweep %q: %s is given twice; give each value once", s, v)
				}
				ax.Values = append(ax.Values, v)
			}
		}
		if len(ax.Values) == 0 {
			return nil, fmt.Errorf("--sweep %q: no values to try", s)
		}
		if len(ax.Values) > MaxPoints {
			return nil, fmt.Errorf("--sweep %q: %d values, and a sweep tries at most %d points; give fewer", s, len(ax.Values), MaxPoints)
		}
		// A second --sweep of the same field would set it over the first
		// one's value at every point, and the table would label the rows
		// with values that were never tried.
		if i := slices.IndexFunc(out, func(o Axis) bool { return o.Name() == ax.Name() }); i >= 0 {
			return nil, fmt.Errorf("--sweep %q: %s is already swept by --sweep %q; give all its values in one --sweep%s",
				s, ax.Name(), out[i].Spec, oneSweep(ax.Name(), out[i].Values, ax.Values))
		}
		out = append(out, ax)
	}
	if err := checkSize(out); err != nil {
		return nil, err
	}
	return out, nil
}

// MaxPoints is the most points a sweep's grid may hold. Each point judges
// every transcript: over the labelled corpus's 93 conversations, 1000
// points take 30 s to a minute on two cores, in about 100 MiB (each
// point's settings, policy and tallies, however many transcripts there
// are; check renews a point's rules for each transcript).
const MaxPoints = 1000

// checkSize refuses a grid of more than MaxPoints points, counted from its
// axes before any point is made.
func checkSize(grid []Axis) error {
	if len(grid) == 0 {
		return nil
	}
	n := big.NewInt(1)
	var sizes []string
	for _, ax := range grid {
		n.Mul(n, big.NewInt(int64(len(ax.Values))))
		sizes = append(sizes, strconv.Itoa(len(ax.Values)))
	}
	if n.Cmp(big.NewInt(MaxPoints)) <= 0 {
		return nil
	}
	return fmt.Errorf("--sweep: the grid holds %s points (%s values), and a sweep tries at most %d; give fewer values, or sweep one field at a time",
		n, strings.Join(sizes, " × "), MaxPoints)
}

// oneSweep suggests the single --sweep that gives a field both lists of
// values, when they are few enough to write out.
func oneSweep(name string, a, b []string) string {
	vals := slices.Clone(a)
	for _, v := range b {
		if !slices.Contains(vals, v) {
			vals = append(vals, v)
		}
	}
	if len(vals) > 8 {
		return ""
	}
	return ", such as --sweep " + name + "=" + strings.Join(vals, ",")
}

// Point is one combination of a grid's values, with the policy it makes.
type Point struct {
	Settings map[string]string // "rule.field" → value
	Values   []string          // the values, in the grid's axis order
	Node     *yaml.Node        // the policy with those values set
}

// Points makes every combination of the grid's values, the first axis
// varying slowest, each applied to a copy of base.
func Points(base *yaml.Node, grid []Axis) ([]Point, error) {
	if err := checkSize(grid); err != nil {
		return nil, err
	}
	combos := [][]string{nil}
	for _, ax := range grid {
		var next [][]string
		for _, c := range combos {
			for _, v := range ax.Values {
				next = append(next, append(append([]string(nil), c...), v))
			}
		}
		combos = next
	}
	points := make([]Point, 0, len(combos))
	for _, combo := range combos {
		pt := Point{Settings: map[string]string{}, Values: combo, Node: cloneNode(base)}
		for i, ax := range grid {
			if err := setRule(pt.Node, ax, SweepLine(i), combo[i]); err != nil {
				return nil, err
			}
			pt.Settings[ax.Name()] = combo[i]
		}
		points = append(points, pt)
	}
	return points, nil
}

// SweepLine is the line a value set by the grid's axis i is said to be
// on: below 1, which no line of a file is, so that a problem policy.Parse
// finds in it ("line -1: …") can be told from one in the file, and said
// of its --sweep (see SweepOf).
func SweepLine(i int) int { return -1 - i }

// SweepOf is the index in grid of the axis whose value is on line (see
// SweepLine), if any.
func SweepOf(grid []Axis, line int) (int, bool) {
	i := -1 - line
	return i, i >= 0 && i < len(grid)
}

// Sweepable names what a --sweep can vary, in the form it takes: RULE for
// a rule written as its value alone (max_messages), RULE.FIELD for each
// setting of a rule that has settings, which a rule written in its short
// form (end_token: "[END]", max_cost: 2.50) takes too. A rule that holds
// rules (any, all) has nothing of its own to vary.
func Sweepable() []string {
	var out []string
	for _, rule := range policy.Names() {
		settings := policy.Settings(rule)
		switch {
		case len(settings) > 0:
			for _, f := range settings {
				out = append(out, rule+"."+f)
			}
		case !policy.HoldsRules(rule):
			out = append(out, rule)
		}
	}
	return out
}

// Name is the axis as written, "rule.field" or "rule".
func (ax Axis) Name() string { return ax.Rule + dotField(ax.Field) }

func dotField(f string) string {
	if f == "" {
		return ""
	}
	return "." + f
}

// setRule sets field to value in every rule named ax.Rule in the policy
// tree. A rule written in its short scalar form (end_token: "[END]")
// becomes a mapping that keeps its value under its main field. An
// end_token rule that counts the other way (messages for an exchanges
// sweep, as the default set's hang-up rules do) is left as it is.
func setRule(n *yaml.Node, ax Axis, line int, value string) error {
	found, other := 0, ""
	var visit func(n *yaml.Node) error
	visit = func(n *yaml.Node) error {
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if k.Value == ax.Rule {
					if o := countsOtherWay(v, ax); o != "" {
						other = o
						continue
					}
					found++
					if err := setField(v, ax, line, value); err != nil {
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
	if found == 0 && other != "" {
		return fmt.Errorf("--sweep %q: the policy's %s rules count %s, not %s; sweep %s.%s instead", ax.Spec, ax.Rule, other, ax.Field, ax.Rule, other)
	}
	if found == 0 {
		return &NoRuleError{Axis: ax}
	}
	return nil
}

// NoRuleError is Points' error for an axis whose rule the policy does not
// hold, so that a command can say where to add one: to the file it gave
// to --policy, or, for the default set, in a file of its own.
type NoRuleError struct{ Axis Axis }

func (e *NoRuleError) Error() string {
	return fmt.Sprintf("--sweep %q: the policy has no %s rule to vary", e.Axis.Spec, e.Axis.Rule)
}

// countsOtherWay names the count an end_token rule v sets when ax sweeps
// the other one (exchanges and messages exclude each other); "" otherwise.
func countsOtherWay(v *yaml.Node, ax Axis) string {
	if ax.Rule != "end_token" || v.Kind != yaml.MappingNode {
		return ""
	}
	var other string
	switch ax.Field {
	case "exchanges":
		other = "messages"
	case "messages":
		other = "exchanges"
	default:
		return ""
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		if v.Content[i].Value == other {
			return other
		}
	}
	return ""
}

// shortForms names the field a rule's short scalar form sets.
var shortForms = map[string]string{"end_token": "token", "stop_pattern": "pattern", "max_tokens": "limit", "max_cost": "usd"}

func setField(v *yaml.Node, ax Axis, line int, value string) error {
	scalar := func(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: s, Line: line} }
	if ax.Field == "" {
		if v.Kind != yaml.ScalarNode {
			return fmt.Errorf("--sweep %q: %s takes settings; name one, as in %s.FIELD=…", ax.Spec, ax.Rule, ax.Rule)
		}
		*v = *scalar(value)
		return nil
	}
	if v.Kind == yaml.ScalarNode {
		main, ok := shortForms[ax.Rule]
		if !ok {
			return fmt.Errorf("--sweep %q: %s takes a single value; write --sweep %s=…", ax.Spec, ax.Rule, ax.Rule)
		}
		old := *v
		key := scalar(main)
		key.Line = old.Line
		*v = yaml.Node{Kind: yaml.MappingNode, Line: old.Line, Column: old.Column, Content: []*yaml.Node{key, &old}}
	}
	if v.Kind != yaml.MappingNode {
		return fmt.Errorf("--sweep %q: %s is not a mapping of settings", ax.Spec, ax.Rule)
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		if v.Content[i].Value == ax.Field {
			v.Content[i+1] = scalar(value)
			return nil
		}
	}
	v.Content = append(v.Content, scalar(ax.Field), scalar(value))
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
