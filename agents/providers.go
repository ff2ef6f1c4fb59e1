package agents

import (
	"sort"
	"strings"
)

// Provider is a preset for a well-known OpenAI-compatible endpoint, so a
// scenario can say `provider: xai` and nothing more.
type Provider struct {
	Name    string
	BaseURL string
	KeyEnv  string // the environment variable holding the key; "" for key-less local servers
	Note    string
}

var providers = []Provider{
	{"openai", "https://api.openai.com/v1", "OPENAI_API_KEY", "OpenAI"},
	{"xai", "https://api.x.ai/v1", "XAI_API_KEY", "xAI (grok)"},
	{"moonshot", "https://api.moonshot.ai/v1", "MOONSHOT_API_KEY", "Moonshot AI (Kimi)"},
	{"openrouter", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY", "OpenRouter, many models behind one key"},
	{"groq", "https://api.groq.com/openai/v1", "GROQ_API_KEY", "Groq"},
	{"deepseek", "https://api.deepseek.com/v1", "DEEPSEEK_API_KEY", "DeepSeek"},
	{"mistral", "https://api.mistral.ai/v1", "MISTRAL_API_KEY", "Mistral AI"},
	{"together", "https://api.together.xyz/v1", "TOGETHER_API_KEY", "Together AI"},
	{"anthropic", "https://api.anthropic.com/v1", "ANTHROPIC_API_KEY", "Anthropic, through its OpenAI-compatible endpoint"},
	{"gemini", "https://generativelanguage.googleapis.com/v1beta/openai", "GEMINI_API_KEY", "Google Gemini, through its OpenAI-compatible endpoint"},
	{"ollama", "http://localhost:11434/v1", "", "Ollama on this machine, no key"},
	{"lmstudio", "http://localhost:1234/v1", "", "LM Studio's local server, no key"},
	{"vllm", "http://localhost:8000/v1", "", "a vLLM server on this machine, no key"},
	{"llamacpp", "http://localhost:8080/v1", "", "llama.cpp's llama-server on this machine, no key"},
}

// Providers lists the presets, sorted by name.
func Providers() []Provider {
	out := append([]Provider(nil), providers...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// LookupProvider finds a preset by name, ignoring case.
func LookupProvider(name string) (Provider, bool) {
	for _, p := range providers {
		if strings.EqualFold(p.Name, name) {
			return p, true
		}
	}
	return Provider{}, false
}

// ProviderNames lists the preset names, for error messages.
func ProviderNames() string {
	var names []string
	for _, p := range Providers() {
		names = append(names, p.Name)
	}
	return strings.Join(names, ", ")
}
