package batch

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/parleyhq/parley/agents"
	"github.com/parleyhq/parley/configs"
	"github.com/parleyhq/parley/internal/phrase"
	"github.com/parleyhq/parley/internal/suggest"
)

// Vary is one --vary flag: a scenario field and the values it takes across
// the runs of a batch.
//
// The field is a path into the scenario's YAML: "agents[1].temperature",
// "agents[grok-4].model" (an agent by name), "history.max_messages",
// "termination.any[0].max_messages". A path that starts with an agent field
// rather than a scenario field, such as "seed" or "temperature", sets that
// field on every OpenAI-compatible agent; an agent's own path
// ("agents[0].seed") wins over it.
//
// Values are separated by commas; "A..B" stands for the whole numbers from
// A to B: "seed=1..20", "agents[1].temperature=0.2,0.7,1.0".
type Vary struct {
	Path   string
	Values []string
	// Set says the field came from --set: one value, taken whole, in
	// every run. Sentences about it name --set, as the user typed it.
	Set bool
}

// String gives the flag's value back as it would be typed.
func (v Vary) String() string { return v.Path + "=" + strings.Join(v.Values, ",") }

// Flag is the flag that gave the field: "--set" or "--vary".
func (v Vary) Flag() string {
	if v.Set {
		return "--set"
	}
	return "--vary"
}

// FieldError is a problem with the value one --vary or --set path gave,
// so that the sentence can name the flag the user typed.
type FieldError struct {
	Path string
	Err  error // the sentence, starting with the path (and its value, shown as ShownValue shows it)
}

func (e *FieldError) Error() string { return e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

// fieldErr is a FieldError about path, its sentence as fmt.Errorf makes it.
func fieldErr(path, format string, args ...any) error {
	return &FieldError{Path: path, Err: fmt.Errorf(format, args...)}
}

// scenarioFields are the top-level keys of a scenario; any other first
// segment of a path names an agent field, set on every agent.
var scenarioFields = configs.ScenarioFields()

// checkTop refuses a path whose first segment names neither a scenario
// field nor an agent field, with the field it most likely means.
func checkTop(segs []segment) error {
	top := segs[0].key
	if slices.Contains(scenarioFields, top) || slices.Contains(configs.AgentFields(), top) {
		return nil
	}
	msg := fmt.Sprintf("%q is neither a scenario's field nor an agent's", top) +
		suggest.Hint(top, append(configs.ScenarioFields(), configs.AgentFields()...))
	return errors.New(msg)
}

// ParseVary reads one --vary flag, such as "agents[1].temperature=0.2,0.7".
func ParseVary(spec string) (Vary, error) {
	shown := ShownSpec(spec, true) // the flag as its errors quote it
	path, list, ok := strings.Cut(spec, "=")
	path = strings.TrimSpace(path)
	if !ok || path == "" || strings.TrimSpace(list) == "" {
		return Vary{}, fmt.Errorf("--vary %q: write FIELD=VALUES, such as agents[1].temperature=0.2,0.7,1.0 or seed=1..20", shown)
	}
	if segs, err := parsePath(path); err != nil {
		return Vary{}, fmt.Errorf("--vary %q: %v", shown, err)
	} else if err := checkTop(segs); err != nil {
		return Vary{}, fmt.Errorf("--vary %q: %v", shown, err)
	}
	v := Vary{Path: path}
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if lo, hi, ok := strings.Cut(item, ".."); ok {
			a, err1 := strconv.Atoi(strings.TrimSpace(lo))
			b, err2 := strconv.Atoi(strings.TrimSpace(hi))
			switch {
			case err1 != nil || err2 != nil:
				return Vary{}, fmt.Errorf("--vary %q: %q is not a range of whole numbers such as 1..20", shown, ShownValue(path, item))
			case b < a:
				return Vary{}, fmt.Errorf("--vary %q: the range %q runs down from %d to %d; write the low end first, %d..%d", shown, ShownValue(path, item), a, b, b, a)
			}
			// The span in uint64, where it fits though b-a may not.
			span := uint64(b) - uint64(a) // the values less one
			if span >= 100000 {
				return Vary{}, fmt.Errorf("--vary %q: the range %q has more than 100000 values", shown, ShownValue(path, item))
			}
			for i := range int(span) + 1 { // not n <= b, which never ends when b is the largest int
				v.Values = append(v.Values, strconv.Itoa(a+i))
			}
			continue
		}
		v.Values = append(v.Values, item)
	}
	seen := map[string]bool{}
	for _, x := range v.Values {
		if seen[x] {
			return Vary{}, fmt.Errorf("--vary %q: the value %q is listed twice", shown, ShownValue(path, x))
		}
		seen[x] = true
	}
	return v, nil
}

