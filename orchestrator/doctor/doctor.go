// Package doctor checks, before a run, that every model agent of a
// scenario can be reached: the endpoint answers, the key is accepted and
// the model is served. It asks only for the endpoint's model list
// (GET /models), so it spends no tokens unless asked to send each model a
// one-token request (Options.Ask), which the agent a run builds sends and
// reads, so that its verdict and its sentence are the run's. Each agent
// gets one sentence.
package doctor

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/parleyhq/parley/agents"
	"github.com/parleyhq/parley/configs"
	"github.com/parleyhq/parley/internal/phrase"
	"github.com/parleyhq/parley/internal/suggest"
	"github.com/parleyhq/parley/orchestrator"
)

// Status is how one agent fared.
type Status string

// Statuses.
const (
	OK      Status = "ok"      // the key is accepted and the model is served
	Warn    Status = "warning" // reached, but the model could not be confirmed
	Fail    Status = "fail"    // the run would fail: no key, refused, unreachable, no such model
	Skipped Status = "skipped" // not a model agent: nothing to reach
)

// Finding is the verdict on one agent or judge.
type Finding struct {
	Agent    string `json:"agent"`
	Status   Status `json:"status"`
	URL      string `json:"url,omitempty"`
	Sentence string `json:"sentence"`
}

// Options adjust Check.
type Options struct {
	Client  *http.Client        // nil: a client with Timeout
	Getenv  func(string) string // nil: os.Getenv
	Timeout time.Duration       // per endpoint; 0 means 10s
	// Ask also sends each model one tiny request (max_tokens 1), which
	// costs a few tokens, to show it answers; off unless asked. It is
	// sent by the agent a run builds, with its retries, timeout: and
	// idle_timeout:, and read as a run reads a reply.
	Ask bool
	// AskTimeout bounds Ask's request at each endpoint, its retries and
	// the waits between them included; 0 means DefaultAskTimeout.
	AskTimeout time.Duration
}

// DefaultAskTimeout is how long Ask waits at each endpoint when
// Options.AskTimeout is not set (`parley doctor --ask-timeout` sets it).
const DefaultAskTimeout = 30 * time.Second

// target is one model endpoint to check.
type target struct {
	who, model, keyEnv, keyFile string
	// addressEnv names the environment variable the agent's address came
	// from (OLLAMA_HOST moving the ollama preset), or "".
	addressEnv string
	urls       []string
	headers    map[string]string
	// publicModels is set for endpoints that list models without looking
	// at the key (OpenRouter); the key is then checked at GET /key.
	publicModels bool
	// req is the agent's configuration as a run builds it (its sampling
	// settings, seed, stop sequences, the field its cap goes in, its
	// retries, timeout: and idle_timeout:): --ask's one-token request is
	// sent by an agent built from it, so a server that would refuse a
	// run's request refuses it too, and one that serves the run serves
	// it.
	req agents.OpenAIConfig
	// others are the secrets of every agent and judge of the scenario,
	// hidden in this one's sentences too: one server may echo what
	// another agent sends (a gateway both sides go through).
	others []string
}

// secrets are what the agent sends that must not be shown: its key, its
// headers' values, what its base URLs hold (a password, a key) and the
// password of the proxy its requests go through.
func (t target) secrets(key string) []string {
	out := append([]string{key}, t.others...)
	for _, v := range t.headers {
		out = append(out, agents.HeaderSecrets(v)...)
	}
	for _, u := range t.urls {
		out = append(out, agents.URLSecrets(u)...)
		out = append(out, agents.ProxySecrets(u)...)
	}
	return out
}

