package configs

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/parleyhq/parley/agents"
	"github.com/parleyhq/parley/internal/lazy"
	"github.com/parleyhq/parley/internal/phrase"
	"github.com/parleyhq/parley/internal/suggest"
	"github.com/parleyhq/parley/orchestrator/policy"
	"github.com/parleyhq/parley/transcripts"
)

// validate checks the scenario and fills in defaults. It reports every
// problem it finds, not only the first.
func (s *Scenario) validate() error {
	var probs Problems
	add := func(line int, format string, args ...any) {
		probs = append(probs, &Error{Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	if s.Roster != nil {
		probs = append(probs, s.validateRosterShape()...)
		if s.Title == "" {
			s.Title = fmt.Sprintf("roster of %d agents", len(s.Roster.Agents))
		}
		return s.validateShared(probs)
	}
	seen := map[string]bool{}
	titled := true // the file gives the title, rather than the agents' names making it
	for i := range s.Agents {
		a := &s.Agents[i]
		probs = append(probs, a.validate(i)...)
		if a.Name == "" {
			continue
		}
		if seen[a.Name] {
			add(a.Line, "both agents are named %q; give each its own name", a.Name)
		}
		seen[a.Name] = true
	}
	if len(s.Agents) != 2 {
		if !s.unread["agents"] { // else a sentence said what agents: holds
			add(s.lines["agents"], "a scenario needs exactly two agents under agents:, found %d", len(s.Agents))
		}
	} else {
		if titled = s.Title != ""; !titled {
			s.Title = s.Agents[0].Name + " ↔ " + s.Agents[1].Name
		}
		if s.First == "" {
			s.First = s.Agents[0].Name
		} else if !seen[s.First] {
			msg := fmt.Sprintf("first: is %q, but the agents are %q and %q", s.First, s.Agents[0].Name, s.Agents[1].Name) +
				suggest.Hint(s.First, []string{s.Agents[0].Name, s.Agents[1].Name})
			if HoldsKey(s.First) {
				msg = fmt.Sprintf("first: looks like an API key, not an agent's name; name the agent that speaks first, %q or %q", s.Agents[0].Name, s.Agents[1].Name)
			}
			add(s.lines["first"], "%s", msg)
		}
	}
	// A title made from the agents' names (none was given) is not one the
	// file holds: a name with a line break is said of the name.
	if titled && strings.ContainsAny(s.Title, "\r\n") {
		add(s.lines["title"], "title: must be one line")
	}
	return s.validateShared(probs)
}

// validateShared checks what two-agent and roster scenarios have alike,
// adding to the problems already found, and returns them all, sorted by
// line, or nil.
func (s *Scenario) validateShared(probs Problems) error {
	add := func(line int, format string, args ...any) {
		probs = append(probs, &Error{Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	if l, given := s.lines["empty_reply"]; given && !s.unread["empty_reply"] && strings.TrimSpace(s.EmptyReply) == "" {
		add(l, "empty_reply: is blank, but an empty message cannot be shown to the agents as nothing, since strict providers refuse it; give the text to show in its place, such as \"(silence)\", or leave empty_reply: out for parley's own placeholder")
	}
	if s.History.MaxMessages < 0 {
		add(s.lines["history"], "history.max_messages must not be negative (0 keeps the whole history)")
	}
	// A judge is a model agent too: its provider, address, temperature,
	// key variable, headers and fault settings are checked as an agent's
	// are, each at its own line.
	probs = append(probs, judgeProblems(s.Judges(), "termination: ")...)
	if _, err := s.Policy(); err != nil {
		for _, err := range policy.Errors(err) {
			e := withLine("", "termination: ", err).(*Error)
			if e.Line == 0 {
				e.Line = s.lines["termination"]
			}
			probs = append(probs, e)
		}
	}
	keys := make([]string, 0, len(s.Limits))
	for key := range s.Limits {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		l := s.Limits[key]
		if _, ok := agents.LookupProvider(key); !ok && !isHTTPURL(key) {
			msg := fmt.Sprintf("limits: %q is neither a provider (%s) nor an http:// or https:// base URL", agents.RedactURL(key), agents.ProviderNames()) +
				suggest.Hint(strings.ToLower(key), providerNames())
			add(s.lines["limits"], "%s", msg)
		}
		if l.Concurrent < 0 || l.PerMinute < 0 {
			add(s.lines["limits"], "limits: %q: concurrent and per_minute must not be negative (0 means no bound)", key)
		}
	}
	if len(probs) == 0 {
		return nil
	}
	probs.sort()
	return probs
}

// judgeProblems checks each judge as an agent is checked, each sentence
// naming the judge after prefix (a scenario's termination: ).
func judgeProblems(judges []Agent, prefix string) Problems {
	var probs Problems
	for _, a := range judges {
		for _, e := range a.validate(0) {
			e.Msg = prefix + a.JudgeWho() + strings.TrimPrefix(e.Msg, fmt.Sprintf("agent %q", a.Name))
			probs = append(probs, e)
		}
	}
	return probs
}

func providerNames() []string {
	var names []string
	for _, p := range agents.Providers() {
		names = append(names, p.Name)
	}
	return names
}

// replicaKey is what makes two replicas' URLs the same server: the scheme
// and host in any case, the path with or without a trailing slash.
func replicaKey(s string) string {
	u, err := url.Parse(strings.TrimRight(s, "/"))
	if err != nil {
		return strings.TrimRight(s, "/")
	}
	u.Host = strings.ToLower(u.Host)
	return u.String()
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// Policy builds the scenario's termination policy, or the default set when
// it names none: a policy of its own at each call, since a conversation's
// rules hold what they have judged. A scenario that Parse read parses its
// termination block once; each call then copies the parsed rules'
// settings (policy.Renew), so a batch does not parse it again, and leave
// its garbage, for every conversation.
func (s *Scenario) Policy() (policy.Policy, error) {
	t := s.termination
	if t == nil {
		return buildPolicy(&s.Termination)
	}
	t.once.Do(func() { t.p, t.err = buildPolicy(&s.Termination) })
	if t.err != nil {
		return nil, t.err
	}
	if p, ok := policy.Renew(t.p); ok {
		return p, nil
	}
	return buildPolicy(&s.Termination) // a rule Renew cannot copy, such as a judge
}

// parsedTermination is a scenario's termination policy as first parsed:
// a template that is copied, and never judges.
type parsedTermination struct {
	once sync.Once
	p    policy.Policy
	err  error
}

// buildPolicy parses a termination block; an empty one is the default set.
func buildPolicy(n *yaml.Node) (policy.Policy, error) {
	p, err := policy.Parse(n)
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

// validate checks one agent and fills in its defaults, returning every
// problem, each at the line of the field to fix.
func (a *Agent) validate(i int) Problems {
	where := fmt.Sprintf("agents[%d]", i)
	// A key pasted as the name is never repeated, as the agent's name
	// or in a sentence of another field.
	keyName := HoldsKey(a.Name)
	if a.Name != "" && !keyName {
		where = fmt.Sprintf("agent %q", a.Name)
	}
	var probs Problems
	fail := func(field, format string, args ...any) {
		if a.unread[field] {
			return // its value could not be read, as a sentence said already
		}
		probs = append(probs, &Error{Line: a.FieldLine(field), Msg: where + ": " + fmt.Sprintf(format, args...)})
	}
	if strings.TrimSpace(a.Name) == "" {
		fail("name", "name: is required")
	}
	if strings.ContainsAny(a.Name, "\r\n") || strings.HasPrefix(a.Name, "#") {
		fail("name", "name: must be one line and not start with #")
	}
	if keyName {
		// It would be printed, and recorded as the speaker of every
		// message the agent says.
		fail("name", "name: looks like an API key rather than the agent's name; name the agent (name: Claude) and give the key through an environment variable (api_key_env: MY_API_KEY). "+
			"If this file or command line was shared, consider the key exposed and replace it")
	}
	if a.Name == "Moderator" {
		fail("name", `name: "Moderator" is reserved for the operator's notes`)
	}
	if mark := transcripts.NameMark(a.Name); mark != "" {
		what := map[string]string{"(opening)": "the opening", "(injected)": "an injected message", "(interrupted)": "an interrupted message"}[mark]
		fail("name", "name: %q ends with %q, the mark the Markdown transcript puts after a speaker's name on %s; to a person reading the transcript, its messages would be taken for %q's, each marked %s. Choose a name that does not end with it", a.Name, " "+mark, what, strings.TrimSuffix(a.Name, " "+mark), mark)
	}
	if a.APIKey != "" {
		fail("api_key", "api_key: keys never go in a scenario file; put the key in an environment variable and name it with api_key_env, or name a file with api_key_file")
	}
	if a.APIKeyEnv != "" {
		if msg := envNameProblem(a.APIKeyEnv); msg != "" {
			fail("api_key_env", "%s", msg)
		}
	}
	if a.Type == "" {
		a.Type = TypeOpenAI
	}
	if HoldsKey(a.Model) {
		// It would be sent, printed and recorded as the model's name.
		fail("model", "model: looks like an API key rather than a model's name; name the model (model: gpt-4o) and give the key through an environment variable (api_key_env: MY_API_KEY). "+
			"If this file or command line was shared, consider the key exposed and replace it")
	}
	switch a.Type {
	case TypeOpenAI:
		if a.Model == "" && !a.judge {
			fail("model", "model: is required for an OpenAI-compatible agent")
		}

		first := map[string]int{} // each replica's first place in the list
		for j, u := range a.BaseURLs {
			item := fmt.Sprintf("base_urls[%d]", j) // its own line, when it has one
			if _, ok := a.lines[item]; !ok {
				item = "base_urls"
			}
			switch {
			case isHTTPURL(u):
			case HoldsKey(u) || LooksLikeKey(u):
				fail(item, "base_urls[%d]: looks like an API key rather than a URL; list the provider's addresses (https://HOST/v1) and give the key through an environment variable (api_key_env: MY_API_KEY)", j)
			default:
				fail(item, "base_urls[%d]: %q is not an http:// or https:// URL", j, agents.RedactURL(u))
			}
			if k, ok := first[replicaKey(u)]; ok {
				fail(item, "base_urls[%d] is base_urls[%d] again; list each replica once (its requests are spread evenly over the list)", j, k)
			} else {
				first[replicaKey(u)] = j
			}
		}
		if a.BaseURL != "" && len(a.BaseURLs) > 0 && strings.TrimRight(a.BaseURL, "/") != strings.TrimRight(a.BaseURLs[0], "/") {
			fail("base_url", "base_url: is not the first of base_urls:; beside the replicas it must be the first of them (where the agent's requests are addressed), so give the replicas alone in base_urls:, or base_url: alone")
		}
		if a.BaseURL == "" && len(a.BaseURLs) > 0 {
			a.BaseURL = a.BaseURLs[0]
		}
		if a.Provider == "" && a.BaseURL == "" && !a.judge {
			fail("provider", "set provider: (one of %s) or base_url:", agents.ProviderNames())
		}
		if a.Provider != "" {
			if _, ok := agents.LookupProvider(a.Provider); !ok && LooksLikeKey(a.Provider) {
				// A key pasted where the provider's name goes is not
				// repeated, in the sentence or as a suggestion's source.
				fail("provider", "provider: looks like an API key rather than a provider's name; name the provider (provider: openrouter; parley providers lists them) and give the key through an environment variable (api_key_env: MY_API_KEY). "+
					"If this file or command line was shared, consider the key exposed and replace it")
			} else if !ok {
				if c := suggest.Closest(strings.ToLower(a.Provider), providerNames()); c != "" {
					fail("provider", "provider: %q is not a known provider; did you mean %q? (parley providers lists them all)", a.Provider, c)
				} else {
					fail("provider", "provider: %q is not a known provider; known providers are %s (or set base_url: for any other OpenAI-compatible server)", a.Provider, agents.ProviderNames())
				}
			}
		}
		// A base_url taken from base_urls[0] is said of base_urls above.
		if a.BaseURL != "" && !isHTTPURL(a.BaseURL) && !(len(a.BaseURLs) > 0 && a.BaseURL == a.BaseURLs[0] && a.lines["base_url"] == 0) {
			if HoldsKey(a.BaseURL) || LooksLikeKey(a.BaseURL) {
				fail("base_url", "base_url: looks like an API key rather than a URL; give the provider's address (base_url: https://HOST/v1) and the key through an environment variable (api_key_env: MY_API_KEY)")
			} else {
				fail("base_url", "base_url: %q is not an http:// or https:// URL", agents.RedactURL(a.BaseURL))
			}
		}
		// Written so that NaN (.nan in YAML), which no comparison holds
		// for, is outside too: it cannot be sent as JSON.
		if a.Temperature != nil && !(*a.Temperature >= 0 && *a.Temperature <= 2) {
			fail("temperature", "temperature: %v is outside 0 to 2", *a.Temperature)
		}
		if a.TopP != nil && !(*a.TopP > 0 && *a.TopP <= 1) {
			fail("top_p", "top_p: %v is outside 0 (exclusive) to 1", *a.TopP)
		}
		if a.MaxTokens != nil && *a.MaxTokens < 1 {
			fail("max_tokens", "max_tokens: must be at least 1")
		}
		if field := agents.SamplingRefused(a.Model, a.Temperature, a.TopP); field != "" {
			v := a.Temperature
			if field == "top_p" {
				v = a.TopP
			}
			override := fmt.Sprintf("set %s: 1 on this agent", field)
			if one := 1.0; agents.SamplingRefused(a.Model, &one, &one) != "" {
				override = "give this agent a roster entry of its own without it" // some take none at all
			}
			fail(field, "%s: %v cannot be sent to %s, one of OpenAI's reasoning models, which take only their own temperature and top_p; leave %s out (or, where a roster's defaults give it, %s)", field, *v, a.Model, field, override)
		}
		if a.Retries != nil && *a.Retries < 1 {
			fail("retries", "retries: is the most attempts per reply and must be at least 1")
		}
		for _, d := range []struct {
			field string
			v     Duration
			def   time.Duration
		}{{"timeout", a.Timeout, agents.DefaultTimeout}, {"idle_timeout", a.IdleTimeout, agents.DefaultIdleTimeout}, {"backoff", a.Backoff, agents.DefaultBackoff}} {
			_, written := a.lines[d.field]
			switch {
			case d.v < 0:
				fail(d.field, "%s: must not be negative", d.field)
			case d.v == 0 && written:
				// Left out, it is the default; written 0, it would read
				// as no limit (or no wait), which parley does not offer.
				fail(d.field, "%s: 0 is not a setting parley offers (there is no unlimited %s); leave it out for the default, %s, or give a duration", d.field, d.field, phrase.Duration(d.def))
			}
		}
		if a.Transcript != "" || a.Speaker != "" || len(a.Lines) > 0 {
			fail("transcript", "transcript:, speaker: and lines: belong to replay and scripted agents; set type: replay or type: scripted")
		}
	case TypeReplay:
		if a.Transcript == "" && !a.unread["transcript"] { // else a sentence said what transcript: holds
			fail("type", "transcript: is required for a replay agent")
		}
		if len(a.Lines) > 0 {
			fail("lines", "lines: belongs to scripted agents; a replay agent says its recording's messages (set type: scripted to say these lines)")
		}
		if a.Speaker == "" {
			a.Speaker = a.Name
		}
	case TypeScripted:
		for _, j := range a.nullLines {
			// Dropped by the decoder, it would go unsaid, and the lines
			// after it said one turn early.
			item := fmt.Sprintf("lines[%d]", j)
			fail(item, "%s is null (~, or nothing after its dash), which YAML reads as no line at all; write the line it should say (in quotes, \"~\", to say a tilde) or leave the item out", item)
		}
		if len(a.Lines) == 0 && len(a.nullLines) == 0 && !a.unread["lines"] { // else a sentence said what lines: holds
			fail("type", "lines: is required for a scripted agent and must hold at least one line")
		}
		if a.Transcript != "" || a.Speaker != "" {
			fail("transcript", "transcript: and speaker: belong to replay agents; a scripted agent says its lines: (set type: replay to replay a recording)")
		}
	case TypeHuman:
		if a.Transcript != "" || a.Speaker != "" || len(a.Lines) > 0 {
			fail("transcript", "transcript:, speaker: and lines: belong to replay and scripted agents; a person at the keyboard types this side's messages")
		}
	default:
		msg := fmt.Sprintf("type: %q is not an agent type; use openai (the default), replay, scripted or human", a.Type)
		if c := suggest.Closest(a.Type, []string{TypeOpenAI, TypeReplay, TypeScripted, TypeHuman}); c != "" {
			msg = fmt.Sprintf("type: %q is not an agent type; did you mean %q? (openai, the default, replay, scripted or human)", a.Type, c)
		}
		if HoldsKey(a.Type) {
			msg = "type: looks like an API key, not an agent type; use openai (the default), replay, scripted or human, and give the key through an environment variable (api_key_env: MY_API_KEY)"
		}
		fail("type", "%s", msg)
	}
	known := a.Type == TypeOpenAI || a.Type == TypeReplay || a.Type == TypeScripted || a.Type == TypeHuman
	if known && a.Type != TypeOpenAI && (a.Provider != "" || a.Model != "" || a.BaseURL != "" || len(a.BaseURLs) > 0) {
		if a.Type != TypeReplay || a.Provider != "" || a.BaseURL != "" || len(a.BaseURLs) > 0 {
			fail("type", "provider:, model: and base_url: belong to OpenAI-compatible agents, not type: %s", a.Type)
		}
	}
	if a.Pace < 0 {
		fail("pace", "pace: must not be negative")
	}
	for _, f := range a.Formerly {
		if strings.TrimSpace(f) == "" || f == a.Name || f == "Moderator" {
			fail("formerly", "formerly: lists earlier names of this seat; %q is not one", f)
		}
	}
	if a.Type == TypeOpenAI {
		a.checkTransport(fail)
	}
	return probs
}

var policyLineRe = lazy.Regexp(`^line (\d+): (.*)$`)

// withLine turns a policy error that starts "line N: " into an *Error
// with that line.
func withLine(file, prefix string, err error) error {
	if m := policyLineRe().FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: file, Line: line, Msg: prefix + m[2]}
	}
	return &Error{File: file, Msg: prefix + err.Error()}
}

// ReplicaKey names an agent's replicas (base_urls:) for the transport
// that spreads its requests across them, "" for an agent without: the
// replicas are this agent's (and any with the same list), never another's
// that is addressed to one of the same URLs.
func (a *Agent) ReplicaKey() string {
	if len(a.BaseURLs) == 0 {
		return ""
	}
	urls := make([]string, len(a.BaseURLs))
	for i, u := range a.BaseURLs {
		urls[i] = strings.TrimRight(u, "/")
	}
	return strings.Join(urls, " ")
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

// KeyEnv is the variable an OpenAI-compatible agent's key comes from:
// api_key_env, else its provider's; "" when it reads a key file or needs
// no key.
func (a *Agent) KeyEnv() string {
	if a.APIKeyFile != "" {
		return ""
	}
	if a.APIKeyEnv != "" {
		return a.APIKeyEnv
	}
	p, _ := agents.LookupProvider(a.Provider)
	return p.KeyEnv
}
