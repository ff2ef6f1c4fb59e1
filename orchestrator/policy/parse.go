package policy

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/parleyhq/parley/internal/suggest"
)

// A builder turns one rule's YAML value into a Policy.
type builder func(value *yaml.Node) (Policy, error)

var builders = map[string]builder{}

func register(name string, b builder) { builders[name] = b }

func init() {
	register("any", func(n *yaml.Node) (Policy, error) { return parseList(n, "any") })
	register("all", func(n *yaml.Node) (Policy, error) {
		l, err := parseListNodes(n, "all")
		if err != nil {
			return nil, err
		}
		return guarded(l, func(ps []Policy) Policy { return All(ps) }), nil
	})
	register("max_messages", func(n *yaml.Node) (Policy, error) {
		c, msg := count(n, "max_messages")
		if msg != "" {
			return nil, lineErr(n, msg)
		}
		return MaxMessages{N: c, m: new(memo[struct{}])}, nil
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
		} else if err := StrictDecode(n, "end_token", &c); err != nil {
			return nil, err
		}
		var probs problems
		if c.Token == "" {
			probs.add(n, "end_token.token must not be empty")
		}
		if !slices.Contains([]string{MatchContains, MatchBare, MatchLine}, c.Match) {
			probs.add(n, fmt.Sprintf("end_token.match is %q; use contains, bare or line", c.Match))
		}
		if c.Exchanges < 0 || c.Messages < 0 {
			probs.add(n, "end_token counts must not be negative")
		}
		// A count written as 0 would silently mean the default, 2 exchanges.
		for _, f := range []struct {
			name string
			v    int
		}{{"exchanges", c.Exchanges}, {"messages", c.Messages}} {
			if at := fieldNode(n, f.name); at != n && f.v == 0 {
				probs.add(at, fmt.Sprintf("end_token.%s is 0, which counts nothing; give 1 or more (messages: 1 stops at the first message that uses the token), or leave it out for exchanges: 2", f.name))
			}
		}
		if c.Exchanges > 0 && c.Messages > 0 {
			probs.add(n, "end_token takes exchanges or messages, not both")
		}
		if err := probs.err(); err != nil {
			return nil, err
		}
		if c.Exchanges == 0 && c.Messages == 0 {
			c.Exchanges = 2
		}
		return EndToken{Token: c.Token, Match: c.Match, Exchanges: c.Exchanges, Messages: c.Messages, m: new(endTokenMemo)}, nil
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

// HoldsRules reports whether rule holds other rules (any, all) rather
// than a value or settings of its own.
func HoldsRules(rule string) bool { return rule == "any" || rule == "all" }

// Settings names the settings of rule that take one value each (a number,
// a text, a switch, a duration), as its reading declares them and in that
// order: the settings a check --sweep can set. nil for a rule written as
// its value alone (max_messages: 50) or holding rules (any, all).
func Settings(rule string) []string {
	b, ok := builders[rule]
	if !ok {
		return nil
	}
	_, err := b(settingsProbe)
	var s settingsOf
	if errors.As(err, &s) {
		return s
	}
	return nil
}

// settingsProbe is the node Settings hands a rule's reading: StrictDecode
// answers it with a settingsOf, reading nothing.
var settingsProbe = &yaml.Node{Kind: yaml.MappingNode}

// settingsOf is StrictDecode's answer to settingsProbe: the settings of
// the rule that take one value each.
type settingsOf []string

func (settingsOf) Error() string { return "the settings of a rule" }

// oneValue reports whether a setting of type t takes one value, not a list
// or a mapping.
func oneValue(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map, reflect.Struct, reflect.Interface:
		return false
	}
	return true
}

// Parse builds a policy from a scenario's termination: value. A list or a
// mapping of several rules means any of them.
func Parse(n *yaml.Node) (Policy, error) {
	if n == nil || n.Kind == 0 {
		return nil, nil
	}
	fractions := Fractions(n, WholeFields)
	p, err := parse(n)
	if len(fractions) == 0 {
		return p, err
	}
	// Every other mistake is said beside the fractions, each once: the
	// rules' own reading names a fraction in a setting it reads too.
	errs := fractions
	for _, e := range Errors(err) {
		if !slices.ContainsFunc(errs, func(f error) bool { return f.Error() == e.Error() }) {
			errs = append(errs, e)
		}
	}
	return nil, joined(errs)
}

// WholeFields are the settings of rules and scenarios that count: a
// fraction written for one is refused, where YAML would cut it silently.
var WholeFields = map[string]bool{
	"max_messages": true, "min_messages": true, "count": true, "within": true, "exchanges": true, "messages": true,
	"in_a_row": true, "total": true, "every": true, "window": true, "shingle": true, "block": true, "new_words": true,
	"limit": true, "max_tokens": true, "seed": true, "retries": true, "runs": true, "parallel": true,
	"concurrent": true, "per_minute": true,
}

// Fractions finds, under n, the fields named in whole whose value is a
// number with a fraction ("max_tokens: 1.5"), each as "line N: …". A
// decoder would cut such a value to its whole part without a word.
func Fractions(n *yaml.Node, whole map[string]bool) []error {
	var errs []error
	// parent is the key whose value n is, such as loop for loop's
	// settings, so that a sentence names loop.count; "" in a list.
	var walk func(n *yaml.Node, parent string)
	walk = func(n *yaml.Node, parent string) {
		if n == nil {
			return
		}
		if n.Kind != yaml.MappingNode {
			for _, c := range n.Content {
				walk(c, "")
			}
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			// ShortTag, not Tag: a value --sweep set has no tag written.
			if whole[k.Value] && v.Kind == yaml.ScalarNode && v.ShortTag() == "!!float" {
				name := k.Value
				if parent != "" {
					name = parent + "." + name
				}
				errs = append(errs, lineErr(v, fmt.Sprintf("%s: %s is not a whole number", name, v.Value)))
			}
			walk(v, k.Value)
		}
	}
	walk(n, "")
	return errs
}

// parse is Parse once the numbers are known to be whole.
func parse(n *yaml.Node) (Policy, error) {
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	switch n.Kind {
	case yaml.SequenceNode:
		return parseList(n, "termination")
	case yaml.MappingNode:
		// Every rule is read, so that each one's mistake is reported at
		// once (errors.Join), not one a run.
		var ps []Policy
		var errs []error
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			b, ok := builders[k.Value]
			if !ok {
				errs = append(errs, lineErr(k, unknown(fmt.Sprintf("unknown termination policy %q", k.Value), k.Value, Names(), "the policies are")))
				continue
			}
			p, err := b(v)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			ps = append(ps, p)
		}
		if len(errs) > 0 {
			return nil, joined(errs)
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
	items := n.Content
	switch n.Kind {
	case yaml.SequenceNode:
	case yaml.MappingNode:
		// A mapping of rules, one a key, as termination: itself takes
		// them: each key and its value is one item of the list.
		items = nil
		for i := 0; i+1 < len(n.Content); i += 2 {
			items = append(items, &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: n.Content[i].Line, Column: n.Content[i].Column,
				Content: []*yaml.Node{n.Content[i], n.Content[i+1]}})
		}
	default:
		return nil, lineErr(n, name+": must be a list of policies, or a mapping of them, one a key")
	}
	var ps []Policy
	var errs []error
	for _, item := range items {
		p, err := parse(item)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if p != nil {
			ps = append(ps, p)
		}
	}
	if len(errs) > 0 {
		return nil, joined(errs)
	}
	return ps, nil
}

// joined is one error, or several joined (see Errors).
func joined(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}

// Errors splits what Parse returns into one error a mistake, each
// starting "line N: " where the mistake has a line.
func Errors(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, Errors(e)...)
		}
		return out
	}
	if err == nil {
		return nil
	}
	return []error{err}
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
var wrapAny = func(ps []Policy) Policy {
	return guarded(ps, func(ps []Policy) Policy { return Any(ps) })
}