// Grid returns every combination of the varied values, the first flag
// varying slowest. With no flags it holds one empty combination.
func Grid(vs []Vary) ([]map[string]string, error) {
	paths := map[string]bool{}
	for _, v := range vs {
		if paths[v.Path] {
			return nil, fmt.Errorf("--vary %s is given twice; list all its values in one flag", v.Path)
		}
		paths[v.Path] = true
	}
	out := []map[string]string{{}}
	for _, v := range vs {
		var next []map[string]string
		for _, combo := range out {
			for _, val := range v.Values {
				m := make(map[string]string, len(combo)+1)
				for k, x := range combo {
					m[k] = x
				}
				m[v.Path] = val
				next = append(next, m)
			}
		}
		out = next
	}
	return out, nil
}

// SameFields refuses two flags whose paths, spelled differently, name
// one field of the scenario src (file names it in the sentence): an item
// of a list by its index or by its name (agents[0] and agents[A] when the
// first agent is named A), an index written with leading zeros or a sign
// (agents[00], agents[+0]), and in a roster a roster agent by its name or
// its place (agents[Kimi K2], roster.agents[Kimi K2], roster.agents[2]).
// It refuses as well a path that lies inside another, spelled either way
// (termination.any[0].max_messages inside termination.any, agents[0].headers.X-A
// inside agents[A].headers). Applied, only one of them would take effect,
// and every run would record the other's value as one it used. The
// sentence names both paths as they were typed, each with its flag.
func SameFields(file string, src []byte, vs []Vary) error {
	_, root, err := configs.ParseMapping(src)
	if err != nil {
		return nil // loading the scenario says what is wrong with it
	}
	where := ""
	if file != "" {
		where = file + ": "
	}
	fields := make([]string, len(vs))
	for j, v := range vs {
		fields[j] = fieldOf(root, v.Path)
		for i, w := range vs[:j] {
			switch {
			case fields[i] == fields[j]:
				advice := "give its values to one of them"
				switch {
				case !w.Set && !v.Set:
					advice = "list all its values in one flag"
				case w.Set && v.Set:
					advice = "give it once"
				}
				return fmt.Errorf("%s%s %s and %s %s name the same field; %s", where, w.Flag(), w.Path, v.Flag(), v.Path, advice)
			case within(fields[j], fields[i]):
				return fmt.Errorf("%s%s", where, liesInside(v, w))
			case within(fields[i], fields[j]):
				return fmt.Errorf("%s%s", where, liesInside(w, v))
			}
		}
	}
	return nil
}

// liesInside is the sentence refusing the flag in, whose field lies
// inside the one out gives whole.
func liesInside(in, out Vary) string {
	advice := "give it in the value of " + out.Path
	if !out.Set {
		advice = "give it in each value of " + out.Path
	}
	return fmt.Sprintf("%s %s lies inside %s %s; %s", in.Flag(), in.Path, out.Flag(), out.Path, advice)
}

// within reports whether the field path in lies inside the field path
// out, both written one way (as fieldOf writes them): a field of it
// (termination.any[0] inside termination), or an item of the list it
// names (agents[0] inside agents).
func within(in, out string) bool {
	a, err1 := parsePath(in)
	b, err2 := parsePath(out)
	if err1 != nil || err2 != nil {
		return false
	}
	ta, tb := pathTokens(a), pathTokens(b)
	return len(tb) < len(ta) && slices.Equal(ta[:len(tb)], tb)
}

// pathTokens is a path's fields and indexes, each apart: agents[0].model
// is agents, [0], model.
func pathTokens(segs []segment) []string {
	var out []string
	for _, s := range segs {
		out = append(out, s.key)
		if s.hasIndex {
			out = append(out, "["+s.index+"]")
		}
	}
	return out
}

