package configs

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/parleyhq/parley/agents"
	"github.com/parleyhq/parley/internal/phrase"
)

// ReplaceAgent hands the seat named seat of the scenario YAML src to
// another model and returns the new YAML. spec is either
//
//	PROVIDER:MODEL                  a provider preset and a model, such as openrouter:openai/gpt-5
//	{model: …, base_url: …, …}      agent fields as a YAML flow mapping
//
// The seat keeps its other settings (system prompt, temperature, …) unless
// spec sets them; naming a provider or base URL drops the old endpoint,
// key and headers. The seat takes the new model's name (the model id's
// last path segment) unless spec gives a name:, and lists its old name
// under formerly:, so the new model sees that seat's earlier messages as
// its own. first: follows the rename, and so does a title that was the two
// seats' names.
func ReplaceAgent(src []byte, seat, spec string) ([]byte, error) {
	doc, root, err := ParseMapping(src)
	if err != nil {
		return nil, err
	}
	if err := replaceAgent(root, seat, spec); err != nil {
		return nil, err
	}
	return encodeYAML(doc)
}

// replaceAgent is ReplaceAgent on root, the scenario's mapping as read,
// changed in place: every node it does not replace keeps the line it was
// read at, and so do the seat's settings it keeps; what spec sets has no
// line.
func replaceAgent(root *yaml.Node, seat, spec string) error {
	list := mapValue(root, "agents")
	if list == nil || list.Kind != yaml.SequenceNode {
		return fmt.Errorf("the scenario has no agents: list")
	}
	var old *yaml.Node
	var names []string
	for _, a := range list.Content {
		n := scalar(a, "name")
		names = append(names, n)
		if n == seat {
			old = a
		}
	}
	if old == nil {
		return fmt.Errorf("no seat is named %q; the seats are %s", seat, phrase.And(phrase.Quote(names)))
	}
	fields, err := parseAgentSpec(spec)
	if err != nil {
		return err
	}
	has := func(k string) bool { return mapValue(fields, k) != nil }

	next := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	endpoint := map[string]bool{"provider": true, "base_url": true, "base_urls": true, "api_key_env": true, "api_key_file": true, "headers": true}
	if t := scalar(old, "type"); t == "" || t == TypeOpenAI {
		for i := 0; i+1 < len(old.Content); i += 2 {
			k := old.Content[i].Value
			if has(k) || (endpoint[k] && (has("provider") || has("base_url") || has("base_urls"))) {
				continue
			}
			next.Content = append(next.Content, old.Content[i], old.Content[i+1])
		}
	} else if !has("name") {
		next.Content = append(next.Content, str("name"), str(seat))
	}
	next.Content = append(next.Content, fields.Content...)
	if t := scalar(fields, "type"); isPastedKey(t) {
		return errors.New("type: looks like an API key, not an agent type; --agent hands a seat to a model, so leave type: out and give the key through the provider's environment variable (parley providers names it)")
	} else if t != "" && t != TypeOpenAI {
		return fmt.Errorf("makes it a %s agent; --agent hands a seat to a model, and a scenario given with --scenario can seat a %s one", t, t)
	}
	if mapValue(next, "model") == nil {
		return errors.New("names no model")
	}

	name := scalar(fields, "name")
	if name == "" && HoldsKey(scalar(next, "model")) {
		// Not named after a key pasted as the model, which validation
		// refuses without repeating it: the seat keeps its name.
		name = seat
	}
	if name == "" {
		name = modelName(scalar(next, "model"))
		for n, base := 2, name; name != seat && slices.Contains(names, name); n++ {
			name = fmt.Sprintf("%s (%d)", base, n)
		}
	}
	setKey(next, "name", str(name))
	if name != seat {
		formerly := mapValue(next, "formerly")
		if formerly == nil || formerly.Kind != yaml.SequenceNode {
			formerly = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle}
			setKey(next, "formerly", formerly)
		}
		formerly.Content = append(formerly.Content, str(seat))
		if f := mapValue(root, "first"); f != nil && f.Value == seat {
			f.Value = name
		}
		if t := mapValue(root, "title"); t != nil && len(names) == 2 && t.Value == names[0]+" ↔ "+names[1] {
			renamed := append([]string(nil), names...)
			for i := range renamed {
				if renamed[i] == seat {
					renamed[i] = name
				}
			}
			t.Value = renamed[0] + " ↔ " + renamed[1]
		}
	}
	*old = *next
	return nil
}