func lineErr(n *yaml.Node, msg string) error {
	return fmt.Errorf("line %d: %s", n.Line, msg)
}

// problems collects what is wrong with one rule's settings, each at its
// line, so that all of them are reported at once.
type problems []error

func (p *problems) add(n *yaml.Node, msg string) { *p = append(*p, lineErr(n, msg)) }

// err is every problem (Errors lists them), or nil.
func (p problems) err() error { return errors.Join(p...) }

// StrictDecode decodes a mapping node into the struct out points to,
// rejecting keys the struct does not name and values of the wrong kind
// (text where a number belongs), every one with its line, as a sentence
// that names the field as rule.field.
func StrictDecode(n *yaml.Node, rule string, out any) error {
	t := reflect.TypeOf(out).Elem()
	if n.Kind != yaml.MappingNode {
		var eg []string
		for i := 0; i < t.NumField() && len(eg) < 2; i++ {
			eg = append(eg, strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]+": …")
		}
		return lineErr(n, fmt.Sprintf("%s; write them as %s: {%s}", notA(rule, n, "a mapping of settings"), rule, strings.Join(eg, ", ")))
	}
	fields := map[string]reflect.Type{}
	var names []string
	for i := 0; i < t.NumField(); i++ {
		tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
		if tag != "" && tag != "-" {
			fields[tag] = t.Field(i).Type
			names = append(names, tag)
		}
	}
	if n == settingsProbe {
		var one settingsOf
		for _, name := range names {
			if oneValue(fields[name]) {
				one = append(one, name)
			}
		}
		return one
	}
	var probs problems
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		ft, ok := fields[k.Value]
		if !ok {
			probs.add(k, unknown(fmt.Sprintf("%s: unknown field %q", rule, k.Value), k.Value, names, rule+" takes"))
			continue
		}
		if msg, at := kindProblem(rule+"."+k.Value, v, ft); msg != "" {
			probs.add(at, msg)
		}
	}
	if err := probs.err(); err != nil {
		// The settings that can be read are read all the same, so a rule
		// can say what else is wrong with them in the same round.
		n.Decode(out)
		return err
	}
	if err := n.Decode(out); err != nil {
		return fmt.Errorf("line %d: %v", n.Line, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	return nil
}

// kindProblem says why v cannot be read as a value of type t for the
// setting named name, and at which node, or "" when it can: a number
// written as text (a quoted 50), true where a count belongs, a list where
// text does.
func kindProblem(name string, v *yaml.Node, t reflect.Type) (string, *yaml.Node) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	at := v
	if v.Kind == yaml.AliasNode && v.Alias != nil {
		v = v.Alias
	}
	tag := v.ShortTag()
	if t == reflect.TypeFor[Duration]() {
		if _, err := time.ParseDuration(v.Value); v.Kind != yaml.ScalarNode || err != nil {
			return fmt.Sprintf("%s: %q is not a duration such as 30s or 2m", name, v.Value), at
		}
		return "", nil
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int64:
		switch {
		case v.Kind == yaml.ScalarNode && tag == "!!int":
			return "", nil
		case v.Kind == yaml.ScalarNode && tag == "!!float":
			return fmt.Sprintf("%s: %s is not a whole number", name, v.Value), at
		}
		return notA(name, v, "a whole number"), at
	case reflect.Float64:
		if v.Kind == yaml.ScalarNode && (tag == "!!int" || tag == "!!float") {
			return "", nil
		}
		return notA(name, v, "a number"), at
	case reflect.Bool:
		if v.Kind == yaml.ScalarNode && tag == "!!bool" {
			return "", nil
		}
		return notA(name, v, "true or false"), at
	case reflect.String:
		if v.Kind == yaml.ScalarNode {
			return "", nil
		}
		return notA(name, v, "text"), at
	case reflect.Slice:
		if v.Kind != yaml.SequenceNode {
			if v.Kind == yaml.ScalarNode && tag == "!!null" {
				return "", nil
			}
			return notA(name, v, "a list"), at
		}
		for i, item := range v.Content {
			if msg, at := kindProblem(fmt.Sprintf("%s: item %d", name, i+1), item, t.Elem()); msg != "" {
				return msg, at
			}
		}
	}
	return "", nil
}

