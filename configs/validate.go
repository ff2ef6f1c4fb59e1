package configs

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/parleyhq/parley/agents"
	"github.com/parleyhq/parley/orchestrator/policy"
)

// validate checks the scenario and fills in defaults.
func (s *Scenario) validate() error {
	if s.Roster != nil {
		return s.validateRoster()
	}
	if len(s.Agents) != 2 {
		return &Error{Msg: fmt.Sprintf("a scenario needs exactly two agents under agents:, found %d", len(s.Agents))}
	}
	seen := map[string]bool{}
	for i := range s.Agents {
		a := &s.Agents[i]
		if err := a.validate(i); err != nil {
			return err
		}
		if seen[a.Name] {
			return &Error{Line: a.Line, Msg: fmt.Sprintf("both agents are named %q; give each its own name", a.Name)}
		}
		seen[a.Name] = true
	}
	if s.Title == "" {
		s.Title = s.Agents[0].Name + " ↔ " + s.Agents[1].Name
	}
	if strings.ContainsAny(s.Title, "\r\n") {
		return &Error{Msg: "title: must be one line"}
	}
	if s.First == "" {
		s.First = s.Agents[0].Name
	} else if !seen[s.First] {
		return &Error{Msg: fmt.Sprintf("first: is %q, but the agents are %q and %q", s.First, s.Agents[0].Name, s.Agents[1].Name)}
	}
	return s.validateShared()
}

// validateRoster checks a roster scenario: the roster itself and the fields
// its pairs share.
func (s *Scenario) validateRoster() error {
	if err := s.validateRosterShape(); err != nil {
		return err
	}
	if s.Title == "" {
		s.Title = fmt.Sprintf("roster of %d agents", len(s.Roster.Agents))
	}
	return s.validateShared()
}

// validateShared checks what two-agent and roster scenarios have alike.
func (s *Scenario) validateShared() error {
	if s.History.MaxMessages < 0 {
		return &Error{Msg: "history.max_messages must not be negative (0 keeps the whole history)"}
	}
	if _, err := s.Policy(); err != nil {
		return withLine("", "termination: ", err)
	}
	for key, l := range s.Limits {
		if _, ok := agents.LookupProvider(key); !ok && !isHTTPURL(key) {
			return &Error{Msg: fmt.Sprintf("limits: %q is neither a provider (%s) nor an http:// or https:// base URL", key, agents.ProviderNames())}
		}
		if l.Concurrent < 0 || l.PerMinute < 0 {
			return &Error{Msg: fmt.Sprintf("limits: %q: concurrent and per_minute must not be negative (0 means no bound)", key)}
		}
	}
	return nil
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// Policy builds the scenario's termination policy, or the default set when
// it names none.
func (s *Scenario) Policy() (policy.Policy, error) {
	p, err := policy.Parse(&s.Termination)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return policy.Default(), nil
	}
	return p, nil
}

// FirstIndex is the index in Agents of the agent that opens.
func (s *Scenario) FirstIndex() int {
	if s.Agents[1].Name == s.First {
		return 1
	}
	return 0
}

