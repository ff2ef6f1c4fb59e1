package configs

import (
	"errors"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// QuickSource is the name a scenario built from command-line flags
// carries in sentences and in its transcript.
const QuickSource = "the command line"

// StdinSource is the name a scenario read from standard input carries
// in sentences, in its transcript and in a batch's batch.json: it names
// no file, and one that happens to be called so is never read for it.
const StdinSource = "stdin"

// Quick is a scenario given on the command line instead of in a file:
// two agents in the provider:model shorthand that ollama and mods users
// type ("ollama:llama3.2", "openrouter:x-ai/grok-4"), each optionally
// named ("Ada=ollama:llama3.2"; else the model names it), an optional
// system prompt for both and an opening line.
type Quick struct {
	Agents  []string // provider:model, one per agent
	System  string
	Opening string
	Title   string
}

// YAML writes the quick form as a scenario file, so it is validated, varied
// with --set and recorded like any other.
func (q Quick) YAML() ([]byte, error) {
	if len(q.Agents) != 2 {
		return nil, fmt.Errorf("--agent: give exactly two, such as --agent ollama:llama3.2 --agent openai:gpt-4o-mini; got %d", len(q.Agents))
	}
	type agent struct {
		Name     string `yaml:"name"`
		Provider string `yaml:"provider,omitempty"`
		BaseURL  string `yaml:"base_url,omitempty"`
		Model    string `yaml:"model"`
		System   string `yaml:"system,omitempty"`
	}
	doc := struct {
		Title   string  `yaml:"title,omitempty"`
		Agents  []agent `yaml:"agents"`
		Opening *string `yaml:"opening,omitempty"`
	}{Title: q.Title}
	for _, spec := range q.Agents {
		rest := strings.TrimSpace(spec)
		name := ""
		if n, r, ok := strings.Cut(rest, "="); ok && !strings.Contains(n, ":") {
			name, rest = strings.TrimSpace(n), strings.TrimSpace(r)
		}
		provider, model, ok := strings.Cut(rest, ":")
		if !ok || provider == "" || model == "" {
			if HoldsKey(spec) || LooksLikeKey(spec) {
				// Never repeated.
				return nil, errors.New("--agent looks like an API key, not PROVIDER:MODEL; give the key through the provider's environment variable (parley providers names it) and the agent as PROVIDER:MODEL, such as openrouter:x-ai/grok-4")
			}
			return nil, fmt.Errorf("--agent %q: write PROVIDER:MODEL, such as ollama:llama3.2 or openrouter:x-ai/grok-4, or NAME=PROVIDER:MODEL (parley providers lists the providers)", spec)
		}
		if name == "" {
			name = model[strings.LastIndexByte(model, '/')+1:]
			if HoldsKey(model) {
				// Not named after a key pasted as the model, which
				// validation refuses without repeating it.
				name = fmt.Sprintf("agent %d", len(doc.Agents)+1)
			}
		}
		a := agent{Name: name, Provider: provider, Model: model, System: q.System}
		doc.Agents = append(doc.Agents, a)
	}
	if doc.Agents[0].Name == doc.Agents[1].Name {
		doc.Agents[0].Name += " (1)"
		doc.Agents[1].Name += " (2)"
	}
	if q.Opening != "" {
		doc.Opening = &q.Opening
	}
	return yaml.Marshal(doc)
}