// fieldOf is the field path names in the scenario root, written one way
// whatever its spelling: each index of a list by its number from 0 (an
// item named where the list's items have names, as set finds it), and a
// roster agent under roster.agents by its number. A path the scenario
// does not resolve is written as given, its numbers aside: applying it
// says what is wrong.
func fieldOf(root *yaml.Node, path string) string {
	segs, err := parsePath(path)
	if err != nil {
		return path
	}
	segs = numberedSegs(segs)
	if r := lookup(root, "roster"); r != nil && r.Kind == yaml.MappingNode {
		// A pair's agents[0] and agents[1] are its seats; a roster agent
		// named is the same agent under roster.agents.
		list := lookup(r, "agents")
		if list == nil || list.Kind != yaml.SequenceNode {
			return joinPath(segs)
		}
		switch {
		case segs[0].key == "agents" && segs[0].hasIndex && len(segs) > 1:
			if _, err := strconv.Atoi(segs[0].index); err != nil {
				if i := itemNamed(list, segs[0].index); i >= 0 {
					segs = append([]segment{{key: "roster"}, {key: "agents", index: strconv.Itoa(i), hasIndex: true}}, segs[1:]...)
				}
			}
		case segs[0].key == "roster" && len(segs) > 1 && segs[1].key == "agents" && segs[1].hasIndex:
			if _, err := strconv.Atoi(segs[1].index); err != nil {
				if i := itemNamed(list, segs[1].index); i >= 0 {
					segs[1].index = strconv.Itoa(i)
				}
			}
		}
		return joinPath(segs)
	}
	node := root
	for i, s := range segs {
		if node == nil || node.Kind != yaml.MappingNode {
			break
		}
		child := lookup(node, s.key)
		node = nil
		if !s.hasIndex || child == nil || child.Kind != yaml.SequenceNode {
			node = child
			continue
		}
		n, err := strconv.Atoi(s.index)
		if err != nil {
			if n = itemNamed(child, s.index); n < 0 {
				break
			}
			segs[i].index = strconv.Itoa(n)
		}
		if n >= 0 && n < len(child.Content) {
			node = child.Content[n]
		}
	}
	return joinPath(segs)
}

// itemNamed is the place of the first item of list whose name is name,
// or -1: how index finds an item a path names.
func itemNamed(list *yaml.Node, name string) int {
	for i, item := range list.Content {
		if item.Kind == yaml.MappingNode {
			if n := lookup(item, "name"); n != nil && n.Value == name {
				return i
			}
		}
	}
	return -1
}

// FormatValues writes a combination as "seed=3 agents[1].temperature=0.7",
// in a stable order.
func FormatValues(vals map[string]string) string {
	var parts []string
	for _, k := range orderedPaths(vals) {
		parts = append(parts, k+"="+vals[k])
	}
	return strings.Join(parts, " ")
}

// ShownValues is vals as parley records and prints them: a header's
// value redacted whole, and a URL's user and password (a varied
// base_url). Running a job uses the values themselves, from the manifest.
func ShownValues(vals map[string]string) map[string]string {
	if vals == nil {
		return nil
	}
	out := make(map[string]string, len(vals))
	for k, v := range vals {
		out[k] = ShownValue(k, v)
	}
	return out
}

// ShownValue is the value a --set or --vary path takes, as parley prints
// it: a header's value redacted whole, and a key given for api_key (or
// in place of api_key_env's variable, api_key_file's path or provider's
// name, or anywhere a value holds one, which validation refuses without
// repeating it), a URL without its secrets.
func ShownValue(path, v string) string {
	if isHeaderPath(path) {
		return agents.Redacted
	}
	switch field := path[strings.LastIndexAny(path, ".]")+1:]; {
	case field == "api_key" && v != "":
		return agents.Redacted
	case (field == "api_key_env" || field == "api_key_file" || field == "provider") && configs.LooksLikeKey(v):
		return agents.Redacted
	case configs.HoldsKey(v):
		// A key pasted into any other field (model:, base_url:), which
		// validation refuses without repeating it.
		return agents.Redacted
	}
	return agents.RedactURL(v)
}

// ShownSpec is a --set flag (FIELD=VALUE) as parley prints it, its value
// shown as ShownValue shows it; with list, a --vary flag, each of its
// comma-separated values so.
func ShownSpec(spec string, list bool) string {
	path, val, ok := strings.Cut(spec, "=")
	if !ok {
		return agents.RedactURL(spec)
	}
	path = strings.TrimSpace(path)
	if !list {
		return path + "=" + ShownValue(path, val)
	}
	items := strings.Split(val, ",")
	for i, it := range items {
		items[i] = ShownValue(path, it)
	}
	return path + "=" + strings.Join(items, ",")
}