// encodeYAML writes doc back as YAML, as scenarios are written.
func encodeYAML(doc *yaml.Node) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	enc.Close()
	return buf.Bytes(), nil
}

// SeatNames lists the names of the seats of the scenario YAML src, the
// agents its agents: list holds, in order: the seats ReplaceAgent can
// hand over. It fails when src does not read or has no agents: list.
func SeatNames(src []byte) ([]string, error) {
	_, root, err := ParseMapping(src)
	if err != nil {
		return nil, err
	}
	list := mapValue(root, "agents")
	if list == nil || list.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("the scenario has no agents: list")
	}
	names := make([]string, len(list.Content))
	for i, a := range list.Content {
		names[i] = scalar(a, "name")
	}
	return names, nil
}

// ShownSeatSpec is an --agent value, SEAT=SPEC, as a sentence shows it:
// the spec without the secrets it may hold, and a seat's name that looks
// like a key pasted in its place hidden too.
func ShownSeatSpec(value string) string {
	seat, spec, ok := strings.Cut(value, "=")
	if !ok {
		return shownSpec(value)
	}
	if isPastedKey(seat) {
		seat = agents.Redacted
	}
	return seat + "=" + shownSpec(spec)
}

// parseAgentSpec reads PROVIDER:MODEL or a flow mapping of agent fields.
func parseAgentSpec(spec string) (*yaml.Node, error) {
	spec = strings.TrimSpace(spec)
	if strings.HasPrefix(spec, "{") {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(spec), &doc); err != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
			// Not quoted: what does not read as YAML cannot be told
			// apart from the secrets it may hold.
			return nil, fmt.Errorf("the value is not a mapping of agent fields such as {provider: openrouter, model: openai/gpt-5}")
		}
		m := doc.Content[0]
		var probe Agent
		dec := yaml.NewDecoder(strings.NewReader(spec))
		dec.KnownFields(true)
		if err := dec.Decode(&probe); err != nil {
			if mm := unknownRe().FindStringSubmatch(err.Error()); mm != nil {
				return nil, fmt.Errorf("%s: %s", shownSpec(spec), unknownField(mm[2], "Agent"))
			}
			return nil, fmt.Errorf("%s: %v", shownSpec(spec), agents.RedactSecrets(strings.TrimPrefix(err.Error(), "yaml: "), specSecrets(spec)...))
		}
		clearPositions(m)
		return m, nil
	}
	provider, model, ok := strings.Cut(spec, ":")
	if !ok || provider == "" || model == "" || strings.Contains(provider, "/") {
		return nil, fmt.Errorf("%q is neither PROVIDER:MODEL (such as openrouter:openai/gpt-5) nor a mapping such as {base_url: http://127.0.0.1:8080/v1, model: m}", shownSpec(spec))
	}
	return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{
		str("provider"), str(provider), str("model"), str(model)}}, nil
}

// modelName is the name a seat takes from its model: the id's last path
// segment ("openai/gpt-5" → "gpt-5").
func modelName(model string) string {
	if i := strings.LastIndexByte(model, '/'); i >= 0 && i < len(model)-1 {
		return model[i+1:]
	}
	return model
}

func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func setKey(m *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = v
			return
		}
	}
	m.Content = append(m.Content, str(key), v)
}

func clearPositions(n *yaml.Node) {
	n.Line, n.Column = 0, 0
	for _, c := range n.Content {
		clearPositions(c)
	}
}

