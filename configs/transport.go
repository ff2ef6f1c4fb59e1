package configs

import (
	"sort"

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
	for _, k := range names {
		if p := agents.HeaderProblem(k, a.Headers[k]); p != "" {
			field := "headers." + k // the header's own line, when it has one
			if _, ok := a.lines[field]; !ok {
				field = "headers"
			}
			fail(field, "headers: %s", p)
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
