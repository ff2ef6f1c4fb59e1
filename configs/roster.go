package configs

import (
	"bytes"
	"fmt"
	"maps"
	"reflect"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/parleyhq/parley/internal/phrase"
)

// Roster is a scenario's tournament: a list of agents in place of two,
// the settings they share, and which pairs of them to stage. `parley
// batch` stages every pair; each conversation is an ordinary two-agent
// scenario (see PairSource), titled and recorded with its own two names.
type Roster struct {
	// Defaults holds agent fields every roster agent gets unless it sets
	// its own: provider, system, temperature, max_tokens, …
	Defaults Agent `yaml:"defaults"`
	// Agents are the contestants.
	Agents []Agent `yaml:"agents"`
	// Pairs says which pairs are staged: PairsOrdered (every ordered pair:
	// A ↔ B and B ↔ A, the default) or PairsUnordered (each pair once).
	Pairs string `yaml:"pairs"`
	// SelfPlay adds each agent against itself.
	SelfPlay bool `yaml:"self_play"`
	// Runs is how many conversations each pair gets (default 1).
	Runs int `yaml:"runs"`
	// First says who speaks first in each pair A ↔ B: FirstOpener (A, the
	// default, handed the opening as if B had said it) or FirstResponder
	// (B, answering the opening as if A had said it).
	First string `yaml:"first"`
	// Parallel is how many conversations a batch runs at once unless -j
	// says otherwise (0: the batch's default).
	Parallel int `yaml:"parallel"`

	line   int
	lines  map[string]int  // where each of its fields is, for sentences
	unread map[string]bool // its fields the decoder could not read, already said
}

// Values of Roster.Pairs and Roster.First.
const (
	PairsOrdered   = "ordered"
	PairsUnordered = "unordered"
	FirstOpener    = "opener"
	FirstResponder = "responder"
)

// Pair is one pairing of a roster: agents A (the opener, agents[0] of the
// conversation) and B (the responder, agents[1]), by index into
// Roster.Agents and by name. When an agent plays itself, Names[1] is its
// second seat's name, one no roster agent has ("Kimi K2 (2)"); a manifest
// written before seats were named so holds the agent's name twice.
type Pair struct {
	A     int       `json:"a"`
	B     int       `json:"b"`
	Names [2]string `json:"names"`
}

// String is "A ↔ B".
func (p Pair) String() string { return p.Names[0] + " ↔ " + p.Seat() }

// Seat is the name the responder sits under: its own, or when an agent
// plays itself, its second seat's.
func (p Pair) Seat() string {
	if p.A == p.B && p.Names[1] == p.Names[0] {
		return selfPlayName(p.Names[1]) // a manifest from before seats were named
	}
	return p.Names[1]
}

// Responder is the roster agent that answers: the opener itself, when it
// plays itself.
func (p Pair) Responder() string {
	if p.A == p.B {
		return p.Names[0]
	}
	return p.Names[1]
}

// validate checks the roster and fills in its defaults. It reports every
// problem it finds, each at its field's own line (the roster: line when
// the field is not written), not only the first.
func (r *Roster) validate() Problems {
	var probs Problems
	fail := func(field, format string, args ...any) {
		if r.unread[field] {
			return // its value could not be read, as a sentence said already
		}
		probs = append(probs, &Error{Line: lineOf(r.lines, field, r.line), Msg: "roster: " + fmt.Sprintf(format, args...)})
	}
	switch r.Pairs {
	case "":
		r.Pairs = PairsOrdered
	case PairsOrdered, PairsUnordered:
	default:
		fail("pairs", "pairs: is %q; use ordered (every ordered pair, both ways round) or unordered (each pair once)", r.Pairs)
	}
	switch r.First {
	case "":
		r.First = FirstOpener
	case FirstOpener, FirstResponder:
	default:
		fail("first", "first: is %q; use opener (the first of each pair speaks first) or responder (the second answers the opening)", r.First)
	}
	if _, given := r.lines["runs"]; r.Runs < 0 || (given && r.Runs == 0) {
		fail("runs", "runs: is %d, which stages nothing; give each pair 1 or more conversations, or leave runs: out for 1", r.Runs)
	}
	if r.Runs == 0 {
		r.Runs = 1
	}
	if r.Parallel < 0 {
		fail("parallel", "parallel: must not be negative")
	}
	if r.Defaults.Name != "" {
		probs = append(probs, &Error{Line: r.Defaults.FieldLine("name"), Msg: "roster.defaults: name: belongs to each agent, not to the defaults"})
	}
	need := 2
	if r.SelfPlay {
		need = 1
	}
	if len(r.Agents) < need {
		fail("agents", "agents: needs at least %d agents to pair, found %d", need, len(r.Agents))
	}
	seen := map[string]bool{}
	inherited := map[string]bool{} // a default's problems, said once: of the first agent that takes it
	for i := range r.Agents {
		a := r.Merged(i)
		own := map[int]bool{r.Agents[i].Line: true}
		for _, l := range r.Agents[i].lines {
			own[l] = true
		}
		who := fmt.Sprintf("agents[%d]: ", i)
		if a.Name != "" {
			who = fmt.Sprintf("agent %q: ", a.Name)
		}
		for _, e := range a.validate(i) {
			if !own[e.Line] {
				key := fmt.Sprint(e.Line, strings.TrimPrefix(e.Msg, who))
				if inherited[key] {
					continue
				}
				inherited[key] = true
			}
			e.Msg = "roster." + e.Msg
			probs = append(probs, e)
		}
		if a.Name == "" {
			continue // its name: is said to be required
		}
		if seen[a.Name] {
			probs = append(probs, &Error{Line: a.Line, Msg: fmt.Sprintf("roster: two agents are named %q; give each its own name", a.Name)})
		}
		seen[a.Name] = true
	}
	return probs
}

