package agents

import "testing"

func TestOllamaHostIsReadAsOllamaReadsIt(t *testing.T) {
	for in, want := range map[string]string{
		"10.0.0.5":                      "http://10.0.0.5:11434/v1",
		"10.0.0.5:8000":                 "http://10.0.0.5:8000/v1",
		"0.0.0.0":                       "http://0.0.0.0:11434/v1",
		"http://box.lan:11434/":         "http://box.lan:11434/v1",
		"https://ollama.example.com":    "https://ollama.example.com/v1",
		"https://gw.example.com/ollama": "https://gw.example.com/ollama/v1",
		"http://box.lan/v1":             "http://box.lan/v1",
		"[::1]":                         "http://[::1]:11434/v1",
	} {
		if got := ollamaBaseURL(in); got != want {
			t.Errorf("OLLAMA_HOST=%s: %s, want %s", in, got, want)
		}
	}
}

func TestPresetsMoveWithTheirVariables(t *testing.T) {
	t.Setenv("OLLAMA_HOST", "")
	if p, _ := LookupProvider("ollama"); p.BaseURL != "http://localhost:11434/v1" || p.BaseURLEnv() != "OLLAMA_HOST" {
		t.Fatalf("unset: %+v", p)
	}
	t.Setenv("OLLAMA_HOST", "127.0.0.1:9999")
	t.Setenv("OPENAI_BASE_URL", "https://proxy.example.com/v1")
	if p, _ := LookupProvider("ollama"); p.BaseURL != "http://127.0.0.1:9999/v1" {
		t.Errorf("ollama: %+v", p)
	}
	if p, _ := LookupProvider("OpenAI"); p.BaseURL != "https://proxy.example.com/v1" {
		t.Errorf("openai: %+v", p)
	}
}