// notA says that v, the value of the setting name, is not what the
// setting takes.
func notA(name string, v *yaml.Node, want string) string {
	switch {
	case v.Kind == yaml.SequenceNode:
		return fmt.Sprintf("%s holds a list, not %s", name, want)
	case v.Kind == yaml.MappingNode:
		return fmt.Sprintf("%s holds a mapping, not %s", name, want)
	case v.ShortTag() == "!!null":
		return fmt.Sprintf("%s is empty; it takes %s", name, want)
	case v.ShortTag() == "!!str":
		msg := fmt.Sprintf("%s: %q is text, not %s", name, v.Value, want)
		var num yaml.Node
		if strings.HasPrefix(want, "a") && yaml.Unmarshal([]byte(v.Value), &num) == nil && len(num.Content) == 1 {
			key := name[strings.LastIndex(name, ".")+1:]
			if tag := num.Content[0].ShortTag(); !strings.Contains(key, ":") && (tag == "!!int" || (tag == "!!float" && want == "a number")) {
				msg += fmt.Sprintf("; write it without quotes, as %s: %s", key, v.Value)
			}
		}
		return msg
	case v.ShortTag() == "!!bool":
		return fmt.Sprintf("%s: %s is true or false, not %s", name, v.Value, want)
	case v.ShortTag() == "!!int" || v.ShortTag() == "!!float":
		return fmt.Sprintf("%s: %s is a number, not %s", name, v.Value, want)
	}
	return fmt.Sprintf("%s: %s is not %s", name, v.Value, want)
}

// count reads a rule written as one whole number of at least 1, such as
// max_messages: 100, or says what is wrong with it.
func count(n *yaml.Node, rule string) (int, string) {
	if msg, _ := kindProblem(rule, n, reflect.TypeFor[int]()); msg != "" {
		return 0, msg
	}
	var c int
	if err := n.Decode(&c); err != nil || c < 1 {
		return 0, fmt.Sprintf("%s is %s; it takes a whole number of at least 1", rule, n.Value)
	}
	return c, ""
}