func (a *Agent) validate(i int) error {
	where := fmt.Sprintf("agents[%d]", i)
	if a.Name != "" {
		where = fmt.Sprintf("agent %q", a.Name)
	}
	fail := func(format string, args ...any) error {
		return &Error{Line: a.Line, Msg: where + ": " + fmt.Sprintf(format, args...)}
	}
	if strings.TrimSpace(a.Name) == "" {
		return fail("name: is required")
	}
	if strings.ContainsAny(a.Name, "\r\n") || strings.HasPrefix(a.Name, "#") {
		return fail("name: must be one line and not start with #")
	}
	if a.Name == "Moderator" {
		return fail(`name: "Moderator" is reserved for the operator's notes`)
	}
	if a.APIKey != "" {
		return fail("api_key: keys never go in a scenario file; put the key in an environment variable and name it with api_key_env, or name a file with api_key_file")
	}
	if a.Type == "" {
		a.Type = TypeOpenAI
	}
	switch a.Type {
	case TypeOpenAI:
		if a.Model == "" {
			return fail("model: is required for an OpenAI-compatible agent")
		}
		for j, u := range a.BaseURLs {
			if !isHTTPURL(u) {
				return fail("base_urls[%d]: %q is not an http:// or https:// URL", j, u)
			}
		}
		if a.BaseURL == "" && len(a.BaseURLs) > 0 {
			a.BaseURL = a.BaseURLs[0]
		}
		if a.Provider == "" && a.BaseURL == "" {
			return fail("set provider: (one of %s) or base_url:", agents.ProviderNames())
		}
		if a.Provider != "" {
			if _, ok := agents.LookupProvider(a.Provider); !ok {
				return fail("provider: %q is not a known provider; known providers are %s (or set base_url: for any other OpenAI-compatible server)", a.Provider, agents.ProviderNames())
			}
		}
		if a.BaseURL != "" && !isHTTPURL(a.BaseURL) {
			return fail("base_url: %q is not an http:// or https:// URL", a.BaseURL)
		}
		if a.Temperature != nil && (*a.Temperature < 0 || *a.Temperature > 2) {
			return fail("temperature: %v is outside 0 to 2", *a.Temperature)
		}
		if a.TopP != nil && (*a.TopP <= 0 || *a.TopP > 1) {
			return fail("top_p: %v is outside 0 (exclusive) to 1", *a.TopP)
		}
		if a.MaxTokens != nil && *a.MaxTokens < 1 {
			return fail("max_tokens: must be at least 1")
		}
		if a.Retries != nil && *a.Retries < 1 {
			return fail("retries: is the most attempts per reply and must be at least 1")
		}
		if a.Timeout < 0 || a.IdleTimeout < 0 || a.Backoff < 0 {
			return fail("timeout:, idle_timeout: and backoff: must not be negative")
		}
		if a.Transcript != "" || a.Speaker != "" || len(a.Lines) > 0 {
			return fail("transcript:, speaker: and lines: belong to replay and scripted agents; set type: replay or type: scripted")
		}
	case TypeReplay:
		if a.Transcript == "" {
			return fail("transcript: is required for a replay agent")
		}
		if a.Speaker == "" {
			a.Speaker = a.Name
		}
	case TypeScripted:
		if len(a.Lines) == 0 {
			return fail("lines: is required for a scripted agent and must hold at least one line")
		}
	case TypeHuman:
	default:
		return fail("type: %q is not an agent type; use openai (the default), replay, scripted or human", a.Type)
	}
	if a.Type != TypeOpenAI && (a.Provider != "" || a.Model != "" || a.BaseURL != "" || len(a.BaseURLs) > 0) {
		if a.Type != TypeReplay || a.Provider != "" || a.BaseURL != "" || len(a.BaseURLs) > 0 {
			return fail("provider:, model: and base_url: belong to OpenAI-compatible agents, not type: %s", a.Type)
		}
	}
	if a.Pace < 0 {
		return fail("pace: must not be negative")
	}
	for _, f := range a.Formerly {
		if strings.TrimSpace(f) == "" || f == a.Name || f == "Moderator" {
			return fail("formerly: lists earlier names of this seat; %q is not one", f)
		}
	}
	return nil
}

var policyLineRe = regexp.MustCompile(`^line (\d+): (.*)$`)

// withLine turns a policy error that starts "line N: " into an *Error
// with that line.
func withLine(file, prefix string, err error) error {
	if m := policyLineRe.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: file, Line: line, Msg: prefix + m[2]}
	}
	return &Error{File: file, Msg: prefix + err.Error()}
}

// Endpoint is the base URL an OpenAI-compatible agent's requests go to:
// base_url, else its provider's, without a trailing slash.
func (a *Agent) Endpoint() string {
	base := a.BaseURL
	if base == "" {
		p, _ := agents.LookupProvider(a.Provider)
		base = p.BaseURL
	}
	return strings.TrimRight(base, "/")
}