// Check reaches every model agent and judge of s and returns one finding
// for each agent, in order, then one for each judge.
func Check(ctx context.Context, s *configs.Scenario, opt Options) []Finding {
	if opt.Getenv == nil {
		opt.Getenv = os.Getenv
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 10 * time.Second
	}
	if opt.AskTimeout <= 0 {
		opt.AskTimeout = DefaultAskTimeout
	}
	if opt.Client == nil {
		opt.Client = &http.Client{Timeout: opt.Timeout, CheckRedirect: agents.CheckRedirect}
	}
	var out []Finding
	// A tournament's contestants come after the agents, each with the
	// roster's defaults; with no type, each is a model's endpoint.
	all := s.EveryAgent()
	for i := range all {
		if all[i].Type == "" {
			all[i].Type = configs.TypeOpenAI
		}
	}
	// Every secret of the scenario, so that each finding hides them all.
	var secrets []string
	for _, a := range append(slices.Clone(all), s.Judges()...) {
		if a.Type == "" || a.Type == configs.TypeOpenAI {
			t := targetOf(&a, "")
			key, _, _ := t.key(opt) // a key that cannot be read is check's to say
			secrets = append(secrets, t.secrets(key)...)
		}
	}
	for _, a := range all {
		who := fmt.Sprintf("agent %q", a.Name)
		switch a.Type {
		case configs.TypeReplay:
			// Nothing to reach, but a recording that cannot be replayed
			// fails the run as surely as a server that is down.
			if err := orchestrator.ReplayProblem(s, &a); err != nil {
				out = append(out, Finding{Agent: a.Name, Status: Fail, Sentence: err.Error()})
				continue
			}
			out = append(out, Finding{Agent: a.Name, Status: Skipped, Sentence: fmt.Sprintf("%s replays %s: nothing to reach", who, a.Transcript)})
			continue
		case configs.TypeScripted:
			out = append(out, Finding{Agent: a.Name, Status: Skipped, Sentence: fmt.Sprintf("%s says %d scripted %s: nothing to reach", who, len(a.Lines), map[bool]string{true: "line", false: "lines"}[len(a.Lines) == 1])})
			continue
		case configs.TypeHuman:
			out = append(out, Finding{Agent: a.Name, Status: Skipped, Sentence: who + " is you, at the keyboard: nothing to reach"})
			continue
		}
		t := targetOf(&a, who)
		t.others = secrets
		f := check(ctx, opt, t)
		f.Agent = a.Name
		out = append(out, f)
	}
	for _, j := range s.Judges() {
		t := targetOf(&j, j.JudgeWho())
		t.others = secrets
		f := check(ctx, opt, t)
		f.Agent = j.Name
		out = append(out, f)
	}
	return out
}

// targetOf is what doctor reaches for a model agent or a judge, named
// who: its endpoints (its replicas, or its one address), its key and its
// headers, as a run sends them.
func targetOf(a *configs.Agent, who string) target {
	urls := a.BaseURLs
	addressEnv := ""
	if len(urls) == 0 {
		urls = []string{a.Endpoint()}
		if p, ok := agents.LookupProvider(a.Provider); ok && a.BaseURL == "" {
			addressEnv = p.MovedBy()
		}
	}
	return target{who: who, model: a.Model, keyEnv: a.KeyEnv(), keyFile: a.APIKeyFile, addressEnv: addressEnv, urls: urls, headers: a.Headers,
		publicModels: strings.EqualFold(a.Provider, "openrouter") || strings.Contains(a.Endpoint(), "openrouter.ai"),
		req:          orchestrator.RequestConfig(a)}
}

// key is the key t sends (from its file or its variable, cleaned), what
// to call it in a sentence, and, when it cannot be sent, the sentence that
// says why ("" when it can).
func (t target) key(opt Options) (key, keyName, problem string) {
	switch {
	case t.keyFile != "":
		data, err := os.ReadFile(t.keyFile)
		if err != nil {
			return "", "", configs.KeyFileUnreadable(t.who, t.keyFile, err)
		}
		if key, err = configs.CleanKey(string(data), "api_key_file: "+configs.KeyFileName(t.keyFile)); err != nil {
			return "", "", fmt.Sprintf("%s: %v", t.who, err)
		}
		if key == "" {
			return "", "", fmt.Sprintf("%s: api_key_file: %s is empty", t.who, configs.KeyFileName(t.keyFile))
		}
		return key, "the key in " + configs.KeyFileName(t.keyFile), ""
	case t.keyEnv != "":
		key, err := configs.CleanKey(opt.Getenv(t.keyEnv), "the environment variable "+t.keyEnv)
		if err != nil {
			return "", "", fmt.Sprintf("%s: %v", t.who, err)
		}
		if key == "" {
			return "", "", fmt.Sprintf("%s needs an API key: set the environment variable %s", t.who, t.keyEnv)
		}
		return key, "the key in " + t.keyEnv, ""
	}
	return "", "", ""
}

