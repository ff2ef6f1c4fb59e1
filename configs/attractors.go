package configs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/parleyhq/parley/internal/lazy"
	"github.com/parleyhq/parley/transcripts"
)

// AttractorsConfig is the config file of the attractors tournament script:
// a roster of OpenRouter models, every ordered pair staged
// conversations_per_pair times with one system prompt and opening, each
// run ended after max_turns replies or by a message that ends with
// end_codeword.
type AttractorsConfig struct {
	InitialMessage       *string           `json:"initial_message"`
	MaxWorkers           int               `json:"max_workers"`
	MaxTurns             int               `json:"max_turns"`
	OutputDir            string            `json:"output_dir"`
	EndCodeword          string            `json:"end_codeword"`
	ConversationsPerPair int               `json:"conversations_per_pair"`
	SystemPrompt         string            `json:"system_prompt"`
	Models               []AttractorsModel `json:"models"`
}

// AttractorsModel is one model of an AttractorsConfig.
type AttractorsModel struct {
	Name        string   `json:"name"`
	ModelID     string   `json:"model_id"`
	Temperature *float64 `json:"temperature"`
	TopP        *float64 `json:"top_p"`
}

// LooksLikeAttractorsConfig reports whether data is a JSON object with a
// models list one of whose entries carries model_id, as that script's
// config does.
func LooksLikeAttractorsConfig(data []byte) bool {
	var probe struct {
		Models []map[string]any `json:"models"`
	}
	if json.Unmarshal(data, &probe) != nil {
		return false
	}
	return slices.ContainsFunc(probe.Models, func(m map[string]any) bool { _, ok := m["model_id"]; return ok })
}

var jsonFieldRe = lazy.Regexp(`unknown field "([^"]+)"`)