// isHeaderPath reports whether a --vary path sets a header, whose value
// (a token, a key) parley never shows: agents[1].headers.X-Api-Key.
func isHeaderPath(path string) bool {
	for seg := range strings.SplitSeq(path, ".") {
		if seg == "headers" || strings.HasPrefix(seg, "headers[") {
			return true
		}
	}
	return false
}

// orderedPaths puts paths that set every agent first, so that a path
// naming one agent overrides them.
func orderedPaths(vals map[string]string) []string {
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		bi, bj := isBroadcast(keys[i]), isBroadcast(keys[j])
		if bi != bj {
			return bi
		}
		return keys[i] < keys[j]
	})
	return keys
}

func isBroadcast(path string) bool {
	segs, err := parsePath(path)
	return err == nil && !slices.Contains(scenarioFields, segs[0].key)
}

type segment struct {
	key      string
	index    string
	hasIndex bool
}

func parsePath(path string) ([]segment, error) {
	var segs []segment
	rest := path
	for rest != "" {
		var part string
		// An index may hold an agent's name, dots included.
		if i := strings.IndexAny(rest, ".["); i >= 0 && rest[i] == '[' {
			j := strings.IndexByte(rest[i:], ']')
			if j < 0 {
				return nil, fmt.Errorf("%q has an unclosed [", path)
			}
			part, rest = rest[:i+j+1], rest[i+j+1:]
			if rest != "" && rest[0] != '.' {
				return nil, fmt.Errorf("%q: expected a dot after ]", path)
			}
			rest = strings.TrimPrefix(rest, ".")
		} else if i >= 0 {
			part, rest = rest[:i], rest[i+1:]
			if rest == "" {
				return nil, fmt.Errorf("%q ends with a dot", path)
			}
		} else {
			part, rest = rest, ""
		}
		s := segment{key: part}
		if k, idx, ok := strings.Cut(part, "["); ok {
			s = segment{key: k, index: strings.TrimSuffix(idx, "]"), hasIndex: true}
			if s.index == "" {
				return nil, fmt.Errorf("%q has an empty []", path)
			}
		}
		if s.key == "" {
			return nil, fmt.Errorf("%q has an empty field name", path)
		}
		segs = append(segs, s)
	}
	if len(segs) == 0 {
		return nil, fmt.Errorf("the field is empty")
	}
	return segs, nil
}

// Apply returns the scenario YAML src with vals set. The result is YAML
// again, so the scenario loader validates it like any other file.
func Apply(src []byte, vals map[string]string) ([]byte, error) {
	if len(vals) == 0 {
		return src, nil
	}
	doc, root, err := configs.ParseMapping(src)
	if err != nil {
		return nil, err
	}
	before := seatsOf(root)
	for _, path := range orderedPaths(vals) {
		segs, err := parsePath(path)
		if err != nil {
			return nil, &FieldError{Path: path, Err: err}
		}
		val, err := valueNode(vals[path])
		if err != nil {
			return nil, fieldErr(path, "%s=%s: %v", path, ShownValue(path, vals[path]), err)
		}
		if textFields[segs[len(segs)-1].key] && !segs[len(segs)-1].hasIndex {
			// A field that takes text takes the value whole: YAML would
			// read "Question: why?" as a mapping, "- x" as a list and
			// "&a x" as x.
			val = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: vals[path]}
		}
		switch {
		case segs[0].key == "roster" && lookup(root, "roster") == nil && lookup(root, "agents") != nil:
			// Setting it would make the scenario a roster beside its two
			// agents, which the loader refuses with advice for another
			// mistake.
			err = fmt.Errorf("the scenario names two agents and has no roster; give one agent's field, such as agents[1].%s, or every agent's, such as %[1]s", lastField(segs))
		case slices.Contains(scenarioFields, segs[0].key):
			err = set(root, segs, val)
		default:
			err = setEveryOpenAIAgent(root, segs, val)
		}
		if err != nil {
			return nil, fieldErr(path, "%s=%s: %v", path, ShownValue(path, vals[path]), err)
		}
	}
	followModels(root, before)
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	enc.Close()
	return b.Bytes(), nil
}

// seat is an agent's name and model as a scenario's YAML writes them.
type seat struct{ name, model string }