func check(ctx context.Context, opt Options, t target) Finding {
	key, keyName, problem := t.key(opt)
	if problem != "" {
		return Finding{Status: Fail, Sentence: problem}
	}
	if agents.SetsAuthorization(t.headers) {
		keyName = "the Authorization header in headers:" // sent in the key's place
	}
	var worst, best Finding
	failed := 0
	for i, u := range t.urls {
		f := checkURL(ctx, opt, t, u, key, keyName)
		if opt.Ask && f.Status != Fail {
			f = ask(ctx, opt, t, f, u, key)
		}
		if f.Status == Fail {
			failed++
		}
		if i == 0 || rank(f.Status) > rank(worst.Status) {
			worst = f
		}
		if i == 0 || rank(f.Status) < rank(best.Status) {
			best = f
		}
	}
	if failed > 0 && failed < len(t.urls) {
		// Replicas: a run fails over to those that answer, so some down
		// is a warning, not a failure.
		best.Status = Warn
		best.Sentence = fmt.Sprintf("%s (%d of %d replicas failed: %s)", best.Sentence, failed, len(t.urls), worst.Sentence)
		return best
	}
	return worst
}

func rank(s Status) int {
	switch s {
	case Fail:
		return 2
	case Warn:
		return 1
	}
	return 0
}

// models builds the request for base's model list, carrying the agent's
// headers and, when there is one, its key.
func (t target) models(ctx context.Context, base, key string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, agents.Endpoint(base, "/models"), nil)
	if err != nil {
		return nil, err
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	// After the key, as the agent sends them: a header that sets
	// Authorization goes in the key's place.
	for k, v := range t.headers {
		req.Header.Set(k, v)
	}
	return req, nil
}

func checkURL(ctx context.Context, opt Options, t target, base, key, keyName string) Finding {
	f := Finding{URL: agents.RedactURL(base)}
	ctx, cancel := context.WithTimeout(ctx, opt.Timeout)
	defer cancel()
	req, err := t.models(ctx, base, key)
	if err != nil {
		f.Status, f.Sentence = Fail, fmt.Sprintf("%s: %s is not a URL parley can reach", t.who, agents.RedactURL(base))
		return f
	}
	resp, err := opt.Client.Do(req)
	if err != nil {
		f.Status, f.Sentence = Fail, fmt.Sprintf("%s: cannot reach %s: %s", t.who, agents.RedactURL(base), t.netReason(err, key))
		if t.addressEnv != "" {
			f.Sentence += fmt.Sprintf(" Check %s, which sets this agent's address.", t.addressEnv)
		}
		return f
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		if keyName == "" {
			f.Status, f.Sentence = Fail, fmt.Sprintf("%s: %s refused a request that carried no key (%d); name the variable holding one with api_key_env: (or a file with api_key_file:)", t.who, agents.RedactURL(base), resp.StatusCode)
			return f
		}
		fix := "check the key"
		if agents.SetsAuthorization(t.headers) {
			fix = "check the header's value"
		}
		f.Status, f.Sentence = Fail, fmt.Sprintf("%s: %s refused %s (%d); %s", t.who, agents.RedactURL(base), keyName, resp.StatusCode, fix)
		return f
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed:
		f.Status, f.Sentence = Warn, fmt.Sprintf("%s: %s answers but lists no models (GET /models: %d), so model %q could not be confirmed", t.who, agents.RedactURL(base), resp.StatusCode, t.model)
		return f
	case resp.StatusCode/100 != 2:
		f.Status, f.Sentence = Fail, fmt.Sprintf("%s: %s answered GET /models with %d %s", t.who, agents.RedactURL(base), resp.StatusCode, http.StatusText(resp.StatusCode))
		return f
	}
	var list struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		f.Status, f.Sentence = Warn, fmt.Sprintf("%s: %s answers, but its model list is not OpenAI's JSON, so model %q could not be confirmed", t.who, agents.RedactURL(base), t.model)
		return f
	}
	ids := make([]string, 0, len(list.Data))
	for _, m := range list.Data {
		// Ollama lists "llama3.2:latest" and answers to "llama3.2".
		if m.ID == t.model || m.ID == t.model+":latest" {
			f.Status = OK
			f.Sentence = fmt.Sprintf("%s: ok: %s serves %s", t.who, agents.RedactURL(base), t.model)
			if keyName != "" {
				f.Sentence = fmt.Sprintf("%s: ok: %s accepts %s and serves %s", t.who, agents.RedactURL(base), keyName, t.model)
				if t.publicModels {
					return checkKey(ctx, opt, t, f, base, key, keyName)
				}
			}
			return f
		}
		ids = append(ids, m.ID)
	}
	sort.Strings(ids)
	f.Status = Fail
	f.Sentence = fmt.Sprintf("%s: %s does not serve model %q", t.who, agents.RedactURL(base), t.model)
	switch c := closest(t.model, ids); {
	case c != "":
		f.Sentence += fmt.Sprintf("; did you mean %q?", c)
	case len(ids) == 0:
		f.Sentence += "; it lists no models (for Ollama: ollama pull " + t.model + ")"
	case len(ids) <= 5:
		f.Sentence += "; it serves " + strings.Join(ids, ", ")
	default:
		f.Sentence += fmt.Sprintf("; it serves %d others, such as %s", len(ids), strings.Join(ids[:5], ", "))
	}
	return f
}