// ConvertAttractors turns the attractors script's config into a parley
// roster scenario, keeping the meaning of every field:
//
//	models[].name, model_id, temperature,  roster.agents[]: name, model, temperature, top_p (provider: openrouter)
//	top_p
//	system_prompt                          roster.defaults.system
//	initial_message                        opening, which the second of each pair answers (roster.first: responder)
//	conversations_per_pair                 roster.runs, over every ordered pair (roster.pairs: ordered)
//	max_workers                            roster.parallel: conversations at once
//	max_turns                              termination: max_messages, one more: the opening is message 1
//	end_codeword                           a comment: the script's recordings go on after it, so no rule stops on it
//	output_dir                             output.dir, under which batch writes its folder
//
// file names the config in errors. A field it does not know is refused,
// so nothing is dropped silently.
func ConvertAttractors(file string, data []byte) ([]byte, error) {
	var c AttractorsConfig
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		if m := jsonFieldRe().FindStringSubmatch(err.Error()); m != nil {
			return nil, &Error{File: file, Msg: fmt.Sprintf("%sthe field %q has no parley counterpart that convert knows; remove it or write the roster by hand", modelHolding(data, m[1]), m[1])}
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, &Error{File: file, Msg: typeProblem(data, te)}
		}
		return nil, &Error{File: file, Msg: "not valid JSON: " + transcripts.JSONErrorAt(data, err, dec.InputOffset()).Error()}
	}
	fail := func(format string, args ...any) error { return &Error{File: file, Msg: fmt.Sprintf(format, args...)} }
	if len(c.Models) < 2 {
		return nil, fail("models: needs at least two models to pair, found %d", len(c.Models))
	}
	var probs Problems
	for _, f := range []struct {
		name string
		v    int
	}{{"max_turns", c.MaxTurns}, {"conversations_per_pair", c.ConversationsPerPair}, {"max_workers", c.MaxWorkers}} {
		if f.v < 0 {
			probs = append(probs, &Error{File: file, Msg: fmt.Sprintf("%s: %d must not be negative", f.name, f.v)})
		}
	}
	// The script stages conversations_per_pair runs of max_turns replies
	// each: with either 0 it stages nothing, and without either it cannot
	// run. A roster holds neither.
	var given map[string]json.RawMessage
	json.Unmarshal(data, &given)
	for _, f := range []struct {
		name, what string
		v          int
	}{
		{"max_turns", "the replies each conversation runs to (the roster stops there: max_messages one more, the opening being message 1)", c.MaxTurns},
		{"conversations_per_pair", "how many conversations each ordered pair has (the roster's runs:)", c.ConversationsPerPair},
	} {
		if _, ok := given[f.name]; !ok {
			probs = append(probs, &Error{File: file, Msg: fmt.Sprintf("%s: is missing; the script needs %s", f.name, f.what)})
		} else if f.v == 0 {
			probs = append(probs, &Error{File: file, Msg: fmt.Sprintf("%s: is 0, which stages nothing; give %s", f.name, f.what)})
		}
	}
	first := map[string]int{} // each name's first model
	for i, m := range c.Models {
		if strings.TrimSpace(m.Name) == "" || m.ModelID == "" {
			probs = append(probs, &Error{File: file, Msg: fmt.Sprintf("models[%d]: needs a name and a model_id", i)})
			continue
		}
		if j, dup := first[m.Name]; dup {
			probs = append(probs, &Error{File: file, Msg: fmt.Sprintf("models[%d]: %q is models[%d]'s name too; give each model its own name", i, m.Name, j)})
			continue
		}
		first[m.Name] = i
		if HoldsKey(m.ModelID) {
			// Said of the config's model_id, not of the roster's model:
			// it converts to; the key itself is never repeated.
			probs = append(probs, &Error{File: file, Msg: fmt.Sprintf("models[%d] (%q): model_id: looks like an API key rather than a model's id; give the model's OpenRouter id (\"model_id\": \"moonshotai/kimi-k2\"), and the key through the environment (export OPENROUTER_API_KEY=...). "+
				"If this file was shared, consider the key exposed and replace it", i, m.Name)})
		}
	}
	if len(probs) > 0 {
		return nil, probs
	}

	str := func(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }
	num := func(v int) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: strconv.Itoa(v)} }
	mapping := func(kv ...any) *yaml.Node {
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		for i := 0; i+1 < len(kv); i += 2 {
			k := str(kv[i].(string))
			v := kv[i+1].(*yaml.Node)
			n.Content = append(n.Content, k, v)
		}
		return n
	}
	comment := func(n *yaml.Node, c string) *yaml.Node { n.LineComment = c; return n }

	defaults := mapping("provider", comment(str("openrouter"), "# the model ids are OpenRouter's; the key is OPENROUTER_API_KEY"))
	if c.SystemPrompt != "" {
		defaults.Content = append(defaults.Content, str("system"), comment(str(c.SystemPrompt), "# system_prompt"))
	}
	list := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	for _, m := range c.Models {
		a := mapping("name", str(m.Name), "model", str(m.ModelID))
		if m.Temperature != nil {
			a.Content = append(a.Content, str("temperature"), &yaml.Node{Kind: yaml.ScalarNode,
				Value: strconv.FormatFloat(*m.Temperature, 'f', -1, 64)})
		}
		if m.TopP != nil {
			a.Content = append(a.Content, str("top_p"), &yaml.Node{Kind: yaml.ScalarNode,
				Value: strconv.FormatFloat(*m.TopP, 'f', -1, 64)})
		}
		list.Content = append(list.Content, a)
	}
	runs := c.ConversationsPerPair
	roster := mapping(
		"defaults", defaults,
		"agents", list,
		"pairs", comment(str(PairsOrdered), "# every pair both ways round, as the script stages them"),
		"runs", comment(num(runs), "# conversations_per_pair"),
		"first", comment(str(FirstResponder), "# the first of each pair sends initial_message; the second answers it first"),
	)
	if c.MaxWorkers > 0 {
		roster.Content = append(roster.Content, str("parallel"), comment(num(c.MaxWorkers), "# max_workers: conversations at once (-j overrides)"))
	}
	root := mapping("title", str(fmt.Sprintf("tournament of %d models", len(c.Models))), "roster", roster)
	if c.InitialMessage != nil {
		note := "# initial_message"
		if strings.TrimSpace(*c.InitialMessage) == "" {
			note += ": blank, so parley sends and records the cue \"Hello.\" in its place (some providers refuse a message of white space)"
		}
		root.Content = append(root.Content, str("opening"), comment(str(*c.InitialMessage), note))
	}
	var rules []*yaml.Node
	if c.MaxTurns > 0 {
		// The script counts replies; parley counts the opening too, as
		// message 1, as the script's own recordings number it.
		rules = append(rules, mapping("max_messages", comment(num(c.MaxTurns+1), fmt.Sprintf("# max_turns: %d replies, after the opening (message 1)", c.MaxTurns))))
	}
	codewordNote := ""
	if c.EndCodeword != "" {
		codewordNote = fmt.Sprintf("# end_codeword %s: the script's recordings go on after a message that ends with it, so no rule here stops on it.\n"+
			"# To stop there: - stop_pattern: '%s'   (or end_token: {token: %q, exchanges: 2} for both sides signing off)", c.EndCodeword, EndCodewordPattern(c.EndCodeword), c.EndCodeword)
	}
	if len(rules) > 0 {
		// Only the script's own limit: parley's default set would stop
		// loops the tournament exists to observe. The codeword is no rule:
		// the script's recordings go on after messages that end with it
		// (42 of the 48 in the labelled corpus do), so a rule that stopped
		// there would cut its conversations short of what it recorded.
		key := str("termination")
		key.HeadComment = codewordNote
		root.Content = append(root.Content, key, mapping("any", &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: rules}))
	} else {
		root.FootComment = codewordNote
	}
	if c.OutputDir != "" {
		root.Content = append(root.Content, str("output"), mapping("dir", comment(str(c.OutputDir), "# output_dir: batch writes its folder under it")))
	}
	root.HeadComment = fmt.Sprintf("A roster converted from %s by parley convert.\n"+
		"%d models, every ordered pair (%d pairs), %d runs each: %d conversations.\n"+
		"  parley batch THIS.yaml --dry-run    lists them and sends nothing\n"+
		"  export OPENROUTER_API_KEY=...\n"+
		"  parley batch THIS.yaml", file, len(c.Models), len(c.Models)*(len(c.Models)-1), runs, len(c.Models)*(len(c.Models)-1)*runs)

	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}); err != nil {
		return nil, err
	}
	enc.Close()
	// What the roster would refuse (a temperature out of range) is said
	// of the config, where it is to be fixed: the roster is not written.
	if _, err := Parse("", buf.Bytes()); err != nil {
		return nil, configProblems(file, c.Models, err)
	}
	return buf.Bytes(), nil
}