func seatsOf(root *yaml.Node) []seat {
	list := lookup(root, "agents")
	if list == nil || list.Kind != yaml.SequenceNode {
		return nil
	}
	var out []seat
	for _, a := range list.Content {
		var s seat
		if a.Kind == yaml.MappingNode {
			if n := lookup(a, "name"); n != nil {
				s.name = n.Value
			}
			if m := lookup(a, "model"); m != nil {
				s.model = m.Value
			}
		}
		out = append(out, s)
	}
	return out
}

// followModels renames each agent whose model a varied value changed and
// whose name it left alone, so that transcripts are titled and recorded
// with the model that spoke: an agent named after its model takes the new
// model's name, any other gets it in brackets ("optimist (gpt-4o)").
// first: follows the rename, and so does a title that was the agents'
// two names.
func followModels(root *yaml.Node, before []seat) {
	after := seatsOf(root)
	if len(after) != len(before) {
		return
	}
	list := lookup(root, "agents")
	renamed := map[string]string{}
	taken := map[string]bool{}
	for _, s := range after {
		taken[s.name] = true
	}
	for i, s := range after {
		b := before[i]
		if s.model == b.model || s.name != b.name || b.name == "" || s.model == "" || configs.HoldsKey(s.model) {
			// A key given as the model names nothing: validation
			// refuses it, without repeating it in a name.
			continue
		}
		name := b.name + " (" + s.model + ")"
		if b.name == b.model {
			name = s.model
		}
		for n, base := 2, name; taken[name]; n++ {
			name = fmt.Sprintf("%s (%d)", base, n)
		}
		taken[name] = true
		renamed[b.name] = name
		lookup(list.Content[i], "name").Value = name
	}
	if len(renamed) == 0 {
		return
	}
	if f := lookup(root, "first"); f != nil {
		if to, ok := renamed[f.Value]; ok {
			f.Value = to
		}
	}
	if t := lookup(root, "title"); t != nil && len(before) == 2 && t.Value == before[0].name+" ↔ "+before[1].name {
		names := seatsOf(root)
		t.Value = names[0].name + " ↔ " + names[1].name
	}
}

// textFields are the fields that take one line or paragraph of text,
// whose --set or --vary value is taken as written.
var textFields = map[string]bool{
	"title": true, "opening": true, "empty_reply": true, "first": true, "name": true, "system": true,
	"model": true, "provider": true, "base_url": true, "api_key_env": true, "api_key_file": true,
	"transcript": true, "speaker": true, "type": true, "dir": true,
}

func valueNode(v string) (*yaml.Node, error) {
	if v == "" {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: ""}, nil
	}
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(v), &n); err != nil || len(n.Content) != 1 {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v}, nil
	}
	c := n.Content[0]
	c.Line, c.Column = 0, 0
	return c, nil
}

func setEveryOpenAIAgent(root *yaml.Node, segs []segment, val *yaml.Node) error {
	list := lookup(root, "agents")
	if list == nil || list.Kind != yaml.SequenceNode {
		return fmt.Errorf("the scenario has no agents: list")
	}
	n := 0
	for _, a := range list.Content {
		if a.Kind != yaml.MappingNode {
			continue
		}
		if t := lookup(a, "type"); t != nil && t.Value != "openai" {
			continue
		}
		if err := set(a, segs, cloneNode(val)); err != nil {
			return err
		}
		n++
	}
	if n == 0 {
		return fmt.Errorf("no agent is OpenAI-compatible; address one as agents[0].%s", segs[0].key)
	}
	return nil
}

func cloneNode(n *yaml.Node) *yaml.Node {
	c := *n
	c.Content = nil
	for _, x := range n.Content {
		c.Content = append(c.Content, cloneNode(x))
	}
	return &c
}

