package configs

import (
	"strings"
	"testing"
)

func TestQuickForm(t *testing.T) {
	src, err := Quick{Agents: []string{"Ada=ollama:llama3.2:1b", "openrouter:x-ai/grok-4"}, System: "Be brief.", Opening: "Hi"}.YAML()
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse(QuickSource, src)
	if err != nil {
		t.Fatalf("%v\n%s", err, src)
	}
	a, b := s.Agents[0], s.Agents[1]
	if a.Name != "Ada" || a.Provider != "ollama" || a.Model != "llama3.2:1b" || b.Name != "grok-4" || b.Model != "x-ai/grok-4" ||
		a.System != "Be brief." || *s.Opening != "Hi" || s.Title != "Ada ↔ grok-4" {
		t.Errorf("scenario: %+v %+v", a, b)
	}
	src, _ = Quick{Agents: []string{"ollama:m", "ollama:m"}}.YAML()
	if s, err := Parse(QuickSource, src); err != nil || s.Agents[0].Name == s.Agents[1].Name {
		t.Errorf("one model twice: %v %+v", err, s)
	}
	if _, err := (Quick{Agents: []string{"ollama", "x:y"}}).YAML(); err == nil || !strings.Contains(err.Error(), "PROVIDER:MODEL") {
		t.Errorf("err = %v", err)
	}
}