// configProblems are the problems of a roster converted from the config
// file, each said of the config's field: a roster agent's, of its model
// (models[0] ("Kimi K2"): temperature: 5 is outside 0 to 2).
func configProblems(file string, models []AttractorsModel, err error) Problems {
	var out Problems
	for _, p := range AsProblems(err) {
		msg := p.Msg
		if rest, ok := strings.CutPrefix(msg, "roster.agent "); ok {
			if name, after, ok := cutQuoted(rest); ok {
				for i, m := range models {
					if m.Name == name {
						msg = fmt.Sprintf("models[%d] (%q)%s", i, name, after)
						break
					}
				}
			}
		}
		if msg == p.Msg {
			msg = "the roster it converts to is refused: " + msg
		}
		out = append(out, &Error{File: file, Msg: msg})
	}
	return out
}

// cutQuoted reads a Go-quoted string at the start of s, and what follows.
func cutQuoted(s string) (string, string, bool) {
	q, err := strconv.QuotedPrefix(s)
	if err != nil {
		return "", "", false
	}
	v, err := strconv.Unquote(q)
	return v, s[len(q):], err == nil
}

// EndCodewordPattern is the stop_pattern that fires when a message ends
// with codeword, trailing white space aside — the script's end_codeword.
// The codeword elsewhere in a message does not end the run.
func EndCodewordPattern(codeword string) string {
	return regexp.QuoteMeta(codeword) + `\s*\z`
}

// modelHolding is "models[i] (\"NAME\"): " for the first model of data
// that holds field and not the config's top level, or "": the decoder
// names an unknown field, not where it is.
func modelHolding(data []byte, field string) string {
	var probe map[string]json.RawMessage
	if json.Unmarshal(data, &probe) != nil {
		return ""
	}
	if _, top := probe[field]; top {
		return ""
	}
	var models []map[string]any
	if json.Unmarshal(probe["models"], &models) != nil {
		return ""
	}
	for i, m := range models {
		if _, ok := m[field]; ok {
			return fmt.Sprintf("models[%d] (%q): ", i, fmt.Sprint(m["name"]))
		}
	}
	return ""
}

// typeProblem is the sentence for a field of the config whose JSON value
// is of another kind than the script reads: the field, with the model it
// belongs to, its value's kind and the kind it needs.
func typeProblem(data []byte, te *json.UnmarshalTypeError) string {
	field := te.Field
	kind := te.Type.Kind()
	if kind == reflect.Pointer {
		kind = te.Type.Elem().Kind() // an optional field: *float64
	}
	if name, ok := strings.CutPrefix(field, "models."); ok {
		// The decoder names the field, not which model holds it.
		var probe struct {
			Models []map[string]any `json:"models"`
		}
		if json.Unmarshal(data, &probe) == nil {
			for i, m := range probe.Models {
				if v, ok := m[name]; ok && !jsonKindFits(v, kind) {
					field = fmt.Sprintf("models[%d] (%q): %s", i, fmt.Sprint(m["name"]), name)
					break
				}
			}
		}
	}
	want := map[reflect.Kind]string{reflect.Float64: "a number", reflect.Int: "a whole number", reflect.String: "text", reflect.Slice: "a list", reflect.Struct: "an object"}[kind]
	if want == "" {
		want = te.Type.String()
	}
	return fmt.Sprintf("%s: is %s, not %s", field, jsonValueKind(te.Value), want)
}

// jsonKindFits reports whether the decoded JSON value v can be read as a
// Go value of kind k.
func jsonKindFits(v any, k reflect.Kind) bool {
	switch v.(type) {
	case float64:
		return k == reflect.Float64 || k == reflect.Int
	case string:
		return k == reflect.String
	case nil:
		return true
	}
	return false
}

// jsonValueKind names the kind of JSON value the decoder met ("string",
// "number 1.5", "array"), as a sentence says it.
func jsonValueKind(v string) string {
	switch {
	case v == "string":
		return "text"
	case v == "number":
		return "a number"
	case strings.HasPrefix(v, "number "):
		return "a number (" + strings.TrimPrefix(v, "number ") + ")"
	case v == "array":
		return "a list"
	case v == "object":
		return "an object"
	case v == "bool":
		return "true or false"
	}
	return v
}