// Merged is roster agent i with the defaults filled in: every field the
// agent leaves unset takes the default's value.
func (r *Roster) Merged(i int) Agent {
	a := r.Agents[i]
	av := reflect.ValueOf(&a).Elem()
	dv := reflect.ValueOf(r.Defaults)
	for f := 0; f < av.NumField(); f++ {
		name := av.Type().Field(f).Name
		if name == "Name" || name == "Line" || !av.Field(f).CanSet() {
			continue
		}
		if av.Field(f).IsZero() && !dv.Field(f).IsZero() {
			av.Field(f).Set(dv.Field(f))
			// A mistake in a default is at the defaults' line.
			if tag, _, _ := strings.Cut(av.Type().Field(f).Tag.Get("yaml"), ","); tag != "" {
				if l, ok := r.Defaults.lines[tag]; ok {
					a.lines = maps.Clone(a.lines)
					if a.lines == nil {
						a.lines = map[string]int{}
					}
					a.lines[tag] = l
				}
				if r.Defaults.unread[tag] {
					a.unread = maps.Clone(a.unread)
					if a.unread == nil {
						a.unread = map[string]bool{}
					}
					a.unread[tag] = true
				}
			}
		}
	}
	return a
}

// PairList lists the roster's pairs in a stable order: by opener, then by
// responder, as the agents are listed.
func (r *Roster) PairList() []Pair {
	var out []Pair
	n := len(r.Agents)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			switch {
			case i == j && !r.SelfPlay:
				continue
			case r.Pairs == PairsUnordered && j < i:
				continue
			}
			b := r.Agents[j].Name
			if i == j {
				b = r.selfPlaySeat(i)
			}
			out = append(out, Pair{A: i, B: j, Names: [2]string{r.Agents[i].Name, b}})
		}
	}
	return out
}

// selfPlayName is the second seat's name when an agent plays itself: two
// seats of one conversation need two names.
func selfPlayName(name string) string { return name + " (2)" }

// selfPlaySeat is the second seat's name when agent i plays itself: "NAME
// (2)", or (3), (4), … when another roster agent has that name, so that
// no conversation, line or summary row takes one agent for another.
func (r *Roster) selfPlaySeat(i int) string {
	name := r.Agents[i].Name
	taken := func(n string) bool {
		for _, a := range r.Agents {
			if a.Name == n {
				return true
			}
		}
		return false
	}
	seat := selfPlayName(name)
	for k := 3; taken(seat); k++ {
		seat = fmt.Sprintf("%s (%d)", name, k)
	}
	return seat
}

// MissingAgent is a roster agent a pair names that the roster does not
// have: Index, as the pair's Field (pair.a or pair.b) gives it.
type MissingAgent struct {
	Field string
	Index int
}

// MissingAgents lists the agents of p that a roster of n agents does not
// have, each once (pair.a before pair.b); nil when it has both.
func MissingAgents(p Pair, n int) []MissingAgent {
	var out []MissingAgent
	if p.A < 0 || p.A >= n {
		out = append(out, MissingAgent{"pair.a", p.A})
	}
	if (p.B < 0 || p.B >= n) && p.B != p.A {
		out = append(out, MissingAgent{"pair.b", p.B})
	}
	return out
}

// HeldAgents says how many agents a roster of n has, and their indexes:
// "none", "1 (agent 0)", "3 (agents 0 to 2)", with one and many the
// nouns the indexes are named by.
func HeldAgents(n int, one, many string) string {
	switch {
	case n <= 0:
		return "none"
	case n == 1:
		return "1 (" + one + " 0)"
	}
	return fmt.Sprintf("%d (%s 0 to %d)", n, many, n-1)
}

// RosterSize is how many agents the roster of the scenario YAML src lists;
// roster is false when src has no roster section. err is src's own YAML
// error, when it is no mapping.
func RosterSize(src []byte) (n int, roster bool, err error) {
	_, root, err := ParseMapping(src)
	if err != nil {
		return 0, false, err
	}
	r := mapValue(root, "roster")
	if r == nil {
		return 0, false, nil
	}
	if a := mapValue(r, "agents"); a != nil && a.Kind == yaml.SequenceNode {
		n = len(a.Content)
	}
	return n, true, nil
}

