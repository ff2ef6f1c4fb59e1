package configs

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/parleyhq/parley/agents"
	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/pricing"
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
	out = append(out, s.unpricedWarnings(p)...)
	out = append(out, s.unusedAgentFields()...)
	if !policy.Bounded(p) && s.endless() {
		line := s.lines["termination"]
		out = append(out, (&Error{File: s.Path, Line: line, Msg: "termination: no rule ends the run on its own (max_messages, max_duration, max_tokens or max_cost, under any: or beside the other rules), and two models left alone rarely stop: the run goes on, at the providers' expense, until it is stopped by hand; add max_messages: 1000, as the default set has, or another limit"}).Error())
	}
	return out
}

// unusedAgentFields warns of a model's settings given to an agent that
// is not a model (replay, scripted, human): they do nothing there, which
// a wrong type: is the likeliest reason for.
func (s *Scenario) unusedAgentFields() []string {
	var out []string
	for _, a := range s.Agents {
		if a.Type == "" || a.Type == TypeOpenAI {
			continue
		}
		var set []string
		first := "" // the field said at its line
		for _, f := range []struct {
			name string
			set  bool
		}{
			{"system", a.System != ""}, {"temperature", a.Temperature != nil}, {"top_p", a.TopP != nil},
			{"max_tokens", a.MaxTokens != nil}, {"seed", a.Seed != nil}, {"stop", len(a.Stop) > 0},
			{"headers", len(a.Headers) > 0}, {"api_key_env", a.APIKeyEnv != ""}, {"api_key_file", a.APIKeyFile != ""},
			{"retries", a.Retries != nil}, {"timeout", a.Timeout != 0}, {"idle_timeout", a.IdleTimeout != 0}, {"backoff", a.Backoff != 0},
		} {
			if f.set {
				set = append(set, f.name+":")
				if first == "" && a.lines[f.name] > 0 {
					first = f.name
				}
			}
		}
		if len(set) == 0 {
			continue
		}
		out = append(out, a.FieldError(s.Path, first, fmt.Sprintf("agent %q: %s %s nothing for a %s agent, which sends no request to a model; is its type: right?",
			a.Name, strings.Join(set, ", "), map[bool]string{true: "does", false: "do"}[len(set) == 1], a.Type)).Error())
	}
	return out
}

// endless reports whether nothing but the policy would end a run of the
// scenario: every agent answers for as long as it is asked (a model's
// endpoint, or a person), and one is a model. A scripted or replayed
// side ends the run when its lines run out.
func (s *Scenario) endless() bool {
	model := false
	for _, a := range s.EveryAgent() {
		switch a.Type {
		case "", TypeOpenAI:
			model = true
		case TypeHuman:
		default:
			return false
		}
	}
	return model
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

// unpricedWarnings warn of a max_cost that some model agent's messages can
// never count toward: its provider reports no cost, and the price table
// does not list its model, so each of its messages costs "unknown" and the
// budget passes over it.
func (s *Scenario) unpricedWarnings(p policy.Policy) []string {
	costed := false
	policy.Walk(p, func(q policy.Policy) {
		if _, ok := q.(policy.MaxCost); ok {
			costed = true
		}
	})
	if !costed {
		return nil
	}
	all := s.EveryAgent()
	var out []string
	for i := range all {
		a := &all[i]
		if a.Type != "" && a.Type != TypeOpenAI {
			continue // scripted, replayed and human sides cost nothing, and count so
		}
		if agents.ReportsCost(a.Provider, a.Endpoint()) {
			continue
		}
		if _, ok := pricing.Lookup(a.Model); ok {
			continue
		}
		out = append(out, a.FieldError(s.Path, "model", fmt.Sprintf(
			"agent %q: max_cost cannot count its messages: its provider reports no cost and parley's price table (of %s) does not list model %q, so the budget never counts what it spends; a provider that reports cost (OpenRouter) or another limit (max_tokens) bounds it",
			a.Name, pricing.TableDate, a.Model)).Error())
	}
	return out
}

// EveryAgent lists the scenario's agents, then a roster's contestants,
// each with the roster's defaults.
func (s *Scenario) EveryAgent() []Agent {
	all := append([]Agent(nil), s.Agents...)
	if s.Roster != nil {
		for i := range s.Roster.Agents {
			all = append(all, s.Roster.Merged(i))
		}
	}
	return all
}
