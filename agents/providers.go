package agents

import (
	"net"
	"os"
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

// BaseURLEnv names the variable that moves the preset, as that tool's own
// users expect (OLLAMA_HOST, OPENAI_BASE_URL); "" for none.
func (p Provider) BaseURLEnv() string { return baseURLEnv[p.Name].name }

// baseURLEnv are the variables that move a preset, and how each is read.
var baseURLEnv = map[string]struct {
	name string
	url  func(string) string
}{
	"openai": {"OPENAI_BASE_URL", func(v string) string { return strings.TrimRight(strings.TrimSpace(v), "/") }},
	"ollama": {"OLLAMA_HOST", ollamaBaseURL},
}

// ollamaBaseURL reads OLLAMA_HOST as the ollama CLI does: a host, a
// host:port or a URL. Without a scheme it is http on port 11434; with
// http:// or https:// the port defaults to 80 or 443.
func ollamaBaseURL(v string) string {
	v = strings.TrimRight(strings.TrimSpace(v), "/")
	scheme, port := "http", "11434"
	if s, rest, ok := strings.Cut(v, "://"); ok {
		scheme, v, port = s, rest, ""
	}
	host, path, _ := strings.Cut(v, "/")
	if host == "" {
		host = "localhost"
	}
	if _, _, err := net.SplitHostPort(host); err != nil && port != "" {
		host = net.JoinHostPort(strings.Trim(host, "[]"), port)
	}
	base := scheme + "://" + host
	if path = strings.TrimSuffix(path, "v1"); path != "" {
		base += "/" + strings.TrimSuffix(path, "/")
	}
	return base + "/v1"
}

// withEnv applies the variable that moves p, when it is set.
func withEnv(p Provider) Provider {
	if e, ok := baseURLEnv[p.Name]; ok {
		if v := os.Getenv(e.name); strings.TrimSpace(v) != "" {
			p.BaseURL = e.url(v)
			p.Note += " (moved by " + e.name + ")"
		}
	}
	return p
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
	out := make([]Provider, 0, len(providers))
	for _, p := range providers {
		out = append(out, withEnv(p))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// LookupProvider finds a preset by name, ignoring case. OLLAMA_HOST and
// OPENAI_BASE_URL, when set, move the ollama and openai presets.
func LookupProvider(name string) (Provider, bool) {
	for _, p := range providers {
		if strings.EqualFold(p.Name, name) {
			return withEnv(p), true
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