// PairSource is the two-agent scenario YAML for pair p of the roster
// scenario src: the roster replaced by agents: (each with the defaults
// filled in), first: and title: "A ↔ B". Everything else — the opening,
// history, termination, limits, output — is kept as written. The result
// is recorded in each conversation's transcript, so it can be resumed or
// forked like any other run.
func PairSource(src []byte, p Pair) ([]byte, error) {
	_, root, err := ParseMapping(src)
	if err != nil {
		return nil, err
	}
	roster := mapValue(root, "roster")
	if roster == nil {
		return nil, fmt.Errorf("the scenario has no roster section")
	}
	agentsNode := mapValue(roster, "agents")
	n := 0
	if agentsNode != nil && agentsNode.Kind == yaml.SequenceNode {
		n = len(agentsNode.Content)
	}
	if missing := MissingAgents(p, n); len(missing) > 0 {
		var names []string
		for _, m := range missing {
			names = append(names, strconv.Itoa(m.Index))
		}
		return nil, fmt.Errorf("the roster has no %s %s; it has %s", phrase.Noun(len(names), "agent", "agents"), phrase.And(names), HeldAgents(n, "agent", "agents"))
	}
	defaults := mapValue(roster, "defaults")
	first := FirstOpener
	if f := mapValue(roster, "first"); f != nil && f.Value != "" {
		first = f.Value
	}
	a := mergedNode(defaults, agentsNode.Content[p.A], "")
	rename := ""
	if p.A == p.B {
		rename = p.Seat()
	}
	b := mergedNode(defaults, agentsNode.Content[p.B], rename)
	names := [2]string{scalar(a, "name"), scalar(b, "name")}

	out := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	add := func(key string, val *yaml.Node) {
		out.Content = append(out.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, val)
	}
	str := func(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }
	add("title", str(names[0]+" ↔ "+names[1]))
	add("agents", &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{a, b}})
	speaker := names[0]
	if first == FirstResponder {
		speaker = names[1]
	}
	add("first", str(speaker))
	for i := 0; i+1 < len(root.Content); i += 2 {
		switch root.Content[i].Value {
		case "roster", "title", "agents", "first":
			continue
		}
		out.Content = append(out.Content, root.Content[i], root.Content[i+1])
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	enc.Close()
	return buf.Bytes(), nil
}

// mergedNode is an agent's mapping with the defaults' fields it does not
// set, and its name replaced when rename is set.
func mergedNode(defaults, agent *yaml.Node, rename string) *yaml.Node {
	out := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	has := map[string]bool{}
	if agent != nil && agent.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(agent.Content); i += 2 {
			k, v := agent.Content[i], agent.Content[i+1]
			if isZeroNode(v) {
				continue
			}
			has[k.Value] = true
			if k.Value == "name" && rename != "" {
				v = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: rename}
			}
			out.Content = append(out.Content, k, v)
		}
	}
	if defaults != nil && defaults.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(defaults.Content); i += 2 {
			if !has[defaults.Content[i].Value] {
				out.Content = append(out.Content, defaults.Content[i], defaults.Content[i+1])
			}
		}
	}
	return out
}

// isZeroNode reports a value that leaves a field unset, as Merged reads
// it: null, or an empty string, list or mapping.
func isZeroNode(n *yaml.Node) bool {
	switch n.Kind {
	case yaml.ScalarNode:
		return n.Tag == "!!null" || n.Value == ""
	case yaml.SequenceNode, yaml.MappingNode:
		return len(n.Content) == 0
	}
	return false
}

func mapValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func scalar(m *yaml.Node, key string) string {
	if v := mapValue(m, key); v != nil {
		return v.Value
	}
	return ""
}

// IsRoster reports whether the scenario names a roster rather than two agents.
func (s *Scenario) IsRoster() bool { return s.Roster != nil }

// ForPair loads the two-agent scenario of one pair of a roster scenario.
func (s *Scenario) ForPair(p Pair) (*Scenario, error) {
	src, err := PairSource([]byte(s.Source), p)
	if err != nil {
		return nil, &Error{File: s.Path, Msg: fmt.Sprintf("staging %s: %v", p, err)}
	}
	return Parse(s.Path, src)
}

// validateRosterShape checks a roster scenario's top level and its roster,
// and lists every problem it finds.
func (s *Scenario) validateRosterShape() Problems {
	var probs Problems
	if len(s.Agents) > 0 {
		probs = append(probs, &Error{Line: s.Roster.line, Msg: "a scenario names either two agents under agents: or a roster under roster:, not both; move the agents into roster.agents"})
	}
	if s.First != "" {
		probs = append(probs, &Error{Line: lineOf(s.lines, "first", s.Roster.line), Msg: "first: names one agent of a pair; in a roster say roster.first: opener or responder"})
	}
	if strings.ContainsAny(s.Title, "\r\n") {
		probs = append(probs, &Error{Line: s.lines["title"], Msg: "title: must be one line"})
	}
	return append(probs, s.Roster.validate()...)
}