// fieldNode returns the value node of key in mapping n, or n itself.
func fieldNode(n *yaml.Node, key string) *yaml.Node {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				return n.Content[i+1]
			}
		}
	}
	return n
}

func init() {
	register("min_messages", func(n *yaml.Node) (Policy, error) {
		c, msg := count(n, "min_messages")
		if msg != "" {
			return nil, lineErr(n, msg)
		}
		return MinMessages{N: c, m: new(memo[struct{}])}, nil
	})
	register("max_duration", func(n *yaml.Node) (Policy, error) {
		if n.Kind != yaml.ScalarNode {
			// max_duration is written as the duration itself.
			return nil, lineErr(n, notA("max_duration", n, "a duration; write it as max_duration: 30m"))
		}
		d, err := time.ParseDuration(n.Value)
		if err != nil {
			return nil, lineErr(n, fmt.Sprintf("max_duration is %q; write a duration such as 90s, 30m or 2h", n.Value))
		}
		if d <= 0 {
			return nil, lineErr(n, fmt.Sprintf("max_duration is %s; a conversation's time limit is above 0, such as 90s, 30m or 2h", n.Value))
		}
		return MaxDuration{D: d, m: new(memo[timeSpan])}, nil
	})
	register("max_tokens", func(n *yaml.Node) (Policy, error) {
		c := struct {
			Limit int    `yaml:"limit"`
			Count string `yaml:"count"`
		}{Count: CountCompletion}
		if n.Kind == yaml.ScalarNode {
			if msg, _ := kindProblem("max_tokens", n, reflect.TypeFor[int]()); msg != "" {
				return nil, lineErr(n, msg)
			}
			n.Decode(&c.Limit)
		} else if err := StrictDecode(n, "max_tokens", &c); err != nil {
			return nil, err
		}
		var probs problems
		if c.Limit < 1 {
			probs.add(fieldNode(n, "limit"), "max_tokens needs a limit: a whole number of at least 1, as in max_tokens: 200000 or {limit: 200000, count: total}")
		}
		if c.Count != CountCompletion && c.Count != CountTotal {
			probs.add(fieldNode(n, "count"), fmt.Sprintf("max_tokens.count is %q; use completion or total", c.Count))
		}
		if err := probs.err(); err != nil {
			return nil, err
		}
		return &MaxTokens{N: c.Limit, Count: c.Count}, nil
	})
	register("repetition", func(n *yaml.Node) (Policy, error) {
		c := struct {
			Threshold float64 `yaml:"threshold"`
			Window    int     `yaml:"window"`
			Speaker   string  `yaml:"speaker"`
			Count     int     `yaml:"count"`
			Within    int     `yaml:"within"`
			Shingle   int     `yaml:"shingle"`
			Block     int     `yaml:"block"`
		}{Threshold: 0.85, Window: 4, Speaker: "any", Count: 3, Shingle: 3, Block: 40}
		if err := StrictDecode(n, "repetition", &c); err != nil {
			return nil, err
		}
		var probs problems
		if !(c.Threshold > 0 && c.Threshold <= 1) { // NaN too
			probs.add(fieldNode(n, "threshold"), "repetition.threshold must be above 0 and at most 1, such as 0.85")
		}
		if c.Window < 1 {
			probs.add(fieldNode(n, "window"), "repetition.window must be at least 1")
		}
		if c.Speaker != "any" && c.Speaker != "same" {
			probs.add(fieldNode(n, "speaker"), fmt.Sprintf("repetition.speaker is %q; use any or same", c.Speaker))
		}
		if c.Count < 1 {
			probs.add(fieldNode(n, "count"), "repetition.count must be at least 1")
		}
		if c.Within < 0 || (c.Within > 0 && c.Within < c.Count) {
			probs.add(fieldNode(n, "within"), "repetition.within must be 0 (in a row) or at least count")
		}
		if c.Shingle < 1 || c.Shingle > 8 {
			probs.add(fieldNode(n, "shingle"), "repetition.shingle must be between 1 and 8 words")
		}
		if c.Block < 0 {
			probs.add(fieldNode(n, "block"), "repetition.block must not be negative (0 turns the overlap off)")
		}
		if err := probs.err(); err != nil {
			return nil, err
		}
		block := c.Block
		if block == 0 {
			block = -1
		}
		return &Repetition{Threshold: c.Threshold, Window: c.Window, SameSpeaker: c.Speaker == "same",
			Count: c.Count, Within: c.Within, Shingle: c.Shingle, Block: block}, nil
	})
	register("stagnation", func(n *yaml.Node) (Policy, error) {
		c := struct {
			Count    int     `yaml:"count"`
			Novelty  float64 `yaml:"novelty"`
			NewWords int     `yaml:"new_words"`
		}{Count: 4, Novelty: 0.15, NewWords: 10}
		if err := StrictDecode(n, "stagnation", &c); err != nil {
			return nil, err
		}
		var probs problems
		if c.Count < 1 {
			probs.add(fieldNode(n, "count"), "stagnation.count must be at least 1")
		}
		if !(c.Novelty > 0 && c.Novelty <= 1) { // NaN too
			probs.add(fieldNode(n, "novelty"), "stagnation.novelty must be above 0 and at most 1, such as 0.15")
		}
		if c.NewWords < 1 {
			probs.add(fieldNode(n, "new_words"), "stagnation.new_words must be at least 1")
		}
		if err := probs.err(); err != nil {
			return nil, err
		}
		return &Stagnation{Count: c.Count, Novelty: c.Novelty, NewWords: c.NewWords}, nil
	})
	register("loop", func(n *yaml.Node) (Policy, error) {
		c := struct {
			Threshold float64 `yaml:"threshold"`
			Count     int     `yaml:"count"`
			Within    int     `yaml:"within"`
			Lower     float64 `yaml:"lower"`
			Sure      float64 `yaml:"sure"`
			Token     string  `yaml:"token"`
			Model     string  `yaml:"model"`
		}{}
		if n.Kind == yaml.ScalarNode && (n.Tag == "!!null" || n.Value == "default" || n.Value == "") {
			return &Loop{}, nil
		}
		if err := StrictDecode(n, "loop", &c); err != nil {
			return nil, err
		}
		// A field left out is the model's; one written is what it says,
		// so a written 0 is refused, not read as the model's.
		written := func(f string) bool { return fieldNode(n, f) != n }
		var probs problems
		var m *LoopModel
		switch {
		case !written("model"):
			m = BuiltinLoopModel()
		case c.Model == "":
			probs.add(fieldNode(n, "model"), "loop.model is empty; give a file written by parley train --out FILE, or leave model out for parley's own")
		default:
			var err error
			m, err = LoadLoopModel(c.Model)
			switch {
			case errors.Is(err, fs.ErrNotExist):
				probs.add(fieldNode(n, "model"), fmt.Sprintf("loop.model: %s does not exist; write a model with parley train --out FILE", c.Model))
			case err != nil:
				probs.add(fieldNode(n, "model"), fmt.Sprintf("loop.model: %v; write a model with parley train --out FILE", err))
			}
		}
		// What leaving a field out gives, for the sentences below.
		models := func(v any) string {
			if m == nil {
				return "the model's"
			}
			return fmt.Sprintf("the model's (%v)", v)
		}
		var mThr, mLower, mSure any
		var mCount, mWithin int
		if m != nil {
			mThr, mLower, mSure, mCount, mWithin = m.Threshold, m.Lower, m.Sure, m.Count, max(m.Within, m.Count)
		}
		if written("threshold") && !(c.Threshold > 0 && c.Threshold < 1) {
			probs.add(fieldNode(n, "threshold"), fmt.Sprintf("loop.threshold is %s; it takes a chance above 0 and below 1, or leave it out for %s", fieldNode(n, "threshold").Value, models(mThr)))
		}
		if written("lower") && !(c.Lower > 0 && c.Lower < 1) {
			probs.add(fieldNode(n, "lower"), fmt.Sprintf("loop.lower is %s; it takes a chance above 0 and below 1 (at the threshold or above, nothing is eased), or leave it out for %s", fieldNode(n, "lower").Value, models(mLower)))
		}
		if written("sure") && !(c.Sure > 0 && c.Sure <= 1) {
			probs.add(fieldNode(n, "sure"), fmt.Sprintf("loop.sure is %s; it takes a chance above 0 and at most 1, or leave it out for %s", fieldNode(n, "sure").Value, models(mSure)))
		} else if thr := c.Threshold; written("sure") && (written("threshold") || m != nil) {
			whose := "loop.threshold"
			if !written("threshold") {
				thr, whose = m.Threshold, "the model's threshold"
			}
			if c.Sure < thr {
				probs.add(fieldNode(n, "sure"), fmt.Sprintf("loop.sure is %s, below %s (%v); a sure message is at least as likely as the threshold asks, so give sure from %v to 1", fieldNode(n, "sure").Value, whose, thr, thr))
			}
		}
		if written("count") && c.Count < 1 {
			probs.add(fieldNode(n, "count"), fmt.Sprintf("loop.count is %d; it takes 1 or more messages, or leave it out for %s", c.Count, models(mCount)))
		}
		if written("within") && c.Within < 1 {
			probs.add(fieldNode(n, "within"), fmt.Sprintf("loop.within is %d; it takes 1 or more messages, at least count, or leave it out for %s", c.Within, models(mWithin)))
		}
		if written("token") && c.Token == "" {
			probs.add(fieldNode(n, "token"), "loop.token is empty; give the end token the signals look for, such as \"[END]\", or leave it out for the model's")
		}
		// count and within each default to the model's, apart: count
		// alone counts among the model's within, and within alone looks
		// for the model's count. Either one past the other is refused, not
		// stretched to fit.
		if c.Count >= 1 && c.Within >= 1 && c.Within < c.Count {
			probs.add(fieldNode(n, "within"), fmt.Sprintf("loop.within is %d, fewer than loop.count (%d); it takes at least count, as in {count: %d, within: %d}", c.Within, c.Count, c.Count, c.Count))
		} else if m != nil && c.Count > mWithin && !written("within") {
			probs.add(fieldNode(n, "count"), fmt.Sprintf("loop.count is %d, and without within it counts among the model's last %d messages; write within: %d or more beside it, or a count from 1 to %d", c.Count, mWithin, c.Count, mWithin))
		} else if m != nil && c.Within >= 1 && c.Within < mCount && !written("count") {
			probs.add(fieldNode(n, "within"), fmt.Sprintf("loop.within is %d, and without count it looks for the model's %d; write a count of at most %d beside it, or a within of %d or more", c.Within, mCount, c.Within, mCount))
		}
		if err := probs.err(); err != nil {
			return nil, err
		}
		p := &Loop{Threshold: c.Threshold, Lower: c.Lower, Sure: c.Sure, Count: c.Count, Within: c.Within, Token: c.Token}
		if written("model") {
			p.Model = m
		}
		return p, nil
	})
	register("refusal", func(n *yaml.Node) (Policy, error) {
		c := struct {
			InARow   int      `yaml:"in_a_row"`
			Total    int      `yaml:"total"`
			Patterns []string `yaml:"patterns"`
			Builtin  *bool    `yaml:"builtin"`
		}{}
		if err := StrictDecode(n, "refusal", &c); err != nil {
			return nil, err
		}
		var probs problems
		// A count left out is not counted (in_a_row: 3 when neither is
		// written); one written as 0 would silently mean the same, so it
		// is refused.
		for _, f := range []struct {
			name, what string
			v          int
		}{{"in_a_row", "refusals in a row by one speaker", c.InARow}, {"total", "refusals in all", c.Total}} {
			if at := fieldNode(n, f.name); at != n && f.v < 1 {
				probs.add(at, fmt.Sprintf("refusal.%s is %d; it takes 1 or more %s, or leave it out (with neither in_a_row nor total, in_a_row is 3)", f.name, f.v, f.what))
			}
		}
		builtin := c.Builtin == nil || *c.Builtin
		if !builtin && len(c.Patterns) == 0 {
			probs.add(fieldNode(n, "builtin"), "refusal with builtin: false needs patterns: to match")
		}
		pn := fieldNode(n, "patterns")
		for i, s := range c.Patterns {
			if _, err := regexp.Compile("(?i)" + s); err != nil {
				at := pn
				if pn.Kind == yaml.SequenceNode && i < len(pn.Content) {
					at = pn.Content[i]
				}
				probs.add(at, fmt.Sprintf("refusal pattern %q is not a valid regular expression: %v", s,
					strings.TrimPrefix(err.Error(), "error parsing regexp: ")))
			}
		}
		if err := probs.err(); err != nil {
			return nil, err
		}
		if c.InARow == 0 && c.Total == 0 {
			c.InARow = 3
		}
		return NewRefusal(c.InARow, c.Total, builtin, c.Patterns)
	})
	register("stop_pattern", func(n *yaml.Node) (Policy, error) {
		c := struct {
			Pattern string `yaml:"pattern"`
		}{}
		at := n
		if n.Kind == yaml.ScalarNode {
			c.Pattern = n.Value
		} else {
			if err := StrictDecode(n, "stop_pattern", &c); err != nil {
				return nil, err
			}
			at = fieldNode(n, "pattern")
		}
		if c.Pattern == "" {
			return nil, lineErr(at, "stop_pattern needs a regular expression, as in stop_pattern: '(?i)goodbye forever'")
		}
		re, err := regexp.Compile(c.Pattern)
		if err != nil {
			return nil, lineErr(at, fmt.Sprintf("stop_pattern %q is not a valid regular expression: %v", c.Pattern,
				strings.TrimPrefix(err.Error(), "error parsing regexp: ")))
		}
		return StopPattern{Pattern: re, m: new(memo[struct{}])}, nil
	})
	register("judge", func(n *yaml.Node) (Policy, error) {
		var c JudgeConfig
		var probs problems
		if err := StrictDecode(n, "judge", &c); err != nil {
			if n.Kind != yaml.MappingNode {
				return nil, err
			}
			// Every problem at once: what else is wrong is said too.
			probs = append(probs, Errors(err)...)
		}
		readable := func(field string, t reflect.Type) bool {
			msg, _ := kindProblem("", fieldNode(n, field), t)
			return msg == ""
		}
		if c.Model == "" {
			probs.add(n, "judge needs a model:, the moderator model to ask")
		}
		if c.Provider == "" && c.BaseURL == "" {
			probs.add(n, "judge needs a provider: or a base_url:, as an agent does")
		}
		// Left out, every and window are 10 and 20 (see NewJudge); written
		// as 0 they would silently be the same, so they are refused.
		if at := fieldNode(n, "every"); at != n && c.Every < 1 && readable("every", reflect.TypeFor[int]()) {
			probs.add(at, fmt.Sprintf("judge.every is %d; it takes 1 or more messages between questions to the judge, or leave it out for 10", c.Every))
		}
		if at := fieldNode(n, "window"); at != n && c.Window < 1 && readable("window", reflect.TypeFor[int]()) {
			probs.add(at, fmt.Sprintf("judge.window is %d; it takes 1 or more messages to show the judge, or leave it out for 20", c.Window))
		}
		if err := probs.err(); err != nil {
			return nil, err
		}
		return NewJudge(c), nil
	})
}