// shownSpec is an --agent value as an error shows it: without the secrets
// it may hold (a header's value, a key, a URL's password or secret query
// parameter, a key pasted where a model, provider, base URL or type
// goes). A mapping that does not read as YAML cannot be told apart from
// the secrets it may hold, and a value that is not PROVIDER:MODEL but
// looks like a key is one: both are hidden whole.
func shownSpec(spec string) string {
	secrets := specSecrets(spec)
	if isMappingSpec(spec) {
		var doc yaml.Node
		if yaml.Unmarshal([]byte(spec), &doc) != nil {
			return agents.Redacted
		}
	} else if len(secrets) == 0 && (HoldsKey(spec) || !strings.Contains(spec, ":") && LooksLikeKey(spec)) {
		return agents.Redacted
	}
	return agents.RedactSecrets(agents.RedactURL(spec), secrets...)
}

// isMappingSpec reports whether an --agent spec is given as a mapping of
// agent fields rather than as PROVIDER:MODEL.
func isMappingSpec(spec string) bool { return strings.HasPrefix(strings.TrimSpace(spec), "{") }

// specSecrets are the secrets an --agent value holds: a mapping's
// headers' values, a key pasted in (as api_key, or where a model,
// provider, base URL or type goes, as validation tells it) and what its
// URLs hide; for PROVIDER:MODEL, a key pasted as either.
func specSecrets(spec string) []string {
	if !isMappingSpec(spec) {
		out := agents.URLSecrets(spec)
		if provider, model, ok := strings.Cut(strings.TrimSpace(spec), ":"); ok {
			out = append(out, pastedKeys("provider", str(provider))...)
			out = append(out, pastedKeys("model", str(model))...)
		}
		return out
	}
	var doc yaml.Node
	if yaml.Unmarshal([]byte(spec), &doc) != nil || len(doc.Content) == 0 {
		return agents.URLSecrets(spec)
	}
	var out []string
	var walk func(n *yaml.Node, header bool)
	walk = func(n *yaml.Node, header bool) {
		switch n.Kind {
		case yaml.ScalarNode:
			if header || HoldsKey(n.Value) {
				out = append(out, n.Value)
			}
			out = append(out, agents.URLSecrets(n.Value)...)
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				out = append(out, pastedKeys(k.Value, v)...)
				if k.Value == "base_urls" && v.Kind == yaml.SequenceNode {
					for _, u := range v.Content {
						out = append(out, pastedKeys("base_url", u)...)
					}
				}
				walk(v, header || k.Value == "headers")
			}
		default:
			for _, c := range n.Content {
				walk(c, header)
			}
		}
	}
	walk(doc.Content[0], false)
	return out
}

// pastedKeys is what must not be shown of v, the value of an agent's
// field: v itself when it is a key pasted where the field's name or
// address goes, as validation refuses it (a model that holds a key, a
// provider parley does not know or a base URL that is no URL, each
// looking like one, a type that does), or one of isKeyField's; and, for
// a model, the name a seat would take from it.
func pastedKeys(field string, v *yaml.Node) []string {
	if isKeyField(field, v) {
		return []string{v.Value}
	}
	if v.Kind != yaml.ScalarNode || v.Value == "" {
		return nil
	}
	s := v.Value
	switch field {
	case "model":
		if HoldsKey(s) {
			if n := modelName(s); n != s && HoldsKey(n) {
				return []string{s, n}
			}
			return []string{s}
		}
	case "provider":
		if _, known := agents.LookupProvider(s); !known && isPastedKey(s) {
			return []string{s}
		}
	case "base_url":
		if !isHTTPURL(s) && isPastedKey(s) {
			return []string{s}
		}
	case "type":
		if isPastedKey(s) {
			return []string{s}
		}
	}
	return nil
}

// isPastedKey reports whether s, given where parley expects a name or an
// address, reads as an API key pasted there instead.
func isPastedKey(s string) bool { return HoldsKey(s) || LooksLikeKey(s) }