// ask sends the model one request for a single token through the agent a
// run builds from t (its retries, its backoff and a server's Retry-After,
// its timeout: and idle_timeout:), which reads the reply as a run reads
// it, and says what came of it in the run's own sentence. The retries a
// run would make are made while they fit in opt.AskTimeout; one that would
// not is said to be what a run would do, as a warning, since whether it
// answers then is not known.
func ask(ctx context.Context, opt Options, t target, f Finding, base, key string) Finding {
	cfg := t.req
	cfg.Name = t.who
	cfg.BaseURL, cfg.Route = base, "" // this replica alone
	cfg.APIKey = key
	if t.keyFile != "" {
		cfg.KeyEnv = "" // a run names a key read from a file "its API key"
	}
	one := 1
	cfg.MaxTokens = &one
	// The agent's own clocks bound the request, as in a run; the
	// client's, which doctor sets for GET /models, would cut it short.
	client := *opt.Client
	client.Timeout = 0
	cfg.HTTPClient = &client
	cfg.Secrets = new(agents.Secrets)
	cfg.Secrets.Add(t.secrets(key)...)
	agent := agents.NewOpenAI(cfg)

	actx, cancel := context.WithTimeout(ctx, opt.AskTimeout)
	defer cancel()
	start := time.Now()
	deadline, _ := actx.Deadline()
	var reasons []string // why each failed attempt failed
	var last *agents.Retry
	var err error
	for ch, e := range agent.Reply(actx, []agents.Message{{Role: agents.RoleUser, Content: "Say OK."}}) {
		if e != nil {
			err = e
			break
		}
		r := ch.Retry
		if r == nil {
			continue
		}
		reasons, last = append(reasons, r.Reason), r
		if now := time.Now(); now.Add(r.Wait).After(deadline) {
			f.Status = Warn
			f.Sentence = fmt.Sprintf("%s: %s failed a one-token request", t.who, agents.RedactURL(base))
			if n := len(reasons); n > 1 {
				f.Sentence += fmt.Sprintf(" %d times", n)
			}
			f.Sentence += " (" + strings.Join(slices.Compact(reasons), "; ") + "); "
			// The wait alone, or the time already spent with it, is what
			// runs past doctor's.
			if spent := now.Sub(start); r.Wait < opt.AskTimeout {
				f.Sentence += fmt.Sprintf("after the %s already spent, a run would wait %s more and ask again (attempt %d of %d), %s in all",
					phrase.Duration(spent), phrase.Duration(r.Wait), r.Attempt+1, r.Max, phrase.Duration(spent+r.Wait))
			} else {
				f.Sentence += fmt.Sprintf("a run would wait %s and ask again (attempt %d of %d)", phrase.Duration(r.Wait), r.Attempt+1, r.Max)
			}
			f.Sentence += fmt.Sprintf(", longer than doctor waits (%s), so whether it answers is not known", phrase.Duration(opt.AskTimeout))
			return f
		}
	}
	switch {
	case err == nil:
		f.Sentence += ", and answered a one-token request"
		if n := len(reasons); n > 0 {
			// "2 failed attempts (429 Too Many Requests)", each reason once.
			f.Sentence += fmt.Sprintf(" after %s (%s), asked again as a run asks again",
				phrase.Noun(n, "a failed attempt", fmt.Sprintf("%d failed attempts", n)), strings.Join(slices.Compact(reasons), "; "))
		}
		return f
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
		// Doctor's own wait ran out, not the agent's.
		f.Status = Warn
		f.Sentence = fmt.Sprintf("%s: %s had not finished a one-token request after %s, the longest doctor waits", t.who, agents.RedactURL(base), phrase.Duration(opt.AskTimeout))
		if n := len(reasons); n > 0 {
			// "its first 2 attempts failed (…), and attempt 3 of 5, which
			// a run would make too, had not finished either"
			f.Sentence += fmt.Sprintf(": its first %s failed (%s), and attempt %d of %d, which a run would make too, had not finished either",
				phrase.Noun(n, "attempt", fmt.Sprintf("%d attempts", n)), strings.Join(slices.Compact(reasons), "; "), last.Attempt+1, last.Max)
		}
		f.Sentence += fmt.Sprintf("; a run waits up to %s for each next piece (idle_timeout:) and %s for a reply (timeout:), so whether it answers is not known",
			phrase.Duration(cmp.Or(cfg.IdleTimeout, agents.DefaultIdleTimeout)), phrase.Duration(cmp.Or(cfg.Timeout, agents.DefaultTimeout)))
		return f
	case ctx.Err() != nil:
		f.Status, f.Sentence = Fail, fmt.Sprintf("%s: the one-token request to %s was interrupted", t.who, agents.RedactURL(base))
		return f
	}
	// The run's sentence, which hides the agent's secrets and those of
	// every other agent of the scenario.
	f.Status, f.Sentence = Fail, orchestrator.Sentence(err)
	return f
}