// DefaultYAML is the policy set parley uses when a scenario names none,
// written as a scenario would write it. The choice and the evidence for
// it are in the repository's README.md, under the termination policies.
const DefaultYAML = `any:
  # Nothing stops the first messages: an opening is often odd (a blank
  # prompt, a refusal, a lone [END]) and a loop needs a few turns to show.
  - min_messages: 4
  # A backstop for runaway costs, far above any healthy recording we have.
  - max_messages: 1000
  # Messages that look like a loop to the model trained on the labelled
  # corpus: farewells, [END] echoes, restating the other side, templates,
  # collapse to single tokens, refusals on both sides (see loop.go).
  - loop: {}
  # A cap: an end token traded for ten exchanges in a row, whatever else
  # is said. Models sign off with [END] and go on with new substance.
  - end_token: {token: "[END]", exchanges: 10}
  # Hang-ups that other tools' protocols end a run on, sent by one side:
  # ^C^C alone on a line (a simulated terminal's exit), the task-done
  # token the instructing side of a role-playing pair sends, and
  # TERMINATE alone on a line (an assistant agent's "the task is done").
  - end_token: {token: "^C^C", messages: 1, match: line}
  - end_token: {token: "<CAMEL_TASK_DONE>", messages: 1}
  - end_token: {token: "TERMINATE", messages: 1, match: line}
`

