package configs

import (
	"fmt"
	"os"
	"strings"

	"github.com/parleyhq/parley/agents"
	"github.com/parleyhq/parley/orchestrator/policy"
)

// KeyProblems lists the API keys a run of the scenario would lack: a key
// variable that is unset or empty, or a key file that cannot be read,
// for each agent and judge. getenv looks up variables (nil: os.Getenv).
// The sentences name the agent and the variable; they never hold a key.
func (s *Scenario) KeyProblems(getenv func(string) string) Problems {
	if getenv == nil {
		getenv = os.Getenv
	}
	var probs Problems
	check := func(line int, who, provider, keyEnv, keyFile string) {
		if keyFile != "" {
			data, err := os.ReadFile(keyFile)
			switch {
			case err != nil:
				probs = append(probs, &Error{File: s.Path, Line: line, Msg: fmt.Sprintf("%s: api_key_file: cannot read %s", who, keyFile)})
			case strings.TrimSpace(string(data)) == "":
				probs = append(probs, &Error{File: s.Path, Line: line, Msg: fmt.Sprintf("%s: api_key_file: %s is empty", who, keyFile)})
			}
			return
		}
		if keyEnv == "" && provider != "" {
			p, _ := agents.LookupProvider(provider)
			keyEnv = p.KeyEnv
		}
		if keyEnv != "" && getenv(keyEnv) == "" {
			probs = append(probs, &Error{File: s.Path, Line: line, Msg: fmt.Sprintf("%s needs an API key: the environment variable %s is not set", who, keyEnv)})
		}
	}
	for _, a := range s.Agents {
		if a.Type == TypeOpenAI {
			check(a.Line, fmt.Sprintf("agent %q", a.Name), a.Provider, a.APIKeyEnv, a.APIKeyFile)
		}
	}
	if s.Roster != nil {
		for i := range s.Roster.Agents {
			// A roster's agent takes the defaults' provider and key;
			// with no type it is an endpoint's, as a scenario's is.
			if a := s.Roster.Merged(i); a.Type == "" || a.Type == TypeOpenAI {
				check(a.Line, fmt.Sprintf("roster agent %q", a.Name), a.Provider, a.APIKeyEnv, a.APIKeyFile)
			}
		}
	}
	for _, j := range s.Judges() {
		check(j.Line, fmt.Sprintf("the judge %q", j.Name), j.Provider, j.APIKeyEnv, "")
	}
	return probs
}

// Judges are the scenario's judge rules (its moderator models), each as
// the agent it is: its name ("judge" when it has none), provider, model,
// address, key variable and temperature, at the termination block's line.
func (s *Scenario) Judges() []Agent {
	p, err := s.Policy()
	if err != nil {
		return nil
	}
	var out []Agent
	policy.Walk(p, func(q policy.Policy) {
		j, ok := q.(*policy.Judge)
		if !ok {
			return
		}
		c := j.Config
		name := c.Name
		if name == "" {
			name = "judge"
		}
		out = append(out, Agent{Name: name, Type: TypeOpenAI, Provider: c.Provider, Model: c.Model, BaseURL: c.BaseURL,
			APIKeyEnv: c.APIKeyEnv, Temperature: c.Temperature, Line: s.lines["termination"]})
	})
	return out
}