func lookup(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// set puts val at segs under the mapping m, creating mappings on the way.
func set(m *yaml.Node, segs []segment, val *yaml.Node) error {
	s := segs[0]
	last := len(segs) == 1
	if m.Kind != yaml.MappingNode {
		return fmt.Errorf("%s: the scenario holds a %s here, not a mapping", s.key, kindName(m))
	}
	child := lookup(m, s.key)
	if child == nil {
		if s.hasIndex {
			return fmt.Errorf("the scenario has no %s: list", s.key)
		}
		if last {
			m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s.key}, val)
			return nil
		}
		child = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s.key}, child)
	}
	if s.hasIndex {
		item, err := index(child, s)
		if err != nil {
			return err
		}
		if last {
			*item = *val
			return nil
		}
		return set(item, segs[1:], val)
	}
	if last {
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value == s.key {
				m.Content[i+1] = val
			}
		}
		return nil
	}
	if child.Kind == yaml.SequenceNode {
		// agents.0.model: an item of a list is given in brackets.
		return fmt.Errorf("%s is a list: give its item in brackets, as %s[%s], by its index from 0 or by its name", s.key, s.key, segs[1].key)
	}
	return set(child, segs[1:], val)
}

func index(list *yaml.Node, s segment) (*yaml.Node, error) {
	if list.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("%s: the scenario holds a %s here, not a list", s.key, kindName(list))
	}
	if i, err := strconv.Atoi(s.index); err == nil {
		if i < 0 || i >= len(list.Content) {
			return nil, fmt.Errorf("%s[%d]: the list has %s, counted from 0", s.key, i, phrase.Count(len(list.Content), "item", "items"))
		}
		return list.Content[i], nil
	}
	if i := itemNamed(list, s.index); i >= 0 {
		return list.Content[i], nil
	}
	var names []string
	for _, item := range list.Content {
		if item.Kind == yaml.MappingNode {
			if n := lookup(item, "name"); n != nil {
				names = append(names, strconv.Quote(n.Value))
			}
		}
	}
	return nil, fmt.Errorf("%s[%s]: no item is named %q; use an index from 0 or one of %s", s.key, s.index, s.index, strings.Join(names, ", "))
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "list"
	case yaml.MappingNode:
		return "mapping"
	}
	return "single value"
}

// ParseSet reads one --set flag, FIELD=VALUE, with the paths --vary takes.
// The value is taken whole: commas and dots in it are kept.
func ParseSet(spec string) (path, value string, err error) {
	path, value, ok := strings.Cut(spec, "=")
	path = strings.TrimSpace(path)
	if !ok || path == "" {
		return "", "", fmt.Errorf("--set %q: write FIELD=VALUE, such as agents[1].temperature=0.7 or seed=3", ShownSpec(spec, false))
	}
	if segs, err := parsePath(path); err != nil {
		return "", "", fmt.Errorf("--set %q: %v", ShownSpec(spec, false), err)
	} else if err := checkTop(segs); err != nil {
		return "", "", fmt.Errorf("--set %q: %v", ShownSpec(spec, false), err)
	}
	return path, value, nil
}

// ParseSets reads every --set flag, in order, each as a Vary of one value
// (Set), refusing a field given twice.
func ParseSets(specs []string) ([]Vary, error) {
	var out []Vary
	for _, spec := range specs {
		path, val, err := ParseSet(spec)
		if err != nil {
			return nil, err
		}
		for _, v := range out {
			if v.Path == path {
				return nil, fmt.Errorf("--set %s is given twice", path)
			}
		}
		out = append(out, Vary{Path: path, Values: []string{val}, Set: true})
	}
	return out, nil
}

// pairValues are the varied values of a roster's pair, divided by
// splitRosterVary.
type pairValues struct {
	roster map[string]string // set on the roster before the pair is staged
	seats  map[string]string // set on the pair's two-agent scenario after
	// typed holds, for each path of seats that a roster agent's name or
	// place gave (agents[0].stop[0] for agents[Kimi K2].stop[0] in the
	// pairs Kimi K2 opens), the path as typed, for sentences about it.
	typed map[string]string
	// overlap, when not nil, says that a seat's field is given both by
	// its place (agents[0].model) and by the roster agent sitting there
	// (agents[Kimi K2].model), or one inside the other: planning a batch
	// refuses it, but a job already planned, by a parley that did not,
	// is staged as it was planned: the value the roster agent's name or
	// place gave replaces the seat's for one field, and a field inside
	// another is set after it.
	overlap error
}