// Default is the policy set parley uses when a scenario names none (see
// DefaultYAML). Each call builds a fresh set: build one per conversation.
// DefaultYAML is parsed once; each call copies its rules' settings into
// new rules, which is cheaper than parsing, as `parley check` builds a set
// for every transcript.
func Default() Policy {
	defaultOnce.Do(func() {
		p, err := ParseYAML([]byte(DefaultYAML))
		if err != nil {
			panic("policy: the default set does not parse: " + err.Error())
		}
		defaultTemplate = p
	})
	if p, ok := Renew(defaultTemplate); ok {
		return p
	}
	p, _ := ParseYAML([]byte(DefaultYAML))
	return p
}

var (
	defaultOnce     sync.Once
	defaultTemplate Policy
)

// Renew returns a copy of p with the same settings and none of the state
// its rules remember between checks, as a fresh parse would give: a
// policy parsed once can be renewed for each conversation, which is
// cheaper than parsing it again. It reports false for a rule it does not
// know how to copy (a judge, which is attached to a model); parse those
// again.
//
// The copy's rules that only count spoken messages (min_messages,
// max_messages, stop_pattern, the guard min_messages makes) share one
// memo: what it holds depends on the messages alone, so each of them
// reads what the first to judge a conversation computed, and a set holds
// one count of a conversation's messages instead of one a rule.
func Renew(p Policy) (Policy, bool) {
	var counts *memo[struct{}]
	return renew(p, &counts)
}