// checkKey asks an endpoint whose model list is public (OpenRouter's) about
// the key itself, at GET /key, so a wrong key is found before a run.
func checkKey(ctx context.Context, opt Options, t target, f Finding, base, key, keyName string) Finding {
	ctx, cancel := context.WithTimeout(ctx, opt.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, agents.Endpoint(base, "/key"), nil)
	if err != nil {
		return f
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := opt.Client.Do(req)
	if err != nil {
		f.Status, f.Sentence = Fail, fmt.Sprintf("%s: cannot reach %s to check %s: %s", t.who, agents.RedactURL(base), keyName, t.netReason(err, key))
		return f
	}
	resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		fix := "check the key"
		if agents.SetsAuthorization(t.headers) {
			fix = "check the header's value"
		}
		f.Status, f.Sentence = Fail, fmt.Sprintf("%s: %s refused %s (%d); %s", t.who, agents.RedactURL(base), keyName, resp.StatusCode, fix)
	case resp.StatusCode/100 != 2:
		f.Status, f.Sentence = Warn, fmt.Sprintf("%s: %s serves %s, but %s could not be checked (GET /key: %d)", t.who, agents.RedactURL(base), t.model, keyName, resp.StatusCode)
	}
	return f
}

// netReason says in words why a request got no answer, without the
// agent's secrets or those of any URL the error quotes (a redirect's
// Location, a proxy's address).
func (t target) netReason(err error, key string) string {
	return agents.RedactURLsIn(agents.RedactSecrets(netCause(err), t.secrets(key)...))
}

// netCause says in words why a request got no answer.
func netCause(err error) string {
	var dns *net.DNSError
	var op *net.OpError
	switch {
	case errors.Is(err, context.DeadlineExceeded) || os.IsTimeout(err):
		return "no answer in time; is the server up and the address right?"
	case errors.As(err, &dns):
		return "the host " + dns.Name + " is not known"
	case errors.As(err, &op) && op.Op == "dial":
		return "nothing is listening there; is the server running?"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// closest returns the candidate nearest s, when it is a near miss: within
// two edits, or s with a tag or a prefix added or missing.
func closest(s string, cands []string) string {
	for _, c := range cands {
		if strings.HasPrefix(c, s+":") || strings.HasPrefix(c, s+"-") || strings.HasSuffix(c, "/"+s) {
			return c
		}
	}
	return suggest.Closest(s, cands)
}