// splitRosterVary divides the varied values of a roster's pair p into
// those set on the roster before the pair is staged (roster.defaults.…,
// roster.first) and those set on the pair's two-agent scenario after. A
// roster agent named by its name (agents[Kimi K2].temperature) or under
// roster.agents (roster.agents[Kimi K2].…, roster.agents[1].…) is varied
// in the seats it takes in p, both when it plays itself, and in no other:
// agents[0] and agents[1] stay each pair's first and second seats. A
// roster field that decides which pairs are staged is refused: the pairs
// are planned once for the whole batch. set says which paths --set gave
// (one value in every run): the sentences refusing them say "set", not
// "vary".
//
// The values are returned as pairValues say.
func splitRosterVary(src []byte, p configs.Pair, vals map[string]string, set func(path string) bool) (pairValues, error) {
	if len(vals) == 0 {
		return pairValues{}, nil
	}
	_, root, err := configs.ParseMapping(src)
	if err != nil {
		return pairValues{}, err
	}
	var names []string
	own := map[string]int{} // how many roster agents set each field themselves
	if r := lookup(root, "roster"); r != nil && r.Kind == yaml.MappingNode {
		if list := lookup(r, "agents"); list != nil && list.Kind == yaml.SequenceNode {
			for _, a := range list.Content {
				name := ""
				if a.Kind == yaml.MappingNode {
					if n := lookup(a, "name"); n != nil {
						name = n.Value
					}
					for i := 0; i+1 < len(a.Content); i += 2 {
						if v := a.Content[i+1]; !(v.Kind == yaml.ScalarNode && (v.Tag == "!!null" || v.Value == "")) {
							own[a.Content[i].Value]++
						}
					}
				}
				names = append(names, name)
			}
		}
	}
	quoted := func() string {
		q := make([]string, len(names))
		for i, n := range names {
			q[i] = strconv.Quote(n)
		}
		return strings.Join(q, ", ")
	}
	roster, seats := map[string]string{}, map[string]string{}
	named := map[string]string{}   // the seat paths a roster agent's name or place gave
	namedBy := map[string]string{} // each of those: the path as given
	// inSeats sets rest on each seat of p that roster agent i, as path
	// names it, takes.
	inSeats := func(i int, rest []segment, val, path string) {
		for seat, who := range []int{p.A, p.B} {
			if who == i {
				at := joinPath(append([]segment{{key: "agents", index: strconv.Itoa(seat), hasIndex: true}}, rest...))
				named[at], namedBy[at] = val, path
			}
		}
	}
	for path, val := range vals {
		segs, err := parsePath(path)
		if err != nil {
			return pairValues{}, &FieldError{Path: path, Err: err}
		}
		verb := "vary"
		if set != nil && set(path) {
			verb = "set"
		}
		switch top := segs[0]; {
		case top.key == "agents" && top.hasIndex:
			if _, err := strconv.Atoi(top.index); err == nil {
				seats[path] = val // a seat of every pair
				continue
			}
			i := slices.Index(names, top.index)
			if i < 0 {
				return pairValues{}, fieldErr(path, "%s=%s: agents[%s]: no roster agent is named %q; name one of %s, or use agents[0] (each pair's first agent) or agents[1] (its second)",
					path, ShownValue(path, val), top.index, top.index, quoted())
			}
			inSeats(i, segs[1:], val, path)
		case top.key != "roster":
			seats[path] = val
		case len(segs) == 1:
			return pairValues{}, fieldErr(path, "%s: %s one field of the roster, such as roster.defaults.temperature or roster.agents[%s].model", path, verb, firstOr(names, "0"))
		case segs[1].key == "defaults" && len(segs) > 2 && len(names) > 0 && own[segs[2].key] == len(names):
			return pairValues{}, fieldErr(path, "%s: every roster agent sets its own %s, so a default reaches none of them; %s %s (every agent's) or roster.agents[%s].%s",
				path, segs[2].key, verb, joinPath(segs[2:]), firstOr(names, "0"), joinPath(segs[2:]))
		case segs[1].key == "defaults" || segs[1].key == "first":
			roster[path] = val
		case segs[1].key == "agents" && segs[1].hasIndex && len(segs) > 2:
			i := slices.Index(names, segs[1].index)
			if n, err := strconv.Atoi(segs[1].index); err == nil {
				if n < 0 || n >= len(names) {
					return pairValues{}, fieldErr(path, "%s: roster.agents[%d]: the roster has %s, counted from 0", path, n, phrase.Count(len(names), "agent", "agents"))
				}
				i = n
			}
			if i < 0 {
				return pairValues{}, fieldErr(path, "%s=%s: roster.agents[%s]: no roster agent is named %q; name one of %s",
					path, ShownValue(path, val), segs[1].index, segs[1].index, quoted())
			}
			if segs[2].key == "name" {
				if verb == "set" {
					return pairValues{}, fieldErr(path, "%s: a roster agent's name names its pairs, which are planned from the file before --set applies; set its model, or edit the name in the file", path)
				}
				return pairValues{}, fieldErr(path, "%s: a roster agent's name names its pairs and cannot vary across a batch; vary its model, or edit the name in the file", path)
			}
			inSeats(i, segs[2:], val, path)
		case segs[1].key == "agents":
			return pairValues{}, fieldErr(path, "%s: %s a field of one roster agent, such as roster.agents[%s].temperature; the list of agents is planned once for the whole batch", path, verb, firstOr(names, "0"))
		case segs[1].key == "parallel":
			return pairValues{}, fieldErr(path, "%s: how many conversations run at once is the batch's, not a run's: give -j", path)
		case verb == "set":
			more := ""
			if segs[1].key == "runs" {
				more = ", or give -n, which multiplies it"
			}
			return pairValues{}, fieldErr(path, "%s: the pairs a roster stages and its runs are planned from the file, before --set applies; edit roster.%s in the file%s",
				path, segs[1].key, more)
		default:
			return pairValues{}, fieldErr(path, "%s: the pairs a roster stages and its runs are planned once for the whole batch, so roster.%s cannot vary across it; edit the file and start another batch, or vary -n",
				path, segs[1].key)
		}
	}
	// A seat's field given by its place (agents[0].model) and by the
	// name of the roster agent sitting there (agents[Kimi K2].model), or
	// one of them inside the other (agents[0].headers.X-A and
	// agents[Kimi K2].headers), would have one value staged and both
	// recorded as used.
	var overlap error
seatPaths:
	for _, path := range slices.Sorted(maps.Keys(seats)) {
		if !strings.HasPrefix(path, "agents") {
			continue
		}
		at := numbered(path)
		for _, to := range slices.Sorted(maps.Keys(namedBy)) {
			seatAt, by := numbered(to), namedBy[to]
			flag := "--vary"
			if set != nil && set(by) {
				flag = "--set"
			}
			n, sits := 0, "first"
			if strings.HasPrefix(seatAt, "agents[1]") {
				n, sits = 1, "second"
			}
			pairs := fmt.Sprintf("in the pairs where %s sits %s (%s); give it in one of them", p.Names[n], sits, p)
			switch {
			case seatAt == at:
				overlap = fieldErr(path, "%s and %s %s name the same field %s", path, flag, by, pairs)
			case within(at, seatAt):
				overlap = fieldErr(path, "%s lies inside %s %s %s", path, flag, by, pairs)
			case within(seatAt, at):
				seatFlag := "--vary"
				if set != nil && set(path) {
					seatFlag = "--set"
				}
				overlap = fieldErr(by, "%s lies inside %s %s %s", by, seatFlag, path, pairs)
			default:
				continue
			}
			break seatPaths
		}
	}
	maps.Copy(seats, named)
	return pairValues{roster: roster, seats: seats, typed: namedBy, overlap: overlap}, nil
}