// renew is Renew, with *counts the memo the copy's counting rules share,
// made when the first of them is copied.
func renew(p Policy, counts **memo[struct{}]) (Policy, bool) {
	counter := func() *memo[struct{}] {
		if *counts == nil {
			*counts = new(memo[struct{}])
		}
		return *counts
	}
	list := func(ps []Policy) ([]Policy, bool) {
		out := make([]Policy, len(ps))
		for i, c := range ps {
			var ok bool
			if out[i], ok = renew(c, counts); !ok {
				return nil, false
			}
		}
		return out, true
	}
	switch q := p.(type) {
	case Any:
		out, ok := list(q)
		return Any(out), ok
	case All:
		out, ok := list(q)
		return All(out), ok
	case Guard:
		inner, ok := renew(q.Policy, counts)
		return Guard{Min: q.Min, Policy: inner, m: counter()}, ok
	case MinMessages:
		return MinMessages{N: q.N, m: counter()}, true
	case MaxMessages:
		return MaxMessages{N: q.N, m: counter()}, true
	case MaxDuration:
		return MaxDuration{D: q.D, m: new(memo[timeSpan])}, true
	case EndToken:
		return EndToken{Token: q.Token, Match: q.Match, Exchanges: q.Exchanges, Messages: q.Messages, m: new(endTokenMemo)}, true
	case StopPattern:
		return StopPattern{Pattern: q.Pattern, m: counter()}, true
	case *MaxTokens:
		return &MaxTokens{N: q.N, Count: q.Count}, true
	case *Repetition:
		return &Repetition{Threshold: q.Threshold, Window: q.Window, SameSpeaker: q.SameSpeaker,
			Count: q.Count, Within: q.Within, Shingle: q.Shingle, Block: q.Block}, true
	case *Stagnation:
		return &Stagnation{Count: q.Count, Novelty: q.Novelty, NewWords: q.NewWords}, true
	case *Loop:
		return &Loop{Model: q.Model, Threshold: q.Threshold, Lower: q.Lower, Sure: q.Sure, Count: q.Count, Within: q.Within, Token: q.Token}, true
	case *Refusal:
		return &Refusal{InARow: q.InARow, Total: q.Total, Builtin: q.Builtin, Patterns: q.Patterns}, true
	}
	return nil, false
}

