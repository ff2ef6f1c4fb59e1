package configs

import (
	"sort"
	"strings"

	"github.com/parleyhq/parley/agents"
)

// checkTransport reports what would keep an OpenAI-compatible agent's
// requests from being sent at all: a header HTTP cannot carry, or an
// address moved by an environment variable (OLLAMA_HOST,
// OPENAI_BASE_URL) that is not a URL parley can reach. The agent itself
// refuses the same at run time (agents.HeaderProblem, Provider.EnvProblem).
func (a *Agent) checkTransport(fail func(field, format string, args ...any)) {
	names := make([]string, 0, len(a.Headers))
	for k := range a.Headers {
		names = append(names, k)
	}
	sort.Strings(names)
	same := map[string]string{} // each name in lower case: the first written so
	for _, k := range names {
		if first, ok := same[strings.ToLower(k)]; ok {
			// Only one would be sent, and which is not written down.
			fail(a.headerField(k), "headers: %q and %q are the same header (HTTP ignores the case of a header's name); keep one", first, k)
		}
		same[strings.ToLower(k)] = k
	}
	for _, k := range names {
		if p := agents.HeaderProblem(k, a.Headers[k]); p != "" {
			fail(a.headerField(k), "headers: %s", p)
		}
	}
	if a.BaseURL != "" || a.Provider == "" {
		return
	}
	if p, ok := agents.LookupProvider(a.Provider); ok {
		if prob := p.EnvProblem(); prob != "" {
			fail("provider", "provider: %s takes its address from the environment, and %s", p.Name, prob)
		}
	}
}

// headerField is the field of header k, for its line: its own when it has
// one, else the headers: block's.
func (a *Agent) headerField(k string) string {
	if _, ok := a.lines["headers."+k]; ok {
		return "headers." + k
	}
	return "headers"
}