// numbered is path with each index that is a number written from 0
// without padding or sign: agents[01].stop[+0] is agents[1].stop[0].
func numbered(path string) string {
	segs, err := parsePath(path)
	if err != nil {
		return path
	}
	return joinPath(numberedSegs(segs))
}

// numberedSegs is a copy of segs with each index that is a number
// written as numbered writes it.
func numberedSegs(segs []segment) []segment {
	segs = slices.Clone(segs)
	for i := range segs {
		if n, err := strconv.Atoi(segs[i].index); segs[i].hasIndex && err == nil {
			segs[i].index = strconv.Itoa(n)
		}
	}
	return segs
}

// lastField is the last field a path names: temperature in
// roster.defaults.temperature.
func lastField(segs []segment) string {
	if k := segs[len(segs)-1].key; k != "roster" && k != "defaults" && k != "agents" {
		return k
	}
	return "temperature"
}

// joinPath writes segments back as a path.
func joinPath(segs []segment) string {
	parts := make([]string, len(segs))
	for i, s := range segs {
		parts[i] = s.key
		if s.hasIndex {
			parts[i] += "[" + s.index + "]"
		}
	}
	return strings.Join(parts, ".")
}

func firstOr(names []string, def string) string {
	if len(names) > 0 && names[0] != "" {
		return names[0]
	}
	return def
}