// ParseYAML parses a policy written as YAML text: either a termination:
// block, as in a scenario, or the bare policy. Errors name the line.
func ParseYAML(data []byte) (Policy, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	return Parse(Unwrap(&doc))
}

// ParseScenarioFrom parses the termination: block of a scenario's YAML
// read from a file in dir, as the scenario's run parsed it: a loop rule's
// model: file is looked for as given, then in dir (ResolveFiles). It is
// nil, with no error, for a scenario without a termination: block (or
// with one of no rules), which runs under the default set; the rest of
// the scenario is never read as rules.
func ParseScenarioFrom(data []byte, dir string) (Policy, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, nil
	}
	top := doc.Content[0].Content
	for i := 0; i+1 < len(top); i += 2 {
		if top[i].Value == "termination" {
			ResolveFiles(top[i+1], dir)
			return Parse(top[i+1])
		}
	}
	return nil, nil
}

// Unwrap returns the policy node of a YAML document that holds either a
// termination: block (perhaps in a whole scenario) or the bare policy. A
// scenario without the block comes back whole, to be read as rules: a
// caller that may be given one tells it apart first (ParseScenarioFrom,
// and configs for a policy file).
func Unwrap(doc *yaml.Node) *yaml.Node {
	n := doc
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == "termination" {
				return n.Content[i+1]
			}
		}
	}
	return n
}

// unknown is the sentence for a name that is none of known: what, then
// the closest known name as a suggestion when there is one, and the list
// after list ("the policies are", "loop takes").
func unknown(what, name string, known []string, list string) string {
	all := list + " " + strings.Join(known, ", ")
	if c := suggest.Closest(name, known); c != "" {
		return fmt.Sprintf("%s; did you mean %q? (%s)", what, c, all)
	}
	return what + "; " + all
}

// ResolveFiles makes the files a policy names (a loop rule's model:)
// findable from a YAML file in dir, as a replay agent's transcript is: a
// relative path that does not exist as given, from the working folder,
// but does beside that file, is rewritten to the path beside it. n is
// changed in place.
func ResolveFiles(n *yaml.Node, dir string) {
	if n == nil || dir == "" {
		return
	}
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k, v := n.Content[i], n.Content[i+1]; k.Value == "loop" && v.Kind == yaml.MappingNode {
				if m := fieldNode(v, "model"); m != nil && m.Kind == yaml.ScalarNode && m.Value != "" && !filepath.IsAbs(m.Value) {
					beside := filepath.Join(dir, m.Value)
					if _, err := os.Stat(m.Value); err != nil {
						if _, err := os.Stat(beside); err == nil {
							m.Value = beside
						}
					}
				}
			}
		}
	}
	for _, c := range n.Content {
		ResolveFiles(c, dir)
	}
}
